"""Counter queue simulation: arrivals by month, weekday and hour; c counters; FIFO.

Arrivals are a Poisson process whose rate follows the season (peak months such as the
March–April moving season), the weekday and the hour of the day. Each visitor takes
the first free counter; the loop over visitors keeps a heap of the times the counters
become free (O(n log c)), everything else is vectorised.

>>> round(erlang_c_wait(arrival_per_hour=20, servers=2, mean_service_min=5), 3)
11.364
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # for the type checker only; at run time they stay imported late, as before
    import pandas as pd

    from analysis.compare import Comparison
    from analysis.tabular import ProcessTables
    from cost_model.costs import CostResult

# Share of the year's visits by weekday (Mon–Fri) and by opening hour. Proposal: the
# usual shape of municipal counters (Monday and the day after a holiday are busiest,
# late morning peaks, lunch and closing dip); see docs/simulation.md.
WEEKDAY_WEIGHTS = np.array([1.25, 1.0, 0.95, 0.9, 1.05])
OPEN_HOURS = ((8.5, 9.0), (9.0, 10.0), (10.0, 11.0), (11.0, 12.0), (12.0, 13.0),
              (13.0, 14.0), (14.0, 15.0), (15.0, 16.0), (16.0, 17.0), (17.0, 17.25))
HOUR_WEIGHTS = np.array([0.6, 1.2, 1.35, 1.2, 0.8, 1.05, 1.1, 1.0, 0.8, 0.4])
PEAK_MONTH_WEIGHT = 1.8          # proposal: peak months see 1.8× a normal month's visits
SERVICE_CV = 0.5                 # proposal: spread of service times around their mean
TARGET_UTILIZATION = 0.7         # default number of counters: as-is utilisation ≈ 70 %
WEEKDAYS_PER_MONTH = 20.4        # 245 working days a year


@dataclass
class CounterResult:
    mean_wait_min: float
    p90_wait_min: float
    max_wait_min: float
    utilization: float
    visits: int
    servers: int
    peak_mean_wait_min: float | None = None  # in the busiest month

    def to_dict(self) -> dict[str, float | int | None]:
        return {"mean_wait_min": self.mean_wait_min, "p90_wait_min": self.p90_wait_min,
                "max_wait_min": self.max_wait_min, "utilization": self.utilization,
                "visits": self.visits, "servers": self.servers,
                "peak_mean_wait_min": self.peak_mean_wait_min}


def erlang_c_wait(arrival_per_hour: float, servers: int, mean_service_min: float) -> float:
    """Mean wait in queue (minutes) of an M/M/c queue (Erlang C)."""
    lam = arrival_per_hour / 60.0
    mu = 1.0 / mean_service_min
    a = lam / mu
    rho = a / servers
    if rho >= 1:
        return math.inf
    top = a ** servers / math.factorial(servers) / (1 - rho)
    bottom = sum(a ** k / math.factorial(k) for k in range(servers)) + top
    return (top / bottom) / (servers * mu - lam)


def service_times(rng: np.random.Generator, mean_min: np.ndarray | float, n: int,
                  dist: str = "lognormal", cv: float = SERVICE_CV) -> np.ndarray:
    mean = np.broadcast_to(np.asarray(mean_min, dtype=float), (n,))
    if dist == "exponential":
        return rng.exponential(mean)
    if dist == "lognormal":
        sigma = math.sqrt(math.log(1 + cv * cv))
        return mean * rng.lognormal(-sigma * sigma / 2, sigma, n)
    if dist == "triangular":
        return mean * rng.triangular(0.5, 1.0, 1.5, n)
    raise ValueError(f"unknown service distribution '{dist}'")


def run_queue(arrivals_min: np.ndarray, service_min: np.ndarray, servers: int) -> np.ndarray:
    """FIFO waits (minutes) for sorted arrival times with their service times."""
    free = [0.0] * servers
    waits = np.empty(len(arrivals_min))
    replace = heapq.heapreplace
    for i, (arrival, service) in enumerate(zip(arrivals_min.tolist(), service_min.tolist(),
                                               strict=True)):
        first = free[0]
        start = arrival if arrival > first else first
        waits[i] = start - arrival
        replace(free, start + service)
    return waits


def simulate_stationary(arrival_per_hour: float, servers: int, mean_service_min: float,
                        hours: float, seed: int, dist: str = "exponential") -> CounterResult:
    """A counter open ``hours`` hours without a break, Poisson arrivals at a fixed rate."""
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(arrival_per_hour * hours))
    arrivals = np.sort(rng.uniform(0, hours * 60, n))
    service = service_times(rng, mean_service_min, n, dist)
    waits = run_queue(arrivals, service, servers)
    return _result(waits, service, servers, hours * 60)


def _result(waits: np.ndarray, service: np.ndarray, servers: int, open_minutes: float,
            peak: float | None = None) -> CounterResult:
    if len(waits) == 0:
        return CounterResult(0.0, 0.0, 0.0, 0.0, 0, servers, peak)
    return CounterResult(float(waits.mean()), float(np.percentile(waits, 90)), float(waits.max()),
                         float(service.sum() / (servers * open_minutes)), len(waits), servers, peak)


def month_weights(peak_months: list[list[int]], visits: np.ndarray) -> np.ndarray:
    """(12,) expected visits per month: each procedure's visits, peak months weighted up."""
    by_month = np.zeros(12)
    for months, v in zip(peak_months, visits, strict=True):
        w = np.ones(12)
        for m in months:
            w[m - 1] = PEAK_MONTH_WEIGHT
        by_month += v * w / w.sum()
    return by_month


