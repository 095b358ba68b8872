"""What a run's chunks make of their own comparison beside the Monte Carlo (issue 16: the
report's sensitivity analysis from the chunks' per-procedure figures, so that the report
takes `simulate`'s path and holds no step table of the whole project)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare import compare
from analysis.compute import ComputeOptions
from analysis.simulate import ChunkWork, simulate_scenario
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.sample_project import ensure_sample_project
from bpr_studio.store import open_project

REPLICATIONS = 20


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with open_project(ensure_sample_project(tmp_path_factory.mktemp("sample"))) as project:
        return load_model(project), get_scenario(project, "DX標準")


def _ids_and_steps(_model, _scenario, comparison):
    return comparison.as_is.procedures["procedure_id"].tolist(), len(comparison.to_be_tables.steps)


def test_every_chunk_gives_what_the_caller_asks_of_its_comparison_in_procedure_order(sample):
    model, scenario = sample
    whole = compare(model, scenario)
    kept = []
    work = ChunkWork(_ids_and_steps)
    result = simulate_scenario(model, scenario, REPLICATIONS, compute=ComputeOptions(
        workers=1, chunk_size=7), keep_analysis=kept.append, per_chunk=work)
    assert len(work.results) == -(-len(model.graphs) // 7) > 2
    assert [pid for ids, _steps in work.results for pid in ids] == sorted(model.graphs)
    assert sum(steps for _ids, steps in work.results) == len(whole.to_be_tables.steps)
    # The analysis kept is the joined one (no step tables), and the result is the run's.
    (analysis,) = kept
    assert analysis.comparison.to_be_tables.steps.empty
    assert analysis.comparison.as_is.procedures["procedure_id"].tolist() == sorted(model.graphs)
    plain = simulate_scenario(model, scenario, REPLICATIONS,
                              compute=ComputeOptions(workers=1, chunk_size=7))
    assert result.procedures == plain.procedures
    assert result.ranking == plain.ranking


def _chunked(model, scenario, options, each):
    kept = []
    work = ChunkWork(each)
    simulate_scenario(model, scenario, REPLICATIONS, compute=options, keep_analysis=kept.append,
                      per_chunk=work)
    return kept[0], work.results


def test_the_sensitivity_of_the_chunks_parts_is_that_of_the_whole_comparison(sample):
    """Each chunk re-costs its own procedures where it runs; joined, the tornado and the
    top-20 stability are those of the whole comparison to the last digit, whatever the
    chunking and the number of workers — also where a chunk's tables lack a parameter
    another chunk's use (its figures are then the base ones), for a parameter baked into
    k0 (rpa_check_minutes: set again in the chunks' tables) and for one that needs the
    process graphs (e_approval_wait_retained: probed and applied again here)."""
    from analysis.sensitivity import sensitivity, sensitivity_from_parts
    from analysis.sensitivity_part import sensitivity_part

    model, scenario = sample
    whole = sensitivity(model, scenario, compare(model, scenario))
    assert whole.bars
    assert whole.stability
    assert "rpa_check_minutes" in {bar.key for bar in whole.bars}
    assert "e_approval_wait_retained" in whole.no_effect
    for workers, size in ((1, 5), (2, 7), (1, 1_000)):
        analysis, parts = _chunked(model, scenario,
                                   ComputeOptions(workers=workers, chunk_size=size),
                                   sensitivity_part)
        if size == 5:
            uses = [part.table_params for part in parts]
            assert set.union(*uses) != set.intersection(*uses)
        assert analysis.comparison.to_be_tables.steps.empty
        assert sensitivity_from_parts(model, scenario, analysis.comparison, parts) == whole


def test_a_baked_in_parameter_that_changes_costs_is_applied_again_to_the_whole_project(
        sample, monkeypatch):
    """A parameter used by a measure but not by the to-be tables, other than a k0 one,
    changes costs only through the graphs: from the chunks' parts it is applied again here
    to the procedures its measures changed, as from the whole comparison."""
    from analysis import sensitivity as sensitivity_module
    from analysis.sensitivity import _Joined, sensitivity_from_parts
    from analysis.sensitivity_part import sensitivity_part

    model, scenario = sample
    # Pretend e_approval_wait_retained changes costs (the probe says so).
    monkeypatch.setattr(sensitivity_module._Joined, "_changes_costs",
                        lambda self, key, value, ids: True)
    whole_comparison = compare(model, scenario)
    whole = sensitivity_from_parts(model, scenario, whole_comparison,
                                   [sensitivity_part(model, scenario, whole_comparison)])
    analysis, parts = _chunked(model, scenario, ComputeOptions(workers=1, chunk_size=6),
                               sensitivity_part)
    joined = _Joined(model, scenario, analysis.comparison, parts)
    low, high = joined.parameter("e_approval_wait_retained", (0.1, 0.6))
    assert low is not None
    assert high is not None
    assert sensitivity_from_parts(model, scenario, analysis.comparison, parts) == whole


def test_the_effect_measurement_of_the_chunks_parts_is_that_of_the_whole_comparison(
        tmp_path_factory):
    """The 効果測定 sheet's figures planned from the run's joined comparison, its savings
    by measure and the chunks' paper sheets are those planned from the whole comparison."""
    from bpr_studio.effect import run_effect
    from bpr_studio.report.chunk_parts import ReportChunk, joined_paper

    path = ensure_sample_project(tmp_path_factory.mktemp("effect"))
    with open_project(path) as project:
        model, scenario = load_model(project), get_scenario(project, "DX標準")
        whole = run_effect(project, scenario, model=model)
        for workers, size in ((1, 4), (2, 9)):
            analysis, parts = _chunked(model, scenario,
                                       ComputeOptions(workers=workers, chunk_size=size),
                                       ReportChunk(effect=True))
            assert len(parts) > 2
            chunked = run_effect(project, scenario, model=model, comparison=analysis.comparison,
                                 attributed=analysis.attributed[0], paper=joined_paper(parts))
            assert chunked == whole


def test_coefficients_remembered_across_chunks_are_each_rows_own(sample):
    """A chunk's kinds of steps and procedures take the coefficients made for an earlier
    chunk's (the same row and unit costs; a section without values of its own reads the
    project's): they are every row's own, also where a section has its own unit costs."""
    from analysis.linear_costs import MEMO, ProcedureKinds, StepKinds
    from cost_model.costs import procedure_coefficients, step_coefficients
    from cost_model.unit_costs import UnitCostTable, UnitCostValue

    model, scenario = sample
    tables = compare(model, scenario).to_be_tables
    procedures, steps = tables.procedures, tables.steps
    section = procedures["section"].dropna().iloc[0]
    own = {section: {"hourly_cost_regular": UnitCostValue("hourly_cost_regular", 9999.0, "t",
                                                          False),
                     "citizen_travel_minutes": UnitCostValue("citizen_travel_minutes", 77.0,
                                                             "t", False)}}
    for table in (model.unit_costs, UnitCostTable(model.unit_costs.project, own)):
        half = len(procedures) // 2
        for chosen in (procedures.iloc[half:], procedures.iloc[:half], procedures):
            mine = steps[steps["procedure_id"].isin(chosen["procedure_id"])]
            row = pd.Series(np.arange(len(chosen)), index=chosen["procedure_id"].to_numpy())
            kinds = StepKinds(chosen, mine, row.reindex(mine["procedure_id"]).to_numpy())
            made = kinds.coefficients(table)
            whole = step_coefficients(chosen, mine, table)
            assert np.array_equal(made.per_hour[kinds.kind], whole.per_hour)
            assert np.array_equal(made.per_execution[kinds.kind], whole.per_execution)
            spread = ProcedureKinds(chosen).coefficients(table)
            every = procedure_coefficients(chosen, table)
            for name in ("per_visit", "per_mailed", "per_case", "visit_required"):
                assert np.array_equal(getattr(spread, name), getattr(every, name)), name
    assert MEMO._by_table
