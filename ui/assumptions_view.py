"""Every assumption the figures rest on: unit costs, burden defaults, the readiness rubric.

Read-only here; each value shows its source and whether the project changed it.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from bpr_studio.model import codes
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from cost_model.burden import BURDEN_DEFAULTS
from cost_model.readiness import AXES, ReadinessRubric
from cost_model.unit_costs import UnitCostTable
from ui.i18n import language, tr
from ui.table_model import DataFrameTableModel

_AXIS_LABELS = {"legal": ("法的根拠", "legal basis"), "identity": ("本人確認", "identity check"),
                "attachments": ("添付書類", "attachments"), "fee": ("手数料", "fee")}


def unit_cost_frame(table: UnitCostTable) -> pd.DataFrame:
    ja = language() == "ja"
    rows = []
    for key, entry in table.project.items():
        default = DEFAULTS_BY_KEY[key]
        rows.append({"key": default.ja if ja else default.en, "value": entry.value,
                     "unit": default.unit, "source": entry.source,
                     "changed": "" if entry.is_default else ("変更あり" if ja else "changed")})
    return pd.DataFrame(rows)


def burden_frame() -> pd.DataFrame:
    return pd.DataFrame([{
        "kind": codes.WORK_KIND.label(b.work_kind, language()), "physical": b.physical,
        "cognitive": b.cognitive, "psychological": b.psychological, "reason": b.reason,
    } for b in BURDEN_DEFAULTS.values()])


def rubric_frame(rubric: ReadinessRubric) -> pd.DataFrame:
    ja = language() == "ja"
    rows = []
    lists = {"legal": codes.LEGAL_BASIS, "identity": codes.IDENTITY_CHECK,
             "attachments": codes.ATTACHMENT_KIND, "fee": codes.FEE_PAYMENT}
    extra = {"requirement": ("書面・対面・原本の法的要件", "legal requirement for paper/meeting/original"),
             "unknown": ("不明", "unknown")}
    if ja:
        extra["none"] = ("なし", "none")

    def label(axis: str, key: str) -> str:
        if key in extra:
            return extra[key][0 if ja else 1]
        return lists[axis].label(key, language())

    for axis in AXES:
        scores = "、".join(f"{label(axis, k)}={v}" for k, v in getattr(rubric, axis).items())
        rows.append({"axis": _AXIS_LABELS[axis][0 if ja else 1], "scores": scores})
    bounds = rubric.thresholds
    rows.append({"axis": "レベルの境界" if ja else "level bounds",
                 "scores": f"合計0～{bounds[0]}→1、～{bounds[1]}→2、～{bounds[2]}→3、それ以上または3点の軸→4"
                 if ja else f"sum 0–{bounds[0]}→1, ≤{bounds[1]}→2, ≤{bounds[2]}→3, more or any axis at 3→4"})
    rows.append({"axis": "出典" if ja else "source", "scores": rubric.source})
    return pd.DataFrame(rows)


class AssumptionsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit_model = DataFrameTableModel({
            "key": tr("col_key"), "value": tr("col_value_num"), "unit": tr("col_unit"),
            "changed": tr("col_changed"), "source": tr("col_source")})
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
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setStretchLastSection(True)
            table.setWordWrap(True)
            layout.addWidget(label)
            layout.addWidget(table, 1)
            self.tables.append(table)

    def set_assumptions(self, unit_costs: UnitCostTable, rubric: ReadinessRubric) -> None:
        self.unit_model.set_frame(unit_cost_frame(unit_costs))
        self.burden_model.set_frame(burden_frame())
        self.rubric_model.set_frame(rubric_frame(rubric))
        for table in self.tables:
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(
                table.model().columnCount() - 1, QHeaderView.ResizeMode.Stretch)
            table.resizeRowsToContents()
