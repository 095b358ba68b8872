"""A padua-like model: our own hand translation of the structure and figures of Prosimos'
padua example (issue 13), as a BPMN file and Prosimos' simulation-parameters JSON.

7 tasks; a branch right after the start (a purchase requisition in 73 % of cases), an
order, a paper print in 56.2 %, an order confirmation in 64.1 %, then goods receipt and
invoice receipt **in parallel**, then clearing the invoice. Task times are Prosimos'
'norm' with a 10 % spread, cut at 0 and 3x the mean; the exact mean work per case of
these figures is 825.55 h (Prosimos' own runs of padua: 825.1–827.6 h). No lanes: the
import maps the pool 購買 to an actor (``--lane-map 購買=担当職員``).

Used by tests/test_prosimos_json.py and ``benchmarks.bench_vs_prosimos --models padua``.
"""

from __future__ import annotations

import json
from pathlib import Path

# (id, name, mean seconds) of the tasks; Prosimos' 'norm' with sd 10 %, cut at 0 and 3x.
TASKS = [("T1", "Create Purchase Requisition", 17396), ("T2", "Create Purchase Order", 118594),
         ("T3", "Print and Send Purchase Order", 5), ("T4", "Receive Order Confirmation", 380721),
         ("T5", "Record Goods Receipt", 1022162), ("T6", "Record Invoice Receipt", 1130584),
         ("T7", "Clear Invoice", 443893)]
FLOWS = [("F0", "S", "X1"), ("F1", "X1", "T1"), ("F2", "X1", "M1"), ("F3", "T1", "M1"),
         ("F4", "M1", "T2"), ("F5", "T2", "X2"), ("F6", "X2", "T3"), ("F7", "X2", "M2"),
         ("F8", "T3", "M2"), ("F9", "M2", "X3"), ("F10", "X3", "T4"), ("F11", "X3", "M3"),
         ("F12", "T4", "M3"), ("F13", "M3", "P1"), ("F14", "P1", "T5"), ("F15", "P1", "T6"),
         ("F16", "T5", "P2"), ("F17", "T6", "P2"), ("F18", "P2", "T7"), ("F19", "T7", "E")]
SHARES = {"X1": {"F1": 0.73, "F2": 0.27}, "X2": {"F6": 0.562, "F7": 0.438},
          "X3": {"F10": 0.641, "F11": 0.359}}
MEAN_WORK_HOURS = (17396 * 0.73 + 118594 + 5 * 0.562 + 380721 * 0.641 + 1022162 + 1130584
                   + 443893) / 3600


def padua_bpmn() -> str:
    nodes = "".join(f'<task id="{i}" name="{n}"/>' for i, n, _s in TASKS)
    nodes += ('<startEvent id="S"/><endEvent id="E"/>'
              + "".join(f'<exclusiveGateway id="{g}"/>' for g in ("X1", "X2", "X3", "M1", "M2", "M3"))
              + '<parallelGateway id="P1"/><parallelGateway id="P2"/>')
    flows = "".join(f'<sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}"/>'
                    for f, a, b in FLOWS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions '
            'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">'
            f'<process id="padua" name="購買">{nodes}{flows}</process></definitions>')


def padua_json() -> dict:
    def norm(mean: float) -> dict:
        return {"distribution_name": "norm", "distribution_params": [
            {"value": mean}, {"value": mean / 10}, {"value": 0}, {"value": mean * 3}]}
    return {
        "resource_profiles": [{"id": "p", "name": "p", "resource_list": [
            {"id": f"role{i}", "name": f"ROLE {i}", "amount": 10, "calendar": "c",
             "assignedTasks": [t]} for i, (t, _n, _s) in enumerate(TASKS, start=1)]}],
        "arrival_time_distribution": {"distribution_name": "expon", "distribution_params": [
            {"value": 1800}, {"value": 0}, {"value": 36000}]},
        "arrival_time_calendar": [{"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00.000",
                                   "endTime": "23:59:59.999"}],
        "gateway_branching_probabilities": [
            {"gateway_id": g, "probabilities": [{"path_id": f, "value": v} for f, v in s.items()]}
            for g, s in SHARES.items()],
        "task_resource_distribution": [{"task_id": t, "resources": [
            {"resource_id": f"role{i}", **norm(s)}]} for i, (t, _n, s) in enumerate(TASKS, 1)],
        "resource_calendars": [{"id": "c", "name": "24/7", "time_periods": []}],
    }


def write_model(tmp_path: Path) -> tuple[Path, Path]:
    bpmn = tmp_path / "padua.bpmn"
    bpmn.write_text(padua_bpmn(), encoding="utf-8")
    parameters = tmp_path / "padua.json"
    parameters.write_text(json.dumps(padua_json()), encoding="utf-8")
    return bpmn, parameters
