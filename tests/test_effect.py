"""Effect measurement (効果測定, issue 15 item 4): survey rounds kept beside the baseline,
planned (a scenario) against actual (a re-survey), the sample's re-survey, the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

from analysis.compare import compare
from analysis.effect_result import MEASURED, NOT_MEASURED
from analysis.tabular import tables_for_costing
from bpr_studio import store
from bpr_studio.cli import main
from bpr_studio.effect import run_effect
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.io.survey_rounds import import_round, list_rounds, round_frames
from bpr_studio.io.template import write_survey_workbook
from bpr_studio.loading import get_scenario, load_frames
from bpr_studio.pipeline import load_model
from bpr_studio.sample_project import ensure_sample_project
from bpr_studio.store import ProjectError, open_project
from sample_surveys import resurvey_data
from sample_surveys.build_samples import resurvey_files, sample_files
from sample_surveys.sample_data import section_rows


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The six sample sections imported as the baseline (no round yet)."""
    path = tmp_path_factory.mktemp("effect") / "city.bprproj"
    assert import_surveys(path, sample_files()).written
    return path


@pytest.fixture
def project_path(baseline, tmp_path):
    copy = tmp_path / "city.bprproj"
    copy.write_bytes(baseline.read_bytes())
    return copy


@pytest.fixture(scope="module")
def sample_effect(tmp_path_factory):
    path = ensure_sample_project(tmp_path_factory.mktemp("sample"))
    with open_project(path) as project:
        return run_effect(project, "DX標準")


def _by_id(result):
    return {p.key: p for p in result.procedures}


def test_a_round_is_stored_beside_the_baseline_and_both_read_back_after_reopening(project_path):
    with open_project(project_path) as project:
        before = [frame.copy() for frame in load_frames(project)]
    report = import_round(project_path, "R8再調査", resurvey_files(), surveyed_on="2026-06",
                          fiscal_year=2026)
    assert report.written, report.format_text("en")
    with open_project(project_path) as project:  # reopened: both rounds are there
        after = load_frames(project)
        for old, new in zip(before, after, strict=True):  # the baseline did not change
            assert old.equals(new)
        [info] = list_rounds(project)
        assert (info.name, info.surveyed_on, info.fiscal_year) == ("R8再調査", "2026-06", 2026)
        assert info.sections == ["市民課", "税務課"]
        procedures, steps, links = round_frames(project, "R8再調査")
        assert load_frames(project, "R8再調査")[0].equals(procedures)
    assert sorted(procedures["section"].unique()) == ["市民課", "税務課"]
    assert len(procedures) == 20
    assert list(steps.columns) == list(after[1].columns)
    sm001 = steps[steps["procedure_id"] == "SM-001"].set_index("step_no")["typical_minutes"]
    assert sm001[1] == pytest.approx(5 * 0.8)  # the re-survey's own minutes, not the baseline's
    assert not links.empty


def test_a_second_import_into_a_round_replaces_only_its_sections(project_path):
    first, second = resurvey_files()
    assert import_round(project_path, "R8", [first]).written
    assert import_round(project_path, "R8", [second]).written
    with open_project(project_path) as project:
        [info] = list_rounds(project)
        assert info.sections == ["市民課", "税務課"]
        assert info.procedures == 20


def test_a_round_of_identical_data_shows_no_effect(project_path, tmp_path):
    """Both rounds go through the same cost model: unchanged surveys give zero saving."""
    procedures, steps = section_rows("市民課")
    same = write_survey_workbook(tmp_path / "市民課_同じ.xlsx", procedures, steps)
    assert import_round(project_path, "同じ", [same]).written
    with open_project(project_path) as project:
        result = run_effect(project, "DX標準", "同じ")
    for kpi, figure in result.city.figures.items():
        assert figure.actual_saving == pytest.approx(0.0, abs=1e-6 * max(1, figure.baseline)), kpi
    assert result.city.figures["staff_time_h"].planned_saving > 0


