"""Benchmark: the executive report (``bpr-studio report``) of a generated project.

    python -m benchmarks.bench_report [PROJECT] [--scenario DX標準] [--replications 1000]
                                      [--simulation RESULT.json]
                                      [--profile OUT.prof] [--keep OUT.xlsx]

Without PROJECT, the generated 3,000-procedure, 40-section project is made here (issue 6's
target: ≤ 10 s). With PROJECT (e.g. the 30,000-procedure, 400-section project of issue 16:
target ≤ 60 s and ≤ 2 GB), the report is written from a frozen snapshot of it, as the
``report`` command does.

Prints the wall time of the whole report, its phases (the labels of the report's own
progress: loading, the simulation's steps, the sensitivity analysis, the life-event
journeys, the sheets, the save), the peak of the summed resident memory of this process
and its workers and the peak of the largest single process (sampled every 0.1 s), this
process's CPU time by phase and its workers' (every descendant process: the Monte
Carlo's, the flow pictures'), and the load average, since wall times on a shared
machine are stretched by whatever else runs. ``--profile`` writes a cProfile of the run
(read it with ``python -m pstats``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


class ProcessMemory:
    """Peaks of the summed RSS of this process and its descendants, and of the largest
    single one among them, sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.peak_total = 0
        self.peak_largest = 0
        self.phase = ""
        self.by_phase: dict[str, int] = {}  # the largest process's peak in each phase
        # CPU seconds of the workers (every descendant) in each phase, from the rise of
        # each one's CPU time between samples (so a worker that ends is still counted).
        self.worker_cpu: dict[str, float] = {}
        self._cpu_seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self) -> None:
        me = self.psutil.Process()
        sizes = [me.memory_info().rss]
        for child in me.children(recursive=True):
            # A child may end between the listing and the reading.
            with contextlib.suppress(self.psutil.Error):
                sizes.append(child.memory_info().rss)
                times = child.cpu_times()
                used = times.user + times.system
                before = self._cpu_seen.get(child.pid, 0.0)
                self._cpu_seen[child.pid] = used
                self.worker_cpu[self.phase] = self.worker_cpu.get(self.phase, 0.0) + used - before
        self.peak_total = max(self.peak_total, sum(sizes))
        self.peak_largest = max(self.peak_largest, max(sizes))
        self.by_phase[self.phase] = max(self.by_phase.get(self.phase, 0), max(sizes))

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._read()
            self._stop.wait(0.1)

    def __enter__(self) -> ProcessMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()


def _phase_name(label: str) -> str:
    # "シミュレーション 120/30000" is one phase; so is every sheet label's first word.
    return label.split(" ")[0]


def bench(project: Path, out: Path, scenario: str, replications: int,
          profile: Path | None, simulation_json: Path | None = None) -> None:
    from bpr_studio.report.excel import build_report
    from bpr_studio.store import open_snapshot

    marks: list[tuple[float, str]] = []
    cpu: list[float] = []  # this process's CPU seconds at each mark (a busy machine
    # stretches the wall time of a phase, much less its CPU time)

    def progress(_done: int, _total: int, label: str) -> None:
        if not marks or _phase_name(label) != _phase_name(marks[-1][1]):
            marks.append((time.perf_counter(), label))
            cpu.append(time.process_time())
            memory.phase = _phase_name(label)  # the sampler files what it reads under it

    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
    memory = ProcessMemory()
    with memory:
        start = time.perf_counter()
        marks.append((start, "開始"))
        cpu.append(time.process_time())
        memory.phase = "開始"
        if profiler is not None:
            profiler.enable()
        with open_snapshot(project) as opened:
            build_report(opened, scenario, out, replications, 1, progress=progress,
                         simulation=_reused(simulation_json))
        if profiler is not None:
            profiler.disable()
        end = time.perf_counter()
        cpu.append(time.process_time())
    if profiler is not None and profile is not None:
        profiler.dump_stats(str(profile))
    phases: dict[str, float] = {}
    phase_cpu: dict[str, float] = {}
    for i, ((at, label), (later, _)) in enumerate(zip(marks, [*marks[1:], (end, "")],
                                                      strict=True)):
        name = _phase_name(label)
        phases[name] = phases.get(name, 0.0) + later - at
        phase_cpu[name] = phase_cpu.get(name, 0.0) + cpu[i + 1] - cpu[i]
    reused = f" (reusing {simulation_json.name})" if simulation_json else ""
    print(f"report of {project.name}, {scenario}, {replications:,} replications{reused}: "
          f"{end - start:.1f} s; peak memory {memory.peak_total / 2**30:.2f} GB "
          f"(this process and its workers), largest process {memory.peak_largest / 2**30:.2f} GB")
    def peak(name: str) -> str:  # a phase shorter than the sampling shows no figure
        return f"{memory.by_phase[name] / 2**30:.2f} GB" if name in memory.by_phase else "—"

    print("  phases (wall time, this process's CPU time, the largest process's peak): "
          + ", ".join(f"{name} {seconds:.1f} s / {phase_cpu[name]:.1f} s CPU / {peak(name)}"
                      for name, seconds in phases.items()))
    print(f"  CPU time of this process {cpu[-1] - cpu[0]:.1f} s; of its workers "
          f"{sum(memory.worker_cpu.values()):.1f} s (sampled every 0.1 s: "
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in memory.worker_cpu.items()
                      if seconds >= 0.05) + ")")
    print(f"  {out.stat().st_size / 2**20:.1f} MB written; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _reused(simulation_json: Path | None) -> Any:
    """The `simulate` result the report reuses (read inside the measured run, as the
    `report --simulation` command reads it), or None."""
    if simulation_json is None:
        return None
    from analysis.result import read_json

    return read_json(simulation_json)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", nargs="?", help="project file (default: generate 3,000)")
    parser.add_argument("--scenario", default="DX標準")
    parser.add_argument("--replications", type=int, default=None,
                        help="default: the report's own (1,000)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    parser.add_argument("--keep", type=Path, help="keep the report here")
    parser.add_argument("--simulation", type=Path,
                        help="reuse this `bpr-studio simulate --json` result, as the app reuses "
                             "the simulation on screen (no Monte Carlo in the report)")
    args = parser.parse_args()
    from bpr_studio.report.excel import DEFAULT_REPLICATIONS

    replications = args.replications or DEFAULT_REPLICATIONS
    with tempfile.TemporaryDirectory() as tmp:
        if args.project:
            project = Path(args.project)
        else:
            from benchmarks.common import generated_city

            project = generated_city(Path(tmp))[1]
        out = args.keep or Path(tmp) / "report.xlsx"
        bench(project, out, args.scenario, replications, args.profile, args.simulation)


if __name__ == "__main__":
    main()
