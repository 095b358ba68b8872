"""Process maps as geometry: swimlanes, BPMN-style nodes and routed edges (Qt-free).

A procedure's graph (:mod:`analysis.graph`) becomes a :class:`FlowLayout` of plain
dataclasses with coordinates in scene units (1 unit = 1 pixel at 100 % zoom; y grows
downwards, as in Qt and in BPMN DI). ``ui/flow_view.py`` draws it in a QGraphicsScene;
the same layout can be written out as BPMN DI (shapes = nodes, edges = waypoints).

The notation follows BPMN 2.0: one lane per actor (市民, 窓口職員, 担当職員, 決裁者,
システム, 外部機関), a start event before the first step and an end event after the last,
tasks for steps, an exclusive gateway after a step whose cases split (each outgoing flow
labelled with its share), rework flows back to an earlier step drawn below the boxes with
their share, and waiting days (待ち日数) as an intermediate timer event after the step.

Routing keeps lines and labels clear of boxes: every node has its own column, so the
gap before a node is free in every lane; a flow that would cross a box in its own lane
runs along the lane's top margin (forward) or bottom margin (rework), bands that hold no
box.

>>> from analysis.graph import build_graph
>>> g = build_graph({"procedure_id": "P", "name": "申請"},
...                 [{"step_no": 1, "name": "記入", "actor": "citizen", "typical_minutes": 5},
...                  {"step_no": 2, "name": "審査", "actor": "clerk", "typical_minutes": 3}],
...                 [(1, 2, 1.0), (2, 1, 0.2), (2, None, 0.8)])
>>> flow = layout_flow(g)
>>> [lane.actor for lane in flow.lanes]
['citizen', 'clerk']
>>> [n.kind for n in flow.nodes]
['start', 'task', 'task', 'gateway', 'end']
>>> sorted(e.label for e in flow.edges if e.label)
['80%', '差戻し 20%']
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from analysis.graph import END, step_numbers
from analysis.measures import MEASURES, effect_multiplier
from bpr_studio.model import codes

LANE_ORDER = ("citizen", "counter", "clerk", "approver", "system", "external")

# Geometry in scene units (pixels at 100 %). A lane is tall enough for a box in its
# middle band and a routing band above and below it (MARGIN each).
LANE_HEADER_WIDTH = 92.0
LANE_HEIGHT = 156.0
TASK_WIDTH, TASK_HEIGHT = 132.0, 66.0
EVENT_SIZE = 34.0
GATEWAY_SIZE = 42.0
GAP = 46.0
TITLE_HEIGHT = 30.0
FONT_SIZE = 13.0      # scene units; the view keeps it readable (see ui/flow_view.py)
LABEL_FONT_SIZE = 12.0
MARGIN = (LANE_HEIGHT - TASK_HEIGHT) / 2
_CHARS_PER_LINE = 9   # full-width characters that fit a task box at FONT_SIZE
_MAX_LINES = 2


@dataclass(frozen=True)
class Lane:
    """One actor's horizontal band."""

    actor: str
    label: str
    top: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


@dataclass(frozen=True)
class FlowNode:
    """A BPMN shape: ``kind`` is start, end, task, gateway or timer; x, y = top left.

    ``status`` compares a to-be node with the as-is one: same, changed (time or
    attributes) or removed (no time left); ``detail`` says what changed and why.
    """

    key: str
    kind: str
    lane: str
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...] = ()
    step_no: int | None = None
    minutes: float | None = None
    before_minutes: float | None = None
    marks: tuple[str, ...] = ()
    status: str = "same"
    detail: str = ""

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    def minutes_text(self, unit: str) -> str:
        """What a task box shows under its name: its minutes, "3.0→2.5" when the to-be
        changes them, "1.5→0" (or "—") for a step no longer needed."""
        minutes = "" if self.minutes is None else f"{self.minutes:.1f}{unit}"
        if (self.before_minutes is not None and self.minutes is not None
                and self.status == "changed"
                and f"{self.before_minutes:.1f}" != f"{self.minutes:.1f}"):
            return f"{self.before_minutes:.1f}→{minutes}"
        if self.status == "removed":
            return "—" if not self.before_minutes else f"{self.before_minutes:.1f}→0"
        return minutes

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class FlowEdge:
    """A sequence flow: waypoints from the source's border to the target's border.

    ``label_box`` (x, y, width, height) holds the share text, placed clear of boxes.
    """

    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    probability: float
    label: str = ""
    label_box: tuple[float, float, float, float] | None = None
    rework: bool = False
    status: str = "same"
    before_probability: float | None = None


