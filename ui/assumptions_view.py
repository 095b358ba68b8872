"""Every assumption the figures rest on: unit costs, burden defaults, the readiness rubric.

Read-only here; each value shows its source and whether the project changed it.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QHeaderView, QInputDialog, QLabel, QTableView, QVBoxLayout, QWidget

from bpr_studio.edits import SetUnitCostEdit
from cost_model.assumptions import burden_rows, rubric_rows, unit_cost_rows
from cost_model.readiness import ReadinessRubric
from cost_model.unit_costs import UnitCostTable
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.session import ProjectSession
from ui.table_model import DataFrameTableModel


def unit_cost_frame(table: UnitCostTable) -> pd.DataFrame:
    return pd.DataFrame(unit_cost_rows(table, language()))


def burden_frame() -> pd.DataFrame:
    return pd.DataFrame(burden_rows(language()))


def rubric_frame(rubric: ReadinessRubric) -> pd.DataFrame:
    return pd.DataFrame(rubric_rows(rubric, language()))


class AssumptionsView(LazyRefreshMixin, QWidget):
    """Unit costs are edited in place (undoable); a changed value asks for its source.
    Filled when shown (:class:`ui.lazy.LazyRefreshMixin`): every reload after an edit
    refilled it hidden (~17 ms of the GUI thread at 30,000 procedures)."""

    def __init__(self, session: ProjectSession | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.unit_model = DataFrameTableModel({
            "key": tr("col_key"), "value": tr("col_value_num"), "unit": tr("col_unit"),
            "changed": tr("col_changed"), "source": tr("col_source")}, editable={"value"})
        self.unit_model.edit_requested.connect(self._on_unit_edit_requested)
        self.burden_model = DataFrameTableModel({
            "kind": tr("col_kind"), "physical": tr("col_physical"),
            "cognitive": tr("col_cognitive"), "psychological": tr("col_psychological"),
            "reason": tr("col_reason")})
        self.rubric_model = DataFrameTableModel({"axis": tr("col_axis"),
                                                 "scores": tr("col_scores")})
        layout = QVBoxLayout(self)
        self.tables = []
        for title, model in ((tr("unit_costs_title"), self.unit_model),
                             (tr("burden_title"), self.burden_model),
                             (tr("rubric_title"), self.rubric_model)):
            label = QLabel(f"<b>{title}</b>")
            table = QTableView()
            table.setModel(model)
            table.setEditTriggers(QTableView.EditTrigger.DoubleClicked
                                  | QTableView.EditTrigger.EditKeyPressed)
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setStretchLastSection(True)
            table.setWordWrap(True)
            layout.addWidget(label)
            layout.addWidget(table, 1)
            self.tables.append(table)
        if session is not None:
            session.loaded.connect(self.request_refresh)

    def set_assumptions(self, unit_costs: UnitCostTable, rubric: ReadinessRubric) -> None:
        frames = (unit_cost_frame(unit_costs), burden_frame(), rubric_frame(rubric))
        shown = (self.unit_model.frame, self.burden_model.frame, self.rubric_model.frame)
        if all(new.equals(old) for new, old in zip(frames, shown, strict=True)):
            return  # a reload after a survey edit or an import: fitting rows again costs
        for model, frame in zip((self.unit_model, self.burden_model, self.rubric_model),
                                frames, strict=True):
            model.set_frame(frame)
        for table in self.tables:
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(
                table.model().columnCount() - 1, QHeaderView.ResizeMode.Stretch)
            table.resizeRowsToContents()

    def refresh(self) -> None:
        data = self.session.data if self.session else None
        if data is not None:
            self.set_assumptions(data.unit_costs, data.rubric)

    def _on_unit_edit_requested(self, row: int, _key: str, text: str) -> None:
        if self.session is None or self.session.data is None:
            return
        key = list(self.session.data.unit_costs.project)[row]
        try:
            value = float(text.replace(",", "").replace("¥", ""))
        except ValueError:
            self.session.failed.emit(f"「{text}」は数値ではありません。" if language() == "ja"
                                     else f"'{text}' is not a number.")
            return
        source, ok = QInputDialog.getText(self, tr("col_source"), tr("source_prompt"))
        if ok:
            # The version shown: if someone changed this unit cost since, the edit is
            # refused with who and what, and the view reloads (docs/team.md).
            seen = self.session.data.unit_cost_versions.get(key, 0)
            self.session.push(SetUnitCostEdit(key, value, source.strip() or tr("changed_in_app"),
                                              expected_version=seen))


if __name__ == "__main__":
    from ui.preview import preview

    preview("assumptions_view")
