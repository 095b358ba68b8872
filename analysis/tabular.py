"""Flatten process graphs into the tables the vectorised cost model and simulation use.

The graphs are the editable model; the tables are the fast path: one row per step
(sorted by procedure and step number), one per arrow, one per effect of a measure.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analysis.graph import END, _missing, _python_list
from analysis.params import resolved_values


@dataclass
class ProcessTables:
    procedures: pd.DataFrame
    steps: pd.DataFrame       # sorted by procedure_id, step_no; RangeIndex
    links: pd.DataFrame
    effects: pd.DataFrame     # step_row, adoption, floor, param, k0, k1, measure
    channels: pd.DataFrame    # procedure_row, adoption, floor, measure


RECORDS_CHUNK = 4096


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """``pd.DataFrame.from_records(records)`` (same columns, order and dtypes), built in
    chunks of rows and then column by column.

    Why: ``from_records`` turns a city's 45,000 step dicts into a frame in one C call
    that holds Python's lock for 150–300 ms; run in a worker, it froze the GUI thread that
    long on every scenario comparison. Here no single C call covers more than a chunk of
    rows or one column (a few milliseconds each), and the total time is about the same.

    >>> records_frame([{"a": 1, "b": "x"}, {"a": 2}]).to_dict("list")
    {'a': [1, 2], 'b': ['x', nan]}
    """
    cells = RecordCells()
    cells.add(records)
    return cells.frame()


class RecordCells:
    """Records added a batch at a time, kept as cells (object arrays of references to the
    records' values, not the records), and made into one frame at the end: the frame
    ``from_records`` would give for all the records at once. A comparison adds one chunk
    of procedures' steps at a time and drops their graphs in between (issue 16)."""

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.parts: list[tuple[dict[str, int], np.ndarray]] = []
        self.rows = 0

    def add(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), RECORDS_CHUNK):
            chunk = records[start:start + RECORDS_CHUNK]
            columns = list(dict.fromkeys(chain.from_iterable(chunk)))
            cells = np.empty((len(chunk), len(columns)), dtype=object)
            if columns:
                getter = itemgetter(*columns)
                try:
                    rows = list(map(getter, chunk)) if len(columns) > 1 else \
                        [(getter(r),) for r in chunk]
                except KeyError:  # a record without some column: NaN there, as from_records
                    rows = [tuple(r.get(c, np.nan) for c in columns) for r in chunk]
                for j, column in enumerate(zip(*rows, strict=True)):
                    cells[:, j] = column
            self.names.update(dict.fromkeys(columns))
            self.parts.append(({c: j for j, c in enumerate(columns)}, cells))
            self.rows += len(chunk)

    def frame(self, first_part: int = 0) -> pd.DataFrame:
        """The frame of every record added (or of those from part ``first_part`` on)."""
        parts = self.parts[first_part:]
        rows = sum(len(cells) for _positions, cells in parts)
        if not rows:
            return pd.DataFrame()
        names = self.names if not first_part else dict.fromkeys(
            name for positions, _cells in parts for name in positions)
        data = {}
        for name in names:
            column = np.empty(rows, dtype=object)
            at = 0
            for positions, cells in parts:
                j = positions.get(name)
                column[at:at + len(cells)] = np.nan if j is None else cells[:, j]
                at += len(cells)
            # infer_objects gives each column the dtype from_records infers (int64, str …).
            data[name] = pd.Series(column, dtype=object, copy=False).infer_objects()
        return pd.DataFrame(data)


