"""A form to enter a new procedure and its steps, for staff who prefer the app to Excel.

It asks what the survey template asks: the coded columns are drop-downs with the
template's choices (bpr_studio.model.codes), and each step has 最短/標準/最長, 待ち日数 and
媒体, so a procedure entered here is as complete as one imported from a workbook.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpr_studio.edits import AddProcedure, EditError, parse_cell
from bpr_studio.io.survey_format import PROCEDURES, STEPS
from ui.i18n import language, tr

STEP_FORM_COLUMNS = ("name", "actor", "work_kind", "min_minutes", "typical_minutes",
                     "max_minutes", "wait_days", "medium", "manual_entry", "seal", "next_steps")
# Procedure columns the template offers as drop-downs (optional ones may stay blank).
PROCEDURE_CODE_COLUMNS = ("category", "legal_basis", "identity_check", "attachment_kind",
                          "fee_payment")
YES_NO = ("○", "×")


def _choices(key: str) -> list[str]:
    column = STEPS.column(key)
    if column.code_list is not None:
        return [c.ja if language() == "ja" else c.en for c in column.code_list.codes]
    return list(YES_NO) if column.kind == "bool" else []


class _ChoiceDelegate(QStyledItemDelegate):
    """A drop-down editor for the step columns that are coded in the template."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        choices = _choices(STEP_FORM_COLUMNS[index.column()])
        if not choices:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems(["", *choices])
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data() or ""))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,  # noqa: N802
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())
        else:
            super().setModelData(editor, model, index)


class ProcedureFormDialog(QDialog):
    def __init__(self, section: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("add_procedure"))
        self.resize(980, 560)
        self._edit: AddProcedure | None = None
        self.problem_row: int | None = None  # the step row a refused value is in
        self.id_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.section_edit = QLineEdit(section)
        self.codes: dict[str, QComboBox] = {}
        for key in PROCEDURE_CODE_COLUMNS:
            column = PROCEDURES.column(key)
            combo = QComboBox()
            if not column.required and key != "category":
                combo.addItem(tr("not_filled"), None)
            assert column.code_list is not None
            for code in column.code_list.codes:
                combo.addItem(code.ja if language() == "ja" else code.en, code.code)
            self.codes[key] = combo
        self.category = self.codes["category"]
        self.cases = QSpinBox()
        self.cases.setRange(0, 10_000_000)
        self.cases.setGroupSeparatorShown(True)
        self.fee = QSpinBox()
        self.fee.setRange(0, 1_000_000)
        self.fee.setGroupSeparatorShown(True)
        form = QFormLayout()
        label = (lambda k: PROCEDURES.column(k).ja) if language() == "ja" else \
            (lambda k: PROCEDURES.column(k).en)
        form.addRow(label("procedure_id"), self.id_edit)
        form.addRow(label("name"), self.name_edit)
        form.addRow(label("section"), self.section_edit)
        form.addRow(label("annual_cases"), self.cases)
        for key in PROCEDURE_CODE_COLUMNS:
            form.addRow(label(key), self.codes[key])
        form.addRow(label("fee_yen"), self.fee)
        self.steps = QTableWidget(8, len(STEP_FORM_COLUMNS))
        self.steps.setHorizontalHeaderLabels([STEPS.column(k).ja if language() == "ja"
                                              else STEPS.column(k).en for k in STEP_FORM_COLUMNS])
        for c, key in enumerate(STEP_FORM_COLUMNS):
            header_item = self.steps.horizontalHeaderItem(c)
            if header_item is not None:
                header_item.setToolTip(STEPS.column(key).help_ja)
        self.steps.setItemDelegate(_ChoiceDelegate(self.steps))
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("steps_hint")))
        layout.addWidget(self.steps, 1)
        layout.addWidget(buttons)

    def set_step(self, row: int, values: dict[str, str]) -> None:
        for column, key in enumerate(STEP_FORM_COLUMNS):
            self.steps.setItem(row, column, QTableWidgetItem(values.get(key, "")))

    def build(self) -> AddProcedure:
        """The edit the form describes; raises EditError naming the field (and
        ``problem_row``, the step row, when the problem is in a step)."""
        self.problem_row = None
        procedure: dict[str, Any] = {
            "procedure_id": parse_cell(PROCEDURES.column("procedure_id"), self.id_edit.text()),
            "name": parse_cell(PROCEDURES.column("name"), self.name_edit.text()),
            "section": parse_cell(PROCEDURES.column("section"), self.section_edit.text()),
            "annual_cases": self.cases.value(), "fee_yen": float(self.fee.value()),
        }
        procedure.update({k: combo.currentData() for k, combo in self.codes.items()})
        rows = []
        for r in range(self.steps.rowCount()):
            cells = {k: (item.text() if (item := self.steps.item(r, c)) is not None else "")
                     for c, k in enumerate(STEP_FORM_COLUMNS)}
            if not any(v.strip() for v in cells.values()):
                continue
            self.problem_row = r + 1
            parsed = {k: parse_cell(STEPS.column(k), v) for k, v in cells.items()}
            typical = parsed["typical_minutes"]
            low = typical if parsed["min_minutes"] is None else parsed["min_minutes"]
            high = typical if parsed["max_minutes"] is None else parsed["max_minutes"]
            if not low <= typical <= high:
                raise EditError("min_typical_max", min=f"{low:g}", typical=f"{typical:g}",
                                max=f"{high:g}")
            parsed.update(min_minutes=low, max_minutes=high)
            rows.append(parsed)
        self.problem_row = None
        steps: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for number, parsed in enumerate(rows, start=1):
            steps.append({"procedure_id": procedure["procedure_id"], "step_no": number,
                          "name": parsed["name"], "actor": parsed["actor"],
                          "work_kind": parsed["work_kind"],
                          "typical_minutes": parsed["typical_minutes"],
                          "min_minutes": parsed["min_minutes"],
                          "max_minutes": parsed["max_minutes"], "share_pct": 100.0,
                          "medium": parsed["medium"],
                          "manual_entry": bool(parsed["manual_entry"]),
                          "seal": bool(parsed["seal"]),
                          "wait_days": float(parsed["wait_days"] or 0.0),
                          "staff_category": "regular"})
            following = number + 1 if number < len(rows) else None
            targets = parsed["next_steps"] or [(following, None)]
            if getattr(targets, "parallel", False):  # 4&5: every branch runs
                links.extend({"procedure_id": procedure["procedure_id"], "from_step_no": number,
                              "to_step_no": target, "parallel": True,
                              "probability": 1.0 if pct is None else pct / 100}
                             for target, pct in targets)
                continue
            if len(targets) > 1 and any(p is None for _t, p in targets):
                self.problem_row = number
                raise EditError("branch_missing_pct")
            total = sum(p for _t, p in targets if p is not None) or 100.0
            for target, pct in targets:
                links.append({"procedure_id": procedure["procedure_id"], "from_step_no": number,
                              "to_step_no": target, "probability": (pct or 100.0) / total})
        return AddProcedure(procedure, steps, links)

    def _on_buttons_accepted(self) -> None:
        try:
            self._edit = self.build()
        except EditError as exc:
            text = exc.message(language())
            if self.problem_row is not None:
                text = tr("step_row_problem", row=self.problem_row) + text
            QMessageBox.warning(self, tr("add_procedure"), text)
            return
        self.accept()

    def edit(self) -> AddProcedure:
        assert self._edit is not None
        return self._edit
