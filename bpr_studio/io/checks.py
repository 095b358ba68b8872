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
            typical = step.get("typical_minutes")
            if typical is None:
                continue
            low, high = step.get("min_minutes"), step.get("max_minutes")
            if not ((typical if low is None else low) <= typical
                    <= (typical if high is None else high)):  # as _check_times, inline
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
    params = {"min": f"{low_v:g}", "typical": f"{typical:g}", "max": f"{high_v:g}"}
    # Point at the bound that breaks the order; when both do, the typical time is the odd one.
    if low_v > typical and high_v >= typical:
        return [_issue(step, ERROR, "min_above_typical", "min_minutes", params["min"], **params)]
    if high_v < typical and low_v <= typical:
        return [_issue(step, ERROR, "max_below_typical", "max_minutes", params["max"], **params)]
    return [_issue(step, ERROR, "min_typical_max", "typical_minutes", params["typical"],
                   **params)]


def _resolve_links(step: Record, following: int | None, by_no: dict[int, Record],
                   procedure_id: str) -> list[ImportIssue]:
    """Turn the next-step cell into [(target or None, probability)] on ``step['_links']``."""
    raw = step.get("next_steps")
    if raw is None:
        step["_links"] = [(following, 1.0)]
        return []
    if getattr(raw, "parallel", False):
        # 4&5: every branch runs (chance 1, or the percentage written: an inclusive split).
        step["_parallel"] = True
        step["_links"] = [(t, 1.0 if pct is None else pct / 100) for t, pct in raw]
        back = [t for t, _p in raw if t is not None and t <= step["step_no"]]
        if back:
            step["_links"] = []
            return [_issue(step, ERROR, "parallel_backward", "next_steps", back[0],
                           target=back[0], step=step["step_no"])]
    elif len(raw) == 1:
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
                                 target=target, id=procedure_id, valid=step_list(by_no)))
    if issues:
        step["_links"] = []
    return issues


def _check_reachability(by_no: dict[int, Record], numbers: list[int]) -> list[ImportIssue]:
    if not numbers or any(not by_no[n].get("_links") and "_links" in by_no[n]
                          and by_no[n].get("next_steps") for n in numbers):
        return []  # a broken link was reported already; reachability would only echo it
    successors = {n: [t for t, _p in by_no[n].get("_links", [])] for n in numbers}
    if all(successors.values()) and all(t is None or t > n for n, targets in successors.items()
                                        for t in targets):
        return _forward_reachability(by_no, numbers, successors)
    return _walked_reachability(by_no, numbers, successors)


def _forward_reachability(by_no: dict[int, Record], numbers: list[int],
                          successors: dict[int, list[int | None]]) -> list[ImportIssue]:
    """Every arrow points forward or to the end and every step has one (a survey without
    rework loops): each step reaches the end, and one pass in step order finds the
    reachable ones — what the two walks of :func:`_walked_reachability` give."""
    seen: set[int | None] = {numbers[0]}
    for n in numbers:
        if n in seen:
            seen.update(successors[n])
    return [_issue(by_no[n], WARNING, "step_unreachable", "step_no", n, step=n)
            for n in numbers if n not in seen]


def _walked_reachability(by_no: dict[int, Record], numbers: list[int],
                         successors: dict[int, list[int | None]]) -> list[ImportIssue]:
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
        issues.extend(_loop_issues(by_no, numbers, successors, set(trapped)))
    return issues


def _loop_issues(by_no: dict[int, Record], numbers: list[int],
                 successors: dict[int, list[int | None]], trapped: set[int]) -> list[ImportIssue]:
    """One error per rework loop with no way out, at the loop's own rows.

    Steps that merely lead into such a loop cannot reach the end either, but the fix
    belongs in the loop: it is a group of steps whose arrows all stay inside it.
    """
    import networkx as nx  # here: a reading process starts ~0.1 s sooner without it

    graph = nx.DiGraph()
    graph.add_nodes_from(trapped)
    graph.add_edges_from((n, t) for n in trapped for t in successors[n] if t in trapped)
    condensed = nx.condensation(graph)
    issues = []
    for component in condensed.nodes:
        if condensed.out_degree(component):
            continue
        loop = sorted(condensed.nodes[component]["members"])
        last = by_no[loop[-1]]
        onward = next((n for n in numbers if n > loop[-1] and n not in trapped), None)
        example = f"{onward if onward is not None else '終了'}(90%); {loop[0]}(10%)"
        rows = sorted(by_no[n]["_row"] for n in loop)
        issues.append(_issue(last, ERROR, "no_way_out", "next_steps",
                             steps=" → ".join(map(str, loop)), rows=_runs(rows),
                             example=example))
    return issues


def _runs(numbers: list[int]) -> str:
    """[1, 2, 3, 5] → '1～3, 5'."""
    parts: list[str] = []
    index = 0
    while index < len(numbers):
        end = index
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        start, stop = numbers[index], numbers[end]
        parts.append(str(start) if start == stop else f"{start}～{stop}")
        index = end + 1
    return ", ".join(parts)


def step_list(by_no: dict[int, Any]) -> str:
    """The step numbers a next-step cell may name, compactly: '1～6' or '1～3, 5'."""
    return _runs(sorted(by_no))
