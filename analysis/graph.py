"""Each procedure as a process graph (networkx DiGraph), its validation and its metrics.

Nodes are step numbers with the survey's step fields as attributes (``actor`` is the
lane); the sentinel node :data:`END` ends the process. Edges carry ``probability``.
Graph attributes hold the procedure's fields. Measures (``analysis.measures``) turn
such an as-is graph into a to-be graph; costs are read by key, never by position.

>>> g = build_graph({"procedure_id": "P", "annual_cases": 100},
...                 [{"step_no": 1, "name": "a", "actor": "citizen", "work_kind": "filling_in",
...                   "typical_minutes": 5.0}, {"step_no": 2, "name": "b", "actor": "clerk",
...                   "work_kind": "checking", "typical_minutes": 3.0}],
...                 [(1, 2, 1.0), (2, 1, 0.2), (2, None, 0.8)])
>>> {n: round(v, 3) for n, v in expected_executions(g).items()}
{1: 1.25, 2: 1.25}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from bpr_studio.messages import message
from bpr_studio.model.survey_layout import NEXT_STEPS_COLUMN as _NEXT_COLUMN
from bpr_studio.model.survey_layout import STEP_NO_COLUMN as _NO_COLUMN
from cost_model.parallel import ParallelBlock, join_weights, lead_time_factors, parallel_blocks

END = "END"
STAFF_ACTORS = ("counter", "clerk", "approver")


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``, without boxing each cell: each column becomes a
    Python list once (``Series.tolist`` gives the same Python scalars and NaN as
    ``to_dict``; NA becomes None as there). On a city's 45,000 steps it takes a fraction
    of the time.
    """
    columns = list(frame.columns)
    values = [_python_list(frame[column]) for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _python_list(column: pd.Series) -> list[Any]:
    values = column.tolist()
    if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
        return [None if v is pd.NA else v for v in values]  # as to_dict gives them
    return values


def _missing(value: Any) -> bool:
    """``pd.isna`` of a cell read from a frame (None, NaN, pd.NA, NaT), without its cost
    (a few microseconds a call: a city's 500,000 links call it twice each).

    >>> [_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, 2.0, "x", False)]
    [True, True, True, True, False, False, False, False]
    """
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and value != value)


def build_graph(procedure: dict[str, Any], steps: list[dict[str, Any]],
                links: list[tuple[Any, ...]]) -> nx.DiGraph:
    """A procedure's graph from its step rows and (from, to or None, probability[, parallel])
    links. Edges of a parallel split carry ``parallel=True`` (see cost_model.parallel).

    Filled through networkx's adjacency dicts, as ``add_node`` / ``add_edge`` would (the
    same dicts in the same order; a link to a step that is not there adds a bare node):
    a city has tens of thousands of steps and the methods' checks were a third of loading.
    """
    graph = nx.DiGraph()
    graph.graph.update(procedure)
    nodes, succ, pred = graph._node, graph._succ, graph._pred

    def node(number: Any, attrs: dict[str, Any]) -> None:
        if number in nodes:
            nodes[number].update(attrs)
        else:
            nodes[number], succ[number], pred[number] = attrs, {}, {}

    def edge(source: Any, target: Any, attrs: dict[str, Any]) -> None:
        for end in (source, target):
            if end not in nodes:
                node(end, {})
        data = succ[source].get(target)
        if data is None:
            succ[source][target] = pred[target][source] = attrs
        else:
            data.update(attrs)

    for step in sorted(steps, key=lambda s: s["step_no"]):
        attrs = dict(step)
        attrs.setdefault("effects", [])
        node(int(step["step_no"]), attrs)
    node(END, {})
    numbers = sorted(n for n in nodes if n != END)
    if links:
        for source, target, probability, *rest in links:
            data: dict[str, Any] = {"probability": float(probability)}
            if rest and not _missing(rest[0]) and bool(rest[0]):
                data["parallel"] = True
            edge(int(source), END if _missing(target) else int(target), data)
    elif numbers:  # no links recorded: a straight sequence (none at all for no steps)
        for a, b in zip(numbers, [*numbers[1:], END], strict=True):
            edge(a, b, {"probability": 1.0})
    return graph


