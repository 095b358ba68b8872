"""Imports never lose data: a file replaces only its own section, a half never deletes
the other half, ownership is checked under the write lock, and the last import can be undone."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from bpr_studio.io import survey_import
from bpr_studio.io.survey_import import import_surveys, parse_batch, plan_changes, write_batch
from bpr_studio.model import tables
from bpr_studio.store import open_project
from tests.conftest import small_procedure, small_steps


def _count(project_path: Path, table, **where) -> int:
    with open_project(project_path) as project, project.engine.connect() as conn:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return conn.execute(query).scalar_one()


def _two_sections(tmp_path, make_workbook) -> Path:
    project = tmp_path / "p.bprproj"
    a = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1"), small_procedure("A-2")],
                      steps=small_steps("A-1") + small_steps("A-2"))
    b = make_workbook("05_環境課.xlsx",
                      procedures=[small_procedure("E-1", section="環境課")], steps=small_steps("E-1"))
    assert import_surveys(project, [a, b]).ok
    return project


def test_a_row_naming_another_section_is_an_error_at_that_cell(tmp_path, make_workbook):
    project = _two_sections(tmp_path, make_workbook)
    stray = make_workbook("05_環境課.xlsx", procedures=[
        small_procedure("E-1", section="環境課"), small_procedure("E-2", section="市民課")],
        steps=small_steps("E-1") + small_steps("E-2"))
    report = import_surveys(project, [stray])
    assert not report.written
    issue = next(i for i in report.errors if i.key == "section_not_declared")
    assert issue.place == "手続!D3"
    assert issue.value == "市民課"
    assert "環境課" in issue.message("ja")
    assert _count(project, tables.Procedure.__table__, section="市民課") == 2  # not wiped


def test_without_a_section_in_the_file_name_the_column_must_agree(make_workbook):
    mixed = make_workbook("survey.xlsx", procedures=[
        small_procedure("A-1"), small_procedure("A-2"), small_procedure("E-1", section="環境課")],
        steps=small_steps("A-1") + small_steps("A-2") + small_steps("E-1"))
    report = parse_batch([mixed]).report
    assert [i.place for i in report.errors if i.key == "section_not_declared"] == ["手続!D4"]


def test_procedures_only_csv_keeps_the_steps(tmp_path, make_workbook):
    project = _two_sections(tmp_path, make_workbook)
    csv = tmp_path / "市民課_手続.csv"
    csv.write_text("手続ID,手続名,課,年間件数\nA-1,住民票の写しの交付（改）,市民課,1200\n"
                   "A-2,印鑑登録,市民課,300\n", encoding="utf-8")
    report = import_surveys(project, [csv])
    assert report.ok, report.format_text()
    assert report.written
    assert _count(project, tables.Step.__table__, procedure_id="A-1") == 3
    assert _count(project, tables.Step.__table__, procedure_id="A-2") == 3
    assert _count(project, tables.StepLink.__table__, procedure_id="A-1") == 4
    with open_project(project) as opened, opened.session() as session:
        assert session.get(tables.Procedure, "A-1").annual_cases == 1200


def test_steps_only_csv_replaces_steps_and_keeps_the_procedures(tmp_path, make_workbook):
    project = _two_sections(tmp_path, make_workbook)
    csv = tmp_path / "市民課_工程.csv"
    csv.write_text("手続ID,工程番号,工程名,実施者,作業の種類,標準(分)\n"
                   "A-1,1,受付,窓口職員,受付,7\nA-1,2,交付,担当職員,交付,4\n", encoding="utf-8")
    report = import_surveys(project, [csv])
    assert report.ok, report.format_text()
    assert report.written
    assert _count(project, tables.Procedure.__table__, section="市民課") == 2
    assert _count(project, tables.Step.__table__, procedure_id="A-1") == 2
    assert _count(project, tables.Step.__table__, procedure_id="A-2") == 3  # untouched


def test_ownership_is_checked_inside_the_write_transaction(tmp_path, make_workbook, monkeypatch):
    """Two imports checked at once: the second to write must see the first one's claim."""
    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook("00_総務課.xlsx", procedures=[
        small_procedure("G-1", section="総務課")], steps=small_steps("G-1"))]).ok
    a = make_workbook("01_市民課.xlsx", procedures=[small_procedure("X-1")],
                      steps=small_steps("X-1"))
    b = make_workbook("02_税務課.xlsx", procedures=[small_procedure("X-1", section="税務課")],
                      steps=small_steps("X-1"))
    with open_project(project) as opened:
        owners = survey_import.existing_sections(opened)
        batch_a = parse_batch([a], existing_sections=owners)
        batch_b = parse_batch([b], existing_sections=owners)  # both checked before either writes
        assert batch_a.report.ok
        assert batch_b.report.ok
        assert write_batch(opened, batch_a).written
        report = write_batch(opened, batch_b)
    assert not report.written
    assert any(i.key == "procedure_owned_by_other_section" for i in report.errors)
    with open_project(project) as opened, opened.session() as session:
        assert session.get(tables.Procedure, "X-1").section == "市民課"


