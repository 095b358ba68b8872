"""調査データ: the procedures (filter by text, section, level, category) and the steps of the
selected one, both editable in place with the importer's validation and undo/redo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpr_studio.edits import SetProcedureField, SetStepField
from bpr_studio.model import codes
from bpr_studio.queries import steps_frame
from bpr_studio.store import open_project
from ui.i18n import PROCEDURE_COLUMNS, STEP_COLUMNS, column_label, language, tr
from ui.notify import show_message
from ui.procedure_form import ProcedureFormDialog
from ui.session import ProjectSession
from ui.table_model import DataFrameTableModel, default_format


def _code_formatter(code_list: codes.CodeList):
    def format_code(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return code_list.label(str(value), language())
    return format_code


def _version(row: pd.Series) -> int | None:
    """The row version the user is looking at: an edit on it is refused if someone else
    changed the row since (bpr_studio.edits.StaleEditError)."""
    value = row.get("row_version")
    return None if value is None or pd.isna(value) else int(value)


def _whole(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def filtered_rows(frame: pd.DataFrame, text: str = "", section: str = "", level: int = 0,
                  category: str = "") -> np.ndarray | None:
    """Positions of the procedures that pass the filters (None: no filter set), for all rows
    at once: text in the ID, name or section (any case), section, level, category."""
    if frame.empty or not (text or section or level or category):
        return None
    keep = np.ones(len(frame), dtype=bool)
    if section:
        keep &= (frame["section"] == section).to_numpy()
    if level:
        keep &= (pd.to_numeric(frame["level"], errors="coerce") == level).to_numpy()
    if category:
        keep &= (frame["category"] == category).to_numpy()
    if text:
        haystack = (frame["procedure_id"].astype(str) + " " + frame["name"].astype(str) + " "
                    + frame["section"].astype(str)).str.lower()
        keep &= haystack.str.contains(text.lower(), regex=False).to_numpy()
    return np.flatnonzero(keep)


PROCEDURE_EDITABLE = {"name", "category", "annual_cases", "online_cases", "fee_yen",
                      "identity_check", "attachment_kind"}
STEP_EDITABLE = {"name", "actor", "work_kind", "min_minutes", "typical_minutes", "max_minutes",
                 "next_steps", "medium", "manual_entry", "seal", "wait_days"}


class SurveyView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._steps_of: str | None = None
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("filter_placeholder"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.section_combo = QComboBox()
        self.section_combo.setMinimumWidth(160)
        self.section_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.level_combo = QComboBox()
        self.level_combo.addItem(tr("all_levels"), 0)
        for level in range(1, 5):
            self.level_combo.addItem(tr("level_n", n=level), level)
        self.level_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.category_combo = QComboBox()
        self.category_combo.addItem(tr("all_categories"), "")
        for code in codes.CATEGORY.codes:
            self.category_combo.addItem(codes.CATEGORY.label(code.code, language()), code.code)
        self.category_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.add_button = QPushButton(tr("add_procedure"))
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.export_button = QPushButton(tr("export_section"))
        self.export_button.clicked.connect(self._on_export_button_clicked)

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
                             else k) for k in shown}, formatters, editable=PROCEDURE_EDITABLE,
            key="procedure_id")
        self.procedure_model.edit_requested.connect(self._on_procedure_edit_requested)
        # The model filters and sorts itself (ui.table_model): no proxy calling Python for
        # each of a prefecture's 30,000 rows.
        self.procedure_table = _table(self.procedure_model)
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
            {k: column_label(STEP_COLUMNS, k) for k in STEP_COLUMNS}, step_formatters,
            editable=STEP_EDITABLE, key="id")
        self.step_model.edit_requested.connect(self._on_step_edit_requested)
        self.step_table = _table(self.step_model)
        self.steps_label = QLabel(tr("no_selection"))

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.section_combo)
        filters.addWidget(self.level_combo)
        filters.addWidget(self.category_combo)
        filters.addWidget(self.add_button)
        filters.addWidget(self.export_button)
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

        self._sized = False
        self._sections: list[str] | None = None  # the sections in the filter's list
        session.loaded.connect(self._on_session_loaded)
        session.selection_changed.connect(self._on_session_selection_changed)

    def _on_session_selection_changed(self, procedure_id: str) -> None:
        if procedure_id != self._steps_of:
            self._select(procedure_id)
            self._show_steps(procedure_id)

    def _on_session_loaded(self) -> None:
        data = self.session.data
        if data is None:
            return
        selected = self.session.selected
        procedures = data.procedures
        # After an edit the same procedures come back: the list refreshes in place and
        # keeps its sort, filter, selection and scroll position (ui.table_model).
        self.procedure_model.set_frame(procedures, self._filtered(procedures))
        sections = list(data.summary.sections if data.summary is not None else (
            sorted(procedures["section"].dropna().unique()) if len(procedures) else []))
        if sections != self._sections:  # a prefecture's 400 sections: refilled on change only
            self._fill_sections(sections)
        if not self._sized:  # fit the columns once; later reloads keep the user's widths
            self._sized = True
            # In an event of its own: at 30,000 procedures the fit (60 sampled rows, each
            # column's 30,000 values made ready to paint) and selecting the first row
            # (its steps read, their columns fitted) took 90 ms as one block.
            QTimer.singleShot(0, self._fit_procedure_columns)
        if selected is not None and self.procedure_model.find(selected) is not None:
            self._select(selected)
            # Its steps came with the data (read in the worker), unless it was selected
            # after the load was asked for.
            steps = data.selected_steps
            self._show_steps(selected, steps[1] if steps is not None and steps[0] == selected
                             else None)
        elif len(procedures):
            self.procedure_table.selectRow(0)

    def _fit_procedure_columns(self) -> None:
        self.procedure_table.resizeColumnsToContents()
        self.procedure_table.setColumnWidth(1, min(self.procedure_table.columnWidth(1), 320))

    def _fill_sections(self, sections: list[str]) -> None:
        self._sections = sections
        current = self.section_combo.currentData()
        self.section_combo.blockSignals(True)
        self.section_combo.clear()
        self.section_combo.addItem(tr("all_sections"), "")
        for section in sections:
            self.section_combo.addItem(section, section)
        index = self.section_combo.findData(current) if current else 0
        self.section_combo.setCurrentIndex(max(index, 0))
        self.section_combo.blockSignals(False)
        if (self.section_combo.currentData() or "") != (current or ""):  # the section is gone
            self._on_filter_changed()

    def _select(self, procedure_id: str) -> None:
        row = self.procedure_model.find(procedure_id)
        shown = self.procedure_model.view_row(row) if row is not None else None
        if shown is not None and self.procedure_table.currentIndex().row() == shown \
                and self.procedure_table.selectionModel().isRowSelected(shown):
            return  # already selected (a reload kept it)
        if shown is not None:
            self.procedure_table.selectionModel().blockSignals(True)
            self.procedure_table.selectRow(shown)
            self.procedure_table.selectionModel().blockSignals(False)

    def _filtered(self, frame: pd.DataFrame) -> np.ndarray | None:
        return filtered_rows(frame, self.filter_edit.text().strip(),
                             self.section_combo.currentData() or "",
                             self.level_combo.currentData() or 0,
                             self.category_combo.currentData() or "")

    def _on_filter_changed(self) -> None:
        self.procedure_model.show_rows(self._filtered(self.procedure_model.frame))

    def _on_procedure_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        if not selected.indexes():
            return
        row = self.procedure_model.row(selected.indexes()[0].row())
        self._show_steps(row["procedure_id"])
        self.session.select(row["procedure_id"])

    def _show_steps(self, procedure_id: str, steps: pd.DataFrame | None = None) -> None:
        """Show a procedure's steps: ``steps`` (read with the data just loaded), or read
        now."""
        row = self.procedure_model.find(procedure_id)
        name = "" if row is None else self.procedure_model.frame["name"].iat[row]
        self.steps_label.setText(tr("steps_of", name=f"{procedure_id} {name}"))
        project = self.session.project
        if project is None:
            return
        if steps is None:
            # One procedure's few rows, read through the session's open project: opening
            # the file again (its schema check included) on the GUI thread cost more.
            steps = steps_frame(project, procedure_id)
        self.step_model.set_frame(steps)
        if procedure_id != self._steps_of:
            # Fitted when another procedure is shown, not when the project reloads after
            # an edit (the user's widths stay; fitting cost 60-110 ms at 30,000 procedures).
            self.step_table.resizeColumnsToContents()
        self._steps_of = procedure_id

    # --- edits -----------------------------------------------------------------------
    def _on_procedure_edit_requested(self, row: int, key: str, text: str) -> None:
        shown = self.procedure_model.row(row)
        self.session.push(SetProcedureField(shown["procedure_id"], key, text,
                                            expected_version=_version(shown)))

    def _on_step_edit_requested(self, row: int, key: str, text: str) -> None:
        step = self.step_model.row(row)
        self.session.push(SetStepField(step["procedure_id"], int(step["step_no"]), key, text,
                                       expected_version=_version(step)))

    def _on_add_button_clicked(self) -> None:
        dialog = ProcedureFormDialog(self.section_combo.currentData() or "", self)
        if dialog.exec() and self.session.push(dialog.edit()):
            self.session.select(dialog.edit().procedure["procedure_id"])

    def _on_export_button_clicked(self) -> None:
        section = self.section_combo.currentData()
        if not section or self.session.path is None:
            show_message(self, tr("export_section"), tr("choose_section_first"))
            return
        out, _ = QFileDialog.getSaveFileName(self, tr("export_section"), f"業務量調査票_{section}.xlsx",
                                             tr("excel_filter"))
        if out:
            with open_project(self.session.path) as project:
                from bpr_studio.io.survey_export import export_section

                export_section(project, section, Path(out))


def _table(model) -> QTableView:
    table = QTableView()
    table.setModel(model)
    # Fit columns to a sample of rows: measuring all 3,000 rows freezes the window.
    table.horizontalHeader().setResizeContentsPrecision(60)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                          | QAbstractItemView.EditTrigger.EditKeyPressed
                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    return table


if __name__ == "__main__":
    from ui.preview import preview

    preview("survey_view")