def _halfway_workbook(project_path, tmp_path, pid):
    """市民課's re-survey with ``pid``'s steps halfway between the baseline and the
    scenario's planned minutes (so exactly half the planned staff hours are saved)."""
    with open_project(project_path) as project:
        comparison = compare(load_model(project), get_scenario(project, "DX標準"))
    planned = tables_for_costing(comparison.to_be_tables, comparison.values)[1]
    planned = planned[planned["procedure_id"] == pid].set_index("step_no")["typical_minutes"]
    procedures, steps = section_rows("市民課")
    for step in steps:
        if step["procedure_id"] == pid:
            half = (step["typical_minutes"] + planned[step["step_no"]]) / 2
            step["typical_minutes"] = half
            step["min_minutes"] = min(step["min_minutes"], half)
    return write_survey_workbook(tmp_path / "市民課_再調査.xlsx", procedures, steps)


def test_a_procedure_that_delivers_half_its_planned_saving_shows_fifty_percent(
        project_path, tmp_path):
    workbook = _halfway_workbook(project_path, tmp_path, "SM-004")
    assert import_round(project_path, "半分", [workbook]).written
    with open_project(project_path) as project:
        result = run_effect(project, "DX標準", "半分")
    sm004 = _by_id(result)["SM-004"]
    hours = sm004.figures["staff_time_h"]
    assert hours.planned_saving > 100
    assert hours.achievement == pytest.approx(0.5, abs=0.01)
    assert hours.actual_saving == pytest.approx(hours.planned_saving / 2, rel=0.02)
    # Unchanged procedures of the same section delivered nothing.
    assert _by_id(result)["SM-001"].figures["staff_time_h"].achievement == pytest.approx(0, abs=1e-6)


def test_a_procedure_not_resurveyed_is_not_measured_never_zero(project_path):
    assert import_round(project_path, "R8", resurvey_files()).written
    with open_project(project_path) as project:
        result = run_effect(project, "DX標準", "R8")
    ks001 = _by_id(result)["KS-001"]  # 子育て支援課 was not re-surveyed
    assert ks001.status == NOT_MEASURED
    assert ks001.figures["staff_time_h"].planned_saving > 0
    assert ks001.figures["staff_time_h"].actual_saving is None
    assert ks001.figures["staff_time_h"].achievement is None
    measured = [p for p in result.procedures if p.status == MEASURED]
    assert len(measured) == 20
    # The city's planned figure is that of the measured procedures only.
    planned = sum(p.figures["staff_time_h"].planned_saving for p in measured)
    assert result.city.figures["staff_time_h"].planned_saving == pytest.approx(planned)
    sections = {s.key: s for s in result.sections}
    assert sections["子育て支援課"].status == NOT_MEASURED
    assert sections["子育て支援課"].figures["staff_time_h"].actual_saving is None
    chain = {c.key: c.hours for c in result.chain}
    assert chain["proposed"] > chain["proposed_measured"] == pytest.approx(planned)


def test_a_malformed_resurvey_is_refused_naming_the_cell_and_rounds_stay(project_path, tmp_path):
    assert import_round(project_path, "R8", resurvey_files()).written
    with open_project(project_path) as project:
        before = [f.copy() for f in round_frames(project, "R8")]
        rounds_before = list_rounds(project)
    procedures, steps = section_rows("市民課")
    steps[3]["typical_minutes"] = "すぐ"
    bad = write_survey_workbook(tmp_path / "市民課_再調査_誤り.xlsx", procedures, steps)
    for name in ("R8", "R9"):
        report = import_round(project_path, name, [bad])
        assert not report.ok
        assert not report.written
        error = report.errors[0]
        assert error.file.endswith("市民課_再調査_誤り.xlsx")
        assert error.sheet == "工程"
        assert error.cell == "G5", error.cell  # 標準時間 of the 4th step
    with open_project(project_path) as project:
        assert list_rounds(project) == rounds_before
        for old, new in zip(before, round_frames(project, "R8"), strict=True):
            assert old.equals(new)
        with pytest.raises(ProjectError):
            round_frames(project, "R9")


def test_a_round_needs_an_existing_project_and_a_name(tmp_path):
    with pytest.raises(ProjectError):
        import_round(tmp_path / "none.bprproj", "R8", resurvey_files())


