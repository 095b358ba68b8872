"""Benchmark: Monte Carlo of the 3,000-procedure project; one year of a 500,000-visit counter.

    python -m benchmarks.bench_simulation

Targets (issue 4): 1,000 replications, as-is and to-be ≤ 10 s wall and ≤ 2 GB peak;
counter simulation of a year with 500,000 visits ≤ 1 s. Runs in a child process so that
the peak memory is the simulation's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import generated_city

_CHILD = """
import json, resource, sys, time
from bpr_studio.store import open_project
from analysis.compare import compare, parameter_values
from bpr_studio.loading import get_scenario
from analysis.montecarlo import simulate
from bpr_studio.pipeline import load_model, run_pipeline
with open_project(sys.argv[1]) as project:
    start = time.perf_counter()
    model = load_model(project)
    scenario = get_scenario(project, "DX標準")
    comparison = compare(model, scenario)
    simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 1000, 1,
             parameter_values(scenario))
    core = time.perf_counter() - start
    start = time.perf_counter()
    run_pipeline(project, "DX標準", 1000, 1)
    full = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"core": core, "full": full, "peak_mb": peak}))
"""


def main() -> None:
    import numpy as np

    from analysis.counter import default_servers, simulate_year

    with tempfile.TemporaryDirectory() as tmp:
        _survey, project = generated_city(Path(tmp))
        out = subprocess.run([sys.executable, "-c", _CHILD, str(project)], capture_output=True,
                             text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"Monte Carlo, 3,000 procedures / 45,000 steps, 1,000 replications, as-is and to-be "
          f"(load + apply measures + simulate): {result['core']:.1f} s")
    print(f"full 'simulate' (also percentiles per procedure/section/city, where-to-start, "
          f"counters): {result['full']:.1f} s; peak RSS {result['peak_mb']:.0f} MB")
    visits = np.full(12, 500_000 / 12)
    visits[2:4] *= 1.8
    visits *= 500_000 / visits.sum()
    start = time.perf_counter()
    year = simulate_year(visits, 6.0, default_servers(500_000, 6.0), seed=1)
    print(f"counter year, {year.visits:,} visits, {year.servers} counters, seasonal arrivals: "
          f"{time.perf_counter() - start:.2f} s (mean wait {year.mean_wait_min:.1f} min)")


if __name__ == "__main__":
    main()
