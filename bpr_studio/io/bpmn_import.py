"""BPMN 2.0 files as survey records: tasks → steps, lanes → actors, gateways → branches.

:func:`parse_bpmn_file` returns the same records a survey workbook gives (procedures and
steps with ``_file``, ``_sheet``, ``_cells``), so the batch checks, the report and the
all-or-nothing write of :mod:`bpr_studio.io.survey_import` apply unchanged; problems
name the process and the element ID (``Process_1!Gateway_0x3``) where a survey names
the sheet and the cell. ``docs/bpmn.md`` lists the mapping and what is lost.

Nothing is invented: a task without a BPSim processing time (or Prosimos duration) is
stored with a blank time and an open 要確認 warning (costing counts it as 0 minutes;
``bpr_studio.loading``); a gateway without probabilities is
split equally with a warning; an unknown lane is an error until it is mapped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr_studio.io.bpmn_branches import BranchReader
from bpr_studio.io.bpmn_format import MAX_TASK_MINUTES, MAX_TASKS, WARN_TASK_MINUTES
from bpr_studio.io.bpmn_read import (
    GATEWAY_KINDS,
    TASK_KINDS,
    BpmnModel,
    Flow,
    Node,
    Process,
    Simulation,
    read_bpmn,
)
from bpr_studio.io.normalize import NextSteps
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue
from bpr_studio.io.survey_format import PROCEDURES, STEPS
from bpr_studio.io.workbook_reader import FileProblem
from bpr_studio.model import codes

Record = dict[str, Any]
MINUTES_PER_YEAR = 525_600.0
_END = None
_STEP_KEYS = [c.key for c in STEPS.columns]
_PROCEDURE_KEYS = [c.key for c in PROCEDURES.columns]


@dataclass
class BpmnOptions:
    """What a BPMN file cannot say itself: its section, and actors for unknown lane names."""

    section: str | None = None
    lane_map: dict[str, str] = field(default_factory=dict)  # lane name → actor code
    bad_lane_map: list[str] = field(default_factory=list)   # entries that could not be read

    @classmethod
    def from_entries(cls, section: str | None, entries: list[str]) -> BpmnOptions:
        mapping, bad = parse_lane_map(entries)
        return cls(section or None, mapping, bad)


def parse_lane_map(entries: list[str]) -> tuple[dict[str, str], list[str]]:
    """``["審査係=担当職員", "Applicant=citizen"]`` → {lane: actor code}, and the bad entries."""
    mapping: dict[str, str] = {}
    bad: list[str] = []
    for entry in entries:
        lane, sep, actor = entry.rpartition("=")
        code = codes.ACTOR.parse(actor.strip()) if sep else None
        if code is None:
            bad.append(entry)
        else:
            mapping[lane.strip()] = code
    return mapping, bad


def _issue(file: str, severity: str, key: str, sheet: str = "", cell: str = "",
           value: object = "", **params: Any) -> ImportIssue:
    return ImportIssue(severity, key, file, sheet, cell, "" if value is None else str(value),
                       params)


class _Converter:
    """One process → one procedure record and its step records."""

    def __init__(self, process: Process, simulation: Simulation, file: str,
                 options: BpmnOptions) -> None:
        self.p = process
        self.sim = simulation
        self.file = file
        self.options = options
        self.issues: list[ImportIssue] = []
        self.attached: set[str] = set()  # timer events read as a step's waiting days
        self.outgoing: dict[str, list[Flow]] = defaultdict(list)
        self.incoming: dict[str, list[Flow]] = defaultdict(list)
        self.branches = BranchReader(process, simulation, self.outgoing, self.issue)

    def issue(self, severity: str, key: str, cell: str = "", value: object = "",
              **params: Any) -> None:
        self.issues.append(_issue(self.file, severity, key, self.p.id, cell, value, **params))

    # --- structure ------------------------------------------------------------------
    def check_flows(self) -> bool:
        ok = True
        for flow in self.p.flows:
            for end, ref in (("sourceRef", flow.source), ("targetRef", flow.target)):
                if ref not in self.p.nodes:
                    self.issue(ERROR, "bpmn_dangling_flow", flow.id, ref, flow=flow.id,
                               end=end, ref=ref)
                    ok = False
            if flow.source in self.p.nodes and flow.target in self.p.nodes:
                self.outgoing[flow.source].append(flow)
                self.incoming[flow.target].append(flow)
        return ok

    def number_tasks(self, start: str) -> dict[str, int]:
        """Step numbers: ours where the file has them, else in flow order from the start
        (reverse postorder of a depth-first walk: a step comes after every step that leads
        to it, except along a loop), so only a flow back in a loop goes to a lower number,
        which is what rework is. Of two branches the upper one (in the diagram) comes first."""
        tasks = [n for n in self.p.nodes.values()
                 if n.kind in TASK_KINDS or n.id in self.branches.routing]
        written = [n.ext.get("step_no", "") for n in tasks]
        if all(w.isdigit() for w in written) and len(set(written)) == len(tasks):
            return {n.id: int(w) for n, w in zip(tasks, written, strict=True)}

        def children(node_id: str) -> list[str]:
            targets = sorted({f.target for f in self.outgoing[node_id]},
                             key=lambda t: (self.p.nodes[t].y, self.p.nodes[t].x, t))
            return targets[::-1]  # visited last = placed first in reverse postorder

        postorder: list[str] = []
        visited = {start}
        stack = [(start, iter(children(start)))]
        while stack:
            node_id, pending = stack[-1]
            for child in pending:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(children(child))))
                    break
            else:
                stack.pop()
                postorder.append(node_id)
        order: dict[str, int] = {}
        for node_id in reversed(postorder):
            if self.p.nodes[node_id].kind in TASK_KINDS or node_id in self.branches.routing:
                order[node_id] = len(order) + 1
        for node in sorted(tasks, key=lambda n: (n.x, n.y, n.id)):  # unreachable ones last
            if node.id not in order:
                order[node.id] = len(order) + 1
        return order

    def find_start(self) -> str | None:
        starts = [n.id for n in self.p.nodes.values() if n.kind == "startEvent"]
        if not starts:
            starts = [n.id for n in self.p.nodes.values()
                      if n.kind in TASK_KINDS and not self.incoming[n.id]]
        if not starts:
            self.issue(ERROR, "bpmn_no_start", "", "")
            return None
        if len(starts) > 1:
            self.issue(WARNING, "bpmn_many_starts", starts[0], "", used=starts[0],
                       others=", ".join(starts[1:]))
        return starts[0]

    # --- waits -------------------------------------------------------------------------
    def wait_days(self, task: Node) -> float:
        """Timer events straight after the task (before any split) are its waiting days."""
        days = 0.0
        node_id = task.id
        visited = {node_id}
        while len(self.outgoing[node_id]) == 1:
            node_id = self.outgoing[node_id][0].target
            node = self.p.nodes[node_id]
            if node_id in visited or node.kind in TASK_KINDS or node.kind in GATEWAY_KINDS \
                    or node.kind == "endEvent":
                break
            visited.add(node_id)
            if node.timer_days is not None:
                days += node.timer_days
                self.attached.add(node_id)
        return days

    # --- lanes and times ---------------------------------------------------------------
    def routing_actor(self, node: Node, numbers: dict[str, int]) -> str:
        """A routing step's actor: its lane's, else the next task's, else 担当職員."""
        if node.lane:
            actor = self.actor(node)
            if actor:
                return actor
        after = sorted((n, t) for t, n in numbers.items() if n > numbers[node.id]
                       and self.p.nodes[t].kind in TASK_KINDS)
        for _n, task_id in after[:1]:
            actor = self.actor(self.p.nodes[task_id])
            if actor:
                return actor
        return "clerk"

    def actor(self, node: Node) -> str | None:
        lane_name = self.p.lanes.get(node.lane or "", "") if node.lane else ""
        if not node.lane:
            lane_name = self.p.participant or self.p.name or self.p.id
        mapped = self.options.lane_map.get(lane_name)
        if mapped:
            return mapped
        written = self.p.lane_actors.get(node.lane or "") or node.ext.get("actor")
        if written and written in codes.ACTOR.values:
            return written
        return codes.ACTOR.parse(lane_name)

    def minutes(self, task: Node) -> dict[str, float | None]:
        times = self.sim.times.get(task.id)
        if times is None:
            self.issue(WARNING, "bpmn_no_time", task.id, "", task=task.name or task.id)
            return {"min_minutes": None, "typical_minutes": None, "max_minutes": None}
        # A single value or a mean leaves 最短 and 最長 blank (= 標準).
        result = {"min_minutes": times.get("min"), "typical_minutes": times["typical"],
                  "max_minutes": times.get("max")}
        largest = max(v for v in result.values() if v is not None)
        smallest = min(v for v in result.values() if v is not None)
        if smallest < 0 or largest > MAX_TASK_MINUTES:
            self.issue(ERROR, "bpmn_time_out_of_range", task.id, f"{largest:g}",
                       task=task.name or task.id, max=f"{MAX_TASK_MINUTES:,.0f}")
        elif largest > WARN_TASK_MINUTES:
            self.issue(WARNING, "bpmn_time_over_a_day", task.id, f"{largest:g}",
                       task=task.name or task.id, days=f"{largest / 1440:.1f}")
        return result

    # --- the whole process -------------------------------------------------------------
    def convert(self) -> tuple[Record | None, list[Record]]:
        procedure = self.procedure()
        count = sum(1 for n in self.p.nodes.values() if n.kind in TASK_KINDS)
        if count > MAX_TASKS:  # step numbers stop at 999 (survey format); refuse early
            self.issue(ERROR, "bpmn_too_many_tasks", "", count, count=f"{count:,}",
                       max=f"{MAX_TASKS:,}")
            return procedure, []
        if not self.check_flows():
            return procedure, []
        start = self.find_start()
        tasks = [n for n in self.p.nodes.values() if n.kind in TASK_KINDS]
        if start is None or not tasks:
            if start is not None:
                self.issue(WARNING, "bpmn_no_tasks", "", "")
            return procedure, []
        self.branches.find_routing(start, [t.id for t in tasks])
        numbers = self.number_tasks(start)
        routing = self.branches.routing
        if start not in routing:
            entry = self.branches.targets(start) if self.p.nodes[start].kind not in TASK_KINDS \
                else {start: 1.0}
            first = min(numbers.values())
            if entry is not None and set(entry) != {
                    next(t for t, n in numbers.items() if n == first)}:
                self.issue(ERROR, "bpmn_start_branches", start, "")
        for node_id in sorted(routing, key=lambda r: numbers.get(r, 0)):
            node = self.p.nodes[node_id]
            self.issue(INFO, "bpmn_routing_step", node_id, node.kind, kind=node.kind,
                       step=numbers.get(node_id, "?"))
        unknown_lanes: dict[str, list[str]] = defaultdict(list)
        steps = []
        nodes = [*tasks, *(self.p.nodes[r] for r in routing if r in numbers)]
        for task in sorted(nodes, key=lambda n: numbers[n.id]):
            is_routing = task.id in routing
            actor = self.actor(task) if not is_routing else self.routing_actor(task, numbers)
            if actor is None:
                lane = self.p.lanes.get(task.lane or "", "") if task.lane else \
                    (self.p.participant or self.p.name or self.p.id)
                unknown_lanes[lane].append(task.id)
            following = self.branches.targets(task.id)
            # A task whose way on could not be read was reported; it ends here so that the
            # batch checks do not echo that error.
            next_steps = NextSteps([(None, 100.0)] if following is None else [
                (None if target is None else numbers[target], p * 100)
                for target, p in following.items()])
            next_steps.parallel = following is not None and following.parallel
            ext = task.ext
            record: Record = {
                "procedure_id": procedure["procedure_id"], "step_no": numbers[task.id],
                "name": task.name or task.id, "actor": actor or "clerk",
                "work_kind": ext.get("work_kind") if ext.get("work_kind") in
                codes.WORK_KIND.values else "other",
                **(self.minutes(task) if not is_routing else
                   {"min_minutes": None, "typical_minutes": 0.0, "max_minutes": None}),
                "share_pct": _number(ext.get("share_pct")),
                "medium": ext.get("medium") if ext.get("medium") in codes.MEDIUM.values else None,
                "manual_entry": ext.get("manual_entry") == "true",
                "seal": ext.get("seal") == "true",
                "physical_burden": _integer(ext.get("physical_burden")),
                "cognitive_burden": _integer(ext.get("cognitive_burden")),
                "psychological_burden": _integer(ext.get("psychological_burden")),
                "enjoyment": _integer(ext.get("enjoyment")),
                "wait_days": self.wait_days(task),
                "staff_category": ext.get("staff_category")
                if ext.get("staff_category") in codes.STAFF_CATEGORY.values else None,
                "notes": ext.get("notes"),
                "next_steps": next_steps,
                "_file": self.file, "_sheet": self.p.id, "_row": numbers[task.id],
                "_source_row": None,
                "_cells": dict.fromkeys(_STEP_KEYS, task.id),
            }
            if is_routing:
                record["name"] = task.name or ("開始" if task.kind == "startEvent" else "分岐")
                record["notes"] = f"BPMN {task.kind} {task.id}: 経路のみ（作業なし）"
            elif "work_kind" not in ext:
                record["_default_work_kind"] = True
            steps.append(record)
        for lane, task_ids in unknown_lanes.items():
            self.issue(ERROR, "bpmn_lane_unknown", task_ids[0], lane, lane=lane or "(なし)",
                       tasks=", ".join(task_ids[:5]) + (" …" if len(task_ids) > 5 else ""),
                       actors=" / ".join(codes.ACTOR.ja_labels))
        defaulted = [s for s in steps if s.pop("_default_work_kind", False)]
        if defaulted:
            self.issue(INFO, "bpmn_work_kind_default", "", "", count=len(defaulted))
        for node in self.p.nodes.values():
            if node.timer_days is not None and node.id not in self.attached \
                    and node.kind != "startEvent":
                self.issue(WARNING, "bpmn_timer_detached", node.id, "")
        if self.p.ignored:
            self.issue(INFO, "bpmn_ignored", "", "", elements=", ".join(self.p.ignored[:8]))
        return procedure, steps

    def procedure(self) -> Record:
        ext = self.p.ext
        section = self.options.section or ext.get("section")
        name = self.p.name or self.p.participant or self.p.id
        record: Record = {
            "procedure_id": ext.get("procedure_id") or self.p.id,
            "name": ext.get("name") or name, "section": section,
            "department": ext.get("department"), "team": ext.get("team"),
            "category": ext.get("category") if ext.get("category") in codes.CATEGORY.values
            else None,
            "annual_cases": _integer(ext.get("annual_cases")),
            "online_cases": _integer(ext.get("online_cases")),
            "_file": self.file, "_sheet": self.p.id, "_row": 0,
            "_cells": dict.fromkeys(_PROCEDURE_KEYS, self.p.id),
        }
        for key in ("legal_basis", "legal_form_requirement", "identity_check",
                    "attachment_kind", "fee_payment"):
            value = ext.get(key)
            record[key] = value if value in codes.ALL_CODE_LISTS[_CODE_LIST[key]].values else None
        for key in ("legal_basis_name", "attachment_names", "notes"):
            record[key] = ext.get(key)
        record["attachment_count"] = _integer(ext.get("attachment_count"))
        record["fee_yen"] = _number(ext.get("fee_yen"))
        record["lead_time_days"] = _number(ext.get("lead_time_days"))
        record["visit_required"] = {"true": True, "false": False}.get(ext.get("visit_required", ""))
        months = ext.get("peak_months") or ""
        record["peak_months"] = [int(m) for m in months.split(",") if m.strip().isdigit()] or None
        if not section:
            self.issue(ERROR, "bpmn_section_missing", "", "")
        if record["annual_cases"] is None:
            mean = next((self.sim.arrival_mean_minutes[n.id] for n in self.p.nodes.values()
                         if n.kind == "startEvent" and n.id in self.sim.arrival_mean_minutes), None)
            if mean:
                record["annual_cases"] = round(MINUTES_PER_YEAR / mean)
                self.issue(INFO, "bpmn_cases_from_arrivals", "", "", mean=f"{mean:g}",
                           cases=f"{record['annual_cases']:,}")
            else:
                self.issue(WARNING, "bpmn_no_cases", "", "")
        return record