class TableBuilder:
    """:func:`graphs_to_tables` over batches of graphs: ``add`` each batch (procedure IDs
    ascending across batches, as ``graphs_to_tables`` sorts them), then ``tables()``. The
    tables are those of all the graphs at once, while only one batch of graphs need exist
    at a time (a city's 30,000 graphs take 1.2 GB; their tables a fraction of it)."""

    def __init__(self) -> None:
        self.procedures = RecordCells()
        self.steps = RecordCells()
        self.links: list[tuple[Any, ...]] = []
        self.effects: list[tuple[Any, ...]] = []
        self.channels: list[tuple[Any, ...]] = []

    def add(self, graphs: dict[str, nx.DiGraph]) -> None:
        procedures: list[dict[str, Any]] = []
        node_data: list[dict[str, Any]] = []
        links, effects, channels = self.links, self.effects, self.channels
        first_procedure, first_step = self.procedures.rows, self.steps.rows
        for pid in sorted(graphs):
            graph = graphs[pid]
            p_row = first_procedure + len(procedures)
            procedures.append(graph.graph)
            for channel in graph.graph.get("channels", ()):
                channels.append((p_row, channel["adoption"], channel["floor"],
                                 channel.get("measure")))
            nodes = graph._node
            for number in sorted(n for n in nodes if n != END):
                data = nodes[number]
                for effect in data.get("effects", ()):
                    effects.append((first_step + len(node_data), effect["adoption"],
                                    effect["floor"], effect["param"], effect["k0"],
                                    effect["k1"], effect.get("measure")))
                node_data.append(data)
            for source, targets in graph._succ.items():
                if source != END:
                    for target, edge in targets.items():
                        links.append((pid, source, None if target == END else target,
                                      edge["probability"], bool(edge.get("parallel", False))))
        self.procedures.add(procedures)
        self.steps.add(node_data)

    def mark(self) -> tuple[int, ...]:
        """Where the graphs added next begin (for :meth:`tables` of them alone)."""
        return (len(self.procedures.parts), len(self.steps.parts), self.procedures.rows,
                self.steps.rows, len(self.links), len(self.effects), len(self.channels))

    def tables(self, since: tuple[int, ...] | None = None) -> ProcessTables:
        """The tables of every graph added, or of those added after ``since`` (a
        :meth:`mark`) as their own tables, rows numbered from 0."""
        if since is not None:
            procedure_part, step_part, first_procedure, first_step, link, effect, channel = since
            effects = [(row - first_step, *rest) for row, *rest in self.effects[effect:]]
            channels = [(row - first_procedure, *rest) for row, *rest in self.channels[channel:]]
            return self._tables(self.procedures.frame(procedure_part),
                                self.steps.frame(step_part), self.links[link:], effects,
                                channels)
        return self._tables(self.procedures.frame(), self.steps.frame(), self.links,
                            self.effects, self.channels)

    @staticmethod
    def _tables(procedure_frame: pd.DataFrame, step_frame: pd.DataFrame,
                links: list[tuple[Any, ...]], effects: list[tuple[Any, ...]],
                channels: list[tuple[Any, ...]]) -> ProcessTables:
        if not step_frame.empty:
            step_frame = step_frame.drop(columns=["effects"], errors="ignore")
        else:  # an empty project still has the columns the cost model reads
            step_frame = pd.DataFrame(columns=_store_columns("Step"))
        if procedure_frame.empty:
            procedure_frame = pd.DataFrame(columns=_store_columns("Procedure"))
        procedure_frame = procedure_frame.drop(columns=[c for c in ("channels", "applied")
                                                        if c in procedure_frame.columns])
        return ProcessTables(
            procedure_frame,
            step_frame,
            pd.DataFrame(links, columns=["procedure_id", "from_step_no", "to_step_no",
                                         "probability", "parallel"]),
            pd.DataFrame(effects, columns=["step_row", "adoption", "floor", "param", "k0", "k1",
                                           "measure"]),
            pd.DataFrame(channels, columns=["procedure_row", "adoption", "floor", "measure"]),
        )


