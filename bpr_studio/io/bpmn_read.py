"""Read a BPMN 2.0 file safely into plain data: processes, lanes, flow nodes, flows, BPSim.

A BPMN file may come from anyone, so it is read as hostile: no DTD at all (which
refuses entity bombs such as "billion laughs" and external entities before any is
expanded), a size limit before reading, and limits on elements and nesting while
reading (``defusedxml``'s expat parser, streamed). Anything refused is a
:class:`~bpr_studio.io.workbook_reader.FileProblem` whose message names the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import iterparse

from bpr_studio.io.bpmn_format import BPMN_NS, BPMNDI_NS, BPR_NS, BPSIM_NS, DC_NS, MAX_TASKS
from bpr_studio.io.workbook_reader import FileProblem

MAX_BPMN_BYTES = int(os.environ.get("BPR_STUDIO_MAX_BPMN_MB", "100")) * 1_000_000
# A whole city's export (3,000 pools) has about 600,000 elements; the parsed tree takes
# about 0.3 KB an element, so this bounds memory to about half a gigabyte.
MAX_ELEMENTS = 1_500_000
MAX_DEPTH = 100            # BPMN nests a few levels (sub-processes, lanes in lanes)

TASK_KINDS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess",
              "adHocSubProcess", "transaction"}
GATEWAY_KINDS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                 "eventBasedGateway", "complexGateway"}
EVENT_KINDS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
IGNORED_KINDS = {"boundaryEvent", "dataObject", "dataObjectReference", "dataStoreReference",
                 "textAnnotation", "association", "group", "dataInputAssociation",
                 "dataOutputAssociation"}


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str | None = None
    x: float = 0.0            # DI position, to number steps left to right
    y: float = 0.0
    timer_days: float | None = None
    ext: dict[str, str] = field(default_factory=dict)   # <bpr:step> attributes


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str
    has_condition: bool = False


@dataclass
class Process:
    id: str
    name: str
    participant: str            # the pool's name, when the process is in a collaboration
    nodes: dict[str, Node]
    flows: list[Flow]
    lanes: dict[str, str]       # lane id → lane name
    lane_actors: dict[str, str]  # lane id → actor code written by BPR Studio
    ext: dict[str, str]          # <bpr:procedure> attributes
    ignored: list[str] = field(default_factory=list)


@dataclass
class Simulation:
    """BPSim parameters of the first scenario, by element ID; times in minutes."""

    times: dict[str, dict[str, float]] = field(default_factory=dict)
    probabilities: dict[str, float] = field(default_factory=dict)
    arrival_mean_minutes: dict[str, float] = field(default_factory=dict)
    other_scenarios: int = 0


@dataclass
class BpmnModel:
    processes: list[Process]
    simulation: Simulation


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def parse_xml(path: Path, max_bytes: int = MAX_BPMN_BYTES) -> Element:
    """The root element, read with every protection on. Raises FileProblem."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileProblem("file_missing") from None
    except OSError as exc:
        raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None
    if size == 0:
        raise FileProblem("file_empty")
    if size > max_bytes:
        raise FileProblem("file_too_large", detail=f"{size / 1e6:,.0f} MB > {max_bytes / 1e6:,.0f} MB")
    # Elements are counted from the bytes first (C speed): a file of millions of empty
    # elements is refused before the slower parse builds them.
    if _tag_count(path) > MAX_ELEMENTS:
        raise FileProblem("file_too_large", detail=f"XML elements > {MAX_ELEMENTS:,}")
    depth = count = tasks = 0
    root: Element | None = None
    process_tag = f"{{{BPMN_NS}}}process"
    task_tags = {f"{{{BPMN_NS}}}{kind}" for kind in TASK_KINDS}
    try:
        with path.open("rb") as handle:
            for event, element in iterparse(handle, events=("start", "end"), forbid_dtd=True,
                                            forbid_entities=True, forbid_external=True):
                if event == "end":
                    depth -= 1
                    continue
                if root is None:
                    root = element
                depth += 1
                count += 1
                if depth > MAX_DEPTH:
                    raise FileProblem("file_too_large", detail=f"XML nesting > {MAX_DEPTH}")
                if count > MAX_ELEMENTS:
                    raise FileProblem("file_too_large", detail=f"XML elements > {MAX_ELEMENTS:,}")
                if element.tag == process_tag:
                    tasks = 0
                elif element.tag in task_tags:
                    tasks += 1
                    if tasks > MAX_TASKS:  # stop reading: no procedure has that many steps
                        raise FileProblem("bpmn_too_many_tasks", count=f"> {MAX_TASKS:,}",
                                          max=f"{MAX_TASKS:,}")
    except (DTDForbidden, EntitiesForbidden) as exc:
        raise FileProblem("bpmn_dtd_forbidden", detail=type(exc).__name__) from None
    except DefusedXmlException as exc:
        raise FileProblem("bpmn_dtd_forbidden", detail=type(exc).__name__) from None
    except ParseError as exc:
        raise FileProblem("bpmn_not_xml", detail=str(exc)[:200]) from None
    except MemoryError:
        raise FileProblem("file_too_large", detail="memory") from None
    if root is None:
        raise FileProblem("bpmn_not_xml", detail="no element")
    return root


