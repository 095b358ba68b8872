"""効果測定: a scenario's plan against a re-survey round (issue 15 item 4).

The comparison (``bpr_studio.effect.effect_at``) runs in a worker; the view shows the
chain surveyed → proposed → achieved, the KPIs of the re-surveyed procedures, and tables
by measure, section and procedure, with the sources of the figures underneath.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analysis.effect_result import KPIS, MEASURED, EffectResult
from analysis.measures import MEASURES
from analysis.montecarlo import SimulationCancelled
from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.table_model import DataFrameTableModel, default_format
from ui.task_runner import TaskRunner

MAX_COLUMN_PX = 200


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{float(value) * 100:.0f}%"


def _percent1(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{float(value) * 100:.1f}%"


def _number(value: Any) -> str:
    """Whole numbers from 100 up, one decimal below (minutes, FTE, shares, days)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        if abs(value) < 0.05:
            return "0"  # not "-0.0"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return default_format(value)


def _table(headers: dict[str, str], formatters: dict[str, Any] | None = None
           ) -> tuple[QTableView, DataFrameTableModel]:
    numbers = {key: _number for key in headers if key not in (formatters or {})}
    model = DataFrameTableModel(headers, {**numbers, **(formatters or {})})
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setResizeContentsPrecision(60)  # the first rows, not 1,000
    view.setWordWrap(False)
    return view, model


@dataclass
class EffectFrames:
    """The tables of an effect result, made in the worker (:func:`effect_frames`)."""

    kpis: pd.DataFrame
    measures: pd.DataFrame
    sections: pd.DataFrame
    procedures: pd.DataFrame   # largest shortfall first, unmeasured ones after


def effect_frames(result: EffectResult, ja: bool) -> EffectFrames:
    ordered = sorted(result.procedures, key=lambda p: (p.status != MEASURED, -(
        p.figures["staff_time_h"].planned_saving - (p.figures["staff_time_h"].actual_saving
                                                    or 0.0)) if p.figures else 0))
    return EffectFrames(
        kpis=pd.DataFrame(_kpi_rows(result, ja)),
        measures=pd.DataFrame([{
            "label": m.label_ja if ja else m.label_en, "procedures": m.procedures,
            "planned_h": m.planned_h, "actual_h": m.actual_h, "achievement": m.achievement,
            "shortfall_h": m.shortfall_h, "unmeasured_h": m.planned_unmeasured_h}
            for m in result.measures]),
        sections=pd.DataFrame([_area_row(s, ja) for s in result.sections]),
        procedures=pd.DataFrame([_area_row(p, ja) for p in ordered]))


def _kpi_rows(result: EffectResult, ja: bool) -> list[dict[str, Any]]:
    rows = []
    for kpi in KPIS:
        f = result.city.figures[kpi.key]
        scale = 100.0 if kpi.unit_ja == "%" else 1.0
        row: dict[str, Any] = {"label": kpi.ja if ja else kpi.en,
                               "unit": kpi.unit_ja if ja else kpi.unit_en,
                               "achievement": f.achievement}
        for key in ("baseline", "planned", "resurveyed", "planned_saving", "actual_saving"):
            value = getattr(f, key)
            row[key] = None if value is None else float(value) * scale
        rows.append(row)
    return rows


def _area_row(area: Any, ja: bool) -> dict[str, Any]:
    f = area.figures
    row: dict[str, Any] = {
        "key": area.key, "name": area.name, "label": area.name, "section": area.section,
        "status": tr("effect_status_" + area.status),
        "coverage": f"{area.measured}/{area.procedures}",
        "measures": "、".join((MEASURES[m].ja if ja else MEASURES[m].en)
                              for m in area.measures if m in MEASURES),
        "source": area.source}
    if f:
        hours, online = f["staff_time_h"], f["online_share"]
        row.update(planned_h=hours.planned_saving, actual_h=hours.actual_saving,
                   achievement=hours.achievement, online_base=online.baseline,
                   online_plan=online.planned, online_again=online.resurveyed,
                   minutes_base=f["staff_minutes_per_case"].baseline,
                   minutes_again=f["staff_minutes_per_case"].resurveyed)
    return row