def tables_of_rows(procedures: pd.DataFrame, steps: pd.DataFrame,
                   links: pd.DataFrame) -> ProcessTables | None:
    """The tables :func:`graphs_to_tables` gives of the graphs
    ``analysis.graph.ProjectGraphs(procedures, steps, links)`` builds, made from the rows
    without building the graphs (a chunk's as-is, ``analysis.chunk_apply``: its graphs are
    built anyway, for the measures, but taking the rows back out of them cell by cell was
    about 7 % of a chunk's CPU). The same values in the same order with the same dtypes:
    procedures by ID, each one's steps by number, its arrows by the step they leave (in
    their order), a straight sequence where it has none. None — build the graphs — where
    a graph would not be its rows as they are: an ID twice, a step number twice in a
    procedure or not a whole number, an arrow from or to a step that is not there, the same
    arrow twice, a step number that is not an integer column, or columns a graph keeps
    apart (effects, channels, applied)."""
    if (procedures.empty or steps.empty or "effects" in steps.columns
            or {"channels", "applied", "effects"} & set(procedures.columns)
            or steps["step_no"].dtype.kind not in "iu"
            or links["from_step_no"].dtype.kind not in "iu"):
        return None
    ids = procedures["procedure_id"].tolist()
    ranked = sorted(ids)
    if len(set(ranked)) != len(ranked):
        return None
    rank = {pid: r for r, pid in enumerate(ranked)}
    step_rank = np.array([rank.get(pid, -1) for pid in steps["procedure_id"].tolist()],
                         dtype=np.int64)
    numbers = steps["step_no"].to_numpy(dtype=np.int64)
    order = np.lexsort((numbers, step_rank))
    order = order[step_rank[order] >= 0]
    key = step_rank[order] * (1 << 32) + numbers[order]
    if len(order) and (np.any(np.diff(key) == 0) or numbers.min() < 0
                       or numbers.max() >= 1 << 32):
        return None
    link_rank = np.array([rank.get(pid, -1) for pid in links["procedure_id"].tolist()],
                         dtype=np.int64)
    sources = links["from_step_no"].to_numpy(dtype=np.int64)
    link_order = np.lexsort((sources, link_rank))
    link_order = link_order[link_rank[link_order] >= 0]
    source_list = sources[link_order].tolist()
    rank_list = link_rank[link_order].tolist()
    targets = [None if _missing(t) else int(t)
               for t in _python_list(links["to_step_no"].take(link_order))]
    probabilities = _python_list(links["probability"].take(link_order))
    parallel = (_python_list(links["parallel"].take(link_order)) if "parallel" in links.columns
                else [None] * len(link_order))
    step_numbers: dict[int, set[int]] = {}
    for r, number in zip(step_rank[order].tolist(), numbers[order].tolist(), strict=True):
        step_numbers.setdefault(r, set()).add(number)
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[int, int, int | None]] = set()
    for r, source, target, probability, flag in zip(rank_list, source_list, targets,
                                                    probabilities, parallel, strict=True):
        here = step_numbers.get(r, set())
        if source not in here or (target is not None and target not in here) \
                or (r, source, target) in seen:
            return None
        seen.add((r, source, target))
        rows.append((ranked[r], source, target, float(probability),
                     not _missing(flag) and bool(flag)))
    # A procedure with steps and no arrows: a straight sequence (build_graph's).
    with_links = set(rank_list)
    for r in sorted(set(step_numbers) - with_links):
        chain_of = sorted(step_numbers[r])
        rows += [(ranked[r], a, b, 1.0, False)
                 for a, b in zip(chain_of, [*chain_of[1:], None], strict=True)]
    if len(with_links) < len(step_numbers):
        rows.sort(key=lambda row: rank[row[0]])   # stable: each one's arrows stay in order
    procedure_order = np.argsort(np.array(ids, dtype=object), kind="stable")
    return TableBuilder._tables(_cells_frame(procedures.take(procedure_order)),
                                _cells_frame(steps.take(order)), rows, [], [])


