"""Procedures as BPMN 2.0 XML with diagram interchange (BPMNDI), for bpmn.io, Camunda, Bizagi.

One collaboration holds a pool (participant + process) per procedure, stacked top to
bottom; each pool has a lane per actor. Steps are tasks, waiting days timer events,
a step whose cases split an exclusive gateway whose outgoing flows carry the shares.
Coordinates come from :func:`analysis.flow_layout.layout_flow`, the layout the app
draws, so the file looks like the app's 業務フロー. Times and probabilities are BPSim
parameters; survey fields BPMN has no place for are ``bpr:`` extension elements
(``docs/bpmn.md``).

The XML is written as text (not built as an element tree): a whole city is 3,000
pools and the export must take seconds. Every value goes through :func:`_attr` (text
only ever goes into attributes), which escapes it and drops characters XML 1.0 forbids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx

from analysis.flow_layout import FlowLayout, layout_flow
from analysis.graph import step_numbers
from analysis.measures import effect_multiplier
from analysis.params import resolved_values
from bpr_studio.atomic import atomic_write
from bpr_studio.io.bpmn_format import (
    BOOLEAN_ATTRIBUTES,
    BPMN_NS,
    BPMNDI_NS,
    BPR_NS,
    BPSIM_NS,
    DC_NS,
    DI_NS,
    PROCEDURE_ATTRIBUTES,
    STEP_ATTRIBUTES,
    XSI_NS,
    element_id,
    iso_duration_days,
)
from bpr_studio.io.bpmn_joins import with_joins
from bpr_studio.store import Project

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

POOL_HEADER_WIDTH = 30.0   # bpmn.io's pool title band; the lanes start right of it
POOL_GAP = 40.0            # between two pools
MINUTES_PER_YEAR = 365 * 24 * 60
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile(r'[&<>"\x00-\x1f\x7f\ufffe\uffff]')


class ExportCancelled(Exception):
    """The user cancelled; no file was written."""


@dataclass(frozen=True)
class BpmnExport:
    path: Path
    procedures: int
    tasks: int
    flows: int


def _clean(value: object) -> str:
    return _XML_FORBIDDEN.sub("", str(value))


def _attr(value: object) -> str:
    """A quoted attribute value; most values (codes, numbers) need no escaping at all."""
    text = str(value)
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return quoteattr(_clean(text))


def _number(value: float) -> str:
    # Ten significant digits: a time read from another tool (17,036.0333 minutes) comes
    # back from the file as it went in.
    return f"{value:.10g}"


def _coord(value: float) -> str:
    text = repr(round(value, 1))  # repr is the fastest float formatting; '12.0' → '12'
    return text[:-2] if text.endswith(".0") else text


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _ext_attributes(data: dict[str, Any], names: Iterable[str]) -> str:
    parts = []
    for name in names:
        value: Any = data.get(name)
        if _is_blank(value):
            continue
        if isinstance(value, bool) or name in BOOLEAN_ATTRIBUTES:
            parts.append(f' {name}="true"' if value else f' {name}="false"')
        elif isinstance(value, float):
            parts.append(f' {name}="{_number(value)}"')
        elif isinstance(value, str):
            parts.append(f" {name}={_attr(value)}")
        else:  # int, numpy scalars from a DataFrame row
            parts.append(f" {name}={_attr(value.item() if hasattr(value, 'item') else value)}")
    return "".join(parts)


@dataclass
class _Pool:
    """One procedure's process, its diagram elements and its BPSim parameters, as text."""

    process: list[str]
    shapes: list[str]
    simulation: list[str]
    participant: str
    tasks: int
    flows: int


def _minutes(data: dict[str, Any], multiplier: float) -> tuple[float, float, float] | None:
    raw: Any = data.get("typical_minutes")
    if _is_blank(raw) or data.get("time_missing") is True:
        return None  # no time in the project: none in the file (not 0)
    typical = float(raw)
    low = float(typical if _is_blank(data.get("min_minutes")) else data["min_minutes"])
    high = float(typical if _is_blank(data.get("max_minutes")) else data["max_minutes"])
    return low * multiplier, typical * multiplier, high * multiplier


