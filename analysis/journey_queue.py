"""The counters a journey passes, simulated over a fiscal year's opening days.

Every counter (a section, or a named window) is fed by all its visitors: single
procedures and life events together. Per counter and simulated year: Poisson arrivals
per opening day (the fiscal calendar with holidays, each procedure's peak months ×1.8 as in
``analysis.counter``) and opening hour (the counter model's hour profile); booked visits
(予約) arrive evenly over the month's opening days and hours instead; lognormal service
times; FIFO over
``servers`` counters. All counters and years run as one batch of independent daily queues
(:func:`analysis.counter_queue.run_lane_queues`). A citizen reaching a counter at a time waits
what the simulated visitor arriving then waited (:meth:`QueueYears.wait_at`).

>>> years = simulate_counters([CounterLoad("A", np.full(12, 800.0), 6.0, 1)], seed=1, years=2)
>>> 0 < years.stats[0]["mean_wait_min"] < 60
True
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.counter import HOUR_WEIGHTS, OPEN_HOURS, service_times
from analysis.counter_queue import run_lane_queues
from analysis.journey_calendar import FiscalCalendar, fiscal_calendar

YEARS = 5    # simulated years per side: a journey replication r uses year r mod YEARS
BUCKET_START = np.array([a for a, _ in OPEN_HOURS]) * 60
BUCKET_LEN = np.array([b - a for a, b in OPEN_HOURS]) * 60
HOUR_SHARE = HOUR_WEIGHTS * BUCKET_LEN / (HOUR_WEIGHTS * BUCKET_LEN).sum()
OPEN_MINUTE, CLOSE_MINUTE = float(BUCKET_START[0]), float(BUCKET_START[-1] + BUCKET_LEN[-1])


@dataclass(frozen=True)
class CounterLoad:
    """One counter's year: visits per calendar month (January first), mean service
    minutes, counters open, and the share of visits booked ahead (予約)."""

    name: str
    visits_by_month: np.ndarray
    mean_service_min: float
    servers: int
    booked_share: float = 0.0


@dataclass
class QueueYears:
    """Simulated arrivals and waits of every counter, all years; sorted by (lane, minute)."""

    names: list[str]
    calendar: FiscalCalendar
    years: int
    key: np.ndarray        # lane × 1440 + minute of the day, ascending
    waits: np.ndarray
    stats: list[dict[str, Any]]

    def lane(self, counter: np.ndarray, year: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (year * len(self.names) + counter) * self.calendar.days + day

    def wait_at(self, counter: np.ndarray, year: np.ndarray, day: np.ndarray,
                minute: np.ndarray) -> np.ndarray:
        """Minutes a citizen arriving at ``minute`` of opening ``day`` waits at ``counter``:
        the wait of the next simulated arrival that day (the last one's after it; none
        that day: no wait)."""
        lane = self.lane(counter, year, day)
        query = lane * 1440.0 + minute
        if self.key.size == 0:
            return np.zeros(len(query))
        index = np.minimum(np.searchsorted(self.key, query), self.key.size - 1)
        same = (self.key[index] // 1440).astype(np.int64) == lane
        before = np.maximum(index - 1, 0)
        same_before = (self.key[before] // 1440).astype(np.int64) == lane
        return np.where(same, self.waits[index],
                        np.where(same_before, self.waits[before], 0.0))


def _seed_of(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def simulate_counters(loads: list[CounterLoad], seed: int, years: int = YEARS,
                      fiscal_year: int | None = None) -> QueueYears:
    """``years`` simulated fiscal years of every counter in ``loads``.

    Each counter's draws depend only on its own name, the seed and the year, so adding a
    counter never changes another's waits (as-is and to-be share their random numbers).
    A year of all counters is one batch of daily queues; the years run one after another so
    memory holds one year's working arrays besides the arrivals and waits kept."""
    return simulate_counter_sides([loads], seed, years, fiscal_year)[0]


def _load_key(load: CounterLoad) -> tuple[object, ...]:
    return (load.name, np.asarray(load.visits_by_month, dtype=float).tobytes(),
            load.mean_service_min, load.servers, load.booked_share)


