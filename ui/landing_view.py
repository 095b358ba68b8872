"""はじめに — 何から手をつけるか: the view the window opens on.

With data: the procedures ranked by the current scenario (one row per procedure, from the
shared pipeline's ranking), the sentence that says how they are ranked, the priority
bubble chart with names, and for the chosen row what to do, what it saves and on which
assumptions; a double-click (or the button) opens its process flow. A new, empty project
shows the three next steps with buttons instead of empty charts.
"""

from __future__ import annotations

from html import escape
from types import SimpleNamespace
from typing import Any

import pandas as pd
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.measure_costs import CostDataError, cost_table
from analysis.measures import MEASURES
from analysis.params import PARAMETERS
from analysis.procedure_economics import ORDERS, rank_by_economics
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.ranked_table import RankedRowsModel, ranked_table, size_columns
from ui.saving_text import headline_lines
from ui.session import ProjectSession

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_PRIORITY_BUBBLES = deferred("analysis.scenario_charts", "draw_priority_bubbles")


def ranked_rows(session: ProjectSession, order: str = "priority") -> tuple[list[Any], str]:
    """The current scenario's ranked procedures (best first) and how they are ranked;
    ``order`` 'npv' or 'payback' re-ranks them by money (analysis.procedure_economics)."""
    analysis = getattr(session, "analysis", None)
    ranking = getattr(analysis, "ranking", None)
    if ranking is not None and order != "priority" and session.data is not None:
        try:
            ranking, _money = rank_by_economics(
                ranking, cost_table(session.values()),
                session.data.unit_costs.value("hourly_cost_regular"), order)
        except CostDataError as problem:   # the scenario's cost data: said, list unchanged
            return ranked_rows(session)[0], problem.message(language())
    if ranking is not None and hasattr(ranking, "rows"):
        note = ranking.note(language()) if hasattr(ranking, "note") else ""
        return list(ranking.rows), " ".join(t for t in (ranking.explanation(language()), note) if t)
    # Until the shared pipeline's ranking lands: today's (procedure, measure) pairs, the
    # best pair of each procedure as its row (its own measure and saving).
    bundle = getattr(session, "bundle", None)
    frame = getattr(bundle, "ranking", None)
    if frame is None or len(frame) == 0:
        return [], ""
    best = frame.drop_duplicates("procedure_id").reset_index(drop=True)
    rows = []
    for rank, record in enumerate(best.to_dict("records"), start=1):
        record.update(rank=rank, measures=[record["measure"]],
                      measures_ja=record["measure_ja"], measures_en=record["measure_en"],
                      effort_reason_ja=record.get("effort_reason", ""),
                      effort_reason_en=record.get("effort_reason", ""))
        rows.append(SimpleNamespace(**record))
    return rows, tr("ranking_pairs_explained")


