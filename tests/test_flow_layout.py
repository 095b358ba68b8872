"""The process-map layout: lanes, BPMN nodes, routed flows and labels clear of boxes."""

from __future__ import annotations

import pytest

from analysis.flow_layout import (
    LANE_ORDER,
    FlowLayout,
    layout_flow,
    wrap_name,
)
from analysis.graph import build_graph
from analysis.measures import MEASURES

ACTORS = ["citizen", "counter", "clerk", "approver", "clerk", "external", "counter"]


def _graph(n: int = 7, **procedure: object):
    steps = [{"step_no": i, "name": f"工程{i}の作業", "actor": ACTORS[(i - 1) % len(ACTORS)],
              "work_kind": "checking", "typical_minutes": 10.0, "seal": i == 2,
              "medium": "paper" if i == 1 else "electronic",
              "wait_days": 14.0 if i == 6 else None} for i in range(1, n + 1)]
    links = []
    for i in range(1, n + 1):
        nxt = i + 1 if i < n else None
        if i == 3:  # a branch: 85 % on, 15 % skip a step
            links += [(3, 4, 0.85), (3, 5, 0.15)]
        elif i == 5:  # a check that sends 20 % back to the start
            links += [(5, 6, 0.8), (5, 1, 0.2)]
        else:
            links.append((i, nxt, 1.0))
    return build_graph({"procedure_id": "P-1", "name": "テスト手続", "annual_cases": 100,
                        **procedure}, steps, links)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _box(node) -> tuple[float, float, float, float]:
    return node.x, node.y, node.width, node.height


def test_each_step_sits_in_its_actors_lane_in_step_order():
    graph = _graph()
    flow = layout_flow(graph)
    assert [lane.actor for lane in flow.lanes] == [a for a in LANE_ORDER if a in ACTORS]
    assert [lane.label for lane in flow.lanes][:2] == ["市民", "窓口職員"]
    xs = []
    for step in range(1, 8):
        node = flow.task(step)
        lane = flow.lane(graph.nodes[step]["actor"])
        assert node.lane == graph.nodes[step]["actor"]
        assert lane.top < node.y
        assert node.bottom < lane.bottom
        xs.append(node.x)
    assert xs == sorted(xs)
    assert flow.width >= max(n.right for n in flow.nodes)
    assert flow.height >= flow.lanes[-1].bottom


def test_bpmn_elements_start_end_gateways_with_shares_and_a_timer():
    flow = layout_flow(_graph())
    kinds = [n.kind for n in flow.nodes]
    assert kinds[0] == "start"
    assert kinds[-1] == "end"
    assert kinds.count("gateway") == 2  # after steps 3 and 5
    gateway = flow.node("g3")
    shares = sorted(e.label for e in flow.edges if e.source == "g3")
    assert shares == ["15%", "85%"]
    assert gateway.lane == flow.task(3).lane
    rework = [e for e in flow.edges if e.rework]
    assert len(rework) == 1
    assert rework[0].source == "g5"
    assert rework[0].target == "s1"
    assert rework[0].label == "差戻し 20%"
    timer = flow.node("t6")
    assert timer.kind == "timer"
    assert timer.lines == ("14日",)
    assert flow.task(1).marks == ("紙",)
    assert flow.task(2).marks == ("印",)


def test_flows_start_and_end_on_the_borders_of_their_nodes():
    flow = layout_flow(_graph())
    for edge in flow.edges:
        source, target = flow.node(edge.source), flow.node(edge.target)
        (x0, y0), (x1, y1) = edge.points[0], edge.points[-1]
        assert source.x - 0.1 <= x0 <= source.right + 0.1
        assert source.y - 0.1 <= y0 <= source.bottom + 0.1
        assert target.x - 0.1 <= x1 <= target.right + 0.1
        assert target.y - 0.1 <= y1 <= target.bottom + 0.1
        for (ax, ay), (bx, by) in zip(edge.points, edge.points[1:], strict=False):
            assert ax == pytest.approx(bx) or ay == pytest.approx(by)  # orthogonal segments


def test_labels_are_clear_of_every_box_in_a_long_procedure():
    graph = _graph(40)
    flow = layout_flow(graph)
    boxes = [_box(n) for n in flow.nodes]
    labels = [e.label_box for e in flow.edges if e.label]
    assert len(labels) >= 4
    for label in labels:
        assert label is not None
        assert not any(_overlaps(label, box) for box in boxes), label


def test_segments_do_not_cross_task_boxes_other_than_their_ends():
    flow = layout_flow(_graph(40))
    for edge in flow.edges:
        for node in flow.nodes:
            if node.key in (edge.source, edge.target) or node.kind != "task":
                continue
            for (ax, ay), (bx, by) in zip(edge.points, edge.points[1:], strict=False):
                seg = (min(ax, bx), min(ay, by), abs(bx - ax) + 0.01, abs(by - ay) + 0.01)
                assert not _overlaps(seg, _box(node)), (edge.source, edge.target, node.key)


def test_to_be_lines_up_with_as_is_and_marks_what_changed():
    as_is = _graph()
    to_be = MEASURES["abolish_seals"].apply(as_is)
    MEASURES["remove_step"].apply_in_place(to_be, {"steps": [4]})
    old, new = layout_flow(as_is), layout_flow(to_be, baseline=as_is)
    assert [(n.key, n.x) for n in old.nodes] == [(n.key, n.x) for n in new.nodes]
    assert new.task(4).status == "removed"
    assert new.task(2).status == "changed"  # the seal is gone
    assert new.task(2).marks == ()
    assert "押印廃止" in new.task(2).detail
    assert new.task(7).status == "same"
    assert new.changes >= 2
    assert old.changes == 0


def test_changed_shares_say_what_they_were():
    as_is = _graph()
    to_be = MEASURES["abolish_seals"].apply(as_is)
    to_be[5][1]["probability"] = 0.05
    to_be[5][6]["probability"] = 0.95
    rework = next(e for e in layout_flow(to_be, baseline=as_is).edges if e.rework)
    assert rework.status == "changed"
    assert rework.label == "差戻し 5%（前 20%）"


def test_english_labels_and_an_empty_procedure():
    flow = layout_flow(_graph(), lang="en")
    assert flow.lanes[0].label == "citizen"
    assert next(e for e in flow.edges if e.rework).label == "rework 20%"
    empty = layout_flow(build_graph({"procedure_id": "E", "name": "空"}, [], []))
    assert isinstance(empty, FlowLayout)
    assert empty.nodes == ()


def test_long_names_wrap_to_two_lines_with_an_ellipsis():
    assert wrap_name("住民票の写しの交付") == ("住民票の写しの交付",)
    lines = wrap_name("転入届と同時に行う国民健康保険の資格取得届の受付と審査")
    assert len(lines) == 2
    assert lines[1].endswith("…")
