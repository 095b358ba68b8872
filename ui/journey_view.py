"""ライフイベント: the citizen's visit per life event, as-is and after the journey measures.

A table of events (counters visited, times name and address are written, minutes in the
building with P5–P95, visits) before and after, and for the selected event its timeline
(counters with writing, waiting, service and walking), its procedures with what put them
in the event, and the assumptions with their sources. The figures are
``bpr_studio.journey_pipeline.run_journeys`` computed in a worker (ui/task_runner.py:
progress, Cancel; a new computation cancels the old one). ``python -m ui.journey_view``
opens the view on the sample project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.journey import DEFAULT_TO_BE, MEASURE_LABELS, MEASURES
from analysis.journey_charts import stop_rows
from analysis.journey_result import EventJourney, JourneyResult
from analysis.montecarlo import SimulationCancelled
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.session import ProjectSession
from ui.session_tasks import journeys_at

REPLICATIONS = 1000
SEED = 1
# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_JOURNEY = deferred("analysis.journey_charts", "draw_journey")


def compute(path: Path | str, measures: tuple[str, ...], progress: Any, cancelled: Any,
            in_child: bool = False) -> JourneyResult:
    """In a worker: every event's journey, as-is and with ``measures`` (a big project's in
    a child process, ``ui.session_tasks.journeys_at``)."""
    return journeys_at(path, measures, REPLICATIONS, SEED, progress, cancelled, in_child)


def _item(value: object, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if isinstance(value, str) and value[:1].isdigit():
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


class JourneyView(LazyRefreshMixin, QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        from ui.task_runner import TaskRunner

        super().__init__(parent)
        self.session = session
        self.result: JourneyResult | None = None
        self.runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.finished.connect(self._on_runner_finished)
        self.summary = QLabel(tr("jv_intro"))
        self.summary.setWordWrap(True)
        self.checks: dict[str, QCheckBox] = {}
        # Two rows: the measures, then the event-file buttons and the progress, so the view
        # never holds the window wider than a 1024-pixel screen.
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("jv_measures")))
        for key in MEASURES:
            box = QCheckBox(MEASURE_LABELS[key][0 if language() == "ja" else 1])
            box.setChecked(key in DEFAULT_TO_BE)
            box.toggled.connect(self._on_measure_toggled)
            self.checks[key] = box
            bar.addWidget(box)
        bar.addStretch(1)
        files = QHBoxLayout()
        for key, slot in (("jv_export", self._on_export_clicked),
                          ("jv_import", self._on_import_clicked),
                          ("jv_reset", self._on_reset_clicked)):
            button = QPushButton(tr(key))
            button.clicked.connect(slot)
            files.addWidget(button)
        files.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.cancel_button = QPushButton(tr("inv_cancel"))
        self.cancel_button.clicked.connect(self.runner.cancel)
        files.addWidget(self.progress)
        files.addWidget(self.cancel_button)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #C00000;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.events = QTableWidget()
        self.events.verticalHeader().setVisible(False)
        self.events.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.events.itemSelectionChanged.connect(self._on_events_item_selection_changed)
        self.chart = ChartCanvas(height=2.4)
        self.stops = self._table()
        timeline = QSplitter(Qt.Orientation.Vertical)
        timeline.addWidget(self.chart)
        timeline.addWidget(self.stops)
        timeline.setSizes([260, 140])
        self.members = self._table()
        self.assumptions = self._table()
        self.tabs = QTabWidget()
        self.tabs.addTab(timeline, tr("jv_tab_timeline"))
        self.tabs.addTab(self.members, tr("jv_tab_members"))
        self.tabs.addTab(self.assumptions, tr("jv_tab_assumptions"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(bar)
        layout.addLayout(files)
        layout.addWidget(self.problem)
        layout.addWidget(self.events, 2)
        layout.addWidget(self.tabs, 3)
        layout.addWidget(self.note)
        self._set_running(False)
        session.loaded.connect(self.request_refresh)

    @staticmethod
    def _table() -> QTableWidget:
        table = QTableWidget()
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        return table

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(key for key, box in self.checks.items() if box.isChecked())

    # --- computing ----------------------------------------------------------------
    def refresh(self) -> None:
        path = self.session.path
        if path is None:
            return
        measures = self.measures
        self.problem.hide()
        self._set_running(True)
        in_child = self.session.is_big()
        self.runner.start(lambda progress, cancelled: compute(path, measures, progress,
                                                              cancelled, in_child))

    def _on_measure_toggled(self, _checked: bool) -> None:
        self.request_refresh()

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.note.setText(tr("jv_waiting", replications=REPLICATIONS))

    def _on_runner_progressed(self, done: int, total: int, _label: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_runner_finished(self) -> None:
        if not self.runner.running:
            self._set_running(False)

    def _on_runner_failed(self, error: object) -> None:
        text = error.message(language()) if hasattr(error, "message") else str(error)
        self.problem.setText(text)
        self.problem.show()

    def _on_runner_succeeded(self, result: object) -> None:
        assert isinstance(result, JourneyResult)
        self.result = result
        self._show()

    # --- the project's own events (edits on the undo stack) ---------------------------
    def export_events(self, path: Path) -> Path | None:
        """Write the events in force to a CSV the user edits in Excel."""
        from bpr_studio.life_event_store import load_events, write_events_csv

        if self.session.project is None:
            return None
        return write_events_csv(path, load_events(self.session.project))

    def import_events(self, path: Path) -> bool:
        """Read events from a CSV and store them (undoable); a problem names its cell."""
        from analysis.life_events import EventDataError
        from bpr_studio.life_event_store import SetLifeEvents, read_events_csv
        from bpr_studio.queries import procedures_frame

        project = self.session.project
        if project is None:
            return False
        try:
            ids = set(procedures_frame(project)["procedure_id"].astype(str))
            events = read_events_csv(path, ids)
        except (EventDataError, OSError) as problem:
            text = problem.message(language()) if isinstance(problem, EventDataError) else str(problem)
            self.problem.setText(text)
            self.problem.show()
            return False
        self.problem.hide()
        return self.session.push(SetLifeEvents(tuple(events)))

    def reset_events(self) -> bool:
        from bpr_studio.life_event_store import SetLifeEvents

        return self.session.push(SetLifeEvents(None))

    def _on_export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, tr("jv_export"), "ライフイベント.csv", "CSV (*.csv)")
        if name:
            self.export_events(Path(name))

    def _on_import_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("jv_import"), "", "CSV (*.csv)")
        if name:
            self.import_events(Path(name))

    def _on_reset_clicked(self) -> None:
        self.reset_events()

    # --- showing ------------------------------------------------------------------
    def _show(self) -> None:
        result = self.result
        if result is None:
            return
        ja = language() == "ja"
        labels = "＋".join(MEASURE_LABELS[m][0 if ja else 1] for m in result.measures) or "—"
        self.summary.setText(tr("jv_summary", events=len(result.events), measures=labels))
        headers = [tr(k) for k in ("jv_col_event", "jv_col_per_year", "jv_col_counters",
                                   "jv_col_names", "jv_col_addresses", "jv_col_minutes_as_is",
                                   "jv_col_minutes_to_be", "jv_col_visits")]
        self.events.clear()
        self.events.setColumnCount(len(headers))
        self.events.setHorizontalHeaderLabels(headers)
        self.events.setRowCount(len(result.events))
        for row, event in enumerate(result.events):
            a, b = event.as_is, event.to_be
            cells = (
                event.name if ja else event.name_en, f"{event.events_per_year:,.0f}",
                f"{a.counters.mean:.1f} → {b.counters.mean:.1f}",
                f"{a.name_writes.mean:.1f} → {b.name_writes.mean:.1f}",
                f"{a.address_writes.mean:.1f} → {b.address_writes.mean:.1f}",
                f"{a.minutes.mean:.0f}（{a.minutes.p5:.0f}–{a.minutes.p95:.0f}）",
                f"{b.minutes.mean:.0f}（{b.minutes.p5:.0f}–{b.minutes.p95:.0f}）",
                f"{a.visits.mean:.2f} → {b.visits.mean:.2f}")
            for column, text in enumerate(cells):
                self.events.setItem(row, column, _item(text))
        self.events.resizeColumnsToContents()
        self._fill_assumptions(result)
        if result.events:
            self.events.selectRow(0)
        self.note.setText(tr("jv_note", replications=result.replications, seed=result.seed,
                             fy=result.fiscal_year, holidays=len(result.closed_weekdays)))

    def _on_events_item_selection_changed(self) -> None:
        rows = {index.row() for index in self.events.selectedIndexes()}
        if self.result is None or not rows:
            return
        event = self.result.events[min(rows)]
        lang = language()
        self.chart.draw(lambda figure: DRAW_JOURNEY(figure.add_subplot(111), event, lang,
                                                    with_list=False))
        self._fill_stops(event)
        self._fill_members(event)

    def _fill_stops(self, event: EventJourney) -> None:
        headers = [tr(k) for k in ("jv_s_mark", "jv_s_side", "jv_s_counter", "jv_s_share",
                                   "jv_s_write", "jv_s_wait", "jv_s_service", "jv_s_names",
                                   "jv_s_addresses", "jv_s_procedures")]
        rows = stop_rows(event, language())
        self.stops.clear()
        self.stops.setColumnCount(len(headers))
        self.stops.setHorizontalHeaderLabels(headers)
        self.stops.setRowCount(len(rows))
        for row, (mark, side, stop) in enumerate(rows):
            procedures = "、".join(p["name"] for p in stop.procedures)
            cells = (mark, side, stop.counter, f"{stop.visit_share:.0%}", f"{stop.write_min:.1f}",
                     f"{stop.wait_min:.1f}", f"{stop.service_min:.1f}", f"{stop.name_writes:.1f}",
                     f"{stop.address_writes:.1f}", procedures)
            for column, text in enumerate(cells):
                self.stops.setItem(row, column, _item(text, procedures if column == 9 else ""))
        self.stops.resizeColumnsToContents()
        self.stops.setColumnWidth(9, min(self.stops.columnWidth(9), 420))

    def _fill_members(self, event: EventJourney) -> None:
        headers = [tr(k) for k in ("jv_m_id", "jv_m_name", "jv_m_share", "jv_m_counter",
                                   "jv_m_visit", "jv_m_matched", "jv_m_source")]
        self.members.clear()
        self.members.setColumnCount(len(headers))
        self.members.setHorizontalHeaderLabels(headers)
        self.members.setRowCount(len(event.members))
        for row, member in enumerate(event.members):
            cells = (member["procedure_id"], member["name"], f"{member['share']:.0%}",
                     member["counter"], "○" if member["visit"] else "×", member["matched"],
                     member["source"])
            for column, text in enumerate(cells):
                self.members.setItem(row, column, _item(text, str(text) if column >= 5 else ""))
        self.members.resizeColumnsToContents()
        for column in (5, 6):
            self.members.setColumnWidth(column, min(self.members.columnWidth(column), 360))

    def _fill_assumptions(self, result: JourneyResult) -> None:
        headers = [tr(k) for k in ("jv_a_label", "jv_a_value", "jv_a_range", "jv_a_unit",
                                   "jv_a_source")]
        self.assumptions.clear()
        self.assumptions.setColumnCount(len(headers))
        self.assumptions.setHorizontalHeaderLabels(headers)
        self.assumptions.setRowCount(len(result.assumptions))
        for row, a in enumerate(result.assumptions):
            source = "; ".join(a["sources"]) or a["reasoning"]
            if a["proposal"] and a["sources"]:
                source = f"{a['reasoning']} — {source}"
            cells = (a["label"], f"{a['value']:g}", f"{a['low']:.3g}～{a['high']:.3g}", a["unit"],
                     source)
            for column, text in enumerate(cells):
                self.assumptions.setItem(row, column, _item(text, source if column == 4 else ""))
        self.assumptions.resizeColumnsToContents()
        self.assumptions.setColumnWidth(4, min(self.assumptions.columnWidth(4), 640))


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from bpr_studio.sample_project import ensure_sample_project

    app = QApplication(sys.argv)
    session = ProjectSession()
    view = JourneyView(session)
    view.resize(1280, 800)
    view.show()
    session.open(ensure_sample_project())
    sys.exit(app.exec())