@dataclass(frozen=True)
class FlowLayout:
    procedure_id: str
    title: str
    lanes: tuple[Lane, ...]
    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]
    width: float
    height: float
    changes: int = 0  # nodes and flows that differ from the baseline
    _by_key: dict[str, FlowNode] = field(default_factory=dict, repr=False, compare=False)

    def node(self, key: str) -> FlowNode:
        if not self._by_key:
            self._by_key.update({n.key: n for n in self.nodes})
        return self._by_key[key]

    def lane(self, actor: str) -> Lane:
        return next(lane for lane in self.lanes if lane.actor == actor)

    def task(self, step_no: int) -> FlowNode:
        return self.node(f"s{step_no}")

    def shifted(self, dy: float) -> FlowLayout:
        """The same map moved down by ``dy`` (to stack as-is above to-be in one scene)."""
        def lane(v: Lane) -> Lane:
            return Lane(v.actor, v.label, v.top + dy, v.height)

        def node(n: FlowNode) -> FlowNode:
            return FlowNode(n.key, n.kind, n.lane, n.x, n.y + dy, n.width, n.height, n.lines,
                            n.step_no, n.minutes, n.before_minutes, n.marks, n.status, n.detail)

        def edge(e: FlowEdge) -> FlowEdge:
            box = e.label_box
            return FlowEdge(e.source, e.target, tuple((x, y + dy) for x, y in e.points),
                            e.probability, e.label,
                            None if box is None else (box[0], box[1] + dy, box[2], box[3]),
                            e.rework, e.status, e.before_probability)

        return FlowLayout(self.procedure_id, self.title, tuple(map(lane, self.lanes)),
                          tuple(map(node, self.nodes)), tuple(map(edge, self.edges)),
                          self.width, self.height, self.changes)


def text_width(text: str, size: float) -> float:
    """Width of a line of text in scene units (full-width characters are one em)."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def wrap_name(name: str, chars: int = _CHARS_PER_LINE, max_lines: int = _MAX_LINES
              ) -> tuple[str, ...]:
    """A step name cut into lines that fit a box (Japanese has no spaces to break at)."""
    lines: list[str] = []
    line, width = "", 0.0
    for char in name.strip():
        step = 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6
        if width + step > chars:
            lines.append(line)
            line, width = "", 0.0
        line, width = line + char, width + step
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return tuple(lines)


def step_minutes(graph: nx.DiGraph, step: int) -> float:
    """Typical minutes after the step's effects (the to-be time; as-is has no effects)."""
    data = graph.nodes[step]
    minutes = float(data.get("typical_minutes") or 0)
    for effect in data.get("effects", []):
        minutes *= max(effect_multiplier(effect), 0.0)
    return minutes


def _marks(data: dict[str, Any], lang: str) -> tuple[str, ...]:
    flags = (("紙" if lang == "ja" else "paper", data.get("medium") == "paper"),
             ("印" if lang == "ja" else "seal", bool(data.get("seal"))),
             ("手" if lang == "ja" else "manual", bool(data.get("manual_entry"))),
             # No time in the source (a BPMN task without one): counted as 0, to check.
             ("要確認" if lang == "ja" else "no time", data.get("time_missing") is True))
    return tuple(mark for mark, on in flags if on)


def _wait_days(data: dict[str, Any]) -> float:
    value = data.get("wait_days")
    try:
        days = float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0
    return days if math.isfinite(days) and days > 0 else 0.0