class LandingView(QWidget):
    open_flow = Signal(str)            # a procedure ID whose process flow to show
    action_requested = Signal(str)     # "template", "import" or "inventory"

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[Any] = []
        self._sized = False
        self._quiet = False  # choosing a row again after a comparison: not the user's choice
        self.pages = QStackedWidget()
        self.waiting = QLabel(tr("loading"))
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.waiting)
        self.pages.addWidget(self._build_next_steps())
        self.pages.addWidget(self._build_ranking())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        session.loaded.connect(self._on_session_loaded)
        session.comparison_ready.connect(self._on_comparison_ready)
        session.simulation_ready.connect(self._show_headline)

    # --- a new project: what to do next ------------------------------------------------
    def _build_next_steps(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(24, 24, 24, 24)
        title = QLabel(f"<h2>{tr('next_title')}</h2><p>{tr('next_intro')}</p>")
        title.setWordWrap(True)
        grid.addWidget(title, 0, 0, 1, 2)
        self.step_buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(("template", "import", "inventory"), start=1):
            text = QLabel(f"<b>{i}. {tr(f'next_{key}')}</b><br>{tr(f'next_{key}_why')}")
            text.setWordWrap(True)
            button = QPushButton(tr(f"next_{key}_button"))
            button.setMinimumWidth(220)
            button.clicked.connect(lambda _c=False, k=key: self.action_requested.emit(k))
            grid.addWidget(text, i, 0)
            grid.addWidget(button, i, 1, Qt.AlignmentFlag.AlignTop)
            self.step_buttons[key] = button
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(4, 1)
        return page

    # --- the ranked list -----------------------------------------------------------------
    def _build_ranking(self) -> QWidget:
        self.title = QLabel()
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setStyleSheet("QLabel { background: #E2EFDA; padding: 4px; }")
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet("QLabel { color: #404040; }")
        self.model = RankedRowsModel(self)
        self.table = ranked_table(self.model)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)
        self.chart = ChartCanvas(height=2.6)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail_scroll = QScrollArea()
        detail_scroll.setWidget(self.detail)
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.flow_button = QPushButton(tr("open_flow"))
        self.flow_button.setEnabled(False)
        self.flow_button.clicked.connect(self._on_flow_button_clicked)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(detail_scroll, 1)
        detail_layout.addWidget(self.flow_button)
        # The list gets the full width (its columns are the answer); the chart and the
        # chosen procedure's detail share the lower half.
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.chart)
        lower.addWidget(detail)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setSizes([1000, 1000])  # half each (the chart's picture has no size hint)
        self.chart.setMinimumWidth(320)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 1000])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        # By benefit ÷ effort, NPV or payback (issue 15): the sentence below says which.
        self.order = QComboBox()
        self.order.addItems([tr(f"landing_order_{key}") for key in ORDERS])
        self.order.currentIndexChanged.connect(self._on_comparison_ready)
        top.addWidget(QLabel(tr("landing_order")))
        top.addWidget(self.order)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)
        layout.addWidget(self.splitter, 1)
        return page

    def _on_session_loaded(self) -> None:
        data = self.session.data
        if data is None:
            return
        if len(data.procedures) == 0:
            self.pages.setCurrentIndex(1)
        elif self.pages.currentIndex() != 2:
            self.pages.setCurrentIndex(0)  # the ranking follows with the comparison

    def _on_comparison_ready(self, _comparison: object) -> None:
        data = self.session.data
        if data is None or len(data.procedures) == 0:
            return
        rows, explanation = ranked_rows(self.session, ORDERS[max(self.order.currentIndex(), 0)])
        self.rows = rows
        scenario = self.session.scenario.name if self.session.scenario else ""
        self.title.setText(f"<b style='font-size:12pt'>{tr('landing_title', scenario=scenario)}</b>")
        self.explanation.setText(explanation + " " + tr("landing_howto"))
        self._show_headline()
        selected = self.current_procedure()
        self.model.set_rows(rows)
        if not self._sized and rows:  # once (the column count never was 0: never sized)
            size_columns(self.table, self.model)
            self._sized = True
        self.pages.setCurrentIndex(2)
        # The list's row is chosen again after each comparison; only the first (a project
        # just opened) makes it the procedure every view shows: later, the one the user
        # chose elsewhere (a survey row just edited) stays chosen. Pushed each time, it
        # moved the survey list's selection and read another procedure's steps on the GUI
        # thread (40-60 ms at 30,000 procedures).
        self._quiet = selected is not None
        try:
            self.select_procedure(selected or (rows[0].procedure_id if rows else None))
        finally:
            self._quiet = False
        if not rows:  # an empty list says why and what to do, not nothing
            self.explanation.setText("")  # "0 of the top 0 ..." would only confuse
            self.detail.setText(escape(self._why_nothing_ranked()))
        self._draw_chart()

    def _why_nothing_ranked(self) -> str:
        data = self.session.data
        cases = 0.0 if data is None else float(
            pd.to_numeric(data.procedures["annual_cases"], errors="coerce").fillna(0).sum())
        return tr("landing_no_cases" if cases <= 0 else "landing_nothing_applies")

    def _show_headline(self, *_args: object) -> None:
        """The city-wide saving of the scenario: expected (with P5–P95 after a
        simulation), potential (全件移行した場合) and the published band it falls in."""
        headline = self.session.headline
        if headline is None:
            self.headline.setText("")
            return
        expected, potential, band = headline_lines(headline, self.session.simulation,
                                                   language())
        self.headline.setText(f"<b>{escape(expected)}</b><br>{escape(potential)}<br>"
                              f"<span style='color:#404040'>{escape(band)}</span>")

    def _draw_chart(self) -> None:
        rows, lang, highlight = self.rows, language(), self.current_procedure()
        self.chart.draw(lambda f: DRAW_PRIORITY_BUBBLES(f.add_subplot(111), rows, lang,
                                                        highlight=highlight))

    # --- choosing a row ------------------------------------------------------------------
    def select_procedure(self, procedure_id: str | None) -> bool:
        row = next((i for i, r in enumerate(self.rows) if r.procedure_id == procedure_id), None)
        if row is None:
            self._show_detail(None)
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self._show_detail(self.rows[row])
        return True

    def current_procedure(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        return self.rows[index.row()].procedure_id

    def _on_table_row_changed(self, current, _previous) -> None:
        if current.isValid() and current.row() < len(self.rows):
            row = self.rows[current.row()]
            self._show_detail(row)
            if not self._quiet:
                self.session.select(row.procedure_id)
            self._draw_chart()

    def _on_table_double_clicked(self, index) -> None:
        if index.isValid() and index.row() < len(self.rows):
            self.open_flow.emit(self.rows[index.row()].procedure_id)

    def _on_flow_button_clicked(self) -> None:
        pid = self.current_procedure()
        if pid is not None:
            self.open_flow.emit(pid)

    def _show_detail(self, row: Any | None) -> None:
        self.flow_button.setEnabled(row is not None)
        if row is None:
            self.detail.setText("")
            return
        self.detail.setText(detail_html(row, self.session.values(), language()))


def detail_html(row: Any, values: dict[str, float], lang: str = "ja") -> str:
    """What to do for this procedure, what it saves and on which assumptions."""
    ja = lang == "ja"
    measures = list(getattr(row, "measures", []) or [])
    lines = [f"<b>{row.rank}. {row.procedure_id} {row.name}</b>（{row.section}）" if ja else
             f"<b>{row.rank}. {row.procedure_id} {row.name}</b> ({row.section})"]
    lines.append(f"施策: {row.measures_ja}" if ja else f"Measures: {row.measures_en}")
    lines.append(
        f"削減（年）: 職員 {row.staff_hours_saved:,.0f} 時間（{row.fte_saved:,.2f} 人工、"
        f"{row.staff_yen_saved / 1e4:,.0f} 万円）、来庁 {row.visits_avoided:,.0f} 回、"
        f"市民 {row.citizen_hours_saved:,.0f} 時間" if ja else
        f"Saved a year: staff {row.staff_hours_saved:,.0f} h ({row.fte_saved:,.2f} FTE, "
        f"¥{row.staff_yen_saved / 1e6:,.2f}M), {row.visits_avoided:,.0f} visits, citizens "
        f"{row.citizen_hours_saved:,.0f} h")
    reason = getattr(row, "effort_reason_ja" if ja else "effort_reason_en", "")
    lines.append(f"手間: {row.effort:g} 点（{reason}）、難易度レベル {row.level}" if ja else
                  f"Effort: {row.effort:g} ({reason}), level {row.level}")
    assumptions = []
    for key in dict.fromkeys(k for m in measures if m in MEASURES for k in MEASURES[m].parameters):
        if key not in PARAMETERS:
            continue
        p = PARAMETERS[key]
        value = values.get(key, p.default)
        # Three significant figures: a derived bound read "0.555556" in full.
        assumptions.append(f"{p.ja if ja else p.en} <b>{value:.3g}</b>"
                           f"（{p.low:.3g}～{p.high:.3g}; {p.source}）" if ja else
                           f"{p.en} <b>{value:.3g}</b> ({p.low:.3g}–{p.high:.3g}; {p.source})")
    if assumptions:
        lines.append(("前提: " if ja else "Assumptions: ") + "<br>・" + "<br>・".join(assumptions))
    return "<br>".join(lines)


if __name__ == "__main__":
    from ui.preview import preview

    preview("landing_view")
