"""The five costs and the readiness level: hand-computed figures and properties."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import load_unit_costs, score_project, set_unit_cost
from bpr_studio.store import open_project
from cost_model.costs import COST_COLUMNS, compute_costs
from cost_model.export import export_frame, write_csv
from cost_model.flow import expected_visits
from cost_model.readiness import AXES, ReadinessRubric, score_procedure
from cost_model.unit_costs import UnitCostError, default_table
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def sample_scores(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        return score_project(project)


def test_worked_example_juminhyo_by_hand(sample_scores):
    """docs/cost-model.md, section 'Worked example': 住民票の写しの交付 (SM-001)."""
    row = sample_scores.procedures.set_index("procedure_id").loc["SM-001"]
    cases = 58_000
    rework = 1 / 0.95                       # step 2 sends 5 % back to step 1
    fiscal_min = 3 * rework + 2 + 1.5 + 1   # counter staff are fiscal-year appointees
    regular_min = 1.5 + 0.5
    fiscal_h, regular_h = cases * fiscal_min / 60, cases * regular_min / 60
    # Sheets produced, not handling steps: the form (step 1, filled in again on rework)
    # and the certificate (step 6); reception, checking, payment and filing handle them.
    paper_sheets = cases * (rework + 1)
    assert row["staff_time_h"] == pytest.approx(fiscal_h + regular_h)
    assert row["staff_time_h"] == pytest.approx(9_335.96, abs=0.01)
    assert row["staff_economic_yen"] == pytest.approx(
        fiscal_h * 1_200 + regular_h * 3_500 + paper_sheets * 5)
    assert row["staff_fte"] == pytest.approx((fiscal_h + regular_h) / 1_860)  # 7 h 45 × 240
    citizen_h = cases * 5 * rework / 60 + cases * (40 + 20) / 60   # filling in + visit
    assert row["citizen_time_h"] == pytest.approx(citizen_h)
    assert row["citizen_visits"] == cases
    assert row["citizen_economic_yen"] == 0  # no attachments, fee is not a cost here
    # Cognitive: filling in (rated 2 in the survey) and counter waiting (default 0).
    fill_h = cases * 5 * rework / 60
    assert row["citizen_cognitive_bh"] == pytest.approx(fill_h * 2 / 4)
    # Physical: filling in (default 1 for 記入) and travel (default 4 for 移動).
    assert row["citizen_physical_bh"] == pytest.approx(fill_h * 1 / 4 + cases * 40 / 60 * 4 / 4)
    assert row["level"] == 2
    assert "本人確認書類が必要" in row["level_reasons_ja"]


def test_rework_loop_multiplies_executions():
    steps = pd.DataFrame({"procedure_id": ["P"] * 3, "step_no": [1, 2, 3]})
    for p in (0.0, 0.1, 0.5):
        links = pd.DataFrame({"procedure_id": ["P"] * 4, "from_step_no": [1, 2, 2, 3],
                              "to_step_no": [2, 3, 1, None],
                              "probability": [1.0, 1 - p, p, 1.0]})
        visits = expected_visits(steps, links)
        assert visits == pytest.approx([1 / (1 - p), 1 / (1 - p), 1.0])


def test_unreachable_step_is_never_executed():
    steps = pd.DataFrame({"procedure_id": ["P"] * 3, "step_no": [1, 2, 3]})
    links = pd.DataFrame({"procedure_id": ["P"] * 3, "from_step_no": [1, 2, 3],
                          "to_step_no": [3, 3, None], "probability": [1.0, 1.0, 1.0]})
    assert expected_visits(steps, links).tolist() == [1.0, 0.0, 1.0]


# --- properties ----------------------------------------------------------------

KINDS = ["reception", "filling_in", "data_entry", "checking", "approval", "mailing", "moving"]
ACTORS = ["citizen", "counter", "clerk", "approver", "system"]


@st.composite
def procedure_case(draw):
    n = draw(st.integers(1, 6))
    steps = pd.DataFrame({
        "procedure_id": ["P"] * n, "step_no": list(range(1, n + 1)),
        "name": [f"s{i}" for i in range(n)],
        "actor": draw(st.lists(st.sampled_from(ACTORS), min_size=n, max_size=n)),
        "work_kind": draw(st.lists(st.sampled_from(KINDS), min_size=n, max_size=n)),
        "typical_minutes": draw(st.lists(st.floats(0, 300), min_size=n, max_size=n)),
        "share_pct": draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)),
        "medium": draw(st.lists(st.sampled_from(["paper", "electronic"]), min_size=n, max_size=n)),
        "staff_category": draw(st.lists(st.sampled_from(["regular", "fiscal_year"]),
                                        min_size=n, max_size=n)),
        "wait_days": [0.0] * n,
        "physical_burden": [np.nan] * n, "cognitive_burden": [np.nan] * n,
        "psychological_burden": [np.nan] * n, "enjoyment": [np.nan] * n,
    })
    rework = draw(st.floats(0, 0.9))
    back = draw(st.integers(1, n))
    links = [(i, i + 1 if i < n else None, 1.0) for i in range(1, n)]
    links.append((n, None, 1 - rework))
    links.append((n, back, rework))
    link_frame = pd.DataFrame(links, columns=["from_step_no", "to_step_no", "probability"])
    link_frame.insert(0, "procedure_id", "P")
    cases = draw(st.integers(0, 100_000))
    online = draw(st.integers(0, cases))
    procedures = pd.DataFrame([{
        "procedure_id": "P", "name": "p", "department": "d", "section": "s", "category": "other",
        "annual_cases": cases, "online_cases": online,
        "visit_required": draw(st.booleans()), "lead_time_days": 0.0,
        "legal_basis": "law", "legal_form_requirement": "none", "identity_check": "signature",
        "attachment_kind": draw(st.sampled_from(["none", "certificate", "image"])),
        "attachment_count": 1, "attachment_names": "住民票", "fee_yen": 0.0, "fee_payment": None,
    }])
    return procedures, steps, link_frame


def _costs(case):
    procedures, steps, links = case
    return compute_costs(procedures, steps, links, default_table()).procedures.iloc[0]


@settings(max_examples=60, deadline=None)
@given(procedure_case())
def test_costs_are_non_negative(case):
    row = _costs(case)
    assert all(row[c] >= 0 for c in COST_COLUMNS)


@settings(max_examples=60, deadline=None)
@given(procedure_case(), st.integers(2, 5))
def test_costs_scale_linearly_with_annual_cases(case, factor):
    procedures, steps, links = case
    scaled = procedures.assign(annual_cases=procedures["annual_cases"] * factor,
                               online_cases=procedures["online_cases"] * factor)
    base, big = _costs(case), _costs((scaled, steps, links))
    for column in COST_COLUMNS:
        assert big[column] == pytest.approx(base[column] * factor, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(procedure_case(), st.data())
def test_costs_never_fall_when_a_step_gets_slower(case, data):
    procedures, steps, links = case
    i = data.draw(st.integers(0, len(steps) - 1))
    slower = steps.copy()
    slower.loc[i, "typical_minutes"] += data.draw(st.floats(0.1, 120))
    before, after = _costs(case), _costs((procedures, slower, links))
    for column in COST_COLUMNS:
        assert after[column] >= before[column] - 1e-9


HARDER = {
    "legal_basis": ["regulation", "ordinance", "law"],
    "identity_check": ["none", "signature", "id_document", "registered_seal"],
    "attachment_kind": ["none", "image", "certificate", "original"],
    "fee_payment": [None, "online", "cash"],
}


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({k: st.integers(0, len(v) - 1) for k, v in HARDER.items()}),
       st.sampled_from(list(HARDER)), st.booleans())
def test_level_never_falls_when_a_factor_gets_harder(position, axis, requirement):
    def procedure(pos):
        p = {k: HARDER[k][i] for k, i in pos.items()}
        p["fee_yen"] = 300 if p["fee_payment"] else 0
        p["legal_form_requirement"] = "original" if requirement else "none"
        return p
    harder = dict(position)
    harder[axis] = min(position[axis] + 1, len(HARDER[axis]) - 1)
    rubric = ReadinessRubric()
    assert score_procedure(rubric, procedure(harder)).level >= \
        score_procedure(rubric, procedure(position)).level


def test_level_reasons_name_the_obstacles():
    result = score_procedure(ReadinessRubric(), {
        "legal_basis": "law", "legal_form_requirement": "original", "identity_check": "none",
        "attachment_kind": "certificate", "fee_yen": 0})
    assert result.level == 4
    # The points of each reason and the rule that set the level are part of the text.
    assert result.text("ja") == ("レベル4（計5点、3点の項目あり）："
                                 "法令で書面・対面・原本が必要 3点、他機関の証明書を添付 2点")
    assert result.text("en") == ("level 4 (5 points, an axis at 3): the law requires paper, a "
                                 "meeting or an original 3, certificate from another body attached 2")
    assert set(result.axis_scores) == set(AXES)


def test_an_identity_check_alone_keeps_a_national_law_procedure_at_level_1():
    """Calibrated bound (docs/cost-model.md 6.2): sum 3 = law 1 + ID document 2 → level 1;
    one more point → level 2."""
    rubric = ReadinessRubric()
    alone = score_procedure(rubric, {"legal_basis": "law", "identity_check": "id_document",
                                     "attachment_kind": "none", "fee_yen": 0})
    assert (alone.level, alone.score) == (1, 3)
    assert alone.text("ja") == "レベル1（計3点）：本人確認書類が必要 2点、国の法令に基づく手続 1点"
    copy = score_procedure(rubric, {"legal_basis": "law", "identity_check": "id_document",
                                    "attachment_kind": "image", "fee_yen": 0})
    assert (copy.level, copy.score) == (2, 4)


# --- unit costs ----------------------------------------------------------------

def test_unit_costs_refuse_negative_and_non_numbers(tmp_path):
    path = tmp_path / "p.bprproj"
    from bpr_studio.store import create_project

    with create_project(path) as project:
        with pytest.raises(UnitCostError) as info:
            set_unit_cost(project, "hourly_cost_regular", -1, "x")
        assert "負の値" in info.value.message("ja")
        with pytest.raises(UnitCostError) as info:
            set_unit_cost(project, "hourly_cost_regular", "高い", "x")
        assert "not a number" in info.value.message("en")
        set_unit_cost(project, "hourly_cost_regular", "4,000", "令和6年度 人件費")
        entry = load_unit_costs(project).entry("hourly_cost_regular")
        assert (entry.value, entry.source, entry.is_default) == (4000, "令和6年度 人件費", False)


def test_changing_the_hourly_rate_changes_staff_yen(tmp_path):
    path = tmp_path / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        before = score_project(project).city()
        set_unit_cost(project, "hourly_cost_regular", 7000, "test")
        after = score_project(project).city()
    assert after["staff_economic_yen"] > before["staff_economic_yen"]
    assert after["staff_time_h"] == pytest.approx(before["staff_time_h"])


def test_a_sections_unit_cost_sheet_applies_to_that_section_only(tmp_path, make_workbook):
    from tests.conftest import small_procedure, small_steps

    a = make_workbook("a.xlsx", procedures=[small_procedure("A-1", section="市民課")],
                      steps=small_steps("A-1"),
                      unit_costs=[{"key": "hourly_cost_regular", "value": 7000, "source": "課"}])
    b = make_workbook("b.xlsx", procedures=[small_procedure("B-1", section="税務課")],
                      steps=small_steps("B-1"), unit_costs=[])
    path = tmp_path / "p.bprproj"
    assert import_surveys(path, [a, b]).ok
    with open_project(path) as project:
        costs = score_project(project).procedures.set_index("procedure_id")
    assert costs.loc["A-1", "staff_time_h"] == pytest.approx(costs.loc["B-1", "staff_time_h"])
    assert costs.loc["A-1", "staff_economic_yen"] > costs.loc["B-1", "staff_economic_yen"]


def test_an_unknown_unit_cost_key_is_a_warning_naming_the_key(tmp_path, make_workbook):
    # Used to crash: the message parameter `key` clashed with _issue()'s own `key`.
    from tests.conftest import small_procedure, small_steps

    book = make_workbook("a.xlsx", procedures=[small_procedure("A-1")], steps=small_steps("A-1"),
                         unit_costs=[{"key": "no_such_cost", "value": 1, "source": "課"}])
    report = import_surveys(tmp_path / "p.bprproj", [book])
    assert report.ok, report.format_text()
    unknown = [i for i in report.issues if i.key == "unit_cost_unknown"]
    assert len(unknown) == 1
    assert unknown[0].params["key"] == "no_such_cost"


# --- export ---------------------------------------------------------------------

def test_export_csv_carries_the_scored_figures(tmp_path, sample_scores):
    path = write_csv(export_frame(sample_scores, "procedures"), tmp_path / "p.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(sample_scores.procedures)
    row = next(r for r in rows if r["手続ID"] == "SM-001")
    assert float(row["職員_時間的コスト(時間/年)"]) == pytest.approx(9335.965, abs=0.001)
    assert row["オンライン化レベル"] == "2"
    steps = export_frame(sample_scores, "steps")
    assert len(steps) == len(sample_scores.steps)
