"""Scenario editing as a DX officer does it: ranges, undo, new/rename/delete, compare."""

from __future__ import annotations

from PySide6.QtCore import Qt

from analysis.params import PARAMETERS
from bpr_studio.loading import list_scenarios
from bpr_studio.store import open_project


def _parameter_row(view, key: str) -> int:
    return next(r for r in range(view.parameters.rowCount())
                if view.parameters.item(r, 0).data(Qt.ItemDataRole.UserRole) == key)


def _stored(path) -> dict:
    with open_project(path) as project:
        return {s.name: s for s in list_scenarios(project)}


def test_an_out_of_range_parameter_says_the_range_and_keeps_the_typed_value(
        qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    window.nav.setCurrentRow(window.stack.indexOf(view))
    row = _parameter_row(view, "online_adoption")
    parameter = PARAMETERS["online_adoption"]
    typed = f"{parameter.high + 0.25:g}"  # beyond the published range
    valid = round((parameter.default + parameter.high) / 2, 3)
    before = session.scenario
    view.parameters.item(row, 1).setText(typed)
    assert view.problem.isVisible()
    assert f"{parameter.low:g}" in view.problem.text()
    assert f"{parameter.high:g}" in view.problem.text()
    assert typed in view.problem.text()
    assert view.parameters.item(row, 1).text() == typed  # kept for correction, not reverted
    assert session.scenario == before
    assert session.undo_stack.count() == 0
    # Another edit elsewhere refills the tables: the refused value is still there, marked.
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.parameters.item(_parameter_row(view, "rpa_reduction"), 1).setText("0.6")
    assert view.parameters.item(row, 1).text() == typed
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.parameters.item(row, 1).setText(f"{valid:g}")
    assert not view.problem.isVisible()
    assert session.scenario.params["online_adoption"] == valid
    assert _stored(sample_project)["DX標準"].params["online_adoption"] == valid


def test_parameter_edits_undo_and_redo(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    row = _parameter_row(view, "online_adoption")
    parameter = PARAMETERS["online_adoption"]
    saved_before = session.comparison.city()["saved"]["staff_time_h"]
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.parameters.item(row, 1).setText(f"{parameter.high:g}")
    saved_more = session.comparison.city()["saved"]["staff_time_h"]
    assert saved_more > saved_before  # more people online, more staff time saved
    assert session.undo_stack.canUndo()  # 元に戻す is not greyed out
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        session.undo_stack.undo()
    assert "online_adoption" not in session.scenario.params
    assert view.parameters.item(row, 1).text() == f"{parameter.default:g}"
    assert session.comparison.city()["saved"]["staff_time_h"] == saved_before
    assert "online_adoption" not in _stored(sample_project)["DX標準"].params
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        session.undo_stack.redo()
    assert view.parameters.item(row, 1).text() == f"{parameter.high:g}"


def test_new_blank_or_copy_rename_delete_and_undo(qtbot, make_main_window, sample_project):
    from ui.scenario_compare import NewScenarioDialog

    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    dialog = NewScenarioDialog(session.scenario, view)
    assert dialog.copy.isChecked()  # the question is asked
    assert "DX標準" in dialog.copy.text()
    assert view.create_scenario("空の案", copy_current=False)
    assert session.scenario.name == "空の案"
    assert session.scenario.measures == []
    assert view.scenario_combo.currentText() == "空の案"
    with qtbot.waitSignal(session.comparison_ready, timeout=30000):
        view.scenario_combo.setCurrentText("DX標準")
    assert view.create_scenario("DX標準のコピー", copy_current=True)
    assert len(session.scenario.measures) == len(_stored(sample_project)["DX標準"].measures)
    assert view.rename_current("窓口改革案")
    assert set(_stored(sample_project)) == {"DX標準", "空の案", "窓口改革案"}
    assert view.scenario_combo.currentText() == "窓口改革案"
    assert not view.rename_current("空の案")  # taken: refused with a message
    assert view.delete_current()
    assert set(_stored(sample_project)) == {"DX標準", "空の案"}
    assert "窓口改革案" not in [view.scenario_combo.itemText(i)
                               for i in range(view.scenario_combo.count())]
    session.undo_stack.undo()  # the deletion
    names = list(_stored(sample_project))
    assert names == ["DX標準", "空の案", "窓口改革案"]  # back in its place
    assert session.scenario.name == "窓口改革案"
    session.undo_stack.undo()  # the rename
    assert set(_stored(sample_project)) == {"DX標準", "空の案", "DX標準のコピー"}


def test_two_scenarios_compared_side_by_side(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view = window.scenario_view
    view.create_scenario("DXのコピー", copy_current=True)
    view.create_scenario("空の案", copy_current=False)
    compare = view.compare
    compare.choose(["DX標準", "空の案", "DXのコピー"])
    with qtbot.waitSignal(compare.runner.succeeded, timeout=60000):
        compare.start()
    assert [r.name for r in compare.results] == ["DX標準", "DXのコピー", "空の案"]  # list order
    dx, twin, blank = compare.results
    assert blank.saved["staff_time_h"] == 0
    assert blank.top == []
    assert dx.saved["staff_time_h"] > 0
    assert dx.saved == twin.saved
    assert len(dx.top) == 5
    assert compare.figures.columnCount() == 3
    assert compare.figures.horizontalHeaderItem(2).text() == "空の案"
    assert compare.ranking.item(0, 0).text() == dx.top[0]
    # Expected and potential are told apart, in the labels and the figures.
    labels = [compare.figures.verticalHeaderItem(r).text()
              for r in range(compare.figures.rowCount())]
    assert "職員時間の削減 見込み（時間/年）" in labels
    potential_row = labels.index("職員時間の削減 潜在（全件移行した場合、時間/年）")
    assert dx.saved["potential_staff_time_h"] > dx.saved["staff_time_h"]
    shown = compare.figures.item(potential_row, 0).text()
    assert shown == f"{dx.saved['potential_staff_time_h']:,.0f}"


def test_the_procedure_form_offers_the_templates_choices_and_times(qtbot, make_main_window,
                                                                    sample_project):
    from PySide6.QtWidgets import QComboBox, QStyleOptionViewItem

    from ui.procedure_form import STEP_FORM_COLUMNS, ProcedureFormDialog

    window = make_main_window(sample_project)
    form = ProcedureFormDialog("市民課", window)
    headers = [form.steps.horizontalHeaderItem(c).text() for c in range(form.steps.columnCount())]
    for wanted in ("最短(分)", "最長(分)", "待ち日数", "媒体"):
        assert wanted in headers
    delegate = form.steps.itemDelegate()
    actor = delegate.createEditor(form.steps.viewport(), QStyleOptionViewItem(),
                                  form.steps.model().index(0, STEP_FORM_COLUMNS.index("actor")))
    assert isinstance(actor, QComboBox)
    assert "窓口職員" in [actor.itemText(i) for i in range(actor.count())]
    medium = delegate.createEditor(form.steps.viewport(), QStyleOptionViewItem(),
                                   form.steps.model().index(0, STEP_FORM_COLUMNS.index("medium")))
    assert "紙" in [medium.itemText(i) for i in range(medium.count())]
    assert form.codes["identity_check"].findText("本人確認書類") >= 0
    form.id_edit.setText("SM-101")
    form.name_edit.setText("犬の登録")
    form.cases.setValue(800)
    form.codes["identity_check"].setCurrentIndex(form.codes["identity_check"].findText("本人確認書類"))
    form.set_step(0, {"name": "申請書の受付", "actor": "窓口職員", "work_kind": "受付",
                      "min_minutes": "5", "typical_minutes": "8", "max_minutes": "15",
                      "medium": "紙", "seal": "○"})
    form.set_step(1, {"name": "保健所の確認", "actor": "外部機関", "work_kind": "確認・審査",
                      "typical_minutes": "10", "wait_days": "14"})
    edit = form.build()
    first, second = edit.steps
    assert (first["min_minutes"], first["typical_minutes"], first["max_minutes"]) == (5, 8, 15)
    assert first["medium"] == "paper"
    assert first["seal"] is True
    assert second["wait_days"] == 14
    assert second["min_minutes"] == second["max_minutes"] == 10  # blank = typical
    assert edit.procedure["identity_check"] == "id_document"
    form.set_step(0, {"name": "申請書の受付", "actor": "窓口職員", "work_kind": "受付",
                      "min_minutes": "20", "typical_minutes": "8"})
    import pytest

    from bpr_studio.edits import EditError

    with pytest.raises(EditError):
        form.build()
    assert form.problem_row == 1


def test_each_measure_says_how_many_procedures_it_applied_to(qtbot, make_main_window,
                                                             sample_project):
    """Counted in the worker from the comparison's log; the view only writes them."""
    window = make_main_window(sample_project)
    view, session = window.scenario_view, window.session
    window.nav.setCurrentRow(window.stack.indexOf(view))
    log = session.comparison.applications
    for r in range(view.measures.rowCount()):
        key = view.measures.item(r, 0).data(Qt.ItemDataRole.UserRole)
        applied = sum(1 for a in log if a.measure == key and a.applied)
        refused = sum(1 for a in log if a.measure == key and not a.applied)
        if applied or refused:
            assert view.measures.item(r, 4).text() == (
                f"{applied} 手続に適用（{refused} 手続は対象外）")
