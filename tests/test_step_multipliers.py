"""The measures' effects on step minutes and offline shares, computed for all effects at
once (issue 16: a loop over a city's effects took seconds in every costing), give the
figures of one effect at a time to the last bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.params import resolved_values
from analysis.tabular import ProcessTables, offline_shares, step_multipliers


def one_at_a_time(tables: ProcessTables, values: dict[str, float] | None) -> np.ndarray:
    """The loop the vectorised code replaced."""
    multipliers = np.ones(len(tables.steps))
    resolved = resolved_values(values)
    for effect in tables.effects.itertuples(index=False):
        a = 1.0 if effect.adoption is None or pd.isna(effect.adoption) else max(
            effect.floor, resolved[effect.adoption])
        m = effect.k0 + (effect.k1 * resolved[effect.param]
                         if isinstance(effect.param, str) else 0.0)
        multipliers[effect.step_row] *= max(1.0 - a * (1.0 - m), 0.0)
    return multipliers


def offline_one_at_a_time(tables: ProcessTables, values: dict[str, float] | None) -> np.ndarray:
    procedures = tables.procedures
    cases = procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    online = np.minimum(procedures["online_cases"].fillna(0).to_numpy(dtype=float), cases)
    offline = np.where(cases > 0, 1.0 - online / np.maximum(cases, 1e-12), 1.0)
    with_channel = np.zeros(len(procedures), dtype=bool)
    channel_offline = np.ones(len(procedures))
    resolved = resolved_values(values)
    for channel in tables.channels.itertuples(index=False):
        channel_offline[channel.procedure_row] *= 1.0 - max(channel.floor,
                                                             resolved[channel.adoption])
        with_channel[channel.procedure_row] = True
    return np.where(with_channel, np.minimum(channel_offline, offline), offline)


def random_tables(seed: int) -> ProcessTables:
    rng = np.random.default_rng(seed)
    keys = list(resolved_values(None))
    n_steps, n_effects, n_procedures = 200, 700, 40
    adoption = [None if u < 0.3 else keys[int(u * 1000) % len(keys)]
                for u in rng.random(n_effects)]
    param = [None if u < 0.4 else keys[int(u * 997) % len(keys)] for u in rng.random(n_effects)]
    effects = pd.DataFrame({
        "step_row": np.sort(rng.integers(0, n_steps, n_effects)),  # several per step
        "adoption": adoption, "floor": rng.random(n_effects) * rng.integers(0, 2, n_effects),
        "param": param, "k0": rng.normal(0.6, 0.5, n_effects),  # some factors below 0
        "k1": rng.normal(0.0, 0.3, n_effects), "measure": "m"})
    channels = pd.DataFrame({
        "procedure_row": np.sort(rng.integers(0, n_procedures, 60)),
        "adoption": [keys[i % len(keys)] for i in rng.integers(0, 50, 60)],
        "floor": rng.random(60), "measure": "c"})
    procedures = pd.DataFrame({"annual_cases": rng.integers(0, 5000, n_procedures).astype(float),
                               "online_cases": rng.integers(0, 3000, n_procedures).astype(float)})
    return ProcessTables(procedures, pd.DataFrame({"step_no": np.arange(n_steps)}),
                         pd.DataFrame(), effects, channels)


def test_all_effects_at_once_give_the_figures_of_one_at_a_time():
    for seed in range(5):
        tables = random_tables(seed)
        for values in (None, {"online_uptake_ceiling": 0.6}, {"rpa_reduction": 0.4}):
            expected = one_at_a_time(tables, values)
            assert (expected < 1).any()
            assert (expected == 0).any()
            assert step_multipliers(tables, values).tobytes() == expected.tobytes()
            assert offline_shares(tables, values).tobytes() == \
                offline_one_at_a_time(tables, values).tobytes()


def test_no_effects_leave_the_minutes_and_the_offline_cases_as_they_are():
    tables = random_tables(1)
    empty = ProcessTables(tables.procedures, tables.steps, tables.links, tables.effects.iloc[0:0],
                          tables.channels.iloc[0:0])
    assert (step_multipliers(empty) == 1.0).all()
    cases = tables.procedures["annual_cases"].to_numpy()
    online = np.minimum(tables.procedures["online_cases"].to_numpy(), cases)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(cases > 0, 1 - online / cases, 1.0)
    assert offline_shares(empty) == pytest.approx(expected)
