"""A survey cell edit refreshes the procedure list in place (issue 16: at 30,000 procedures
a model reset after every edit held the GUI thread): the edited row shows the new value
and the user's sort, filter, selection and scroll position stay."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from ui.table_model import DataFrameTableModel


def _column(model, key: str) -> int:
    return [model.column_key(c) for c in range(model.columnCount())].index(key)


def test_an_edit_keeps_the_sort_filter_and_selection_of_the_survey_list(
        qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.survey_view))
    view, session = window.survey_view, window.session
    model, table = view.procedure_model, view.procedure_table
    cases = _column(model, "annual_cases")
    view.filter_edit.setText("SM-0")  # a filter the user typed
    table.sortByColumn(cases, Qt.SortOrder.DescendingOrder)  # and a sort they chose
    shown = model.rowCount()
    assert 1 < shown < len(model.frame)
    table.selectRow(2)
    chosen = model.row(2)["procedure_id"]
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    with qtbot.waitSignal(session.loaded, timeout=30000):
        model.setData(model.index(2, cases), "1")  # the selected row: now the smallest
    assert not resets  # refreshed in place, not reset
    assert model.rowCount() == shown  # the filter still applies
    values = [model.index(r, cases).data(Qt.ItemDataRole.UserRole) for r in range(shown)]
    assert values == sorted(values, reverse=True)  # still sorted, the edited row moved
    last = model.row(shown - 1)
    assert last["procedure_id"] == chosen
    assert last["annual_cases"] == 1
    assert model.index(shown - 1, cases).data() == "1"
    selected = table.selectionModel().selectedRows()
    assert [model.row(i.row())["procedure_id"] for i in selected] == [chosen]  # followed
    assert session.selected == chosen

    with qtbot.waitSignal(session.loaded, timeout=30000):
        session.undo_stack.undo()
    assert not resets
    row = model.view_row(model.find(chosen))
    assert row is not None
    assert model.index(row, cases).data() != "1"
    assert [model.row(i.row())["procedure_id"]
            for i in table.selectionModel().selectedRows()] == [chosen]


def test_a_step_edit_keeps_the_step_selected(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view, session = window.survey_view, window.session
    session.select("SM-001")
    steps = view.step_model
    assert len(steps.frame) > 2
    name = _column(steps, "name")
    view.step_table.setCurrentIndex(steps.index(1, name))
    with qtbot.waitSignal(session.loaded, timeout=30000):
        steps.setData(steps.index(1, name), "書類を確かめる")
    assert steps.index(1, name).data() == "書類を確かめる"
    assert view.step_table.currentIndex().row() == 1
    assert view.step_table.currentIndex().column() == name


def test_a_frame_with_other_rows_resets_the_model(qtbot):
    model = DataFrameTableModel(key="id")
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    model.set_frame(pd.DataFrame({"id": ["a", "b", "c"], "v": [1, 2, 3]}))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom: changed.append((top.row(), bottom.row())))

    model.set_frame(pd.DataFrame({"id": ["a", "b", "c"], "v": [1, 20, 3]}))
    assert not resets
    assert changed == [(0, 2)]
    assert model.index(1, 1).data() == "20"
    assert model.find("c") == 2
    assert model.find("zz") is None

    model.set_frame(pd.DataFrame({"id": ["a", "c"], "v": [1, 3]}))  # a row deleted
    assert resets == [True]
    assert model.rowCount() == 2
    assert model.find("c") == 1


def test_the_model_answers_only_the_roles_it_has(qtbot):
    model = DataFrameTableModel()
    model.set_frame(pd.DataFrame({"v": [1.5]}))
    index = model.index(0, 0)
    assert index.data() == "1.5"
    assert index.data(Qt.ItemDataRole.UserRole) == 1.5
    assert index.data(Qt.ItemDataRole.FontRole) is None
    assert index.data(Qt.ItemDataRole.BackgroundRole) is None
    assert np.isclose(index.data(Qt.ItemDataRole.UserRole), 1.5)


def test_the_survey_list_fits_its_columns_once_and_keeps_the_users_widths(
        qtbot, make_main_window, sample_project):
    """Opened, the list's columns are fitted to their contents (the name capped at 320 px)
    — in an event of its own after the data arrives, so a city's 30,000 rows do not hold
    the window — and a reload after an edit keeps a width the user dragged."""
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.survey_view))
    view, session = window.survey_view, window.session
    model, table = view.procedure_model, view.procedure_table
    name, cases = _column(model, "name"), _column(model, "annual_cases")
    unfitted = table.horizontalHeader().defaultSectionSize()
    # The procedures' names are wider than a column left at Qt's default width.
    qtbot.waitUntil(lambda: table.columnWidth(name) > unfitted, timeout=5000)
    assert table.columnWidth(name) <= 320
    table.setColumnWidth(cases, 333)  # the user widens a column

    with qtbot.waitSignal(session.loaded, timeout=30000):
        model.setData(model.index(0, cases), "4400")
    qtbot.wait(50)  # a fit queued by the reload would have run by now
    assert table.columnWidth(cases) == 333
