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


def test_a_big_batch_is_written_in_a_child_process_the_same_as_the_command_line(
        qtbot, make_main_window, tmp_path, monkeypatch):
    """The write (with the import history's snapshot of the rows it replaces) ran in a
    worker thread and kept the GUI's Python lock busy: a big batch is written in a child
    process (ui.import_write), with the same rows."""
    import ui.import_write as import_write

    def not_here(*_args: object) -> None:
        raise AssertionError("written in the window's process")

    monkeypatch.setattr(import_write, "WRITE_IN_CHILD_FROM", 0)
    monkeypatch.setattr(import_write, "write_batch", not_here)  # the child's is its own
    project = tmp_path / "dialog.bprproj"
    create_project(project).close()
    window = make_main_window(project)
    dialog = window._on_import_triggered(SAMPLES)
    with qtbot.waitSignal(dialog.runner.finished, timeout=60000):
        dialog.start_check()
    batch = dialog._batch
    assert batch is not None
    assert batch.report.ok
    assert batch.parked is not None  # its rows parked in files the child reads
    with qtbot.waitSignal(dialog.runner.succeeded, timeout=120000):
        dialog.start_import()
    command_line = tmp_path / "cli.bprproj"
    create_project(command_line).close()
    assert import_surveys(command_line, SAMPLES, workers=1).written
    imported = ("procedure", "step", "step_link", "unit_cost", "import_issue", "import_batch",
                "import_snapshot")
    dialog_rows, cli_rows = project_rows(project), project_rows(command_line)
    assert {t: dialog_rows[t] for t in imported} == {t: cli_rows[t] for t in imported}
