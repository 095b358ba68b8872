"""The main window and the import dialog, driven as a user would (offscreen)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from bpr_studio.store import create_project
from sample_surveys.build_samples import sample_files


def _digest(path) -> str:
    """A hash of the project's data (not its bytes: SQLite may checkpoint its WAL into the
    file when a reader closes, which changes bytes but no data)."""
    connection = sqlite3.connect(path)
    try:
        dump = "\n".join(connection.iterdump())
    finally:
        connection.close()
    return hashlib.sha256(dump.encode()).hexdigest()


def test_window_lists_the_projects_procedures_and_steps(make_main_window, sample_project):
    window = make_main_window(sample_project)
    view = window.survey_view
    assert view.procedure_model.rowCount() == 69
    assert "手続 69 件" in window.statusBar().currentMessage()
    assert view.step_model.rowCount() > 0  # the first procedure is selected
    view.filter_edit.setText("住民票の写し")
    assert view.procedure_model.rowCount() == 1
    index = view.procedure_model.index(0, 1)
    assert index.data() == "住民票の写しの交付"
    view.procedure_table.selectRow(0)
    steps = view.step_model
    assert steps.index(1, 7).data() == "3(95%); 1(5%)"  # next steps, as the survey wrote them
    assert steps.index(0, 2).data() == "市民"


def test_section_filter(make_main_window, sample_project):
    view = make_main_window(sample_project).survey_view
    index = view.section_combo.findData("環境課")
    view.section_combo.setCurrentIndex(index)
    assert view.procedure_model.rowCount() == 6


def test_english_ui(make_main_window, sample_project):
    window = make_main_window(sample_project, lang="en")
    assert "69 procedures" in window.statusBar().currentMessage()
    assert window.survey_view.procedure_model.headerData(1, Qt.Orientation.Horizontal) == "Name"


def test_import_sample_surveys_through_the_dialog(qtbot, make_main_window, tmp_path):
    project = tmp_path / "new.bprproj"
    create_project(project).close()
    window = make_main_window(project)
    assert window.survey_view.procedure_model.rowCount() == 0
    dialog = window._on_import_triggered(sample_files())
    assert dialog.file_list.count() == 7
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    assert "手続 69 件" in dialog.summary.text()
    with qtbot.waitSignals([dialog.imported, window.session.loaded], timeout=20000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    assert window.survey_view.procedure_model.rowCount() == 69


def test_a_broken_survey_shows_cells_and_blocks_import(qtbot, make_main_window, sample_project,
                                                       make_workbook):
    steps = [{"procedure_id": "T-001", "step_no": 1, "name": "x", "actor": "市民",
              "work_kind": "記入", "typical_minutes": "すぐ"}]
    bad = make_workbook("bad.xlsx", steps=steps)
    window = make_main_window(sample_project)
    before = _digest(sample_project)
    dialog = window._on_import_triggered([bad])
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert not dialog.import_button.isEnabled()
    cells = {dialog.model.index(r, 3).data() for r in range(dialog.model.rowCount())}
    assert "G2" in cells
    total = dialog.model.rowCount()
    errors = sum(1 for r in range(total) if dialog.model.index(r, 0).data() == "エラー")
    assert errors >= 1
    dialog.filter_combo.setCurrentIndex(1)  # errors only (the model filters itself)
    assert dialog.model.rowCount() == errors
    assert {dialog.model.index(r, 0).data() for r in range(errors)} == {"エラー"}
    dialog.filter_combo.setCurrentIndex(2)  # warnings only
    assert "エラー" not in {dialog.model.index(r, 0).data()
                           for r in range(dialog.model.rowCount())}
    dialog.filter_combo.setCurrentIndex(0)  # all again
    assert dialog.model.rowCount() == total
    dialog.reject()
    assert _digest(sample_project) == before


def test_cancelling_an_import_leaves_the_project_unchanged(qtbot, make_main_window,
                                                           sample_project):
    window = make_main_window(sample_project)
    before = _digest(sample_project)  # opening adds the default scenario; nothing after
    dialog = window._on_import_triggered(sample_files())
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=20000):
        dialog.start_check()
        dialog.runner.cancel()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    assert not dialog.import_button.isEnabled()
    assert "キャンセル" in dialog.summary.text()
    dialog.reject()
    window.close()
    assert _digest(sample_project) == before


def test_screenshot_command_renders_the_window(tmp_path, sample_project):
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "bpr_studio.cli", "gui", str(sample_project),
                    "--screenshot", str(shot)], env=env, check=True, timeout=120)
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_duplicate_ids_resolved_by_checking_the_preferred_file(qtbot, make_main_window, tmp_path,
                                                               make_workbook):
    from tests.conftest import small_procedure, small_steps

    project = tmp_path / "dup.bprproj"
    create_project(project).close()
    a = make_workbook("a.xlsx", procedures=[small_procedure("D-1", name="版A")],
                      steps=small_steps("D-1"))
    b = make_workbook("b.xlsx", procedures=[small_procedure("D-1", name="版B")],
                      steps=small_steps("D-1"))
    window = make_main_window(project)
    dialog = window._on_import_triggered([a, b])
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert not dialog.import_button.isEnabled()
    dialog.file_list.item(1).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    with qtbot.waitSignals([dialog.imported, window.session.loaded], timeout=20000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    view = window.survey_view
    assert view.procedure_model.index(0, 1).data() == "版B"


def test_assumptions_view_shows_sources_and_changes(make_main_window, sample_project):
    from bpr_studio.loading import set_unit_cost
    from bpr_studio.store import open_project

    with open_project(sample_project) as project:
        set_unit_cost(project, "hourly_cost_regular", 3800, "令和6年度 人件費")
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.assumptions_view))  # fills when shown
    model = window.assumptions_view.unit_model
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    row = rows["正規職員の時間単価（人件費込み）"]
    assert model.index(row, 1).data() == "3,800"
    assert model.index(row, 3).data() == "変更あり"
    assert model.index(row, 4).data() == "令和6年度 人件費"
    postage = rows["郵便料金（はがき）"]
    assert "日本郵便" in model.index(postage, 4).data()
    assert window.assumptions_view.burden_model.rowCount() == 11


def test_procedure_table_shows_the_core_figures(make_main_window, sample_project):
    from bpr_studio.loading import score_project
    from bpr_studio.store import open_project

    with open_project(sample_project) as project:
        core = score_project(project).procedures.set_index("procedure_id")
    window = make_main_window(sample_project)
    model = window.survey_view.procedure_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for r in range(model.rowCount()):
        pid = model.index(r, 0).data()
        assert model.index(r, headers.index("レベル")).data() == str(core.loc[pid, "level"])
        assert model.index(r, headers.index("職員 時間/年")).data() == \
            f"{core.loc[pid, 'staff_time_h']:,.0f}"


def test_report_exported_from_the_app(qtbot, make_main_window, sample_project, tmp_path):
    import openpyxl

    window = make_main_window(sample_project)
    out = tmp_path / "報告書.xlsx"
    with qtbot.waitSignal(window.report_exporter.finished, timeout=120000) as blocker:
        window.report_exporter.start(sample_project, "DX標準", out)
    assert blocker.args == [out]
    assert "概要" in openpyxl.load_workbook(out).sheetnames
    assert "報告書を保存しました" in window.statusBar().currentMessage()


def test_the_report_prints_the_simulation_on_screen(qtbot, make_main_window, sample_project,
                                                    tmp_path):
    """Issue 12: the report's P5–P95 are the figures the user saw, not a second estimate
    with other replications; after a data edit the report simulates afresh."""
    import openpyxl

    window = make_main_window(sample_project)
    session = window.session
    with qtbot.waitSignal(session.simulation_ready, timeout=120000) as shown:
        session.simulate(150, 7)
    assert session.simulation_for("DX標準") is shown.args[0]
    assert session.simulation_for("窓口のみ") is None
    out = tmp_path / "報告書.xlsx"
    with qtbot.waitSignal(window.report_exporter.finished, timeout=120000):
        window.report_exporter.start(sample_project, "DX標準", out)
    summary = openpyxl.load_workbook(out)["概要"]
    texts = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert "150回のモンテカルロ" in texts
    with qtbot.waitSignal(session.loaded, timeout=30000):
        window.survey_view.procedure_model.setData(
            window.survey_view.procedure_model.index(0, [
                window.survey_view.procedure_model.column_key(c)
                for c in range(window.survey_view.procedure_model.columnCount())
            ].index("annual_cases")), "1,234")
    assert session.simulation_for("DX標準") is None  # the data changed since
    assert session.simulation is None  # and no view shows its stale P5–P95


def test_report_and_simulate_default_to_the_same_replications():
    from bpr_studio import cli_common
    from bpr_studio.pipeline import DEFAULT_REPLICATIONS
    from bpr_studio.report import excel

    assert cli_common.REPLICATIONS == excel.DEFAULT_REPLICATIONS == DEFAULT_REPLICATIONS


def test_an_edit_in_the_table_and_its_undo(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view, session = window.survey_view, window.session
    model = view.procedure_model
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    column = [model.column_key(c) for c in range(model.columnCount())].index("annual_cases")
    index = model.index(row, column)
    assert index.data() == "58,000"
    with qtbot.waitSignal(session.loaded, timeout=30000):
        assert model.setData(index, "６万件") is False  # the project changes, then the model
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    assert model.index(row, column).data() == "60,000"
    staff_hours = model.frame.loc[row, "staff_time_h"]
    assert staff_hours == pytest.approx(9335.96 * 60_000 / 58_000, rel=1e-6)  # re-scored
    assert session.undo_stack.count() == 1
    with qtbot.waitSignal(session.loaded, timeout=30000):
        session.undo_stack.undo()
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    assert model.index(row, column).data() == "58,000"
    with qtbot.waitSignal(session.loaded, timeout=30000):
        session.undo_stack.redo()
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    assert model.index(row, column).data() == "60,000"


def test_the_toolbar_speaks_the_ui_language_and_undoes_an_edit(qtbot, make_main_window,
                                                               sample_project):
    from PySide6.QtWidgets import QToolBar

    window = make_main_window(sample_project)
    bar = window.findChild(QToolBar, "main_toolbar")
    assert bar is not None
    assert bar.isVisible()
    texts = [a.text() for a in bar.actions() if a.text()]
    assert texts[:3] == ["開く", "調査票を取り込む", "報告書を出力"]
    undo = next(a for a in bar.actions() if a.text().startswith("元に戻す"))
    assert not undo.isEnabled()  # nothing to undo yet
    model = window.survey_view.procedure_model
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    column = [model.column_key(c) for c in range(model.columnCount())].index("annual_cases")
    with qtbot.waitSignal(window.session.loaded, timeout=30000):
        model.setData(model.index(row, column), "60000")
    assert undo.isEnabled()
    with qtbot.waitSignal(window.session.loaded, timeout=30000):
        undo.trigger()  # the toolbar's button undoes the edit
    row = int(model.frame.index[model.frame["procedure_id"] == "SM-001"][0])
    assert model.index(row, column).data() == "58,000"
    english = make_main_window(sample_project, lang="en")
    bar = english.findChild(QToolBar, "main_toolbar")
    assert [a.text() for a in bar.actions() if a.text()][:3] == ["Open", "Import surveys",
                                                                 "Export report"]


def test_a_refused_edit_changes_nothing(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    session = window.session
    with qtbot.waitSignal(session.failed, timeout=5000) as blocker:
        from bpr_studio.edits import SetStepField

        session.push(SetStepField("SM-001", 2, "typical_minutes", "すぐ"))
    assert "時間として読めません" in blocker.args[0]
    assert session.undo_stack.count() == 0


def test_scenario_run_and_dashboard_totals_equal_the_core(qtbot, make_main_window, sample_project):
    from analysis.compare import compare
    from bpr_studio.loading import get_scenario
    from bpr_studio.pipeline import load_model
    from bpr_studio.store import open_project

    window = make_main_window(sample_project)
    session = window.session
    window.scenario_view.replications.setValue(50)
    with qtbot.waitSignal(session.simulation_ready, timeout=120000):
        window.scenario_view.run_button.click()
    assert session.simulation.replications == 50
    with open_project(sample_project) as project:
        core = compare(load_model(project), get_scenario(project, "DX標準"))
    window.nav.setCurrentRow(window.stack.indexOf(window.comparison_view))  # views draw when shown
    totals = window.comparison_view.totals()
    assert totals["staff_as_is"]["time_h"] == pytest.approx(core.as_is.city()["staff_time_h"])
    assert totals["staff_to_be"]["economic_yen"] == pytest.approx(
        core.to_be.city()["staff_economic_yen"])
    assert "シミュレーション" in window.comparison_view.summary.text()
    assert window.comparison_view.top_model.rowCount() == 20


def test_changing_a_measure_updates_the_deltas(qtbot, make_main_window, sample_project):
    from PySide6.QtCore import Qt as QtCore

    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    before = session.comparison.city()["saved"]["staff_time_h"]
    item = view.measures.item(0, 0)  # online application
    assert item.data(QtCore.ItemDataRole.UserRole) == "online_application"
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        item.setCheckState(QtCore.CheckState.Unchecked)
    after = session.comparison.city()["saved"]["staff_time_h"]
    assert after < before
    assert "online_application" not in [m.measure for m in session.scenario.measures]
    assert f"{after:,.0f}" in view.deltas.text()


def test_every_view_renders(qtbot, make_main_window, sample_project, tmp_path):
    window = make_main_window(sample_project)
    window.session.select("SM-001")
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        qtbot.wait(50)
        image = window.grab()
        assert not image.isNull()
        assert image.width() > 500
    assert "SM-001" in window.procedure_view.title.text()
    assert window.flow_view.scene.items()  # the process map was drawn


def test_a_procedure_entered_in_the_form(qtbot, make_main_window, sample_project):
    from ui.procedure_form import ProcedureFormDialog

    window = make_main_window(sample_project)
    form = ProcedureFormDialog("市民課", window)
    form.id_edit.setText("SM-100")
    form.name_edit.setText("住民票の写しの郵送請求")
    form.cases.setValue(3000)
    form.set_step(0, {"name": "請求書の記入", "actor": "市民", "work_kind": "記入",
                      "typical_minutes": "10分"})
    form.set_step(1, {"name": "審査", "actor": "担当職員", "work_kind": "確認・審査",
                      "typical_minutes": "5", "next_steps": "3(90%); 1(10%)"})
    form.set_step(2, {"name": "郵送", "actor": "担当職員", "work_kind": "郵送",
                      "typical_minutes": "3"})
    edit = form.build()
    assert [link["probability"] for link in edit.links if link["from_step_no"] == 2] == [0.9, 0.1]
    with qtbot.waitSignal(window.session.loaded, timeout=30000):
        assert window.session.push(edit)
    frame = window.survey_view.procedure_model.frame
    row = frame[frame["procedure_id"] == "SM-100"].iloc[0]
    # Step 2 sends 10 % back to step 1, so steps 1–2 run 1/0.9 times; step 3 once.
    assert row["staff_time_h"] == pytest.approx(3000 * (5 / 0.9 + 3) / 60)
    with qtbot.waitSignal(window.session.loaded, timeout=30000):
        window.session.undo_stack.undo()
    assert "SM-100" not in set(window.survey_view.procedure_model.frame["procedure_id"])


def test_a_measure_applied_to_chosen_procedures_only(qtbot, make_main_window, sample_project):
    from PySide6.QtCore import Qt as QtCore

    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    row = next(r for r in range(view.measures.rowCount())
               if view.measures.item(r, 0).data(QtCore.ItemDataRole.UserRole) == "no_form_counter")
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.measures.item(row, 3).setText("SM-001, SM-002")
    applied = {a.procedure_id for a in session.comparison.applications
               if a.measure == "no_form_counter" and a.applied}
    assert applied == {"SM-001", "SM-002"}
    use = next(u for u in session.scenario.measures if u.measure == "no_form_counter")
    assert use.rule.procedure_ids == ["SM-001", "SM-002"]


def test_a_broken_project_file_is_refused_with_a_message(qtbot, make_main_window, sample_project,
                                                         tmp_path):
    from PySide6.QtWidgets import QMessageBox

    window = make_main_window(sample_project)
    broken = tmp_path / "broken.bprproj"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert window.open_path(broken) is False
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes
    assert "壊れている" in boxes[-1].text()
    assert window.session.path == sample_project  # the open project stays open


def test_the_dashboard_counts_the_steps_that_the_loaded_data_does_not_keep(
        qtbot, make_main_window, sample_project):
    """The views draw no step's costs: the loaded data keeps the procedures' scores and
    the number of steps, not the steps' rows (450,000 at 30,000 procedures, held in the
    app's memory for nothing); the dashboard's card still counts every step."""
    from bpr_studio.queries import steps_frame
    from bpr_studio.store import open_project

    window = make_main_window(sample_project)
    data = window.session.data
    with open_project(sample_project) as project:
        steps = len(steps_frame(project))
    assert data.step_count == steps > 0
    assert len(data.scores.steps) == 0
    assert len(data.scores.procedures) == len(data.procedures)
    window.nav.setCurrentRow(window.stack.indexOf(window.dashboard_view))
    assert f"{steps:,} 工程" in window.dashboard_view.cards["procedures"].text()