def _multiplier(data: dict[str, Any], values: dict[str, float] | None) -> float:
    result = 1.0
    for effect in data.get("effects", ()):
        result *= max(effect_multiplier(effect, values), 0.0)
    return result


def _pool(graph: nx.DiGraph, layout: FlowLayout, prefix: str, dy: float, lang: str,
          values: dict[str, float] | None) -> _Pool:
    pid = str(graph.graph.get("procedure_id") or prefix)
    process_id = element_id("Process", prefix)
    ids = {"start": element_id("Start", prefix), "end": element_id("End", prefix)}
    layout, gateway_tags = with_joins(graph, layout)  # parallel splits close with a join
    kinds = {"task": "Task", "timer": "Wait", "gateway": "Gateway"}
    for node in layout.nodes:
        if node.kind in kinds:  # keys are s3, t3, g3, j3: the step's number after the letter
            kind = "Join" if node.key.startswith("j") else kinds[node.kind]
            ids[node.key] = element_id(kind, prefix, int(node.key[1:]))
    incoming: dict[str, list[str]] = {key: [] for key in ids}
    outgoing: dict[str, list[str]] = {key: [] for key in ids}
    flow_ids = []
    for number, edge in enumerate(layout.edges, start=1):
        flow_id = element_id("Flow", prefix, number)
        flow_ids.append(flow_id)
        outgoing[edge.source].append(flow_id)
        incoming[edge.target].append(flow_id)

    lines = [f'  <bpmn:process id="{process_id}" name={_attr(graph.graph.get("name") or pid)} '
             'isExecutable="false">',
             f"    <bpmn:extensionElements><bpr:procedure"
             f"{_ext_attributes(graph.graph, PROCEDURE_ATTRIBUTES)}/></bpmn:extensionElements>",
             f'    <bpmn:laneSet id="{element_id("LaneSet", prefix)}">']
    for lane in layout.lanes:
        lines.append(f'      <bpmn:lane id="{element_id("Lane", prefix, lane.actor)}" '
                     f"name={_attr(lane.label)}>")
        lines.append(f'        <bpmn:extensionElements><bpr:lane actor={_attr(lane.actor)}/>'
                     "</bpmn:extensionElements>")
        lines.extend(f"        <bpmn:flowNodeRef>{ids[n.key]}</bpmn:flowNodeRef>"
                     for n in layout.nodes if n.lane == lane.actor)
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")

    simulation: list[str] = []
    cases = float(graph.graph.get("annual_cases") or 0)
    if cases > 0:
        simulation.append(
            f'      <bpsim:ElementParameters elementRef="{ids["start"]}"><bpsim:ControlParameters>'
            f"<bpsim:InterTriggerTimer><bpsim:ExponentialDistribution "
            f'mean="{_number(MINUTES_PER_YEAR / cases)}"/></bpsim:InterTriggerTimer>'
            "</bpsim:ControlParameters></bpsim:ElementParameters>")
    nodes = graph.nodes
    tasks = 0
    for node in layout.nodes:
        element = ids[node.key]
        flows = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming[node.key]) + \
            "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing[node.key])
        if node.kind == "start":
            lines.append(f'    <bpmn:startEvent id="{element}">{flows}</bpmn:startEvent>')
        elif node.kind == "end":
            lines.append(f'    <bpmn:endEvent id="{element}">{flows}</bpmn:endEvent>')
        elif node.kind == "gateway":
            tag = gateway_tags.get(node.key, "exclusiveGateway")
            lines.append(f'    <bpmn:{tag} id="{element}">{flows}</bpmn:{tag}>')
        elif node.kind == "timer":
            days = float(nodes[int(node.key[1:])].get("wait_days") or 0)
            label = f"待ち {days:g}日" if lang == "ja" else f"wait {days:g} d"
            lines.append(f'    <bpmn:intermediateCatchEvent id="{element}" name={_attr(label)}>'
                         f"{flows}<bpmn:timerEventDefinition><bpmn:timeDuration "
                         f'xsi:type="bpmn:tFormalExpression">{iso_duration_days(days)}'
                         "</bpmn:timeDuration></bpmn:timerEventDefinition>"
                         "</bpmn:intermediateCatchEvent>")
        else:
            tasks += 1
            data = nodes[int(node.key[1:])]
            lines.append(f'    <bpmn:task id="{element}" name={_attr(data.get("name") or "")}>'
                         f"<bpmn:extensionElements><bpr:step"
                         f"{_ext_attributes(data, STEP_ATTRIBUTES)}/></bpmn:extensionElements>"
                         f"{flows}</bpmn:task>")
            minutes = _minutes(data, _multiplier(data, values))
            if minutes is not None:
                low, typical, high = minutes
                distribution = (
                    f'<bpsim:FloatingParameter value="{_number(typical)}"/>'
                    if abs(high - low) < 1e-12 else
                    f'<bpsim:TriangularDistribution min="{_number(low)}" '
                    f'mode="{_number(typical)}" max="{_number(high)}"/>')
                simulation.append(
                    f'      <bpsim:ElementParameters elementRef="{element}"><bpsim:TimeParameters>'
                    f"<bpsim:ProcessingTime>{distribution}</bpsim:ProcessingTime>"
                    "</bpsim:TimeParameters></bpsim:ElementParameters>")
    for flow_id, edge in zip(flow_ids, layout.edges, strict=True):
        source_tag = gateway_tags.get(edge.source, "exclusiveGateway")
        parallel = source_tag == "parallelGateway" or edge.source.startswith("j")
        name = f" name={_attr(edge.label)}" if edge.label and not parallel else ""
        lines.append(f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{ids[edge.source]}" '
                     f'targetRef="{ids[edge.target]}"{name}/>')
        if layout.node(edge.source).kind == "gateway" and not parallel:
            simulation.append(
                f'      <bpsim:ElementParameters elementRef="{flow_id}"><bpsim:ControlParameters>'
                f'<bpsim:Probability><bpsim:FloatingParameter value="{_number(edge.probability)}"/>'
                "</bpsim:Probability></bpsim:ControlParameters></bpsim:ElementParameters>")
    lines.append("  </bpmn:process>")

    participant_id = element_id("Participant", prefix)
    participant = (f'    <bpmn:participant id="{participant_id}" '
                   f"name={_attr(layout.title)} processRef=\"{process_id}\"/>")
    shapes = _shapes(layout, ids, flow_ids, participant_id, prefix, dy)
    return _Pool(lines, shapes, simulation, participant, tasks, len(flow_ids))


