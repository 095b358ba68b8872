"""Process graphs, measures, scenarios, Monte Carlo, counters and the simulate command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.compare import compare, parameter_values
from analysis.counter import erlang_c_wait, simulate_stationary
from analysis.graph import build_graph, critical_path, expected_executions, metrics, validate_graph
from analysis.measures import MEASURES, effect_multiplier
from analysis.montecarlo import simulate
from analysis.params import PARAMETERS
from analysis.scenario import DEFAULT_SCENARIO, MeasureUse, Rule, Scenario
from analysis.tabular import graphs_to_tables, tables_for_costing
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario, list_scenarios, save_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.store import open_project
from cost_model.costs import compute_costs
from cost_model.unit_costs import default_table
from sample_surveys.build_samples import sample_files

PROCEDURE = {"procedure_id": "P", "name": "テスト", "section": "市民課", "annual_cases": 1000,
             "online_cases": 100, "visit_required": True, "legal_basis": "law",
             "legal_form_requirement": "none", "identity_check": "seal",
             "attachment_kind": "certificate", "attachment_count": 1,
             "attachment_names": "住民票の写し", "fee_yen": 300, "fee_payment": "cash",
             "category": "other", "department": "d", "lead_time_days": 0}


def _step(no, actor, kind, minutes, **extra):
    return {"procedure_id": "P", "step_no": no, "name": extra.pop("name", f"s{no}"),
            "actor": actor, "work_kind": kind, "typical_minutes": float(minutes),
            "min_minutes": float(minutes), "max_minutes": float(minutes), "share_pct": 100.0,
            "medium": extra.pop("medium", "paper"), "manual_entry": extra.pop("manual", False),
            "seal": extra.pop("seal", False), "wait_days": extra.pop("wait", 0.0),
            "staff_category": "regular", "physical_burden": None, "cognitive_burden": None,
            "psychological_burden": None, "enjoyment": None, **extra}


def small_graph(**procedure):
    steps = [
        _step(1, "citizen", "filling_in", 10, seal=True),
        _step(2, "counter", "reception", 6),
        _step(3, "clerk", "data_entry", 8, manual=True, medium="electronic"),
        _step(4, "clerk", "checking", 5),
        _step(5, "clerk", "moving", 4, name="決裁文書の回付"),
        _step(6, "approver", "approval", 3, seal=True, wait=2.0),
        _step(7, "counter", "reception", 2, name="手数料の収納"),
    ]
    links = [(1, 2, 1.0), (2, 3, 0.8), (2, 1, 0.2), (3, 4, 1.0), (4, 5, 1.0), (5, 6, 1.0),
             (6, 7, 1.0), (7, None, 1.0)]
    return build_graph({**PROCEDURE, **procedure}, steps, links)


FULL = {"implementation_share": 1.0}  # the mechanics of a measure where it is in place


def _full(effect, values=None):
    return effect_multiplier(effect, {**FULL, **(values or {})})


def _costs(graph, values=None):
    tables = graphs_to_tables({"P": graph})
    return compute_costs(*tables_for_costing(tables, values), default_table()).procedures.iloc[0]


# --- graphs -----------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_rework_multiplies_executions_by_one_over_one_minus_p(p):
    graph = build_graph({"procedure_id": "P"},
                        [_step(1, "citizen", "filling_in", 5), _step(2, "clerk", "checking", 5)],
                        [(1, 2, 1.0), (2, 1, p), (2, None, 1 - p)])
    visits = expected_executions(graph)
    assert visits[1] == pytest.approx(1 / (1 - p))
    assert visits[2] == pytest.approx(1 / (1 - p))


def test_validation_points_back_to_the_survey_cell():
    steps = [_step(1, "citizen", "filling_in", 5, source_file="a.xlsx", source_sheet="工程",
                   source_row=2),
             _step(2, "clerk", "checking", 5, source_file="a.xlsx", source_sheet="工程", source_row=3),
             _step(3, "clerk", "checking", 5, source_file="a.xlsx", source_sheet="工程", source_row=4)]
    graph = build_graph({"procedure_id": "P"}, steps, [(1, 2, 0.7), (2, 2, 0.5), (2, 1, 0.5)])
    issues = {(i.key, i.place) for i in validate_graph(graph)}
    assert ("branch_sum", "a.xlsx 工程!J2") in issues
    assert ("dead_end", "a.xlsx 工程!J4") in issues
    assert ("step_unreachable", "a.xlsx 工程!B4") in issues
    assert any(key == "no_way_out" for key, _ in issues)


def test_metrics_of_a_small_process():
    graph = small_graph()
    m = metrics(graph)
    assert m["staff_minutes_per_case"] == pytest.approx(6 / 0.8 + 8 + 5 + 4 + 3 + 2)
    assert m["citizen_minutes_per_case"] == pytest.approx(10 / 0.8)
    assert m["lead_time_days"] == pytest.approx(2.0)
    assert m["seal_steps"] == 2
    assert m["manual_entry_steps"] == 1
    assert m["actors"] == 4
    assert m["counter_visits"] == pytest.approx(0.9)
    path, minutes = critical_path(graph)
    assert path == [1, 2, 3, 4, 5, 6, 7]
    assert minutes == 38
    # hand-offs: citizen→counter (1.25), counter→clerk (1), counter→citizen (0.25), clerk→approver,
    # approver→counter
    assert m["handoffs"] == pytest.approx(1.25 + 1.0 + 0.25 + 1 + 1)


# --- measures ---------------------------------------------------------------------

def test_measures_never_change_their_input():
    graph = small_graph()
    before = (dict(graph.graph), {n: dict(d) for n, d in graph.nodes(data=True)},
              {(u, v): dict(d) for u, v, d in graph.edges(data=True)})
    for measure in MEASURES.values():
        measure.apply(graph, {"steps": [3, 4]})
    after = (dict(graph.graph), {n: dict(d) for n, d in graph.nodes(data=True)},
             {(u, v): dict(d) for u, v, d in graph.edges(data=True)})
    assert before == after


def test_online_application_moves_a_share_of_cases_online():
    graph = MEASURES["online_application"].apply(small_graph(online_cases=0))
    fill, reception = graph.nodes[1]["effects"], graph.nodes[2]["effects"]
    a = PARAMETERS["online_adoption"].default  # year 3 of the adoption curve
    assert _full(fill[0]) == pytest.approx(1 - a * (1 - 0.6), abs=1e-4)
    assert _full(reception[0]) == pytest.approx(1 - a * (1 - 0.5), abs=1e-4)
    before, after = _costs(small_graph(online_cases=0)), _costs(graph)
    assert after["citizen_visits"] == pytest.approx(1000 * (1 - a), abs=0.1)
    assert before["citizen_visits"] == pytest.approx(1000)
    # A procedure already 10 % online keeps at least that share.
    partly = _costs(MEASURES["online_application"].apply(small_graph()))
    assert partly["citizen_visits"] == pytest.approx(900)
    assert after["staff_time_h"] < before["staff_time_h"]


def test_online_application_refuses_level_4_and_says_why():
    graph = small_graph(legal_form_requirement="original")
    check = MEASURES["online_application"].applicable(graph)
    assert not check.ok
    assert check.reason_ja.startswith("レベル4（")
    assert "：法令で書面・対面・原本が必要 3点" in check.reason_ja
    assert MEASURES["online_application"].apply(graph).graph.get("applied") is None


def test_abolishing_seals():
    graph = MEASURES["abolish_seals"].apply(small_graph())
    assert not graph.nodes[1]["seal"]
    assert not graph.nodes[6]["seal"]
    assert graph.graph["identity_check"] == "signature"
    assert _full(graph.nodes[1]["effects"][0]) == pytest.approx(0.9)
    refused = MEASURES["abolish_seals"].applicable(small_graph(identity_check="registered_seal"))
    assert not refused.ok
    assert "実印" in refused.reason_ja


def test_rpa_reduces_manual_entry_with_exceptions_and_checking():
    graph = MEASURES["rpa_ocr"].apply(small_graph())
    effect = graph.nodes[3]["effects"][0]
    # Expected cut: tasks that work (1 − 8 %) × cases not left as exceptions (1 − 10 %) ×
    # 70 %, minus tasks that fail (8 %) and take 1.5× as long; plus 0.5 min checking.
    cut = (1 - 0.08) * (1 - 0.1) * 0.7 - 0.08 * (1.5 - 1)
    assert _full(effect) == pytest.approx(1 - cut + 0.5 / 8)
    # The negative case (久慈市): every task failing at 10.1× makes the step slower.
    assert _full(effect, {"rpa_failure_share": 1.0, "rpa_failure_time_ratio": 10.1}
                             ) == pytest.approx(10.1 + 0.5 / 8)
    assert graph.nodes[3]["manual_entry"] is False
    assert [n for n in graph.nodes if n != "END" and graph.nodes[n]["effects"]] == [3]


def test_e_approval_removes_carrying_and_most_approval_waiting():
    graph = MEASURES["e_approval"].apply(small_graph(), FULL)
    assert graph.nodes[6]["wait_days"] == pytest.approx(2.0 * 0.3)
    assert not graph.nodes[6]["seal"]
    assert _full(graph.nodes[5]["effects"][0]) == 0.0
    assert _full(graph.nodes[6]["effects"][0]) == pytest.approx(0.8)


def test_cashless_saves_a_minute_per_payment():
    graph = MEASURES["cashless"].apply(small_graph())
    assert graph.graph["fee_payment"] == "cashless"
    assert _full(graph.nodes[7]["effects"][0]) * 2 == pytest.approx(2 - 0.7)
    assert _full(graph.nodes[7]["effects"][0], {"cashless_minutes_saved": 1.0}
                             ) * 2 == pytest.approx(2 - 1.0)  # 三鷹市: one minute


def test_no_form_counter_cuts_the_whole_visit_by_one_share():
    graph = MEASURES["no_form_counter"].apply(small_graph())
    # 岩見沢市 18 → 10 min is the whole visit: filling in and reception, one share each.
    assert _full(graph.nodes[1]["effects"][0]) == pytest.approx(0.65)
    assert _full(graph.nodes[2]["effects"][0]) == pytest.approx(0.65)
    assert graph[2][1]["probability"] == pytest.approx(0.2)  # rework is in the 18 → 10
    assert not graph.nodes[4]["effects"]


def test_dropping_attachments_removes_certificate_fees():
    graph = MEASURES["drop_attachments"].apply(small_graph())
    assert graph.graph["attachment_kind"] == "linkable"
    assert _costs(small_graph())["citizen_economic_yen"] == pytest.approx(1000 * 300)
    assert _costs(graph)["citizen_economic_yen"] == 0
    employer = small_graph(attachment_names="就労証明書")
    assert not MEASURES["drop_attachments"].applicable(employer).ok


def test_generic_remove_merge_automate():
    removed = MEASURES["remove_step"].apply(small_graph(), {"steps": [4]})
    assert _full(removed.nodes[4]["effects"][0]) == 0
    merged = MEASURES["merge_steps"].apply(small_graph(), {"steps": [3, 4]})
    assert _full(merged.nodes[3]["effects"][0]) * 8 == pytest.approx((8 + 5) * 0.8)
    assert _full(merged.nodes[4]["effects"][0]) == 0
    automated = MEASURES["automate_step"].apply(small_graph(), {"steps": [3]})
    assert _full(automated.nodes[3]["effects"][0]) == pytest.approx(0.1)


def test_defaults_lie_inside_the_published_ranges():
    for parameter in PARAMETERS.values():
        assert parameter.low <= parameter.default <= parameter.high
    assert 0.56 <= PARAMETERS["rpa_reduction"].default <= 0.86          # rows 2–14
    assert PARAMETERS["rpa_failure_time_ratio"].high >= 16.2 / 1.6 - 1e-9     # row 8: got slower
    assert PARAMETERS["no_form_visit_retained"].low == pytest.approx(10 / 18)  # row 1
    assert PARAMETERS["cashless_minutes_saved"].high == 1.0             # row 21


# --- scenarios, comparison, Monte Carlo ----------------------------------------------

@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_every_project_starts_with_the_default_scenario(city):
    with open_project(city) as project:
        names = [s.name for s in list_scenarios(project)]
        assert names[0] == DEFAULT_SCENARIO
        custom = Scenario("オンラインのみ", [MeasureUse("online_application",
                                                     {"online_adoption": 0.7},
                                                     Rule(max_level=2, min_cases=1000))])
        save_scenario(project, custom)
        loaded = get_scenario(project, "オンラインのみ")
    assert loaded.measures[0].rule.min_cases == 1000
    assert loaded.measures[0].params == {"online_adoption": 0.7}


def test_rules_choose_the_procedures(city):
    with open_project(city) as project:
        model = load_model(project)
    scenario = Scenario("t", [MeasureUse("online_application", rule=Rule(max_level=2,
                                                                         min_cases=10_000))])
    result = compare(model, scenario)
    applied = {a.procedure_id for a in result.applications if a.applied}
    assert "SM-001" in applied  # 住民票: level 2, 58,000 cases
    assert "SM-004" not in applied  # 転入届: level 4
    from cost_model.readiness import ReadinessRubric, score_procedure

    for pid in applied:
        graph = model.graphs[pid]
        assert graph.graph["annual_cases"] >= 10_000
        assert score_procedure(ReadinessRubric(), graph.graph).level <= 2
    saved = result.savings().set_index("procedure_id")
    untouched = saved.drop(index=list(applied))
    assert (untouched[["staff_time_h", "citizen_time_h"]].abs() < 1e-6).all().all()


@pytest.fixture(scope="module")
def dx(city):
    with open_project(city) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
    return model, scenario, compare(model, scenario)


def test_same_seed_same_figures(dx):
    model, scenario, comparison = dx
    runs = [simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 60, 7,
                     parameter_values(scenario)) for _ in range(2)]
    assert np.array_equal(runs[0].as_is, runs[1].as_is)
    assert np.array_equal(runs[0].to_be, runs[1].to_be)
    other = simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 60, 8)
    assert not np.array_equal(runs[0].as_is, other.as_is)


def test_zero_spread_equals_the_deterministic_figures(dx):
    model, scenario, comparison = dx
    mc = simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 5, 3,
                  parameter_values(scenario), spread=False)
    from cost_model.costs import COST_COLUMNS

    for side, result in ((mc.as_is, comparison.as_is), (mc.to_be, comparison.to_be)):
        expected = result.procedures[COST_COLUMNS].to_numpy()
        assert np.allclose(side[0], expected, rtol=1e-5, atol=1e-2)
        assert np.allclose(side[4], side[0])


def test_common_random_numbers_keep_savings_tight(dx):
    model, scenario, comparison = dx
    mc = simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs, 200, 11,
                  parameter_values(scenario))
    staff = 1  # staff_time_h
    as_is, to_be = mc.as_is[:, :, staff].sum(1), mc.to_be[:, :, staff].sum(1)
    savings = as_is - to_be
    independent = as_is - np.random.default_rng(0).permutation(to_be)
    # Shared step-time and volume draws make as-is and to-be move together.
    assert np.corrcoef(as_is, to_be)[0, 1] > 0.3
    assert savings.std() < independent.std()
    assert (savings > 0).all()


# --- counters --------------------------------------------------------------------------

def test_counter_agrees_with_erlang_c():
    result = simulate_stationary(25, 3, 5, 80_000, seed=1, dist="exponential")
    assert result.mean_wait_min == pytest.approx(erlang_c_wait(25, 3, 5), rel=0.02)
    assert result.utilization == pytest.approx(25 * 5 / 60 / 3, rel=0.02)


def test_counter_command_prints_json(capsys):
    assert main(["counter", "--arrival-rate", "20", "--servers", "2", "--mean-service-min", "5",
                 "--service-dist", "lognormal", "--hours", "500", "--seed", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"mean_wait_min", "p90_wait_min", "utilization"} <= set(data)
    assert data["p90_wait_min"] >= data["mean_wait_min"] >= 0


# --- the simulate command --------------------------------------------------------------

def test_simulate_command_writes_the_documented_json(city, tmp_path, capsys):
    out = tmp_path / "sim.json"
    assert main(["simulate", "--project", str(city), "--scenario", DEFAULT_SCENARIO,
                 "--replications", "100", "--seed", "5", "--json", str(out)]) == 0
    assert "削減" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "bpr-studio.simulation/3"
    assert data["replications"] == 100
    assert data["seed"] == 5
    staff = data["city"]["savings"]["staff_time_h"]
    assert staff["p5"] <= staff["p50"] <= staff["p95"]
    assert staff["deterministic"] > 0
    assert len(data["procedures"]) == 69
    assert len(data["sections"]) == 7
    first = data["where_to_start"][0]
    assert {"procedure_id", "measures", "staff_hours_saved", "staff_yen_saved", "fte_saved",
            "citizen_hours_saved", "visits_avoided", "level", "effort", "attribution"} <= set(first)
    priorities = [row["priority"] for row in data["where_to_start"]]
    assert priorities == sorted(priorities, reverse=True)
    # One row per procedure (the old list had a row per procedure × measure).
    ids = [row["procedure_id"] for row in data["where_to_start"]]
    assert len(ids) == len(set(ids))
    assert "順" in data["ranking"]["explanation_ja"]
    assert data["ranking"]["explanation_en"]
    assert data["counter"]
    assert data["counter"][0]["as_is"]["mean_wait_min"] >= 0
    assert any(row["procedure_id"] == "KS2-004" and row["measure"] == "abolish_seals"
               and "実印" in row["reason_ja"] for row in data["not_applied"])
    assert all(p["source"] for p in data["parameters"])


def test_simulate_command_unknown_scenario(city, tmp_path, capsys):
    code = main(["simulate", "--project", str(city), "--scenario", "ない",
                 "--replications", "10", "--json", str(tmp_path / "x.json")])
    assert code == 1
    assert "シナリオ「ない」はありません" in capsys.readouterr().err


def test_savings_by_measure_add_up_to_the_total(dx):
    from analysis.attribution import savings_by_measure

    model, scenario, comparison = dx
    parts = savings_by_measure(comparison, model.unit_costs, parameter_values(scenario),
                               [u.measure for u in scenario.measures])
    total = comparison.city()["saved"]
    for column in ("staff_time_h", "staff_economic_yen", "citizen_time_h", "citizen_visits"):
        assert parts[column].sum() == pytest.approx(total[column], rel=1e-9)
    assert list(parts["measure"])[:2] == ["online_application", "abolish_seals"]
    online = parts.set_index("measure").loc["online_application"]
    assert online["citizen_visits"] == pytest.approx(total["citizen_visits"])
    other = parts.set_index("measure").loc["other"]
    assert abs(other["staff_time_h"]) < 0.05 * total["staff_time_h"]


def test_flow_picture_renders_long_japanese_step_names():
    from analysis.flow_print import print_flow

    graph = small_graph()
    graph.nodes[2]["name"] = "受付・本人確認・記載内容の聞き取り"
    parts = print_flow(MEASURES["online_application"].apply(graph), baseline=graph)
    assert all(part.png[:8] == b"\x89PNG\r\n\x1a\n" for part in parts)
    assert sum(len(part.png) for part in parts) > 20_000


def test_scenario_command_edits_scenarios(city, capsys):
    project = str(city)
    assert main(["scenario", "add-measure", "--project", project, "--name", "窓口改革",
                 "--measure", "no_form_counter", "--min-cases", "5000"]) == 0
    assert main(["scenario", "add-measure", "--project", project, "--name", "窓口改革",
                 "--measure", "online_application", "--max-level", "2",
                 "--param", "online_adoption=0.6"]) == 0
    out = capsys.readouterr().out
    assert "年5,000件以上" in out
    assert "レベル2以下" in out
    with open_project(city) as opened:
        scenario = get_scenario(opened, "窓口改革")
    assert [m.measure for m in scenario.measures] == ["no_form_counter", "online_application"]
    assert scenario.measures[1].params == {"online_adoption": 0.6}
    assert main(["scenario", "remove-measure", "--project", project, "--name", "窓口改革",
                 "--measure", "no_form_counter"]) == 0
    assert main(["scenario", "list", "--project", project]) == 0
    assert "窓口改革: 1 施策" in capsys.readouterr().out
    assert main(["scenario", "delete", "--project", project, "--name", "窓口改革"]) == 0
    with open_project(city) as opened, pytest.raises(KeyError):
        get_scenario(opened, "窓口改革")


def test_graph_of_one_procedure_matches_the_city_tables(dx):
    from analysis.graph import step_numbers
    from analysis.tabular import graph_of

    _model, scenario, comparison = dx
    graph = graph_of(comparison.to_be_tables, "SM-001")
    _p, steps, _l = tables_for_costing(comparison.to_be_tables, parameter_values(scenario))
    expected = steps[steps["procedure_id"] == "SM-001"].set_index("step_no")["typical_minutes"]
    for n in step_numbers(graph):
        assert graph.nodes[n]["typical_minutes"] == pytest.approx(expected[n])


def test_graph_of_reads_a_grouped_table_by_its_ranges_and_any_table_alike(dx):
    """One procedure's rows found by the table's (start, stop) ranges give the same graph
    as comparing every row, and an ungrouped table is still read right."""
    import math

    import networkx as nx

    from analysis.tabular import ProcessTables, graph_of, procedure_row_ranges

    _model, _scenario, comparison = dx
    tables = comparison.to_be_tables
    ranges = procedure_row_ranges(tables.steps)
    assert ranges is not None
    start, stop = ranges["SM-001"]
    assert set(tables.steps["procedure_id"].iloc[start:stop]) == {"SM-001"}
    assert (tables.steps["procedure_id"] == "SM-001").sum() == stop - start
    # Shuffled, one procedure's links are no longer together: read by comparing rows.
    shuffled = tables.links.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert procedure_row_ranges(shuffled) is None
    other = ProcessTables(tables.procedures, tables.steps, shuffled, tables.effects,
                          tables.channels)

    def plain(graph: nx.DiGraph) -> list[object]:
        def norm(x: object) -> object:
            if isinstance(x, float) and math.isnan(x):
                return "NaN"
            if isinstance(x, dict):
                return {k: norm(v) for k, v in x.items()}
            return x
        return [norm(graph.graph), [(n, norm(d)) for n, d in graph.nodes(data=True)],
                sorted((str(a), str(b), norm(d)) for a, b, d in graph.edges(data=True))]

    # Steps shuffled too (the effects renumbered to follow them): a procedure's steps are
    # no longer a range of rows, and its effects are found among all of them.
    order = np.random.default_rng(1).permutation(len(tables.steps))
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    effects = tables.effects.copy()
    effects["step_row"] = position[effects["step_row"].to_numpy()]
    scattered = ProcessTables(tables.procedures, tables.steps.iloc[order].reset_index(drop=True),
                              shuffled, effects, tables.channels)
    assert procedure_row_ranges(scattered.steps) is None
    assert len(tables.effects), "the test needs a scenario with effects"
    for pid in ("SM-001", tables.procedures["procedure_id"].iloc[-1]):
        assert plain(graph_of(tables, pid)) == plain(graph_of(other, pid))
        assert plain(graph_of(tables, pid)) == plain(graph_of(scattered, pid))


def test_an_empty_project_has_no_procedure_rows_to_find():
    """A new project's empty tables (the app opens it and compares its scenario)."""
    import pandas as pd

    from analysis.tabular import procedure_row_ranges

    assert procedure_row_ranges(pd.DataFrame({"procedure_id": pd.Series([], dtype=object)})) == {}
