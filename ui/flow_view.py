"""業務フロー: the selected procedure as swimlanes, as-is above to-be; zoom, fit and
PNG/SVG export come from the matplotlib toolbar."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from analysis.charts import draw_swimlane
from analysis.scenario import apply_scenario
from analysis.tabular import graph_of
from ui.chart_canvas import ChartCanvas
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.session import ProjectSession


class FlowView(LazyRefreshMixin, QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.hint = QLabel(tr("flow_hint"))
        self.canvas = ChartCanvas(toolbar=True, height=6)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)
        session.selection_changed.connect(self.request_refresh)
        session.comparison_ready.connect(self.request_refresh)

    def refresh(self, *_args: object) -> None:
        comparison, pid = self.session.comparison, self.session.selected
        if comparison is None or pid is None or self.session.scenario is None:
            return
        as_is = graph_of(comparison.as_is_tables, pid)
        if as_is is None:
            return
        # The to-be graph with its effects (so removed steps show grey): apply the scenario.
        to_be_graphs, _log = apply_scenario({pid: as_is}, self.session.scenario)
        to_be = to_be_graphs[pid]
        name = as_is.graph.get("name", "")

        def draw(figure) -> None:
            top, bottom = figure.subplots(2, 1)
            draw_swimlane(top, as_is, f"{pid} {name} — {tr('as_is')}", language())
            draw_swimlane(bottom, to_be, f"{tr('to_be')}（{self.session.scenario.name}）",
                          language())
        self.canvas.draw(draw)


if __name__ == "__main__":
    from ui.preview import preview

    preview("flow_view")
