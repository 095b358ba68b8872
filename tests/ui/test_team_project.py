"""A shared PostgreSQL project in the app: File ▸ データベースを開く, edits, Save As."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from bpr_studio.project_copy import copy_project
from bpr_studio.store import open_project
from ui.database_dialog import DatabaseDialog


def test_database_dialog_builds_the_url_and_wants_a_server_database_and_user(qtbot):
    dialog = DatabaseDialog(host="db.city.local", database="bpr", user="")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no user yet
    dialog.user_edit.setText("山田")
    dialog.port_spin.setValue(5433)
    assert ok.isEnabled()
    assert dialog.url() == "postgresql://%E5%B1%B1%E7%94%B0@db.city.local:5433/bpr"
    assert dialog.windowTitle() == "共有プロジェクト（データベース）を開く"


def test_the_app_opens_a_database_project_and_saves_it_as_a_file(
        qtbot, make_main_window, sample_project, pg_url, tmp_path, monkeypatch):
    copy_project(sample_project, pg_url)
    window = make_main_window(pg_url)
    assert window.survey_view.procedure_model.rowCount() == 69
    assert "@" in window.windowTitle()
    assert pg_url.split("@/")[1].split("?")[0] in window.windowTitle()
    # File ▸ Save As on a database project writes a .bprproj copy of it.
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "手元の写し.bprproj"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(window.session.comparison_ready, timeout=60000):
        window._on_save_as_triggered()
    with open_project(target) as project, project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM procedure").scalar_one() == 69


def test_a_wrong_database_is_a_message_not_a_crash(qtbot, make_main_window, pg_server,
                                                    monkeypatch):
    shown = []
    monkeypatch.setattr("ui.main_window.show_message", lambda _p, title, text: shown.append(text))
    window = make_main_window()
    assert not window.open_path(pg_server.url("no_such_database"))
    assert "データベースに接続できません" in shown[0]
