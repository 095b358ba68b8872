"""The process map of :mod:`analysis.flow_layout` drawn with matplotlib for the printed
report: the same lanes, BPMN shapes, routed flows and shares as the app's 業務フロー view
(ui/flow_scene.py draws the same layout with Qt), so a reader who knows one reads the other.

A picture is sized for a landscape A4 page under its caption (:data:`PAGE_PX`, Excel's
96 px an inch) with box text at :data:`MIN_TEXT_PT` or more. A map too wide for that prints
in parts of whole columns (a step with its waiting timer and split stays together); every
part repeats the lane names, and a flow that leaves the part says where it goes
("→工程11") or where it comes from ("工程3から").
"""

from __future__ import annotations

import colorsys
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from analysis.flow_layout import (
    FONT_SIZE,
    GAP,
    LABEL_FONT_SIZE,
    LANE_HEADER_WIDTH,
    TASK_HEIGHT,
    FlowEdge,
    FlowLayout,
    FlowNode,
    layout_flow,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MIN_TEXT_PT", "OVERSAMPLE", "PAGE_PX", "PRINT_LANE_HEIGHT", "Continuation",
           "PrintedPart", "continuations", "part_bounds", "print_flow"]

# The most a landscape A4 page holds under a caption row (784 x 487 pt printable): the
# width leaves room for the sheet's columns to cover it (report.appendix).
PAGE_PX = (960.0, 600.0)
MIN_TEXT_PT = 8.0
# PNG pixels per pixel shown: 144 dpi on paper. Twice (192 dpi) took a third more time
# to draw and encode, for text that prints at 8 pt either way.
OVERSAMPLE = 1.5
# Lanes a little lower than on screen (156) so that five of them fit the page at 8 pt;
# the routing bands above and below the boxes still hold two levels of flows and labels.
PRINT_LANE_HEIGHT = 140.0
_TASK_HALF = TASK_HEIGHT / 2
_NOTE_HEIGHT = LABEL_FONT_SIZE + 5  # a continuation note's line, in scene units
_LEAD_IN = 14.0  # units a later part shows before its first column
_PT_PER_PX = 0.75  # scene units are pixels at 100 %: 1 px = 0.75 pt

LANE_COLORS = {"citizen": "#FDF1E7", "counter": "#EAF2FB", "clerk": "#EDF5E6",
               "approver": "#FFF7DC", "system": "#F2F2F2", "external": "#F4EEF8"}
INK = "#262626"
MUTED = "#7F7F7F"
CHANGED = "#C0504D"
CHANGED_FILL = "#FDECEA"
REMOVED_FILL = "#E7E6E6"
REWORK = "#A6403C"
LANE_LINE = "#BFBFBF"


@dataclass(frozen=True)
class PrintedPart:
    """One picture of a map: ``label`` "" when the map is whole, else e.g.
    "工程1～6（全25工程）"; ``shown_px`` its size on the sheet (the PNG is
    :data:`OVERSAMPLE` times larger); ``text_pt`` the printed size of its box text."""

    label: str
    png: bytes
    shown_px: tuple[float, float]
    text_pt: float


def print_flow(graph: nx.DiGraph, baseline: nx.DiGraph | None = None, lang: str = "ja"
               ) -> list[PrintedPart]:
    """The pictures of one procedure's map (``baseline``: its as-is, for a to-be map that
    shows what changes; both then print in the same parts), in as few parts as keep the
    box text at 8 pt."""
    flow = print_layout(graph, baseline, lang)
    top, height = _band(flow)
    scale, parts = part_bounds(flow)
    steps = [n.step_no for n in flow.nodes if n.kind == "task" and n.step_no is not None]
    unit = "分" if lang == "ja" else "min"
    printed = []
    for index, (left, right) in enumerate(parts):
        width = right - left + (LANE_HEADER_WIDTH if index else 0.0)
        px = min(scale, PAGE_PX[0] / width)
        in_part = [n.step_no for n in flow.nodes if n.kind == "task" and n.step_no is not None
                   and left <= n.x < right]
        label = ""
        if len(parts) > 1 and in_part:
            span = (str(in_part[0]) if in_part[0] == in_part[-1]
                    else f"{in_part[0]}～{in_part[-1]}" if lang == "ja"
                    else f"{in_part[0]}–{in_part[-1]}")
            label = (f"工程{span}（全{len(steps)}工程）" if lang == "ja"
                     else f"steps {span} (of {len(steps)})")
        png = _draw(flow, left, right, top, height, px, unit, lang, first=index == 0)
        printed.append(PrintedPart(label, png, (width * px, height * px),
                                   FONT_SIZE * px * _PT_PER_PX))
    return printed


