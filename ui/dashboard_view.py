"""ダッシュボード: the as-is city at a glance: totals, levels, the largest procedures, sections."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ui.chart_canvas import ChartCanvas, deferred
from ui.i18n import language, tr
from ui.session import ProjectSession
from ui.session_tasks import summarise

# Imported when first drawn, in the render thread (see ui.chart_canvas).
DRAW_BARH = deferred("analysis.charts", "draw_barh")


def _level_counts(figure, counts: list[int]) -> None:
    ax = figure.add_subplot(111)
    ax.bar([1, 2, 3, 4], counts, color=["#70AD47", "#A9D08E", "#F4B183", "#C00000"])
    ax.set_xticks([1, 2, 3, 4], [tr("chart_level_n", n=n) for n in range(1, 5)], fontsize=8)
    ax.set_title(tr("chart_levels"), fontsize=9)
    for n, c in zip(range(1, 5), counts, strict=True):
        ax.text(n, c, f"{c:,}", ha="center", va="bottom", fontsize=7)
    ax.tick_params(labelsize=7)


class DashboardView(QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.cards: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, key in enumerate(("staff_time_h", "staff_fte", "staff_economic_yen",
                                 "citizen_time_h", "citizen_visits", "procedures")):
            card = QLabel()
            card.setStyleSheet("QLabel { background: #DDEBF7; border-radius: 6px; padding: 8px; }")
            card.setMinimumHeight(56)
            grid.addWidget(card, i // 3, i % 3)
            self.cards[key] = card
        self.levels = ChartCanvas(height=2.6)
        self.top = ChartCanvas(height=2.6)
        self.sections = ChartCanvas(height=2.6)
        charts = QGridLayout()
        charts.addWidget(self.levels, 0, 0)
        charts.addWidget(self.sections, 0, 1)
        charts.addWidget(self.top, 1, 0, 1, 2)
        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addLayout(grid)
        content.addLayout(charts, 1)
        # A new project has nothing to total: say what to do instead of empty axes.
        self.empty_hint = QLabel(tr("dashboard_empty"))
        self.empty_hint.setWordWrap(True)
        self.empty_hint.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{tr('dashboard_title')}</b>"))
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.content, 1)
        session.loaded.connect(self._on_session_loaded)

    def _on_session_loaded(self) -> None:
        data = self.session.data
        if data is None:
            return
        empty = len(data.procedures) == 0
        self.empty_hint.setVisible(empty)
        self.content.setVisible(not empty)
        if empty:
            return
        # Aggregated in the loading worker (ui.session_tasks.summarise): summing, grouping and
        # sorting a prefecture's procedures here held the window for a third of a second.
        summary = data.summary if data.summary is not None else summarise(
            data.scores, data.procedures)
        totals = summary.city
        ja = language() == "ja"
        values = {
            "staff_time_h": (tr("card_staff_hours"), f"{totals['staff_time_h']:,.0f} "
                             + ("時間/年" if ja else "h/yr")),
            "staff_fte": (tr("card_fte"), f"{totals['staff_fte']:,.1f} " + ("人" if ja else "FTE")),
            "staff_economic_yen": (tr("card_staff_yen"),
                                   f"{totals['staff_economic_yen'] / 1e6:,.1f} "
                                   + ("百万円/年" if ja else "¥M/yr")),
            "citizen_time_h": (tr("card_citizen_hours"), f"{totals['citizen_time_h']:,.0f} "
                               + ("時間/年" if ja else "h/yr")),
            "citizen_visits": (tr("card_visits"), f"{totals['citizen_visits']:,.0f} "
                               + ("回/年" if ja else "visits/yr")),
            "procedures": (tr("card_procedures"),
                           f"{len(data.procedures):,} 手続・{data.step_count:,} 工程" if ja else
                           f"{len(data.procedures):,} procedures, {data.step_count:,} steps"),
        }
        for key, (label, text) in values.items():
            self.cards[key].setText(f"<span style='font-size:9pt'>{label}</span><br>"
                                    f"<span style='font-size:15pt'><b>{text}</b></span>")
        self.levels.draw(_level_counts, summary.level_counts)
        by_section = summary.top_sections
        self.sections.draw(lambda f: DRAW_BARH(
            f.add_subplot(111), list(by_section["section"]), list(by_section["staff_time_h"]),
            tr("hours_per_year"), tr("chart_sections")))
        ranked = summary.top_procedures

        def draw_top(figure) -> None:
            # As many names as fit the chart's height (about 18 px a name), up to 15.
            top = ranked.head(max(5, min(15, int(figure.get_figheight() * 100 / 18) - 3)))
            DRAW_BARH(figure.add_subplot(111),
                      [f"{n}（{s}）" for n, s in zip(top["name"], top["section"], strict=True)],
                      list(top["staff_time_h"]), tr("hours_per_year"),
                      tr("chart_top_n", n=len(top)), color="#ED7D31")
        self.top.draw(draw_top)


if __name__ == "__main__":
    from ui.preview import preview

    preview("dashboard_view")
