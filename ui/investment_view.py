"""投資効果・工程表: what each measure costs and returns, and the roadmap by fiscal year.

The figures are the pipeline's (``bpr_studio.pipeline.plan``: ``analysis.economics`` and
``analysis.roadmap``) on a Monte Carlo run of the current scenario, computed in a worker
(ui/task_runner.py: progress, cancel, a new computation cancels the old one). A cost or
roadmap edit changes no saving, so the run is kept and only re-planned (milliseconds);
a scenario whose measures or parameters changed is simulated again.

Edits are scenario parameters (``cost.<item>.<field>``, ``roadmap.start.<measure>``,
``roadmap.budget_cap_yen``, ``roadmap.order``) saved through ``SaveScenario`` on the
session's undo stack, like every scenario edit. A value the core refuses (its
``CostDataError`` / ``RoadmapSettingError``, naming the key) is shown, the cell marked,
nothing saved.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.compare import parameter_values
from analysis.economics_result import EconomicsResult
from analysis.measure_costs import COST_PREFIX, FIELDS, CostDataError, cost_table
from analysis.montecarlo import SimulationCancelled
from analysis.result import SimulationResult
from analysis.roadmap import gantt_cell
from analysis.roadmap_result import RoadmapResult
from analysis.roadmap_settings import (
    BUDGET_KEY,
    MILESTONES_BY_KEY,
    ORDER_KEY,
    ORDER_PAYBACK,
    REIWA_FIRST_YEAR,
    START_FY_KEY,
    START_PREFIX,
    RoadmapSettingError,
    fiscal_year_label,
    roadmap_settings,
)
from analysis.scenario import Scenario
from bpr_studio.pipeline import DEFAULT_REPLICATIONS, plan
from bpr_studio.scenario_edits import SaveScenario
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.release import release_later
from ui.session import ProjectSession
from ui.session_tasks import simulated_at

# As `bpr-studio economics`, `roadmap` and the report: the same P5–P95 everywhere.
REPLICATIONS = DEFAULT_REPLICATIONS
SEED = 1
INVALID = QColor("#F8CBAD")
FILLS = {"start": QColor("#2E75B6"), "ramp": QColor("#BDD7EE"), "full": QColor("#9DC3E6"),
         "renew": QColor("#F4B183")}
LATE = QColor("#C00000")
_PLAN_PREFIXES = (COST_PREFIX, "roadmap.", "economics.")
COST_COLUMNS = ("measure", "item", "scope", *FIELDS, "source")
FIRST_FIELD_COLUMN = 3

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_ROADMAP = deferred("analysis.roadmap_charts", "draw_roadmap")


def savings_key(scenario: Scenario) -> str:
    """What the savings depend on: the measures and every parameter but the cost and
    roadmap settings (a change elsewhere needs a new simulation)."""
    params = {k: v for k, v in scenario.params.items() if not k.startswith(_PLAN_PREFIXES)}
    stored = json.loads(scenario.to_json())
    measures = stored["measures"] if isinstance(stored, dict) else stored
    return scenario.name + json.dumps([measures, params], sort_keys=True, ensure_ascii=False)


def compute(path: Path | str, scenario: Scenario, base: SimulationResult | None, progress: Any,
            cancelled: Any, in_child: bool = False
            ) -> tuple[SimulationResult, EconomicsResult, RoadmapResult]:
    """In a worker: the run (``base``, or a new one; a big project's in a child process)
    and its economics and roadmap."""
    if base is None:
        base = simulated_at(path, scenario, REPLICATIONS, SEED, progress, cancelled, in_child)
    if cancelled():
        raise SimulationCancelled
    economics, roadmap = plan(base, scenario)
    return base, economics, roadmap


def parse_fiscal_year(text: str) -> int | None:
    """'2029', 'R11', '令和11', '令和11年度（2029）' → 2029; '' → None; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    western = re.search(r"(20\d\d)", text)
    if western:
        return int(western.group(1))
    reiwa = re.fullmatch(r"(?:R|r|令和)\s*(\d{1,2}|元)\s*(?:年度?)?", text)
    if reiwa:
        n = 1 if reiwa.group(1) == "元" else int(reiwa.group(1))
        return REIWA_FIRST_YEAR + n - 1
    raise ValueError(text)


def _span(low: str, high: str) -> str:
    return f"{low}～{high}" if language() == "ja" else f"{low} to {high}"


def _range(value: str, low: str, high: str) -> str:
    return f"{value}（{_span(low, high)}）" if language() == "ja" else f"{value} ({low} to {high})"


def _number(text: str) -> float:
    raw = text.strip().replace(",", "").replace("，", "").replace("％", "%")
    return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)


