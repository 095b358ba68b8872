"""The fast paths of the simulation give the figures of the plain ones (issue 9, speed).

Beta draws by table lookup keep each figure's mean exactly and the Beta's spread; the
batched counter queues give the waits of one queue at a time; section sums without a
matrix product and percentiles by sorting give what the one-hot product and the
partition gave.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import counter
from analysis.counter import (
    CounterYears,
    run_queue,
    run_queue_by_lane,
    simulate_many_years,
    simulate_years,
)
from analysis.draws import beta_draws, percentiles
from analysis.pert import GRID, POINTS, beta_unit_draws, quantile_table


def test_every_shape_of_the_table_has_exactly_its_mean():
    table = quantile_table(6.0)
    means = (table.sum(axis=1) - (table[:, 0] + table[:, -1]) / 2) / POINTS
    assert means == pytest.approx(np.arange(GRID + 1) / GRID, abs=1e-12)
    assert (np.diff(table, axis=1) >= 0).all()
    assert table.min() == 0.0
    assert table.max() == 1.0


@pytest.mark.parametrize("alpha", [0.05, 0.7, 2.0, 3.0, 4.37, 5.9])
def test_lookup_draws_are_the_beta_of_that_shape(alpha):
    rng = np.random.default_rng(11)
    drawn = beta_unit_draws(rng, np.array([alpha]), 6.0, (400_000, 1)).ravel()
    reference = rng.beta(alpha, 6.0 - alpha, 400_000)
    assert drawn.mean() == pytest.approx(alpha / 6, abs=4 * reference.std() / 600)
    assert drawn.std() == pytest.approx(reference.std(), rel=0.03)
    for q in (5, 25, 50, 75, 95):
        assert np.percentile(drawn, q) == pytest.approx(np.percentile(reference, q), abs=0.004)
    assert drawn.min() >= 0.0
    assert drawn.max() <= 1.0


def test_beta_draws_repeat_with_the_seed_and_keep_degenerate_ranges_exact():
    mean, low, high = np.array([5.0, 3.0, 4.0]), np.array([3.0, 3.0, 4.0]), np.array([9.0, 9.0, 4.0])
    first = beta_draws(np.random.default_rng(3), mean, low, high, (50, 3))
    again = beta_draws(np.random.default_rng(3), mean, low, high, (50, 3))
    assert (first == again).all()
    assert (first[:, 1] == 3.0).all()
    assert (first[:, 2] == 4.0).all()
    assert ((first[:, 0] >= 3.0) & (first[:, 0] <= 9.0)).all()


def test_batched_queues_with_different_counters_give_each_queue_its_own_waits():
    rng = np.random.default_rng(4)
    arrivals, services, lanes, servers = [], [], [], []
    for lane, count in enumerate([1, 3, 2, 1, 3]):
        n = int(rng.integers(1, 60))
        arrivals.append(np.sort(rng.uniform(0, 480, n)))
        services.append(rng.exponential(9.0, n))
        lanes.append(np.full(n, lane))
        servers.append(np.full(n, count))
    expected = np.concatenate([run_queue(a, s, int(c[0]))
                               for a, s, c in zip(arrivals, services, servers, strict=True)])
    a, s, lane, c = (np.concatenate(x) for x in (arrivals, services, lanes, servers))
    assert run_queue_by_lane(a, s, lane, c) == pytest.approx(expected, abs=1e-9)
    shuffled = rng.permutation(len(a))  # visitors in any order: same waits per visitor
    assert run_queue_by_lane(a[shuffled], s[shuffled], lane[shuffled], c[shuffled]) == \
        pytest.approx(expected[shuffled], abs=1e-9)


def test_counters_simulated_together_report_what_each_reports_alone(monkeypatch):
    monkeypatch.setattr(counter, "_BATCH_VISITORS", 30_000)  # several batches
    jobs = [CounterYears(np.full(12, 300.0 * (i + 1)), 4.0 + i, 1 + i % 3, seed=7,
                         replications=4) for i in range(5)]
    alone = [simulate_years(j.visits_by_month, j.mean_service_min, j.servers, j.seed,
                            j.replications) for j in jobs]
    assert simulate_many_years(jobs) == alone


def test_percentiles_are_the_nearest_ranks():
    samples = np.random.default_rng(8).random((1000, 4, 3)).astype(np.float32)
    expected = np.percentile(samples, [5, 50, 95], axis=0, method="nearest")
    assert (percentiles(samples) == expected).all()


def test_frame_records_equal_pandas_to_dict():
    """build_graphs reads the step table through frame_records: the same records as
    DataFrame.to_dict('records') (NaN, NA, ints, bools, text), only faster."""
    import math

    import pandas as pd

    from analysis.graph import frame_records

    frame = pd.DataFrame({
        "i": [1, 2, 3], "f": [0.5, float("nan"), 2.0], "s": ["a", None, "c"],
        "b": [True, False, True], "n": pd.array([1, None, 3], dtype="Int64"),
        "o": pd.Series([1, "x", None], dtype=object)})
    fast, slow = frame_records(frame), frame.to_dict("records")
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert list(a) == list(b)
        for key in a:
            x, y = a[key], b[key]
            if isinstance(y, float) and math.isnan(y):
                assert isinstance(x, float)
                assert math.isnan(x)
            else:
                assert x is y or x == y, (key, x, y)
                assert type(x) is type(y), (key, type(x), type(y))
