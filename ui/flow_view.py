"""業務フロー: the chosen procedure as a swimlane process map (BPMN-style), as-is and
to-be side by side (stacked) or one at a time, with what the scenario changes
highlighted. Wheel zooms, dragging pans, 全体表示 fits; PNG/SVG/PDF export.

The map's geometry comes from :func:`analysis.flow_layout.layout_flow` (Qt-free);
``ui/flow_scene.py`` paints it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import networkx as nx
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from analysis.flow_layout import (
    LANE_HEIGHT,
    TITLE_HEIGHT,
    FlowLayout,
    FlowNode,
    layout_flow,
    step_details,
)
from analysis.scenario import apply_scenario
from analysis.tabular import graph_of
from ui.flow_scene import NodeItem, add_layout, export_scene
from ui.i18n import language
from ui.lazy import LazyRefreshMixin
from ui.procedure_list import fill_picker, procedure_picker
from ui.session import ProjectSession
from ui.session_tasks import procedure_choices

# This view's words (kept here: the view owns them; ui/i18n.py holds the shared ones).
_TEXT: dict[str, tuple[str, str]] = {
    "procedure": ("手続:", "Procedure:"),
    "show": ("表示:", "Show:"),
    "both": ("上下に並べる", "As-is above to-be"),
    "side": ("左右に並べる（連動）", "Side by side (linked)"),
    "as_is": ("現状のみ", "As-is only"),
    "to_be": ("改善後のみ", "To-be only"),
    "zoom_in": ("拡大", "Zoom in"),
    "zoom_out": ("縮小", "Zoom out"),
    "fit": ("全体表示", "Fit"),
    "actual": ("100%", "100%"),
    "export": ("書き出し…", "Export…"),
    "export_title": ("業務フローを書き出す", "Export the process map"),
    "export_filter": ("PNG 画像 (*.png);;SVG 図 (*.svg);;PDF (*.pdf)",
                      "PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf)"),
    "export_failed": ("書き出せませんでした: {error}", "Could not export: {error}"),
    "as_is_title": ("現状（As-Is）: {name}", "As-is: {name}"),
    "to_be_title": ("改善後（To-Be）: シナリオ「{scenario}」 — 変わる所 {changes} か所（赤）",
                    "To-be: scenario '{scenario}' — {changes} changes (red)"),
    "legend": ("レーン＝実施者　○ 開始 ◎ 終了　◇ 分岐（%＝件数の割合）　◷ 待ち日数　"
               "破線＝差し戻し　赤＝改善で変わる　灰色の破線＝不要になる工程。"
               "ホイールで拡大・縮小、ドラッグで移動、工程をクリックで詳細。",
               "Lanes = actors  ○ start ◎ end  ◇ branch (% of cases)  ◷ waiting days  "
               "dashed = rework  red = changed by the scenario  grey dashed = step no longer "
               "needed. Wheel zooms, drag pans, click a step for its details."),
    "no_procedure": ("手続を選んでください。", "Choose a procedure."),
    "detail_hint": ("工程をクリックすると、その詳細がここに出ます。",
                    "Click a step to see its details here."),
    "detail_close": ("閉じる", "Close"),
    "detail_as_is": ("現状", "As-is"),
    "detail_to_be": ("改善後", "To-be"),
    "detail_same": ("〃", "same"),
    "unit": ("分", " min"),
}
MODES = ("both", "side", "as_is", "to_be")
CLICK_SLOP_PX = 4  # a press and release closer than this is a click, not a drag
MIN_ZOOM, MAX_ZOOM = 0.05, 4.0


def _t(key: str, **params: object) -> str:
    ja, en = _TEXT[key]
    text = ja if language() == "ja" else en
    return text.format(**params) if params else text


class FlowGraphicsView(QGraphicsView):
    """Wheel zooms about the cursor, dragging pans; zoom is the view's scale."""

    zoom_changed = Signal(float)
    node_clicked = Signal(object)   # the FlowNode of the step (task or its timer) clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pressed_at: QPoint | None = None
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setBackgroundBrush(Qt.GlobalColor.white)

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.scale(zoom / self.zoom(), zoom / self.zoom())
        self.zoom_changed.emit(self.zoom())

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom() * factor)

    def fit(self) -> None:
        """The whole map in view. Not fitInView on the items: it fits to the pixel, so
        a scroll bar that appears (the scene rect has a margin) or integer scrolling
        could hide a fraction of the last lane. The scene rect (items and a margin) is
        fitted with 2 % to spare, so no scroll bar appears and everything shows."""
        scene = self.scene()
        if scene is None:
            return
        rect = scene.sceneRect()
        viewport = self.viewport().rect()
        if rect.width() <= 0 or rect.height() <= 0:
            return
        zoom = min(viewport.width() / rect.width(), viewport.height() / rect.height())
        self.set_zoom(zoom * 0.98)
        self.centerOn(rect.center())

    def fit_height(self, height: float | None = None) -> None:
        """The opening zoom: one map's lanes (``height``) fill the view, so text grows on
        a large screen, but never below the size where a box's name stays readable;
        scroll to the start."""
        if self.scene() is None:
            return
        height = max((height or self.scene().itemsBoundingRect().height()) + 24, 1.0)
        self.set_zoom(min(max(self.viewport().height() / height, 0.8), 1.6))
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())
        self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.15 ** steps)
        event.accept()

    # Dragging pans (ScrollHandDrag); a press and release in one place is a click.
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._pressed_at = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        start, self._pressed_at = self._pressed_at, None
        at = event.position().toPoint()
        if start is None or (at - start).manhattanLength() > CLICK_SLOP_PX:
            return
        node = self.node_at(at)
        if node is not None:
            self.node_clicked.emit(node)

    def node_at(self, point: QPoint) -> FlowNode | None:
        """The step (task or timer) drawn at a viewport point, if any."""
        for item in self.items(point):
            if isinstance(item, NodeItem) and item.node.step_no is not None:
                return item.node
        return None


