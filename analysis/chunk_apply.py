"""The scenario applied, costed and simulated a chunk of procedures at a time, where the
chunk runs (a worker process, a Dask worker or here), so that the run's own process keeps
only per-procedure figures (issue 16).

``simulate`` used to apply the scenario itself, a chunk at a time, and send each chunk's
tables to the workers for the Monte Carlo: at 30,000 procedures that process spent about
35 CPU-seconds building graphs and applying measures while the two workers waited for
it, and it kept every chunk's as-is and to-be step tables (about 1 GB) for the costing at
the end. Here each chunk carries the rows of its procedures; the worker builds their
graphs, applies the measures, runs the chunk's Monte Carlo (``analysis.chunked``), costs
its as-is, to-be and potential (``analysis.compare``), attributes its savings to the
measures (``analysis.attribution``) and takes its counters' minutes
(``analysis.counter``), and returns per-procedure figures only. :class:`AppliedParts`
joins them, in procedure order, into what the whole project's comparison would have
given: every figure is computed per procedure (a procedure's costs, flows, levels and
attributions depend on its own rows alone) and every total is made from the joined
per-procedure rows, in the same order as before, so the result is the same to the last
bit (tests/test_scale.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from analysis.attribution import COLUMNS as ATTRIBUTION_COLUMNS
from analysis.attribution import OTHER, attribute_savings
from analysis.chunked import ChunkJob, ChunkResult, RunSettings, TableSlicer, run_chunk
from analysis.compare import Comparison, ProjectModel, _whole, apply_batch, parameter_values
from analysis.counter import (
    COUNTER_PROCEDURE_COLUMNS,
    CounterPlan,
    CounterPlanner,
    counter_minutes,
    counter_plan_of,
)
from analysis.graph import ProjectGraphs
from analysis.montecarlo import _same_flow
from analysis.params import potential_values
from analysis.scenario import Application, Scenario
from analysis.tabular import graphs_to_tables, tables_for_costing, tables_of_rows
from cost_model.costs import CostResult, compute_costs, cost_basis
from cost_model.readiness import ReadinessRubric

Attributed = tuple[dict[str, np.ndarray], dict[str, set[str]]]


@dataclass
class ApplyJob:
    """A chunk of consecutive procedures (IDs ascending; rows ``first`` … of the project)
    to apply the scenario to, cost and simulate. Its procedures come as their table rows
    (``rows``: procedures, steps, links, as ``ProjectGraphs.rows_of`` gives them) and, for
    those whose graph the caller holds (asked for by key, perhaps edited), as ``kept``
    graphs, copied before a measure changes them."""

    index: int
    first: int
    procedure_ids: list[str]
    rows: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None
    kept: dict[str, nx.DiGraph]
    sections: np.ndarray         # (P_c,) section code of each procedure, −1 for none
    settings: RunSettings
    scenario: Scenario
    rubric: ReadinessRubric
    # What the caller also wants of the chunk's comparison (its tables are here only): a
    # top-level function of picklable data, given a model without graphs (unit costs and
    # rubric), the scenario and the chunk's comparison; its result comes back as ``extra``
    # (the report's sensitivity analysis, ``analysis.sensitivity_part``).
    extra: Callable[[ProjectModel, Scenario, Comparison], Any] | None = None

    def run(self) -> ChunkResult:
        return run_applied_chunk(self)


@dataclass
class AppliedChunk(ChunkResult):
    """A chunk's Monte Carlo reduction (:class:`ChunkResult`) and its deterministic
    figures, per procedure."""

    as_is: pd.DataFrame = field(default_factory=pd.DataFrame)      # CostResult.procedures
    to_be: pd.DataFrame = field(default_factory=pd.DataFrame)
    potential: pd.DataFrame = field(default_factory=pd.DataFrame)  # to-be, potential values
    applied: dict[str, list[Application]] = field(default_factory=dict)
    # Savings by measure (procedures × attribution columns), 'other' left out (it is what
    # the others leave of the total, made once they are joined), the procedures each
    # measure touched, and the order the measures came in: by effect of a step, by channel.
    attribution: dict[str, np.ndarray] = field(default_factory=dict)
    touched: dict[str, set[str]] = field(default_factory=dict)
    effect_order: list[str] = field(default_factory=list)
    channel_order: list[str] = field(default_factory=list)
    counter_minutes: tuple[pd.Series, pd.Series] = (pd.Series(dtype=float),
                                                    pd.Series(dtype=float))
    counter_procedures: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: Any = None            # ApplyJob.extra's result
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sections


def _graphs(job: ApplyJob) -> list[tuple[str, nx.DiGraph, bool]]:
    fresh: dict[str, nx.DiGraph] = {}
    if job.rows is not None:
        graphs = ProjectGraphs(*job.rows)
        for batch in graphs.batches(max(len(graphs), 1)):
            fresh.update({pid: graph for pid, graph, _owned in batch})
    return [(pid, job.kept[pid], False) if pid in job.kept else (pid, fresh[pid], True)
            for pid in job.procedure_ids]


def run_applied_chunk(job: ApplyJob) -> AppliedChunk:
    """Apply the scenario to one chunk, simulate it, cost it, attribute its savings. A
    top-level function of picklable data: pools and Dask workers run it."""
    s = job.settings
    applied: dict[str, list[Application]] = {}
    # The as-is tables from the rows themselves (the graphs are built for the measures).
    as_is_made = tables_of_rows(*job.rows) if job.rows is not None and not job.kept else None
    as_is_tables, to_be_tables = apply_batch(_graphs(job), job.scenario, job.rubric, applied,
                                             as_is=as_is_made)
    n = len(as_is_tables.procedures)
    # What as-is, to-be and potential costings and the Monte Carlo share is made once:
    # each side's flow, coefficients and levels (``cost_model.costs.cost_basis``); the
    # to-be's flow is the as-is's when the measures left the arrows alone, and the
    # potential differs from the expected to-be only in minutes and online cases.
    values = parameter_values(job.scenario)
    costing_a = tables_for_costing(as_is_tables)
    costing_b = tables_for_costing(to_be_tables, values)
    basis_a = cost_basis(*costing_a, s.unit_costs, job.rubric)
    basis_b = cost_basis(*costing_b, s.unit_costs, job.rubric,
                         basis_a.structure if _same_flow(as_is_tables, to_be_tables) else None)
    mc = run_chunk(ChunkJob(job.index, job.first, TableSlicer(as_is_tables)(0, n),
                            TableSlicer(to_be_tables)(0, n), job.sections, s, (basis_a, basis_b)))
    model = ProjectModel({}, s.unit_costs, job.rubric)
    log = [application for pid in job.procedure_ids for application in applied[pid]]
    # compare.compare_tables and compare_potential, with the bases.
    comparison = Comparison(compute_costs(*costing_a, s.unit_costs, job.rubric, basis_a),
                            compute_costs(*costing_b, s.unit_costs, job.rubric, basis_b),
                            log, as_is_tables, to_be_tables, values)
    potential_at = potential_values(values)
    potential = Comparison(comparison.as_is, compute_costs(
        *tables_for_costing(to_be_tables, potential_at), s.unit_costs, job.rubric, basis_b),
        log, as_is_tables, to_be_tables, potential_at)
    totals, touched = attribute_savings(comparison, s.unit_costs, comparison.values)
    del totals[OTHER]
    extra = job.extra(model, job.scenario, comparison) if job.extra is not None else None
    return AppliedChunk(
        **{f.name: getattr(mc, f.name) for f in fields(ChunkResult)},
        as_is=comparison.as_is.procedures, to_be=comparison.to_be.procedures,
        potential=potential.to_be.procedures, applied=applied, attribution=totals,
        touched=touched, effect_order=_in_order(to_be_tables.effects["measure"]),
        channel_order=_in_order(to_be_tables.channels["measure"]),
        counter_minutes=counter_minutes(comparison),
        counter_procedures=as_is_tables.procedures.reindex(columns=COUNTER_PROCEDURE_COLUMNS),
        extra=extra, codes=np.asarray(job.sections))


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0].reset_index(drop=True) if len(frames) == 1 else pd.concat(
        frames, ignore_index=True)


def _in_order(column: pd.Series) -> list[str]:
    return list(dict.fromkeys(column.tolist()))


class AppliedParts:
    """The chunks' deterministic figures, joined in procedure order once all are in."""

    def __init__(self, model: ProjectModel, scenario: Scenario, values: dict[str, float],
                 each: Callable[[AppliedChunk], list[Any]] | None = None,
                 counters: CounterPlanner | None = None, sizes: np.ndarray | None = None,
                 seed: int = 1) -> None:
        """``each``: made of every chunk as it comes in (while the others still run), and
        joined in the chunks' order by :meth:`made`. ``counters``: given each section's
        counters as soon as its last procedure is in (``sizes``: each section's number of
        procedures, ``analysis.chunked.section_sizes``), with ``seed``."""
        self.model, self.scenario, self.values = model, scenario, values
        self.chunks: dict[int, AppliedChunk] = {}
        self.each = each
        self._made: dict[int, list[Any]] = {}
        self.counters, self.seed = counters, seed
        self._remaining = np.array(sizes if sizes is not None else [], dtype=np.int64)
        self._holders: dict[int, list[int]] = {}   # section code -> chunks with its procedures
        self._planned: set[int] = set()
        self._visit_frames: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def add(self, result: ChunkResult) -> None:
        if not isinstance(result, AppliedChunk):
            raise TypeError("an applied chunk was expected")
        self.chunks[result.index] = result
        if self.each is not None:
            self._made[result.index] = self.each(result)
        if self.counters is None:
            return
        # A section's counters depend on its own procedures and the seed alone: they are
        # queued once its last procedure is in (as ``analysis.chunked.run_chunked`` closes
        # its sums), to run on the workers beside the chunks still to come.
        for g, code in enumerate(result.section_codes.tolist()):
            self._holders.setdefault(code, []).append(result.index)
            self._remaining[code] -= int(result.section_counts[g])
            if self._remaining[code] <= 0:
                self._plan_section(code)

    def _plan_section(self, code: int) -> None:
        if code in self._planned or self.counters is None:
            return
        self._planned.add(code)
        chunks = [self.chunks[index] for index in sorted(self._holders[code])]
        picks = [np.flatnonzero(c.codes == code) for c in chunks]
        # The section's rows by position: a chunk's costs are in its tables' order (the
        # order of its codes); counter_plan_of looks each procedure up by its ID, so a
        # side's minutes may be the chunks' whole ones (one chunk: its own Series, whose
        # index keeps its hash table from section to section). Filtering every chunk's
        # frames by ID per section took ~3 CPU-s of 400 sections at 30,000 procedures.
        procedures = _joined([c.counter_procedures.iloc[rows]
                              for c, rows in zip(chunks, picks, strict=True)])

        def rows_of(side: int) -> pd.DataFrame:
            return _joined([self._visits(c)[side].iloc[rows]
                            for c, rows in zip(chunks, picks, strict=True)])

        def minutes_of(side: int) -> pd.Series:
            whole = [c.counter_minutes[side] for c in chunks]
            return whole[0] if len(whole) == 1 else pd.concat(whole)

        self.counters.add(code, counter_plan_of(rows_of(0), rows_of(1), minutes_of(0),
                                                minutes_of(1), procedures, self.seed))

    def _visits(self, chunk: AppliedChunk) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A chunk's as-is and to-be procedure IDs and citizen visits (made once)."""
        found = self._visit_frames.get(chunk.index)
        if found is None:
            found = self._visit_frames[chunk.index] = (
                chunk.as_is[["procedure_id", "citizen_visits"]],
                chunk.to_be[["procedure_id", "citizen_visits"]])
        return found

    def section_counters(self) -> CounterPlan:
        """Every section's counters (those whose last procedure was not seen, too, e.g.
        for sizes that overcounted), their last batch handed out."""
        if self.counters is None:
            raise RuntimeError("no counter planner was given")
        for code in sorted(self._holders):
            self._plan_section(code)
        return self.counters.plan()

    def made(self) -> list[Any]:
        """What ``each`` made of every chunk, in the procedures' order."""
        return [item for index in sorted(self._made) for item in self._made[index]]

    def extras(self) -> list[Any]:
        """Every chunk's ``extra``, in the procedures' order."""
        return [chunk.extra for chunk in self._ordered()]

    def _ordered(self) -> list[AppliedChunk]:
        return [self.chunks[index] for index in sorted(self.chunks)]

    def comparisons(self) -> tuple[Comparison, Comparison, Attributed]:
        """The expected and potential comparisons of every procedure (per-procedure costs
        and the log of applications; no step tables) and the savings by measure."""
        chunks = self._ordered()
        applied: dict[str, list[Application]] = {}
        for chunk in chunks:
            applied.update(chunk.applied)
        log = [application for pid in self.model.graphs for application in applied[pid]]
        empty = graphs_to_tables({})
        steps = pd.DataFrame()
        as_is = CostResult(steps, _whole([c.as_is for c in chunks]))
        to_be = CostResult(steps, _whole([c.to_be for c in chunks]))
        expected = Comparison(as_is, to_be, log, empty, empty, self.values)
        potential = Comparison(as_is, CostResult(steps, _whole([c.potential for c in chunks])),
                               log, empty, empty, potential_values(self.values))
        return expected, potential, self._attribution(chunks, expected)

    def counter_plan(self, expected: Comparison, seed: int) -> CounterPlan:
        chunks = self._ordered()
        return counter_plan_of(
            expected.as_is.procedures, expected.to_be.procedures,
            pd.concat([c.counter_minutes[0] for c in chunks]),
            pd.concat([c.counter_minutes[1] for c in chunks]),
            _whole([c.counter_procedures for c in chunks]), seed)

    @staticmethod
    def _attribution(chunks: list[AppliedChunk], expected: Comparison) -> Attributed:
        """``analysis.attribution.attribute_savings`` of the whole project from its chunks':
        the measures in the order the whole project's effects, then channels, then fees
        bring them, each one's rows joined (zero in a chunk it does not touch), 'other'
        what they leave of each procedure's total (the same sum, in the same order)."""
        order = list(dict.fromkeys(chain(
            chain.from_iterable(c.effect_order for c in chunks),
            chain.from_iterable(c.channel_order for c in chunks),
            chain.from_iterable(c.attribution for c in chunks))))
        columns = len(ATTRIBUTION_COLUMNS)
        totals: dict[str, np.ndarray] = {}
        touched: dict[str, set[str]] = {}
        for measure in order:
            totals[measure] = np.concatenate([
                c.attribution[measure] if measure in c.attribution
                else np.zeros((len(c.as_is), columns)) for c in chunks])
            touched[measure] = set().union(*(c.touched.get(measure, set()) for c in chunks))
            if not touched[measure]:
                del touched[measure]
        a = expected.as_is.procedures[ATTRIBUTION_COLUMNS].to_numpy(dtype=float)
        b = expected.to_be.procedures[ATTRIBUTION_COLUMNS].to_numpy(dtype=float)
        explained = np.sum(list(totals.values()), axis=0) if totals else np.zeros_like(a)
        totals[OTHER] = (a - b) - explained
        return totals, touched
