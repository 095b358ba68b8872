"""Importing surveys: what a clean batch stores, and what each cross-check reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bpr_studio.io.survey_import import ImportCancelled, import_surveys, parse_batch
from bpr_studio.model import tables
from bpr_studio.store import open_if_exists, open_project
from sample_surveys.build_samples import sample_files
from tests.conftest import small_procedure, small_steps


def _count(project_path: Path, table) -> int:
    with open_project(project_path) as project, project.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _keys(report) -> set[tuple[str, str, str]]:
    return {(i.severity, i.key, i.place) for i in report.issues}


def test_every_sample_survey_imports_cleanly(project_target):
    report = import_surveys(project_target, sample_files())
    assert report.ok
    assert report.written
    assert not report.warnings, report.format_text()
    assert len(report.sections) == 7
    assert _count(project_target, tables.Procedure.__table__) == report.procedures >= 50


def test_clean_import_normalises_typed_values(tmp_path, make_workbook):
    path = make_workbook(procedures=[small_procedure(annual_cases="１，０００件")])
    report = import_surveys(tmp_path / "p.bprproj", [path])
    assert report.ok, report.format_text()
    with open_project(tmp_path / "p.bprproj") as project, project.session() as session:
        procedure = session.get(tables.Procedure, "T-001")
        assert procedure.annual_cases == 1000
        assert procedure.visit_required is True
        steps = session.exec(select(tables.Step).order_by(tables.Step.step_no)).scalars().all()
        assert [s.typical_minutes for s in steps] == [5, 3, 90]
        assert steps[2].min_minutes == steps[2].max_minutes == 90  # blank → typical
        assert steps[2].manual_entry is True
        links = session.exec(select(tables.StepLink).where(
            tables.StepLink.from_step_no == 2)).scalars().all()
        assert sorted((link.to_step_no, link.probability) for link in links) == [(1, 0.1), (3, 0.9)]
        last = session.exec(select(tables.StepLink).where(
            tables.StepLink.from_step_no == 3)).scalars().one()
        assert last.to_step_no is None  # the last step ends the process


def test_reimporting_a_section_replaces_it(project_target, make_workbook):
    project = project_target
    first = make_workbook("a.xlsx", procedures=[small_procedure("A-1"), small_procedure("A-2")],
                          steps=small_steps("A-1") + small_steps("A-2"))
    assert import_surveys(project, [first]).ok
    corrected = make_workbook("a2.xlsx", procedures=[small_procedure("A-1", name="訂正後")],
                              steps=small_steps("A-1"))
    assert import_surveys(project, [corrected]).ok
    with open_project(project) as opened, opened.session() as session:
        procedures = session.exec(select(tables.Procedure)).scalars().all()
        assert [(p.procedure_id, p.name) for p in procedures] == [("A-1", "訂正後")]
    assert _count(project, tables.Step.__table__) == 3
    assert _count(project, tables.StepLink.__table__) == 4


def test_other_sections_survive_a_reimport(project_target, make_workbook):
    project = project_target
    a = make_workbook("a.xlsx", procedures=[small_procedure("A-1", section="市民課")],
                      steps=small_steps("A-1"))
    b = make_workbook("b.xlsx", procedures=[small_procedure("B-1", section="税務課")],
                      steps=small_steps("B-1"))
    assert import_surveys(project, [a, b]).ok
    assert import_surveys(project, [a]).ok
    assert _count(project, tables.Procedure.__table__) == 2


def test_same_id_in_two_files_needs_a_choice(project_target, make_workbook):
    b = make_workbook("b.xlsx", procedures=[small_procedure("X-1", name="版B")],
                      steps=small_steps("X-1"))
    a = make_workbook("a.xlsx", procedures=[small_procedure("X-1", name="版A")],
                      steps=small_steps("X-1"))
    report = import_surveys(project_target, [a, b])
    assert not report.written
    dupes = [i for i in report.errors if i.key == "duplicate_procedure_across_files"]
    assert {Path(i.file).name for i in dupes} == {"a.xlsx", "b.xlsx"}
    assert open_if_exists(project_target) is None  # nothing written, not even an empty project
    report = import_surveys(project_target, [a, b], prefer=[b])
    assert report.ok, report.format_text()
    with open_project(project_target) as project, project.session() as session:
        assert session.get(tables.Procedure, "X-1").name == "版B"
    assert _count(project_target, tables.Step.__table__) == 3


def test_id_owned_by_another_section_is_refused(project_target, make_workbook):
    project = project_target
    assert import_surveys(project, [make_workbook("a.xlsx")]).ok
    other = make_workbook("b.xlsx", procedures=[small_procedure(section="税務課")])
    report = import_surveys(project, [other])
    assert ("error", "procedure_owned_by_other_section", "手続!A2") in _keys(report)


def test_cross_checks_point_at_cells(tmp_path, make_workbook):
    steps = small_steps()
    steps[0].update(min_minutes=8, typical_minutes=5)          # min > typical
    steps[1]["next_steps"] = "3(80%); 1(10%)"                  # 90 %
    steps.append({"procedure_id": "NOPE", "step_no": 1, "name": "x", "actor": "市民",
                  "work_kind": "記入", "typical_minutes": 1})
    report = parse_batch([make_workbook(steps=steps)]).report
    keys = _keys(report)
    assert ("error", "min_above_typical", "工程!F2") in keys  # the bound that is wrong
    assert ("error", "branch_sum", "工程!J3") in keys
    assert ("error", "unknown_procedure", "工程!A5") in keys


def test_unreachable_step_and_trapped_loop(tmp_path, make_workbook):
    steps = small_steps()
    steps[0]["next_steps"] = "3"          # step 2 is skipped: unreachable
    report = parse_batch([make_workbook(steps=steps)]).report
    assert ("warning", "step_unreachable", "工程!B3") in _keys(report)
    steps = small_steps()
    steps[2]["next_steps"] = "2"          # 3 → 2 → (3 or 1) … never ends
    report = parse_batch([make_workbook(steps=steps)]).report
    assert any(i.key == "no_way_out" for i in report.errors)


def test_online_cases_above_total_is_an_error(make_workbook):
    path = make_workbook(procedures=[small_procedure(annual_cases=10, online_cases=20)])
    assert ("error", "online_exceeds_total", "手続!Q2") in _keys(parse_batch([path]).report)


def test_english_messages_available(make_workbook):
    steps = small_steps()
    steps[0]["typical_minutes"] = "たくさん"
    issue = next(i for i in parse_batch([make_workbook(steps=steps)]).report.errors)
    assert issue.place == "工程!G2"
    assert "時間として読めません" in issue.message("ja")
    assert "is not a duration" in issue.message("en")
    assert issue.value == "たくさん"


def test_cancel_writes_nothing(tmp_path, make_workbook):
    with pytest.raises(ImportCancelled):
        parse_batch([make_workbook()], cancel=lambda: True)


def test_csv_pair_in_cp932_imports(tmp_path):
    procedures = tmp_path / "市民課_手続.csv"
    procedures.write_bytes(
        "手続ID,手続名,課,年間件数\nC-1,住民票の写しの交付,市民課,\"1,200\"\n".encode("cp932"))
    steps = tmp_path / "市民課_工程.csv"
    steps.write_bytes("手続ID,工程番号,工程名,実施者,作業の種類,標準(分)\n"
                      "C-1,1,受付,窓口職員,受付,5分\nC-1,2,発行,担当職員,交付,３\n"
                      .encode("cp932"))
    report = import_surveys(tmp_path / "p.bprproj", [tmp_path])
    assert report.ok, report.format_text()
    assert (report.procedures, report.steps) == (1, 2)