class InvestmentView(LazyRefreshMixin, QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        from ui.task_runner import TaskRunner

        super().__init__(parent)
        self.session = session
        self.base: SimulationResult | None = None
        self._base_key: str | None = None
        self.economics: EconomicsResult | None = None
        self.roadmap: RoadmapResult | None = None
        self._filling = False
        self.runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.cancelled.connect(self._on_runner_cancelled)
        self.runner.finished.connect(self._on_runner_finished)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #C00000;")
        self.problem.hide()
        self.progress = QProgressBar()
        self.cancel_button = QPushButton(tr("inv_cancel"))
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.budget = QLineEdit()
        self.budget.setMaximumWidth(110)
        self.budget.editingFinished.connect(self._on_budget_editing_finished)
        self.order = QComboBox()
        self.order.addItems([tr("inv_order_npv"), tr("inv_order_payback")])
        self.order.currentIndexChanged.connect(self._on_order_current_index_changed)
        bar = QHBoxLayout()
        for widget in (QLabel(tr("inv_budget")), self.budget, QLabel(tr("inv_order")), self.order):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        self.measures = self._table()
        self.costs = self._table()
        self.costs.setWordWrap(False)   # the sources run long: one line each, whole in a tip
        self.costs.itemChanged.connect(self._on_costs_item_changed)
        self.gantt = self._table()
        self.gantt.itemChanged.connect(self._on_gantt_item_changed)
        self.years = self._table()
        self.chart = ChartCanvas(height=3.4)
        roadmap_tab = QWidget()
        roadmap_layout = QVBoxLayout(roadmap_tab)
        roadmap_layout.setContentsMargins(0, 0, 0, 0)
        roadmap_layout.addWidget(self.gantt, 3)
        roadmap_layout.addWidget(self.years, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.measures, tr("inv_tab_economics"))
        self.tabs.addTab(self.costs, tr("inv_tab_costs"))
        self.tabs.addTab(roadmap_tab, tr("inv_tab_roadmap"))
        self.tabs.addTab(self.chart, tr("inv_tab_chart"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(bar)
        layout.addWidget(self.problem)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.note)
        self._set_running(False)
        session.scenario_changed.connect(self.request_refresh)
        session.simulation_ready.connect(self.request_refresh)
        session.loaded.connect(self._on_session_loaded)

    @staticmethod
    def _table() -> QTableWidget:
        table = QTableWidget()
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        return table

    # --- computing ----------------------------------------------------------------
    def _set_base(self, base: SimulationResult | None, key: str | None) -> None:
        """Keep ``base`` (of the scenario ``key``); the run it replaces is freed in the
        background (ui.release): dropped here, a 30,000-procedure 300-replication run was
        freed on the GUI thread, 228 ms after a survey edit (bench_gui)."""
        old, self.base, self._base_key = self.base, base, key
        if old is not None and old is not base:
            release_later(old)

    def _on_session_loaded(self) -> None:
        """Another project, or its data edited: the savings change, the run kept is stale."""
        self._set_base(None, None)
        self.request_refresh()

    def refresh(self) -> None:
        scenario, path = self.session.scenario, self.session.path
        if scenario is None or path is None:
            return
        key = savings_key(scenario)
        # The session's run only if it is of this scenario and of the data loaded now.
        simulation = self.session.simulation_for(scenario.name)
        if simulation is not None:
            self._set_base(simulation, key)   # the session's run (its replications)
        base = self.base if self._base_key == key else None
        self._set_running(True, base is None)
        in_child = self.session.is_big()
        self.runner.start(lambda progress, cancelled: compute(path, scenario, base, progress,
                                                               cancelled, in_child))

    def _set_running(self, running: bool, simulating: bool = False) -> None:
        self.progress.setVisible(running and simulating)
        self.cancel_button.setVisible(running and simulating)
        if running and simulating:
            self.progress.setValue(0)
            self.note.setText(tr("inv_waiting", replications=REPLICATIONS))

    def _on_runner_progressed(self, done: int, total: int, _label: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_runner_cancelled(self) -> None:
        self.note.setText(tr("inv_cancelled"))

    def _on_runner_finished(self) -> None:
        if not self.runner.running:
            self._set_running(False)

    def _on_runner_failed(self, error: object) -> None:
        text = error.message(language()) if hasattr(error, "message") else str(error)
        self._show_problem(text)

    def _on_runner_succeeded(self, result: object) -> None:
        assert isinstance(result, tuple)
        base, self.economics, self.roadmap = result
        if self.session.scenario is not None:
            self._set_base(base, savings_key(self.session.scenario))
        self._show()

    # --- showing ------------------------------------------------------------------
    def _show(self) -> None:
        economics, roadmap = self.economics, self.roadmap
        if economics is None or roadmap is None or self.base is None:
            return
        self._filling = True
        try:
            self.summary.setText(self._headline(economics, roadmap))
            self._fill_measures(economics)
            self._fill_costs(economics)
            self._fill_gantt(roadmap)
            self._fill_years(roadmap)
            cap = roadmap.budget_cap_yen
            self.budget.setText(f"{cap / 1e6:g}" if cap else "")
            self.order.setCurrentIndex(1 if roadmap.order == "payback" else 0)
        finally:
            self._filling = False
        lang = language()
        self.chart.draw(lambda f: DRAW_ROADMAP(f.add_subplot(111), roadmap, lang))
        self.note.setText(tr("inv_source_note", replications=self.base.replications,
                             seed=self.base.seed) + " " + (roadmap.note_ja if lang == "ja"
                                                           else roadmap.note_en))

    @staticmethod
    def _headline(economics: EconomicsResult, roadmap: RoadmapResult) -> str:
        lang = language()
        total, last = economics.total, roadmap.years[-1]

        def m(value: float) -> str:
            return f"{value / 1e6:,.1f}"
        line = tr("inv_economics_line", initial=m(total.initial_yen), net=m(total.net_saving_yen),
                  low=m(total.net_saving_p5), high=m(total.net_saving_p95),
                  payback=total.payback_text(lang), npv=m(total.npv_yen))
        last_label = fiscal_year_label(roadmap.fiscal_years[-1], lang)
        if roadmap.break_even_fy is None:
            even = tr("inv_no_break_even", last=last_label, cost=m(last.cumulative_cost_yen),
                      saving=m(last.cumulative_saving_yen))
        else:
            never = tr("inv_never")
            even = tr("inv_break_even", year=fiscal_year_label(roadmap.break_even_fy, lang),
                      early=roadmap.break_even_fy_early or never,
                      late=roadmap.break_even_fy_late or never,
                      share=f"{roadmap.share_breaking_even:.0%}", last=last_label,
                      cost=m(last.cumulative_cost_yen), saving=m(last.cumulative_saving_yen),
                      net=m(last.cumulative_net_yen))
        return f"{even}\n{line}"

    def _fill(self, table: QTableWidget, headers: list[str], rows: list[list[Any]],
              editable: frozenset[int] | set[int] = frozenset()) -> None:
        table.clear()
        table.setColumnCount(len(headers))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem("" if value is None else str(value))
                flags = item.flags() | Qt.ItemFlag.ItemIsEditable if c in editable else \
                    item.flags() & ~Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        for c in range(table.columnCount()):   # a little air: "−23.5～11.7" was cut by a pixel
            table.setColumnWidth(c, min(table.columnWidth(c) + 8, 320))
        table.resizeRowsToContents()

    def _fill_measures(self, economics: EconomicsResult) -> None:
        lang = language()

        def m(value: float) -> str:
            return f"{value / 1e6:,.1f}"
        rows = [[row.label_ja if lang == "ja" else row.label_en, row.procedures, m(row.initial_yen),
                 m(row.running_yen_per_year),
                 _range(m(row.net_saving_yen), m(row.net_saving_p5), m(row.net_saving_p95)),
                 row.payback_text(lang), _range(m(row.npv_yen), m(row.npv_p5), m(row.npv_p95))]
                for row in [*economics.measures, economics.total]]
        self._fill(self.measures, [tr(k) for k in (
            "inv_col_measure", "inv_col_procedures", "inv_col_initial", "inv_col_running",
            "inv_col_net", "inv_col_payback", "inv_col_npv")], rows)

    def _fill_costs(self, economics: EconomicsResult) -> None:
        assert self.session.scenario is not None
        table = cost_table(parameter_values(self.session.scenario))
        lang = language()
        rows, keys = [], []
        for row in economics.measures:
            for line in row.lines:
                item = table.item(line.item)
                keys.append(item.key)
                rows.append([row.label_ja if lang == "ja" else row.label_en,
                             item.ja if lang == "ja" else item.en,
                             tr("inv_shared") if item.scope == "shared" else tr("inv_per_procedure"),
                             f"{item.initial_yen:,.0f}", f"{item.running_yen_per_year:,.0f}",
                             f"{item.staff_hours:g}", f"{item.life_years:g}",
                             f"{item.subsidy_share:.0%}", line.source])
        labels = {"measure": tr("inv_col_measure"), "item": tr("inv_col_item"),
                  "scope": tr("inv_col_scope"), "source": tr("inv_col_source")}
        from analysis.measure_costs import FIELD_LABELS

        headers = [labels.get(c) or FIELD_LABELS[c][0 if lang == "ja" else 1] for c in COST_COLUMNS]
        self._fill(self.costs, headers, rows,
                   set(range(FIRST_FIELD_COLUMN, FIRST_FIELD_COLUMN + len(FIELDS))))
        source_column = len(COST_COLUMNS) - 1
        self.costs.setColumnWidth(source_column, 900)
        for r, key in enumerate(keys):
            cell = self.costs.item(r, 0)
            if cell is not None:
                cell.setData(Qt.ItemDataRole.UserRole, key)
            source = self.costs.item(r, source_column)
            if source is not None:
                source.setToolTip(source.text())
            for c in range(FIRST_FIELD_COLUMN, FIRST_FIELD_COLUMN + len(FIELDS)):
                field_cell = self.costs.item(r, c)
                if field_cell is not None:
                    field_cell.setToolTip(tr("inv_cost_tip"))
        self.costs.resizeRowsToContents()

    def _fill_gantt(self, roadmap: RoadmapResult) -> None:
        lang = language()
        short = {True: lambda fy: f"R{fy - REIWA_FIRST_YEAR + 1}\n{fy}", False: lambda fy: f"FY{fy}"}
        headers = [tr("inv_col_measure"), tr("inv_col_start"), tr("inv_col_milestone"),
                   *(short[lang == "ja"](fy) for fy in roadmap.fiscal_years)]
        rows = []
        for m in roadmap.measures:
            milestone = MILESTONES_BY_KEY.get(m.milestone)
            target = (f"{milestone.ja if lang == 'ja' else milestone.en} "
                      f"{short[lang == 'ja'](m.milestone_target_fy).replace(chr(10), ' ')}"
                      if milestone and m.milestone_target_fy else "")
            cells = [self._gantt_text(gantt_cell(m, i, fy)) for i, fy in enumerate(roadmap.fiscal_years)]
            rows.append([m.label_ja if lang == "ja" else m.label_en,
                         short[lang == "ja"](m.start_fy).replace("\n", " ") if m.start_fy
                         else tr("inv_never"),
                         target, *cells])
        self._fill(self.gantt, headers, rows, {1})
        for r, m in enumerate(roadmap.measures):
            flags = [tr(k) for on, k in ((m.chosen_by_hand, "inv_by_hand"),
                                         (m.over_cap, "inv_over_cap"), (m.late, "inv_late")) if on]
            name = self.gantt.item(r, 0)
            start = self.gantt.item(r, 1)
            if name is not None and start is not None:
                name.setData(Qt.ItemDataRole.UserRole, m.measure)
                name.setToolTip("・".join(flags))
                start.setToolTip(tr("inv_start_tip"))
                if m.late:
                    name.setForeground(QBrush(LATE))
                    start.setForeground(QBrush(LATE))
            for i, fy in enumerate(roadmap.fiscal_years):
                text = gantt_cell(m, i, fy)
                cell = self.gantt.item(r, 3 + i)
                if cell is None or not text:
                    continue
                kind = ("start" if text.startswith("開始") else "renew" if text.startswith("更新")
                        else "full" if m.effect_share[i] >= 0.999 else "ramp")
                cell.setBackground(QBrush(FILLS[kind]))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if kind == "start":
                    cell.setForeground(QBrush(QColor("white")))
        self.gantt.resizeRowsToContents()

    @staticmethod
    def _gantt_text(text: str) -> str:
        return text.replace("開始", tr("inv_start_cell")).replace("更新", tr("inv_renew_cell"))

    def _fill_years(self, roadmap: RoadmapResult) -> None:
        lang = language()

        def m(value: float) -> str:
            return f"{value / 1e6:,.1f}"
        ys = roadmap.years
        rows = [
            [tr("inv_row_cost"), *(m(y.cost_yen) for y in ys)],
            [tr("inv_row_saving"), *(m(y.saving_yen) for y in ys)],
            [tr("inv_row_saving_range"), *(_span(m(y.saving_p5), m(y.saving_p95)) for y in ys)],
            [tr("inv_row_hours"), *(f"{y.staff_hours_saved:,.0f}" for y in ys)],
            [tr("inv_row_cum_cost"), *(m(y.cumulative_cost_yen) for y in ys)],
            [tr("inv_row_cum_saving"), *(m(y.cumulative_saving_yen) for y in ys)],
            [tr("inv_row_cum_net"), *(m(y.cumulative_net_yen) for y in ys)],
            [tr("inv_row_cum_net_range"),
             *(_span(m(y.cumulative_net_p5), m(y.cumulative_net_p95)) for y in ys)],
        ]
        headers = [tr("inv_col_figure"), *(fiscal_year_label(fy, lang).replace("（", "\n（")
                                           for fy in roadmap.fiscal_years)]
        self._fill(self.years, headers, rows)
        if roadmap.break_even_fy is not None:
            cell = self.years.item(6, 1 + roadmap.fiscal_years.index(roadmap.break_even_fy))
            if cell is not None:
                cell.setBackground(QBrush(QColor("#C6EFCE")))

    # --- editing ------------------------------------------------------------------
    def _save(self, key: str, value: float | None, check: Any) -> bool:
        """Save ``key`` = ``value`` (None: remove) to the scenario if ``check(params)``
        accepts it; a refused value is shown and nothing saved."""
        current = self.session.scenario
        if current is None:
            return False
        scenario = copy.deepcopy(current)
        if value is None:
            scenario.params.pop(key, None)
        else:
            scenario.params[key] = value
            if key.startswith(START_PREFIX) and self.roadmap is not None:
                # Kept with the start year: next April the default first year moves on.
                scenario.params.setdefault(START_FY_KEY, float(self.roadmap.start_fy))
        try:
            check(scenario)
        except (CostDataError, RoadmapSettingError) as problem:
            self._show_problem(problem.message(language()))
            return False
        self._show_problem(None)
        if scenario != current:
            self.session.push(SaveScenario(
                scenario, expected_version=self.session.scenario_version(scenario.name)))
        return True

    @staticmethod
    def _check_costs(scenario: Scenario) -> None:
        cost_table(parameter_values(scenario))

    @staticmethod
    def _check_roadmap(scenario: Scenario) -> None:
        roadmap_settings(parameter_values(scenario), [u.measure for u in scenario.measures])

    def _refuse(self, item: QTableWidgetItem) -> None:
        self._filling = True
        item.setBackground(QBrush(INVALID))
        self._filling = False

    def _on_costs_item_changed(self, item: QTableWidgetItem) -> None:
        column = item.column()
        if self._filling or not FIRST_FIELD_COLUMN <= column < FIRST_FIELD_COLUMN + len(FIELDS):
            return
        first = self.costs.item(item.row(), 0)
        if first is None:
            return
        key = f"{COST_PREFIX}{first.data(Qt.ItemDataRole.UserRole)}.{FIELDS[column - FIRST_FIELD_COLUMN]}"
        try:
            value: Any = _number(item.text())
        except ValueError:
            value = item.text()   # the core names the key and the value
        if not self._save(key, value, self._check_costs):
            self._refuse(item)

    def _on_gantt_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        first = self.gantt.item(item.row(), 0)
        if first is None:
            return
        key = START_PREFIX + str(first.data(Qt.ItemDataRole.UserRole))
        try:
            year = parse_fiscal_year(item.text())
        except ValueError:
            self._show_problem(tr("inv_not_a_year", name=key, value=item.text()))
            self._refuse(item)
            return
        if not self._save(key, None if year is None else float(year), self._check_roadmap):
            self._refuse(item)

    def _on_budget_editing_finished(self) -> None:
        if self._filling or self.roadmap is None:
            return
        text = self.budget.text().strip()
        try:
            value = None if not text else _number(text) * 1e6
        except ValueError:
            value = text   # type: ignore[assignment]  # refused below with the key named
        current = self.roadmap.budget_cap_yen
        if value == current or (value is None and current is None):
            return
        self._save(BUDGET_KEY, value, self._check_roadmap)

    def _on_order_current_index_changed(self, index: int) -> None:
        if self._filling or self.roadmap is None:
            return
        self._save(ORDER_KEY, float(ORDER_PAYBACK) if index == 1 else None, self._check_roadmap)

    def _show_problem(self, text: str | None) -> None:
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))


if __name__ == "__main__":
    from ui.preview import preview

    preview("investment_view")
