"""The one pipeline and its typed result: the CLI, the report and the Python API agree;
where-to-start is one row per procedure and says how it is ranked; sensitivity."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pytest

from analysis.result import SimulationResult
from analysis.scenario import DEFAULT_SCENARIO
from analysis.sensitivity import sensitivity, spearman
from analysis.sensitivity_part import Evaluator as _Evaluator
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario, set_unit_cost
from bpr_studio.pipeline import analyse, load_model, run_pipeline
from bpr_studio.report.excel import build_report
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("pipeline") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


@pytest.fixture(scope="module")
def dx(city):
    with open_project(city) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        return model, scenario, analyse(project, scenario, model=model, counter=False)


# --- where to start -----------------------------------------------------------------------

def test_ranking_has_one_row_per_procedure_with_its_package(dx):
    _model, scenario, analysis = dx
    rows = analysis.ranking.rows
    ids = [r.procedure_id for r in rows]
    assert len(ids) == len(set(ids)), "a procedure appears more than once"
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert [r.priority for r in rows] == sorted((r.priority for r in rows), reverse=True)
    saved = analysis.comparison.savings().set_index("procedure_id")
    first = rows[0]
    # The package's savings are the scenario's (measures together, interaction once) …
    assert first.staff_hours_saved == pytest.approx(saved.at[first.procedure_id, "staff_time_h"])
    assert len(first.measures) > 1
    # … and the per-measure detail adds up to them.
    assert sum(s.staff_hours_saved for s in first.attribution) == pytest.approx(
        first.staff_hours_saved)
    order = [u.measure for u in scenario.measures]
    assert first.measures == sorted(first.measures, key=order.index)


def test_ranking_explains_itself_and_shows_what_citizen_time_does(dx):
    ranking = dx[2].ranking
    assert "順" in ranking.explanation("ja")
    assert "1,055" in ranking.explanation("ja")
    assert ranking.explanation("en").startswith("Ranked by")
    assert 0 < ranking.citizen_time_share_top10 < 1
    assert f"{ranking.top10_changed_without_citizen_time} 件" in ranking.note("ja")
    for row in ranking.rows:
        # Staff and citizen figures are separate; yen for citizen time is at the stated value.
        assert row.citizen_time_yen == pytest.approx(row.citizen_hours_saved * 1055)
        assert row.benefit_yen == pytest.approx(
            row.staff_yen_saved + row.citizen_yen_saved + row.citizen_time_yen)


def test_ranking_weight_is_an_editable_stored_assumption(tmp_path):
    path = tmp_path / "w.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        set_unit_cost(project, "ranking_citizen_weight", 0, "試算: 職員の削減額だけで比較")
        ranking = analyse(project, DEFAULT_SCENARIO, counter=False).ranking
    assert ranking.weights.citizen_weight == 0
    assert ranking.weights.citizen_weight_source == "試算: 職員の削減額だけで比較"
    assert [r.rank for r in ranking.rows] == [r.rank_staff_only for r in ranking.rows]
    assert ranking.top10_changed_without_citizen_time == 0
    assert "×0" in ranking.explanation("ja")


# --- one pipeline, one result ---------------------------------------------------------------

def test_result_json_is_standard_json_and_reads_back(city, tmp_path):
    """The JSON other tools read: a figure that is not a number is null (not NaN, which
    standard JSON does not allow), numpy numbers are plain numbers, and the report's
    reader gets the same result back."""
    import dataclasses

    from analysis.result import Estimate, read_json
    from analysis.simulate import write_json

    with open_project(city) as project:
        result = run_pipeline(project, DEFAULT_SCENARIO, 20, 3)
    first = result.procedures[0]
    first.as_is["staff_time_h"] = Estimate(float("nan"), float("inf"), -float("inf"), 1.0)
    result = dataclasses.replace(result, city_samples={"staff_time_h": [np.float64(2.5)]})
    path = write_json(result, tmp_path / "sim.json")

    def refuse(token):
        raise AssertionError(f"{token} in the JSON")

    data = json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)
    assert data["procedures"][0]["as_is"]["staff_time_h"] == {
        "deterministic": None, "p5": None, "p50": None, "p95": 1.0}
    assert data["city_samples"] == {"staff_time_h": [2.5]}
    assert data["procedures"][0]["name"] == first.name   # Japanese text kept as text
    again = read_json(path)
    assert again.ranking == result.ranking
    assert again.potential == result.potential
    assert again.procedures[1] == result.procedures[1]


def test_cli_json_report_and_api_give_identical_figures(city, tmp_path):
    out = tmp_path / "sim.json"
    assert main(["simulate", "--project", str(city), "--replications", "40", "--seed", "9",
                 "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    with open_project(city) as project:
        result = run_pipeline(project, DEFAULT_SCENARIO, 40, 9)
        report = build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", 40, 9)
    cli = SimulationResult.from_json_dict(data)
    for metric in ("staff_time_h", "staff_economic_yen", "citizen_visits", "staff_fte"):
        assert cli.city.savings[metric] == result.city.savings[metric]
    assert [r.procedure_id for r in cli.ranking.rows] == [r.procedure_id for r in result.ranking.rows]
    assert cli.band == result.band
    assert cli.potential == result.potential
    assert [r.benefit_yen for r in cli.ranking.rows] == pytest.approx(
        [r.benefit_yen for r in result.ranking.rows])
    wb = openpyxl.load_workbook(report)
    ws = wb["概要"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, 40)}
    hours = result.city.savings["staff_time_h"]
    assert ws.cell(row=rows["職員の作業時間の削減"], column=3).value == pytest.approx(hours.p5)
    assert ws.cell(row=rows["職員の作業時間の削減"], column=4).value == pytest.approx(hours.p95)
    priorities = wb["優先順位"]
    header = [c.value for c in priorities[4]]
    listed = [priorities.cell(row=r, column=header.index("手続ID") + 1).value
              for r in range(5, 5 + len(result.ranking.rows))]
    assert listed == [r.procedure_id for r in result.ranking.rows]
    assert priorities.cell(row=2, column=1).value == result.ranking.explanation_ja
    # The summary distinguishes expected from potential and names the published band.
    assert result.band is not None
    assert result.potential is not None
    assert ws.cell(row=rows["（潜在）職員の作業時間の削減"], column=2).value == pytest.approx(
        result.potential.city["staff_time_h"])
    sentences = [ws.cell(row=r, column=1).value or "" for r in range(1, 60)]
    assert result.band.text_ja in sentences
    # The report can be rebuilt from the saved JSON: the typed result round-trips.
    assert cli.to_json_dict()["where_to_start"] == json.loads(json.dumps(
        result.to_json_dict()["where_to_start"]))
    assert main(["report", "--project", str(city), "--simulation", str(out),
                 "-o", str(tmp_path / "again.xlsx")]) == 0


# --- sensitivity ----------------------------------------------------------------------------

def test_fast_re_costing_equals_the_cost_model(dx):
    model, scenario, analysis = dx
    evaluator = _Evaluator(model, scenario, analysis.comparison)
    for costs, expected in ((evaluator.base_as_is, analysis.comparison.as_is.procedures),
                            (evaluator.to_be(evaluator.values), analysis.comparison.to_be.procedures)):
        for column in ("staff_economic_yen", "staff_time_h", "citizen_time_h", "citizen_visits"):
            assert np.allclose(costs[column].to_numpy(), expected[column].to_numpy(),
                               rtol=1e-9, atol=1e-6), column


def test_tornado_bars_are_ordered_and_bracket_the_base(dx):
    model, scenario, analysis = dx
    result = sensitivity(model, scenario, analysis.comparison)
    saved = analysis.comparison.city()["saved"]
    assert result.base["staff_economic_yen"] == pytest.approx(saved["staff_economic_yen"])
    swings = [b.swing("staff_economic_yen") for b in result.bars]
    assert swings == sorted(swings, reverse=True)
    assert swings[0] > 0
    for bar in result.bars:
        for metric in result.metrics:
            left, right = bar.ends(metric, result.base[metric])
            assert left <= result.base[metric] <= right
        assert bar.low_input <= bar.base_input <= bar.high_input
        assert bar.source
    keys = {b.key for b in result.bars}
    assert {"rpa_reduction", "hourly_cost_regular"} <= keys
    assert "adoption_year" in keys  # the uptake curve moves the online uptake it derives
    # A higher staff hourly cost saves more yen, never fewer hours.
    cost = next(b for b in result.bars if b.key == "hourly_cost_regular")
    assert cost.at_high["staff_economic_yen"] > cost.at_low["staff_economic_yen"]
    assert cost.at_high["staff_time_h"] == pytest.approx(cost.at_low["staff_time_h"])
    assert "volume_spread" in result.no_effect


def test_top20_stability_under_citizen_time_and_uptake(dx):
    model, scenario, analysis = dx
    result = sensitivity(model, scenario, analysis.comparison)
    keys = [s.key for s in result.stability]
    assert "citizen_hourly_value=0" in keys
    assert "uptake=low" in keys
    assert "uptake=high" in keys
    zero = next(s for s in result.stability if s.key == "citizen_hourly_value=0")
    assert -1 <= zero.spearman < 1
    assert 0 <= zero.overlap <= 20
    assert len(zero.entered) == len(zero.left) == 10 - zero.overlap_top10
    same = next(s for s in result.stability if s.key.startswith("citizen_hourly_value=")
                and s.key != "citizen_hourly_value=0")
    assert same.overlap <= 20


def test_spearman():
    assert spearman([1, 2, 3], [1, 2, 3]) == 1.0
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0


def test_a_project_without_staff_hours_simulates_and_reports(tmp_path, make_workbook, capsys):
    """A section whose only procedure has 0 cases a year (not yet in use) made
    `simulate`, `report` and the app's simulation fail with an internal error (division
    by the city's staff hours, 0): the share saved is 0."""
    from tests.conftest import small_procedure

    survey = make_workbook(procedures=[small_procedure(annual_cases=0, online_cases=0)])
    project = tmp_path / "p.bprproj"
    assert main(["import", str(survey), "--project", str(project)]) == 0
    assert main(["simulate", "--project", str(project), "--json", str(tmp_path / "s.json"),
                 "--replications", "50"]) == 0
    result = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert result["band"]["expected_share"] == 0.0
    assert main(["report", "--project", str(project), "-o", str(tmp_path / "r.xlsx"),
                 "--replications", "50"]) == 0
    assert "エラー" not in capsys.readouterr().err