def _tag_count(path: Path) -> int:
    """Opening tags in the file (an upper bound of its elements, close to it)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"<") - chunk.count(b"</") - chunk.count(b"<!") \
                - chunk.count(b"<?")
    return count


def _ext(element: Element, tag: str) -> dict[str, str]:
    found = element.find(f"{_q(BPMN_NS, 'extensionElements')}/{_q(BPR_NS, tag)}")
    return dict(found.attrib) if found is not None else {}


def _timer_days(element: Element) -> float | None:
    from bpr_studio.io.bpmn_format import parse_iso_duration_days

    definition = element.find(_q(BPMN_NS, "timerEventDefinition"))
    if definition is None:
        return None
    duration = definition.find(_q(BPMN_NS, "timeDuration"))
    if duration is None or not (duration.text or "").strip():
        return 0.0
    return parse_iso_duration_days(duration.text or "")


def _lanes(process: Element) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Lane names, actors written by us, and each node's innermost lane."""
    names: dict[str, str] = {}
    actors: dict[str, str] = {}
    lane_of: dict[str, str] = {}

    def walk(lane_set: Element) -> None:
        for lane in lane_set.findall(_q(BPMN_NS, "lane")):
            lane_id = lane.get("id") or f"lane{len(names) + 1}"
            names[lane_id] = (lane.get("name") or "").strip()
            actor = _ext(lane, "lane").get("actor")
            if actor:
                actors[lane_id] = actor
            for ref in lane.findall(_q(BPMN_NS, "flowNodeRef")):
                lane_of[(ref.text or "").strip()] = lane_id
            child = lane.find(_q(BPMN_NS, "childLaneSet"))
            if child is not None:
                walk(child)  # a node in a child lane takes the child (the later write)

    for lane_set in process.findall(_q(BPMN_NS, "laneSet")):
        walk(lane_set)
    return names, actors, lane_of


def read_model(root: Element) -> BpmnModel:
    """The processes of a parsed BPMN file. Raises FileProblem if it is not BPMN 2.0."""
    if root.tag != _q(BPMN_NS, "definitions"):
        raise FileProblem("bpmn_not_bpmn", detail=_local(root.tag)[1][:60])
    participants = {p.get("processRef"): (p.get("name") or "").strip()
                    for p in root.iter(_q(BPMN_NS, "participant")) if p.get("processRef")}
    positions: dict[str, tuple[float, float]] = {}
    for shape in root.iter(_q(BPMNDI_NS, "BPMNShape")):
        bounds = shape.find(_q(DC_NS, "Bounds"))
        if bounds is not None and shape.get("bpmnElement"):
            try:
                positions[shape.get("bpmnElement") or ""] = (float(bounds.get("x") or 0),
                                                              float(bounds.get("y") or 0))
            except ValueError:
                continue
    processes: list[Process] = []
    for element in root.findall(_q(BPMN_NS, "process")):
        process_id = element.get("id") or f"Process_{len(processes) + 1}"
        lane_names, lane_actors, lane_of = _lanes(element)
        nodes: dict[str, Node] = {}
        flows: list[Flow] = []
        ignored: list[str] = []
        for child in element:
            ns, kind = _local(child.tag)
            child_id = child.get("id") or ""
            if ns != BPMN_NS or kind in ("laneSet", "extensionElements", "documentation"):
                continue
            if kind == "sequenceFlow":
                flows.append(Flow(child_id, child.get("sourceRef") or "",
                                  child.get("targetRef") or "", (child.get("name") or "").strip(),
                                  child.find(_q(BPMN_NS, "conditionExpression")) is not None))
            elif kind in TASK_KINDS | GATEWAY_KINDS | EVENT_KINDS:
                x, y = positions.get(child_id, (0.0, 0.0))
                nodes[child_id] = Node(child_id, kind, (child.get("name") or "").strip(),
                                       lane_of.get(child_id), x, y,
                                       _timer_days(child) if "Event" in kind else None,
                                       _ext(child, "step"))
                if kind in ("subProcess", "adHocSubProcess", "transaction") and len(child):
                    ignored.append(f"{kind} {child_id}")
            else:
                ignored.append(f"{kind} {child_id}".strip())
        processes.append(Process(process_id, (element.get("name") or "").strip(),
                                 participants.get(process_id, ""), nodes, flows, lane_names,
                                 lane_actors, _ext(element, "procedure"), ignored))
    return BpmnModel(processes, _simulation(root))


