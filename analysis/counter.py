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

import numpy as np

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


def simulate_year(visits_by_month: np.ndarray, mean_service_min: float, servers: int,
                  seed: int) -> CounterResult:
    """One year of a counter: Poisson arrivals following month, weekday and hour profiles."""
    rng = np.random.default_rng(seed)
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
    service = service_times(rng, mean_service_min, arrivals.size)
    waits = run_queue(arrivals, service, servers)
    open_minutes = 12 * days * bucket_len.sum()
    month_of = (arrivals // (days * day_minutes)).astype(int)
    peak_month = int(np.argmax(visits_by_month))
    in_peak = month_of == peak_month
    peak = float(waits[in_peak].mean()) if in_peak.any() else None
    return _result(waits, service, servers, open_minutes, peak)