def print_layout(graph: nx.DiGraph, baseline: nx.DiGraph | None = None, lang: str = "ja"
                 ) -> FlowLayout:
    """The app's layout of the map with the print's lower lanes."""
    return layout_flow(graph, lang, baseline, lane_height=PRINT_LANE_HEIGHT)


def _band(flow: FlowLayout) -> tuple[float, float]:
    """(top, height) of the lanes: the picture has no title, its caption is the sheet's."""
    top = flow.lanes[0].top if flow.lanes else 0.0
    return top, (flow.lanes[-1].bottom if flow.lanes else top + PRINT_LANE_HEIGHT) - top


def part_bounds(flow: FlowLayout) -> tuple[float, list[tuple[float, float]]]:
    """(shown pixels a scene unit at most, [(left, right) of each part in scene units]).
    The first part starts at the lane names; a later part is drawn with them in front."""
    _top, height = _band(flow)
    smallest = MIN_TEXT_PT / (FONT_SIZE * _PT_PER_PX)  # px a unit for 8 pt box text
    scale = min(1.0, PAGE_PX[1] / height)  # never above the app's 100 %
    # Six lanes do not fit at 8 pt: their parts are as wide as the height's scale allows.
    widest = PAGE_PX[0] / min(smallest, scale)
    return scale, _split(_column_groups(flow), widest)


def _column_groups(flow: FlowLayout) -> list[tuple[float, float]]:
    """(left, right) of each run of nodes that prints together: a step's task, its timer
    and its split; the start event with the first step, the end event with the last."""
    groups: list[list[float]] = []  # [step, left, right]
    start_left: float | None = None
    for node in sorted(flow.nodes, key=lambda n: n.x):
        left, right = node.x - GAP / 2, node.right + GAP / 2
        same_step = bool(groups) and node.step_no is not None and groups[-1][0] == node.step_no
        if node.kind == "start":
            start_left = left
        elif groups and (node.kind == "end" or same_step):
            groups[-1][2] = right
        else:
            step = float(node.step_no) if node.step_no is not None else -1.0
            groups.append([step, left if start_left is None else start_left, right])
            start_left = None
    return [(left, right) for _step, left, right in groups]


def _split(groups: list[tuple[float, float]], widest: float) -> list[tuple[float, float]]:
    """Runs of whole groups, each at most ``widest`` units wide with its lane names (a
    group wider alone is a part of its own), as few as can be and as even as can be: a
    five-step flow prints 3 + 2, not 4 + 1."""
    if not groups:
        return []

    def width(first: int, last: int) -> float:  # groups first..last, lane names included
        left = 0.0 if first == 0 else groups[first][0] - LANE_HEADER_WIDTH - _LEAD_IN
        return groups[last][1] - left

    def runs(limit: float) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for index in range(len(groups)):
            if found and width(found[-1][0], index) <= limit:
                found[-1] = (found[-1][0], index)
            else:
                found.append((index, index))
        return found

    fewest = len(runs(widest))
    # The narrowest limit that still needs no more parts than the widest one does.
    limits = sorted({width(a, b) for a in range(len(groups)) for b in range(a, len(groups))
                     if width(a, b) <= widest} | {widest})
    chosen = next(limit for limit in limits if len(runs(limit)) <= fewest)
    return [(0.0 if first == 0 else groups[first][0] - _LEAD_IN, groups[last][1])
            for first, last in runs(chosen)]


