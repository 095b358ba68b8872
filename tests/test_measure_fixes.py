"""Defects that changed results (issue 9): each test fails on the code before the fix."""

from __future__ import annotations

import math

import pytest

from analysis.compare import compare
from analysis.counter import TARGET_UTILIZATION, default_servers
from analysis.graph import build_graph
from analysis.measures import MEASURES, effect_multiplier
from analysis.scenario import DEFAULT_SCENARIO
from analysis.simulate import counter_comparison
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files
from tests.test_analysis import PROCEDURE, _step


@pytest.fixture(scope="module")
def dx(tmp_path_factory):
    path = tmp_path_factory.mktemp("fixes") / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
    return model, compare(model, scenario)


# --- キャッシュレス決済: a blank fee is no fee ----------------------------------------------

@pytest.mark.parametrize("blank", [None, math.nan])
def test_cashless_does_not_apply_to_a_blank_fee(blank):
    graph = build_graph({**PROCEDURE, "fee_yen": blank, "fee_payment": blank},
                        [_step(1, "counter", "reception", 3, name="手数料の収納")], [])
    check = MEASURES["cashless"].applicable(graph)
    assert not check.ok
    assert check.reason_ja == "手数料がない"


def test_cashless_applies_only_to_the_sample_procedures_with_a_fee(dx):
    model, comparison = dx
    with_fee = {pid for pid, g in model.graphs.items()
                if (g.graph.get("fee_yen") or 0) > 0 and not math.isnan(g.graph["fee_yen"])}
    applied = {a.procedure_id for a in comparison.applications
               if a.measure == "cashless" and a.applied}
    assert 0 < len(with_fee) < len(model.graphs) / 2  # 11 of the 69 sample procedures
    assert applied == with_fee
    # A procedure without a fee keeps its readiness level (the fee axis stays at 0).
    saved = comparison.savings().set_index("procedure_id")
    no_fee = saved.drop(index=list(with_fee))
    assert (no_fee["level_to_be"] <= no_fee["level"]).all()


# --- 電子決裁: only the approval, not the drafting of notices --------------------------------

def _death_registration():
    """死亡届 as in the sample: approval, then five notices drafted and routed by hand."""
    steps = [_step(1, "citizen", "filling_in", 15),
             _step(2, "clerk", "moving", 2, name="決裁文書の回付"),
             _step(3, "approver", "approval", 4.5, wait=1.0)]
    steps += [_step(4 + i, "clerk", "moving", 6, name=f"関係課への連絡票の作成・回付（{i + 1}）")
              for i in range(5)]
    links = [(n, n + 1, 1.0) for n in range(1, 8)] + [(8, None, 1.0)]
    return build_graph(PROCEDURE, steps, links)


def test_e_approval_keeps_the_drafting_of_notices():
    full = {"implementation_share": 1.0}  # e-approval in place for every approval
    graph = MEASURES["e_approval"].apply(_death_registration(), full)
    for step in range(4, 9):  # 連絡票の作成・回付 (1)–(5): 30 minutes a case, kept
        assert all(effect_multiplier(e, full) == 1.0 for e in graph.nodes[step]["effects"])
    assert effect_multiplier(graph.nodes[3]["effects"][0], full) == pytest.approx(0.8)
    assert effect_multiplier(graph.nodes[2]["effects"][0], full) == 0.0  # carrying the file
    assert graph.nodes[3]["wait_days"] == pytest.approx(0.3)


def test_e_approval_leaves_the_sample_death_registration_notices(dx):
    model, comparison = dx
    effects = comparison.to_be_tables.effects
    steps = comparison.to_be_tables.steps
    notices = steps.index[(steps["procedure_id"] == "SM-010")
                          & steps["name"].str.contains("連絡票")]
    assert len(notices) == 5
    touched = effects[effects["step_row"].isin(notices) & (effects["measure"] == "e_approval")]
    assert touched.empty


# --- the counter: staff booked as saved are not kept at the counter -------------------------

def test_to_be_counter_releases_the_staff_it_saves(dx):
    _model, comparison = dx
    blocks = {b["section"]: b for b in counter_comparison(comparison, 1)}
    citizens = blocks["市民課"]
    as_is, to_be = citizens["as_is"], citizens["to_be"]
    assert to_be["servers"] < as_is["servers"]          # fewer counters: staff released
    assert citizens["servers_to_be"] == to_be["servers"]
    # Staffed like the as-is: the fewest counters at the target utilisation.
    workload = to_be["visits"] * to_be["mean_service_min"]
    assert to_be["servers"] == default_servers(to_be["visits"], to_be["mean_service_min"])
    assert to_be["utilization"] <= TARGET_UTILIZATION + 0.05
    assert workload > 0
    # Waits stay realistic: not the 0.0 minutes of a counter with idle staff.
    assert to_be["mean_wait_min"] > 0.5
    assert to_be["peak_mean_wait_min"] > 1.0
    for side in (as_is, to_be):
        stats = side["mean_wait"]
        assert stats["p5"] <= side["mean_wait_min"] <= stats["p95"]
    from analysis.counter import counter_story

    assert "職員" in citizens["story_ja"]
    assert citizens["story_ja"] == counter_story("ja")
