"""手続: the selected procedure's five costs (staff and citizen, as-is and to-be), its
readiness level with reasons, and its process metrics."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis.graph import metrics
from analysis.tabular import graph_of
from cost_model.costs import COSTS
from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.session import ProjectSession

METRIC_LABELS = (
    ("staff_minutes_per_case", ("職員の時間（分/件）", "staff min/case")),
    ("citizen_minutes_per_case", ("市民の時間（分/件）", "citizen min/case")),
    ("lead_time_days", ("待ち日数（日/件）", "waiting days/case")),
    ("handoffs", ("受け渡し（回/件）", "hand-offs/case")), ("actors", ("関わる主体", "actors")),
    ("paper_steps", ("紙の工程", "paper steps")), ("seal_steps", ("押印の工程", "seal steps")),
    ("manual_entry_steps", ("手入力の工程", "manual-entry steps")),
    ("counter_visits", ("来庁（回/件）", "visits/case")),
    ("critical_path_minutes", ("クリティカルパス（分）", "critical path (min)")),
)

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_FIVE_COSTS = deferred("analysis.charts", "draw_five_costs")


class ProcedureView(LazyRefreshMixin, QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = QLabel()
        # Procedure names are user data: never rich text (a name with <b> or <img> in it
        # would render as markup). Bold comes from the font instead.
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        title_font = self.title.font()
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.level = QLabel()
        self.level.setWordWrap(True)
        self.staff = ChartCanvas(height=3)
        self.citizen = ChartCanvas(height=3)
        self.metrics = QTableWidget(len(METRIC_LABELS), 3)
        self.metrics.setHorizontalHeaderLabels(["", "現状" if language() == "ja" else "as-is",
                                                "改善後" if language() == "ja" else "to-be"])
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.setMaximumWidth(380)
        # Compact rows, all of them visible: ten figures should not need a scroll bar.
        row_height = self.fontMetrics().height() + 6
        self.metrics.verticalHeader().setDefaultSectionSize(row_height)
        self.metrics.setMinimumHeight(row_height * (len(METRIC_LABELS) + 1) + 8)
        self.level.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        charts = QHBoxLayout()
        charts.addWidget(self.staff)
        charts.addWidget(self.citizen)
        lower = QHBoxLayout()
        lower.addWidget(self.metrics)
        lower.addWidget(self.level, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(charts, 1)
        layout.addLayout(lower)
        session.selection_changed.connect(self.request_refresh)
        session.comparison_ready.connect(self.request_refresh)

    def refresh(self, *_args: object) -> None:
        comparison = self.session.comparison
        pid = self.session.selected
        if comparison is None or pid is None:
            self.title.setText(tr("no_selection"))
            return
        a = comparison.as_is.procedures.set_index("procedure_id")
        b = comparison.to_be.procedures.set_index("procedure_id")
        if pid not in a.index:
            return
        row_a, row_b = a.loc[pid], b.loc[pid]
        self.title.setText(f"{pid} {row_a['name']}（{row_a['section']}、年間 "
                           f"{row_a['annual_cases']:,.0f} 件）" if language() == "ja" else
                           f"{pid} {row_a['name']} ({row_a['section']}, "
                           f"{row_a['annual_cases']:,.0f} cases/yr)")
        reasons = row_a[f"level_reasons_{language()}"]
        after = row_b[f"level_reasons_{language()}"]
        self.level.setText(f"<b>{tr('readiness')}</b><br>{tr('as_is')}: {reasons}<br>"
                           f"{tr('to_be')}: {after}")
        for canvas, side in ((self.staff, "staff"), (self.citizen, "citizen")):
            as_is = {c: float(row_a[f"{side}_{c}"]) for c in COSTS}
            to_be = {c: float(row_b[f"{side}_{c}"]) for c in COSTS}
            canvas.draw(lambda f, s=side, x=as_is, y=to_be: DRAW_FIVE_COSTS(
                f.add_subplot(111), s, x, y, lang=language()))
        self._fill_metrics(pid)

    def _fill_metrics(self, pid: str) -> None:
        comparison = self.session.comparison
        if comparison is None:
            return
        graphs = []
        for tables in (comparison.as_is_tables, comparison.to_be_tables):
            graphs.append(graph_of(tables, pid))
        values = [metrics(g) if g is not None else {} for g in graphs]
        for r, (key, labels) in enumerate(METRIC_LABELS):
            self.metrics.setItem(r, 0, QTableWidgetItem(labels[0 if language() == "ja" else 1]))
            for c, v in enumerate(values, start=1):
                number = v.get(key)
                text = "" if number is None else (f"{number:,.1f}" if isinstance(number, float)
                                                  else f"{number:,}")
                self.metrics.setItem(r, c, QTableWidgetItem(text))
        self.metrics.resizeColumnsToContents()


if __name__ == "__main__":
    from ui.preview import preview

    preview("procedure_view")
