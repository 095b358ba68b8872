"""Prosimos' simulation parameters (JSON) read back next to their BPMN file.

``bpr-studio import --project F model.bpmn model.json`` reads the JSON Prosimos (and
``export-bpmn --prosimos-json``) writes, and puts its figures where the BPMN import looks
for BPSim parameters, so the model comes back with the same times and shares:

- ``task_resource_distribution``: each task's duration (seconds) → 最短/標準/最長 minutes.
  標準 = the distribution's mean (``fix``: its value; ``uniform``: the middle; ``norm``,
  ``lognorm``, ``gamma``, ``expon``: the mean given), 最短/最長 = the bounds Prosimos cuts
  its draws at (the last two parameters), blank where there are none. A task several
  resources can do takes the mean of their means (Prosimos gives it to whoever is free);
- ``gateway_branching_probabilities`` → the shares of the flows (they win over BPSim);
- ``arrival_time_distribution`` (mean seconds between cases) and ``arrival_time_calendar``
  (the hours of the week cases arrive) → 年間件数 = arrivals in a year of those hours;
- ``event_distribution`` → the waiting days of timer events (mean seconds);
- ``resource_profiles`` and ``resource_calendars`` are **not in our model** (the survey
  counts work per case, not rosters): said as information with what they held, nothing
  else changes. Other sections (batching, case attributes, priorities …) are named as
  ignored.

The JSON is checked like a survey: any problem is an error naming the file and the JSON
path (``task_resource_distribution[2].resources[0].distribution_params``), and nothing is
written. A JSON file in a batch pairs with the BPMN file of the same name, or with the
only BPMN file of the batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr_studio.io.bpmn_read import TASK_KINDS, BpmnModel
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue

PARAMETERS_SUFFIX = ".json"
MAX_JSON_BYTES = 20_000_000   # a Prosimos file of a large model is a few hundred kB
MINUTES_PER_YEAR = 525_600.0
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_KNOWN = {"resource_profiles", "arrival_time_distribution", "arrival_time_calendar",
          "gateway_branching_probabilities", "task_resource_distribution",
          "event_distribution", "resource_calendars", "model_type", "granule_size"}


def pair_parameter_files(files: Sequence[Path]) -> tuple[dict[str, Path], list[ImportIssue]]:
    """{BPMN file: its JSON}, and errors for JSON files with no BPMN file to go with."""
    bpmn = [f for f in files if f.suffix.lower() == ".bpmn"]
    pairs: dict[str, Path] = {}
    issues = []
    for path in files:
        if path.suffix.lower() != PARAMETERS_SUFFIX:
            continue
        same = [b for b in bpmn if b.stem == path.stem]
        partner = same[0] if same else (bpmn[0] if len(bpmn) == 1 else None)
        if partner is None or str(partner) in pairs:
            issues.append(ImportIssue(ERROR, "prosimos_json_unpaired", str(path),
                                      params={"count": len(bpmn)}))
        else:
            pairs[str(partner)] = path
    return pairs, issues


@dataclass
class _Reader:
    file: str
    model: BpmnModel
    issues: list[ImportIssue] = field(default_factory=list)

    def issue(self, severity: str, key: str, where: str = "", value: object = "",
              **params: Any) -> None:
        self.issues.append(ImportIssue(severity, key, self.file, "", where,
                                       "" if value is None else str(value)[:80], params))

    def number(self, raw: Any, where: str) -> float | None:
        value: Any = raw.get("value") if isinstance(raw, dict) else raw
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number < 0:
            self.issue(ERROR, "prosimos_json_bad_value", where, value, path=where)
            return None
        return number

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.issue(ERROR, "prosimos_json_bad_value", key, type(value).__name__, path=key)
            return []
        return value

    # --- durations -----------------------------------------------------------------
    def minutes(self, entry: Any, where: str) -> dict[str, float] | None:
        """min/typical/max minutes of a {distribution_name, distribution_params} entry."""
        if not isinstance(entry, dict):
            self.issue(ERROR, "prosimos_json_bad_value", where, "", path=where)
            return None
        name = str(entry.get("distribution_name", ""))
        raw = entry.get("distribution_params", [])
        if not isinstance(raw, list):
            raw = []
        params = [self.number(p, f"{where}.distribution_params[{i}]") for i, p in enumerate(raw)]
        if any(p is None for p in params):
            return None
        values = [float(p or 0.0) for p in params]
        counts = {"fix": 1, "uniform": 2, "expon": 1, "norm": 2, "lognorm": 2, "gamma": 2}
        if name not in counts:
            self.issue(ERROR, "prosimos_json_distribution", where, name, path=where, name=name)
            return None
        if len(values) < counts[name]:
            self.issue(ERROR, "prosimos_json_bad_value", f"{where}.distribution_params",
                       len(values), path=f"{where}.distribution_params")
            return None
        if name == "fix":
            result = {"typical": values[0]}
        elif name == "uniform":
            result = {"min": values[0], "typical": (values[0] + values[1]) / 2, "max": values[1]}
        else:
            result = {"typical": values[0]}
            bounds = values[1:3] if name == "expon" else values[2:4]
            if len(bounds) == 2 and bounds[0] <= values[0] <= bounds[1]:
                result.update(min=bounds[0], max=bounds[1])
        return {k: v / 60 for k, v in result.items()}

    def task_times(self, data: dict[str, Any], tasks: set[str]) -> None:
        times = self.model.simulation.times
        for i, item in enumerate(self.items(data, "task_resource_distribution")):
            where = f"task_resource_distribution[{i}]"
            task_id = item.get("task_id") if isinstance(item, dict) else None
            if task_id not in tasks:
                self.issue(ERROR, "prosimos_json_unknown_element", f"{where}.task_id", task_id,
                           path=f"{where}.task_id", id=task_id, kind="task")
                continue
            resources = item.get("resources") if isinstance(item, dict) else None
            found = [self.minutes(r, f"{where}.resources[{j}]")
                     for j, r in enumerate(resources if isinstance(resources, list) else [])]
            if not found or any(f is None for f in found):
                if not found:
                    self.issue(ERROR, "prosimos_json_bad_value", f"{where}.resources", "",
                               path=f"{where}.resources")
                continue
            chosen = [f for f in found if f is not None]
            if len(chosen) > 1 and len({round(f["typical"], 6) for f in chosen}) > 1:
                self.issue(INFO, "prosimos_json_resources_mean", f"{where}.resources", task_id,
                           task=task_id, count=len(chosen))
            merged = {k: sum(f[k] for f in chosen) / len(chosen)
                      for k in ("min", "typical", "max") if all(k in f for f in chosen)}
            times[str(task_id)] = {**merged, "_kind": 1.0}

    # --- branches, arrivals, waits ----------------------------------------------------
    def branches(self, data: dict[str, Any], flows: dict[str, str]) -> None:
        for i, item in enumerate(self.items(data, "gateway_branching_probabilities")):
            where = f"gateway_branching_probabilities[{i}]"
            paths = item.get("probabilities") if isinstance(item, dict) else None
            for j, entry in enumerate(paths if isinstance(paths, list) else []):
                flow_id = entry.get("path_id") if isinstance(entry, dict) else None
                if flow_id not in flows:
                    self.issue(ERROR, "prosimos_json_unknown_element",
                               f"{where}.probabilities[{j}].path_id", flow_id,
                               path=f"{where}.probabilities[{j}].path_id", id=flow_id,
                               kind="sequenceFlow")
                    continue
                value = self.number(entry.get("value"), f"{where}.probabilities[{j}].value")
                if value is not None:
                    self.model.simulation.probabilities[str(flow_id)] = value

    def arrivals(self, data: dict[str, Any], start: str | None) -> None:
        entry = data.get("arrival_time_distribution")
        if entry is None or start is None:
            return
        found = self.minutes(entry, "arrival_time_distribution")
        if found is None or found["typical"] <= 0:
            return
        share = self.week_share(data.get("arrival_time_calendar"))
        # Cases arrive only in the calendar's hours: the mean gap over the whole year is
        # longer by 1 / share.
        self.model.simulation.arrival_mean_minutes[start] = found["typical"] / share
        if share < 1:
            self.issue(INFO, "prosimos_json_arrival_calendar", "arrival_time_calendar", "",
                       pct=f"{share:.0%}")

    def week_share(self, periods: Any) -> float:
        """Share of the week's 168 hours the calendar's periods cover (1 when unreadable)."""
        if not isinstance(periods, list) or not periods:
            return 1.0
        hours = 0.0
        for period in periods:
            try:
                first, last = _DAYS.index(period["from"]), _DAYS.index(period["to"])
                begin, end = _hours(period["beginTime"]), _hours(period["endTime"])
            except (KeyError, TypeError, ValueError):
                self.issue(WARNING, "prosimos_json_calendar_unread", "arrival_time_calendar")
                return 1.0
            days = (last - first) % 7 + 1
            hours += days * max(end - begin, 0.0)
        return min(max(hours / 168, 1e-6), 1.0)

    def waits(self, data: dict[str, Any]) -> None:
        for i, item in enumerate(self.items(data, "event_distribution")):
            where = f"event_distribution[{i}]"
            event_id = item.get("event_id") if isinstance(item, dict) else None
            node = next((p.nodes[event_id] for p in self.model.processes
                         if event_id in p.nodes), None)
            if node is None:
                self.issue(ERROR, "prosimos_json_unknown_element", f"{where}.event_id", event_id,
                           path=f"{where}.event_id", id=event_id, kind="event")
                continue
            found = self.minutes(item, where)
            if found is not None:
                node.timer_days = found["typical"] / 1440

    def not_modelled(self, data: dict[str, Any]) -> None:
        pools = []
        for profile in data.get("resource_profiles") or []:
            for resource in (profile.get("resource_list") or []) if isinstance(profile, dict) else []:
                if isinstance(resource, dict):
                    pools.append(f"{resource.get('name') or resource.get('id')} ×"
                                 f"{resource.get('amount', '?')}")
        calendars = [str(c.get("name") or c.get("id")) for c in data.get("resource_calendars") or []
                     if isinstance(c, dict)]
        if pools or calendars:
            self.issue(INFO, "prosimos_json_not_modelled", "resource_profiles", "",
                       pools=", ".join(pools[:8]) + (" …" if len(pools) > 8 else "") or "-",
                       calendars=", ".join(calendars[:4]) or "-")
        other = sorted(k for k in data if k not in _KNOWN)
        if other:
            self.issue(INFO, "prosimos_json_ignored", "", "", keys=", ".join(other))


def _hours(text: Any) -> float:
    hours, minutes, *rest = str(text).split(":")
    seconds = float(rest[0]) if rest else 0.0
    return int(hours) + int(minutes) / 60 + seconds / 3600


def apply_prosimos_json(path: Path, model: BpmnModel) -> list[ImportIssue]:
    """Read ``path`` into ``model``'s simulation parameters; the issues found (errors mean
    the batch is refused)."""
    reader = _Reader(str(path), model)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            return [ImportIssue(ERROR, "file_too_large", str(path),
                                params={"detail": f"{size / 1e6:,.0f} MB > "
                                                  f"{MAX_JSON_BYTES / 1e6:,.0f} MB"})]
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return [ImportIssue(ERROR, "file_missing", str(path))]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return [ImportIssue(ERROR, "prosimos_json_unreadable", str(path),
                            params={"detail": str(exc)[:200]})]
    if not isinstance(data, dict):
        return [ImportIssue(ERROR, "prosimos_json_unreadable", str(path),
                            params={"detail": type(data).__name__})]
    tasks = {n.id for p in model.processes for n in p.nodes.values() if n.kind in TASK_KINDS}
    flows = {f.id: f.source for p in model.processes for f in p.flows}
    starts = [n.id for p in model.processes for n in p.nodes.values() if n.kind == "startEvent"]
    reader.task_times(data, tasks)
    reader.branches(data, flows)
    reader.arrivals(data, starts[0] if len(starts) == 1 else None)
    reader.waits(data)
    reader.not_modelled(data)
    return reader.issues