def _bounds(x: float, y: float, width: float, height: float) -> str:
    return (f'<dc:Bounds x="{_coord(x)}" y="{_coord(y)}" width="{_coord(width)}" '
            f'height="{_coord(height)}"/>')


def _shapes(layout: FlowLayout, ids: dict[str, str], flow_ids: list[str], participant_id: str,
            prefix: str, dy: float) -> list[str]:
    """BPMNDI of one pool: the layout's coordinates moved down by ``dy`` (pools are
    stacked), lanes right of the pool's title band."""
    lanes_top = layout.lanes[0].top
    height = layout.lanes[-1].bottom - lanes_top
    shapes = [f'      <bpmndi:BPMNShape id="{participant_id}_di" bpmnElement="{participant_id}" '
              f'isHorizontal="true">{_bounds(0, lanes_top + dy, layout.width, height)}'
              "</bpmndi:BPMNShape>"]
    for lane in layout.lanes:
        lane_id = element_id("Lane", prefix, lane.actor)
        bounds = _bounds(POOL_HEADER_WIDTH, lane.top + dy, layout.width - POOL_HEADER_WIDTH,
                         lane.height)
        shapes.append(f'      <bpmndi:BPMNShape id="{lane_id}_di" bpmnElement="{lane_id}" '
                      f'isHorizontal="true">{bounds}</bpmndi:BPMNShape>')
    for node in layout.nodes:
        marker = ' isMarkerVisible="true"' if node.kind == "gateway" else ""
        shapes.append(f'      <bpmndi:BPMNShape id="{ids[node.key]}_di" '
                      f'bpmnElement="{ids[node.key]}"{marker}>'
                      f"{_bounds(node.x, node.y + dy, node.width, node.height)}</bpmndi:BPMNShape>")
    for flow_id, edge in zip(flow_ids, layout.edges, strict=True):
        points = "".join(f'<di:waypoint x="{_coord(x)}" y="{_coord(y + dy)}"/>'
                         for x, y in edge.points)
        label = ""
        if edge.label_box is not None:
            x, y, width, height = edge.label_box
            label = f"<bpmndi:BPMNLabel>{_bounds(x, y + dy, width, height)}</bpmndi:BPMNLabel>"
        shapes.append(f'      <bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">'
                      f"{points}{label}</bpmndi:BPMNEdge>")
    return shapes