def _outgoing(graph: nx.DiGraph, step: int) -> list[tuple[int | str, float]]:
    return [(t, float(p)) for t, p in sorted(
        ((t, d.get("probability", 1.0)) for t, d in graph[step].items()),
        key=lambda tp: (tp[0] == END, tp[0] if tp[0] != END else 0)) if p > 1e-9]


def _change_detail(data: dict[str, Any], lang: str) -> str:
    names = []
    for effect in data.get("effects", []):
        measure = MEASURES.get(str(effect.get("measure") or ""))
        name = (measure.ja if lang == "ja" else measure.en) if measure else ""
        if name and name not in names:
            names.append(name)
    return "、".join(names) if lang == "ja" else ", ".join(names)


def layout_flow(graph: nx.DiGraph, lang: str = "ja", baseline: nx.DiGraph | None = None,
                title: str = "", lane_height: float = LANE_HEIGHT) -> FlowLayout:
    """The swimlane map of one procedure, in scene units.

    With ``baseline`` (the as-is graph of the same procedure), the layout is of the to-be
    graph on the baseline's lanes and columns, so the two maps line up, and each node
    and flow carries its status against the baseline (changed, removed). ``lane_height``:
    lower lanes for print (analysis.flow_print); the routing bands stay above and below
    the boxes.
    """
    numbers = step_numbers(graph)
    nodes_data = graph.nodes
    actors_present = {nodes_data[n].get("actor") or "clerk" for n in numbers}
    if baseline is not None:
        actors_present |= {baseline.nodes[n].get("actor") or "clerk"
                           for n in step_numbers(baseline)}
    ordered = [a for a in LANE_ORDER if a in actors_present]
    ordered += sorted(a for a in actors_present if a not in LANE_ORDER)
    if not ordered:
        ordered = ["clerk"]
    lanes = tuple(Lane(actor, codes.ACTOR.label(actor, lang) if actor in LANE_ORDER else actor,
                       TITLE_HEIGHT + i * lane_height, lane_height)
                  for i, actor in enumerate(ordered))
    lane_of = {lane.actor: lane for lane in lanes}
    # Columns come from the baseline when there is one, so both maps share them.
    shape_source = baseline if baseline is not None else graph
    shape_numbers = step_numbers(shape_source)
    slots: list[tuple[str, str, str, float, float]] = []  # key, kind, actor, width, height

    def actor_of(step: int) -> str:
        return str(nodes_data[step].get("actor") or "clerk") if step in nodes_data else "clerk"

    if shape_numbers:
        slots.append(("start", "start", actor_of(shape_numbers[0]), EVENT_SIZE, EVENT_SIZE))
    ends = [n for n in shape_numbers if END in shape_source[n]]
    for n in shape_numbers:
        actor = actor_of(n)
        slots.append((f"s{n}", "task", actor, TASK_WIDTH, TASK_HEIGHT))
        if _wait_days(shape_source.nodes[n]) > 0 or (n in nodes_data and _wait_days(nodes_data[n]) > 0):
            slots.append((f"t{n}", "timer", actor, EVENT_SIZE, EVENT_SIZE))
        if len(_outgoing(shape_source, n)) > 1 or (n in nodes_data and len(_outgoing(graph, n)) > 1):
            slots.append((f"g{n}", "gateway", actor, GATEWAY_SIZE, GATEWAY_SIZE))
    if shape_numbers:
        slots.append(("end", "end", actor_of(max(ends) if ends else shape_numbers[-1]),
                      EVENT_SIZE, EVENT_SIZE))

    column: dict[str, int] = {}
    placed: dict[str, FlowNode] = {}
    x = LANE_HEADER_WIDTH + GAP / 2
    changes = 0
    for index, (key, kind, actor, width, height) in enumerate(slots):
        lane = lane_of[actor]
        y = lane.middle - height / 2
        column[key] = index
        if kind == "task":
            step = int(key[1:])
            data = nodes_data.get(step, {})
            # A step without a time (要確認) shows none, not "0.0分": costed as 0, unknown.
            minutes = (None if data.get("time_missing") is True
                       else step_minutes(graph, step) if step in nodes_data else 0.0)
            before = (step_minutes(baseline, step)
                      if baseline is not None and step in baseline.nodes
                      and baseline.nodes[step].get("time_missing") is not True else None)
            status = "same"
            if baseline is not None:
                old_marks = _marks(baseline.nodes[step], lang) if step in baseline.nodes else ()
                if minutes is not None and minutes <= 1e-9 < (before or 0):
                    status = "removed"
                elif (minutes is not None and before is not None and abs(minutes - before) > 0.05
                      or _marks(data, lang) != old_marks):
                    status = "changed"
            changes += status != "same"
            name = str(data.get("name") or step)
            placed[key] = FlowNode(key, kind, actor, x, y, width, height,
                                   wrap_name(f"{step} {name}"), step, minutes,
                                   before if status != "same" else None, _marks(data, lang),
                                   status, _change_detail(data, lang) if status != "same" else "")
        elif kind == "timer":
            step = int(key[1:])
            days = _wait_days(nodes_data[step]) if step in nodes_data else 0.0
            old = _wait_days(baseline.nodes[step]) if baseline is not None else days
            text = f"{days:g}日" if lang == "ja" else f"{days:g} d"
            status = "same" if abs(days - old) < 1e-9 else ("removed" if days == 0 else "changed")
            changes += status != "same"
            placed[key] = FlowNode(key, kind, actor, x, y, width, height, (text,), step,
                                   status=status,
                                   detail=(f"待ち {old:g}日 → {days:g}日" if lang == "ja"
                                           else f"wait {old:g} d → {days:g} d")
                                   if status != "same" else "")
        else:
            placed[key] = FlowNode(key, kind, actor, x, y, width, height)
        x += width + GAP
    total_width = x - GAP / 2 + 8

    edges = _route_all(graph, baseline, placed, column, lane_of, lang)
    changes += sum(e.status != "same" for e in edges)
    height = TITLE_HEIGHT + len(lanes) * lane_height
    name = str(graph.graph.get("name") or "")
    pid = str(graph.graph.get("procedure_id") or "")
    return FlowLayout(pid, title or f"{pid} {name}".strip(), lanes, tuple(placed.values()),
                      tuple(edges), total_width, height, changes)


