"""Benchmark: the executive report of the generated 3,000-procedure project.

    python -m benchmarks.bench_report

Target (issue 6): ≤ 10 s wall and ≤ 1 GB peak. The report runs in a child process (the
'report' command itself) so that the peak memory is its own.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import generated_city

_CHILD = """
import resource, sys, time
start = time.perf_counter()
from bpr_studio.report.excel import build_report
from bpr_studio.store import open_project
imported = time.perf_counter()
with open_project(sys.argv[1]) as project:
    build_report(project, "DX標準", sys.argv[2])
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{imported - start:.2f} {done - imported:.2f} {peak:.0f}")
"""


def main() -> None:

    with tempfile.TemporaryDirectory() as tmp:
        _survey, project = generated_city(Path(tmp))
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project),
                              str(Path(tmp) / "report.xlsx")],
                             capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        imports, work, peak = out.stdout.split()
    print(f"report, 3,000 procedures, 300 replications: {float(work):.1f} s of work "
          f"(+ {float(imports):.1f} s of Python imports; {wall:.1f} s for the whole process), "
          f"peak RSS {peak} MB")


if __name__ == "__main__":
    main()