class EffectView(LazyRefreshMixin, QWidget):
    def __init__(self, session=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.result: EffectResult | None = None
        self.run: Any = None  # the worker's last bpr_studio.effect.EffectRun
        self.runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.round_box = QComboBox()
        self.round_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.round_box.activated.connect(self._on_round_box_activated)
        self.status = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("effect_round")))
        top.addWidget(self.round_box)
        top.addWidget(self.status, 1)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-size: 11pt;")
        self.chain = QLabel()
        self.chain.setWordWrap(True)
        ja = language() == "ja"
        self.kpi_view, self.kpi_model = _table({
            "label": tr("effect_col_kpi"), "unit": tr("effect_col_unit"),
            "baseline": tr("effect_col_baseline"), "planned": tr("effect_col_planned"),
            "resurveyed": tr("effect_col_resurveyed"),
            "planned_saving": tr("effect_col_planned_saving"),
            "actual_saving": tr("effect_col_actual_saving"),
            "achievement": tr("effect_col_achievement")}, {"achievement": _percent})
        self.measure_view, self.measure_model = _table({
            "label": tr("effect_col_measure"), "procedures": tr("effect_col_procedures"),
            "planned_h": tr("effect_col_planned_h"), "actual_h": tr("effect_col_actual_h"),
            "achievement": tr("effect_col_achievement"), "shortfall_h": tr("effect_col_shortfall"),
            "unmeasured_h": tr("effect_col_unmeasured_h")}, {"achievement": _percent})
        self.section_view, self.section_model = _table({
            "label": tr("effect_col_section"), "coverage": tr("effect_col_coverage"),
            "planned_h": tr("effect_col_planned_h"), "actual_h": tr("effect_col_actual_h"),
            "achievement": tr("effect_col_achievement"),
            "online_base": tr("effect_col_online_base"), "online_again": tr("effect_col_online_again"),
            "source": tr("effect_col_source")},
            {"achievement": _percent, "online_base": _percent1, "online_again": _percent1})
        self.procedure_view, self.procedure_model = _table({
            "key": "ID", "name": tr("effect_col_procedure"), "section": tr("effect_col_section"),
            "status": tr("effect_col_status"), "planned_h": tr("effect_col_planned_h"),
            "actual_h": tr("effect_col_actual_h"), "achievement": tr("effect_col_achievement"),
            "minutes_base": tr("effect_col_minutes_base"),
            "minutes_again": tr("effect_col_minutes_again"),
            "online_base": tr("effect_col_online_base"), "online_plan": tr("effect_col_online_plan"),
            "online_again": tr("effect_col_online_again"), "measures": tr("effect_col_measures"),
            "source": tr("effect_col_source")},
            {"achievement": _percent, "online_base": _percent1, "online_plan": _percent1,
             "online_again": _percent1})
        self.tabs = QTabWidget()
        for view, key in ((self.kpi_view, "effect_tab_kpi"),
                          (self.measure_view, "effect_tab_measures"),
                          (self.section_view, "effect_tab_sections"),
                          (self.procedure_view, "effect_tab_procedures")):
            self.tabs.addTab(view, tr(key))
        self.sources = QLabel()
        self.sources.setWordWrap(True)
        self.sources.setStyleSheet("color: #444;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.chain)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.sources)
        self._ja = ja
        self._round: str | None = None
        if session is not None:
            session.loaded.connect(self.request_refresh)
            session.scenario_changed.connect(self.request_refresh)

    # --- work ----------------------------------------------------------------------
    def refresh(self) -> None:
        session = self.session
        if session is None or session.path is None or session.scenario is None:
            return
        path, scenario, chosen, ja = session.path, session.scenario, self._round, self._ja

        def task(progress: Any, cancelled: Any) -> tuple[Any, EffectFrames | None]:
            # Imported with its first use, in the worker: a lighter start-up, and the view's
            # first show no longer spends 80 ms importing the survey readers on the GUI thread.
            from bpr_studio.effect import effect_at

            run = effect_at(path, scenario, chosen, progress, cancelled)
            # The tables' rows too, here: a prefecture's 30,000 procedures made into rows
            # and sorted on the GUI thread held it for a third of a second.
            return run, effect_frames(run.result, ja) if run.result is not None else None
        self.status.setText(tr("effect_running"))
        self.runner.start(task)

    def _on_round_box_activated(self, index: int) -> None:
        self._round = self.round_box.itemData(index)
        self.request_refresh()

    def _on_runner_failed(self, error: object) -> None:
        self.status.setText(str(error))

    def _on_runner_succeeded(self, outcome: Any) -> None:  # (EffectRun, EffectFrames)
        run, frames = outcome
        self.run = run
        self.round_box.clear()
        for info in run.rounds:
            self.round_box.addItem(info.describe(language()), info.name)
        self.show_result(run.result, frames)

    # --- display -------------------------------------------------------------------
    def show_result(self, result: EffectResult | None, frames: EffectFrames | None = None
                    ) -> None:
        """Show ``result``; ``frames``: its tables made in the worker (else made here)."""
        self.result = result
        if result is None:
            self.status.setText("")
            self.headline.setText(tr("effect_none"))
            self.chain.setText("")
            self.sources.setText("")
            for model in (self.kpi_model, self.measure_model, self.section_model,
                          self.procedure_model):
                model.set_frame(pd.DataFrame())
            return
        self._round = result.round_name
        self.round_box.setCurrentIndex(max(self.round_box.findData(result.round_name), 0))
        self.status.setText(tr("effect_scenario", name=result.scenario))
        ja = self._ja
        hours = result.city.figures["staff_time_h"]
        self.headline.setText(tr(
            "effect_headline", measured=result.city.measured, total=result.city.procedures,
            planned=f"{hours.planned_saving:,.0f}", actual=f"{hours.actual_saving or 0:,.0f}",
            rate=_percent(hours.achievement)))
        steps = " → ".join(f"{s.ja} {s.hours:,.0f} h（{s.share_of_surveyed:.1%}）" if ja
                           else f"{s.en} {s.hours:,.0f} h ({s.share_of_surveyed:.1%})"
                           for s in result.chain)
        tokai = " → ".join(f"{s.hours:,.0f}" for s in result.reference_chain)
        self.chain.setText(tr("effect_chain", steps=steps, tokai=tokai,
                              source=result.reference.short(url=False)))
        frames = frames if frames is not None else effect_frames(result, ja)
        self.kpi_model.set_frame(frames.kpis)
        self.measure_model.set_frame(frames.measures)
        self.section_model.set_frame(frames.sections)
        self.procedure_model.set_frame(frames.procedures)
        for view in (self.kpi_view, self.measure_view, self.section_view, self.procedure_view):
            view.resizeColumnsToContents()
            header = view.horizontalHeader()
            for column in range(header.count()):  # long names elide; the rest stays in view
                header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_PX))
        lines = result.sources if ja else (result.sources_en or result.sources)
        self.sources.setText("\n".join(f"{tr('effect_source_' + key)}: {text}"
                                       for key, text in lines.items()))


if __name__ == "__main__":
    from ui.preview import preview

    preview("effect_view")
