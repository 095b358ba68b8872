"""Benchmark: sensitivity analysis of the 3,000-procedure project.

    python -m benchmarks.bench_sensitivity [PROJECT]

Target (issue 9): ≤ 30 s and ≤ 2 GB for the tornado over every measure parameter and key
unit cost plus the top-20 stability, on the generated 3,000-procedure / 45,000-step
project (made here with ``benchmarks.common.generated_city`` unless a project file is
given). Runs in a child process so that the peak memory is the analysis's own.
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
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import analyse, load_model, run_sensitivity
from bpr_studio.store import open_project
with open_project(sys.argv[1]) as project:
    start = time.perf_counter()
    model = load_model(project)
    scenario = get_scenario(project, "DX標準")
    analysis = analyse(project, scenario, model=model, counter=False)
    prepared = time.perf_counter()
    cpu = time.process_time()
    result = run_sensitivity(project, scenario, model=model, comparison=analysis.comparison)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    total = time.perf_counter()
    again = run_sensitivity(project, "DX標準")
    total = time.perf_counter() - total
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
zero = next(s for s in result.stability if s.key == "citizen_hourly_value=0")
print(json.dumps({"prepare": prepared - start, "sensitivity": done - prepared, "total": total,
                  "cpu": cpu,
                  "peak_mb": peak, "bars": len(result.bars), "procedures": len(model.graphs),
                  "top": [b.key for b in result.bars[:3]], "spearman0": zero.spearman,
                  "overlap0": zero.overlap}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(sys.argv[1]) if len(sys.argv) > 1 else generated_city(Path(tmp))[1]
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project)], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"sensitivity analysis, {result['procedures']:,} procedures, DX標準: "
          f"{result['bars']} tornado bars + top-20 stability")
    print(f"  load + deterministic analysis: {result['prepare']:.1f} s; sensitivity on it: "
          f"{result['sensitivity']:.1f} s; from the project file (load, compare, sensitivity): "
          f"{result['total']:.1f} s (target ≤ 30 s)")
    print(f"  CPU time of the sensitivity itself: {result['cpu']:.1f} s (wall time above is "
          f"disturbed when other work shares the cores)")
    print(f"  peak RSS {result['peak_mb']:.0f} MB (target ≤ 2,048 MB)")
    print(f"  widest bars: {', '.join(result['top'])}; top 20 with citizen time at ¥0: "
          f"Spearman {result['spearman0']:.2f}, {result['overlap0']} of 20 stay")


if __name__ == "__main__":
    main()
