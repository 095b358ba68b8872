"""The counters' batched queues give, to the last bit, what one queue at a time gives
(issue 16: the counter year's CPU). The reference here is the way a counter's year was
simulated before: each year's arrivals sorted anew, each of its days queued alone with
a heap, the busiest month found from each arrival's minute."""

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
