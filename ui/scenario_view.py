"""シナリオ: choose the measures of a scenario, their rules and parameters (with sources);
the deterministic savings update at once, the Monte Carlo runs in a worker with Cancel."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis.measures import MEASURES
from analysis.params import PARAMETERS
from analysis.scenario import MeasureUse, Rule, Scenario
from ui.i18n import language, tr
from ui.session import ProjectSession

_RULE_COLUMNS = 3  # enabled, measure, max level, min cases


class ScenarioView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._filling = False
        self.scenario_combo = QComboBox()
        self.scenario_combo.currentIndexChanged.connect(self._on_scenario_combo_changed)
        new = QPushButton(tr("new_scenario"))
        new.clicked.connect(self._on_new_clicked)
        self.measures = QTableWidget(len(MEASURES), 5)
        self.measures.setHorizontalHeaderLabels([tr("measure"), tr("max_level"), tr("min_cases"),
                                                 tr("only_procedures"), tr("applied_to")])
        self.measures.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.measures.verticalHeader().setVisible(False)
        self.measures.itemChanged.connect(self._on_table_changed)
        self.parameters = QTableWidget(len(PARAMETERS), 5)
        self.parameters.setHorizontalHeaderLabels([tr("parameter"), tr("col_value_num"),
                                                   tr("range"), tr("col_unit"), tr("col_source")])
        self.parameters.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.parameters.verticalHeader().setVisible(False)
        self.parameters.itemChanged.connect(self._on_table_changed)
        self.deltas = QLabel()
        self.deltas.setWordWrap(True)
        self.deltas.setStyleSheet("QLabel { background: #E2EFDA; padding: 6px; }")
        self.replications = QSpinBox()
        self.replications.setRange(10, 10000)
        self.replications.setValue(1000)
        self.replications.setSingleStep(100)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setValue(1)
        self.run_button = QPushButton(tr("run_simulation"))
        self.run_button.clicked.connect(self._on_run_clicked)
        self.cancel_button = QPushButton(tr("cancel"))
        self.cancel_button.clicked.connect(session.simulator.cancel)
        self.progress = QProgressBar()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("scenario")))
        top.addWidget(self.scenario_combo, 1)
        top.addWidget(new)
        run = QHBoxLayout()
        run.addWidget(QLabel(tr("replications")))
        run.addWidget(self.replications)
        run.addWidget(QLabel(tr("seed")))
        run.addWidget(self.seed)
        run.addWidget(self.run_button)
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.measures, 2)
        layout.addWidget(QLabel(f"<b>{tr('parameters_title')}</b>"))
        layout.addWidget(self.parameters, 2)
        layout.addWidget(self.deltas)
        layout.addLayout(run)
        session.loaded.connect(self._fill_scenarios)
        session.scenario_changed.connect(self._fill_tables)
        session.comparison_ready.connect(self._on_comparison_ready)
        session.simulator.progressed.connect(self._on_simulator_progressed)
        session.simulator.finished.connect(self._update_run_buttons)
        self._update_run_buttons()

    # --- filling -------------------------------------------------------------------
    def _fill_scenarios(self) -> None:
        data = self.session.data
        if data is None:
            return
        self.scenario_combo.blockSignals(True)
        self.scenario_combo.clear()
        for scenario in data.scenarios:
            self.scenario_combo.addItem(scenario.name)
        if self.session.scenario is not None:
            self.scenario_combo.setCurrentText(self.session.scenario.name)
        self.scenario_combo.blockSignals(False)
        self._fill_tables()

    def _fill_tables(self) -> None:
        scenario = self.session.scenario
        if scenario is None:
            return
        self._filling = True
        uses = {u.measure: u for u in scenario.measures}
        values = self.session.values()
        for r, (key, measure) in enumerate(MEASURES.items()):
            use = uses.get(key)
            item = QTableWidgetItem(measure.ja if language() == "ja" else measure.en)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setCheckState(Qt.CheckState.Checked if use else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if measure.needs_steps:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(tr("needs_steps"))
            self.measures.setItem(r, 0, item)
            rule = use.rule if use else Rule()
            self.measures.setItem(r, 1, QTableWidgetItem("" if rule.max_level is None
                                                         else str(rule.max_level)))
            self.measures.setItem(r, 2, QTableWidgetItem("" if rule.min_cases is None
                                                         else str(rule.min_cases)))
            self.measures.setItem(r, 3, QTableWidgetItem(", ".join(rule.procedure_ids or [])))
            self.measures.setItem(r, 4, QTableWidgetItem(""))
        for r, (key, parameter) in enumerate(PARAMETERS.items()):
            label = QTableWidgetItem(parameter.ja if language() == "ja" else parameter.en)
            label.setData(Qt.ItemDataRole.UserRole, key)
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value = QTableWidgetItem(f"{values.get(key, parameter.default):g}")
            if key in values:
                value.setBackground(Qt.GlobalColor.yellow)
            self.parameters.setItem(r, 0, label)
            self.parameters.setItem(r, 1, value)
            for c, text in ((2, f"{parameter.low:g} – {parameter.high:g}"), (3, parameter.unit),
                            (4, parameter.source)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.parameters.setItem(r, c, item)
        self.measures.resizeColumnsToContents()
        self.parameters.resizeColumnToContents(0)
        self._filling = False

    # --- editing -------------------------------------------------------------------
    def scenario_from_tables(self) -> Scenario:
        """The scenario the tables describe (invalid numbers are ignored, not guessed)."""
        assert self.session.scenario is not None
        overrides = {}
        for r in range(self.parameters.rowCount()):
            key = self.parameters.item(r, 0).data(Qt.ItemDataRole.UserRole)
            try:
                number = float(self.parameters.item(r, 1).text())
            except ValueError:
                continue
            parameter = PARAMETERS[key]
            if number != parameter.default and parameter.low <= number <= parameter.high:
                overrides[key] = number
        uses = []
        for r in range(self.measures.rowCount()):
            item = self.measures.item(r, 0)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            key = item.data(Qt.ItemDataRole.UserRole)
            previous = next((u for u in self.session.scenario.measures if u.measure == key), None)
            rule = copy.deepcopy(previous.rule) if previous else Rule()
            rule.max_level = _int_or_none(self.measures.item(r, 1).text())
            rule.min_cases = _int_or_none(self.measures.item(r, 2).text())
            ids = [p.strip() for p in self.measures.item(r, 3).text().replace("、", ",").split(",")
                   if p.strip()]
            rule.procedure_ids = ids or None
            params = {k: v for k, v in overrides.items() if k in MEASURES[key].parameters}
            uses.append(MeasureUse(key, params, rule))
        return Scenario(self.session.scenario.name, uses, self.session.scenario.description)

    def _on_table_changed(self, _item: QTableWidgetItem) -> None:
        if not self._filling and self.session.scenario is not None:
            self.session.set_scenario(self.scenario_from_tables(), save=True)

    def _on_scenario_combo_changed(self) -> None:
        data = self.session.data
        name = self.scenario_combo.currentText()
        if data is not None:
            chosen = next((s for s in data.scenarios if s.name == name), None)
            if chosen is not None:
                self.session.set_scenario(chosen)

    def _on_new_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, tr("new_scenario"), tr("scenario_name"))
        if ok and name.strip() and self.session.data is not None:
            scenario = Scenario(name.strip(), copy.deepcopy(self.session.scenario.measures)
                                if self.session.scenario else [], "")
            self.session.data.scenarios.append(scenario)
            self.scenario_combo.addItem(scenario.name)
            self.session.set_scenario(scenario, save=True)
            self.scenario_combo.setCurrentText(scenario.name)

    # --- results -------------------------------------------------------------------
    def _on_comparison_ready(self, comparison: object) -> None:
        city = self.session.comparison.city()["saved"]
        self.deltas.setText(tr("deltas", hours=city["staff_time_h"], fte=city["staff_fte"],
                               yen=city["staff_economic_yen"] / 1e6, visits=city["citizen_visits"],
                               citizen=city["citizen_time_h"]))
        applied: dict[str, int] = {}
        refused: dict[str, int] = {}
        for application in self.session.comparison.applications:
            bucket = applied if application.applied else refused
            bucket[application.measure] = bucket.get(application.measure, 0) + 1
        self._filling = True
        for r in range(self.measures.rowCount()):
            key = self.measures.item(r, 0).data(Qt.ItemDataRole.UserRole)
            text = tr("applied_count", n=applied.get(key, 0), refused=refused.get(key, 0)) \
                if key in applied or key in refused else ""
            self.measures.item(r, 4).setText(text)
        self._filling = False

    def _on_run_clicked(self) -> None:
        self.progress.setValue(0)
        self.session.simulate(self.replications.value(), self.seed.value())
        self._update_run_buttons()

    def _on_simulator_progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{label} %p%")

    def _update_run_buttons(self) -> None:
        running = self.session.simulator.running
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)


def _int_or_none(text: str) -> int | None:
    try:
        return int(float(text.replace(",", "")))
    except ValueError:
        return None


if __name__ == "__main__":
    from ui.preview import preview

    preview("scenario_view")
