"""Benchmark BPMN export and import on the generated whole city (3,000 procedures).

    python -m benchmarks.bench_bpmn [--procedures 3000] [--runs 3]

Target (issue 13): export of all 3,000 generated procedures ≤ 5 s. Prints the best and
the worst of the runs for the export (graphs loaded → file on disk, the layout of every
procedure included), the file size, and the time to import the file back (read, check,
write into an empty project). Loading the project's graphs is timed apart: it is the
same for every export from the app or the CLI.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from benchmarks.common import generated_city
    from bpr_studio.io.bpmn_export import select_graphs, write_bpmn
    from bpr_studio.io.survey_import import import_surveys
    from bpr_studio.pipeline import load_model
    from bpr_studio.store import open_project

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _survey, project_path = generated_city(root, args.procedures)
        start = time.perf_counter()
        with open_project(project_path) as project:
            graphs = select_graphs(load_model(project).graphs)
        load_s = time.perf_counter() - start
        out = root / "city.bpmn"
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = write_bpmn(graphs, out)
            times.append(time.perf_counter() - start)
        steps = sum(len(g) - 1 for g in graphs)
        print(f"export {result.procedures:,} procedures ({steps:,} steps, {result.tasks:,} tasks,"
              f" {result.flows:,} flows): best {min(times):.2f} s, worst {max(times):.2f} s"
              f" (target ≤ 5 s); file {out.stat().st_size / 1e6:.1f} MB;"
              f" loading the graphs {load_s:.2f} s")
        start = time.perf_counter()
        report = import_surveys(root / "round_trip.bprproj", [out])
        import_s = time.perf_counter() - start
        print(f"import back: {import_s:.2f} s, ok={report.ok}, {report.procedures:,} procedures,"
              f" {report.steps:,} steps, {len(report.warnings)} warnings")


if __name__ == "__main__":
    main()
