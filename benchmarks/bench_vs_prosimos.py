"""BPR Studio against Prosimos on the same BPMN model: mean work per case, speed, memory.

    python -m benchmarks.bench_vs_prosimos [--cases 1000,10000,100000] [--prosimos-python PY]

Prosimos (Apache-2.0, on the package index; Python < 3.12) runs in its own environment:
``--prosimos-python`` names its interpreter, else ``BPR_STUDIO_PROSIMOS_PYTHON``, else the
benchmark makes one under the user's cache folder with ``python3.11 -m venv`` and
``pip install prosimos`` (minutes, once), or prints why it skips.

What is compared. Both tools get the same model, written by ``export-bpmn`` (tasks,
lanes, exclusive gateways with probabilities, a rework loop) and, for Prosimos, its
simulation-parameters JSON made from the same numbers (a task's time as a normal
distribution with the triangular's mean and spread, cut at its minimum and maximum;
the branch probabilities; one resource pool per lane, 24/7, so queues never matter to
the work per case). The figure both estimate is the **mean work per case** (minutes
of task time a case needs, rework included).

- Prosimos simulates cases one by one; its estimate has a sampling error, so the time
  to reach ±1 % (95 % confidence) is the time for the number of cases that error needs
  (n = (1.96 · sd / (0.01 · mean))², timed at its measured pace).
- BPR Studio does not simulate cases: the expected executions of every step are the
  solution of the absorbing Markov chain (``analysis.graph.expected_executions``), so
  the mean is exact (no sampling error) and its time is that of one solve per model.
  Its Monte Carlo (``analysis.montecarlo``) draws the survey's uncertainty for a year's
  totals, not cases, so "cases per second" does not apply to it.

Models (built here): ``rework`` (6 tasks, 3 lanes, 20 % sent back to the first step),
``city24`` (24 tasks, 5 lanes, a skip branch, a rework loop and an early end, one task of
two days at an outside body) and ``padua`` (benchmarks/padua_model.py, imported from its
BPMN and Prosimos JSON as a user would: a branch after the start, three choices, a
parallel pair of tasks of 12–13 days; exported again, with parallel gateways, for both
tools; many resources per lane, as its tasks take days and cases arrive every 30 min).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

SPREAD = 0.2  # 最短 = 0.8 × 標準, 最長 = 1.2 × 標準: symmetric, so the mean is 標準

DRIVER = r'''
import csv, json, resource, sys, time
from prosimos.simulation_engine import run_simulation
bpmn, params, cases, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
start = time.perf_counter()
run_simulation(bpmn, params, cases, stat_out_path=None, log_out_path=log)
seconds = time.perf_counter() - start
work = {}
with open(log, newline="") as handle:
    for row in csv.DictReader(handle):
        case = row["case_id"]
        begin, end = row["start_time"], row["end_time"]
        from datetime import datetime
        d = (datetime.fromisoformat(end) - datetime.fromisoformat(begin)).total_seconds()
        work[case] = work.get(case, 0.0) + d / 60
values = list(work.values())
n = len(values)
mean = sum(values) / n
sd = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cases": n, "mean": mean, "sd": sd, "peak_mb": peak_mb}))
'''


def _step(no: int, name: str, actor: str, minutes: float, kind: str = "checking") -> dict[str, Any]:
    return {"step_no": no, "name": name, "actor": actor, "work_kind": kind,
            "min_minutes": minutes * (1 - SPREAD), "typical_minutes": minutes,
            "max_minutes": minutes * (1 + SPREAD)}


def rework_model() -> nx.DiGraph:
    from analysis.graph import build_graph

    steps = [_step(1, "申請書の記入", "citizen", 15, "filling_in"),
             _step(2, "受付", "counter", 6, "reception"),
             _step(3, "審査", "clerk", 25),
             _step(4, "入力", "clerk", 8, "data_entry"),
             _step(5, "決裁", "approver", 5, "approval"),
             _step(6, "交付", "counter", 4, "issuing")]
    links = [(1, 2, 1.0), (2, 3, 1.0), (3, 4, 0.8), (3, 1, 0.2), (4, 5, 1.0), (5, 6, 1.0),
             (6, None, 1.0)]
    return build_graph({"procedure_id": "BENCH-REWORK", "name": "差し戻しのある申請",
                        "section": "ベンチ", "annual_cases": 10000}, steps, links)


def city24_model() -> nx.DiGraph:
    from analysis.graph import build_graph

    actors = ["citizen", "counter", "clerk", "clerk", "approver", "clerk", "external", "clerk"]
    steps = [_step(n, f"工程{n}", actors[n % len(actors)], 4.0 + (n * 7) % 23)
             for n in range(1, 25)]
    steps[9] = _step(10, "外部機関への照会", "external", 2880)  # two days of an outside body's work
    links: list[tuple[int, int | None, float]] = []
    for n in range(1, 25):
        following = n + 1 if n < 24 else None
        if n == 6:      # skip: 30 % need no site visit (7, 8)
            links += [(6, 7, 0.7), (6, 9, 0.3)]
        elif n == 14:   # rework: 15 % back to 11
            links += [(14, 15, 0.85), (14, 11, 0.15)]
        elif n == 19:   # an early end: 10 % withdrawn
            links += [(19, 20, 0.9), (19, None, 0.1)]
        else:
            links.append((n, following, 1.0))
    return build_graph({"procedure_id": "BENCH-CITY24", "name": "24工程・5レーンの手続",
                        "section": "ベンチ", "annual_cases": 10000}, steps, links)


def padua_model() -> nx.DiGraph:
    """The padua-like model read from its BPMN file and Prosimos JSON by our import."""
    from analysis.graph import build_graph
    from benchmarks.padua_model import write_model
    from bpr_studio.io.bpmn_import import BpmnOptions, parse_bpmn_file
    from bpr_studio.io.checks import check_steps

    with tempfile.TemporaryDirectory() as tmp:
        bpmn, parameters = write_model(Path(tmp))
        records, _issues = parse_bpmn_file(bpmn, BpmnOptions("ベンチ", {"購買": "clerk"}),
                                           parameters)
    [procedure] = records["procedures"]
    steps = records["steps"]
    check_steps({procedure["procedure_id"]: steps})
    links = [(s["step_no"], target, p, bool(s.get("_parallel")))
             for s in steps for target, p in s["_links"]]
    return build_graph(procedure, steps, links)


def exact_mean(graph: nx.DiGraph) -> tuple[float, float]:
    """(mean work per case in minutes, seconds to compute it) — the Markov chain."""
    from analysis.graph import expected_executions

    start = time.perf_counter()
    for _ in range(100):
        visits = expected_executions(graph)
        mean = sum(v * float(graph.nodes[n]["typical_minutes"]) for n, v in visits.items())
    return mean, (time.perf_counter() - start) / 100


def mean_from_file(bpmn_path: Path) -> tuple[float, float]:
    """The same mean, starting from the BPMN file: read and check it as the import does,
    build the graph, solve. (Prosimos' time includes reading its files too.)"""
    from analysis.graph import build_graph, expected_executions
    from bpr_studio.io.bpmn_import import BpmnOptions, parse_bpmn_file
    from bpr_studio.io.checks import check_steps

    start = time.perf_counter()
    records, _issues = parse_bpmn_file(bpmn_path, BpmnOptions("ベンチ"))
    [procedure] = records["procedures"]
    steps = records["steps"]
    check_steps({procedure["procedure_id"]: steps})
    links = [(s["step_no"], target, p, bool(s.get("_parallel")))
             for s in steps for target, p in s["_links"]]
    graph = build_graph(procedure, steps, links)
    visits = expected_executions(graph)
    mean = sum(v * float(graph.nodes[n]["typical_minutes"]) for n, v in visits.items())
    return mean, time.perf_counter() - start


def prosimos_python(given: str | None) -> tuple[str | None, str]:
    """The interpreter that has prosimos, or None and why."""
    candidates = [given, os.environ.get("BPR_STUDIO_PROSIMOS_PYTHON")]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bpr-studio" / "prosimos"
    candidates.append(str(cache / ("Scripts/python.exe" if os.name == "nt" else "bin/python")))
    for python in candidates:
        if python and Path(python).exists() and subprocess.run(
                [python, "-c", "import prosimos"], capture_output=True).returncode == 0:
            return python, ""
    base = shutil.which("python3.11") or (sys.executable if sys.version_info < (3, 12) else None)
    if base is None:
        return None, "Prosimos needs Python < 3.12 and no python3.11 was found"
    print(f"making a Prosimos environment in {cache} (once; a few minutes) …", flush=True)
    if subprocess.run([base, "-m", "venv", str(cache)]).returncode != 0:
        return None, "could not make a virtual environment for Prosimos"
    python = candidates[-1]
    if subprocess.run([python, "-m", "pip", "install", "-q", "prosimos"]).returncode != 0:
        return None, "pip install prosimos failed (no package index?)"
    return python, ""


def run_prosimos(python: str, bpmn: Path, params: Path, cases: int, folder: Path) -> dict[str, Any]:
    driver = folder / "prosimos_driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    log = folder / f"log_{bpmn.stem}_{cases}.csv"
    done = subprocess.run([python, str(driver), str(bpmn), str(params), str(cases), str(log)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    log.unlink(missing_ok=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="1000,10000,100000")
    parser.add_argument("--prosimos-python")
    parser.add_argument("--models", default="rework,city24,padua")
    args = parser.parse_args()
    from bpr_studio.io.bpmn_export import write_bpmn
    from bpr_studio.io.prosimos_json import write_prosimos_json

    python, why = prosimos_python(args.prosimos_python)
    counts = [int(c) for c in args.cases.split(",")]
    builders = {"rework": rework_model, "city24": city24_model, "padua": padua_model}
    lane_resources = {"padua": 2000}  # 825 h of work a case, a case every 30 min
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.models.split(","):
            graph = builders[name]()
            bpmn = folder / f"{name}.bpmn"
            write_bpmn([graph], bpmn)
            params = folder / f"{name}.json"
            write_prosimos_json(bpmn, params, resources_per_lane=lane_resources.get(name, 20))
            ours, solve_s = exact_mean(graph)
            from_file, ours_s = mean_from_file(bpmn)
            assert abs(from_file - ours) < 1e-6 * ours, (from_file, ours)
            print(f"[{name}] {len(graph) - 1} tasks. BPR Studio: mean work per case "
                  f"{ours:,.2f} min, exact (Markov chain, no sampling error): "
                  f"{solve_s * 1e3:.3f} ms to solve, {ours_s * 1e3:.1f} ms from the BPMN file")
            if python is None:
                print(f"[{name}] Prosimos skipped: {why}")
                continue
            paces = []
            for cases in counts:
                result = run_prosimos(python, bpmn, params, cases, folder)
                half = 1.96 * result["sd"] / math.sqrt(result["cases"])
                paces.append(result["seconds"] / result["cases"])
                print(f"[{name}] Prosimos {result['cases']:>7,} cases: {result['seconds']:8.2f} s, "
                      f"peak {result['peak_mb']:,.0f} MB, mean work per case "
                      f"{result['mean']:,.2f} ± {half:,.2f} min (95 %), "
                      f"{(result['mean'] / ours - 1) * 100:+.2f} % against BPR Studio")
            needed = (1.96 * result["sd"] / (0.01 * result["mean"])) ** 2
            to_one_percent = needed * min(paces)
            print(f"[{name}] ±1 % (95 %) needs {math.ceil(needed):,} Prosimos cases ≈ "
                  f"{to_one_percent:.2f} s at its best pace; BPR Studio {ours_s * 1e3:.1f} ms "
                  f"from the file (exact): {to_one_percent / ours_s:,.0f}× sooner")


if __name__ == "__main__":
    main()
