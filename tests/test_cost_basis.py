"""What the costings of one chunk share is made once (issue 16): the potential reading
reuses the to-be's flow, coefficients and levels, the to-be the as-is's flow when the
measures left the arrows alone, and the Monte Carlo the costings' — with the same figures
to the last bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chunked import RunSettings
from analysis.compare import compare, parameter_values
from analysis.montecarlo import draw_theta, simulate_tables
from analysis.params import potential_values
from analysis.tabular import tables_for_costing
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.sample_project import ensure_sample_project
from bpr_studio.store import open_project
from cost_model.costs import compute_costs, cost_basis


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with open_project(ensure_sample_project(tmp_path_factory.mktemp("sample"))) as project:
        return load_model(project), get_scenario(project, "DX標準")


def test_a_costing_on_a_reused_basis_is_the_costing_made_anew(sample):
    """The potential to-be costed on the expected to-be's basis (only minutes and online
    cases differ) is, frame for frame and bit for bit, the one costed from scratch."""
    model, scenario = sample
    comparison = compare(model, scenario)
    values = parameter_values(scenario)
    basis = cost_basis(*tables_for_costing(comparison.to_be_tables, values), model.unit_costs,
                       model.rubric)
    potential = tables_for_costing(comparison.to_be_tables, potential_values(values))
    anew = compute_costs(*potential, model.unit_costs, model.rubric)
    reused = compute_costs(*potential, model.unit_costs, model.rubric, basis)
    assert not anew.procedures["staff_time_h"].equals(comparison.to_be.procedures["staff_time_h"])
    pd.testing.assert_frame_equal(reused.procedures, anew.procedures, check_exact=True)
    pd.testing.assert_frame_equal(reused.steps, anew.steps, check_exact=True)


def test_the_monte_carlo_on_the_costings_bases_draws_the_same(sample):
    model, scenario = sample
    comparison = compare(model, scenario)
    values = parameter_values(scenario)
    theta = draw_theta(2, 30, values)
    bases = (cost_basis(*tables_for_costing(comparison.as_is_tables), model.unit_costs),
             cost_basis(*tables_for_costing(comparison.to_be_tables, values), model.unit_costs))
    alone = simulate_tables(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs,
                            theta, 2, values)
    shared = simulate_tables(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs,
                             theta, 2, values, bases=bases)
    for name in ("as_is", "to_be", "visits_as_is", "visits_to_be"):
        assert np.array_equal(getattr(shared, name), getattr(alone, name))


def test_a_chunk_solves_its_flows_once(sample, monkeypatch):
    """A chunk's as-is, to-be and potential costings and its Monte Carlo share their flow
    structures: one per side at most (each was made four to five times)."""
    from analysis import chunk_apply
    from analysis.simulate import _apply_jobs, _sections
    from cost_model import flow

    model, scenario = sample
    values = parameter_values(scenario)
    ids, _sections_list, codes = _sections(model)
    settings = RunSettings(model.unit_costs, draw_theta(1, 20, values), 1, values, True, 1860.0)
    job = next(_apply_jobs(model, scenario, ids, codes, 30, settings))
    made = []
    init = flow.FlowStructure.__init__

    def counted(self, *args, **kwargs):
        made.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(flow.FlowStructure, "__init__", counted)
    result = chunk_apply.run_applied_chunk(job)
    assert len(result.as_is) == 30
    assert 1 <= len(made) <= 2
