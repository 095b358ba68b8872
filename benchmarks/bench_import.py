"""Benchmark: import a generated survey into a new project; write the template.

    python -m benchmarks.bench_import [--procedures 3000] [--sections 40]
    python -m benchmarks.bench_import --survey DIR [--workers N]   # an existing survey
    python -m benchmarks.bench_import ... --repeat 2   # best of two reads and two imports

Prints wall time and peak memory of the import (run in a child process), and, for the
same files, the time python-calamine alone takes to read every sheet's values in one
process: the floor any importer of these files stands on.
Targets: issue 2, 3,000 procedures: import ≤ 5 s and ≤ 500 MB; template ≤ 1 s.
Issue 16, 30,000 procedures in 400 workbooks: import ≤ 2 × the calamine read, peak
memory of the import (its process and its reading processes together) ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from bpr_studio.io.survey_import import import_surveys

def main():
    workers = None if sys.argv[3] == "auto" else int(sys.argv[3])
    start = time.perf_counter()
    cpu_start = time.process_time()
    report = import_surveys(sys.argv[1], [sys.argv[2]], workers=workers)
    wall = time.perf_counter() - start
    own_cpu = time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_mb = children.ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "peak_mb": peak_mb, "worker_peak_mb": child_mb,
                      "cpu_s": own_cpu, "workers_cpu_s": children.ru_utime + children.ru_stime,
                      "ok": report.ok, "procedures": report.procedures,
                      "steps": report.steps}))

if __name__ == "__main__":  # the reading processes are spawned: they import this
    main()
"""


def calamine_read_seconds(folder: Path) -> tuple[float, float]:
    """Wall and CPU time to read every sheet of every workbook under ``folder`` with
    python-calamine, in this process."""
    import python_calamine

    files = sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith("~$"))
    start, cpu_start = time.perf_counter(), time.process_time()
    for path in files:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        book.close()
    return time.perf_counter() - start, time.process_time() - cpu_start


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants now (Linux /proc), in MB.

    The descendants come from each thread's ``children`` list: a handful of small reads
    per sample. Reading every process's ``stat`` instead (the fallback, for a kernel
    without those lists) took ~3 ms a sample on this machine, 5 % of a core taken from
    the import being measured."""
    page = os.sysconf("SC_PAGE_SIZE")
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in tree:
            continue
        tree.add(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
            for task in tasks:
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except FileNotFoundError:
            if not (Path(f"/proc/{root}/task/{root}") / "children").exists():
                return _tree_rss_mb_scan(root)
        except (OSError, ValueError):
            continue
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e6


def _tree_rss_mb_scan(root: int) -> float:
    """:func:`_tree_rss_mb` from every process's ``stat`` (parents and resident pages)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree) / 1e6


def run_import(survey: Path, project: Path, workers: str) -> dict:
    """Import in a child process; the peak of its whole process tree is sampled."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(project), str(survey), workers],
                             stdout=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            if sys.platform.startswith("linux"):
                peak = max(peak, _tree_rss_mb(child.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    done.set()
    sampler.join()
    if child.returncode:
        raise SystemExit(f"import failed ({child.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak_mb"] = peak
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=3000)
    parser.add_argument("--sections", type=int, default=40)
    parser.add_argument("--survey", type=Path, help="import this survey folder instead")
    parser.add_argument("--workers", default="auto", help="reading processes (default: auto)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="read and import this many times, alternately; the best of each "
                             "is printed (on a busy machine the others' load swings both)")
    args = parser.parse_args()
    from bpr_studio.io.template import write_template
    from sample_surveys.generator import generate_survey

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_template(Path(tmp) / "template.xlsx")
        print(f"template: {time.perf_counter() - start:.2f} s")
        survey = args.survey
        if survey is None:
            survey = Path(tmp) / "survey"
            generate_survey(survey, procedures=args.procedures, sections=args.sections)
        workbooks = len(list(survey.rglob("*.xlsx")))
        reads, results = [], []
        for run in range(max(1, args.repeat)):
            reads.append(calamine_read_seconds(survey))
            results.append(run_import(survey, Path(tmp) / f"bench{run}.bprproj", args.workers))
        read_s, read_cpu = min(r[0] for r in reads), min(r[1] for r in reads)
        result = min(results, key=lambda r: r["wall_s"])
        if len(results) > 1:
            print("runs (wall s, calamine / import): " + ", ".join(
                f"{r[0]:.2f} / {i['wall_s']:.2f}" for r, i in zip(reads, results, strict=True)))
        print(f"calamine alone reads the {workbooks} workbooks in {read_s:.2f} s "
              f"({read_cpu:.2f} s CPU)")
        print(f"import: {result['procedures']} procedures, {result['steps']} steps, "
              f"{workbooks} workbooks, workers={args.workers}: {result['wall_s']:.2f} s wall "
              f"= {result['wall_s'] / read_s:.2f} × the calamine read (ok={result['ok']})")
        # On a busy machine the wall times swing with the other load; CPU seconds less so.
        cpu = result["cpu_s"] + result["workers_cpu_s"]
        print(f"CPU: import process {result['cpu_s']:.2f} s + reading processes "
              f"{result['workers_cpu_s']:.2f} s = {cpu:.2f} s = {cpu / read_cpu:.2f} × the "
              f"calamine read's CPU ({cpu / 2 / read_cpu:.2f} × spread over two cores)")
        print(f"peak memory: import process {result['peak_mb']:.0f} MB, largest reading "
              f"process {result['worker_peak_mb']:.0f} MB, all processes together "
              f"{result['tree_peak_mb']:.0f} MB (sampled every 50 ms)")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