def _chain(key_of_step: dict[str, FlowNode], step: int) -> tuple[str, str]:
    """The first and the last node of a step's chain (task → timer → gateway)."""
    last = f"s{step}"
    for key in (f"t{step}", f"g{step}"):
        if key in key_of_step:
            last = key
    return f"s{step}", last


def _route_all(graph: nx.DiGraph, baseline: nx.DiGraph | None, placed: dict[str, FlowNode],
               column: dict[str, int], lane_of: dict[str, Lane], lang: str) -> list[FlowEdge]:
    edges: list[FlowEdge] = []
    numbers = [n for n in step_numbers(graph) if f"s{n}" in placed]
    if not numbers:
        return edges
    by_column = sorted(placed.values(), key=lambda n: column[n.key])
    top_used: dict[str, int] = {}
    bottom_used: dict[str, int] = {}

    def straight(a: str, b: str) -> None:
        edges.append(_forward_flow(placed[a], placed[b], 1.0, "", "same", None))

    straight("start", f"s{numbers[0]}")
    for n in numbers:
        first, last = _chain(placed, n)
        if f"t{n}" in placed:
            straight(first, f"t{n}")
        if f"g{n}" in placed:
            straight(f"t{n}" if f"t{n}" in placed else first, f"g{n}")
        outgoing = _outgoing(graph, n)
        old = dict(_outgoing(baseline, n)) if baseline is not None and n in baseline else None
        split = len(outgoing) > 1 or placed[last].kind == "gateway"
        right_taken = False
        for target, probability in outgoing:
            target_key = "end" if target == END else f"s{target}"
            if target_key not in placed:
                continue
            source, dest = placed[last], placed[target_key]
            before = None if old is None else old.get(target, 0.0)
            status = "same" if before is None or abs(before - probability) < 0.005 else "changed"
            backward = column[target_key] <= column[last]
            blocked = any(node.lane == source.lane and column[last] < column[node.key]
                          < column[target_key] for node in by_column)
            right_free = not backward and not blocked and not right_taken
            label = ""
            if graph.has_edge(n, target) and graph.edges[n, target].get("parallel"):
                # Parallel branches all run: say so rather than "100%" on each.
                label = "並行" if lang == "ja" else "parallel"
                if probability < 1 - 1e-9:
                    label += f" {probability:.0%}"
            elif split or backward:
                share = f"{probability:.0%}"
                label = ((f"差戻し {share}" if lang == "ja" else f"rework {share}")
                         if backward else share)
            if label and status == "changed" and before is not None and (backward or not right_free):
                label = f"{label}（前 {before:.0%}）" if lang == "ja" else f"{label} (was {before:.0%})"
            if backward:
                level = bottom_used.get(source.lane, 0)
                bottom_used[source.lane] = level + 1
                edges.append(_rework_flow(source, dest, lane_of[source.lane], level, probability,
                                          label, status, before))
                continue
            if right_free:
                right_taken = True
                edges.append(_forward_flow(source, dest, probability, label, status, before))
            else:
                level = top_used.get(source.lane, 0)
                top_used[source.lane] = level + 1
                edges.append(_over_flow(source, dest, lane_of[source.lane], level, probability,
                                        label, status, before))
    return edges