def _cells_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame :class:`RecordCells` makes of ``frame_records(frame)``: each column's
    Python values (as ``frame_records`` reads them) and the dtype they infer.

    A column whose values infer its own dtype again is taken as it is (about half of a
    chunk's as-is tables, ``analysis.chunk_apply``): float64, int64 and bool (Python
    floats, ints and bools infer them), and text of the dtype text infers with at least
    one value (a column of missing values only infers float64)."""
    data = {}
    for name in frame.columns:
        series = frame[name]
        if len(series) and _infers_itself(series):
            data[name] = series.reset_index(drop=True)
            continue
        column = np.empty(len(frame), dtype=object)
        column[:] = _python_list(series)
        data[name] = pd.Series(column, dtype=object, copy=False).infer_objects()
    return pd.DataFrame(data)


_SAME_AFTER_INFERENCE = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_))


def _infers_itself(series: pd.Series) -> bool:
    if series.dtype in _SAME_AFTER_INFERENCE:
        return True
    return series.dtype == _text_dtype() and bool(series.notna().any())


@lru_cache(maxsize=1)
def _text_dtype() -> Any:
    """The dtype pandas infers for Python strings (and NaN among them)."""
    return pd.Series(np.array(["a", np.nan], dtype=object)).infer_objects().dtype


def _store_columns(table: str) -> list[str]:
    """The columns of one of the store's tables. Imported here, not at the top: the
    store's definitions (SQLModel, SQLAlchemy) were about half of the start of a Monte
    Carlo worker process, which needs them only for an empty chunk."""
    from bpr_studio.model import tables

    return [c.name for c in getattr(tables, table).__table__.columns]


def graphs_to_tables(graphs: dict[str, nx.DiGraph]) -> ProcessTables:
    builder = TableBuilder()
    builder.add(graphs)
    return builder.tables()


def step_multipliers(tables: ProcessTables, values: dict[str, float] | None = None) -> np.ndarray:
    """The deterministic time multiplier of every step (product of its effects).

    Each effect's factor is max(1 − a·(1 − m), 0) with a = max(floor, uptake) (1 without
    an uptake) and m = k0 + k1·parameter; a step's factors are multiplied in the effects'
    order. Computed for all effects at once (the same floating-point operations, in the
    same order, as one effect at a time: a loop over a city's effects took seconds).
    """
    multipliers = np.ones(len(tables.steps))
    effects = tables.effects
    if effects.empty:
        return multipliers
    resolved = resolved_values(values)
    adoption = _resolved(effects["adoption"], resolved)
    floor = effects["floor"].to_numpy(dtype=float)
    # max(floor, uptake) as Python's max: the uptake only where it is larger.
    a = np.where(np.isnan(adoption.missing), 1.0, np.where(adoption.value > floor,
                                                          adoption.value, floor))
    param = _resolved(effects["param"], resolved, text_only=True)
    k0 = effects["k0"].to_numpy(dtype=float)
    k1 = effects["k1"].to_numpy(dtype=float)
    m = k0 + np.where(np.isnan(param.missing), 0.0, k1 * param.value)
    factor = 1.0 - a * (1.0 - m)
    factor = np.where(factor < 0.0, 0.0, factor)  # max(factor, 0.0) as Python's max
    np.multiply.at(multipliers, effects["step_row"].to_numpy(dtype=np.int64), factor)
    return multipliers


@dataclass
class _Lookup:
    value: np.ndarray     # the parameter's resolved value (0 where there is none)
    missing: np.ndarray   # NaN where there is none, else 0


def _resolved(column: pd.Series, resolved: dict[str, float], text_only: bool = False
              ) -> _Lookup:
    """Each row's parameter value by its key (a KeyError for an unknown key, as a lookup
    row by row gives); rows without a key (blank, or not text with ``text_only``) get
    ``missing`` NaN."""
    codes, keys = pd.factorize(column.astype(object), use_na_sentinel=True)
    known = [not (text_only and not isinstance(key, str)) for key in keys]
    values = np.array([resolved[key] if ok else 0.0 for key, ok in zip(keys, known, strict=True)]
                      + [0.0], dtype=float)
    missing = np.array([0.0 if ok else np.nan for ok in known] + [np.nan])
    return _Lookup(values[codes], missing[codes])


def offline_shares(tables: ProcessTables, values: dict[str, float] | None = None) -> np.ndarray:
    """Share of each procedure's cases still offline (paper or counter)."""
    procedures = tables.procedures
    cases = procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    online = np.minimum(procedures["online_cases"].fillna(0).to_numpy(dtype=float), cases)
    offline = np.where(cases > 0, 1.0 - online / np.maximum(cases, 1e-12), 1.0)
    with_channel = np.zeros(len(procedures), dtype=bool)
    channel_offline = np.ones(len(procedures))
    channels = tables.channels
    if not channels.empty:
        resolved = resolved_values(values)
        # 1 − max(floor, uptake) per channel (as Python's max), multiplied in order.
        uptake = np.array([resolved[key] for key in channels["adoption"].tolist()], dtype=float)
        floor = channels["floor"].to_numpy(dtype=float)
        rows = channels["procedure_row"].to_numpy(dtype=np.int64)
        np.multiply.at(channel_offline, rows, 1.0 - np.where(uptake > floor, uptake, floor))
        with_channel[rows] = True
    return np.where(with_channel, np.minimum(channel_offline, offline), offline)


