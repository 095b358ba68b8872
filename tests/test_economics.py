"""Economics of measures (issue 15 item 2): payback and NPV against hand-computed cases,
shared costs counted once, Monte Carlo percentiles, the typed result, the CLI and the
report's 投資効果 sheet."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import pytest

from analysis.economics import compute_economics
from analysis.measure_costs import cost_table
from analysis.result import Estimate, MeasureSavings, SimulationResult, UnitCostRow
from analysis.scenario import DEFAULT_SCENARIO
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model, run_pipeline
from bpr_studio.report.economics_sheet import SHEET, measure_record
from bpr_studio.report.excel import build_workbook
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

ANNUITY_4PCT_5Y = 1 / 1.04 + 1 / 1.04**2 + 1 / 1.04**3 + 1 / 1.04**4 + 1 / 1.04**5  # 4.4518


def _saving(measure: str, procedures: int, hours: float, yen: float) -> MeasureSavings:
    return MeasureSavings(measure, measure, measure, procedures,
                          {"staff_time_h": hours, "staff_economic_yen": yen})


def _result(measures: list[MeasureSavings], ratios: tuple[float, ...] = (1.0,)) -> SimulationResult:
    """Just what the economics reads: savings by measure, city savings and its samples,
    the staff hourly cost."""
    city_yen = sum(m.saved["staff_economic_yen"] for m in measures)
    fake = SimpleNamespace(
        measures=measures,
        unit_costs=[UnitCostRow("hourly_cost_regular", "時間単価", 3500, "円/時", "", False)],
        city=SimpleNamespace(savings={"staff_economic_yen": Estimate(city_yen, 0, 0, 0)}),
        city_samples={"staff_economic_yen": [city_yen * r for r in ratios]})
    return cast(SimulationResult, fake)


# Hand-made costs: RPA has a shared licence and a per-procedure scenario; e-approval costs
# more to run than it saves.
COSTS: dict[str, Any] = {
    "cost.rpa_licence.initial_yen": 1_000_000, "cost.rpa_licence.running_yen_per_year": 500_000,
    "cost.rpa_licence.staff_hours": 0, "cost.rpa_licence.subsidy_share": 0.5,
    "cost.rpa_licence.life_years": 5,
    "cost.rpa_scenarios.initial_yen": 10_000, "cost.rpa_scenarios.staff_hours": 2,
    "cost.rpa_scenarios.running_yen_per_year": 0, "cost.rpa_scenarios.life_years": 5,
    "cost.e_approval_system.initial_yen": 5_000_000,
    "cost.e_approval_system.running_yen_per_year": 1_000_000,
    "cost.e_approval_system.staff_hours": 0, "cost.e_approval_system.life_years": 5,
    "cost.e_approval_system.subsidy_share": 0,
}


@pytest.fixture
def hand_made():
    result = _result([_saving("rpa_ocr", 100, 1000, 3_000_000),
                      _saving("e_approval", 10, 100, 200_000),
                      _saving("other", 0, 50, 150_000)], ratios=(0.5, 1.0, 1.5))
    return compute_economics(result, cost_table(COSTS))


def test_payback_and_npv_equal_the_hand_computed_figures(hand_made) -> None:
    rpa = hand_made.measures[0]
    # Initial: licence 1,000,000 less half subsidy + 100 scenarios × 10,000
    # + 100 × 2 h × 3,500 yen of staff time to introduce.
    assert rpa.initial_yen == pytest.approx(500_000 + 1_000_000 + 700_000)
    assert rpa.subsidy_yen == pytest.approx(500_000)
    assert rpa.net_saving_yen == pytest.approx(3_000_000 - 500_000)
    assert rpa.payback_years == pytest.approx(2_200_000 / 2_500_000)
    assert rpa.npv_yen == pytest.approx(-2_200_000 + 2_500_000 * ANNUITY_4PCT_5Y)
    # Equivalent annual cost per staff hour saved.
    annual = 2_200_000 / ANNUITY_4PCT_5Y + 500_000
    assert rpa.yen_per_staff_hour == pytest.approx(annual / 1000)


def test_a_measure_that_costs_more_to_run_than_it_saves_never_pays_back(hand_made) -> None:
    approval = hand_made.measures[1]
    assert approval.net_saving_yen == pytest.approx(200_000 - 1_000_000)
    assert approval.payback_years is None
    assert approval.payback_text("ja") == "回収しない"
    assert approval.npv_yen == pytest.approx(-5_000_000 - 800_000 * ANNUITY_4PCT_5Y)


def test_scenario_total_adds_the_measures_and_leaves_out_unattributed_savings(hand_made) -> None:
    total = hand_made.total
    assert [m.measure for m in hand_made.measures] == ["rpa_ocr", "e_approval"]
    assert total.initial_yen == pytest.approx(2_200_000 + 5_000_000)
    assert total.net_saving_yen == pytest.approx(2_500_000 - 800_000)
    assert total.npv_yen == pytest.approx(sum(m.npv_yen for m in hand_made.measures))
    assert total.payback_years == pytest.approx(7_200_000 / 1_700_000)
    assert hand_made.unattributed_saving_yen == 150_000


def test_monte_carlo_percentiles_scale_the_measure_by_the_city_ratio(hand_made) -> None:
    rpa = hand_made.measures[0]
    assert rpa.net_saving_p5 == pytest.approx(0.5 * 3_000_000 - 500_000)
    assert rpa.net_saving_p95 == pytest.approx(1.5 * 3_000_000 - 500_000)
    assert rpa.npv_p5 == pytest.approx(-2_200_000 + 1_000_000 * ANNUITY_4PCT_5Y)
    assert rpa.npv_p5 <= rpa.npv_yen <= rpa.npv_p95


def test_a_shared_licence_counts_once_across_100_procedures() -> None:
    costs = cost_table({"cost.rpa_licence.initial_yen": 2_000_000,
                        "cost.rpa_licence.subsidy_share": 0, "cost.rpa_licence.staff_hours": 0,
                        "cost.rpa_scenarios.initial_yen": 0, "cost.rpa_scenarios.staff_hours": 0})
    one = compute_economics(_result([_saving("rpa_ocr", 1, 10, 50_000)]), costs).measures[0]
    many = compute_economics(_result([_saving("rpa_ocr", 100, 1000, 5_000_000)]),
                             costs).measures[0]
    licence = next(line for line in many.lines if line.item == "rpa_licence")
    assert licence.count == 1
    assert many.initial_yen == one.initial_yen == 2_000_000
    assert many.running_yen_per_year == one.running_yen_per_year
    scenarios = next(line for line in many.lines if line.item == "rpa_scenarios")
    assert scenarios.count == 100
    # A measure that reaches no procedure buys nothing.
    none = compute_economics(_result([_saving("rpa_ocr", 0, 0, 0)]), costs).measures[0]
    assert none.initial_yen == 0
    assert none.lines == []


# --- end to end on the sample city -----------------------------------------------------

@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("economics") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


@pytest.fixture(scope="module")
def run(city):
    with open_project(city) as project:
        model = load_model(project)
        result = run_pipeline(project, DEFAULT_SCENARIO, 60, 1, counter=False, model=model)
        wb = build_workbook(project, result, model, None)
    return result, wb


def test_the_pipeline_result_carries_the_economics_and_its_json_reads_back(run) -> None:
    result, _wb = run
    economics = result.economics
    assert economics is not None
    measures = {m.measure for m in economics.measures}
    assert "rpa_ocr" in measures
    assert "other" not in measures
    again = SimulationResult.from_json_dict(json.loads(json.dumps(result.to_json_dict())))
    assert again.economics == economics


def test_the_report_sheet_prints_the_figures_of_the_result(run) -> None:
    result, wb = run
    assert result.economics is not None
    assert SHEET in wb.sheetnames
    ws = wb[SHEET]
    header = [c.value for c in ws[4]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_row=5 + len(
        result.economics.measures))]
    expected = [measure_record(m) for m in [*result.economics.measures, result.economics.total]]
    assert header[0] == "施策"
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row[0] == want["label"]
        assert row[header.index("正味現在価値 NPV（百万円）")] == pytest.approx(want["npv"])
        assert row[header.index("回収年数（年）")] == want["payback"]
        assert row[header.index("初期費用 補助後・導入時間込み（百万円）")] == pytest.approx(
            want["initial"])
    texts = " ".join(str(c.value) for r in ws.iter_rows() for c in r if c.value)
    assert "国土交通省" in texts   # the discount rate's source
    assert "提案値" in texts


def test_cli_refuses_bad_cost_data_naming_the_key_and_saves_nothing(city, capsys) -> None:
    code = main(["economics", "--project", str(city), "--set",
                 "rpa_licence.subsidy_share=150%"])
    assert code == 1
    assert "cost.rpa_licence.subsidy_share" in capsys.readouterr().err
    with open_project(city) as project:
        assert "cost.rpa_licence.subsidy_share" not in get_scenario(
            project, DEFAULT_SCENARIO).params


def test_cli_saves_an_override_and_prints_the_economics(city, tmp_path, capsys) -> None:
    copy = tmp_path / "copy.bprproj"
    copy.write_bytes(city.read_bytes())
    code = main(["economics", "--project", str(copy), "--replications", "20", "--json",
                 "--set", "e_approval_system.running_yen_per_year=0"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    approval = next(m for m in data["measures"] if m["measure"] == "e_approval")
    assert approval["running_yen_per_year"] == 0
    assert "cost.e_approval_system.running_yen_per_year" in data["changed"]
    with open_project(copy) as project:
        params = get_scenario(project, DEFAULT_SCENARIO).params
    assert params["cost.e_approval_system.running_yen_per_year"] == 0