def test_a_schema_4_project_opens_migrated_with_its_data(project_path, tmp_path):
    with open_project(project_path) as project:
        procedures = len(load_frames(project)[0])
    with sqlite3.connect(project_path) as conn:  # what version 4 wrote: no round table
        conn.execute("DROP TABLE survey_round")
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.close()
    with open_project(project_path) as project:
        assert project.schema_version == store.SCHEMA_VERSION
        assert len(load_frames(project)[0]) == procedures
        assert list_rounds(project) == []
    assert (tmp_path / "city.v4.bak.bprproj").exists()
    assert import_round(project_path, "R8", resurvey_files()).written


def test_the_sample_resurvey_shows_half_and_nothing_delivered(sample_effect):
    by_id = _by_id(sample_effect)
    half = by_id["SM-004"].figures["staff_time_h"].achievement
    assert half == pytest.approx(0.5, abs=0.1)
    assert by_id["ZM-004"].figures["staff_time_h"].achievement == pytest.approx(0, abs=0.02)
    assert by_id["ZM-004"].figures["staff_time_h"].planned_saving > 100
    city = sample_effect.city.figures["staff_time_h"]
    assert 0 < city.actual_saving < city.planned_saving  # delivered less than planned
    assert sample_effect.round_name == resurvey_data.ROUND_NAME
    e_approval = next(m for m in sample_effect.measures if m.measure == "e_approval")
    assert e_approval.achievement < 0.5
    assert e_approval.shortfall_h > 0
    # Every actual figure names its survey files; the chain cites 東海村.
    assert "01_市民課_R8再調査.xlsx" in by_id["SM-004"].source
    assert "iais.or.jp" in sample_effect.sources["reference"]
    assert "re-survey 'R8再調査'" in sample_effect.sources_en["actual"]  # the app in English
    assert [s.hours for s in sample_effect.reference_chain] == [364_000, 12_680, 5_014]


def test_cli_import_round_lists_rounds_and_prints_the_effect(project_path, capsys):
    files = [str(f) for f in resurvey_files()]
    assert main(["import", "--project", str(project_path), "--round", "R8再調査",
                 "--surveyed", "2026-06", "--fiscal-year", "2026", *files]) == 0
    assert "R8再調査" in capsys.readouterr().out
    assert main(["rounds", "--project", str(project_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in listed["rounds"]] == ["R8再調査"]
    assert main(["effect", "--project", str(project_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "bpr-studio.effect/1"
    assert data["round_name"] == "R8再調査"
    statuses = {p["key"]: p["status"] for p in data["procedures"]}
    assert statuses["SM-004"] == "measured"
    assert statuses["KS-001"] == "not_measured"
    assert main(["effect", "--project", str(project_path)]) == 0
    text = capsys.readouterr().out
    assert "転入届" in text
    assert "東海村" in text
    assert "未測定 49" in text   # 69 sample procedures, 20 re-surveyed
    assert main(["effect", "--project", str(project_path), "--round", "なし"]) == 2


def _workbook(path):
    from bpr_studio.pipeline import run_pipeline
    from bpr_studio.report.excel import build_workbook

    with open_project(path) as project:
        model = load_model(project)
        result = run_pipeline(project, "DX標準", 20, 1, counter=False, model=model)
        return build_workbook(project, result, model, None)


def _cells(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_the_report_has_an_effect_sheet_only_with_a_resurvey(project_path):
    assert "効果測定" not in _workbook(project_path).sheetnames
    assert import_round(project_path, "R8再調査", resurvey_files()).written
    wb = _workbook(project_path)
    names = wb.sheetnames
    assert names.index("効果測定") == names.index("工程表") + 1  # after the economics
    rows = _cells(wb["効果測定"])
    sm004 = next(r for r in rows if isinstance(r[0], str) and r[0].startswith("SM-004"))
    assert sm004[4] == pytest.approx(0.5, abs=0.1)          # 達成率
    assert "01_市民課_R8再調査.xlsx" in sm004[12]            # its source
    text = "\n".join(str(v) for r in rows for v in r if v is not None)
    assert "未測定の手続 49 件" in text
    assert "iais.or.jp" in text
    chain = {r[0]: r for r in rows if r[0] in ("調査した作業時間", "実現した削減（再調査）")}
    assert chain["調査した作業時間"][3] == 364_000
    assert chain["実現した削減（再調査）"][3] == 5_014