def tables_for_costing(tables: ProcessTables, values: dict[str, float] | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Procedures, steps and links with the measures' effects applied at ``values``."""
    steps = tables.steps.copy()
    if not steps.empty:
        steps["typical_minutes"] = steps["typical_minutes"].astype(float) * step_multipliers(
            tables, values)
    procedures = tables.procedures.copy()
    cases = procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    procedures["online_cases"] = cases * (1.0 - offline_shares(tables, values))
    return procedures, steps, tables.links


def graph_of(tables: ProcessTables, procedure_id: str) -> nx.DiGraph | None:
    """One procedure's graph rebuilt from the tables, minutes after its own effects."""
    from analysis.graph import build_graph

    row = tables.procedures.iloc[_rows_of(tables.procedures, procedure_id)]
    if row.empty:
        return None
    steps = tables.steps
    rows = _rows_of(steps, procedure_id)
    chosen = steps.iloc[rows].copy()
    # Only this procedure's effects, renumbered to its rows (its rows are a range when
    # the steps are grouped: two comparisons instead of a hash look-up of every effect).
    step_rows = tables.effects["step_row"].to_numpy()
    mine = (((step_rows >= rows[0]) & (step_rows <= rows[-1])) if _is_range(rows)
            else np.isin(step_rows, rows))
    effects = tables.effects[mine].copy()
    effects["step_row"] = np.searchsorted(rows, effects["step_row"].to_numpy())
    single = ProcessTables(row, chosen.reset_index(drop=True), tables.links, effects,
                           tables.channels.iloc[0:0])
    chosen["typical_minutes"] = (chosen["typical_minutes"].astype(float).to_numpy()
                                 * step_multipliers(single))
    links = tables.links.iloc[_rows_of(tables.links, procedure_id)]
    columns = ["from_step_no", "to_step_no", "probability"]
    if "parallel" in links.columns:
        columns.append("parallel")
    return build_graph(row.iloc[0].to_dict(), chosen.to_dict("records"),
                       [(s, None if pd.isna(t) else int(t), p, *rest) for s, t, p, *rest in links[
                           columns].itertuples(index=False)])


# By id of a live table (frames are not hashable); an entry goes when its table does.
_ROW_RANGES: dict[int, dict[str, tuple[int, int]] | None] = {}


def procedure_row_ranges(frame: pd.DataFrame) -> dict[str, tuple[int, int]] | None:
    """Each procedure's rows (start, stop) in a table whose rows of one procedure are
    adjacent (the steps and links of :class:`ProcessTables`), or None if they are not;
    computed once per table (a worker may call it first, so the GUI thread does not).

    >>> procedure_row_ranges(pd.DataFrame({"procedure_id": ["A", "A", "B"]}))
    {'A': (0, 2), 'B': (2, 3)}
    >>> procedure_row_ranges(pd.DataFrame({"procedure_id": []}))
    {}
    """
    if id(frame) in _ROW_RANGES:
        return _ROW_RANGES[id(frame)]
    ids = frame["procedure_id"].to_numpy(dtype=object)
    starts: list[int] = (np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]])).tolist()
                         if len(ids) else [])
    stops = [*starts[1:], len(ids)] if starts else []
    ranges: dict[str, tuple[int, int]] | None = {
        ids[a]: (int(a), int(b)) for a, b in zip(starts, stops, strict=True)}
    if ranges is not None and len(ranges) != len(starts):
        ranges = None  # a procedure in two places: not grouped
    _ROW_RANGES[id(frame)] = ranges
    weakref.finalize(frame, _ROW_RANGES.pop, id(frame), None)
    return ranges


def _is_range(rows: np.ndarray) -> bool:
    """Ascending distinct positions (as :func:`_rows_of` gives) with none missing between
    the first and the last; empty is not a range."""
    return len(rows) > 0 and int(rows[-1]) - int(rows[0]) == len(rows) - 1


def _rows_of(frame: pd.DataFrame, procedure_id: str) -> np.ndarray:
    """Positions of one procedure's rows: a slice of a grouped table (the same rows a
    comparison of every row finds, without comparing a prefecture's 450,000 steps)."""
    ranges = procedure_row_ranges(frame)
    if ranges is None:
        return np.flatnonzero((frame["procedure_id"] == procedure_id).to_numpy())
    start, stop = ranges.get(procedure_id, (0, 0))
    return np.arange(start, stop)
