"""The report computes each expensive part once (issue 16: a 30,000-procedure report within
60 s and 2 GB) and its figures stay those of the parts computed on their own."""

from __future__ import annotations

import numpy as np
import pytest

import analysis.sensitivity as sensitivity_module
from analysis.scenario import DEFAULT_SCENARIO
from analysis.sensitivity import UNIT_COST_RANGES, _Evaluator, sensitivity
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import analyse, load_model
from bpr_studio.report.excel import build_report
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("reuse") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_the_sensitivity_analysis_reuses_the_simulations_comparison(city, tmp_path, monkeypatch):
    """Comparing the whole project again took a quarter of a 30,000-procedure report."""
    sizes: list[int] = []
    original = sensitivity_module.compare

    def recorded(model, scenario):
        sizes.append(len(model.graphs))
        return original(model, scenario)

    monkeypatch.setattr(sensitivity_module, "compare", recorded)
    with open_project(city) as project:
        everything = len(load_model(project).graphs)
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    # Only the few procedures a baked-in parameter changes are compared again.
    assert sizes, "the baked-in parameters (rpa_check_minutes) are re-applied"
    assert max(sizes) < everything


def test_the_report_applies_the_scenario_once_beside_the_monte_carlo(city, tmp_path,
                                                                    monkeypatch):
    """The report takes `simulate`'s path: the scenario is applied a chunk at a time while
    the Monte Carlo runs (at 30,000 procedures the report applied it first, 29 s, then ran
    the Monte Carlo, 24 s), and the whole project is compared once, not again for the
    sensitivity analysis."""
    import analysis.compare as compare_module
    import analysis.simulate as simulate_module

    batched: list[int] = []
    original_batched = simulate_module.BatchedApplication

    class Recorded(original_batched):  # type: ignore[misc,valid-type]
        def __init__(self, graphs, *args, **options):
            batched.append(len(graphs))
            super().__init__(graphs, *args, **options)

    whole: list[int] = []
    original_compare = compare_module.compare

    def compared(model, scenario):
        whole.append(len(model.graphs))
        return original_compare(model, scenario)

    monkeypatch.setattr(simulate_module, "BatchedApplication", Recorded)
    monkeypatch.setattr(sensitivity_module, "compare", compared)
    with open_project(city) as project:
        everything = len(load_model(project).graphs)
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert batched == [everything]
    assert everything not in whole


def test_a_reused_comparison_gives_the_same_sensitivity(city):
    with open_project(city) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        made_here = sensitivity(model, scenario)
        comparison = analyse(project, scenario, model=model, counter=False).comparison
    assert sensitivity(model, scenario, comparison) == made_here


def test_a_unit_cost_bar_leaves_the_base_costs_as_they_were(city):
    with open_project(city) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        comparison = analyse(project, scenario, model=model, counter=False).comparison
    evaluator = _Evaluator(model, scenario, comparison)
    before = evaluator.to_be(evaluator.values)
    for key in UNIT_COST_RANGES:
        evaluator.unit_cost(key, 1.5)
    assert np.array_equal(evaluator.to_be(evaluator.values).to_numpy(), before.to_numpy())
    assert np.array_equal(evaluator.as_is_linear.costs({}).to_numpy(),
                          evaluator.base_as_is.to_numpy())


# --- life events --------------------------------------------------------------------------


def test_a_counter_the_measures_leave_alone_is_simulated_once_with_the_same_waits():
    from analysis.journey_queue import CounterLoad, simulate_counter_sides, simulate_counters

    busy = np.array([900.0, 800, 1500, 1400, 700, 700, 700, 700, 700, 700, 700, 900])
    as_is = [CounterLoad("住民異動", busy, 8.0, 2), CounterLoad("税証明", busy / 2, 5.0, 1)]
    # The to-be moves visits off the first counter to a one-stop counter of its own.
    to_be = [CounterLoad("住民異動", busy * 0.6, 8.0, 2), CounterLoad("税証明", busy / 2, 5.0, 1),
             CounterLoad("ワンストップ窓口", busy * 0.4, 12.0, 1)]
    together = simulate_counter_sides([as_is, to_be], seed=3, years=2)
    for side, alone in zip(together, (simulate_counters(as_is, seed=3, years=2),
                                      simulate_counters(to_be, seed=3, years=2)), strict=True):
        assert side.names == alone.names
        assert np.array_equal(side.key, alone.key)
        assert np.array_equal(side.waits, alone.waits)
        assert side.stats == alone.stats


def test_journeys_of_the_visited_counters_only_are_those_of_the_whole_run(city):
    from bpr_studio.journey_pipeline import run_journeys

    with open_project(city) as project:
        whole = run_journeys(project, replications=100)
        visited = run_journeys(project, replications=100, all_counters=False)
    assert visited.events
    assert visited.events == whole.events
    simulated = {(row["side"], row["counter"]) for row in visited.counters}
    assert simulated < {(row["side"], row["counter"]) for row in whole.counters}
    assert [r for r in whole.counters if (r["side"], r["counter"]) in simulated] == visited.counters