def _darker(colour: str, factor: float = 1.06) -> str:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    r, g, b = colorsys.hsv_to_rgb(h, s, v / factor)
    return "#" + "".join(f"{round(c * 255):02X}" for c in (r, g, b))


class _Pen:
    """Sizes in scene units turned into points for a picture shown at ``px`` pixels a unit."""

    def __init__(self, px: float) -> None:
        self.px = px

    def pt(self, units: float) -> float:
        return units * self.px * _PT_PER_PX


def _draw(flow: FlowLayout, left: float, right: float, top: float, height: float, px: float,
          unit: str, lang: str, first: bool) -> bytes:
    # matplotlib here, not at import: the report's process reads this module's sizes
    # (appendix.flow_sheet) and leaves drawing to the picture process.
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib_fontja  # noqa: F401  (registers IPAexGothic as the font family)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    header_left = left - LANE_HEADER_WIDTH if not first else left
    width = right - header_left
    figure = Figure(figsize=(width * px / 96, height * px / 96), dpi=96 * OVERSAMPLE)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(header_left, right)
    ax.set_ylim(top + height, top)  # y grows downwards, as in the layout
    ax.axis("off")
    pen = _Pen(px)
    for lane in flow.lanes:
        ax.add_patch(Rectangle((header_left, lane.top), width, lane.height,
                               fc=LANE_COLORS.get(lane.actor, "#F7F7F7"), ec=LANE_LINE,
                               lw=pen.pt(0.8), zorder=0))
    # Only what shows in this part: text is laid out even off the picture, and a long
    # map's other parts would cost each part as much as the whole map.
    shown = (header_left - GAP, right + GAP)
    for edge in flow.edges:
        xs = [x for x, _y in edge.points]
        if max(xs) >= shown[0] and min(xs) <= shown[1]:
            _edge(ax, edge, pen, (left, right))
    for node in flow.nodes:
        if node.right < shown[0] or node.x > shown[1]:
            continue
        if node.kind == "task":
            _task(ax, node, pen, unit)
        elif node.kind == "gateway":
            _gateway(ax, node, pen)
        else:
            _event(ax, node, pen)
    _draw_continuations(ax, flow, left, right, pen, lang)
    for lane in flow.lanes:  # the lane names on top: later parts cover what runs under
        ax.add_patch(Rectangle((header_left, lane.top), LANE_HEADER_WIDTH, lane.height,
                               fc=_darker(LANE_COLORS.get(lane.actor, "#F7F7F7")),
                               ec=LANE_LINE, lw=pen.pt(0.8), zorder=8))
        ax.text(header_left + 6, lane.middle, lane.label, ha="left", va="center",
                fontsize=pen.pt(FONT_SIZE + 1), color=INK, zorder=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96 * OVERSAMPLE)
    return buffer.getvalue()


