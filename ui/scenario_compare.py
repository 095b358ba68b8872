"""Scenarios side by side (figures, a chart per unit, the top of each ranking), and the
dialog that asks whether a new scenario starts blank or as a copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis.scenario import Scenario
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.session import ProjectSession
from ui.task_runner import TaskRunner

TOP = 5
FIGURES: tuple[tuple[str, str, str, str], ...] = (  # key, format, JA, EN
    # Expected figures (the adoption year's uptake); the potential ones below them.
    ("staff_time_h", "{:,.0f}", "職員時間の削減 見込み（時間/年）", "Staff hours saved, expected (h/yr)"),
    ("staff_fte", "{:,.1f}", "人工の削減 見込み（人）", "FTE saved, expected"),
    ("staff_economic_yen", "{:,.1f}", "人件費等の削減 見込み（百万円/年）",
     "Staff cost saved, expected (¥M/yr)"),
    ("citizen_visits", "{:,.0f}", "来庁の削減 見込み（回/年）", "Visits avoided, expected (/yr)"),
    ("citizen_time_h", "{:,.0f}", "市民の時間の削減 見込み（時間/年）",
     "Citizen hours saved, expected (h/yr)"),
    ("potential_staff_time_h", "{:,.0f}", "職員時間の削減 潜在（全件移行した場合、時間/年）",
     "Staff hours saved, potential (every case moved, h/yr)"),
    ("potential_staff_economic_yen", "{:,.1f}", "人件費等の削減 潜在（全件移行した場合、百万円/年）",
     "Staff cost saved, potential (every case moved, ¥M/yr)"),
    ("measures", "{}", "施策の数", "Measures"),
)

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_SCENARIO_SAVINGS = deferred("analysis.scenario_charts", "draw_scenario_savings")


@dataclass
class ScenarioFigures:
    """What one scenario saves (deterministic), and the first procedures of its ranking."""

    name: str
    saved: dict[str, float]
    top: list[str]


def scenario_figures(path: Path | str, scenarios: list[Scenario], progress: Any,
                     cancelled: Any) -> list[ScenarioFigures]:
    """Each scenario through the same analysis the session uses (in a worker)."""
    from ui import session_tasks as session_module

    out: list[ScenarioFigures] = []
    for i, scenario in enumerate(scenarios):
        if cancelled():
            return out
        progress(i, len(scenarios), scenario.name)
        # Looked up now (tests replace it); no counter queues: they are not compared here.
        result = session_module.analyse_at(path, scenario, cancelled, False)
        city = result.comparison.city()["saved"]
        saved = {key: float(city[key]) for key, *_ in FIGURES if key in city.index}
        potential = result.potential.city()["saved"]
        for key in ("staff_time_h", "staff_economic_yen"):
            saved[f"potential_{key}"] = float(potential[key])
        saved["measures"] = float(len(scenario.measures))
        out.append(ScenarioFigures(scenario.name, saved, _top_names(result.ranking)))
    return out


def _top_names(ranking: Any) -> list[str]:
    rows = getattr(ranking, "rows", None)
    if rows is not None:  # the pipeline's typed ranking: one row per procedure
        return [f"{r.procedure_id} {r.name}" for r in rows[:TOP]]
    names: list[str] = []
    for pid, name in zip(ranking.get("procedure_id", []), ranking.get("name", []), strict=False):
        label = f"{pid} {name}"
        if label not in names:
            names.append(label)
        if len(names) == TOP:
            break
    return names


class NewScenarioDialog(QDialog):
    """Name the new scenario and say whether it starts blank or as a copy of the current."""

    def __init__(self, current: Scenario | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("new_scenario"))
        self.name_edit = QLineEdit()
        self.blank = QRadioButton(tr("new_blank"))
        self.copy = QRadioButton(tr("new_copy", name=current.name) if current else "")
        self.copy.setEnabled(current is not None)
        (self.copy if current is not None else self.blank).setChecked(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.name_edit.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(tr("scenario_name"), self.name_edit)
        form.addRow(self.blank)
        form.addRow(self.copy)
        form.addRow(self.buttons)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def copy_current(self) -> bool:
        return self.copy.isChecked()


class ScenarioCompareWidget(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.results: list[ScenarioFigures] = []
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(session._on_task_failed)
        self.runner.finished.connect(self._update_button)
        self.choices = QListWidget()
        self.choices.setMaximumWidth(240)
        self.compare_button = QPushButton(tr("compare_scenarios"))
        self.compare_button.clicked.connect(self.start)
        self.status = QLabel(tr("compare_hint"))
        self.status.setWordWrap(True)
        self.figures = QTableWidget(0, 0)
        self.figures.verticalHeader().setDefaultSectionSize(24)
        self.ranking = QTableWidget(0, 0)
        self.chart = ChartCanvas(height=2.4)
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("compare_choose")))
        left.addWidget(self.choices, 1)
        left.addWidget(self.compare_button)
        tables = QSplitter(Qt.Orientation.Vertical)
        tables.addWidget(self.figures)
        tables.addWidget(self.chart)
        tables.addWidget(self.ranking)
        tables.setSizes([180, 220, 170])
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(tables, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        session.loaded.connect(self._fill_choices)
        session.scenarios_changed.connect(self._fill_choices)

    def _fill_choices(self) -> None:
        data = self.session.data
        if data is None:
            return
        names = [self.choices.item(i).text() for i in range(self.choices.count())]
        if names and names == [scenario.name for scenario in data.scenarios]:
            return  # a reload with the same scenarios (after a survey edit): the ticks stay
        checked = {self.choices.item(i).text() for i in range(self.choices.count())
                   if self.choices.item(i).checkState() == Qt.CheckState.Checked}
        self.choices.clear()
        for i, scenario in enumerate(data.scenarios):
            item = QListWidgetItem(scenario.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = scenario.name in checked if checked else i < 4
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.choices.addItem(item)

    def chosen(self) -> list[Scenario]:
        data = self.session.data
        names = [self.choices.item(i).text() for i in range(self.choices.count())
                 if self.choices.item(i).checkState() == Qt.CheckState.Checked]
        return [s for s in (data.scenarios if data else []) if s.name in names]

    def choose(self, names: list[str]) -> None:
        for i in range(self.choices.count()):
            item = self.choices.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names
                               else Qt.CheckState.Unchecked)

    def start(self) -> None:
        scenarios, path = self.chosen(), self.session.path
        if len(scenarios) < 2 or path is None:
            self.status.setText(tr("compare_need_two"))
            return
        self.status.setText(tr("compare_running", n=len(scenarios)))
        self.runner.start(lambda progress, cancelled: scenario_figures(path, scenarios, progress,
                                                                        cancelled))
        self._update_button()

    def _update_button(self) -> None:
        self.compare_button.setEnabled(not self.runner.running)

    def _on_runner_succeeded(self, results: object) -> None:
        assert isinstance(results, list)
        self.results = results
        ja = language() == "ja"
        names = [r.name for r in results]
        self.figures.clear()
        self.figures.setRowCount(len(FIGURES))
        self.figures.setColumnCount(len(results))
        self.figures.setHorizontalHeaderLabels(names)
        self.figures.setVerticalHeaderLabels([ja_label if ja else en for _k, _f, ja_label, en
                                              in FIGURES])
        for c, result in enumerate(results):
            for r, (key, fmt, _ja, _en) in enumerate(FIGURES):
                value = result.saved.get(key, 0.0)
                value = value / 1e6 if key.endswith("staff_economic_yen") else value
                item = QTableWidgetItem(fmt.format(int(value) if key == "measures" else value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.figures.setItem(r, c, item)
        self.figures.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.ranking.clear()
        self.ranking.setRowCount(TOP)
        self.ranking.setColumnCount(len(results))
        self.ranking.setHorizontalHeaderLabels(names)
        self.ranking.setVerticalHeaderLabels([tr("rank_n", n=n) for n in range(1, TOP + 1)])
        for c, result in enumerate(results):
            for r, label in enumerate(result.top):
                self.ranking.setItem(r, c, QTableWidgetItem(label))
        self.ranking.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        saved = [r.saved for r in results]
        lang = language()
        self.chart.draw(lambda f: DRAW_SCENARIO_SAVINGS(f, names, saved, lang))
        self.status.setText(tr("compare_done", n=len(results)))
