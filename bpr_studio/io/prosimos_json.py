"""Prosimos' simulation parameters (JSON) for a BPMN file written by ``export-bpmn``.

Prosimos (a BPMN simulator from the University of Tartu, Apache-2.0) reads a BPMN
model plus a JSON file of task durations, branch probabilities, arrivals, resource
pools and calendars. This writes that JSON from the BPSim parameters of one of our
exported pools, so the same model runs in both tools (``benchmarks/bench_vs_prosimos``).

What our model does not have is filled in plainly and said in ``docs/bpmn.md``: one
resource pool per lane of one person working 24/7 (the survey counts work, not staff
rosters), arrivals as a Poisson process at the procedure's annual cases spread over the
whole year. Times are in seconds, Prosimos' unit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bpr_studio.atomic import atomic_write
from bpr_studio.io.bpmn_read import BpmnModel, read_bpmn
from bpr_studio.messages import MessageError

SECONDS_PER_YEAR = 365 * 24 * 3600
ALWAYS = [{"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00.000",
           "endTime": "23:59:59.999"}]


def _normal(low: float, mode: float, high: float) -> list[dict[str, float]]:
    """最短/標準/最長 as Prosimos' cut normal: mean = 標準 (what the cost model and the
    Monte Carlo take as a step's expected time), cut at 最短 and 最長 (Prosimos has no
    triangular distribution); read back as the same three values
    (bpr_studio.io.prosimos_read).

    The spread is the triangular's on the same three values, but at most a third of the
    distance from 標準 to the nearer bound: a cut nearer than 3 sd moves the mean (padua's
    (0, m, 3m) with the triangular's sd of 0.62 m would come out 7 % high); at 3 sd it
    moves it by under 0.2 %.

    >>> [round(p["value"], 3) for p in _normal(0.0, 10.0, 30.0)]
    [10.0, 3.333, 0.0, 30.0]
    """
    variance = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    sd = min(math.sqrt(max(variance, 0.0)), (mode - low) / 3, (high - mode) / 3)
    # A bound at 標準 leaves no room: a thin spread keeps the bounds (read back) and the mean.
    sd = max(sd, (high - low) / 1000)
    return [{"value": mode}, {"value": sd}, {"value": low}, {"value": high}]


def prosimos_parameters(model: BpmnModel, resources_per_lane: int = 1) -> dict[str, Any]:
    """The JSON (as a dict) for the one process of ``model``."""
    if len(model.processes) != 1:
        raise MessageError("prosimos_one_process", count=len(model.processes))
    [process] = model.processes
    sim = model.simulation
    pools = []
    for lane_id, lane_name in process.lanes.items():
        tasks = [n.id for n in process.nodes.values() if n.lane == lane_id and n.kind == "task"]
        if tasks:
            pools.append({"id": lane_id, "name": lane_name or lane_id, "cost_per_hour": "0",
                          "amount": resources_per_lane, "calendar": "24_7",
                          "assignedTasks": tasks})
    durations = []
    for node in process.nodes.values():
        if node.kind != "task":
            continue
        times = sim.times.get(node.id)
        if times is None or node.lane is None:
            raise MessageError("prosimos_task_incomplete", task=node.id)
        mode = times["typical"] * 60
        low = times.get("min", times["typical"]) * 60
        high = times.get("max", times["typical"]) * 60
        distribution = ({"distribution_name": "fix", "distribution_params": [{"value": mode}]}
                        if abs(high - low) < 1e-9 else
                        {"distribution_name": "norm", "distribution_params": _normal(low, mode, high)})
        durations.append({"task_id": node.id,
                          "resources": [{"resource_id": node.lane, **distribution}]})
    gateways = []
    for node in process.nodes.values():
        if node.kind in ("exclusiveGateway", "inclusiveGateway"):
            out = [f for f in process.flows if f.source == node.id]
            gateways.append({"gateway_id": node.id, "probabilities": [
                {"path_id": f.id, "value": sim.probabilities.get(f.id, 1 / len(out))}
                for f in out]})
    events = [{"event_id": n.id, "distribution_name": "fix",
               "distribution_params": [{"value": (n.timer_days or 0.0) * 86400}]}
              for n in process.nodes.values() if n.timer_days is not None]
    start = next(n.id for n in process.nodes.values() if n.kind == "startEvent")
    mean_minutes = sim.arrival_mean_minutes.get(start, 60.0)
    arrival = {"distribution_name": "expon", "distribution_params": [
        {"value": mean_minutes * 60}, {"value": 0.0}, {"value": mean_minutes * 60 * 20}]}
    return {"resource_profiles": [{"id": "lanes", "name": "lanes", "resource_list": pools}],
            "arrival_time_distribution": arrival, "arrival_time_calendar": ALWAYS,
            "gateway_branching_probabilities": gateways,
            "task_resource_distribution": durations,
            "event_distribution": events,
            "resource_calendars": [{"id": "24_7", "name": "24/7", "time_periods": ALWAYS}]}


def write_prosimos_json(bpmn_path: str | Path, out: str | Path,
                        resources_per_lane: int = 1) -> Path:
    """Write the Prosimos JSON for an exported BPMN file (all or nothing)."""
    data = prosimos_parameters(read_bpmn(Path(bpmn_path)), resources_per_lane)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