def _edge(ax: Axes, edge: FlowEdge, pen: _Pen, shown: tuple[float, float]) -> None:
    """``shown``: the part's columns; a share cut by its edge is left to its note."""
    from matplotlib.patches import FancyBboxPatch, Polygon

    colour = CHANGED if edge.status == "changed" else (REWORK if edge.rework else INK)
    xs, ys = zip(*edge.points, strict=True)
    ax.plot(xs, ys, color=colour, lw=pen.pt(1.6), ls=(0, (4, 3)) if edge.rework else "-",
            solid_joinstyle="miter", zorder=1.5)
    (tx, ty), (bx, by) = edge.points[-1], edge.points[-2]
    length = max(((tx - bx) ** 2 + (ty - by) ** 2) ** 0.5, 1e-9)
    ux, uy = (tx - bx) / length, (ty - by) / length
    size = 9.0
    base = (tx - ux * size, ty - uy * size)
    normal = (-uy * size * 0.45, ux * size * 0.45)
    ax.add_patch(Polygon([(tx, ty), (base[0] + normal[0], base[1] + normal[1]),
                          (base[0] - normal[0], base[1] - normal[1])], closed=True,
                         fc=colour, ec=colour, lw=pen.pt(1), zorder=1.6))
    if edge.label and edge.label_box is not None and shown[0] <= edge.label_box[0] and (
            edge.label_box[0] + edge.label_box[2] <= shown[1]):
        x, y, w, h = edge.label_box
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=3",
                                    fc=(1, 1, 1, 0.9), ec="none", zorder=3))
        ax.text(x + w / 2, y + h / 2, edge.label, ha="center", va="center",
                fontsize=pen.pt(LABEL_FONT_SIZE),
                color=CHANGED if edge.rework or edge.status == "changed" else INK, zorder=3.1)


def _task(ax: Axes, n: FlowNode, pen: _Pen, unit: str) -> None:
    from matplotlib.patches import FancyBboxPatch

    edge = CHANGED if n.status == "changed" else (MUTED if n.status == "removed" else INK)
    fill = {"changed": CHANGED_FILL, "removed": REMOVED_FILL}.get(n.status, "#FFFFFF")
    ax.add_patch(FancyBboxPatch((n.x, n.y), n.width, n.height,
                                boxstyle="round,pad=0,rounding_size=9", fc=fill, ec=edge,
                                lw=pen.pt(2.2 if n.status == "changed" else 1.3),
                                ls=(0, (4, 3)) if n.status == "removed" else "-", zorder=2))
    line_height = FONT_SIZE * 1.3
    y = n.y + 6 + line_height / 2
    for line in n.lines:
        ax.text(n.x + n.width / 2, y, line, ha="center", va="center",
                fontsize=pen.pt(FONT_SIZE), color=MUTED if n.status == "removed" else INK,
                zorder=2.1)
        y += line_height
    minutes = n.minutes_text(unit)
    bottom = n.bottom - 3 - line_height / 2
    ax.text(n.x + 6, bottom, minutes, ha="left", va="center", fontsize=pen.pt(LABEL_FONT_SIZE),
            color=CHANGED if n.status == "changed" else MUTED, zorder=2.1)
    if n.marks:
        ax.text(n.right - 6, bottom, " ".join(n.marks), ha="right", va="center",
                fontsize=pen.pt(LABEL_FONT_SIZE), color=CHANGED, zorder=2.1)


def _gateway(ax: Axes, n: FlowNode, pen: _Pen) -> None:
    from matplotlib.patches import Polygon

    cx, cy = n.center
    ax.add_patch(Polygon([(cx, n.y), (n.right, cy), (cx, n.bottom), (n.x, cy)], closed=True,
                         fc="#FFFFFF", ec=INK, lw=pen.pt(1.3), zorder=2))
    d = n.width * 0.2
    for sign in (1, -1):
        ax.plot((cx - d, cx + d), (cy - sign * d, cy + sign * d), color=INK, lw=pen.pt(2.4),
                solid_capstyle="butt", zorder=2.1)


def _event(ax: Axes, n: FlowNode, pen: _Pen) -> None:
    from matplotlib.patches import Circle

    edge = CHANGED if n.status == "changed" else (MUTED if n.status == "removed" else INK)
    cx, cy = n.center
    radius = n.width / 2
    ax.add_patch(Circle((cx, cy), radius, fc="#FFFFFF", ec=edge,
                        lw=pen.pt(3.2 if n.kind == "end" else 1.3), zorder=2))
    if n.kind != "timer":
        return
    inner = radius - 4
    ax.add_patch(Circle((cx, cy), inner, fc="none", ec=edge, lw=pen.pt(1.3), zorder=2.1))
    ax.plot((cx, cx), (cy, cy - inner * 0.64), color=edge, lw=pen.pt(1.4), zorder=2.2)
    ax.plot((cx, cx + inner * 0.48), (cy, cy), color=edge, lw=pen.pt(1.4), zorder=2.2)
    # The waiting days under the clock, bold: they are often the longest part of a case.
    ax.text(cx, n.bottom + 2, " ".join(n.lines), ha="center", va="top",
            fontsize=pen.pt(LABEL_FONT_SIZE + 1),
            color=CHANGED if n.status != "same" else INK, zorder=2.2)