def default_servers(visits_per_year: float, mean_service_min: float) -> int:
    open_hours = 12 * WEEKDAYS_PER_MONTH * sum(b - a for a, b in OPEN_HOURS)
    work_hours = visits_per_year * mean_service_min / 60
    return max(1, math.ceil(work_hours / (open_hours * TARGET_UTILIZATION)))


def run_queue_by_lane(arrivals_min: np.ndarray, service_min: np.ndarray, lane: np.ndarray,
                      servers: int) -> np.ndarray:
    """FIFO waits (minutes) of many independent queues at once, e.g. every day of many
    simulated years (the counter is empty at each opening, so days do not interact).

    Visitors are laid out as (lane, k-th visitor of the lane), padded with arrivals at
    +∞; the k-th visitors of all lanes are served in one vectorised step. Gives the waits
    of :func:`run_queue` lane by lane, in as many numpy steps as the busiest lane has
    visitors (a year of 20 replications costs about what one year costs in
    :func:`run_queue`).
    """
    n = len(arrivals_min)
    waits = np.zeros(n)
    if n == 0:
        return waits
    order = np.lexsort((arrivals_min, lane))
    sorted_lane = lane[order]
    lanes, first, counts = np.unique(sorted_lane, return_index=True, return_counts=True)
    row = np.searchsorted(lanes, sorted_lane)
    col = np.arange(n) - first[row]
    width = int(counts.max())
    # (k, lane) layout: the k-th visitors of all lanes are contiguous in memory.
    arrival = np.full((width, len(lanes)), np.inf)
    service = np.zeros((width, len(lanes)))
    arrival[col, row] = arrivals_min[order]
    service[col, row] = service_min[order]
    start = np.empty((width, len(lanes)))
    free = np.zeros((len(lanes), servers))
    rows = np.arange(len(lanes))
    for k in range(width):
        slot = free.argmin(axis=1)
        np.maximum(arrival[k], free[rows, slot], out=start[k])
        free[rows, slot] = start[k] + service[k]
    waits[order] = start[col, row] - arrivals_min[order]
    return waits


