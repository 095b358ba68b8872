"""Cross-checks over a whole batch: duplicates, unknown procedures, times, branches, reachability.

These run after every row has been read on its own, and add issues that point at
the cell responsible (the typical-minutes cell, the next-step cell, …).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bpr_studio.io.report import ERROR, WARNING, ImportIssue

Record = dict[str, Any]
BRANCH_TOLERANCE_PCT = 0.5


def _issue(record: Record, severity: str, key: str, column: str = "", value: Any = "", /,
           **params: Any) -> ImportIssue:
    # Positional-only: a message parameter may itself be called key, column or value.
    cell = record["_cells"].get(column, str(record["_row"])) if column else str(record["_row"])
    return ImportIssue(severity, key, record["_file"], record["_sheet"], cell,
                       "" if value is None else str(value), params)


def check_procedures(procedures: list[Record]) -> list[ImportIssue]:
    issues = []
    for p in procedures:
        online, total = p.get("online_cases"), p.get("annual_cases")
        if online is not None and total is not None and online > total:
            issues.append(_issue(p, ERROR, "online_exceeds_total", "online_cases", online,
                                 online=online, total=total))
    return issues


def check_steps(steps_by_procedure: dict[str, list[Record]]) -> list[ImportIssue]:
    """Times, branches and reachability, per procedure. Fills ``record['_links']``."""
    issues: list[ImportIssue] = []
    for procedure_id, steps in steps_by_procedure.items():
        by_no: dict[int, Record] = {}
        for step in steps:
            number = step["step_no"]
            if number in by_no:
                first = by_no[number]
                issues.append(_issue(step, ERROR, "duplicate_step", "step_no", number,
                                     id=procedure_id, step=number,
                                     first=f"{first['_sheet']}!{first['_cells']['step_no']}"))
                continue
            by_no[number] = step
            issues.extend(_check_times(step))
        numbers = sorted(by_no)
        for position, number in enumerate(numbers):
            following = numbers[position + 1] if position + 1 < len(numbers) else None
            issues.extend(_resolve_links(by_no[number], following, by_no, procedure_id))
        issues.extend(_check_reachability(by_no, numbers))
    return issues


def _check_times(step: Record) -> list[ImportIssue]:
    typical = step.get("typical_minutes")
    if typical is None:
        return []
    low = step.get("min_minutes")
    high = step.get("max_minutes")
    low_v = typical if low is None else low
    high_v = typical if high is None else high
    if low_v <= typical <= high_v:
        return []
    return [_issue(step, ERROR, "min_typical_max", "typical_minutes", typical,
                   min=f"{low_v:g}", typical=f"{typical:g}", max=f"{high_v:g}")]


def _resolve_links(step: Record, following: int | None, by_no: dict[int, Record],
                   procedure_id: str) -> list[ImportIssue]:
    """Turn the next-step cell into [(target or None, probability)] on ``step['_links']``."""
    raw = step.get("next_steps")
    if raw is None:
        step["_links"] = [(following, 1.0)]
        return []
    if len(raw) == 1:
        target, _pct = raw[0]
        step["_links"] = [(target, 1.0)]
        if target == step["step_no"]:
            step["_links"] = []
            return [_issue(step, ERROR, "next_step_self", "next_steps", target)]
    else:
        if any(pct is None for _t, pct in raw):
            step["_links"] = []
            return [_issue(step, ERROR, "branch_missing_pct", "next_steps")]
        total = sum(pct for _t, pct in raw)
        if abs(total - 100.0) > BRANCH_TOLERANCE_PCT:
            step["_links"] = []
            return [_issue(step, ERROR, "branch_sum", "next_steps", f"{total:g}%",
                           total=f"{total:g}")]
        step["_links"] = [(t, pct / total) for t, pct in raw]
    issues = []
    for target, _p in step["_links"]:
        if target is not None and target not in by_no:
            issues.append(_issue(step, ERROR, "next_step_unknown", "next_steps", target,
                                 target=target, id=procedure_id))
    if issues:
        step["_links"] = []
    return issues


def _check_reachability(by_no: dict[int, Record], numbers: list[int]) -> list[ImportIssue]:
    if not numbers or any(not by_no[n].get("_links") and "_links" in by_no[n]
                          and by_no[n].get("next_steps") for n in numbers):
        return []  # a broken link was reported already; reachability would only echo it
    successors = {n: [t for t, _p in by_no[n].get("_links", [])] for n in numbers}
    seen = {numbers[0]}
    stack = [numbers[0]]
    while stack:
        for target in successors[stack.pop()]:
            if target is not None and target not in seen:
                seen.add(target)
                stack.append(target)
    issues = [_issue(by_no[n], WARNING, "step_unreachable", "step_no", n, step=n)
              for n in numbers if n not in seen]
    # Which steps can reach the end? Walk the arrows backwards from it.
    predecessors: dict[int | None, list[int]] = defaultdict(list)
    for n, targets in successors.items():
        for target in targets:
            predecessors[target].append(n)
    ends = set()
    stack2: list[int | None] = [None]
    while stack2:
        for source in predecessors[stack2.pop()]:
            if source not in ends:
                ends.add(source)
                stack2.append(source)
    trapped = [n for n in numbers if n in seen and n not in ends]
    if trapped:
        issues.append(_issue(by_no[trapped[0]], ERROR, "no_way_out", "next_steps",
                             steps=", ".join(map(str, trapped))))
    return issues
