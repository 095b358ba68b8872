"""Draw a :class:`analysis.flow_layout.FlowLayout` in a QGraphicsScene, and export it.

The layout holds every position; this module only paints: lanes with their actor's
name, BPMN shapes (start/end events, tasks, exclusive gateways, timer events), flows
with arrowheads and share labels. Text is painted at a level of detail: when the map is
zoomed out so far that a box's name would be unreadable, the box shows its step number
in a font that stays readable instead (the full text is in the tooltip).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from analysis.flow_layout import (
    FONT_SIZE,
    LABEL_FONT_SIZE,
    LANE_HEADER_WIDTH,
    TITLE_HEIGHT,
    FlowEdge,
    FlowLayout,
    FlowNode,
    Lane,
)

LANE_COLORS = {"citizen": "#FDF1E7", "counter": "#EAF2FB", "clerk": "#EDF5E6",
               "approver": "#FFF7DC", "system": "#F2F2F2", "external": "#F4EEF8"}
INK = QColor("#262626")
MUTED = QColor("#7F7F7F")
CHANGED = QColor("#C0504D")
CHANGED_FILL = QColor("#FDECEA")
REMOVED_FILL = QColor("#E7E6E6")
FONT_FAMILY = "IPAexGothic"  # bundled with matplotlib-fontja; Qt falls back if absent
READABLE_PX = 9.0  # below this on screen, a box shows its step number instead


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(size * 0.75)  # scene units are pixels at 100 %: 1 px = 0.75 pt
    font.setBold(bold)
    return font


class NodeItem(QGraphicsItem):
    """One BPMN shape of the layout, painted with level of detail."""

    def __init__(self, node: FlowNode, unit: str) -> None:
        super().__init__()
        self.node = node
        self.unit = unit
        self.setPos(node.x, node.y)
        self.setZValue(2)
        self.setToolTip(self._tooltip())

    def _tooltip(self) -> str:
        n = self.node
        if n.kind != "task":
            return " ".join(n.lines) + (f"\n{n.detail}" if n.detail else "")
        parts = ["".join(n.lines).replace("…", "")]
        if n.minutes is not None:
            minutes = f"{n.minutes:.1f}{self.unit}"
            if n.before_minutes is not None:
                minutes = f"{n.before_minutes:.1f} → {minutes}"
            parts.append(minutes)
        if n.marks:
            parts.append(" ".join(n.marks))
        if n.detail:
            parts.append(n.detail)
        return "\n".join(parts)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-2, -2, self.node.width + 4, self.node.height + 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        n = self.node
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0, 0, n.width, n.height)
        edge = CHANGED if n.status == "changed" else (MUTED if n.status == "removed" else INK)
        pen = QPen(edge, 2.2 if n.status == "changed" else 1.3)
        if n.status == "removed":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if n.kind in ("start", "end", "timer"):
            painter.setBrush(QBrush(QColor("#FFFFFF")))
            if n.kind == "end":
                painter.setPen(QPen(edge, 3.2))
            painter.drawEllipse(rect)
            if n.kind == "timer":
                self._paint_timer(painter, rect, edge, lod)
            return
        if n.kind == "gateway":
            diamond = QPolygonF([QPointF(n.width / 2, 0), QPointF(n.width, n.height / 2),
                                 QPointF(n.width / 2, n.height), QPointF(0, n.height / 2)])
            painter.setBrush(QBrush(QColor("#FFFFFF")))
            painter.drawPolygon(diamond)
            painter.setPen(QPen(INK, 2.4))  # the X of an exclusive gateway
            d = n.width * 0.2
            c = QPointF(n.width / 2, n.height / 2)
            painter.drawLine(c + QPointF(-d, -d), c + QPointF(d, d))
            painter.drawLine(c + QPointF(-d, d), c + QPointF(d, -d))
            return
        fill = {"changed": CHANGED_FILL, "removed": REMOVED_FILL}.get(n.status, QColor("#FFFFFF"))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(rect, 9, 9)
        if FONT_SIZE * lod < READABLE_PX:
            # Too small to read a name: the step number, at a size readable on screen.
            painter.setFont(_font(min(READABLE_PX * 1.4 / max(lod, 1e-3), n.height * 0.8), True))
            painter.setPen(MUTED if n.status == "removed" else INK)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n.step_no))
            return
        painter.setFont(_font(FONT_SIZE))
        painter.setPen(MUTED if n.status == "removed" else INK)
        line_height = FONT_SIZE * 1.3
        top = 6.0
        for line in n.lines:
            painter.drawText(QRectF(4, top, n.width - 8, line_height),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, line)
            top += line_height
        minutes = n.minutes_text(self.unit)
        painter.setFont(_font(LABEL_FONT_SIZE, n.status == "changed"))
        painter.setPen(CHANGED if n.status == "changed" else MUTED)
        painter.drawText(QRectF(6, n.height - line_height - 3, n.width - 12, line_height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, minutes)
        if n.marks:
            painter.setPen(CHANGED)
            painter.drawText(QRectF(6, n.height - line_height - 3, n.width - 12, line_height),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             " ".join(n.marks))

    def _paint_timer(self, painter: QPainter, rect: QRectF, edge: QColor, lod: float) -> None:
        inner = rect.adjusted(4, 4, -4, -4)
        painter.drawEllipse(inner)
        c = inner.center()
        painter.setPen(QPen(edge, 1.4))
        painter.drawLine(c, c + QPointF(0, -inner.height() * 0.32))
        painter.drawLine(c, c + QPointF(inner.width() * 0.24, 0))
        # The waiting days under the clock, bold: they are often the longest part of a case.
        grown = min(READABLE_PX / max(lod, 1e-3), (LABEL_FONT_SIZE + 1) * 2)
        painter.setFont(_font(max(LABEL_FONT_SIZE + 1, grown), True))
        painter.setPen(CHANGED if self.node.status != "same" else INK)
        text = " ".join(self.node.lines)
        painter.drawText(QRectF(-30, rect.height() + 2, rect.width() + 60, FONT_SIZE * 3),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)


class TimerItem(NodeItem):
    def boundingRect(self) -> QRectF:  # noqa: N802  (room for the days under the clock)
        return QRectF(-32, -2, self.node.width + 64, self.node.height + FONT_SIZE * 3 + 4)


class LabelItem(QGraphicsItem):
    """A flow's share, on a white ground so a crossing line never hides it."""

    def __init__(self, edge: FlowEdge) -> None:
        super().__init__()
        assert edge.label_box is not None
        x, y, w, h = edge.label_box
        self.edge = edge
        self.rect = QRectF(0, 0, w, h)
        self.setPos(x, y)
        self.setZValue(3)

    def boundingRect(self) -> QRectF:  # noqa: N802  (room for the grown share, zoomed out)
        return self.rect.adjusted(-20, -10, 20, 10)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(255, 255, 255, 230)))
        painter.drawRoundedRect(self.rect, 3, 3)
        colour = CHANGED if self.edge.rework or self.edge.status == "changed" else INK
        painter.setPen(colour)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if LABEL_FONT_SIZE * lod >= READABLE_PX:
            painter.setFont(_font(LABEL_FONT_SIZE, self.edge.status == "changed"))
            painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.edge.label)
            return
        # Zoomed out: the share alone, grown (at most twice) towards a readable size.
        share = f"{self.edge.probability:.0%}"
        painter.setFont(_font(min(READABLE_PX / max(lod, 1e-3), LABEL_FONT_SIZE * 2), True))
        painter.drawText(self.rect.adjusted(-20, -10, 20, 10), Qt.AlignmentFlag.AlignCenter,
                         share)