_TIME_UNIT_MINUTES = {"ms": 1 / 60000, "s": 1 / 60, "min": 1.0, "hour": 60.0, "day": 1440.0,
                      "year": 525_600.0}


def _float(element: Element, name: str) -> float | None:
    try:
        value = float(element.get(name) or "nan")
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _distribution(parent: Element | None, unit: float) -> dict[str, float] | None:
    """min/typical/max minutes of a BPSim parameter (the first distribution in it)."""
    if parent is None:
        return None
    for child in parent:
        _ns, kind = _local(child.tag)
        values = {k: _float(child, k) for k in ("value", "min", "mode", "max", "mean",
                                               "standardDeviation", "shape", "scale")}
        result: dict[str, float | None] = {}
        if kind in ("FloatingParameter", "NumericParameter", "DurationParameter"):
            result = {"typical": values["value"]}
        elif kind == "TriangularDistribution":
            result = {"min": values["min"], "typical": values["mode"], "max": values["max"]}
        elif kind == "UniformDistribution" and values["min"] is not None \
                and values["max"] is not None:
            result = {"min": values["min"], "max": values["max"],
                      "typical": (values["min"] + values["max"]) / 2}
        elif kind == "TruncatedNormalDistribution":
            result = {"min": values["min"], "typical": values["mean"], "max": values["max"]}
        elif kind in ("NormalDistribution", "ExponentialDistribution", "LogNormalDistribution",
                      "PoissonDistribution", "ErlangDistribution"):
            result = {"typical": values["mean"]}
        elif kind == "GammaDistribution" and values["shape"] is not None \
                and values["scale"] is not None:
            result = {"typical": values["shape"] * values["scale"]}
        clean = {k: v * unit for k, v in result.items() if v is not None}
        if "typical" in clean:
            clean["_kind"] = 0.0 if kind == "TriangularDistribution" else 1.0
            return clean
    return None


def _simulation(root: Element) -> Simulation:
    simulation = Simulation()
    scenarios = list(root.iter(_q(BPSIM_NS, "Scenario")))
    if not scenarios:
        return simulation
    scenario = scenarios[0]
    simulation.other_scenarios = len(scenarios) - 1
    parameters = scenario.find(_q(BPSIM_NS, "ScenarioParameters"))
    # BPSim 1.0: baseTimeUnit defaults to milliseconds.
    unit_name = parameters.get("baseTimeUnit", "ms") if parameters is not None else "ms"
    unit = _TIME_UNIT_MINUTES.get(unit_name, 1 / 60000)
    for params in scenario.findall(_q(BPSIM_NS, "ElementParameters")):
        ref = params.get("elementRef") or ""
        time = params.find(f"{_q(BPSIM_NS, 'TimeParameters')}/{_q(BPSIM_NS, 'ProcessingTime')}")
        minutes = _distribution(time, unit)
        if minutes is not None:
            simulation.times[ref] = minutes
        control = params.find(_q(BPSIM_NS, "ControlParameters"))
        if control is None:
            continue
        probability = _distribution(control.find(_q(BPSIM_NS, "Probability")), 1.0)
        if probability is not None:
            simulation.probabilities[ref] = probability["typical"]
        arrival = _distribution(control.find(_q(BPSIM_NS, "InterTriggerTimer")), unit)
        if arrival is not None and arrival["typical"] > 0:
            simulation.arrival_mean_minutes[ref] = arrival["typical"]
    return simulation


def read_bpmn(path: Path) -> BpmnModel:
    """Parse and read ``path``. Raises FileProblem with the reason a file is refused."""
    return read_model(parse_xml(path))

