"""Counter queue simulation: arrivals by month, weekday and hour; c counters; FIFO.

Arrivals are a Poisson process whose rate follows the season (peak months such as the
March–April moving season), the weekday and the hour of the day. Each visitor takes
the first free counter (FIFO, ``analysis.counter_queue``: one queue by a heap of the
times the counters become free, or every opening day of many counters' years at once).

>>> round(erlang_c_wait(arrival_per_hour=20, servers=2, mean_service_min=5), 3)
11.364
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from analysis.counter_queue import run_lane_queues, run_queue
from analysis.counter_queue import run_queue_by_lane as run_queue_by_lane  # re-exported
from analysis.worker_init import give_back_memory

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
# Runs a function on each item, returning the results in the items' order.
TaskRunner = Callable[[Callable[[list["CounterYears"]], list[dict[str, object]]],
                       Sequence[list["CounterYears"]]], list[list[dict[str, object]]]]
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
    parts = [_month_weight(tuple(months)) for months in peak_months]
    # Each procedure's visits × its weights ÷ their sum (in that order, as one procedure at
    # a time did), added up in the procedures' order: a running sum, not numpy's pairwise
    # one, so the same bits as adding them one at a time.
    rows = np.zeros((len(parts) + 1, 12))
    if parts:
        np.multiply(np.asarray(visits, dtype=float)[:, None], np.stack([w for w, _ in parts]),
                    out=rows[1:])
        rows[1:] /= np.array([total for _, total in parts])[:, None]
    return np.add.accumulate(rows, axis=0)[-1]


@lru_cache(maxsize=1024)
def _month_weight(months: tuple[int, ...]) -> tuple[np.ndarray, float]:
    """A procedure's weight of each month (its peak months weighted up; read-only) and
    their sum."""
    weight = np.ones(12)
    for m in months:
        weight[m - 1] = PEAK_MONTH_WEIGHT
    weight.flags.writeable = False
    return weight, float(weight.sum())


def default_servers(visits_per_year: float, mean_service_min: float) -> int:
    open_hours = 12 * WEEKDAYS_PER_MONTH * sum(b - a for a, b in OPEN_HOURS)
    work_hours = visits_per_year * mean_service_min / 60
    return max(1, math.ceil(work_hours / (open_hours * TARGET_UTILIZATION)))


@dataclass(frozen=True)
class _Calendar:
    """The year's opening buckets (month × weekday × hour), the same for every counter."""

    day_share: np.ndarray    # (days,) share of a month's visits by day
    hour_share: np.ndarray   # (hours,) share of a day's visits by opening bucket
    origin: np.ndarray       # (months × days × hours,) first minute of each bucket
    day: np.ndarray          # (months × days × hours,) working day of the year of each bucket
    length: np.ndarray       # (months × days × hours,) minutes of each bucket
    open_minutes: int


@lru_cache(maxsize=1)
def _calendar() -> _Calendar:
    days = int(round(WEEKDAYS_PER_MONTH))
    weekday = np.arange(days) % 5
    bucket_start = np.array([a for a, _ in OPEN_HOURS]) * 60
    bucket_len = np.array([b - a for a, b in OPEN_HOURS]) * 60
    hour_share = HOUR_WEIGHTS * bucket_len / (HOUR_WEIGHTS * bucket_len).sum()
    day_share = WEEKDAY_WEIGHTS[weekday] / WEEKDAY_WEIGHTS[weekday].sum()
    month_idx, day_idx, hour_idx = np.unravel_index(np.arange(12 * days * len(OPEN_HOURS)),
                                                    (12, days, len(OPEN_HOURS)))
    origin = (month_idx * days + day_idx) * _DAY_MINUTES + bucket_start[hour_idx]
    return _Calendar(day_share, hour_share, origin, month_idx * days + day_idx, bucket_len[hour_idx],
                     int(12 * days * bucket_len.sum()))


_DAY_MINUTES = 24 * 60