class ReadableTextItem(QGraphicsItem):
    """Text in a box that stays readable when the map is zoomed out: below READABLE_PX
    on screen the font grows (up to what the box holds); in a tall narrow box, such as a
    lane's header, it is then set vertically, one character under another."""

    def __init__(self, text: str, rect: QRectF, size: float, bold: bool = True,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        super().__init__()
        self.text, self.rect, self.size, self.bold, self.align = text, rect, size, bold, align
        self.setZValue(1)
        self.setToolTip(text)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setPen(INK)
        flags = self.align | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        if self.size * lod >= READABLE_PX:
            painter.setFont(_font(self.size, self.bold))
            painter.drawText(self.rect, flags, self.text)
            return
        wanted = READABLE_PX * 1.2 / max(lod, 1e-3)
        tall = self.rect.height() > self.rect.width() * 1.2
        if tall:  # vertical, as Japanese is written on a narrow label
            size = min(wanted, self.rect.height() / max(len(self.text), 1) / 1.1,
                       self.rect.width() * 0.9)
            painter.setFont(_font(size, True))
            painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, "\n".join(self.text))
        else:
            painter.setFont(_font(min(wanted, self.rect.height() * 2.5), True))
            painter.drawText(QRectF(self.rect.x(), self.rect.y() - self.rect.height() * 1.5,
                                    self.rect.width(), self.rect.height() * 2.5),
                             self.align | Qt.AlignmentFlag.AlignBottom, self.text)


