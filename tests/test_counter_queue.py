"""The counters' batched queues give, to the last bit, what one queue at a time gives
(issue 16: the counter year's CPU). The reference here is the way a counter's year was
simulated before: each year's arrivals sorted anew, each of its days queued alone with
a heap, the busiest month found from each arrival's minute; and a section's counters
planned from its procedures one at a time with pandas look-ups."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import counter
from analysis.counter import CounterYears, simulate_batch
from analysis.counter_queue import run_lane_queues, run_queue, run_queue_by_lane


def _random_lanes(rng: np.random.Generator, lanes: int, empty_share: float = 0.2):
    sizes = rng.integers(1, 400, lanes) * (rng.random(lanes) > empty_share)
    arrivals = [np.sort(rng.uniform(510, 1035, size)) for size in sizes]
    services = [rng.lognormal(1.5, 0.6, size) for size in sizes]
    servers = rng.integers(1, 8, lanes)
    return sizes, arrivals, services, servers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lanes_queued_together_wait_exactly_as_each_queue_alone(seed):
    rng = np.random.default_rng(seed)
    sizes, arrivals, services, servers = _random_lanes(rng, 300)
    alone = np.concatenate([run_queue(a, s, int(c))
                            for a, s, c in zip(arrivals, services, servers, strict=True)])
    together = run_lane_queues(np.concatenate(arrivals), np.concatenate(services), sizes, servers)
    assert np.array_equal(together, alone)  # the same bits, not merely close
    lane = np.repeat(np.arange(len(sizes)), sizes)
    per_visitor = np.repeat(servers, sizes)
    a, s = np.concatenate(arrivals), np.concatenate(services)
    assert np.array_equal(run_queue_by_lane(a, s, lane, per_visitor), alone)
    shuffled = rng.permutation(len(a))   # visitors in any order: each keeps its own wait
    assert np.array_equal(run_queue_by_lane(a[shuffled], s[shuffled], lane[shuffled],
                                            per_visitor[shuffled]), alone[shuffled])


def test_a_busy_counter_makes_visitors_wait_and_an_idle_one_does_not():
    arrivals = np.array([0.0, 0.0, 0.0, 0.0, 100.0])
    service = np.full(5, 10.0)
    waits = run_lane_queues(arrivals, service, np.array([4, 1]), np.array([2, 2]))
    assert waits.tolist() == [0.0, 0.0, 10.0, 10.0, 0.0]
    assert run_lane_queues(np.zeros(0), np.zeros(0), np.array([0, 0]), 3).size == 0


def _year_as_before(job: CounterYears, r: int, factor: float) -> counter.CounterResult:
    rng = np.random.default_rng([job.seed, r])
    calendar = counter._calendar()
    visits = job.visits_by_month * factor
    expected = (visits[:, None, None] * calendar.day_share[None, :, None]
                * calendar.hour_share[None, None, :])
    counts = rng.poisson(expected).ravel()
    starts, lengths = np.repeat(calendar.origin, counts), np.repeat(calendar.length, counts)
    arrivals = np.sort(starts + rng.random(starts.size) * lengths, kind="stable")
    service = counter.service_times(rng, job.mean_service_min, arrivals.size)
    day = np.repeat(calendar.day, counts)     # each opening day is a queue of its own
    waits = np.concatenate([np.zeros(0)] + [
        run_queue(arrivals[day == d], service[day == d], job.servers) for d in np.unique(day)])
    month_of = (arrivals // (int(round(counter.WEEKDAYS_PER_MONTH)) * 24 * 60)).astype(int)
    in_peak = month_of == int(np.argmax(job.visits_by_month))
    peak = float(waits[in_peak].mean()) if in_peak.any() else None
    return counter._result(waits, service, job.servers, calendar.open_minutes, peak)


def _counter_as_before(job: CounterYears) -> dict[str, object]:
    rng = np.random.default_rng(job.seed)
    factors = (rng.triangular(1 - job.volume_spread, 1.0, 1 + job.volume_spread,
                              job.replications)
               if job.volume_spread > 0 else np.ones(job.replications))
    years = [_year_as_before(job, r, float(f)) for r, f in enumerate(factors)]
    return counter._summary(years, job.servers, job.replications)


def test_a_batch_of_counters_reports_what_each_counter_alone_reported_before():
    rng = np.random.default_rng(5)
    jobs = []
    for i in range(8):
        visits = rng.uniform(0, 3000, 12) * (rng.random(12) > 0.15)
        jobs.append(CounterYears(visits, float(rng.uniform(2, 25)), int(rng.integers(1, 8)),
                                 seed=int(rng.integers(0, 2**31)),
                                 replications=int(rng.integers(1, 5)),
                                 volume_spread=[0.0, 0.1, 0.3][i % 3]))
    jobs.append(CounterYears(np.zeros(12), 5.0, 1, seed=3, replications=2))  # nobody comes
    jobs.append(CounterYears(np.r_[np.zeros(11), 40.0], 9.0, 1, seed=4, replications=3))
    assert simulate_batch(jobs) == [_counter_as_before(job) for job in jobs]


def _month_weights_as_before(peak_months, visits):
    by_month = np.zeros(12)
    for months, v in zip(peak_months, visits, strict=True):
        w = np.ones(12)
        for m in months:
            w[m - 1] = counter.PEAK_MONTH_WEIGHT
        by_month += v * w / w.sum()
    return by_month


def test_a_sections_visits_by_month_are_those_of_adding_its_procedures_one_at_a_time():
    rng = np.random.default_rng(6)
    for _ in range(200):
        n = int(rng.integers(0, 200))
        peaks = [sorted(set(rng.integers(1, 13, int(rng.integers(0, 4))).tolist()))
                 for _ in range(n)]
        visits = rng.uniform(0, 5000, n) * (rng.random(n) > 0.1)
        assert np.array_equal(counter.month_weights(peaks, visits),
                              _month_weights_as_before(peaks, visits))
    spring = counter.month_weights([[3, 4]], np.array([1380.0]))
    assert spring[2] == spring[3] == 1.8 * spring[0]
    assert spring.sum() == pytest.approx(1380.0)


def _plan_as_before(as_is, to_be, as_is_minutes, to_be_minutes, procedures, seed):
    sides = {"as_is": (as_is.set_index("procedure_id"), as_is_minutes),
             "to_be": (to_be.set_index("procedure_id"), to_be_minutes)}
    procedures = procedures.set_index("procedure_id")
    planned = []
    for section, ids in procedures.groupby("section").groups.items():
        peaks = [[int(m) for m in str(text).split(",") if m.strip().isdigit()]
                 if isinstance(text, str) else [] for text in procedures.loc[ids, "peak_months"]]
        for label in ("as_is", "to_be"):
            costs, minutes_of = sides[label]
            visits = costs.loc[ids, "citizen_visits"].to_numpy(dtype=float)
            minutes = minutes_of.reindex(ids).fillna(0).to_numpy()
            if visits.sum() <= 0 or (minutes * visits).sum() <= 0:
                continue
            mean_service = float((minutes * visits).sum() / visits.sum())
            planned.append((section, label, mean_service,
                            counter.default_servers(visits.sum(), mean_service),
                            _month_weights_as_before(peaks, visits).tolist()))
    return planned


def test_the_counters_planned_from_a_sections_procedures_are_those_planned_before():
    import pandas as pd

    rng = np.random.default_rng(9)
    n = 400
    ids = [f"P{i:04d}" for i in rng.permutation(n)]
    months = ["3,4", "4", None, "", "12, 1", "x,5"]
    procedures = pd.DataFrame({"procedure_id": ids,
                               "section": rng.choice(["市民課", "税務課", "環境課", "福祉課"], n),
                               "peak_months": [months[i] for i in rng.integers(0, 6, n)]})

    def costs():  # in another order, with other procedures among them
        extra = [f"X{i}" for i in range(30)]
        frame = pd.DataFrame({"procedure_id": ids + extra,
                              "citizen_visits": rng.uniform(0, 3000, n + 30)
                              * (rng.random(n + 30) > 0.2)})
        return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)

    def minutes():  # some procedures without counter minutes, some NaN
        chosen = rng.choice(ids, n // 2, replace=False)
        values = rng.uniform(0, 30, len(chosen))
        values[::17] = np.nan
        return pd.Series(values, index=chosen)

    as_is, to_be, as_is_minutes, to_be_minutes = costs(), costs(), minutes(), minutes()
    plan = counter.counter_plan_of(as_is, to_be, as_is_minutes, to_be_minutes, procedures, 4)
    made = [(block["section"], label, mean_service, job.servers, job.visits_by_month.tolist())
            for (block, label, mean_service), job in
            zip(plan.jobs, (c for batch in plan.batches for c in batch), strict=True)]
    assert made == _plan_as_before(as_is, to_be, as_is_minutes, to_be_minutes, procedures, 4)
    assert [block["section"] for block in plan.blocks] == ["市民課", "環境課", "福祉課", "税務課"]
