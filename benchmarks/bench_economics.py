"""Benchmark: economics and the 10-year roadmap for the 3,000-procedure generated city.

    python -m benchmarks.bench_economics

Target (issue 15): ≤ 10 s and ≤ 2 GB. Prints the time of the economics alone (costs,
payback, NPV and P5–P95 over 1,000 replications, from the pipeline's result), of the
roadmap alone (10 fiscal years, a budget cap, P5–P95 and break-even over the same
replications), of the whole pipeline with both, and the peak memory of the child process
that runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import generated_city

_CHILD = """
import json, resource, sys, time
from analysis.compare import parameter_values
from analysis.economics import compute_economics
from analysis.measure_costs import cost_table
from analysis.roadmap import roadmap_of_result
from analysis.roadmap_settings import roadmap_settings
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import run_pipeline
from bpr_studio.store import open_project
with open_project(sys.argv[1]) as project:
    start, cpu = time.perf_counter(), time.process_time()
    result = run_pipeline(project, "DX標準", 1000, 1)
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
    scenario = get_scenario(project, "DX標準")
start = time.perf_counter()
for _ in range(10):
    economics = compute_economics(result, cost_table(parameter_values(scenario)))
alone = (time.perf_counter() - start) / 10
values = parameter_values(scenario)
settings = roadmap_settings({**values, "roadmap.years": 10,
                             "roadmap.budget_cap_yen": economics.total.initial_yen / 3})
start = time.perf_counter()
for _ in range(10):
    roadmap = roadmap_of_result(result, economics, settings, values)
roadmap_alone = (time.perf_counter() - start) / 10
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
total = economics.total
print(json.dumps({"alone": alone, "full": full, "full_cpu": full_cpu, "peak_mb": peak,
                  "roadmap": roadmap_alone,
                  "years": len(roadmap.years), "break_even": roadmap.break_even_fy,
                  "measures": len(economics.measures), "replications": result.replications,
                  "npv_m": total.npv_yen / 1e6, "initial_m": total.initial_yen / 1e6}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _survey, project = generated_city(Path(tmp))
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project)], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"economics, 3,000 procedures, {result['measures']} measures, "
          f"{result['replications']:,} replications (costs, payback, NPV, P5–P95): "
          f"{result['alone'] * 1000:.1f} ms")
    print(f"roadmap, {result['years']} fiscal years, budget cap, P5–P95 and break-even over the "
          f"same replications: {result['roadmap'] * 1000:.1f} ms (break-even FY"
          f"{result['break_even']})")
    print(f"whole pipeline with the economics and roadmap ('simulate'): {result['full']:.1f} s "
          f"(CPU {result['full_cpu']:.1f} s; load average {os.getloadavg()[0]:.1f}); "
          f"peak RSS {result['peak_mb']:.0f} MB (target ≤ 10 s, ≤ 2 GB)")
    print(f"scenario total: initial ¥{result['initial_m']:,.1f}M, NPV ¥{result['npv_m']:,.1f}M")


if __name__ == "__main__":
    main()