def simulate_counter_sides(sides: list[list[CounterLoad]], seed: int, years: int = YEARS,
                           fiscal_year: int | None = None) -> list[QueueYears]:
    """:func:`simulate_counters` of several sides (as-is, to-be) at once: a counter whose
    load is the same on two sides is simulated once, since its draws and its daily queues
    depend on nothing else (a journey measure changes the counters its events visit, not
    the other few hundred of a prefecture-sized project)."""
    calendar = fiscal_calendar(fiscal_year) if fiscal_year else fiscal_calendar()
    days, buckets = calendar.days, len(HOUR_SHARE)
    flat_hours = BUCKET_LEN / BUCKET_LEN.sum()
    unique: dict[tuple[object, ...], int] = {}
    loads: list[CounterLoad] = []
    side_index: list[list[int]] = []   # each side's counters as indices into ``loads``
    for side in sides:
        indices = []
        for load in side:
            identity = _load_key(load)
            if identity not in unique:
                unique[identity] = len(loads)
                loads.append(load)
            indices.append(unique[identity])
        side_index.append(indices)
    # Walk-ins follow the weekday and hour profiles; booked visits (予約) are spread evenly
    # over the month's opening days and hours: booking flattens the peaks within a month.
    expected_of = [(1 - load.booked_share) * calendar.day_shares(load.visits_by_month)[:, None]
                   * HOUR_SHARE[None, :]
                   + load.booked_share * calendar.day_shares(load.visits_by_month, even=True)[:, None]
                   * flat_hours[None, :] for load in loads]
    keys: list[list[np.ndarray]] = [[] for _ in sides]
    kept_waits: list[list[np.ndarray]] = [[] for _ in sides]
    totals = [_Totals() for _ in loads]
    for k in range(years):
        arrivals, services, days_of, servers, sizes, lane_sizes = [], [], [], [], [], []
        for load, expected in zip(loads, expected_of, strict=True):
            rng = np.random.default_rng([seed, k, _seed_of(load.name)])
            counts = rng.poisson(expected).ravel()
            # Buckets (day, hour) come in time order; sorting bucket + fraction orders the
            # arrivals within each bucket only (a stable sort is several times faster on
            # such runs than numpy's default, and sorted numbers are the same numbers).
            position = np.repeat(np.arange(days * buckets, dtype=float), counts)
            position += rng.random(int(counts.sum()))
            position.sort(kind="stable")
            bucket = position.astype(np.int64)
            day, hour = np.divmod(bucket, buckets)
            arrivals.append(BUCKET_START[hour] + (position - bucket) * BUCKET_LEN[hour])
            days_of.append(day)
            services.append(service_times(rng, load.mean_service_min, bucket.size))
            servers.append(np.full(days, max(1, load.servers)))
            sizes.append(bucket.size)
            lane_sizes.append(counts.reshape(days, buckets).sum(axis=1))
        if not sizes or sum(sizes) == 0:
            continue
        # A day's queue is independent of the others: the lane (counter, day) here (the
        # visitors come counter by counter, day by day, each day's in time order), each
        # side's (year, counter on that side, day) in its look-up keys.
        arrival, service = np.concatenate(arrivals), np.concatenate(services)
        waits = run_lane_queues(arrival, service, np.concatenate(lane_sizes),
                                np.concatenate(servers))
        bounds = np.r_[0, np.cumsum(sizes)]
        for u, total in enumerate(totals):
            part = slice(int(bounds[u]), int(bounds[u + 1]))
            total.add(waits[part], service[part], calendar.month[days_of[u]])
        for s, indices in enumerate(side_index):
            # Lanes (year × counters + counter) × days + day ascend year by year and counter
            # by counter, so the keys come out sorted for the look-up.
            keys[s] += [((k * len(indices) + c) * days + days_of[u]) * 1440.0 + arrivals[u]
                        for c, u in enumerate(indices)]
            kept_waits[s] += [waits[int(bounds[u]):int(bounds[u + 1])].astype(np.float32)
                              for u in indices]
    open_minutes = days * (CLOSE_MINUTE - OPEN_MINUTE)
    out = []
    for s, indices in enumerate(side_index):
        key = np.concatenate(keys[s]) if keys[s] else np.zeros(0)
        waits_all = (np.concatenate(kept_waits[s]).astype(float) if kept_waits[s]
                     else np.zeros(0))
        out.append(QueueYears([loads[u].name for u in indices], calendar, years, key,
                              waits_all, [totals[u].summary(loads[u], years, open_minutes)
                                          for u in indices]))
    return out


class _Totals:
    """A counter's waits summed over the simulated years, by calendar month."""

    def __init__(self) -> None:
        self.wait_by_month = np.zeros(12)
        self.count_by_month = np.zeros(12)
        self.p95: list[float] = []
        self.max = 0.0
        self.service = 0.0

    def add(self, waits: np.ndarray, service: np.ndarray, month: np.ndarray) -> None:
        if waits.size == 0:
            return
        self.wait_by_month += np.bincount(month - 1, weights=waits, minlength=12)
        self.count_by_month += np.bincount(month - 1, minlength=12)
        self.p95.append(float(np.percentile(waits, 95)))
        self.max = max(self.max, float(waits.max()))
        self.service += float(service.sum())

    def summary(self, load: CounterLoad, years: int, open_minutes: float) -> dict[str, Any]:
        """Mean wait, P95 (mean of the years'), the mean wait of each calendar month,
        utilisation."""
        count = self.count_by_month.sum()
        by_month = np.divide(self.wait_by_month, self.count_by_month,
                             out=np.zeros(12), where=self.count_by_month > 0)
        return {
            "mean_wait_min": float(self.wait_by_month.sum() / count) if count else 0.0,
            "p95_wait_min": float(np.mean(self.p95)) if self.p95 else 0.0,
            "max_wait_min": self.max,
            "wait_by_month": [float(x) for x in by_month],
            "visits_per_year": float(count / years),
            "servers": float(load.servers),
            "mean_service_min": load.mean_service_min,
            "utilization": self.service / years / (max(1, load.servers) * open_minutes),
        }
