"""What a reload after an edit costs the views (issue 16: at 30,000 procedures a survey
edit held the GUI thread 283 ms): hidden views fill when they are shown, with the data
current then; views whose content did not change are left as they are; the selected
procedure's steps come with the reloaded data instead of a read on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bpr_studio.edits import SetUnitCostEdit
from bpr_studio.loading import unit_cost_versions


def _column(model, key: str) -> int:
    return [model.column_key(c) for c in range(model.columnCount())].index(key)


def _unit_row(model, label: str) -> int:
    return next(r for r in range(model.rowCount()) if model.index(r, 0).data() == label)


def test_hidden_views_show_the_data_current_when_they_are_shown(
        qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    session, view = window.session, window.assumptions_view
    assert not view.isVisible()
    assert not window.quality_view.isVisible()
    key, label = "hourly_cost_regular", "正規職員の時間単価（人件費込み）"
    version = unit_cost_versions(session.project).get(key, 0)
    with qtbot.waitSignal(session.loaded, timeout=60000):  # changed while the view is hidden
        assert session.push(SetUnitCostEdit(key, 4321, "人事課 単価表",
                                            expected_version=version))
    window.nav.setCurrentRow(window.stack.indexOf(view))
    model = view.unit_model
    row = _unit_row(model, label)
    assert model.index(row, 1).data() == "4,321"
    assert model.index(row, 4).data() == "人事課 単価表"
    window.nav.setCurrentRow(window.stack.indexOf(window.quality_view))
    issues = session.data.issues
    assert window.quality_view.model.rowCount() == len(issues)

    window.nav.setCurrentRow(0)  # hidden again: an undo shows when it is next shown
    with qtbot.waitSignal(session.loaded, timeout=60000):
        session.undo_stack.undo()
    window.nav.setCurrentRow(window.stack.indexOf(view))
    assert model.index(_unit_row(model, label), 1).data() != "4,321"


def test_a_survey_edit_leaves_the_scenario_tables_and_reads_no_steps_on_the_gui_thread(
        qtbot, make_main_window, sample_project, monkeypatch):
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.survey_view))
    view, session = window.survey_view, window.session
    model = view.procedure_model
    view.procedure_table.selectRow(1)
    chosen = model.row(1)["procedure_id"]
    assert session.selected == chosen
    shown_steps = view.step_model.frame.copy()
    scenario_view = window.scenario_view
    parameter_items = [scenario_view.parameters.item(r, 1)
                       for r in range(scenario_view.parameters.rowCount())]
    reads: list[str] = []
    import ui.survey_view

    read = ui.survey_view.steps_frame
    monkeypatch.setattr(ui.survey_view, "steps_frame",
                        lambda project, pid: reads.append(pid) or read(project, pid))
    cases = _column(model, "annual_cases")
    with qtbot.waitSignal(session.loaded, timeout=30000):
        model.setData(model.index(1, cases), "12345")
    assert model.index(model.view_row(model.find(chosen)), cases).data() == "12,345"
    # The selected procedure's steps, read in the loading worker with the data.
    assert reads == []
    assert view.step_model.frame.equals(shown_steps)
    assert chosen in view.steps_label.text()
    # Nothing the scenario view shows changed: its tables were not filled again.
    assert [scenario_view.parameters.item(r, 1)
            for r in range(scenario_view.parameters.rowCount())] == parameter_items
    # Another procedure chosen after the load: its steps are read then.
    view.procedure_table.selectRow(2)
    assert reads == [model.row(2)["procedure_id"]]


def test_a_step_edited_shows_its_new_value_after_the_reload(
        qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.survey_view))
    view, session = window.survey_view, window.session
    session.select("SM-002")
    steps = view.step_model
    name = _column(steps, "name")
    before = steps.index(0, name).data()
    with qtbot.waitSignal(session.loaded, timeout=30000):
        steps.setData(steps.index(0, name), "申請書を受け付ける（確認）")
    assert session.data.selected_steps is not None
    assert session.data.selected_steps[0] == "SM-002"
    assert steps.index(0, name).data() == "申請書を受け付ける（確認）"
    with qtbot.waitSignal(session.loaded, timeout=30000):
        session.undo_stack.undo()
    assert steps.index(0, name).data() == before


def test_a_scenario_edit_still_fills_the_scenario_tables(qtbot, make_main_window,
                                                         sample_project):
    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    window.nav.setCurrentRow(window.stack.indexOf(view))
    row = next(r for r in range(view.parameters.rowCount())
               if view.parameters.item(r, 0).data(Qt.ItemDataRole.UserRole) == "rpa_reduction")
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.parameters.item(row, 1).setText("0.6")
    assert session.scenario.params["rpa_reduction"] == 0.6
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        session.undo_stack.undo()
    assert "rpa_reduction" not in session.scenario.params
    assert view.parameters.item(row, 1).text() != "0.6"  # filled from the scenario undone


def test_the_procedure_chosen_in_the_survey_list_stays_chosen_after_an_edit(
        qtbot, make_main_window, sample_project):
    """The where-to-start list chose its own row again when the comparison after an edit
    came, and made it every view's: the survey list jumped to another procedure."""
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.survey_view))
    view, session = window.survey_view, window.session
    model = view.procedure_model
    landing = window.landing_view.current_procedure()
    row = next(r for r in range(model.rowCount()) if model.row(r)["procedure_id"] != landing)
    view.procedure_table.selectRow(row)
    chosen = model.row(row)["procedure_id"]
    assert session.selected == chosen
    cases = _column(model, "annual_cases")
    with qtbot.waitSignal(session.comparison_ready, timeout=60000):
        model.setData(model.index(row, cases), "777")
    assert session.selected == chosen
    selected = view.procedure_table.selectionModel().selectedRows()
    assert [model.row(i.row())["procedure_id"] for i in selected] == [chosen]
    assert chosen in view.steps_label.text()