_CODE_LIST = {"legal_basis": "legal_basis", "legal_form_requirement": "legal_form",
              "identity_check": "identity_check", "attachment_kind": "attachment_kind",
              "fee_payment": "fee_payment"}


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is None or value == value else None


def _integer(text: str | None) -> int | None:
    value = _number(text)
    return None if value is None else int(round(value))


def convert_model(model: BpmnModel, file: str, options: BpmnOptions
                  ) -> tuple[dict[str, list[Record]], list[ImportIssue]]:
    procedures: list[Record] = []
    steps: list[Record] = []
    issues: list[ImportIssue] = []
    if not model.processes:
        issues.append(_issue(file, ERROR, "bpmn_no_process"))
    if model.simulation.other_scenarios:
        issues.append(_issue(file, INFO, "bpmn_other_scenarios",
                             count=model.simulation.other_scenarios))
    for process in model.processes:
        converter = _Converter(process, model.simulation, file, options)
        procedure, process_steps = converter.convert()
        issues.extend(converter.issues)
        if procedure is not None:
            procedures.append(procedure)
        steps.extend(process_steps)
    return {"procedures": procedures, "steps": steps}, issues


def parse_bpmn_file(path: Path, options: BpmnOptions, parameters: Path | None = None
                    ) -> tuple[dict[str, list[Record]], list[ImportIssue]]:
    """Records and issues of one BPMN file, as :func:`survey_import._parse_file` gives.

    ``parameters``: Prosimos' simulation-parameters JSON of the model; its times, shares,
    arrivals and waits win over the file's BPSim (:mod:`bpr_studio.io.prosimos_read`).
    """
    file = str(path)
    if options.bad_lane_map:
        return {}, [ImportIssue(ERROR, "bpmn_lane_map_bad", file, value=entry,
                                params={"entry": entry,
                                        "actors": " / ".join(codes.ACTOR.ja_labels)})
                    for entry in options.bad_lane_map]
    try:
        model = read_bpmn(path)
    except FileProblem as problem:
        return {}, [ImportIssue(ERROR, problem.key, file, params=problem.params)]
    if parameters is None:
        return convert_model(model, file, options)
    from bpr_studio.io.prosimos_read import apply_prosimos_json

    json_issues = apply_prosimos_json(parameters, model)
    records, issues = convert_model(model, file, options)
    return records, json_issues + issues
