"""Roadmap by fiscal year (issue 15 item 3): hand-computed schedules, break-even and
renewals, the adoption curve of the simulation, the Monte Carlo range, settings refused
with the key named, the pipeline's result and the command line."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from analysis.economics_result import CostLine, EconomicsResult, MeasureEconomics
from analysis.params import uptake
from analysis.result import SimulationResult
from analysis.roadmap import compute_roadmap
from analysis.roadmap_settings import (
    RoadmapSettingError,
    RoadmapSettings,
    fiscal_year_label,
    next_fiscal_year,
    parse_roadmap_setting,
    roadmap_settings,
)
from analysis.scenario import DEFAULT_SCENARIO
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import run_pipeline
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

M = 1_000_000.0


def _line(setup: float, life: float, subsidy: float = 0.0) -> CostLine:
    return CostLine("item", "費用", "shared", 1, setup, setup * subsidy, 0.0, 0.0, life, True, "")


def _measure(key: str, initial: float, saving: float, running: float = 0.0, npv: float = 0.0,
             life: float = 5, setup: float | None = None, hours: float = 1000.0,
             payback: float | None = None) -> MeasureEconomics:
    lines = [_line(initial if setup is None else setup, life)]
    return MeasureEconomics(key, key, key, 1, hours, saving, initial, 0.0, 0.0, running,
                            saving - running, life, payback, npv, None, 0, 0, 0, 0, lines)


def _economics(*measures: MeasureEconomics) -> EconomicsResult:
    total = _measure("total", 0, 0)
    return EconomicsResult(0.04, "", 3500, list(measures), total, 0.0, [], "", "")


def test_a_budget_cap_pushes_the_lower_ranked_measure_to_the_next_year() -> None:
    economics = _economics(_measure("paperless", 6 * M, 2 * M, npv=5 * M),
                           _measure("rpa_ocr", 6 * M, 3 * M, npv=10 * M))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5, budget_cap_yen=10 * M))
    assert roadmap.measure("rpa_ocr").start_fy == 2027      # higher NPV first
    assert roadmap.measure("paperless").start_fy == 2028    # 6 + 6 > 10 in 2027
    assert roadmap.year(2027).new_initial_yen == 6 * M
    assert roadmap.year(2028).starting == ["paperless"]
    uncapped = compute_roadmap(economics, RoadmapSettings(2027, 5))
    assert {m.start_fy for m in uncapped.measures} == {2027}


def test_order_by_payback_changes_who_goes_first_under_the_cap() -> None:
    economics = _economics(_measure("paperless", 6 * M, 2 * M, npv=5 * M, payback=1.5),
                           _measure("rpa_ocr", 6 * M, 3 * M, npv=10 * M, payback=2.0))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5, 10 * M, order=2))
    assert roadmap.order == "payback"
    assert roadmap.measure("paperless").start_fy == 2027
    assert roadmap.measure("rpa_ocr").start_fy == 2028


def test_a_measure_over_the_cap_alone_starts_in_a_year_of_its_own_and_is_flagged() -> None:
    economics = _economics(_measure("rpa_ocr", 2 * M, 3 * M, npv=10 * M),
                           _measure("no_form_counter", 15 * M, 5 * M, npv=8 * M))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5, budget_cap_yen=10 * M))
    big = roadmap.measure("no_form_counter")
    assert (big.start_fy, big.over_cap) == (2028, True)
    assert roadmap.year(2028).over_cap


def test_break_even_year_by_hand() -> None:
    # 10 up front, 1 a year to run, 5 a year saved: cumulative net −6, −2, +2 → the 3rd year.
    economics = _economics(_measure("rpa_ocr", 10 * M, 5 * M, running=1 * M, life=10))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5))
    nets = [y.cumulative_net_yen / M for y in roadmap.years]
    assert nets[:3] == pytest.approx([-6, -2, 2])
    assert [y.cost_yen / M for y in roadmap.years] == pytest.approx([11, 1, 1, 1, 1])
    assert roadmap.break_even_fy == 2029


def test_a_programme_that_never_breaks_even_says_so(capsys) -> None:
    from bpr_studio.cli_simulation import _break_even_line

    economics = _economics(_measure("e_approval", 5 * M, 0.5 * M, running=1 * M))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 10))
    assert roadmap.break_even_fy is None
    assert roadmap.years[-1].cumulative_net_yen < 0
    assert roadmap.share_breaking_even == 0
    assert "回収しない" in _break_even_line(roadmap, "ja")
    assert "no break-even" in _break_even_line(roadmap, "en")


def test_renewal_cost_appears_the_year_after_the_useful_life_ends() -> None:
    # Set-up 4 before subsidy (3 after subsidy and staff time), life 5, started 2027:
    # used 2027–2031, set up again (without subsidy) in 2032.
    economics = _economics(_measure("paperless", 3 * M, 2 * M, running=0.5 * M, life=5,
                                    setup=4 * M))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 7))
    costs = {y.fiscal_year: y.cost_yen / M for y in roadmap.years}
    assert costs[2027] == pytest.approx(3.5)
    assert costs[2031] == pytest.approx(0.5)
    assert costs[2032] == pytest.approx(4.5)
    assert roadmap.year(2032).renewal_yen == pytest.approx(4 * M)
    assert roadmap.year(2033).renewal_yen == pytest.approx(0)


def test_online_application_ramps_on_the_simulations_adoption_curve() -> None:
    economics = _economics(_measure("online_application", 1 * M, 3 * M),
                           _measure("rpa_ocr", 1 * M, 2 * M))
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5, starts={"online_application":
                                                                          2028}))
    online = roadmap.measure("online_application")
    curve = [uptake(k, 0.10, 0.2) / uptake(3, 0.10, 0.2) for k in (1, 2, 3, 4)]
    assert online.effect_share == pytest.approx([0.0, *curve])
    assert online.effect_share[3] == pytest.approx(1.0)   # its 3rd year = the 投資効果 figure
    assert online.uptake[1] == pytest.approx(uptake(1, 0.10, 0.2))
    assert online.chosen_by_hand
    assert roadmap.measure("rpa_ocr").effect_share == [1.0] * 5   # no curve: constant
    # A constant uptake set in the scenario replaces the curve.
    flat = compute_roadmap(economics, RoadmapSettings(2027, 3), {"online_adoption": 0.3})
    assert flat.measure("online_application").effect_share == [1.0] * 3


def test_percentiles_come_from_the_replications_and_bracket_the_estimate() -> None:
    economics = _economics(_measure("rpa_ocr", 10 * M, 5 * M, running=1 * M, life=10))
    ratios = np.linspace(0.2, 1.8, 101)
    roadmap = compute_roadmap(economics, RoadmapSettings(2027, 5), None, ratios, ratios)
    year = roadmap.year(2029)
    assert year.saving_p5 == pytest.approx(5 * M * ratios[5])
    assert year.saving_p5 < year.saving_yen < year.saving_p95
    assert year.cumulative_net_p5 < year.cumulative_net_yen < year.cumulative_net_p95
    # Early break-even with high savings, late (or never) with low ones.
    assert roadmap.break_even_fy_early is not None
    assert roadmap.break_even_fy_early <= 2029
    assert roadmap.break_even_fy_late is None or roadmap.break_even_fy_late >= 2029
    assert 0 < roadmap.share_breaking_even < 1


def test_a_measure_after_its_milestones_target_is_flagged() -> None:
    economics = _economics(_measure("online_application", 1 * M, 3 * M),
                           _measure("e_approval", 1 * M, 2 * M))
    settings = RoadmapSettings(2027, 8, starts={"online_application": 2031},
                               milestones={"online": 2029})
    roadmap = compute_roadmap(economics, settings)
    online = next(m for m in roadmap.milestones if m.key == "online")
    assert online.target_fy == 2029
    assert online.late_measures == ["online_application"]
    assert roadmap.measure("online_application").late
    assert not roadmap.measure("e_approval").late
    assert "提案値" in online.source
    assert "総務省" in online.source


def test_fiscal_years_in_reiwa_and_western_years() -> None:
    assert fiscal_year_label(2027) == "令和9年度（2027）"
    assert fiscal_year_label(2019) == "令和元年度（2019）"
    assert fiscal_year_label(2027, "en") == "FY2027 (Reiwa 9)"
    assert next_fiscal_year(date(2026, 11, 27)) == 2027
    assert next_fiscal_year(date(2027, 3, 31)) == 2027
    assert next_fiscal_year(date(2027, 4, 1)) == 2028


@pytest.mark.parametrize(("params", "field"), [
    ({"roadmap.start.rpa_ocr": 2040}, "roadmap.start.rpa_ocr"),         # after the horizon
    ({"roadmap.start.rpa_ocr": 2026.5}, "roadmap.start.rpa_ocr"),
    ({"roadmap.start.cashless": 2028}, "roadmap.start.cashless"),       # not in the scenario
    ({"roadmap.budget_cap_yen": -5}, "roadmap.budget_cap_yen"),
    ({"roadmap.budget_cap_yen": "many"}, "roadmap.budget_cap_yen"),
    ({"roadmap.years": 0}, "roadmap.years"),
    ({"roadmap.order": 3}, "roadmap.order"),
    ({"roadmap.milestone.moon": 2030}, "roadmap.milestone.moon"),
    ({"roadmap.budget": 1}, "roadmap.budget"),
])
def test_bad_settings_are_refused_with_the_key_named(params, field) -> None:
    base = {"roadmap.start_fy": 2027}
    with pytest.raises(RoadmapSettingError) as problem:
        roadmap_settings({**base, **params}, ["rpa_ocr", "e_approval"])
    assert problem.value.field == field
    assert field in problem.value.message("ja")
    assert field in problem.value.message("en")


def test_settings_typed_on_the_command_line() -> None:
    assert parse_roadmap_setting("rpa_ocr.start=2029") == ("roadmap.start.rpa_ocr", 2029.0)
    assert parse_roadmap_setting("budget_cap=30,000,000") == ("roadmap.budget_cap_yen", 3e7)
    assert parse_roadmap_setting("order=payback") == ("roadmap.order", 2.0)
    with pytest.raises(RoadmapSettingError) as problem:
        parse_roadmap_setting("budget_cap=-1")
    assert problem.value.field == "roadmap.budget_cap_yen"


# --- end to end on the sample city -----------------------------------------------------

@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("roadmap") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_the_pipeline_result_carries_a_roadmap_that_agrees_with_the_economics(city) -> None:
    with open_project(city) as project:
        result = run_pipeline(project, DEFAULT_SCENARIO, 40, 1, counter=False)
    roadmap, economics = result.roadmap, result.economics
    assert roadmap is not None
    assert economics is not None
    assert len(roadmap.fiscal_years) == 10
    assert roadmap.start_fy == next_fiscal_year()
    # Without a cap everything starts in the first year: its cost is the initial + running.
    first = roadmap.years[0]
    assert first.cost_yen == pytest.approx(economics.total.initial_yen
                                           + economics.total.running_yen_per_year)
    # In the reference year (3年目) the savings are the 投資効果 figures.
    assert roadmap.years[2].saving_yen == pytest.approx(
        sum(m.staff_yen_saved for m in economics.measures))
    again = SimulationResult.from_json_dict(json.loads(json.dumps(result.to_json_dict())))
    assert again.roadmap == roadmap


def test_cli_saves_a_start_year_and_prints_the_roadmap(city, tmp_path, capsys) -> None:
    copy = tmp_path / "copy.bprproj"
    copy.write_bytes(city.read_bytes())
    code = main(["roadmap", "--project", str(copy), "--replications", "20", "--start-fy", "2027",
                 "--json", "--set", "rpa_ocr.start=2029"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    rpa = next(m for m in data["measures"] if m["measure"] == "rpa_ocr")
    assert (rpa["start_fy"], rpa["chosen_by_hand"]) == (2029, True)
    with open_project(copy) as project:
        params = get_scenario(project, DEFAULT_SCENARIO).params
    assert params["roadmap.start.rpa_ocr"] == 2029
    assert params["roadmap.start_fy"] == 2027    # the roadmap the start year belongs to
    code = main(["roadmap", "--project", str(copy), "--replications", "20", "--start-fy", "2027",
                 "--budget-cap", "10000000"])
    out = capsys.readouterr().out
    assert code == 0
    assert "令和9年度（2027）" in out
    assert "累計" in out


def test_cli_refuses_a_bad_start_year_naming_the_key_and_saves_nothing(city, capsys) -> None:
    code = main(["roadmap", "--project", str(city), "--start-fy", "2027",
                 "--set", "rpa_ocr.start=2099"])
    assert code == 1
    assert "roadmap.start.rpa_ocr" in capsys.readouterr().err
    with open_project(city) as project:
        assert "roadmap.start.rpa_ocr" not in get_scenario(project, DEFAULT_SCENARIO).params


def test_the_report_has_a_roadmap_sheet_after_the_economics_with_its_figures(city) -> None:
    from bpr_studio.pipeline import load_model
    from bpr_studio.report.excel import build_workbook
    from bpr_studio.report.roadmap_sheet import SHEET, gantt_cell, yearly_record

    with open_project(city) as project:
        model = load_model(project)
        result = run_pipeline(project, DEFAULT_SCENARIO, 40, 1, counter=False, model=model)
        wb = build_workbook(project, result, model, None)
    roadmap = result.roadmap
    assert roadmap is not None
    names = wb.sheetnames
    assert names.index(SHEET) == names.index("投資効果") + 1
    ws = wb[SHEET]
    cells = {(c.row, c.column): c.value for r in ws.iter_rows() for c in r if c.value is not None}
    texts = " ".join(str(v) for v in cells.values())
    # The year headers, the break-even year and every fiscal year's cumulative net.
    first = roadmap.fiscal_years[0]
    assert f"令和{first - 2018}\n{first}" in cells.values()
    assert roadmap.break_even_fy is not None
    assert f"令和{roadmap.break_even_fy - 2018}年度（{roadmap.break_even_fy}）" in texts
    net_row = next(r for (r, c), v in cells.items() if v == "累計の差引（削減−費用）")
    printed = [cells[(net_row, 4 + i)] for i in range(len(roadmap.fiscal_years))]
    assert printed == pytest.approx([yearly_record(roadmap, fy)["cumulative_net_yen"]
                                     for fy in roadmap.fiscal_years])
    online = roadmap.measure("online_application")
    assert gantt_cell(online, 0, first).startswith("開始")
    assert gantt_cell(online, 0, first) in cells.values()
    # Assumptions cite publications, proposals are marked, no internal file is named.
    assert "総務省" in texts
    assert "https://" in texts
    assert "提案値" in texts
    assert ".csv" not in texts
    assert ".py" not in texts
    assert ws._charts, "the cumulative cost / saving chart"