def _forward_flow(a: FlowNode, b: FlowNode, probability: float, label: str, status: str,
                  before: float | None) -> FlowEdge:
    ax, ay = a.right, a.center[1]
    bx, by = b.x, b.center[1]
    if abs(ay - by) < 1e-6:
        points: tuple[tuple[float, float], ...] = ((ax, ay), (bx, by))
    else:
        mx = bx - GAP / 2
        points = ((ax, ay), (mx, ay), (mx, by), (bx, by))
    box = None
    if label:  # a share only, above the line just right of the gateway, in the free gap
        width = text_width(label, LABEL_FONT_SIZE) + 6
        box = (ax + 3, ay - LABEL_FONT_SIZE - 9, width, LABEL_FONT_SIZE + 5)
    return FlowEdge(a.key, b.key, points, probability, label, box, False, status, before)


def _over_flow(a: FlowNode, b: FlowNode, lane: Lane, level: int, probability: float,
               label: str, status: str, before: float | None) -> FlowEdge:
    """Forward past boxes of the source's lane: up to the lane's top margin, across,
    then down in the free gap before the target."""
    cx = a.center[0]
    y = lane.top + 9 + 8 * min(level, 2)
    mx = b.x - GAP / 2 - 4 * min(level, 2)
    by = b.center[1]
    points = ((cx, a.y), (cx, y), (mx, y), (mx, by), (b.x, by))
    box = None
    if label:  # under the margin line, right of the rise: above the boxes' band
        width = text_width(label, LABEL_FONT_SIZE) + 6
        box = (cx + 4, y + 3, width, LABEL_FONT_SIZE + 5)
    return FlowEdge(a.key, b.key, points, probability, label, box, False, status, before)


def _rework_flow(a: FlowNode, b: FlowNode, lane: Lane, level: int, probability: float,
                 label: str, status: str, before: float | None) -> FlowEdge:
    """Back to an earlier step: down to the lane's bottom margin, left, into the target
    from below (or above, when the target's lane is lower)."""
    cx = a.center[0]
    y = lane.bottom - 9 - 8 * min(level, 2)
    tx = b.center[0] + 10 * min(level, 2)
    end_y = b.bottom if b.center[1] < y else b.y
    points = ((cx, a.bottom), (cx, y), (tx, y), (tx, end_y))
    box = None
    if label:  # above the margin line, under the boxes' band, in the middle of the run
        width = text_width(label, LABEL_FONT_SIZE) + 6
        mid = (cx + tx) / 2
        box = (mid - width / 2, y - LABEL_FONT_SIZE - 8, width, LABEL_FONT_SIZE + 5)
    return FlowEdge(a.key, b.key, points, probability, label, box, True, status, before)


