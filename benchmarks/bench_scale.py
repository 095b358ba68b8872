"""Benchmark (issue 16): the Monte Carlo at prefecture scale, within a memory budget.

    python -m benchmarks.bench_scale city [PROJECT] [--workers N] [--memory-budget 2GB]
    python -m benchmarks.bench_scale prefecture [PROJECT] [--copies 10] [--workers 2]

``city``: the whole ``simulate`` of DX標準 with 1,000 replications (load, apply the
scenario, Monte Carlo, percentiles, counters) on PROJECT — by default a generated
30,000-procedure, 400-section project made here (``benchmarks.common.generated_city``,
about 20 minutes: pass the project of an earlier run instead). Targets: ≤ 60 s and ≤ 2 GB.

``prefecture``: the Monte Carlo of PROJECT's procedures ``--copies`` times (10 × 30,000 =
300,000 procedures, 4,000 sections) through Dask (a LocalCluster of ``--workers``
processes on this PC). No survey of 300,000 procedures is generated or imported (the
import alone would take hours): PROJECT is loaded and compared once, in a separate process
(``prepare``, cached next to PROJECT as ``*.tables.pickle``), and each chunk's tables are
made when Dask asks for it from the matching chunk of the 30,000 procedures,
with the copy's procedure IDs (``<ID>~<copy>``, so each copy draws its own numbers) and
sections (``<section>@<copy>``, so the city has ten times the sections). The deterministic
figures are not computed for the copies (only the Monte Carlo is the subject here).
Target: within 2 GB, time reported.

Memory is the peak of the summed resident memory of this process and all its children
(workers, Dask's scheduler-side and nanny processes), sampled every 0.1 s with psutil.
Wall times on this shared 2-core machine are stretched by whatever else runs: the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np


class PeakMemory:
    """Peak of the summed RSS of this process and its descendants, sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _total(self) -> int:
        me = self.psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            # A child may end between the listing and the reading.
            with contextlib.suppress(self.psutil.Error):
                total += child.memory_info().rss
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def _project(path: str | None, folder: Path) -> Path:
    if path:
        return Path(path)
    from benchmarks.common import generated_city

    print("generating a 30,000-procedure survey and importing it (about 20 minutes) …")
    return generated_city(folder, procedures=30_000, sections=400)[1]