def _year_counts(rng: np.random.Generator, visits_by_month: np.ndarray) -> np.ndarray:
    """Poisson arrivals of one year per opening bucket (month × weekday × hour), in time
    order: the first of a year's draws."""
    calendar = _calendar()
    expected = (visits_by_month[:, None, None] * calendar.day_share[None, :, None]
                * calendar.hour_share[None, None, :])
    return rng.poisson(expected).ravel()


def _fill_year_arrivals(rng: np.random.Generator, counts: np.ndarray, out: np.ndarray) -> None:
    """The year's sorted arrival minutes (``counts`` per bucket, :func:`_year_counts`)
    written into ``out`` (as many as their sum): the year's second draws. Each is its
    bucket's first minute plus a uniform share of the bucket's length."""
    calendar = _calendar()
    rng.random(out=out)
    out *= np.repeat(calendar.length, counts)
    out += np.repeat(calendar.origin, counts)
    # Buckets are disjoint and in time order, so sorting only reorders within a bucket
    # (a stable sort is several times faster on such runs).
    out.sort(kind="stable")


def _year_result(counts: np.ndarray, service: np.ndarray, waits: np.ndarray, servers: int,
                 peak_month: int) -> CounterResult:
    """A year's figures from its waits; ``counts``: its arrivals per bucket
    (:func:`_year_counts`), whose sums by month say where the busiest month's visitors
    are (arrivals are sorted, so the month ``peak_month`` (0 = January) is one slice)."""
    by_month = counts.reshape(12, -1).sum(axis=1)
    end = int(by_month[:peak_month + 1].sum())
    begin = end - int(by_month[peak_month])
    peak = float(waits[begin:end].mean()) if end > begin else None
    return _result(waits, service, servers, _calendar().open_minutes, peak)


def simulate_year(visits_by_month: np.ndarray, mean_service_min: float, servers: int,
                  seed: int) -> CounterResult:
    """One year of a counter: Poisson arrivals following month, weekday and hour profiles."""
    rng = np.random.default_rng(seed)
    counts = _year_counts(rng, visits_by_month)
    arrivals = np.empty(int(counts.sum()))
    _fill_year_arrivals(rng, counts, arrivals)
    service = service_times(rng, mean_service_min, arrivals.size)
    waits = run_queue(arrivals, service, servers)
    return _year_result(counts, service, waits, servers, int(np.argmax(visits_by_month)))


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


@dataclass(frozen=True)
class CounterYears:
    """One counter to simulate for several years (:func:`simulate_many_years`)."""

    visits_by_month: np.ndarray
    mean_service_min: float
    servers: int
    seed: int
    replications: int = COUNTER_REPLICATIONS
    volume_spread: float = COUNTER_VOLUME_SPREAD


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
    return simulate_many_years([CounterYears(visits_by_month, mean_service_min, servers, seed,
                                             replications, volume_spread)])[0]


def simulate_many_years(counters: list[CounterYears], run: TaskRunner | None = None
                        ) -> list[dict[str, object]]:
    """:func:`simulate_years` of many counters, their queues run in batches: every
    (counter, year, day) of a batch is a lane of one :func:`run_queue_by_lane` (what each
    counter draws does not depend on the others, so the figures are those of one at a
    time). ``run(simulate_batch, batches)``: where the batches run (e.g. a process pool,
    ``analysis.compute.run_tasks``), their results in order; by default here, in turn."""
    batches = counter_batches(counters)
    results = run(simulate_batch, batches) if run is not None else \
        [simulate_batch(batch) for batch in batches]
    return [summary for batch in results for summary in batch]


# Visitors queued in one batch: enough lanes per numpy step to pay for the step, few
# enough that the arrays stay in the processor's cache (a whole city's counters at once
# is slower than a batch of a few sections).
_BATCH_VISITORS = 1_000_000