def build_graphs(procedures: pd.DataFrame, steps: pd.DataFrame,
                 links: pd.DataFrame) -> dict[str, nx.DiGraph]:
    """One graph per procedure, from the project's tables (one pass each)."""
    step_groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in frame_records(steps):
        step_groups[record["procedure_id"]].append(record)
    link_groups: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    columns = ["procedure_id", "from_step_no", "to_step_no", "probability"]
    if "parallel" in links.columns:
        columns.append("parallel")
    for pid, source, target, probability, *parallel in links[columns].itertuples(index=False):
        link_groups[pid].append((source, None if pd.isna(target) else int(target), probability,
                                 *parallel))
    return {p["procedure_id"]: build_graph(p, step_groups.get(p["procedure_id"], []),
                                           link_groups.get(p["procedure_id"], []))
            for p in frame_records(procedures)}


class ProjectGraphs(Mapping[str, nx.DiGraph]):
    """A project's process graphs, built from its tables when they are asked for (issue 16).

    Held at once, a city's 30,000 graphs took 1.2 GB (about 40 KB each; the tables they
    come from take a third of that) and most of the time to load it. This mapping keeps
    the tables: a graph asked for by key is built then and kept, so the same object comes
    back each time and an edit to it is seen by later comparisons, as with a dict;
    :meth:`batches` gives a comparison the graphs a batch at a time, the ones not kept
    built for it alone. The graphs are those :func:`build_graphs` makes, key for key.
    """

    def __init__(self, procedures: pd.DataFrame, steps: pd.DataFrame,
                 links: pd.DataFrame) -> None:
        self._procedures = procedures.reset_index(drop=True)
        # As build_graphs' dict: keys in first-seen order, a repeated ID's last row.
        self._row = {pid: row for row, pid in enumerate(self._procedures["procedure_id"].tolist())}
        self._keys = list(self._row)
        self._key_index = {pid: k for k, pid in enumerate(self._keys)}
        self._steps, self._step_order, self._step_bounds = self._grouped(steps)
        link_columns = ["procedure_id", "from_step_no", "to_step_no", "probability"]
        if "parallel" in links.columns:
            link_columns.append("parallel")
        self._links, self._link_order, self._link_bounds = self._grouped(links[link_columns])
        self._built: dict[str, nx.DiGraph] = {}

    def _grouped(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The frame, its rows grouped by procedure (each procedure's rows in their order;
        rows of no known procedure left out) and each procedure's bounds in that order."""
        frame = frame.reset_index(drop=True)
        codes = pd.Index(self._keys, dtype=object).get_indexer(
            frame["procedure_id"].to_numpy(dtype=object)) if len(frame) else np.zeros(0, int)
        known = np.flatnonzero(codes >= 0)
        order = known[np.argsort(codes[known], kind="stable")]
        bounds = np.searchsorted(codes[order], np.arange(len(self._keys) + 1), side="left")
        return frame, order, bounds

    @staticmethod
    def _rows(order: np.ndarray, bounds: np.ndarray, keys: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        starts, counts = bounds[keys], bounds[keys + 1] - bounds[keys]
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        return order[offsets + np.arange(int(counts.sum()))], counts

    def _build(self, pids: list[str]) -> dict[str, nx.DiGraph]:
        keys = np.array([self._key_index[pid] for pid in pids], dtype=np.int64)
        procedures = frame_records(self._procedures.take([self._row[pid] for pid in pids]))
        step_rows, step_counts = self._rows(self._step_order, self._step_bounds, keys)
        steps = frame_records(self._steps.take(step_rows))
        link_rows, link_counts = self._rows(self._link_order, self._link_bounds, keys)
        chosen = self._links.take(link_rows)
        # Column lists, not itertuples (which boxes every cell): the same values.
        links = [(source, None if _missing(target) else int(target), probability, *parallel)
                 for source, target, probability, *parallel in zip(
                     *[_python_list(chosen[c]) for c in chosen.columns[1:]], strict=True)]
        graphs = {}
        step_at = link_at = 0
        for pid, procedure, n_steps, n_links in zip(pids, procedures, step_counts.tolist(),
                                                    link_counts.tolist(), strict=True):
            graphs[pid] = build_graph(procedure, steps[step_at:step_at + n_steps],
                                      links[link_at:link_at + n_links])
            step_at += n_steps
            link_at += n_links
        return graphs

    def rows_of(self, pids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The table rows of these procedures (each one's steps and links in their order):
        a ``ProjectGraphs`` of them alone builds the graphs this one would (in a worker
        process, say), except those already built and kept here (:meth:`kept`)."""
        keys = np.array([self._key_index[pid] for pid in pids], dtype=np.int64)
        step_rows, _counts = self._rows(self._step_order, self._step_bounds, keys)
        link_rows, _counts = self._rows(self._link_order, self._link_bounds, keys)
        return (self._procedures.take([self._row[pid] for pid in pids]),
                self._steps.take(step_rows), self._links.take(link_rows))

    def kept(self, pid: str) -> nx.DiGraph | None:
        """The graph of ``pid`` if it was asked for by key (and so may have been edited)."""
        return self._built.get(pid)

    def __getitem__(self, pid: str) -> nx.DiGraph:
        graph = self._built.get(pid)
        if graph is None:
            if pid not in self._row:
                raise KeyError(pid)
            graph = self._built[pid] = self._build([pid])[pid]
        return graph

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, pid: object) -> bool:
        return pid in self._row

    def field(self, name: str) -> dict[str, Any]:
        """Each procedure's ``name`` (its graph's attribute), without building graphs."""
        values = _python_list(self._procedures[name]) if name in self._procedures.columns \
            else [None] * len(self._procedures)
        return {pid: self._built[pid].graph.get(name) if pid in self._built else values[row]
                for pid, row in self._row.items()}

    def step_count(self) -> int:
        return len(self._step_order)

    def batches(self, size: int, only: Collection[str] | None = None
                ) -> Iterator[list[tuple[str, nx.DiGraph, bool]]]:
        """(ID, graph, built for this batch alone) of every procedure (or of those in
        ``only``), IDs ascending, a batch of ``size`` at a time; a graph built for the
        batch may be edited in place."""
        ordered = sorted(self._keys if only is None else only)
        for start in range(0, len(ordered), max(size, 1)):
            pids = ordered[start:start + max(size, 1)]
            fresh = self._build([pid for pid in pids if pid not in self._built])
            yield [(pid, self._built[pid], False) if pid in self._built else
                   (pid, fresh[pid], True) for pid in pids]

    def release(self) -> None:
        """Drop the kept graphs one at a time, then the tables a column at a time (see
        :func:`release_graphs`); the mapping is empty afterwards."""
        while self._built:
            self._built.popitem()
        self._keys, self._row, self._key_index = [], {}, {}
        for frame in (self._procedures, self._steps, self._links):
            for column in list(frame.columns):
                del frame[column]


def graph_batches(graphs: Mapping[str, nx.DiGraph], size: int,
                  only: Collection[str] | None = None
                  ) -> Iterator[list[tuple[str, nx.DiGraph, bool]]]:
    """(ID, graph, may be edited in place) of every graph (or of those in ``only``), IDs
    ascending, ``size`` at a time: a :class:`ProjectGraphs` builds each batch when it
    comes and drops it after."""
    if isinstance(graphs, ProjectGraphs):
        yield from graphs.batches(size, only)
        return
    ordered = sorted(graphs if only is None else only)
    for start in range(0, len(ordered), max(size, 1)):
        yield [(pid, graphs[pid], False) for pid in ordered[start:start + max(size, 1)]]


def procedure_field(graphs: Mapping[str, nx.DiGraph], name: str) -> dict[str, Any]:
    """Each procedure's ``name`` attribute, without building a :class:`ProjectGraphs`'
    graphs."""
    if isinstance(graphs, ProjectGraphs):
        return graphs.field(name)
    return {pid: graph.graph.get(name) for pid, graph in graphs.items()}


def step_count(graphs: Mapping[str, nx.DiGraph]) -> int:
    """How many steps the procedures have (about: to size work, not to count)."""
    if isinstance(graphs, ProjectGraphs):
        return graphs.step_count()
    return sum(len(graph) - 1 for graph in graphs.values())


def release_graphs(graphs: Mapping[str, nx.DiGraph]) -> None:
    """Empty ``graphs``, freeing one graph at a time (call it on a dict nothing else uses).

    Dropped at once, a city's 3,000 graphs are freed in one C call that holds Python's
    lock for 40–100 ms (more on a busy PC), and the app's window, whose comparisons run in
    a worker thread, froze that long. One at a time, the lock changes hands in between.

    >>> graphs = {"P": nx.DiGraph()}
    >>> release_graphs(graphs)
    >>> graphs
    {}
    """
    if isinstance(graphs, ProjectGraphs):
        graphs.release()
    elif isinstance(graphs, dict):
        while graphs:
            graphs.popitem()


def step_numbers(graph: nx.DiGraph) -> list[int]:
    return sorted(n for n in graph.nodes if n != END)


def expected_executions(graph: nx.DiGraph) -> dict[int, float]:
    """Expected executions of each step per case (absorbing Markov chain; see cost_model.flow)."""
    numbers = step_numbers(graph)
    if not numbers:
        return {}
    index = {n: i for i, n in enumerate(numbers)}
    q = np.zeros((len(numbers), len(numbers)))
    links = graph_links(graph)
    weights = join_weights(links, parallel_blocks(links)) if _has_parallel(graph) else None
    for i, (source, target, probability, _parallel) in enumerate(links):
        if target is not None:
            q[index[source], index[target]] += probability * (weights[i] if weights else 1.0)
    start = np.zeros(len(numbers))
    start[0] = 1.0
    try:
        visits = np.linalg.solve(np.eye(len(numbers)) - q.T, start)
    except np.linalg.LinAlgError:
        visits = np.full(len(numbers), np.inf)
    share = [graph.nodes[n].get("share_pct") for n in numbers]
    return {n: float(v) * (100.0 if s is None or pd.isna(s) else float(s)) / 100
            for n, v, s in zip(numbers, visits, share, strict=True)}


def graph_links(graph: nx.DiGraph) -> list[tuple[int, int | None, float, bool]]:
    """The graph's edges as (from, to or None = end, probability, parallel) links."""
    return [(source, None if target == END else target, float(data["probability"]),
             bool(data.get("parallel", False)))
            for source, target, data in graph.edges(data=True) if source != END]


def _has_parallel(graph: nx.DiGraph) -> bool:
    return any(data.get("parallel") for _s, _t, data in graph.edges(data=True))


def parallel_blocks_of(graph: nx.DiGraph) -> list[ParallelBlock]:
    """The parallel splits of a procedure, each with its join and branches."""
    return parallel_blocks(graph_links(graph)) if _has_parallel(graph) else []


@dataclass(frozen=True)
class GraphIssue:
    severity: str
    key: str
    step_no: int | None
    place: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "ja") -> str:
        return message(self.key, lang, **self.params)


def _place(graph: nx.DiGraph, step: int, column: str) -> str:
    data = graph.nodes[step]
    sheet, row = data.get("source_sheet") or "工程", data.get("source_row")
    file = data.get("source_file") or ""
    cell = f"{sheet}!{column}{row}" if row else f"{sheet} 工程{step}"
    return f"{file} {cell}".strip()


def validate_graph(graph: nx.DiGraph) -> list[GraphIssue]:
    """Unreachable steps, dead ends, probabilities not summing to 1, loops with no way out."""
    issues: list[GraphIssue] = []
    numbers = step_numbers(graph)
    if not numbers:
        return issues
    for step in numbers:
        out = graph.out_edges(step, data="probability")
        total = sum(p for _s, _t, p in out)
        if out and any(graph.edges[e].get("parallel") for e in graph.out_edges(step)):
            total = 1.0  # parallel branches each run (chance ≤ 1 each): they need not sum to 1
        if not out:
            issues.append(GraphIssue("error", "dead_end", step, _place(graph, step, _NEXT_COLUMN),
                                     {"step": step}))
        elif abs(total - 1.0) > 0.005:
            issues.append(GraphIssue("error", "branch_sum", step, _place(graph, step, _NEXT_COLUMN),
                                     {"total": f"{total * 100:g}"}))
    reachable = nx.descendants(graph, numbers[0]) | {numbers[0]}
    for step in numbers:
        if step not in reachable:
            issues.append(GraphIssue("warning", "step_unreachable", step,
                                     _place(graph, step, _NO_COLUMN), {"step": step}))
    finishing = nx.ancestors(graph, END)
    trapped = [s for s in numbers if s in reachable and s not in finishing]
    if trapped:
        issues.append(GraphIssue("error", "no_way_out", trapped[0],
                                 _place(graph, trapped[0], _NEXT_COLUMN),
                                 {"steps": ", ".join(map(str, trapped))}))
    return issues


def critical_path(graph: nx.DiGraph) -> tuple[list[int], float]:
    """The longest path in minutes from the first step to the end, rework arrows left out."""
    numbers = step_numbers(graph)
    if not numbers:
        return [], 0.0
    forward = nx.DiGraph()
    for source, target in graph.edges:
        if source == END:
            continue
        if target == END or target > source:
            minutes = float(graph.nodes[target].get("typical_minutes") or 0) if target != END else 0.0
            forward.add_edge(source, target, minutes=minutes)
    path = nx.dag_longest_path(forward, weight="minutes")
    steps = [n for n in path if n != END]
    if steps and steps[0] != numbers[0]:
        steps = nx.shortest_path(forward, numbers[0], steps[0])[:-1] + steps
    total = sum(float(graph.nodes[n].get("typical_minutes") or 0) for n in steps)
    return steps, total


def metrics(graph: nx.DiGraph) -> dict[str, Any]:
    """Per-case metrics of one process (times in minutes, lead time in days)."""
    visits = expected_executions(graph)
    numbers = step_numbers(graph)
    node = graph.nodes

    def total(predicate: Callable[[dict[str, Any]], bool],
              value: Callable[[dict[str, Any]], float]) -> float:
        return float(sum(visits[n] * value(node[n]) for n in numbers if predicate(node[n])))

    minutes = lambda d: float(d.get("typical_minutes") or 0)  # noqa: E731
    handoffs = 0.0
    for source, target, probability in graph.edges(data="probability"):
        if source != END and target != END and node[source].get("actor") != node[target].get("actor"):
            handoffs += visits[source] / max(_share(node[source]), 1e-12) * probability
    path, path_minutes = critical_path(graph)
    return {
        "expected_executions": visits,
        "staff_minutes_per_case": total(lambda d: d.get("actor") in STAFF_ACTORS, minutes),
        "citizen_minutes_per_case": total(lambda d: d.get("actor") == "citizen", minutes),
        "lead_time_days": _lead_time_days(graph, visits),
        "handoffs": handoffs,
        "actors": len({node[n].get("actor") for n in numbers}),
        "paper_steps": sum(1 for n in numbers if node[n].get("medium") == "paper"),
        "seal_steps": sum(1 for n in numbers if node[n].get("seal")),
        "manual_entry_steps": sum(1 for n in numbers if node[n].get("manual_entry")),
        "counter_visits": (0.0 if not graph.graph.get("visit_required") else
                           1.0 - _online_share(graph)),
        "critical_path": path,
        "critical_path_minutes": path_minutes,
    }


def _lead_time_days(graph: nx.DiGraph, visits: dict[int, float]) -> float:
    """Expected waiting days per case; of parallel branches only the longer one counts."""
    waits = {n: visits[n] * float(graph.nodes[n].get("wait_days") or 0) for n in visits}
    factors = lead_time_factors(parallel_blocks_of(graph), waits)
    return float(sum(w * factors.get(n, 1.0) for n, w in waits.items()))


def _share(data: dict[str, Any]) -> float:
    share = data.get("share_pct")
    return 1.0 if share is None or pd.isna(share) else float(share) / 100


def _online_share(graph: nx.DiGraph) -> float:
    cases = float(graph.graph.get("annual_cases") or 0)
    online = float(graph.graph.get("online_cases") or 0)
    return min(online / cases, 1.0) if cases > 0 else 0.0