def bpmn_document(graphs: list[nx.DiGraph], lang: str = "ja", name: str = "",
                  values: dict[str, float] | None = None, progress: Progress | None = None,
                  cancel: CancelCheck | None = None) -> tuple[str, int, int]:
    """The BPMN XML of ``graphs`` (one pool each), with the tasks and flows written.

    ``values`` are the scenario's parameter values: a to-be graph's step times are
    written after its measures' effects at those values.

    >>> from analysis.graph import build_graph
    >>> g = build_graph({"procedure_id": "P-1", "name": "申請"},
    ...     [{"step_no": 1, "name": "記入", "actor": "citizen", "typical_minutes": 5.0}], [])
    >>> xml, tasks, flows = bpmn_document([g])
    >>> (tasks, flows, 'bpmn:task id="Task_P-1_1"' in xml)
    (1, 2, True)
    """
    resolved = resolved_values(values)
    pools: list[_Pool] = []
    prefixes: set[str] = set()
    top = 0.0
    for index, graph in enumerate(graphs):
        if cancel is not None and cancel():
            raise ExportCancelled
        if progress is not None and index % 50 == 0:
            progress(index, len(graphs), str(graph.graph.get("procedure_id") or ""))
        if not step_numbers(graph):
            continue  # a procedure without steps has no flow to draw
        layout = layout_flow(graph, lang)
        dy = top - layout.lanes[0].top
        # IDs keep the procedure ID where XML allows; two IDs that differ only in
        # characters XML IDs cannot hold (KA/1, KA_1) get the pool's number appended.
        prefix = element_id("", str(graph.graph.get("procedure_id") or index))[1:]
        if prefix in prefixes:
            prefix = f"{prefix}_{index}"
        prefixes.add(prefix)
        pools.append(_pool(graph, layout, prefix, dy, lang, resolved))
        top = layout.lanes[-1].bottom + dy + POOL_GAP
    if progress is not None:
        progress(len(graphs), len(graphs), "")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="{BPMNDI_NS}" '
            f'xmlns:dc="{DC_NS}" xmlns:di="{DI_NS}" xmlns:xsi="{XSI_NS}" '
            f'xmlns:bpsim="{BPSIM_NS}" xmlns:bpr="{BPR_NS}" id="Definitions_1" '
            f'name={_attr(name)} targetNamespace="urn:bpr-studio:export" '
            f'exporter="BPR Studio" exporterVersion="{_version()}">')
    parts = [head, '  <bpmn:collaboration id="Collaboration_1">']
    parts.extend(p.participant for p in pools)
    parts.append("  </bpmn:collaboration>")
    for pool in pools:
        parts.extend(pool.process)
    parts.append('  <bpmndi:BPMNDiagram id="Diagram_1">')
    parts.append('    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Collaboration_1">')
    for pool in pools:
        parts.extend(pool.shapes)
    parts.append("    </bpmndi:BPMNPlane>")
    parts.append("  </bpmndi:BPMNDiagram>")
    parts.append('  <bpmn:relationship type="BPSimData"><bpmn:extensionElements>')
    parts.append('    <bpsim:BPSimData><bpsim:Scenario id="Scenario_1" '
                 f'name={_attr(name or "BPR Studio")}>')
    parts.append('      <bpsim:ScenarioParameters baseTimeUnit="min"/>')
    for pool in pools:
        parts.extend(pool.simulation)
    parts.append("    </bpsim:Scenario></bpsim:BPSimData>")
    parts.append("  </bpmn:extensionElements><bpmn:source>Definitions_1</bpmn:source>"
                 "<bpmn:target>Definitions_1</bpmn:target></bpmn:relationship>")
    parts.append("</bpmn:definitions>\n")
    return "\n".join(parts), sum(p.tasks for p in pools), sum(p.flows for p in pools)