def counter_batches(counters: list[CounterYears]) -> list[list[CounterYears]]:
    """The counters in batches of about :data:`_BATCH_VISITORS` visitors, in order."""
    batches: list[list[CounterYears]] = []
    batch: list[CounterYears] = []
    visitors = 0.0
    for counter in counters:
        batch.append(counter)
        visitors += float(np.sum(counter.visits_by_month)) * counter.replications
        if visitors >= _BATCH_VISITORS:
            batches.append(batch)
            batch, visitors = [], 0.0
    return batches + ([batch] if batch else [])


def simulate_batch(counters: list[CounterYears]) -> list[dict[str, object]]:
    """The years of a batch of counters (a top-level function: pool workers run it)."""
    summaries = _simulate_batch(counters)
    # The batch's queues are gone: do not keep the worker's peak, unless a Monte Carlo
    # chunk is still to come to these workers (it would fault the memory in again).
    give_back_memory(without_pool_event=True)
    return summaries


def _simulate_batch(counters: list[CounterYears]) -> list[dict[str, object]]:
    # Each year draws from its own generator: its arrivals per bucket, then their minutes,
    # then the service times. The counts of every year come first, so the batch's
    # visitors are written once, year after year, into arrays of their total size.
    drawn: list[list[tuple[np.random.Generator, np.ndarray]]] = []
    for counter in counters:
        rng = np.random.default_rng(counter.seed)
        factors = (rng.triangular(1 - counter.volume_spread, 1.0, 1 + counter.volume_spread,
                                  counter.replications)
                   if counter.volume_spread > 0 else np.ones(counter.replications))
        drawn.append([])
        for r, factor in enumerate(factors):
            year_rng = np.random.default_rng([counter.seed, r])  # as one counter alone
            drawn[-1].append((year_rng, _year_counts(year_rng, counter.visits_by_month * factor)))
    sizes = [int(counts.sum()) for years in drawn for _, counts in years]
    bounds = np.r_[0, np.cumsum(sizes, dtype=np.int64)].tolist()
    arrivals, service = np.empty(bounds[-1]), np.empty(bounds[-1])
    # Every (counter, year, opening day) is a lane: a counter is empty at each opening.
    lane_sizes, lane_servers = [], []
    year = 0
    for counter, years in zip(counters, drawn, strict=True):
        for year_rng, counts in years:
            begin, end = bounds[year], bounds[year + 1]
            _fill_year_arrivals(year_rng, counts, arrivals[begin:end])
            service[begin:end] = service_times(year_rng, counter.mean_service_min, end - begin)
            day_sizes = counts.reshape(-1, len(OPEN_HOURS)).sum(axis=1)
            lane_sizes.append(day_sizes)
            lane_servers.append(np.full(day_sizes.size, counter.servers))
            year += 1
    waits = run_lane_queues(arrivals, service, np.concatenate(lane_sizes),
                            np.concatenate(lane_servers))
    out: list[dict[str, object]] = []
    year = 0
    for counter, years in zip(counters, drawn, strict=True):
        peak_month = int(np.argmax(counter.visits_by_month))
        results = []
        for _, counts in years:
            part = slice(bounds[year], bounds[year + 1])
            results.append(_year_result(counts, service[part], waits[part], counter.servers,
                                        peak_month))
            year += 1
        out.append(_summary(results, counter.servers, counter.replications))
    return out


