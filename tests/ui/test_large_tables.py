"""Tables that stay quick with a prefecture's 30,000 procedures (issue 16): the model
filters and sorts all rows at once with pandas and formats only the cells asked for."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from ui.survey_view import filtered_rows
from ui.table_model import DataFrameTableModel

ROWS = 30_000


def _procedures(rows: int = ROWS) -> pd.DataFrame:
    numbers = np.arange(rows)
    return pd.DataFrame({
        "procedure_id": [f"P{n:05d}" for n in numbers],
        "name": [f"手続{n}" if n % 7 else f"住民票{n}" for n in numbers],
        "section": [f"課{n % 400:03d}" for n in numbers],
        "level": (numbers % 4) + 1,
        "category": np.where(numbers % 2 == 0, "application", "notification"),
        "annual_cases": np.where(numbers % 10 == 0, np.nan, (numbers * 37) % 5000),
    })


class _CountingModel(DataFrameTableModel):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[int] = set()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            self.asked.add(index.row())
        return super().data(index, role)


def test_a_view_of_30000_rows_formats_only_what_it_shows(qtbot):
    model = _CountingModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    began = time.thread_time()
    model.set_frame(_procedures())
    view.grab()  # paints the visible cells
    assert time.thread_time() - began < 1.0
    assert model.rowCount() == ROWS
    assert 0 < len(model.asked) < 100   # the visible rows, not 30,000


def test_sorting_a_large_model_sorts_all_rows_blanks_last_and_keeps_the_selection(qtbot):
    model = DataFrameTableModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    model.set_frame(_procedures())
    view.selectRow(3)  # P00003
    cases = list(model.frame.columns).index("annual_cases")
    began = time.thread_time()
    model.sort(cases, Qt.SortOrder.DescendingOrder)
    assert time.thread_time() - began < 1.0
    shown = [model.index(r, cases).data(Qt.ItemDataRole.UserRole) for r in range(ROWS)]
    numbers = [v for v in shown if v is not None]
    assert numbers == sorted(numbers, reverse=True)
    assert shown.index(None) == len(numbers)  # blanks last
    assert all(v is None for v in shown[len(numbers):])
    selected = view.selectionModel().selectedRows()
    assert [model.row(i.row())["procedure_id"] for i in selected] == ["P00003"]
    model.sort(-1)  # back to the frame's order
    assert model.row(0)["procedure_id"] == "P00000"


def test_filters_of_the_survey_view_apply_to_all_rows_at_once():
    frame = _procedures()
    began = time.thread_time()
    rows = filtered_rows(frame, text="住民票", section="課007", level=0, category="")
    assert time.thread_time() - began < 1.0
    expected = [i for i in range(ROWS) if i % 7 == 0 and i % 400 == 7]
    assert list(rows) == expected
    assert filtered_rows(frame) is None  # no filter: every row, no index
    assert list(filtered_rows(frame, text="p00012")) == [12]  # ID, any case
    levels = frame["level"].to_numpy()
    assert (levels[filtered_rows(frame, level=3)] == 3).all()


def test_a_filtered_sorted_model_edits_the_row_the_user_sees(qtbot):
    model = DataFrameTableModel(editable={"name"})
    model.set_frame(_procedures(50))
    model.show_rows(np.array([10, 20, 30]))
    model.sort(0, Qt.SortOrder.DescendingOrder)  # by ID, descending: P00030 first
    assert model.rowCount() == 3
    with qtbot.waitSignal(model.edit_requested) as signal:
        model.setData(model.index(0, 1), "新しい名前")
    row, key, text = signal.args
    assert (model.row(row)["procedure_id"], key, text) == ("P00030", "name", "新しい名前")
    # A new frame keeps the sort the user chose.
    model.set_frame(_procedures(50), np.array([1, 2]))
    assert [model.row(r)["procedure_id"] for r in range(2)] == ["P00002", "P00001"]


def test_the_flow_views_picker_lists_30000_procedures_lazily_and_completes_in_cpp(qtbot):
    from PySide6.QtWidgets import QComboBox

    from ui.procedure_list import fill_picker, procedure_picker

    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.setEditable(True)
    model, texts = procedure_picker(combo)
    frame = _procedures()
    began = time.thread_time()
    fill_picker(model, texts, frame["procedure_id"].tolist(), frame["name"].tolist())
    assert time.thread_time() - began < 1.0
    assert combo.count() == ROWS
    assert model.row_of("P29999") == ROWS - 1
    combo.setCurrentIndex(model.row_of("P12345"))
    assert combo.currentData() == "P12345"
    assert combo.currentText() == "P12345  手続12345"
    completer = combo.completer()
    assert completer.model() is texts  # filtered in C++, not through Python per row
    completer.setCompletionPrefix("住民票2800")
    matches = [completer.completionModel().index(r, 0).data()
               for r in range(completer.completionModel().rowCount())]
    assert matches == [f"P{n:05d}  住民票{n}" for n in range(ROWS)
                       if n % 7 == 0 and str(n).startswith("2800")]
