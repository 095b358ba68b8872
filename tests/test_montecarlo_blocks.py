"""The Monte Carlo's draws made a procedure at a time and its effects made once per kind
give the same bits as the whole-chunk computation they replace (issue 16: CPU per chunk)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.draws import beta_from_uniforms
from analysis.montecarlo import (
    PARAM_INDEX,
    _effect_arrays,
    _Layout,
    _multiply_effects,
    _procedure_draws,
    procedure_generator,
)
from analysis.params import PARAMETERS
from analysis.tabular import ProcessTables


def _tables(sizes: list[int]) -> ProcessTables:
    rng = np.random.default_rng(3)
    ids = [f"P-{i:03d}" for i in range(len(sizes))]
    steps = pd.DataFrame({"procedure_id": np.repeat(ids, sizes)})
    typical = rng.integers(1, 60, len(steps)).astype(float)
    steps["typical_minutes"] = typical
    # Some ranges, some on an edge, some missing: the degenerate ones keep 標準 exactly.
    steps["min_minutes"] = np.where(rng.random(len(steps)) < 0.8, typical - rng.integers(0, 5, len(steps)), np.nan)
    steps["max_minutes"] = np.where(rng.random(len(steps)) < 0.8, typical + rng.integers(0, 30, len(steps)), np.nan)
    empty = pd.DataFrame()
    return ProcessTables(pd.DataFrame({"procedure_id": ids}), steps, empty, empty, empty)


def test_minutes_drawn_a_procedure_at_a_time_are_those_of_the_whole_chunk():
    sizes = [3, 0, 17, 1, 40, 5]       # a procedure without steps, too
    tables = _tables(sizes)
    layout = _Layout.of(tables)
    k, replications, seed = 8, 300, 11
    draws = _procedure_draws(tables, layout, seed, replications, k, {}, True)
    # The old way: every procedure's uniforms side by side, then one lookup of them all.
    uniforms = np.concatenate([
        procedure_generator(seed, pid).random(k + replications + 2 * replications * size)
        [k + replications:].reshape(2, size, replications)
        for pid, size in zip(tables.procedures["procedure_id"], sizes, strict=True)], axis=1)
    steps = tables.steps
    typical = steps["typical_minutes"].to_numpy()
    low = np.minimum(steps["min_minutes"].fillna(steps["typical_minutes"]).to_numpy(), typical)
    high = np.maximum(steps["max_minutes"].fillna(steps["typical_minutes"]).to_numpy(), typical)
    expected = beta_from_uniforms(uniforms, typical[:, None], low[:, None], high[:, None]) / 60
    assert draws.hours.tobytes() == expected.tobytes()
    flat = ~(steps["min_minutes"] < steps["typical_minutes"]).to_numpy() | \
        ~(steps["max_minutes"] > steps["typical_minutes"]).to_numpy()
    assert np.all(draws.hours[flat] == (typical[flat] / 60)[:, None])


def test_effects_made_once_per_kind_multiply_each_step_as_one_at_a_time():
    rng = np.random.default_rng(5)
    keys = list(PARAMETERS)
    kinds = [(keys[0], 0.1, keys[1], 0.5, 0.2), (None, 0.0, None, 0.7, 0.0),
             (keys[2], 0.0, keys[3], 0.9, -0.3), (keys[0], 0.1, keys[1], 0.5, 0.25)]
    rows, picked = [], []
    for step in range(0, 60, 2):                   # every other step, 1–3 effects each
        for _ in range(rng.integers(1, 4)):
            rows.append(step)
            picked.append(kinds[rng.integers(len(kinds))])
    effects = pd.DataFrame(picked, columns=["adoption", "floor", "param", "k0", "k1"])
    effects["step_row"] = rows
    theta = rng.random((50, len(keys)))
    values = rng.random((60, 50))
    # Each step's factors multiplied together in its order of effects, then applied.
    products: dict[int, np.ndarray] = {}
    for step, (adoption, floor, param, k0, k1) in zip(rows, picked, strict=True):
        a = np.maximum(floor, theta[:, PARAM_INDEX[adoption]]) if adoption else np.ones(50)
        m = k0 + k1 * (theta[:, PARAM_INDEX[param]] if param else 0.0)
        factor = np.maximum(1.0 - a * (1.0 - m), 0.0)
        products[step] = products[step] * factor if step in products else factor
    expected = values.copy()
    for step, product in products.items():
        expected[step] *= product
    arrays = _effect_arrays(effects)
    assert len(arrays.adoption) == len(kinds)
    _multiply_effects(values, arrays, theta)
    assert values.tobytes() == expected.tobytes()


def test_section_and_city_sums_of_scattered_sections_and_procedures_without_one():
    from analysis.chunked import FIXED_POINT, _fixed_sums

    rng = np.random.default_rng(8)
    costs = (rng.random((20, 9, 10)) * 1e5).astype(np.float32)
    visits = (rng.random((20, 9)) * 50).astype(np.float32)
    sections = np.array([2, 2, 5, -1, 5, 2, 7, 7, -1])   # 2 and 5 interleaved, 7 one run
    codes = np.array([2, 5, 7])
    # The chunks' layout: each procedure's costs with the replications last (P, 10, R).
    section_sums, city_sums = _fixed_sums(np.ascontiguousarray(costs.transpose(1, 2, 0)),
                                          visits, sections, codes)
    fixed = np.rint(np.concatenate([costs, visits[:, :, None]], axis=2).astype(np.float64)
                    * FIXED_POINT).astype(np.int64)
    for g, code in enumerate(codes):
        assert np.array_equal(section_sums[:, g], fixed[:, sections == code].sum(axis=1))
    assert np.array_equal(city_sums, fixed.sum(axis=1))


def test_a_job_runs_without_the_cyclic_collector_and_leaves_it_as_it_was():
    import gc

    from analysis.chunked import run_job

    class Job:
        index = first = 0

        def run(self):
            return gc.isenabled()

    assert gc.isenabled()
    assert run_job(Job()) is False      # paused while the chunk runs
    assert gc.isenabled()               # and on again after
    gc.disable()
    try:
        run_job(Job())
        assert not gc.isenabled()       # a caller that had paused it keeps it paused
    finally:
        gc.enable()