def _summary(years: list[CounterResult], servers: int, replications: int) -> dict[str, object]:
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
                       replications: int = COUNTER_REPLICATIONS,
                       run: TaskRunner | None = None) -> list[dict[str, object]]:
    """Counter waiting times per section, as-is and to-be (``analysis.compare.Comparison``).

    Staffing, one story (:func:`counter_story`): the as-is counter has the fewest counters
    that keep its utilisation at most ``TARGET_UTILIZATION``; the to-be counter is staffed
    the same way for the to-be workload (fewer visits, shorter service), so the counter
    staff whose time the scenario saves are released, never kept at the counter while
    booked as saved. Each side is ``replications`` simulated years: ``mean_wait_min`` is
    their mean and ``mean_wait`` / ``peak_mean_wait`` hold P5/P50/P95.

    ``run``: where the counters' batches of queues run (:func:`simulate_many_years`);
    the figures are the same wherever. (Moved here from ``analysis.simulate``, which
    re-exports it.) :func:`counter_plan` and :meth:`CounterPlan.results` are its two
    halves, for a caller that runs the batches in the background meanwhile.
    """
    plan = counter_plan(comparison, seed, replications)
    summaries = run(simulate_batch, plan.batches) if run is not None else \
        [simulate_batch(batch) for batch in plan.batches]
    return plan.results(summaries)


@dataclass
class CounterPlan:
    """The counters of a comparison to simulate: their batches of queues
    (:func:`simulate_batch` of each, anywhere, gives the summaries :meth:`results` reads)."""

    blocks: list[dict[str, object]]
    jobs: list[tuple[dict[str, object], str, float]]
    batches: list[list[CounterYears]]

    def results(self, batch_summaries: Sequence[list[dict[str, object]]]
                ) -> list[dict[str, object]]:
        """Each section's counters, as-is and to-be, from the batches' summaries (in the
        batches' order)."""
        summaries = [summary for batch in batch_summaries for summary in batch]
        for (block, label, mean_service), result in zip(self.jobs, summaries, strict=True):
            block[label] = {**result, "mean_service_min": mean_service}
        results: list[dict[str, object]] = []
        for block in self.blocks:
            if block.get("as_is"):
                as_is, to_be = block["as_is"], block.get("to_be")
                block["servers"] = as_is["servers"]  # type: ignore[index]
                block["servers_to_be"] = to_be["servers"] if to_be else 0  # type: ignore[index]
                block["staffing"] = "released"
                block["story_ja"], block["story_en"] = counter_story("ja"), counter_story("en")
                results.append(block)
        return results


class CounterPlanner:
    """A :class:`CounterPlan` made a section at a time, in any order of sections, its
    counters handed to ``submit`` in batches of about :data:`_BATCH_VISITORS` visitors as
    soon as a batch is full (a run that simulates its procedures a chunk at a time queues
    a section's counters once the section's last procedure is in, so they run beside the
    Monte Carlo instead of after it). What each counter draws depends on its own seed
    alone, so the batching and the order change no figure; :meth:`plan` lists the
    sections in their order, as :func:`counter_plan_of` of every procedure does."""

    def __init__(self, submit: Callable[[list[CounterYears]], None] | None = None) -> None:
        self.submit = submit
        self._blocks: dict[int, list[dict[str, object]]] = {}
        self._jobs: list[tuple[dict[str, object], str, float]] = []
        self._batches: list[list[CounterYears]] = []
        self._batch: list[CounterYears] = []
        self._visitors = 0.0

    def add(self, order: int, plan: CounterPlan) -> None:
        """A section's plan (:func:`counter_plan_of` of its procedures alone); ``order``:
        its place among the sections."""
        self._blocks[order] = plan.blocks
        self._jobs += plan.jobs
        for counter in (c for batch in plan.batches for c in batch):
            self._batch.append(counter)
            self._visitors += float(np.sum(counter.visits_by_month)) * counter.replications
            if self._visitors >= _BATCH_VISITORS:
                self._emit()

    def _emit(self) -> None:
        if self._batch:
            self._batches.append(self._batch)
            if self.submit is not None:
                self.submit(self._batch)
        self._batch, self._visitors = [], 0.0

    def plan(self) -> CounterPlan:
        """Every section's plan, the last batch handed out; ``batches`` in the order they
        were handed out (the order :meth:`CounterPlan.results` reads their summaries)."""
        self._emit()
        blocks = [block for order in sorted(self._blocks) for block in self._blocks[order]]
        return CounterPlan(blocks, self._jobs, self._batches)


