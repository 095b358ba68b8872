"""A form to enter a new procedure and its steps, for staff who prefer the app to Excel."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpr_studio.edits import AddProcedure, EditError, parse_cell
from bpr_studio.io.survey_format import PROCEDURES, STEPS
from bpr_studio.model import codes
from ui.i18n import language, tr

STEP_FORM_COLUMNS = ("name", "actor", "work_kind", "typical_minutes", "next_steps")


class ProcedureFormDialog(QDialog):
    def __init__(self, section: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("add_procedure"))
        self.resize(760, 520)
        self._edit: AddProcedure | None = None
        self.id_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.section_edit = QLineEdit(section)
        self.category = QComboBox()
        for code in codes.CATEGORY.codes:
            self.category.addItem(code.ja if language() == "ja" else code.en, code.code)
        self.cases = QSpinBox()
        self.cases.setRange(0, 10_000_000)
        self.cases.setGroupSeparatorShown(True)
        form = QFormLayout()
        form.addRow(PROCEDURES.column("procedure_id").ja, self.id_edit)
        form.addRow(PROCEDURES.column("name").ja, self.name_edit)
        form.addRow(PROCEDURES.column("section").ja, self.section_edit)
        form.addRow(PROCEDURES.column("category").ja, self.category)
        form.addRow(PROCEDURES.column("annual_cases").ja, self.cases)
        self.steps = QTableWidget(8, len(STEP_FORM_COLUMNS))
        self.steps.setHorizontalHeaderLabels([STEPS.column(k).ja for k in STEP_FORM_COLUMNS])
        self.steps.horizontalHeader().setStretchLastSection(True)
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
        """The edit the form describes; raises EditError naming the field or the step row."""
        procedure = {
            "procedure_id": parse_cell(PROCEDURES.column("procedure_id"), self.id_edit.text()),
            "name": parse_cell(PROCEDURES.column("name"), self.name_edit.text()),
            "section": parse_cell(PROCEDURES.column("section"), self.section_edit.text()),
            "category": self.category.currentData(), "annual_cases": self.cases.value(),
        }
        rows = []
        for r in range(self.steps.rowCount()):
            cells = {k: (self.steps.item(r, c).text() if self.steps.item(r, c) else "")
                     for c, k in enumerate(STEP_FORM_COLUMNS)}
            if not any(v.strip() for v in cells.values()):
                continue
            parsed = {k: parse_cell(STEPS.column(k), v) for k, v in cells.items()}
            rows.append(parsed)
        steps, links = [], []
        for number, parsed in enumerate(rows, start=1):
            minutes = parsed["typical_minutes"]
            steps.append({"procedure_id": procedure["procedure_id"], "step_no": number,
                          "name": parsed["name"], "actor": parsed["actor"],
                          "work_kind": parsed["work_kind"], "typical_minutes": minutes,
                          "min_minutes": minutes, "max_minutes": minutes, "share_pct": 100.0,
                          "manual_entry": False, "seal": False, "wait_days": 0.0,
                          "staff_category": "regular"})
            following = number + 1 if number < len(rows) else None
            targets = parsed["next_steps"] or [(following, None)]
            if len(targets) > 1 and any(p is None for _t, p in targets):
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
            QMessageBox.warning(self, tr("add_procedure"), exc.message(language()))
            return
        self.accept()

    def edit(self) -> AddProcedure:
        assert self._edit is not None
        return self._edit