def _arrow_head(tip: QPointF, before: QPointF, size: float = 9.0) -> QPolygonF:
    direction = tip - before
    length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-9)
    ux, uy = direction.x() / length, direction.y() / length
    base = tip - QPointF(ux * size, uy * size)
    normal = QPointF(-uy * size * 0.45, ux * size * 0.45)
    return QPolygonF([tip, base + normal, base - normal])


def add_layout(scene: QGraphicsScene, flow: FlowLayout, title: str, unit: str) -> None:
    """Add one map (lanes, shapes, flows) to the scene at the layout's coordinates."""
    top = flow.lanes[0].top if flow.lanes else TITLE_HEIGHT
    width = max(flow.width, 400.0)
    scene.addItem(ReadableTextItem(title, QRectF(4, top - TITLE_HEIGHT + 2, width - 8,
                                                 TITLE_HEIGHT - 4), FONT_SIZE + 3))
    for index, lane in enumerate(flow.lanes):
        _add_lane(scene, lane, flow.width, index)
    for edge in flow.edges:
        _add_edge(scene, edge)
    for node in flow.nodes:
        scene.addItem(TimerItem(node, unit) if node.kind == "timer" else NodeItem(node, unit))


def _add_lane(scene: QGraphicsScene, lane: Lane, width: float, index: int) -> None:
    fill = QColor(LANE_COLORS.get(lane.actor, "#F7F7F7"))
    band = scene.addRect(QRectF(0, lane.top, width, lane.height), QPen(QColor("#BFBFBF"), 0.8),
                         QBrush(fill))
    band.setZValue(0)
    header = scene.addRect(QRectF(0, lane.top, LANE_HEADER_WIDTH, lane.height),
                           QPen(QColor("#BFBFBF"), 0.8), QBrush(fill.darker(106)))
    header.setZValue(0.5)
    # Painted as plain text (a user's word is never read as markup), readable zoomed out.
    scene.addItem(ReadableTextItem(lane.label, QRectF(4, lane.top + 2, LANE_HEADER_WIDTH - 8,
                                                      lane.height - 4), FONT_SIZE + 1))


def _add_edge(scene: QGraphicsScene, edge: FlowEdge) -> None:
    colour = CHANGED if edge.status == "changed" else (QColor("#A6403C") if edge.rework else INK)
    path = QPainterPath(QPointF(*edge.points[0]))
    for x, y in edge.points[1:]:
        path.lineTo(x, y)
    pen = QPen(colour, 1.6)
    if edge.rework:
        pen.setStyle(Qt.PenStyle.DashLine)
    line = scene.addPath(path, pen)
    line.setZValue(1.5)
    tip, before = QPointF(*edge.points[-1]), QPointF(*edge.points[-2])
    head = scene.addPolygon(_arrow_head(tip, before), QPen(colour, 1), QBrush(colour))
    head.setZValue(1.6)
    if edge.label and edge.label_box is not None:
        scene.addItem(LabelItem(edge))


def export_scene(scene: QGraphicsScene, path: Path, title: str = "") -> Path:
    """Write the whole scene to PNG (2× for print), SVG or PDF, chosen by the suffix."""
    source = scene.itemsBoundingRect().adjusted(-8, -8, 8, 8)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(source.width()), int(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(title)
        painter = QPainter(generator)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
    elif suffix == ".pdf":
        writer = QPdfWriter(str(path))
        writer.setTitle(title)
        writer.setResolution(96)
        writer.setPageSize(QPageSize(QSizeF(source.width(), source.height()),
                                     QPageSize.Unit.Point))
        writer.setPageMargins(writer.pageLayout().margins() * 0)
        painter = QPainter(writer)
        target = QRectF(0, 0, writer.width(), writer.height())
        scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
        painter.end()
    else:
        image = QImage(int(source.width() * 2), int(source.height() * 2),
                       QImage.Format.Format_ARGB32)
        image.fill(QColor("#FFFFFF"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        scene.render(painter, QRectF(0, 0, image.width(), image.height()), source)
        painter.end()
        if not image.save(str(path)):
            raise OSError(f"cannot write {path}")
    return path