def counter_minutes(comparison: Comparison) -> tuple[pd.Series, pd.Series]:
    """Counter-staff minutes per visit of each procedure, as-is and to-be (by procedure ID;
    each procedure's from its own steps alone, so chunks of procedures give the same)."""
    return (_counter_minutes(comparison.as_is_tables, comparison.as_is, False),
            _counter_minutes(comparison.to_be_tables, comparison.to_be, True,
                             comparison.values))


# The columns of the procedures' table a counter plan reads.
COUNTER_PROCEDURE_COLUMNS = ["procedure_id", "section", "peak_months"]


def counter_plan(comparison: Comparison, seed: int, replications: int = COUNTER_REPLICATIONS
                 ) -> CounterPlan:
    """What :func:`counter_comparison` simulates: each section's as-is and to-be counter."""
    as_is_minutes, to_be_minutes = counter_minutes(comparison)
    return counter_plan_of(comparison.as_is.procedures, comparison.to_be.procedures,
                           as_is_minutes, to_be_minutes, comparison.as_is_tables.procedures,
                           seed, replications)


def _peak_months(text: object) -> list[int]:
    """The months (1-12) of a procedure's ``peak_months`` cell, e.g. '3,4'."""
    return [int(m) for m in text.split(",") if m.strip().isdigit()] \
        if isinstance(text, str) else []


def counter_plan_of(as_is: pd.DataFrame, to_be: pd.DataFrame, as_is_minutes: pd.Series,
                    to_be_minutes: pd.Series, procedures: pd.DataFrame, seed: int,
                    replications: int = COUNTER_REPLICATIONS) -> CounterPlan:
    """:func:`counter_plan` from its parts: the as-is and to-be costs of every procedure
    (``CostResult.procedures``), their :func:`counter_minutes` and the procedures' table
    (at least :data:`COUNTER_PROCEDURE_COLUMNS`) — what a run that costs its procedures a
    chunk at a time keeps of them. The costs and minutes may hold other procedures too:
    each procedure's are looked up by its ID."""
    import pandas as pd

    ids = procedures["procedure_id"]
    # Each side's visits and counter minutes in the procedures' order (a procedure without
    # counter minutes has none); a procedure missing from a side's costs is an error.
    sides: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label, costs, per_visit in (("as_is", as_is, as_is_minutes),
                                    ("to_be", to_be, to_be_minutes)):
        rows = pd.Index(costs["procedure_id"]).get_indexer(ids)
        if (rows < 0).any():
            raise KeyError(f"procedures without {label} costs: {list(ids[rows < 0])[:5]}")
        found = per_visit.index.get_indexer(ids)
        minutes = np.zeros(len(found))
        minutes[found >= 0] = per_visit.to_numpy(dtype=float)[found[found >= 0]]
        minutes[np.isnan(minutes)] = 0
        sides[label] = (costs["citizen_visits"].to_numpy(dtype=float)[rows], minutes)
    texts = procedures["peak_months"].tolist()
    blocks: list[dict[str, object]] = []
    jobs: list[tuple[dict[str, object], str, float]] = []
    counters: list[CounterYears] = []
    for section, where in procedures.groupby("section").indices.items():
        peaks = [_peak_months(texts[i]) for i in where.tolist()]
        block: dict[str, object] = {"section": section}
        blocks.append(block)
        for label in ("as_is", "to_be"):
            visits, minutes = (values[where] for values in sides[label])
            total_visits = visits.sum()
            block[label] = None
            if total_visits <= 0 or (minutes * visits).sum() <= 0:
                continue
            mean_service = float((minutes * visits).sum() / total_visits)
            servers = default_servers(total_visits, mean_service)
            jobs.append((block, label, mean_service))
            counters.append(CounterYears(month_weights(peaks, visits), mean_service, servers,
                                         seed, replications))
    # Every section's counter, as-is and to-be, in batches of queues.
    return CounterPlan(blocks, jobs, counter_batches(counters))
