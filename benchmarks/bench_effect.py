"""Benchmark: effect measurement (効果測定) on the 3,000-procedure generated city.

    python -m benchmarks.bench_effect

Imports the whole generated survey again as a re-survey round (3,000 procedures, about
45,000 steps: the worst case, every section re-surveyed) and compares it with the DX標準
plan (``bpr_studio.effect.run_effect``). Prints the time of the round's import, of the
comparison (load, plan, attribution, the round's costs, the KPIs of every procedure), of
reading the round back, and the peak memory of the child process that runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import generated_city

_CHILD = """
import json, resource, sys, time
from bpr_studio.effect import run_effect
from bpr_studio.io.survey_rounds import import_round, round_frames
from bpr_studio.store import open_project
start = time.perf_counter()
report = import_round(sys.argv[1], "再調査", [sys.argv[2]], surveyed_on="2026-06")
imported = time.perf_counter() - start
assert report.written, report.format_text("en")
with open_project(sys.argv[1]) as project:
    start = time.perf_counter()
    procedures, steps, links = round_frames(project, "再調査")
    read = time.perf_counter() - start
    start = time.perf_counter()
    result = run_effect(project, "DX標準", "再調査")
    compared = time.perf_counter() - start
print(json.dumps({"import_s": imported, "read_s": read, "effect_s": compared,
                  "procedures": len(procedures), "steps": len(steps),
                  "measured": result.city.measured,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        survey, project = generated_city(Path(tmp))
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project), str(survey)],
                             check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
    print(f"re-survey round of {figures['procedures']:,} procedures, {figures['steps']:,} steps "
          f"({figures['measured']:,} measured)")
    print(f"  import as a round        {figures['import_s']:.1f} s")
    print(f"  read the round back      {figures['read_s']:.2f} s")
    print(f"  planned vs actual        {figures['effect_s']:.1f} s")
    print(f"  peak memory (child)      {figures['peak_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