@dataclass(frozen=True)
class StepDetail:
    """One line of a step's details: what it is as-is and, when it differs, to-be."""

    label: str
    as_is: str
    to_be: str | None = None   # None: the same in the to-be

    @property
    def changed(self) -> bool:
        return self.to_be is not None


def step_details(as_is: nx.DiGraph, to_be: nx.DiGraph | None, step: int, lang: str = "ja"
                 ) -> tuple[str, list[StepDetail]]:
    """A step's title and details for the process map's side panel: actor, 標準/最短/最長
    minutes (to-be: after the measures' effects, which scale all three), medium, seal and
    manual entry, waiting days, and the measures that change it.

    >>> from analysis.graph import build_graph
    >>> g = build_graph({"procedure_id": "P"}, [{"step_no": 1, "name": "受付",
    ...     "actor": "counter", "typical_minutes": 10, "min_minutes": 5, "max_minutes": 20,
    ...     "medium": "paper", "seal": 1, "wait_days": 3}], [(1, None, 1.0)])
    >>> title, rows = step_details(g, None, 1)
    >>> title
    '工程 1 受付'
    >>> [(r.label, r.as_is) for r in rows][:3]
    [('実施者', '窓口職員'), ('標準 / 最短 / 最長', '10.0 / 5.0 / 20.0 分'), ('媒体', '紙')]
    """
    ja = lang == "ja"
    before = as_is.nodes.get(step, {})
    after = to_be.nodes[step] if to_be is not None and step in to_be.nodes else None
    name = str((after or before).get("name") or "")
    title = f"工程 {step} {name}" if ja else f"Step {step} {name}"

    def minutes(graph: nx.DiGraph, data: dict[str, Any]) -> str:
        typical = float(data.get("typical_minutes") or 0)
        scale = step_minutes(graph, step) / typical if typical > 0 else 1.0
        values = [typical * scale]
        for key in ("min_minutes", "max_minutes"):
            value = data.get(key)
            ok = isinstance(value, (int, float)) and math.isfinite(value)
            values.append(float(value) * scale if ok and value is not None else float("nan"))
        text = " / ".join("—" if math.isnan(v) else f"{v:.1f}" for v in values)
        return text + (" 分" if ja else " min")

    def yes_no(on: object) -> str:
        return ("あり" if on else "なし") if ja else ("yes" if on else "no")

    def days(data: dict[str, Any]) -> str:
        value = _wait_days(data)
        return f"{value:g} 日" if ja else f"{value:g} d"

    rows_of: list[tuple[str, Any]] = [
        ("実施者" if ja else "Actor",
         lambda d, g: codes.ACTOR.label(str(d.get("actor") or "clerk"), lang)),
        ("標準 / 最短 / 最長" if ja else "Typical / min / max", lambda d, g: minutes(g, d)),
        ("媒体" if ja else "Medium",
         lambda d, g: codes.MEDIUM.label(str(d.get("medium")), lang) if d.get("medium") else "—"),
        ("押印" if ja else "Seal", lambda d, g: yes_no(d.get("seal"))),
        ("手入力" if ja else "Manual entry", lambda d, g: yes_no(d.get("manual_entry"))),
        ("待ち日数" if ja else "Waiting", lambda d, g: days(d)),
    ]
    rows: list[StepDetail] = []
    for label, read in rows_of:
        old = read(before, as_is)
        new = read(after, to_be) if after is not None and to_be is not None else None
        rows.append(StepDetail(label, old, new if new is not None and new != old else None))
    if after is not None:
        measures = _change_detail(after, lang)
        if not measures and any(r.changed for r in rows):
            measures = "シナリオの施策（媒体などの変更）" if ja else "the scenario's measures"
        rows.append(StepDetail("変える施策" if ja else "Changed by",
                               measures or ("なし" if ja else "none")))
    return title, rows