def _name(node: FlowNode, lang: str) -> str:
    """A node as a reader finds it: a step's task, waiting timer and split all go by the
    step's number (their keys are s12, t12, g12)."""
    ja = lang == "ja"
    if node.kind == "end":
        return "終了" if ja else "end"
    if node.kind == "start":
        return "開始" if ja else "start"
    return f"工程{node.key[1:]}" if ja else f"step {node.key[1:]}"


@dataclass(frozen=True)
class Continuation:
    """Where a flow crosses a part's edge: the node at its other end, by name."""

    x: float
    y: float
    text: str
    align: str  # "left" or "right" of x
    rework: bool


def continuations(flow: FlowLayout, left: float, right: float, lang: str = "ja"
                  ) -> list[Continuation]:
    """The notes of the part from ``left`` to ``right``: "→工程6" where a flow leaves it
    for a later step, "←工程3 20%" where a rework flow leaves it for an earlier one,
    "工程5から" where a flow comes in from a node outside it."""
    ja = lang == "ja"
    # One note per node outside and edge of the part: a split whose branches both leave
    # (or a node whose flows both come in) says it once, with both shares.
    found: dict[tuple[float, str], tuple[float, list[str], bool]] = {}
    for edge in flow.edges:
        source, target = flow.node(edge.source), flow.node(edge.target)
        source_in = left <= source.x < right
        if source_in == (left <= target.x < right):
            continue
        for (x1, y1), (x2, y2) in zip(edge.points, edge.points[1:], strict=False):
            if abs(y1 - y2) > 1e-6:
                continue  # only a horizontal run crosses a part's edge
            for border in (left, right):
                if not min(x1, x2) < border <= max(x1, x2):
                    continue
                if source_in:
                    text = f"{'←' if border == left else '→'}{_name(target, lang)}"
                else:
                    text = f"{_name(source, lang)}から" if ja else f"from {_name(source, lang)}"
                # Above the boxes of the lane when the flow runs at their height.
                lane = flow.lane(source.lane if source_in else target.lane)
                y = y1 - 4
                if lane.top <= y1 <= lane.bottom and abs(y1 - lane.middle) <= _TASK_HALF:
                    y = lane.middle - _TASK_HALF - 4
                old_y, shares, rework = found.get((border, text), (y, [], edge.rework))
                if edge.probability < 0.999:
                    shares.append(f"{edge.probability:.0%}")
                found[(border, text)] = (min(old_y, y), shares, rework and edge.rework)
    notes = []
    for border in (left, right):
        # Lowest first; a note that would sit on the one below moves up a line.
        below = float("inf")
        for (edge_x, text), (y, shares, rework) in sorted(
                found.items(), key=lambda item: -item[1][0]):
            if edge_x != border:
                continue
            y = min(y, below - _NOTE_HEIGHT)
            below = y
            notes.append(Continuation(border + 4 if border == left else border - 4, y,
                                      text + (" " + "・".join(shares) if shares else ""),
                                      "left" if border == left else "right", rework))
    return notes


def _draw_continuations(ax: Axes, flow: FlowLayout, left: float, right: float, pen: _Pen,
                        lang: str) -> None:
    for note in continuations(flow, left, right, lang):
        ax.text(note.x, note.y, note.text, ha=note.align, va="bottom",
                fontsize=pen.pt(LABEL_FONT_SIZE), color=REWORK if note.rework else INK,
                zorder=7, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                "alpha": 0.9})