class FlowView(LazyRefreshMixin, QWidget):
    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.procedure_combo = QComboBox()
        self.procedure_combo.setEditable(True)  # type to find one of 3,000 procedures
        self.procedure_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.procedure_combo.setMinimumContentsLength(20)
        # Sized by that length, not by measuring every item (30,000 calls into Python).
        self.procedure_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # A lazy list and a completer filtering in C++ (ui.procedure_list): 30,000 items.
        self.procedure_list, self.procedure_texts = procedure_picker(self.procedure_combo)
        self.procedure_combo.activated.connect(self._on_procedure_combo_activated)
        self.mode_combo = QComboBox()
        for mode in MODES:
            self.mode_combo.addItem(_t(mode), mode)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_combo_changed)
        # The as-is map (or both, stacked) in ``view``; side by side, the to-be in
        # ``view_b``, its zoom and scrolling linked to the first.
        self.view = FlowGraphicsView()
        self.scene = QGraphicsScene(self)
        self.view.setScene(self.scene)
        self.view_b = FlowGraphicsView()
        self.scene_b = QGraphicsScene(self)
        self.view_b.setScene(self.scene_b)
        self.view_b.hide()
        self._linking = False
        for source, target in ((self.view, self.view_b), (self.view_b, self.view)):
            source.zoom_changed.connect(lambda _z, s=source, t=target: self._link(s, t))
            source.horizontalScrollBar().valueChanged.connect(
                lambda _v, s=source, t=target: self._link(s, t))
            source.verticalScrollBar().valueChanged.connect(
                lambda _v, s=source, t=target: self._link(s, t))
            source.node_clicked.connect(self.show_step)
        self.zoom_label = QLabel()
        self.view.zoom_changed.connect(
            lambda zoom: self.zoom_label.setText(f"{zoom:.0%}"))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_t("procedure")))
        bar.addWidget(self.procedure_combo, 2)
        bar.addWidget(QLabel(_t("show")))
        bar.addWidget(self.mode_combo)
        self.buttons: dict[str, QToolButton] = {}
        for key, slot in (("zoom_out", lambda: self.view.zoom_by(1 / 1.25)),
                          ("zoom_in", lambda: self.view.zoom_by(1.25)),
                          ("actual", lambda: self.view.set_zoom(1.0)),
                          ("fit", self._fit),
                          ("export", self._on_export_button_clicked)):
            button = QToolButton()
            button.setText(_t(key))
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addWidget(self.zoom_label)
        bar.addStretch(1)
        self.legend = QLabel(_t("legend"))
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        self.maps = QSplitter(Qt.Orientation.Horizontal)
        self.maps.addWidget(self.view)
        self.maps.addWidget(self.view_b)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.maps)
        self.splitter.addWidget(self._build_detail_panel())
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setCollapsible(0, False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.legend)
        layout.addWidget(self.splitter, 1)
        self._listed: tuple[str, ...] = ()
        self.shown: str | None = None  # the procedure on screen
        self.map_height = 0.0
        self.pair: tuple[nx.DiGraph, nx.DiGraph] | None = None
        session.selection_changed.connect(self.request_refresh)
        session.comparison_ready.connect(self.request_refresh)

    def _build_detail_panel(self) -> QWidget:
        """The clicked step's details (actor, minutes, medium, seal, waits, measures)."""
        self.detail_panel = QFrame()
        self.detail_panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.detail_panel.setMinimumWidth(220)
        self.detail_panel.setMaximumWidth(380)
        self.detail = QLabel(_t("detail_hint"))
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText(_t("detail_close"))
        close.clicked.connect(self.detail_panel.hide)
        layout = QVBoxLayout(self.detail_panel)
        layout.addWidget(self.detail, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.detail_panel.hide()  # shown by the first click on a step
        return self.detail_panel

    # --- data -> scene ---------------------------------------------------------------

    def _fill_procedures(self) -> None:
        comparison = self.session.comparison
        if comparison is None:
            return
        # Listed by the comparison's worker (ui.session_tasks.procedure_choices).
        ids, shown = self.session.procedure_choices
        if not ids and len(comparison.as_is_tables.procedures):
            ids, shown = procedure_choices(comparison)
        if ids == self._listed:
            return
        self._listed = ids
        self.procedure_combo.blockSignals(True)
        fill_picker(self.procedure_list, self.procedure_texts, list(ids), shown=shown)
        self.procedure_combo.blockSignals(False)

    def graphs(self, procedure_id: str) -> tuple[nx.DiGraph, nx.DiGraph] | None:
        """The as-is graph and the scenario's to-be graph of one procedure."""
        comparison, scenario = self.session.comparison, self.session.scenario
        if comparison is None or scenario is None:
            return None
        as_is = graph_of(comparison.as_is_tables, procedure_id)
        if as_is is None:
            return None
        # Apply the scenario to this one graph: its effects name the measures, so the
        # map can say which measure changed a step.
        to_be_graphs, _log = apply_scenario({procedure_id: as_is}, scenario)
        return as_is, to_be_graphs[procedure_id]

    def mode(self) -> str:
        return str(self.mode_combo.currentData() or "both")

    def refresh(self, *_args: object) -> None:
        self._fill_procedures()
        pid = self.session.selected
        if pid is None and self._listed:
            pid = self._listed[0]
        index = self.procedure_list.row_of(pid)
        if index >= 0:
            self.procedure_combo.setCurrentIndex(index)
        pair = self.graphs(pid) if pid is not None else None
        first_time = self.shown is None
        self.scene.clear()
        self.scene_b.clear()
        self.view_b.setVisible(self.mode() == "side")
        self.pair = pair
        if pair is None:
            self.scene.addSimpleText(_t("no_procedure"))
            self.shown = None
            return
        self.map_height = self.draw(*pair)
        if first_time or pid != self.shown:
            self.view.fit_height(self.map_height)
            self.detail_panel.hide()  # its step belonged to the procedure shown before
        self._link(self.view, self.view_b)
        self.shown = pid

    def draw(self, as_is: nx.DiGraph, to_be: nx.DiGraph) -> float:
        """Put the maps in the scene(s); returns the height of one map."""
        lang, mode = language(), self.mode()
        before = layout_flow(as_is, lang)
        after = layout_flow(to_be, lang, baseline=as_is)
        if mode == "side":
            self._fill(self.scene, "as_is", as_is, before, after)
            self._fill(self.scene_b, "to_be", as_is, before, after)
            # One scene rect for both, so the linked scroll bars mean the same place.
            rect = self.scene.itemsBoundingRect().united(self.scene_b.itemsBoundingRect())
            for scene in (self.scene, self.scene_b):
                scene.setSceneRect(rect.adjusted(-20, -TITLE_HEIGHT / 2, 20, 20))
        else:
            self._fill(self.scene, mode, as_is, before, after)
        return before.height

    def _fill(self, scene: QGraphicsScene, mode: str, as_is: nx.DiGraph, before: FlowLayout,
              after: FlowLayout) -> None:
        """One scene with the as-is map, the to-be map, or both stacked ("both")."""
        unit = _t("unit")
        name = f"{as_is.graph.get('procedure_id', '')} {as_is.graph.get('name', '')}".strip()
        scenario = self.session.scenario.name if self.session.scenario else ""
        if mode in ("both", "as_is"):
            add_layout(scene, before, _t("as_is_title", name=name), unit)
        if mode in ("both", "to_be"):
            offset = before.height + LANE_HEIGHT * 0.25 if mode == "both" else 0.0
            add_layout(scene, after.shifted(offset),
                       _t("to_be_title", scenario=scenario, changes=after.changes)
                       + ("" if mode == "both" else f" — {name}"), unit)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -TITLE_HEIGHT / 2, 20, 20))

    def _link(self, source: FlowGraphicsView, target: FlowGraphicsView) -> None:
        """Side by side, the other map follows this one's zoom and scrolling."""
        if self._linking or self.mode() != "side":
            return
        self._linking = True
        try:
            target.setTransform(source.transform())
            for a, b in ((source.horizontalScrollBar(), target.horizontalScrollBar()),
                         (source.verticalScrollBar(), target.verticalScrollBar())):
                b.setValue(a.value())
        finally:
            self._linking = False
        if target is self.view:
            self.zoom_label.setText(f"{self.view.zoom():.0%}")

    def _fit(self) -> None:
        self.view.fit()
        self._link(self.view, self.view_b)

    def show_step(self, node: FlowNode) -> None:
        """The clicked step's details, as-is and (where it differs) to-be, in the panel."""
        if self.pair is None or node.step_no is None:
            return
        as_is, to_be = self.pair
        title, rows = step_details(as_is, to_be, node.step_no, language())
        lines = [f"<b>{escape(title)}</b>",
                 f"<table cellspacing='0' cellpadding='2'><tr><td></td>"
                 f"<td><i>{_t('detail_as_is')}</i></td><td><i>{_t('detail_to_be')}</i></td></tr>"]
        for row in rows:
            after = (f"<td style='color:#C0504D'><b>{escape(row.to_be)}</b></td>"
                     if row.to_be is not None else f"<td>{_t('detail_same')}</td>")
            if row is rows[-1]:  # the measures: one cell over both columns
                after = ""
            span = " colspan='2'" if row is rows[-1] else ""
            lines.append(f"<tr><td nowrap>{escape(row.label)}</td><td{span}>{escape(row.as_is)}</td>"
                         f"{after}</tr>")
        lines.append("</table>")
        self.detail.setText("".join(lines))
        if self.detail_panel.isHidden():
            self.detail_panel.show()
            total = sum(self.splitter.sizes())
            panel = max(self.detail_panel.minimumWidth(), min(300, total // 4))
            self.splitter.setSizes([total - panel, panel])

    # --- slots -------------------------------------------------------------------------

    def _on_mode_combo_changed(self, _index: int) -> None:
        self.shown = None  # a new arrangement opens at the fitted zoom
        if self.mode() == "side":
            self.maps.setSizes([10000, 10000])  # half each (view_b was hidden till now)
        self.request_refresh()

    def _on_procedure_combo_activated(self, index: int) -> None:
        pid = self.procedure_combo.itemData(index)
        if pid:
            self.session.select(str(pid))

    def _on_export_button_clicked(self) -> None:
        name = f"業務フロー_{self.shown or ''}.png"
        path, _filter = QFileDialog.getSaveFileName(self, _t("export_title"), name,
                                                    _t("export_filter"))
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> Path | None:
        """The maps as shown; side by side, both maps stacked in one picture."""
        scene = self.scene
        if self.mode() == "side" and self.pair is not None:
            scene = QGraphicsScene()
            as_is, to_be = self.pair
            lang = language()
            before = layout_flow(as_is, lang)
            self._fill(scene, "both", as_is, before, layout_flow(to_be, lang, baseline=as_is))
        try:
            return export_scene(scene, path, f"{self.shown or ''}")
        except OSError as error:
            QMessageBox.warning(self, _t("export_title"), _t("export_failed", error=error))
            return None


if __name__ == "__main__":
    from ui.preview import preview

    preview("flow_view")