def _version() -> str:
    from bpr_studio import __version__

    return str(__version__)


def write_bpmn(graphs: list[nx.DiGraph], out: str | Path, lang: str = "ja", name: str = "",
               values: dict[str, float] | None = None, progress: Progress | None = None,
               cancel: CancelCheck | None = None) -> BpmnExport:
    """Write ``graphs`` to ``out`` (all or nothing: a temporary file renamed at the end)."""
    text, tasks, flows = bpmn_document(graphs, lang, name, values, progress, cancel)
    path = atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return BpmnExport(path, sum(1 for g in graphs if step_numbers(g)), tasks, flows)


def select_graphs(graphs: Mapping[str, nx.DiGraph], procedure_ids: Iterable[str] = (),
                  sections: Iterable[str] = ()) -> list[nx.DiGraph]:
    """The graphs asked for (all when neither IDs nor sections are given), in section then
    ID order. Raises KeyError naming what does not exist."""
    ids, chosen_sections = list(procedure_ids), list(sections)
    missing = [pid for pid in ids if pid not in graphs]
    known_sections = {g.graph.get("section") for g in graphs.values()}
    missing += [s for s in chosen_sections if s not in known_sections]
    if missing:
        raise KeyError(", ".join(missing))
    picked = [g for pid, g in graphs.items()
              if (not ids and not chosen_sections) or pid in ids
              or g.graph.get("section") in chosen_sections]
    return sorted(picked, key=lambda g: (str(g.graph.get("section") or ""),
                                         str(g.graph.get("procedure_id"))))



def export_project_bpmn(project: Project, out: str | Path, scenario: str | None = None,
                        procedure_ids: Iterable[str] = (), sections: Iterable[str] = (),
                        lang: str = "ja", progress: Progress | None = None,
                        cancel: CancelCheck | None = None) -> BpmnExport:
    """Export procedures of an open project, as-is or under ``scenario`` (its to-be).

    Raises KeyError for an unknown scenario, procedure ID or section (nothing written).
    """
    from analysis.compare import parameter_values
    from analysis.scenario import apply_scenario
    from bpr_studio.loading import get_scenario
    from bpr_studio.pipeline import load_model

    model = load_model(project)
    graphs = model.graphs
    values: dict[str, float] | None = None
    name = project.title
    if scenario:
        chosen = get_scenario(project, scenario)
        graphs, _log = apply_scenario(graphs, chosen, model.rubric)
        values = parameter_values(chosen)
        name = f"{name} {scenario}".strip()
    picked = select_graphs(graphs, procedure_ids, sections)
    return write_bpmn(picked, out, lang, name, values, progress, cancel)
