"""Edits as commands: validated like survey cells, each returning its inverse."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpr_studio.edits import (
    AddProcedure,
    DeleteProcedure,
    EditError,
    SetProcedureField,
    SetStepField,
    SetUnitCostEdit,
)
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import load_unit_costs
from bpr_studio.model import tables
from bpr_studio.store import open_project


@pytest.fixture
def project(project_target, make_workbook):
    path = project_target
    assert import_surveys(path, [make_workbook()]).ok
    with open_project(path) as opened:
        yield opened


def _procedure(project, field):
    with project.engine.connect() as conn:
        t = tables.Procedure.__table__
        return conn.execute(select(t.c[field]).where(t.c.procedure_id == "T-001")).scalar_one()


def _step(project, no, field):
    with project.engine.connect() as conn:
        t = tables.Step.__table__
        return conn.execute(select(t.c[field]).where(t.c.step_no == no)).scalar_one()


def test_edit_and_undo_a_procedure_cell(project):
    inverse = SetProcedureField("T-001", "annual_cases", "２，５００件").apply(project)
    assert _procedure(project, "annual_cases") == 2500
    redo = inverse.apply(project)
    assert _procedure(project, "annual_cases") == 1000
    redo.apply(project)
    assert _procedure(project, "annual_cases") == 2500


def test_edits_are_validated_like_survey_cells(project):
    with pytest.raises(EditError) as info:
        SetProcedureField("T-001", "annual_cases", "たくさん").apply(project)
    assert "数値" in info.value.message("ja")
    with pytest.raises(EditError) as info:
        SetProcedureField("T-001", "online_cases", 5000).apply(project)
    assert info.value.key == "online_exceeds_total"
    with pytest.raises(EditError):
        SetStepField("T-001", 1, "typical_minutes", "30分").apply(project)  # max is 10
    assert _step(project, 1, "typical_minutes") == 5
    with pytest.raises(EditError):
        SetProcedureField("T-001", "section", "税務課").apply(project)


def test_step_minutes_and_next_steps_with_undo(project):
    inverse = SetStepField("T-001", 2, "typical_minutes", "４分").apply(project)
    assert _step(project, 2, "typical_minutes") == 4
    inverse.apply(project)
    assert _step(project, 2, "typical_minutes") == 3
    links = tables.StepLink.__table__

    def outgoing():
        with project.engine.connect() as conn:
            return sorted(conn.execute(select(links.c.to_step_no, links.c.probability).where(
                links.c.from_step_no == 2)).all(), key=lambda r: (r[0] is None, r[0]))
    before = outgoing()
    inverse = SetStepField("T-001", 2, "next_steps", "3(70%); 1(30%)").apply(project)
    assert outgoing() == [(1, 0.3), (3, 0.7)]
    with pytest.raises(EditError) as info:
        SetStepField("T-001", 2, "next_steps", "3(70%); 1(20%)").apply(project)
    assert info.value.key == "branch_sum"
    inverse.apply(project)
    assert outgoing() == before


def test_add_and_delete_a_procedure_with_undo(project):
    procedure = {"procedure_id": "N-1", "name": "新しい手続", "section": "市民課",
                 "category": "other", "annual_cases": 10}
    steps = [{"procedure_id": "N-1", "step_no": 1, "name": "受付", "actor": "counter",
              "work_kind": "reception", "typical_minutes": 5, "min_minutes": 5,
              "max_minutes": 5, "share_pct": 100, "manual_entry": False, "seal": False,
              "wait_days": 0, "staff_category": "regular"}]
    inverse = AddProcedure(procedure, steps).apply(project)
    with pytest.raises(EditError):
        AddProcedure(procedure, steps).apply(project)
    restore = inverse.apply(project)  # delete
    with project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM step WHERE procedure_id='N-1'").scalar() == 0
    restore.apply(project)  # undo the delete: steps come back
    with project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM step WHERE procedure_id='N-1'").scalar() == 1
    DeleteProcedure("N-1").apply(project)


def test_unit_cost_edit_and_undo(project):
    inverse = SetUnitCostEdit("hourly_cost_regular", 4000, "R6").apply(project)
    assert load_unit_costs(project).value("hourly_cost_regular") == 4000
    inverse.apply(project)
    entry = load_unit_costs(project).entry("hourly_cost_regular")
    assert entry.is_default
    assert entry.value == 3500


def test_section_export_round_trips(tmp_path):
    """Export a section to the survey workbook and import it again: nothing changes."""
    from bpr_studio.io.survey_export import export_section
    from bpr_studio.queries import procedures_frame, steps_frame
    from sample_surveys.build_samples import sample_files

    first = tmp_path / "a.bprproj"
    assert import_surveys(first, sample_files()).ok
    out = tmp_path / "市民課.xlsx"
    with open_project(first) as project:
        export_section(project, "市民課", out)
        before_p = procedures_frame(project)
        before_s = steps_frame(project)
    second = tmp_path / "b.bprproj"
    report = import_surveys(second, [out])
    assert report.ok, report.format_text()
    assert not report.warnings, report.format_text()
    with open_project(second) as project:
        after_p = procedures_frame(project)
        after_s = steps_frame(project)
    keep_p = ["procedure_id", "name", "category", "annual_cases", "online_cases", "fee_yen",
              "identity_check", "attachment_kind", "visit_required", "peak_months"]
    expected = before_p[before_p["section"] == "市民課"][keep_p].reset_index(drop=True)
    assert after_p[keep_p].reset_index(drop=True).equals(expected)
    keep_s = ["procedure_id", "step_no", "actor", "work_kind", "typical_minutes", "next_steps",
              "manual_entry", "seal", "staff_category"]
    ids = set(expected["procedure_id"])
    expected_s = before_s[before_s["procedure_id"].isin(ids)][keep_s].reset_index(drop=True)
    assert after_s[keep_s].reset_index(drop=True).equals(expected_s)