def bench_city(project: Path, options: object, json_out: Path | None = None) -> None:
    from bpr_studio.pipeline import load_model, run_pipeline
    from bpr_studio.store import open_snapshot

    marks: list[tuple[float, str]] = []

    def progress(done: int, _total: int, label: str) -> None:
        if not marks or label.split(" ")[0] != marks[-1][1].split(" ")[0]:
            marks.append((time.perf_counter(), label))

    import resource

    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                   resource.RUSAGE_CHILDREN)]
    with PeakMemory() as memory, open_snapshot(project) as opened:
        start = time.perf_counter()
        model = load_model(opened)
        loaded = time.perf_counter()
        result = run_pipeline(opened, "DX標準", 1000, 1, progress, model=model,
                              compute=options)  # type: ignore[arg-type]
        end = time.perf_counter()
    phases = [(label.split(" ")[0], later - at)
              for (at, label), (later, _) in zip(marks, [*marks[1:], (end, "")], strict=True)]
    print(f"{len(result.procedures):,} procedures, {len(result.sections)} sections, DX標準, "
          f"1,000 replications: simulate {end - start:.1f} s (load {loaded - start:.1f} s, "
          f"pipeline {end - loaded:.1f} s); peak memory {memory.peak / 2**30:.2f} GB "
          f"(this process and its workers)")
    print("  phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases))
    print(f"  city staff hours saved: {result.city.savings['staff_time_h']}")
    # The workers are joined when the run's pool closes, so their CPU is in RUSAGE_CHILDREN.
    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    print(f"  CPU (user + system): this process {own.ru_utime - before[0].ru_utime:.1f} + "
          f"{own.ru_stime - before[0].ru_stime:.1f} s, its workers "
          f"{workers.ru_utime - before[1].ru_utime:.1f} + "
          f"{workers.ru_stime - before[1].ru_stime:.1f} s (largest worker peak "
          f"{workers.ru_maxrss / 1024:.0f} MB)")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if json_out is not None:  # to check that a change of code changes no figure
        from analysis.simulate import write_json

        write_json(result, json_out)


def _copies(tables: object, copy: int) -> object:
    """A chunk's tables as the copy ``copy`` of its procedures (IDs and sections renamed)."""
    from analysis.tabular import ProcessTables

    assert isinstance(tables, ProcessTables)
    suffix = f"~{copy}"
    procedures = tables.procedures.copy()
    procedures["procedure_id"] = procedures["procedure_id"].astype(str) + suffix
    procedures["section"] = procedures["section"].astype(str) + f"@{copy}"
    steps = tables.steps.copy()
    steps["procedure_id"] = steps["procedure_id"].astype(str) + suffix
    links = tables.links.copy()
    links["procedure_id"] = links["procedure_id"].astype(str) + suffix
    return ProcessTables(procedures, steps, links, tables.effects, tables.channels)


def prepare(project: Path, out: Path) -> None:
    """Load and compare PROJECT once and keep what the Monte Carlo reads (the as-is and
    to-be tables, unit costs, parameter values) in a pickle: the prefecture run then
    starts from the tables, without the model's graphs in its memory."""
    import pickle

    from analysis.chunked import monte_carlo_tables
    from analysis.compare import compare, parameter_values
    from bpr_studio.loading import get_scenario
    from bpr_studio.pipeline import load_model
    from bpr_studio.store import open_snapshot

    with open_snapshot(project) as opened:
        model = load_model(opened)
        scenario = get_scenario(opened, "DX標準")
    comparison = compare(model, scenario)
    # Only the columns the chunks read (analysis.chunked.TableSlicer leaves the others out
    # of every chunk anyway): the names, notes and source cells of 30,000 procedures and
    # 450,000 steps were kept in the prefecture run's memory for nothing.
    tables = [monte_carlo_tables(t) for t in (comparison.as_is_tables, comparison.to_be_tables)]
    with out.open("wb") as handle:
        pickle.dump((*tables, model.unit_costs, parameter_values(scenario)), handle,
                    protocol=pickle.HIGHEST_PROTOCOL)


def bench_prefecture(project: Path, copies: int, workers: int, budget: int,
                     replications: int) -> None:
    import pickle
    import subprocess
    import sys

    import pandas as pd

    from analysis.chunked import ChunkJob, RunSettings, TableSlicer, run_chunked, section_sizes
    from analysis.compute import ComputeOptions, plan_run
    from analysis.dask_engine import DaskEngine
    from analysis.montecarlo import draw_theta

    cache = project.with_suffix(".tables.pickle")
    start = time.perf_counter()
    if not cache.exists():
        subprocess.run([sys.executable, "-m", "benchmarks.bench_scale", "prepare", str(project),
                        "--tables", str(cache)], check=True)
    prepared = time.perf_counter()
    with PeakMemory() as memory:
        began = time.perf_counter()
        with cache.open("rb") as handle:
            as_is, to_be, unit_costs, values = pickle.load(handle)
        fte_hours = unit_costs.value("hours_per_fte")
        base = len(as_is.procedures)
        sections = sorted(as_is.procedures["section"].dropna().unique())
        base_codes = pd.Categorical(as_is.procedures["section"], categories=sections).codes
        n_procedures, n_sections = base * copies, len(sections) * copies
        plan = plan_run(ComputeOptions(workers=workers, memory_budget=budget, engine="dask"),
                        n_procedures, len(as_is.steps) * copies, replications, n_sections)
        settings = RunSettings(unit_costs, draw_theta(1, replications, values), 1, values,
                               True, fte_hours)
        slice_as_is, slice_to_be = TableSlicer(as_is), TableSlicer(to_be)

        def jobs() -> Iterator[ChunkJob]:
            index = 0
            for copy in range(copies):
                for first in range(0, base, plan.chunk_size):
                    stop = min(base, first + plan.chunk_size)
                    codes = np.where(base_codes[first:stop] >= 0,
                                     base_codes[first:stop] + copy * len(sections), -1)
                    yield ChunkJob(index, copy * base + first,
                                   _copies(slice_as_is(first, stop), copy),  # type: ignore[arg-type]
                                   _copies(slice_to_be(first, stop), copy),  # type: ignore[arg-type]
                                   codes, settings)
                    index += 1

        done_at: list[float] = []

        def progress(done: int, total: int, _label: str) -> None:
            if done and not done_at:
                done_at.append(time.perf_counter())

        # Each copy's sections are those of the base, renumbered (so a copy's sections
        # close, and are reduced, as soon as that copy's chunks are in).
        sizes = np.tile(section_sizes(base_codes, len(sections)), copies)
        summary = run_chunked(jobs(), n_procedures, sizes, replications, fte_hours,
                              DaskEngine(None, workers), progress)
        end = time.perf_counter()
    time_col = 1  # staff_time_h
    saved = summary.city_sums[0, :, time_col] - summary.city_sums[1, :, time_col]
    print(f"{n_procedures:,} procedures ({copies} × {base:,}), {n_sections:,} sections, DX標準, "
          f"{replications:,} replications through Dask (LocalCluster, {workers} worker "
          f"processes): Monte Carlo {end - began:.1f} s in {summary.chunks} chunks of "
          f"{plan.chunk_size} (first chunk back after {done_at[0] - began:.1f} s: cluster "
          f"start and the first chunk); peak memory {memory.peak / 2**30:.2f} GB (this "
          f"process, Dask's scheduler, workers and nannies)")
    print(f"  before it, loading and comparing the {base:,} procedures once (a separate "
          f"process, not in the peak): {prepared - start:.1f} s")
    print(f"  staff hours saved, P5/P50/P95: "
          f"{np.percentile(saved, [5, 50, 95], method='nearest').round(0).tolist()}")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    from analysis.compute import ComputeOptions, parse_size

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("city", "prefecture", "prepare"))
    parser.add_argument("project", nargs="?")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--memory-budget", default="2GB")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--tables", type=Path, help="prepare: the pickle to write")
    parser.add_argument("--json", type=Path, help="city: also write the result's JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(args.project, Path(tmp))
        budget = parse_size(args.memory_budget)
        if args.what == "city":
            bench_city(project, ComputeOptions(workers=args.workers, memory_budget=budget),
                       args.json)
        elif args.what == "prepare":
            prepare(project, args.tables)
        else:
            bench_prefecture(project, args.copies, args.workers or 2, budget,
                             args.replications)


if __name__ == "__main__":
    main()
