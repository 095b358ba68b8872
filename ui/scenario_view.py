"""シナリオ: choose the measures of a scenario, their rules and parameters (with sources);
create (blank or a copy), rename, delete and compare scenarios. Every change is a core
edit (bpr_studio.scenario_edits) on the undo stack; a value outside its published range
is refused with a message that says the range, and stays typed so it can be corrected.
The deterministic savings update shortly after (edits in a burst start one comparison);
the Monte Carlo runs in a worker with Cancel."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.measures import MEASURES
from analysis.params import PARAMETERS
from analysis.scenario import MeasureUse, Rule, Scenario
from bpr_studio.edits import EditError
from bpr_studio.scenario_edits import (
    DeleteScenario,
    RenameScenario,
    SaveScenario,
    new_scenario,
    parse_parameter,
)
from ui.i18n import language, tr
from ui.saving_text import headline_lines
from ui.scenario_compare import NewScenarioDialog, ScenarioCompareWidget
from ui.session import ProjectSession

INVALID = QColor("#F8CBAD")
CHANGED = QColor("#FFF2CC")
VALUE_COLUMN = 1


def _item_at(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """A cell of one of the view's tables (the view puts an item in every cell)."""
    item = table.item(row, column)
    assert item is not None
    return item


class ScenarioView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._filling = False
        self._invalid: dict[tuple[str, int, int], str] = {}  # typed text kept for correction
        self._filled_name: str | None = None
        # The scenario as the tables show it (a copy): a reload that brings the same one
        # back (after a survey edit or an import) leaves them be instead of refilling
        # ~40 items and fitting them (~17 ms of the GUI thread).
        self._filled: Scenario | None = None
        self.scenario_combo = QComboBox()
        self.scenario_combo.currentIndexChanged.connect(self._on_scenario_combo_changed)
        self.new_button = QPushButton(tr("new_scenario"))
        self.new_button.clicked.connect(self._on_new_clicked)
        self.rename_button = QPushButton(tr("rename_scenario"))
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button = QPushButton(tr("delete_scenario"))
        self.delete_button.setToolTip(tr("delete_scenario_tip"))
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.measures = QTableWidget(len(MEASURES), 5)
        self.measures.setHorizontalHeaderLabels([tr("measure"), tr("max_level"), tr("min_cases"),
                                                 tr("only_procedures"), tr("applied_to")])
        header = self.measures.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(70)
        self.measures.verticalHeader().setVisible(False)
        self.measures.itemChanged.connect(self._on_measures_item_changed)
        self.parameters = QTableWidget(len(PARAMETERS), 5)
        self.parameters.setHorizontalHeaderLabels([tr("parameter"), tr("col_value_num"),
                                                   tr("range"), tr("col_unit"), tr("col_source")])
        self.parameters.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.parameters.verticalHeader().setVisible(False)
        self.parameters.setWordWrap(True)
        self.parameters.itemChanged.connect(self._on_parameters_item_changed)
        self.problem = QLabel()  # why a typed value was refused, with the allowed range
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("QLabel { color: #9C0006; background: #FFC7CE; padding: 4px; }")
        self.problem.hide()
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
        for button in (self.new_button, self.rename_button, self.delete_button):
            top.addWidget(button)
        run = QHBoxLayout()
        run.addWidget(QLabel(tr("replications")))
        run.addWidget(self.replications)
        run.addWidget(QLabel(tr("seed")))
        run.addWidget(self.seed)
        run.addWidget(self.run_button)
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_button)
        editor = QWidget()
        edit_layout = QVBoxLayout(editor)
        edit_layout.setContentsMargins(0, 0, 0, 0)
        edit_layout.addWidget(self.measures, 2)
        edit_layout.addWidget(QLabel(f"<b>{tr('parameters_title')}</b>"))
        edit_layout.addWidget(self.parameters, 3)
        edit_layout.addWidget(self.problem)
        edit_layout.addWidget(self.deltas)
        edit_layout.addLayout(run)
        self.compare = ScenarioCompareWidget(session)
        self.tabs = QTabWidget()
        self.tabs.addTab(editor, tr("tab_edit_scenario"))
        self.tabs.addTab(self.compare, tr("tab_compare_scenarios"))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        session.loaded.connect(self._fill_scenarios)
        session.scenarios_changed.connect(self._fill_scenarios)
        session.scenario_changed.connect(self._fill_tables)
        session.comparison_ready.connect(self._on_comparison_ready)
        session.simulation_ready.connect(self._show_headline)
        session.simulator.progressed.connect(self._on_simulator_progressed)
        session.simulator.finished.connect(self._update_run_buttons)
        self._update_run_buttons()

    # --- filling -------------------------------------------------------------------
    def _fill_scenarios(self) -> None:
        data = self.session.data
        if data is None:
            return
        self.scenario_combo.blockSignals(True)
        names = [scenario.name for scenario in data.scenarios]
        if names != [self.scenario_combo.itemText(i) for i in range(self.scenario_combo.count())]:
            self.scenario_combo.clear()
            self.scenario_combo.addItems(names)
        if self.session.scenario is not None:
            self.scenario_combo.setCurrentText(self.session.scenario.name)
        self.scenario_combo.blockSignals(False)
        self.delete_button.setEnabled(len(data.scenarios) > 1)
        self._fill_tables()

    def _fill_tables(self) -> None:
        scenario = self.session.scenario
        if scenario is None:
            return
        self.scenario_combo.blockSignals(True)
        self.scenario_combo.setCurrentText(scenario.name)
        self.scenario_combo.blockSignals(False)
        if scenario == self._filled:
            return  # the tables show it already (typed values kept)
        if scenario.name != self._filled_name:
            self._invalid.clear()  # typed values belonged to the scenario shown before
            self._show_problem(None)
        self._filled_name = scenario.name
        self._filled = copy.deepcopy(scenario)
        self._filling = True
        ja = language() == "ja"
        uses = {u.measure: u for u in scenario.measures}
        values = self.session.values()
        for r, (key, measure) in enumerate(MEASURES.items()):
            use = uses.get(key)
            item = QTableWidgetItem(measure.ja if ja else measure.en)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setCheckState(Qt.CheckState.Checked if use else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if measure.needs_steps:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(tr("needs_steps"))
            self.measures.setItem(r, 0, item)
            rule = use.rule if use else Rule()
            for c, text in ((1, "" if rule.max_level is None else str(rule.max_level)),
                            (2, "" if rule.min_cases is None else str(rule.min_cases)),
                            (3, ", ".join(rule.procedure_ids or []))):
                self.measures.setItem(r, c, self._cell("measures", r, c, text))
            self.measures.setItem(r, 4, QTableWidgetItem(""))
        for r, (key, parameter) in enumerate(PARAMETERS.items()):
            label = QTableWidgetItem(parameter.ja if ja else parameter.en)
            label.setData(Qt.ItemDataRole.UserRole, key)
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value = self._cell("parameters", r, VALUE_COLUMN,
                               f"{values.get(key, parameter.default):g}")
            if key in values and ("parameters", r, VALUE_COLUMN) not in self._invalid:
                value.setBackground(CHANGED)
                value.setToolTip(tr("changed_from_default", default=f"{parameter.default:g}"))
            self.parameters.setItem(r, 0, label)
            self.parameters.setItem(r, VALUE_COLUMN, value)
            for c, text in ((2, f"{parameter.low:g} – {parameter.high:g}"), (3, parameter.unit),
                            (4, parameter.source)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if c == 4:
                    item.setToolTip(parameter.source)
                self.parameters.setItem(r, c, item)
        self.measures.resizeColumnsToContents()
        self.parameters.resizeColumnsToContents()
        self.parameters.resizeRowsToContents()
        self._filling = False

    def _cell(self, table: str, row: int, column: int, text: str) -> QTableWidgetItem:
        """An editable cell; a refused value typed earlier is shown again, marked."""
        typed = self._invalid.get((table, row, column))
        item = QTableWidgetItem(text if typed is None else typed)
        if typed is not None:
            item.setBackground(QBrush(INVALID))
        return item

    # --- editing -------------------------------------------------------------------
    def _on_parameters_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or self.session.scenario is None or item.column() != VALUE_COLUMN:
            return
        key = _item_at(self.parameters, item.row(), 0).data(Qt.ItemDataRole.UserRole)
        place = ("parameters", item.row(), VALUE_COLUMN)
        try:
            number = parse_parameter(key, item.text())
        except EditError as problem:
            self._refuse(place, item, problem)
            return
        self._accept(place)
        scenario = copy.deepcopy(self.session.scenario)
        scenario.params[key] = number
        if number == PARAMETERS[key].default and not any(key in u.params
                                                         for u in scenario.measures):
            del scenario.params[key]  # back to the default: no override left behind
        if scenario != self.session.scenario:
            self._save(scenario)

    def _save(self, scenario: Scenario) -> None:
        """Save the scenario the tables now describe; refused (someone else changed it, or
        a rule that cannot hold), the tables are filled again from the session's scenario
        when it next comes (they show a change it does not have)."""
        if not self.session.push(SaveScenario(
                scenario, expected_version=self.session.scenario_version(scenario.name))):
            self._filled = None

    def _on_measures_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or self.session.scenario is None or item.column() == 4:
            return
        place = ("measures", item.row(), item.column())
        try:
            scenario = self.scenario_from_tables()
        except EditError as problem:
            self._refuse(place, item, problem)
            return
        self._accept(place)
        if scenario != self.session.scenario:
            self._save(scenario)

    def _refuse(self, place: tuple[str, int, int], item: QTableWidgetItem,
                problem: EditError) -> None:
        self._invalid[place] = item.text()
        self._filling = True
        item.setBackground(QBrush(INVALID))
        item.setToolTip(problem.message(language()))
        self._filling = False
        self._show_problem(problem.message(language()))

    def _accept(self, place: tuple[str, int, int]) -> None:
        self._invalid.pop(place, None)
        self._show_problem(None)

    def _show_problem(self, text: str | None) -> None:
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))

    def scenario_from_tables(self) -> Scenario:
        """The scenario the measures table describes (raises EditError on a bad rule)."""
        assert self.session.scenario is not None
        uses = []
        for r in range(self.measures.rowCount()):
            item = _item_at(self.measures, r, 0)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            key = item.data(Qt.ItemDataRole.UserRole)
            previous = next((u for u in self.session.scenario.measures if u.measure == key), None)
            rule = copy.deepcopy(previous.rule) if previous else Rule()
            rule.max_level = _whole(_item_at(self.measures, r, 1).text(), tr("max_level"), 1, 4)
            rule.min_cases = _whole(_item_at(self.measures, r, 2).text(), tr("min_cases"), 0, None)
            ids = [p.strip() for p in _item_at(self.measures, r, 3).text().replace("、", ",").split(",")
                   if p.strip()]
            rule.procedure_ids = ids or None
            uses.append(MeasureUse(key, dict(previous.params) if previous else {}, rule))
        current = self.session.scenario
        return Scenario(current.name, uses, current.description, dict(current.params))

    def _on_scenario_combo_changed(self) -> None:
        data = self.session.data
        name = self.scenario_combo.currentText()
        if data is not None:
            chosen = next((s for s in data.scenarios if s.name == name), None)
            if chosen is not None and chosen is not self.session.scenario:
                self.session.set_scenario(chosen)

    def _on_new_clicked(self) -> None:
        dialog = NewScenarioDialog(self.session.scenario, self)
        dialog.accepted.connect(lambda: self.create_scenario(dialog.name(), dialog.copy_current()))
        dialog.open()

    def create_scenario(self, name: str, copy_current: bool) -> bool:
        """A new scenario, blank or a copy of the current one, shown at once (undoable)."""
        return self.session.push(new_scenario(name, self.session.scenario if copy_current
                                              else None))

    def _on_rename_clicked(self) -> None:
        if self.session.scenario is None:
            return
        name, ok = QInputDialog.getText(self, tr("rename_scenario"), tr("scenario_name"),
                                        text=self.session.scenario.name)
        if ok:
            self.rename_current(name)

    def rename_current(self, name: str) -> bool:
        assert self.session.scenario is not None
        if name.strip() == self.session.scenario.name:
            return False
        return self.session.push(RenameScenario(self.session.scenario.name, name))

    def _on_delete_clicked(self) -> None:
        self.delete_current()

    def delete_current(self) -> bool:
        """Delete the scenario shown (undoable with 元に戻す; the status bar says so)."""
        if self.session.scenario is None:
            return False
        name = self.session.scenario.name
        if self.session.push(DeleteScenario(name)):
            window = self.window()
            if hasattr(window, "statusBar"):
                window.statusBar().showMessage(tr("scenario_deleted", name=name), 10000)
            return True
        return False

    # --- results -------------------------------------------------------------------
    def _on_comparison_ready(self, comparison: object) -> None:
        if self.session.comparison is None:
            return
        self._show_headline()
        counts = self.session.application_counts  # counted in the worker (ui.session_tasks)
        self._filling = True
        for r in range(self.measures.rowCount()):
            key = _item_at(self.measures, r, 0).data(Qt.ItemDataRole.UserRole)
            applied, refused = counts.get(key, (0, 0))
            text = tr("applied_count", n=applied, refused=refused) if key in counts else ""
            _item_at(self.measures, r, 4).setText(text)
        self._filling = False

    def _on_run_clicked(self) -> None:
        self.progress.setValue(0)
        self.session.simulate(self.replications.value(), self.seed.value())
        self._update_run_buttons()

    def _show_headline(self, *_args: object) -> None:
        """Expected (P5–P95 after a simulation), potential, and the published band."""
        headline = self.session.headline
        self.deltas.setText("\n".join(headline_lines(headline, self.session.simulation,
                                                     language())) if headline else "")

    def _on_simulator_progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"{label} %p%")

    def _update_run_buttons(self) -> None:
        running = self.session.simulator.running
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)


def _whole(text: str, column: str, low: int, high: int | None) -> int | None:
    """A whole number typed into a rule cell (blank = no limit), checked against its range."""
    raw = text.replace(",", "").replace("，", "").strip()
    if not raw:
        return None
    try:
        number = int(float(raw))
    except ValueError:
        raise EditError("not_an_integer", column=column) from None
    if number < low:
        raise EditError("below_min", column=column, min=low)
    if high is not None and number > high:
        raise EditError("above_max", column=column, max=high)
    return number


if __name__ == "__main__":
    from ui.preview import preview

    preview("scenario_view")