def _year_arrivals(rng: np.random.Generator, visits_by_month: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted arrival minutes of one year (Poisson per month × weekday × hour bucket), the
    day of each arrival, and the open minutes of the year."""
    days = int(round(WEEKDAYS_PER_MONTH))
    day_minutes = 24 * 60
    weekday = np.arange(days) % 5
    bucket_start = np.array([a for a, _ in OPEN_HOURS]) * 60
    bucket_len = np.array([b - a for a, b in OPEN_HOURS]) * 60
    hour_share = HOUR_WEIGHTS * bucket_len / (HOUR_WEIGHTS * bucket_len).sum()
    day_share = WEEKDAY_WEIGHTS[weekday] / WEEKDAY_WEIGHTS[weekday].sum()
    # Expected arrivals per (month, day, hour bucket), then Poisson counts.
    expected = (visits_by_month[:, None, None] * day_share[None, :, None]
                * hour_share[None, None, :])
    counts = rng.poisson(expected).ravel()
    month_idx, day_idx, hour_idx = np.unravel_index(np.arange(counts.size), expected.shape)
    origin = ((month_idx * days + day_idx) * day_minutes + bucket_start[hour_idx])
    starts = np.repeat(origin, counts)
    lengths = np.repeat(bucket_len[hour_idx], counts)
    arrivals = np.sort(starts + rng.random(starts.size) * lengths)
    day = (arrivals // day_minutes).astype(int)
    return arrivals, day, int(12 * days * bucket_len.sum())


def _year_result(arrivals: np.ndarray, service: np.ndarray, waits: np.ndarray, servers: int,
                 open_minutes: int, visits_by_month: np.ndarray) -> CounterResult:
    days = int(round(WEEKDAYS_PER_MONTH))
    month_of = (arrivals // (days * 24 * 60)).astype(int)
    in_peak = month_of == int(np.argmax(visits_by_month))
    peak = float(waits[in_peak].mean()) if in_peak.any() else None
    return _result(waits, service, servers, open_minutes, peak)


def simulate_year(visits_by_month: np.ndarray, mean_service_min: float, servers: int,
                  seed: int) -> CounterResult:
    """One year of a counter: Poisson arrivals following month, weekday and hour profiles."""
    rng = np.random.default_rng(seed)
    arrivals, day, open_minutes = _year_arrivals(rng, visits_by_month)
    service = service_times(rng, mean_service_min, arrivals.size)
    waits = run_queue(arrivals, service, servers)
    return _year_result(arrivals, service, waits, servers, open_minutes, visits_by_month)


# --- as-is versus to-be, per section ---------------------------------------------------

COUNTER_REPLICATIONS = 10  # years simulated per side: waits are reported as mean and P5–P95
COUNTER_VOLUME_SPREAD = 0.1  # ± on a section's yearly visits, as the Monte Carlo's volume_spread

COUNTER_STORY = {
    "ja": ("改善後の窓口は、減った窓口作業時間の分だけ職員を他の業務に回し（窓口数を減らし）、"
           "残る窓口を現状と同じ目標稼働率（{target:.0%}以下）で運営する前提で待ち時間を計算して"
           "います。削減人工に数えた窓口職員は窓口にはいません。"),
    "en": ("The to-be counter releases the staff whose counter time was saved (fewer counters) "
           "and runs the remaining counters at the as-is target utilisation (at most "
           "{target:.0%}); the waits are those of that smaller counter. Counter staff booked "
           "as saved are not at the counter."),
}


def counter_story(lang: str = "ja") -> str:
    """The one sentence that says how the to-be counter is staffed (for the report/app)."""
    return COUNTER_STORY["ja" if lang == "ja" else "en"].format(target=TARGET_UTILIZATION)


def _wait_stats(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    return {"mean": float(array.mean()), "p5": float(np.percentile(array, 5)),
            "p50": float(np.percentile(array, 50)), "p95": float(np.percentile(array, 95))}


def simulate_years(visits_by_month: np.ndarray, mean_service_min: float, servers: int,
                   seed: int, replications: int = COUNTER_REPLICATIONS,
                   volume_spread: float = COUNTER_VOLUME_SPREAD) -> dict[str, object]:
    """``replications`` years of one counter (arrivals, service times and the year's volume
    drawn anew each year): the mean of each figure, and P5/P50/P95 of the yearly mean wait
    and of the busiest month's mean wait (minutes).

    The same ``seed`` gives the same years, so as-is and to-be share their random numbers.

    >>> r = simulate_years(np.full(12, 2000.0), 5.0, 3, seed=1, replications=5)
    >>> r["mean_wait"]["p5"] <= r["mean_wait_min"] <= r["mean_wait"]["p95"]
    True
    """
    rng = np.random.default_rng(seed)
    factors = rng.triangular(1 - volume_spread, 1.0, 1 + volume_spread, replications) \
        if volume_spread > 0 else np.ones(replications)
    # Every (year, day) is a lane of one batched queue.
    drawn = []
    for r, factor in enumerate(factors):
        year_rng = np.random.default_rng([seed, r])
        arrivals, day, open_minutes = _year_arrivals(year_rng, visits_by_month * factor)
        drawn.append((arrivals, service_times(year_rng, mean_service_min, arrivals.size),
                      day + r * 1000))
    waits = run_queue_by_lane(np.concatenate([d[0] for d in drawn]),
                              np.concatenate([d[1] for d in drawn]),
                              np.concatenate([d[2] for d in drawn]), servers)
    bounds = np.cumsum([0, *(len(d[0]) for d in drawn)])
    years = [_year_result(d[0], d[1], waits[bounds[r]:bounds[r + 1]], servers, open_minutes,
                          visits_by_month)
             for r, d in enumerate(drawn)]
    peaks = [y.peak_mean_wait_min for y in years if y.peak_mean_wait_min is not None]
    mean = {field: float(np.mean([getattr(y, field) for y in years]))
            for field in ("mean_wait_min", "p90_wait_min", "max_wait_min", "utilization")}
    return {**mean, "visits": int(round(np.mean([y.visits for y in years]))),
            "servers": servers,
            "peak_mean_wait_min": float(np.mean(peaks)) if peaks else None,
            "mean_wait": _wait_stats([y.mean_wait_min for y in years]),
            "peak_mean_wait": _wait_stats(peaks) if peaks else None,
            "replications": replications}


def _counter_minutes(tables: ProcessTables, costs: CostResult, offline_only: bool,
                     values: dict[str, float] | None = None) -> pd.Series:
    """Counter-staff minutes per visit of each procedure (executions × minutes)."""
    import pandas as pd

    from analysis.tabular import step_multipliers

    steps = costs.steps.reset_index(drop=True)
    minutes = tables.steps["typical_minutes"].astype(float).to_numpy()
    if offline_only:
        # A visitor is an offline case: only effects that apply to every case (not the
        # online channels' shares) change the minutes of a counter visit.
        from dataclasses import replace

        from analysis.params import ADOPTION_KEYS

        offline_effects = tables.effects[~tables.effects["adoption"].isin(ADOPTION_KEYS)]
        minutes = minutes * step_multipliers(replace(tables, effects=offline_effects), values)
    counter = (steps["actor"] == "counter").to_numpy()
    per_case = steps["executions_per_case"].to_numpy() * minutes * counter
    return pd.Series(per_case).groupby(steps["procedure_id"].to_numpy()).sum()


def counter_comparison(comparison: Comparison, seed: int,
                       replications: int = COUNTER_REPLICATIONS) -> list[dict[str, object]]:
    """Counter waiting times per section, as-is and to-be (``analysis.compare.Comparison``).

    Staffing, one story (:func:`counter_story`): the as-is counter has the fewest counters
    that keep its utilisation at most ``TARGET_UTILIZATION``; the to-be counter is staffed
    the same way for the to-be workload (fewer visits, shorter service), so the counter
    staff whose time the scenario saves are released, never kept at the counter while
    booked as saved. Each side is ``replications`` simulated years: ``mean_wait_min`` is
    their mean and ``mean_wait`` / ``peak_mean_wait`` hold P5/P50/P95.

    (Moved here from ``analysis.simulate``, which re-exports it.)
    """
    sides = {
        "as_is": (comparison.as_is.procedures.set_index("procedure_id"),
                  _counter_minutes(comparison.as_is_tables, comparison.as_is, False)),
        "to_be": (comparison.to_be.procedures.set_index("procedure_id"),
                  _counter_minutes(comparison.to_be_tables, comparison.to_be, True,
                                   comparison.values)),
    }
    procedures = comparison.as_is_tables.procedures.set_index("procedure_id")
    results: list[dict[str, object]] = []
    for section, ids in procedures.groupby("section").groups.items():
        peaks = [[int(m) for m in str(text).split(",") if m.strip().isdigit()]
                 if isinstance(text, str) else [] for text in procedures.loc[ids, "peak_months"]]
        block: dict[str, object] = {"section": section}
        for label in ("as_is", "to_be"):
            costs, counter_minutes = sides[label]
            visits = costs.loc[ids, "citizen_visits"].to_numpy(dtype=float)
            minutes = counter_minutes.reindex(ids).fillna(0).to_numpy()
            total_visits = visits.sum()
            if total_visits <= 0 or (minutes * visits).sum() <= 0:
                block[label] = None
                continue
            mean_service = float((minutes * visits).sum() / total_visits)
            servers = default_servers(total_visits, mean_service)
            result = simulate_years(month_weights(peaks, visits), mean_service, servers, seed,
                                    replications)
            block[label] = {**result, "mean_service_min": mean_service}
        if block.get("as_is"):
            as_is, to_be = block["as_is"], block.get("to_be")
            block["servers"] = as_is["servers"]  # type: ignore[index]
            block["servers_to_be"] = to_be["servers"] if to_be else 0  # type: ignore[index]
            block["staffing"] = "released"
            block["story_ja"], block["story_en"] = counter_story("ja"), counter_story("en")
            results.append(block)
    return results
