"""GUI side of issue 11: the import dialog lists what a re-import replaces, the last import
can be undone from the File menu, and user data never renders as rich text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bpr_studio.io.survey_import import import_surveys
from bpr_studio.io.template import write_survey_workbook
from tests.conftest import small_procedure, small_steps


def test_reimport_lists_the_replacement_and_undo_restores_it(qtbot, make_main_window, tmp_path):
    project = tmp_path / "p.bprproj"
    first = write_survey_workbook(tmp_path / "01_市民課.xlsx",
                                  [small_procedure("A-1"), small_procedure("A-2")],
                                  small_steps("A-1") + small_steps("A-2"))
    assert import_surveys(project, [first]).written
    window = make_main_window(project)
    assert window.survey_view.procedure_model.rowCount() == 2
    again = write_survey_workbook(tmp_path / "01_市民課_v2.xlsx", [small_procedure("A-1")],
                                  small_steps("A-1"))
    dialog = window._on_import_triggered([again])
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert "市民課: 手続 2 → 1 件" in dialog.summary.text()
    assert "削除される手続: A-2" in dialog.summary.text()
    with qtbot.waitSignals([dialog.imported, window.session.loaded], timeout=20000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    assert window.survey_view.procedure_model.rowCount() == 1

    box = window._on_undo_import_triggered()
    assert isinstance(box, QMessageBox)
    assert "01_市民課_v2.xlsx" in box.text()
    with qtbot.waitSignal(window.session.loaded, timeout=20000):
        box.accept()
    assert window.survey_view.procedure_model.rowCount() == 2


def test_procedure_title_shows_markup_as_plain_text(qtbot, make_main_window, tmp_path):
    project = tmp_path / "p.bprproj"
    name = "<b>太字</b><img src=x>"
    survey = write_survey_workbook(tmp_path / "s.xlsx", [small_procedure("H-1", name=name)],
                                   small_steps("H-1"))
    assert import_surveys(project, [survey]).written
    window = make_main_window(project)
    window.session.select("H-1")
    window.procedure_view.refresh()
    title = window.procedure_view.title
    assert title.textFormat() == Qt.TextFormat.PlainText
    assert name in title.text()
