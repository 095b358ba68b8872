"""比較: as-is against to-be for the whole city: five costs (with P5–P95 after a
simulation), savings by measure (waterfall), the distribution of savings, the priority
matrix, the top-20 where-to-start list (one row per procedure, with the sentence saying
how it is ranked) and the counters before and after. Every figure comes from the
session's typed results (the shared pipeline); nothing is computed here."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cost_model.costs import COSTS
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.ranked_table import COMPARISON_COLUMNS, RankedRowsModel, ranked_table, size_columns
from ui.saving_text import headline_lines
from ui.session import ProjectSession
from ui.session_tasks import comparison_totals
from ui.table_model import DataFrameTableModel

TOP = 20

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_FIVE_COSTS = deferred("analysis.charts", "draw_five_costs")
DRAW_HISTOGRAM = deferred("analysis.charts", "draw_histogram")
DRAW_TORNADO = deferred("analysis.charts", "draw_tornado")
DRAW_WATERFALL = deferred("analysis.charts", "draw_waterfall")
DRAW_PRIORITY_BUBBLES = deferred("analysis.scenario_charts", "draw_priority_bubbles")


class ComparisonView(LazyRefreshMixin, QWidget):
    open_flow = Signal(str)  # a procedure ID whose process flow to show (double-click)

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.staff = ChartCanvas(height=2.8)
        self.citizen = ChartCanvas(height=2.8)
        self.waterfall = ChartCanvas(height=2.8)
        self.matrix = ChartCanvas(height=2.8)
        self.distribution = ChartCanvas(height=2.8)
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.addWidget(self.staff, 0, 0)
        grid.addWidget(self.citizen, 0, 1)
        grid.addWidget(self.waterfall, 1, 0)
        grid.addWidget(self.matrix, 1, 1)
        ja = language() == "ja"
        self.top_model = RankedRowsModel(self, COMPARISON_COLUMNS)
        self.top_table = ranked_table(self.top_model)
        self.top_table.doubleClicked.connect(self._on_top_table_double_clicked)
        self._top_sized = False
        self.ranking_note = QLabel()
        self.ranking_note.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.addWidget(self.ranking_note)
        top_layout.addWidget(self.top_table, 1)
        self.counter_model = DataFrameTableModel(dict(zip(
            ["section", "servers", "visits_a", "visits_b", "wait_a", "wait_b", "peak_a", "peak_b",
             "util_a", "util_b"],
            # Two-line headers, columns sized to them: at 1024×700 one-line headers were
            # cut to "F均待ち".
            ["課", "窓口数", "来庁\n現状", "来庁\n改善後", "平均待ち（分）\n現状",
             "平均待ち（分）\n改善後", "最繁忙月の待ち\n（分）現状", "最繁忙月の待ち\n（分）改善後",
             "稼働率\n現状", "稼働率\n改善後"] if ja else
            ["Section", "Counters", "Visits\nas-is", "Visits\nto-be", "Mean wait\nas-is (min)",
             "Mean wait\nto-be (min)", "Busiest month\nas-is (min)", "Busiest month\nto-be (min)",
             "Utilisation\nas-is", "Utilisation\nto-be"], strict=True)),
            {k: (lambda v: "" if v is None or pd.isna(v) else f"{v:,.1f}")
             for k in ("wait_a", "wait_b", "peak_a", "peak_b")}
            | {k: (lambda v: "" if v is None or pd.isna(v) else f"{v:.0%}") for k in ("util_a", "util_b")})
        counters = QTableView()
        counters.setModel(self.counter_model)
        counters.verticalHeader().setVisible(False)
        # Columns fitted to their headers and the first rows, not a prefecture's 400 sections.
        counters.horizontalHeader().setResizeContentsPrecision(50)
        self.counter_table = counters
        self._counters_sized = False
        tabs = QTabWidget()
        tabs.addTab(charts, tr("tab_charts"))
        tabs.addTab(top, tr("tab_top20"))
        tabs.addTab(counters, tr("tab_counters"))
        tabs.addTab(self.distribution, tr("tab_distribution"))
        tabs.addTab(self._sensitivity_tab(), tr("tab_sensitivity"))
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(tabs, 1)
        session.comparison_ready.connect(self.request_refresh)
        session.counters_ready.connect(self._on_session_counters_ready)  # after the rest
        session.simulation_ready.connect(self.request_refresh)
        session.sensitivity_ready.connect(self.request_refresh)
        session.scenario_changed.connect(self.request_refresh)

    def _on_top_table_double_clicked(self, index: QModelIndex) -> None:
        pid = self.top_model.procedure_at(index.row()) if index.isValid() else None
        if pid is not None:
            self.open_flow.emit(pid)

    def _sensitivity_tab(self) -> QWidget:
        """感度分析: a tornado of the city-wide saving and the top-20 stability table."""
        self.sensitivity_button = QPushButton(tr("run_sensitivity"))
        self.sensitivity_button.clicked.connect(self._on_sensitivity_button_clicked)
        self.sensitivity_note = QLabel(tr("sensitivity_hint"))
        self.sensitivity_note.setWordWrap(True)
        self.tornado = ChartCanvas(height=3.6)
        self.stability_model = DataFrameTableModel(dict(zip(
            ["label", "spearman", "overlap", "overlap_top10", "entered", "left"],
            [tr("stability_label"), tr("stability_spearman"), tr("stability_overlap"),
             tr("stability_overlap10"), tr("stability_entered"), tr("stability_left")],
            strict=True)), {"spearman": lambda v: f"{v:.2f}"})
        self.stability_table = QTableView()
        self.stability_table.setModel(self.stability_model)
        self.stability_table.verticalHeader().setVisible(False)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.sensitivity_button)
        layout.addWidget(self.sensitivity_note)
        layout.addWidget(self.tornado, 2)
        layout.addWidget(self.stability_table, 1)
        return tab

    def _on_sensitivity_button_clicked(self) -> None:
        self.sensitivity_note.setText(tr("sensitivity_running"))
        self.session.run_sensitivity()

    def _refresh_sensitivity(self) -> None:
        result = self.session.sensitivity
        lang = language()
        if result is None:
            self.stability_model.set_frame(pd.DataFrame())
            return
        base = result.base["staff_economic_yen"]
        self.sensitivity_note.setText(tr("sensitivity_note", yen=base / 1e6,
                                         none="、".join(result.no_effect)))
        self.tornado.draw(lambda f: DRAW_TORNADO(f.add_subplot(111), result,
                                                 "staff_economic_yen", lang))
        self.stability_model.set_frame(pd.DataFrame([{
            "label": s.label(lang), "spearman": s.spearman, "overlap": s.overlap,
            "overlap_top10": s.overlap_top10, "entered": "、".join(s.entered),
            "left": "、".join(s.left)} for s in result.stability]))

    def totals(self) -> dict[str, dict[str, float]]:
        """City totals shown (deterministic), by side and state: {'staff_as_is': {...}}."""
        comparison = self.session.comparison
        assert comparison is not None
        # Summed in the comparison's worker (ui.session_tasks.comparison_totals).
        return self.session.comparison_totals or comparison_totals(comparison)

    def refresh(self, *_args: object) -> None:
        analysis, comparison = self.session.analysis, self.session.comparison
        if analysis is None or comparison is None:
            return
        totals = self.totals()
        simulation = self.session.simulation
        for canvas, side in ((self.staff, "staff"), (self.citizen, "citizen")):
            low = high = None
            if simulation is not None:
                to_be = simulation.city.to_be
                low = {c: to_be[f"{side}_{c}"].p5 for c in COSTS}
                high = {c: to_be[f"{side}_{c}"].p95 for c in COSTS}
            canvas.draw(lambda f, s=side, lo=low, hi=high: DRAW_FIVE_COSTS(
                f.add_subplot(111), s, totals[f"{s}_as_is"], totals[f"{s}_to_be"], lo, hi,
                language()))
        lang = language()
        steps = [(m.label_ja if lang == "ja" else m.label_en, m.saved["staff_economic_yen"] / 1e6)
                 for m in analysis.measures]
        self.waterfall.draw(lambda f: DRAW_WATERFALL(
            f.add_subplot(111), totals["staff_as_is"]["economic_yen"] / 1e6, steps, tr("to_be"),
            tr("chart_waterfall_unit"), tr("as_is")))
        ranking = analysis.ranking  # the simulation's is the same (same pipeline, same data)
        top = ranking.rows[:TOP]
        self.matrix.draw(lambda f: DRAW_PRIORITY_BUBBLES(f.add_subplot(111), top, lang, top=TOP))
        self.top_model.set_rows(top)
        if top and not self._top_sized:
            size_columns(self.top_table, self.top_model)
            self._top_sized = True
        self.ranking_note.setText(f"{ranking.explanation(lang)}\n{ranking.note(lang)}")
        self._refresh_counters()
        headline = self.session.headline
        text = "\n".join(headline_lines(headline, simulation, lang)) if headline else ""
        if simulation is not None:
            s = simulation.city.savings["staff_time_h"]
            samples = simulation.city_samples["staff_time_h"]
            self.distribution.draw(lambda f: DRAW_HISTOGRAM(
                f.add_subplot(111), samples, tr("chart_saved_hours"), s.p5, s.p95))
        self.summary.setText(text)
        self._refresh_sensitivity()

    def _on_session_counters_ready(self) -> None:
        """The counter queues follow the comparison: only their table changes."""
        if self.isVisible():
            self._refresh_counters()
        else:
            self._dirty = True

    def _refresh_counters(self) -> None:
        analysis, simulation = self.session.analysis, self.session.simulation
        if analysis is None:
            return
        counters = simulation.counters if simulation is not None else analysis.counters

        def value_of(c: object, which: str, key: str) -> object:
            block = getattr(c, which)
            return block.get(key) if block is not None else None
        self.counter_model.set_frame(pd.DataFrame([{
            "section": c.section, "servers": c.servers,
            "visits_a": value_of(c, "as_is", "visits"), "visits_b": value_of(c, "to_be", "visits"),
            "wait_a": value_of(c, "as_is", "mean_wait_min"), "wait_b": value_of(c, "to_be", "mean_wait_min"),
            "peak_a": value_of(c, "as_is", "peak_mean_wait_min"),
            "peak_b": value_of(c, "to_be", "peak_mean_wait_min"),
            "util_a": value_of(c, "as_is", "utilization"), "util_b": value_of(c, "to_be", "utilization")}
            for c in counters]))
        if counters and not self._counters_sized:
            # Once: fitting the two-line headers again on every comparison cost ~50 ms.
            self._counters_sized = True
            self.counter_table.resizeColumnsToContents()


if __name__ == "__main__":
    from ui.preview import preview

    preview("comparison_view")