def test_concurrent_imports_of_one_new_project_leave_a_whole_file(tmp_path, make_workbook):
    project = tmp_path / "new.bprproj"
    files = [make_workbook(f"{i:02d}_課{i}.xlsx", procedures=[
        small_procedure(f"P-{i}", section=f"課{i}")], steps=small_steps(f"P-{i}")) for i in range(4)]
    results: list = []
    threads = [threading.Thread(target=lambda f=f: results.append(import_surveys(project, [f])))
               for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.written for r in results), [r.format_text() for r in results]
    assert _count(project, tables.Procedure.__table__) == 4
    assert not list(tmp_path.glob("*.creating*"))


def test_plan_lists_what_a_reimport_replaces(tmp_path, make_workbook):
    project = _two_sections(tmp_path, make_workbook)
    again = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1")],
                          steps=small_steps("A-1"))
    with open_project(project) as opened:
        batch = parse_batch([again], existing_sections=survey_import.existing_sections(opened))
        plan = plan_changes(opened, batch)
    change = next(c for c in plan if c.section == "市民課")
    assert (change.before_procedures, change.after_procedures) == (2, 1)
    assert (change.before_steps, change.after_steps) == (6, 3)
    assert change.removed == ["A-2"]
    assert all(c.section != "環境課" for c in plan)


def test_undo_last_import_restores_the_replaced_section(tmp_path, make_workbook):
    from bpr_studio.io.import_history import list_imports, undo_last_import

    project = _two_sections(tmp_path, make_workbook)
    again = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1", name="改")],
                          steps=small_steps("A-1")[:1])
    assert import_surveys(project, [again]).written
    assert _count(project, tables.Procedure.__table__, section="市民課") == 1
    with open_project(project) as opened:
        assert len(list_imports(opened)) == 2
        undone = undo_last_import(opened)
    assert undone.sections == ["市民課"]
    assert _count(project, tables.Procedure.__table__, section="市民課") == 2
    assert _count(project, tables.Step.__table__) == 9
    assert _count(project, tables.StepLink.__table__) == 12
    with open_project(project) as opened, opened.session() as session:
        assert session.get(tables.Procedure, "A-1").name == "住民票の写しの交付"
        assert len(list_imports(opened)) == 1
    assert _count(project, tables.Procedure.__table__, section="環境課") == 1


def test_steps_for_a_procedure_of_a_replaced_section_need_its_procedure_row(tmp_path,
                                                                             make_workbook):
    """Found by the fuzzer: a re-import whose procedures sheet lost a row still had that
    procedure's steps; they must be an error, not steps for a deleted procedure."""
    project = _two_sections(tmp_path, make_workbook)
    again = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1")],
                          steps=small_steps("A-1") + small_steps("A-2"))
    report = import_surveys(project, [again])
    assert not report.written
    assert any(i.key == "unknown_procedure" for i in report.errors)
    assert _count(project, tables.Procedure.__table__, section="市民課") == 2
