"""Procedures of the project (filterable by text and section) and the steps of the selected one."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpr_studio.model import codes
from bpr_studio.queries import steps_frame
from bpr_studio.store import Project
from ui.i18n import PROCEDURE_COLUMNS, STEP_COLUMNS, column_label, language, tr
from ui.table_model import DataFrameTableModel, default_format


def _code_formatter(code_list: codes.CodeList):
    def format_code(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return code_list.label(str(value), language())
    return format_code


def _whole(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


class _ProcedureFilter(QSortFilterProxyModel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.text = ""
        self.section = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        frame = self.sourceModel().frame  # type: ignore[attr-defined]
        if self.section and frame.at[row, "section"] != self.section:
            return False
        if self.text:
            haystack = f"{frame.at[row, 'procedure_id']} {frame.at[row, 'name']} {frame.at[row, 'section']}"
            return self.text.lower() in haystack.lower()
        return True

    def lessThan(self, left, right) -> bool:  # noqa: N802
        a = left.data(Qt.ItemDataRole.UserRole)
        b = right.data(Qt.ItemDataRole.UserRole)
        if a is None or b is None:
            return b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class ProceduresView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("filter_placeholder"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.section_combo = QComboBox()
        self.section_combo.setMinimumWidth(160)
        self.section_combo.currentIndexChanged.connect(self._on_filter_changed)

        formatters = {
            "staff_time_h": _whole, "staff_economic_yen": _whole, "citizen_time_h": _whole,
            "citizen_visits": _whole, "staff_fte": lambda v: f"{v:,.2f}",
            "category": _code_formatter(codes.CATEGORY),
            "identity_check": _code_formatter(codes.IDENTITY_CHECK),
            "attachment_kind": _code_formatter(codes.ATTACHMENT_KIND),
        }
        shown = ["procedure_id", "name", "section", "level", "annual_cases", "online_cases",
                 "staff_time_h", "staff_fte", "staff_economic_yen", "citizen_time_h",
                 "citizen_visits", "category", "fee_yen", "identity_check", "attachment_kind",
                 f"level_reasons_{language()}"]
        self.procedure_model = DataFrameTableModel(
            {k: column_label(PROCEDURE_COLUMNS, "level_reasons" if k.startswith("level_reasons")
                             else k) for k in shown}, formatters)
        self.proxy = _ProcedureFilter(self)
        self.proxy.setSourceModel(self.procedure_model)
        self.procedure_table = _table(self.proxy)
        self.procedure_table.setSortingEnabled(True)
        self.procedure_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.procedure_table.selectionModel().selectionChanged.connect(
            self._on_procedure_selection_changed)

        step_formatters = {
            "actor": _code_formatter(codes.ACTOR), "work_kind": _code_formatter(codes.WORK_KIND),
            "medium": _code_formatter(codes.MEDIUM),
            "wait_days": lambda v: "" if not v else default_format(v),
        }
        self.step_model = DataFrameTableModel(
            {k: column_label(STEP_COLUMNS, k) for k in STEP_COLUMNS}, step_formatters)
        self.step_table = _table(self.step_model)
        self.steps_label = QLabel(tr("no_selection"))

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.section_combo)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(filters)
        upper_layout.addWidget(self.procedure_table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.steps_label)
        lower_layout.addWidget(self.step_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setSizes([360, 260])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def set_project(self, project: Project | None, procedures: pd.DataFrame) -> None:
        self._project = project
        self.procedure_model.set_frame(procedures)
        sections = sorted(procedures["section"].dropna().unique()) if len(procedures) else []
        self.section_combo.blockSignals(True)
        self.section_combo.clear()
        self.section_combo.addItem(tr("all_sections"), "")
        for section in sections:
            self.section_combo.addItem(section, section)
        self.section_combo.blockSignals(False)
        self.procedure_table.resizeColumnsToContents()
        self.procedure_table.setColumnWidth(1, min(self.procedure_table.columnWidth(1), 320))
        self.step_model.set_frame(pd.DataFrame())
        self.steps_label.setText(tr("no_selection"))
        if len(procedures):
            self.procedure_table.selectRow(0)

    def _on_filter_changed(self) -> None:
        self.proxy.text = self.filter_edit.text().strip()
        self.proxy.section = self.section_combo.currentData() or ""
        self.proxy.invalidate()

    def _on_procedure_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        if self._project is None or not selected.indexes():
            return
        row = self.procedure_model.row(self.proxy.mapToSource(selected.indexes()[0]).row())
        self.steps_label.setText(tr("steps_of", name=f"{row['procedure_id']} {row['name']}"))
        self.step_model.set_frame(steps_frame(self._project, row["procedure_id"]))
        self.step_table.resizeColumnsToContents()


def _table(model) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    return table
