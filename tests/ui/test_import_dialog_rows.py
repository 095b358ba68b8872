"""The import dialog takes the command line's fast path (issue 16): the reading processes
check each workbook's steps and send table rows, and what it writes is what
``bpr-studio import`` writes."""

from __future__ import annotations

from pathlib import Path

from bpr_studio.io.survey_import import import_surveys
from bpr_studio.store import create_project
from tests.test_import_scale import issue_lines, project_rows

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "sample_surveys").glob("*.xlsx"))


def test_the_dialog_checks_steps_as_rows_and_writes_what_the_command_line_writes(
        qtbot, make_main_window, tmp_path):
    project = tmp_path / "dialog.bprproj"
    create_project(project).close()
    window = make_main_window(project)
    dialog = window._on_import_triggered(SAMPLES)
    assert dialog.file_list.count() == len(SAMPLES)
    with qtbot.waitSignal(dialog.runner.finished, timeout=60000):
        dialog.start_check()
    batch = dialog._batch
    assert batch is not None
    assert batch.report.ok
    assert batch.step_rows is not None  # the rows the reading processes built
    assert batch.steps == []
    with qtbot.waitSignal(dialog.runner.finished, timeout=60000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    command_line = tmp_path / "cli.bprproj"
    create_project(command_line).close()
    report = import_surveys(command_line, SAMPLES, workers=1)
    assert report.written
    assert issue_lines(batch.report) == issue_lines(report)
    imported = ("procedure", "step", "step_link", "unit_cost", "import_issue", "import_batch",
                "import_snapshot")
    dialog_rows, cli_rows = project_rows(project), project_rows(command_line)
    assert len(cli_rows["step"]) > 400
    # (the window adds its default scenario to the project it opened: not the import's)
    assert {t: dialog_rows[t] for t in imported} == {t: cli_rows[t] for t in imported}
