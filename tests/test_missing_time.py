"""A task without a time stays blank (issue 13: 'otherwise blank with a warning, never
invented'): stored as NULL, shown as 要確認, counted as 0 minutes in totals, exported
without a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bpr_studio.io.bpmn_export import export_project_bpmn
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import score_project
from bpr_studio.queries import steps_frame, stored_issues_frame
from bpr_studio.store import open_project
from tests.test_bpmn_import import CHAIN, bpmn, write

TIMES = ('<bpsim:BPSimData><bpsim:Scenario id="s"><bpsim:ScenarioParameters '
         'baseTimeUnit="min"/><bpsim:ElementParameters elementRef="A"><bpsim:TimeParameters>'
         '<bpsim:ProcessingTime><bpsim:FloatingParameter value="30"/></bpsim:ProcessingTime>'
         '</bpsim:TimeParameters></bpsim:ElementParameters></bpsim:Scenario></bpsim:BPSimData>')
BODY = CHAIN + ('<sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
                '<sequenceFlow id="F2" sourceRef="A" targetRef="B"/>'
                '<sequenceFlow id="F3" sourceRef="B" targetRef="E"/>')


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    project = tmp_path / "p.bprproj"
    path = write(tmp_path, "m.bpmn", bpmn(BODY, TIMES).replace('name="手続"',
                                                                'name="手続"'))
    report = import_surveys(project, [path], bpmn=BpmnOptions("市民課"))
    assert report.ok, report.format_text("en")
    with open_project(project) as opened, opened.engine.connect() as conn:
        conn.execute(text("UPDATE procedure SET annual_cases = 600"))
        conn.commit()
    return project


def test_a_task_without_time_stays_blank_and_says_to_check(imported: Path) -> None:
    with open_project(imported) as project:
        with project.engine.connect() as conn:
            stored = conn.execute(text(
                "SELECT step_no, min_minutes, typical_minutes, max_minutes FROM step "
                "ORDER BY step_no")).all()
        assert [tuple(r) for r in stored] == [(1, 30.0, 30.0, 30.0), (2, None, None, None)]
        shown = steps_frame(project, "P1").set_index("step_no")["typical_minutes"]
        assert shown[2] != shown[2]  # NaN: a blank cell in the app, not 0
        issues = stored_issues_frame(project)
        missing = issues[issues["key"] == "bpmn_no_time"]
        assert missing["message_ja"].str.startswith("要確認").all()
        assert len(missing) == 1
        # Costing: the blank step counts as 0 minutes (a lower bound, said in the warning).
        costs = score_project(project)
    staff_hours = costs.procedures.set_index("procedure_id").loc["P1", "staff_time_h"]
    assert staff_hours == pytest.approx(600 * 30 / 60)
    steps = costs.steps.set_index("step_no")
    assert steps.loc[2, "staff_time_h"] == 0


def test_a_blank_time_is_exported_without_a_time(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.bpmn"
    with open_project(imported) as project:
        export_project_bpmn(project, out)
    text_out = out.read_text(encoding="utf-8")
    assert 'elementRef="Task_P1_1"' in text_out
    assert 'elementRef="Task_P1_2"' not in text_out  # no ProcessingTime: not an invented 0
    again = tmp_path / "again.bprproj"
    report = import_surveys(again, [out])
    assert any(i.key == "bpmn_no_time" for i in report.warnings)
    with open_project(again) as project, project.engine.connect() as conn:
        assert conn.execute(text("SELECT typical_minutes FROM step WHERE step_no = 2")
                            ).scalar_one() is None


def test_the_flow_map_marks_a_step_without_time(imported: Path) -> None:
    from analysis.flow_layout import layout_flow
    from bpr_studio.pipeline import load_model

    with open_project(imported) as project:
        graph = load_model(project).graphs["P1"]
    layout = layout_flow(graph, "ja")
    assert "要確認" in layout.task(2).marks
    assert "要確認" not in layout.task(1).marks
    # No time is shown for it (the map said "0.0分" beside 要確認), the others keep theirs.
    assert layout.task(2).minutes is None
    assert layout.task(1).minutes is not None
