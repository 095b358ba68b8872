"""Benchmark: import the generated 3,000-procedure survey into a new project; write the template.

    python -m benchmarks.bench_import [--procedures 3000] [--sections 40]

Prints wall time and peak memory (RSS of the child process that imports).
Targets (issue 2): import ≤ 5 s and ≤ 500 MB; template ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from bpr_studio.io.survey_import import import_surveys
start = time.perf_counter()
report = import_surveys(sys.argv[1], [sys.argv[2]])
wall = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "peak_mb": peak_mb, "ok": report.ok,
                  "procedures": report.procedures, "steps": report.steps}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=3000)
    parser.add_argument("--sections", type=int, default=40)
    args = parser.parse_args()
    from bpr_studio.io.template import write_template
    from sample_surveys.generator import generate_survey

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_template(Path(tmp) / "template.xlsx")
        print(f"template: {time.perf_counter() - start:.2f} s")
        survey = Path(tmp) / "survey"
        generate_survey(survey, procedures=args.procedures, sections=args.sections)
        project = Path(tmp) / "bench.bprproj"
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project), str(survey)],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"import: {result['procedures']} procedures, {result['steps']} steps, "
              f"{args.sections} workbooks: {result['wall_s']:.2f} s wall, "
              f"{result['peak_mb']:.0f} MB peak RSS (ok={result['ok']})")


if __name__ == "__main__":
    main()
