"""Benchmark: Monte Carlo of the 3,000-procedure project; one year of a 500,000-visit counter.

    python -m benchmarks.bench_simulation [PROJECT]

Targets (issue 4): 1,000 replications, as-is and to-be ≤ 10 s wall and ≤ 2 GB peak;
counter simulation of a year with 500,000 visits ≤ 1 s. Runs in a child process so that
the peak memory is the simulation's own. The generated 3,000-procedure project is made
here (``benchmarks.common.generated_city``) unless a project file is given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import generated_city

_CHILD = """
import json, os, resource, sys, time
from bpr_studio.store import open_project
from analysis.compare import compare, parameter_values
from bpr_studio.loading import get_scenario
from analysis.montecarlo import simulate
from bpr_studio.pipeline import load_model, run_pipeline
with open_project(sys.argv[1]) as project:
    start, cpu = time.perf_counter(), time.process_time()
    model = load_model(project)
    scenario = get_scenario(project, "DX標準")
    comparison = compare(model, scenario)
    mc_start, mc_cpu = time.perf_counter(), time.process_time()
    simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 1000, 1,
             parameter_values(scenario))
    mc, mc_cpu = time.perf_counter() - mc_start, time.process_time() - mc_cpu
    core, core_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    run_pipeline(project, "DX標準", 1000, 1)
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"core": core, "core_cpu": core_cpu, "mc": mc, "mc_cpu": mc_cpu, "full": full,
                  "full_cpu": full_cpu, "peak_mb": peak, "load": os.getloadavg()[0]}))
"""


def main() -> None:
    import numpy as np

    from analysis.counter import default_servers, simulate_year

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(sys.argv[1]) if len(sys.argv) > 1 else generated_city(Path(tmp))[1]
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project)], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"Monte Carlo, 3,000 procedures / 45,000 steps, 1,000 replications, as-is and to-be "
          f"(load + apply measures + simulate): {result['core']:.1f} s "
          f"(CPU {result['core_cpu']:.1f} s; the simulation itself {result['mc']:.1f} s, "
          f"CPU {result['mc_cpu']:.1f} s)")
    print(f"full 'simulate' (also percentiles per procedure/section/city, where-to-start, "
          f"counters): {result['full']:.1f} s (CPU {result['full_cpu']:.1f} s); "
          f"peak RSS {result['peak_mb']:.0f} MB")
    print(f"  load average {result['load']:.1f} on {os.cpu_count()} cores: wall times above "
          f"are disturbed when other work shares the cores, CPU times much less")
    visits = np.full(12, 500_000 / 12)
    visits[2:4] *= 1.8
    visits *= 500_000 / visits.sum()
    start = time.perf_counter()
    year = simulate_year(visits, 6.0, default_servers(500_000, 6.0), seed=1)
    print(f"counter year, {year.visits:,} visits, {year.servers} counters, seasonal arrivals: "
          f"{time.perf_counter() - start:.2f} s (mean wait {year.mean_wait_min:.1f} min)")


if __name__ == "__main__":
    main()
