"""Journey simulation of the 3,000-procedure generated city (issue 14).

    .venv/bin/python -m benchmarks.bench_journeys [--replications 1000] [--events 12]

The generated procedures have synthetic names, so the default event set finds none of
them: the benchmark draws ``--events`` events of 4–12 procedures each (seeded, across
sections; the first is the anchor, the others with shares 5–90 %). Every counter (40
sections) runs a fiscal year of arrivals with the March peak, ten years per side, as-is
and after ワンストップ + 書かない窓口, and each event ``--replications`` citizens. Prints the
seconds and the peak memory (ru_maxrss) of the simulation alone.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.journey import simulate_journeys
from analysis.journey_data import journey_inputs
from analysis.life_events import EventMember, LifeEvent
from benchmarks.common import generated_city
from bpr_studio.loading import load_frames
from bpr_studio.store import open_project


def synthetic_events(procedure_ids: list[str], annual_cases: dict[str, float], count: int,
                     seed: int = 14) -> list[LifeEvent]:
    rng = np.random.default_rng(seed)
    events = []
    for k in range(count):
        size = int(rng.integers(4, 13))
        chosen = [str(p) for p in rng.choice(procedure_ids, size, replace=False)]
        shares = [1.0, *np.round(rng.uniform(0.05, 0.9, size - 1), 2)]
        members = tuple(EventMember(p, float(s), "benchmark") for p, s in zip(chosen, shares,
                                                                               strict=True))
        events.append(LifeEvent(f"event{k}", f"イベント{k}", f"event {k}",
                                annual_cases[chosen[0]], members, chosen[0]))
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--keep", type=Path, help="generate the city here once and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        project_path = folder / "city.bprproj"
        if not project_path.exists():
            started = time.perf_counter()
            folder.mkdir(parents=True, exist_ok=True)
            _survey, project_path = generated_city(folder)
            print(f"generated and imported the city: {time.perf_counter() - started:.1f} s")
        with open_project(project_path) as project:
            procedures, steps, links = load_frames(project)
    cases = dict(zip(procedures["procedure_id"].astype(str), procedures["annual_cases"].astype(float),
                     strict=True))
    events = synthetic_events(procedures["procedure_id"].astype(str).tolist(), cases, args.events)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    inputs = journey_inputs(procedures, steps, links)
    result = simulate_journeys(inputs, events, ("one_stop", "no_form"), seed=1,
                               replications=args.replications)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    visits = sum(row["visits_per_year"] for row in result.counters if row["side"] == "as_is")
    print(f"{len(procedures):,} procedures, {len(steps):,} steps, "
          f"{sum(1 for r in result.counters if r['side'] == 'as_is')} counters "
          f"({visits:,.0f} visits a year), {len(events)} events, "
          f"{args.replications:,} replications, as-is and to-be")
    print(f"journey simulation: {seconds:.2f} s; peak memory {peak / 1024:,.0f} MB "
          f"(before the simulation {before / 1024:,.0f} MB)")
    first = result.events[0]
    print(f"{first.name}: as-is {first.as_is.minutes.mean:.0f} min "
          f"({first.as_is.counters.mean:.1f} counters) → to-be {first.to_be.minutes.mean:.0f} min")


if __name__ == "__main__":
    main()
