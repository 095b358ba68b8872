"""As-is versus to-be, deterministically: the figures a scenario edit updates at once.

Two readings of every saving (issue 9): **expected** (:func:`compare`: uptake of the new
channels on the adoption curve in ``adoption_year``, measures in place on the published
share of the work) and **potential** (:func:`compare_potential`: every measure in place
wherever it applies and every case moved to the new channels). :func:`compare_both` gives
both from one application of the scenario.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analysis.graph import graph_batches
from analysis.params import adoption_year, potential_values
from analysis.scenario import Application, Scenario, apply_to_procedure
from analysis.tabular import ProcessTables, TableBuilder, tables_for_costing
from cost_model.costs import COST_COLUMNS, CostResult, compute_costs
from cost_model.readiness import ReadinessRubric
from cost_model.readiness import ReadinessRubric as _Rubric
from cost_model.unit_costs import UnitCostTable

DELTA_COLUMNS = [*COST_COLUMNS, "staff_fte", "citizen_visits"]


@dataclass
class Comparison:
    as_is: CostResult
    to_be: CostResult
    applications: list[Application]
    as_is_tables: ProcessTables
    to_be_tables: ProcessTables
    values: dict[str, float] = field(default_factory=dict)  # parameter values in force

    def savings(self) -> pd.DataFrame:
        """Per procedure: as-is minus to-be for every cost (positive = saved)."""
        a = self.as_is.procedures.set_index("procedure_id")
        b = self.to_be.procedures.set_index("procedure_id")
        out = a[["name", "section"]].copy()
        for column in DELTA_COLUMNS:
            out[column] = a[column] - b[column]
        out["level"] = a["level"]
        out["level_to_be"] = b["level"]
        return out.reset_index()

    def city(self) -> pd.DataFrame:
        a, b = self.as_is.city(), self.to_be.city()
        frame = pd.DataFrame({"as_is": a[DELTA_COLUMNS], "to_be": b[DELTA_COLUMNS]})
        frame["saved"] = frame["as_is"] - frame["to_be"]
        return frame


@dataclass
class ProjectModel:
    """Everything a comparison needs, loaded once: graphs, unit costs, rubric.

    Loaded from a project by ``bpr_studio.pipeline.load_model`` (analysis never reads
    the store itself), whose ``graphs`` are an ``analysis.graph.ProjectGraphs``: built
    from the project's tables when asked for, not held all at once.
    """

    graphs: Mapping[str, nx.DiGraph]
    unit_costs: UnitCostTable
    rubric: ReadinessRubric


def parameter_values(scenario: Scenario) -> dict[str, float]:
    """Scenario-wide parameter overrides (a measure's params apply to its parameters)."""
    values: dict[str, float] = {}
    for use in scenario.measures:
        values.update({k: float(v) for k, v in use.params.items() if k != "steps"})
    values.update(scenario.params)  # set for the whole scenario in the app: these win
    return values


# Procedures whose graphs exist at once while a comparison applies the measures.
COMPARE_BATCH = 500


class _SideTables:
    """One side's tables, a batch of graphs at a time: each batch's procedures and steps
    kept as its frames (the batch's cells — a Python object per value, about four times
    the frame's size — let go as soon as the frame exists), its arrows, effects and
    channels as rows numbered across batches."""

    def __init__(self) -> None:
        self.procedures: list[pd.DataFrame] = []
        self.steps: list[pd.DataFrame] = []
        self.links: list[tuple[Any, ...]] = []
        self.effects: list[tuple[Any, ...]] = []
        self.channels: list[tuple[Any, ...]] = []
        self.procedure_rows = self.step_rows = 0

    def add(self, graphs: dict[str, nx.DiGraph]) -> ProcessTables:
        """The batch's own tables (rows from 0), kept for :meth:`tables`."""
        builder = TableBuilder()
        builder.add(graphs)
        batch = builder.tables()
        self.procedures.append(batch.procedures)
        self.steps.append(batch.steps)
        self.links += builder.links
        self.effects += [(row + self.step_rows, *rest) for row, *rest in builder.effects]
        self.channels += [(row + self.procedure_rows, *rest) for row, *rest in builder.channels]
        self.procedure_rows += len(batch.procedures)
        self.step_rows += len(batch.steps)
        return batch

    def tables(self) -> ProcessTables:
        """The tables of every batch: those of all the graphs at once (``TableBuilder``)."""
        procedures, steps = _whole(self.procedures), _whole(self.steps)
        self.procedures, self.steps = [], []
        return TableBuilder._tables(procedures, steps, self.links, self.effects, self.channels)


def _whole(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frame ``analysis.tabular.RecordCells`` makes of all the batches' records at once,
    from the batches' frames: each column in order of first appearance, as its batches'
    dtype where they all share one that is not object, else their values (NaN where a
    batch has no such column) with the dtype inferred from them all, as from the cells.

    >>> a = pd.DataFrame({"x": [1, 2], "y": ["p", None]})
    >>> b = pd.DataFrame({"x": [2.5], "z": [True]})
    >>> whole = _whole([a, b])
    >>> whole.dtypes.astype(str).tolist(), whole["x"].tolist()
    (['float64', 'str', 'object'], [1.0, 2.0, 2.5])
    """
    frames = [frame for frame in frames if len(frame)]
    if len(frames) <= 1:
        return frames[0] if frames else pd.DataFrame()
    rows = sum(len(frame) for frame in frames)
    data = {}
    for name in dict.fromkeys(c for frame in frames for c in frame.columns):
        parts = [frame[name] if name in frame.columns else None for frame in frames]
        dtypes = {part.dtype for part in parts if part is not None}
        if all(part is not None for part in parts) and len(dtypes) == 1 \
                and dtypes != {np.dtype(object)}:
            data[name] = pd.concat(parts, ignore_index=True)
            continue
        column = np.empty(rows, dtype=object)
        at = 0
        for frame, part in zip(frames, parts, strict=True):
            column[at:at + len(frame)] = np.nan if part is None else part.to_numpy(dtype=object)
            at += len(frame)
        data[name] = pd.Series(column, dtype=object, copy=False).infer_objects()
    return pd.DataFrame(data)


class BatchedApplication:
    """A scenario applied to ``graphs`` a batch of procedures at a time.

    Each batch's as-is rows are taken, the measures applied (in place on a graph built
    for this batch alone, else on a copy), the to-be rows taken, and the graphs dropped,
    so a city's 30,000 graphs and their copies never exist at once (1.6 GB; issue 16).
    Iterating gives each batch's own tables as it is done, ``(first row, as-is, to-be)``
    (the Monte Carlo starts on them while the next batch is built); :meth:`result`, once
    every batch is done, the tables of all procedures — those of all graphs at once — and
    the log of which measure applied where, in the order of ``graphs`` (as
    ``apply_scenario``'s).
    """

    def __init__(self, graphs: Mapping[str, nx.DiGraph], scenario: Scenario,
                 rubric: _Rubric | None = None, size: int = COMPARE_BATCH) -> None:
        self.graphs, self.scenario, self.size = graphs, scenario, size
        self.rubric = rubric or _Rubric()
        self.as_is, self.to_be = _SideTables(), _SideTables()
        self.applied: dict[str, list[Application]] = {}
        self.done = False
        self._result: tuple[ProcessTables, ProcessTables, list[Application]] | None = None

    def __iter__(self) -> Iterator[tuple[int, ProcessTables, ProcessTables]]:
        yield from self._run()

    def _run(self) -> Iterator[tuple[int, ProcessTables, ProcessTables]]:
        if self.done:
            raise RuntimeError("the scenario has been applied already")
        first = 0
        for batch in graph_batches(self.graphs, self.size):
            as_is, to_be = apply_batch(batch, self.scenario, self.rubric, self.applied,
                                       self.as_is, self.to_be)
            yield first, as_is, to_be
            first += len(batch)
            del batch, as_is, to_be
        self.done = True

    def result(self) -> tuple[ProcessTables, ProcessTables, list[Application]]:
        if not self.done:
            for _batch in self._run():
                pass
        if self._result is None:
            log = [application for pid in self.graphs for application in self.applied[pid]]
            self._result = (self.as_is.tables(), self.to_be.tables(), log)
        return self._result


def apply_batch(batch: list[tuple[str, nx.DiGraph, bool]], scenario: Scenario, rubric: _Rubric,
                applied: dict[str, list[Application]], as_is_side: _SideTables | None = None,
                to_be_side: _SideTables | None = None, as_is: ProcessTables | None = None
                ) -> tuple[ProcessTables, ProcessTables]:
    """One batch of :class:`BatchedApplication`, ``(ID, graph, may be edited in place)``
    with IDs ascending: its as-is tables, the measures applied (what each did put in
    ``applied``), its to-be tables (rows from 0). The sides, if given, keep the tables.
    ``as_is``: the batch's as-is tables where they were made from its rows already
    (``analysis.tabular.tables_of_rows``)."""
    if as_is is None:
        as_is = (as_is_side or _SideTables()).add({pid: graph for pid, graph, _owned in batch})
    changed = {}
    for pid, graph, owned in batch:
        changed[pid], applied[pid] = apply_to_procedure(pid, graph, scenario, rubric, owned)
    return as_is, (to_be_side or _SideTables()).add(changed)


def apply_to_tables(graphs: Mapping[str, nx.DiGraph], scenario: Scenario,
                    rubric: _Rubric | None = None
                    ) -> tuple[ProcessTables, ProcessTables, list[Application]]:
    """As-is and to-be tables of ``graphs`` with the scenario applied, and the log of
    which measure applied where (:class:`BatchedApplication`)."""
    return BatchedApplication(graphs, scenario, rubric).result()


def compare_tables(model: ProjectModel, scenario: Scenario, as_is_tables: ProcessTables,
                   to_be_tables: ProcessTables, log: list[Application]) -> Comparison:
    """The comparison of a scenario's as-is and to-be tables (costed)."""
    values = parameter_values(scenario)
    as_is = compute_costs(*tables_for_costing(as_is_tables), model.unit_costs, model.rubric)
    to_be = compute_costs(*tables_for_costing(to_be_tables, values), model.unit_costs, model.rubric)
    return Comparison(as_is, to_be, log, as_is_tables, to_be_tables, values)


def compare(model: ProjectModel, scenario: Scenario) -> Comparison:
    return compare_tables(model, scenario, *apply_to_tables(model.graphs, scenario,
                                                            model.rubric))


@dataclass
class ExpectedAndPotential:
    """The same scenario read two ways; ``year`` is the fiscal year the expected figures
    show (``adoption_year``, "3年目" by default)."""

    expected: Comparison
    potential: Comparison
    year: int


def compare_potential(comparison: Comparison, model: ProjectModel) -> Comparison:
    """The POTENTIAL of an (expected) comparison: the same to-be graphs costed with every
    measure in place and every case moved (``analysis.params.potential_values``)."""
    values = potential_values(comparison.values)
    to_be = compute_costs(*tables_for_costing(comparison.to_be_tables, values), model.unit_costs,
                          model.rubric)
    return Comparison(comparison.as_is, to_be, comparison.applications, comparison.as_is_tables,
                      comparison.to_be_tables, values)


def compare_both(model: ProjectModel, scenario: Scenario) -> ExpectedAndPotential:
    """Expected and potential savings of a scenario (the scenario is applied once).

    The staff-hour saving of each as a share of all staff hours goes to
    ``analysis.calibration.band_text`` for the published band it falls in.
    """
    expected = compare(model, scenario)
    return ExpectedAndPotential(expected, compare_potential(expected, model),
                                adoption_year(expected.values))
