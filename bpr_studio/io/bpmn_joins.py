"""Parallel splits and their joins in an exported BPMN pool.

The app's flow map (``analysis.flow_layout``) draws a gateway after a step whose cases
split, and arrows from the branches straight into the step where they meet. In BPMN an
activity with several incoming flows starts once per arriving token, so a parallel
block must close with a joining gateway, or a BPMN simulator runs the joining step once
per branch. This module gives the gateways their BPMN kind and adds the joins:

- a split whose links are parallel with every chance 1 → ``parallelGateway`` (no
  probabilities); with chances below 1 (an inclusive split) → ``inclusiveGateway`` with
  each flow's chance as its BPSim probability;
- its join (``cost_model.parallel``: the first step every branch leads to) → a gateway of
  the same kind just left of that step, into which the branches' arrows are re-routed.
"""

from __future__ import annotations

from dataclasses import replace

import networkx as nx

from analysis.flow_layout import GAP, FlowEdge, FlowLayout, FlowNode
from analysis.graph import END, parallel_blocks_of

JOIN_SIZE = 24.0


def _step_of(key: str) -> int | None:
    return int(key[1:]) if key[:1] in "stgj" and key[1:].isdigit() else None


def gateway_kinds(graph: nx.DiGraph) -> dict[int, str]:
    """BPMN gateway tag of each step whose links are parallel (others are exclusive)."""
    kinds = {}
    for step in graph.nodes:
        if step == END:
            continue
        out = [d for _t, d in graph[step].items()]
        if out and any(d.get("parallel") for d in out):
            chances = [float(d.get("probability", 1.0)) for d in out]
            kinds[int(step)] = ("parallelGateway" if all(c >= 1 - 1e-9 for c in chances)
                                else "inclusiveGateway")
    return kinds


def with_joins(graph: nx.DiGraph, layout: FlowLayout) -> tuple[FlowLayout, dict[str, str]]:
    """The layout with a joining gateway (key ``j<step>``) before each parallel join, and
    the BPMN tag of every gateway key (``g<step>``, ``j<step>``) that is not exclusive."""
    split_kinds = gateway_kinds(graph)
    tags = {f"g{step}": kind for step, kind in split_kinds.items()}
    if not split_kinds:
        return layout, tags
    nodes = list(layout.nodes)
    edges = list(layout.edges)
    for block in parallel_blocks_of(graph):
        target_key = f"s{block.join}"
        if block.join is None or target_key not in {n.key for n in nodes}:
            continue
        task = next(n for n in nodes if n.key == target_key)
        inside = {block.split} | set().union(*block.branches)
        into = [i for i, e in enumerate(edges) if e.target == target_key
                and _step_of(e.source) in inside]
        if len(into) < 2:
            continue
        key = f"j{block.join}"
        cx, cy = task.x - GAP / 2, task.center[1]  # in the gap where arrows come down
        join = FlowNode(key, "gateway", task.lane, cx - JOIN_SIZE / 2, cy - JOIN_SIZE / 2,
                        JOIN_SIZE, JOIN_SIZE)
        nodes.append(join)
        tags[key] = split_kinds[block.split]
        for i in into:
            edges[i] = _into_join(edges[i], join)
        edges.append(FlowEdge(key, target_key, ((join.right, cy), (task.x, cy)), 1.0))
    return replace(layout, nodes=tuple(nodes), edges=tuple(edges), _by_key={}), tags


def _into_join(edge: FlowEdge, join: FlowNode) -> FlowEdge:
    """The same arrow ending at the join's border instead of the task's.

    The layout brings an arrow from another row down (or up) the gap before the task,
    where the join sits: it then ends at the diamond's top (bottom); an arrow along the
    task's row ends at the diamond's left corner.
    """
    cx, cy = join.center
    points = list(edge.points[:-1])
    last_x, last_y = points[-1]
    if len(points) >= 2 and abs(last_x - cx) < JOIN_SIZE and abs(last_y - cy) < 1e-6:
        points[-1] = (last_x, cy - JOIN_SIZE / 2 if points[-2][1] < cy else cy + JOIN_SIZE / 2)
    else:
        points.append((join.x, cy))
    return replace(edge, target=join.key, points=tuple(points))
