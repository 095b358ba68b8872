"""Run a scenario end to end on loaded data: as-is and to-be, Monte Carlo, ranking, counters.

:func:`analyse_scenario` is the deterministic part (what a scenario edit updates at once);
:func:`simulate_scenario` adds the Monte Carlo and returns the typed
:class:`analysis.result.SimulationResult`. Both take plain data (a
:class:`analysis.compare.ProjectModel`); loading a project is
``bpr_studio.pipeline``'s job, and the command line, the GUI and the report all go
through it.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from analysis.attribution import OTHER, attribute_savings, savings_by_measure
from analysis.calibration import band_of, band_text
from analysis.chunk_apply import AppliedParts, ApplyJob, Attributed
from analysis.chunked import MonteCarloSummary, RunSettings, group_stats, section_sizes
from analysis.compare import (
    BatchedApplication,
    Comparison,
    ProjectModel,
    compare,
    compare_potential,
    compare_tables,
    parameter_values,
)
from analysis.compute import (
    APPLIED_BYTES_PER_PROCEDURE,
    COMPARISON_BYTES_PER_STEP,
    ComputeOptions,
    PendingTasks,
    monte_carlo_plan,
    paused_gc,
    run_jobs,
    run_monte_carlo_batches,
    shared_pool,
    task_runner,
)
from analysis.counter import CounterPlanner, counter_comparison, counter_plan, simulate_batch
from analysis.graph import ProjectGraphs, procedure_field, step_count
from analysis.measures import MEASURES
from analysis.montecarlo import SimulationCancelled, draw_theta
from analysis.params import PARAMETERS, adoption_year
from analysis.ranking import rank_procedures
from analysis.result import (
    JSON_OPTIONS,
    METRICS,
    AreaResult,
    Estimate,
    MeasureSavings,
    MeasureSummary,
    Metrics,
    NotApplied,
    ParameterRow,
    PotentialSavings,
    ProcedureResult,
    Ranking,
    SavingBandReading,
    ScenarioSummary,
    SectionCounter,
    SimulationResult,
    UnitCostRow,
)
from analysis.scenario import Application, Scenario
from analysis.tabular import ProcessTables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from cost_model.costs import COST_COLUMNS

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

__all__ = ["ChunkWork", "ScenarioAnalysis", "SimulationCancelled", "analyse_scenario",
           "counter_comparison", "simulate_scenario", "write_json"]


def _metric_block(p: np.ndarray, deterministic: pd.Series) -> Metrics:
    """p (3 percentiles, METRICS) and the deterministic values → {metric: Estimate}."""
    det = deterministic[METRICS].to_numpy(dtype=float)
    return {m: Estimate(float(det[i]), float(p[0, i]), float(p[1, i]), float(p[2, i]))
            for i, m in enumerate(METRICS)}


def _aggregate_blocks(summary: MonteCarloSummary, comparison: Comparison, fte_hours: float,
                      groups: np.ndarray | None, names: list[str]) -> list[AreaResult]:
    """Stats for groups of procedures (each procedure's group index in ``names``, −1 for
    none) from the summary's section percentiles, or for the city (groups None) from its
    sums."""
    a_det = comparison.as_is.procedures
    b_det = comparison.to_be.procedures
    if groups is None:
        codes = np.zeros(len(a_det), dtype=int)
        stats = group_stats(summary.city_sums, fte_hours)[:, :, None, :]  # (3, 3, 1, METRICS)
    else:
        codes, stats = groups, summary.section_stats            # (3, 3, G, METRICS)
    # Deterministic sums of every group at once (a mask per group took 24 s for the 400
    # sections of 30,000 procedures).
    zero = pd.Series(0.0, index=METRICS)
    by_a = a_det[METRICS].groupby(np.asarray(codes)).sum()
    by_b = b_det[METRICS].groupby(np.asarray(codes)).sum()
    blocks = []
    for g, name in enumerate(names):
        det_a = by_a.loc[g] if g in by_a.index else zero
        det_b = by_b.loc[g] if g in by_b.index else zero
        blocks.append(AreaResult(
            name, _metric_block(stats[0, :, g], det_a), _metric_block(stats[1, :, g], det_b),
            _metric_block(stats[2, :, g], det_a - det_b)))
    return blocks


def _procedure_blocks(summary: MonteCarloSummary, comparison: Comparison
                      ) -> list[ProcedureResult]:
    return procedure_results(summary.stats, comparison.as_is.procedures,
                             comparison.to_be.procedures, comparison.applications)


def procedure_results(stats: np.ndarray, as_is: pd.DataFrame, to_be: pd.DataFrame,
                      applications: Iterable[Application]) -> list[ProcedureResult]:
    """Each procedure's result from its percentiles ``stats`` (3 readings, 3 percentiles,
    P, METRICS) and its deterministic as-is and to-be costs (``CostResult.procedures``,
    the same P rows): of a whole project, or of a chunk of it as its figures come in."""
    a_det = as_is.reset_index(drop=True)
    b_det = to_be.reset_index(drop=True)
    savings_det = a_det[METRICS] - b_det[METRICS]

    def metrics(reading: int, det: pd.DataFrame) -> list[Metrics]:
        p5, p50, p95 = stats[reading].tolist()                  # each (P, METRICS)
        d = det[METRICS].to_numpy(dtype=float).tolist()
        made = Estimate._make   # a tuple made in C: no Python __new__ per figure
        return [dict(zip(METRICS, map(made, zip(*row, strict=True)), strict=True))
                for row in zip(d, p5, p50, p95, strict=True)]

    a_stats, b_stats, s_stats = metrics(0, a_det), metrics(1, b_det), metrics(2, savings_det)
    applied: dict[str, list[str]] = {}
    for application in applications:
        if application.applied:
            applied.setdefault(application.procedure_id, []).append(application.measure)
    levels_to_be = b_det["level"].tolist()
    return [ProcedureResult(
        row.procedure_id, row.name, row.section, float(row.annual_cases or 0), int(row.level),
        row.level_reasons_ja, row.level_reasons_en, int(levels_to_be[i]),
        applied.get(row.procedure_id, []), a_stats[i], b_stats[i], s_stats[i])
        for i, row in enumerate(a_det.itertuples(index=False))]


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return _json_safe(value.item())
    return value


@dataclass
class ScenarioAnalysis:
    """The deterministic to-be of a scenario and what is derived from it (no Monte Carlo)."""

    comparison: Comparison           # EXPECTED: uptake in the adoption year, delivered share
    measures: list[MeasureSavings]   # savings by measure, scenario order, 'other' last
    ranking: Ranking
    counters: list[SectionCounter]
    potential: Comparison            # POTENTIAL: every measure in place, every case moved
    # The savings by measure per procedure and the procedures each measure touched
    # (``analysis.attribution.attribute_savings``), when made with the analysis.
    attributed: Attributed | None = field(default=None, compare=False, repr=False)

    def potential_savings(self) -> PotentialSavings:
        return potential_savings(self.comparison, self.potential)

    def band(self, city: AreaResult | None = None) -> SavingBandReading:
        """The expected saving's published band; P5–P95 from ``city`` (the Monte Carlo
        result) when given, else the deterministic figure for all three."""
        return saving_band(self.comparison, self.potential, city)


def potential_savings(expected: Comparison, potential: Comparison) -> PotentialSavings:
    """Potential savings of the city, each section and each procedure (deterministic)."""
    saved = potential.savings()
    by_section = saved.groupby("section", sort=True)[METRICS].sum()
    return PotentialSavings(
        adoption_year(expected.values),
        {m: float(v) for m, v in saved[METRICS].sum().items()},
        {str(section): {m: float(v) for m, v in row.items()}
         for section, row in by_section.iterrows()},
        {str(pid): dict(zip(METRICS, map(float, values), strict=True))
         for pid, values in zip(saved["procedure_id"], saved[METRICS].to_numpy(), strict=True)})


def saving_band(expected: Comparison, potential: Comparison, city: AreaResult | None = None
                ) -> SavingBandReading:
    """Expected and potential staff-hour savings as shares of all as-is staff hours, with
    the published band each falls in (``analysis.calibration.SAVING_BANDS``)."""
    as_is_hours = float(expected.as_is.procedures["staff_time_h"].sum()) or 1.0
    saved = expected.savings()["staff_time_h"].sum()
    share = float(saved) / as_is_hours
    if city is not None:
        estimate = city.savings["staff_time_h"]
        # No staff hours at all (every procedure at 0 cases a year): no share saved.
        base = city.as_is["staff_time_h"].deterministic or 1.0
        share = estimate.deterministic / base
        low, high = estimate.p5 / base, estimate.p95 / base
    else:
        low = high = share
    potential_share = float(potential.savings()["staff_time_h"].sum()) / as_is_hours
    year = adoption_year(expected.values)
    return SavingBandReading(
        share, low, high, potential_share, band_of(share).key,
        band_text(share, "ja", f"見込まれる職員の作業時間の削減（{year}年目）"),
        band_text(share, "en", f"Expected staff-hour saving (year {year})"),
        band_text(potential_share, "ja", "潜在的な削減（全件が移行した場合）"),
        band_text(potential_share, "en", "Potential saving (every case moved)"))


def _measure_savings(comparison: Comparison, model: ProjectModel, scenario: Scenario,
                     values: dict[str, float],
                     attributed: tuple[dict[str, np.ndarray], dict[str, set[str]]] | None = None
                     ) -> list[MeasureSavings]:
    frame = savings_by_measure(comparison, model.unit_costs, values,
                               [u.measure for u in scenario.measures], attributed)
    out = []
    for row in frame.to_dict("records"):
        measure = row.pop("measure")
        procedures = int(row.pop("procedures"))
        known = measure in MEASURES and measure != OTHER
        out.append(MeasureSavings(
            measure, MEASURES[measure].ja if known else "その他（差し戻し・紙など）",
            MEASURES[measure].en if known else "other (rework, paper …)", procedures,
            {k: float(v) for k, v in row.items()}))
    return out


def analyse_scenario(model: ProjectModel, scenario: Scenario, counter: bool = True,
                     seed: int = 1, cancel: CancelCheck | None = None) -> ScenarioAnalysis:
    """Compare, attribute the savings to measures, rank the procedures, simulate counters.

    ``cancel`` is checked between the phases (raises SimulationCancelled).
    """
    def checkpoint() -> None:
        if cancel is not None and cancel():
            raise SimulationCancelled
    comparison = compare(model, scenario)
    checkpoint()
    return _analysis_of(model, scenario, comparison, counter, seed, checkpoint)


def _analysis_of(model: ProjectModel, scenario: Scenario, comparison: Comparison, counter: bool,
                 seed: int, checkpoint: Callable[[], None]) -> ScenarioAnalysis:
    """What :func:`analyse_scenario` derives from the comparison."""
    values = parameter_values(scenario)
    attributed = attribute_savings(comparison, model.unit_costs, values)  # once, used twice
    analysis = _analysis_from(model, scenario, comparison, compare_potential(comparison, model),
                              attributed)
    checkpoint()
    if counter:
        analysis.counters = [SectionCounter.from_dict(c)
                             for c in counter_comparison(comparison, seed)]
    return analysis


def _analysis_from(model: ProjectModel, scenario: Scenario, comparison: Comparison,
                   potential: Comparison, attributed: Attributed) -> ScenarioAnalysis:
    """The ranking and the savings by measure of a comparison whose savings are
    attributed already (no counters)."""
    values = parameter_values(scenario)
    order = [u.measure for u in scenario.measures]
    by_procedure, _touched = attributed
    ranking = rank_procedures(comparison, by_procedure, model.unit_costs, order)
    return ScenarioAnalysis(comparison, _measure_savings(comparison, model, scenario, values,
                                                         attributed),
                            ranking, [], potential, attributed)


def _scenario_summary(scenario: Scenario) -> ScenarioSummary:
    return ScenarioSummary(scenario.name, scenario.description, [
        MeasureSummary(u.measure, MEASURES[u.measure].ja, MEASURES[u.measure].en, dict(u.params),
                       u.rule.describe("ja"), u.rule.describe("en")) for u in scenario.measures])


def _compare_and_simulate(model: ProjectModel, scenario: Scenario, replications: int, seed: int,
                          values: dict[str, float], fte_hours: float,
                          compute: ComputeOptions | None, progress: Progress,
                          cancel: CancelCheck | None, pools: contextlib.ExitStack | None = None,
                          ) -> tuple[Comparison, MonteCarloSummary, list[str], np.ndarray,
                                     Callable[[Progress], list[dict[str, object]]] | None]:
    """The comparison and the Monte Carlo at once: the chunks go to the workers as the
    scenario is applied to the next ones (``compare.BatchedApplication``). Sections and
    their codes come from the procedures' fields, before the scenario is applied.

    With ``pools`` (the caller's, open until it has the counters) and a pool of this PC's
    workers, the comparison is costed as soon as the last chunk is handed out (while the
    workers simulate the last chunks) and the counters' batches go to the same workers
    behind them, so they run while the caller ranks and sums; the last item returned then
    waits for the counters (given a progress), else it is None."""
    section_of = procedure_field(model.graphs, "section")
    ordered = [section_of[pid] for pid in sorted(section_of)]   # the tables' order
    sections = sorted({s for s in ordered if not pd.isna(s)})
    section_codes = pd.Categorical(ordered, categories=sections).codes
    steps = step_count(model.graphs)
    plan = monte_carlo_plan(compute or ComputeOptions(), len(ordered), steps, replications,
                            len(sections), growing=steps * COMPARISON_BYTES_PER_STEP)
    application = BatchedApplication(model.graphs, scenario, model.rubric, plan.chunk_size)
    shared = shared_pool(plan, compute) if pools is not None else None
    if shared is not None and pools is not None:
        pools.enter_context(shared)
    made: list[Comparison] = []
    counters: list[Callable[[Progress], list[dict[str, object]]]] = []

    def batches() -> Iterator[tuple[int, ProcessTables, ProcessTables]]:
        yield from application
        if shared is None:
            return
        # The last chunk is out: cost the comparison and queue the counters behind it.
        made.append(compare_tables(model, scenario, *application.result()))
        plan_of_counters = counter_plan(made[0], seed)
        pending = shared.submit(simulate_batch, plan_of_counters.batches)
        counters.append(lambda progress: plan_of_counters.results(
            pending.results(progress, cancel)))

    summary = run_monte_carlo_batches(batches(), len(ordered), plan, model.unit_costs,
                                      replications, seed, values, section_codes,
                                      len(sections), fte_hours, compute, progress, cancel,
                                      shared)
    comparison = made[0] if made else compare_tables(model, scenario, *application.result())
    procedures = comparison.as_is.procedures.reset_index(drop=True)
    if not np.array_equal(section_codes, pd.Categorical(procedures["section"],
                                                        categories=sections).codes):
        raise RuntimeError("the comparison's procedures are not in the Monte Carlo's order")
    return comparison, summary, sections, section_codes, counters[0] if counters else None


CounterWait = Callable[[Progress], list[dict[str, object]]]


@dataclass
class ChunkWork:
    """What a caller asks of every chunk of procedures beside the Monte Carlo, made where
    the chunk is applied and costed (``analysis.chunk_apply.ApplyJob.extra``), so that
    the caller needs no step table of the whole project: ``each`` (a top-level function of
    picklable data) is given a model without graphs, the scenario and the chunk's
    comparison; ``results`` holds what it returned, in the procedures' order, once
    :func:`simulate_scenario` returns."""

    each: Callable[[ProjectModel, Scenario, Comparison], Any]
    results: list[Any] = field(default_factory=list)


def _sections(model: ProjectModel) -> tuple[list[str], list[str], np.ndarray]:
    """The procedure IDs in the tables' order (ascending), the sections, and each
    procedure's section code (−1 for none), from the procedures' fields."""
    section_of = procedure_field(model.graphs, "section")
    ids = sorted(section_of)
    ordered = [section_of[pid] for pid in ids]
    sections = sorted({s for s in ordered if not pd.isna(s)})
    return ids, sections, pd.Categorical(ordered, categories=sections).codes


def _apply_jobs(model: ProjectModel, scenario: Scenario, ids: list[str], codes: np.ndarray,
                size: int, settings: RunSettings, per_chunk: ChunkWork | None = None
                ) -> Iterator[ApplyJob]:
    """The chunks of :func:`_apply_and_simulate`, made one at a time as they are asked for:
    each its procedures' table rows, or their graphs where this process holds them."""
    graphs = model.graphs
    for index, first in enumerate(range(0, len(ids), max(size, 1))):
        pids = ids[first:first + max(size, 1)]
        if isinstance(graphs, ProjectGraphs):
            kept = {pid: graph for pid in pids if (graph := graphs.kept(pid)) is not None}
            rest = [pid for pid in pids if pid not in kept]
            rows = graphs.rows_of(rest) if rest else None
        else:
            kept, rows = {pid: graphs[pid] for pid in pids}, None
        yield ApplyJob(index, first, pids, rows, kept, codes[first:first + len(pids)], settings,
                       scenario, model.rubric, per_chunk.each if per_chunk is not None else None)


def _apply_and_simulate(model: ProjectModel, scenario: Scenario, replications: int, seed: int,
                        values: dict[str, float], fte_hours: float,
                        compute: ComputeOptions | None, progress: Progress,
                        cancel: CancelCheck | None, pools: contextlib.ExitStack | None,
                        per_chunk: ChunkWork | None = None, plan_replications: int | None = None,
                        ) -> tuple[ScenarioAnalysis, MonteCarloSummary, list[str], np.ndarray,
                                   CounterWait | None, list[ProcedureResult]]:
    """The scenario applied, costed and simulated a chunk of procedures at a time where the
    chunks run (``analysis.chunk_apply``): this process keeps per-procedure figures only.
    With ``pools`` (the caller's, open until it has the counters) each section's counters
    are planned as soon as its last procedure is in (a section's counters depend on its
    procedures and the seed alone), and their batches go to the chunks' workers at once
    when there is a pool of them, beside the chunks still to come (else to
    :func:`analysis.compute.task_runner`'s when the last item returned, which gives the
    counters, is called with a progress); without ``pools`` that item is None.
    ``plan_replications`` (:func:`analyse_in_chunks`): the replications the workers and
    chunks are planned for, and no procedure results are made (the last item is empty)."""
    ids, sections, section_codes = _sections(model)
    plan = monte_carlo_plan(compute or ComputeOptions(), len(ids), step_count(model.graphs),
                            plan_replications or replications, len(sections),
                            growing=len(ids) * APPLIED_BYTES_PER_PROCEDURE, applying=True)
    shared = shared_pool(plan, compute) if pools is not None else None
    if shared is not None and pools is not None:
        pools.enter_context(shared)
    settings = RunSettings(model.unit_costs, draw_theta(seed, replications, values), seed,
                           values, True, fte_hours)
    # Each section's counters are planned as soon as its last procedure is in, and their
    # batches go to the pool's workers at once, beside the chunks still to come.
    submitted: list[Future[Any]] = []
    planner = None if pools is None else CounterPlanner(
        None if shared is None else
        lambda batch: submitted.extend(shared.submit(simulate_batch, [batch]).futures))
    # Each chunk's procedure results are made as it comes in, while the workers run
    # (none for analyse_in_chunks, which has no Monte Carlo to report: at 30,000
    # procedures a million figures made and dropped).
    parts = AppliedParts(model, scenario, values, lambda chunk: procedure_results(
        chunk.stats, chunk.as_is, chunk.to_be, chain.from_iterable(chunk.applied.values()))
        if plan_replications is None else [],
        planner, section_sizes(section_codes, len(sections)), seed)
    summary = run_jobs(_apply_jobs(model, scenario, ids, section_codes, plan.chunk_size,
                                   settings, per_chunk),
                       len(ids), section_codes, len(sections), replications, fte_hours, plan,
                       compute, progress, cancel, shared, parts.add)
    counters_of: CounterWait | None = None
    if planner is not None:
        plan_of_counters = parts.section_counters()   # the last batch handed out
        if shared is not None:
            pending = PendingTasks(submitted)
            counters_of = lambda progress: plan_of_counters.results(  # noqa: E731
                pending.results(progress, cancel))
        else:
            counters_of = lambda progress: plan_of_counters.results(  # noqa: E731
                task_runner(compute, progress, cancel)(simulate_batch, plan_of_counters.batches))
    expected, potential, attributed = parts.comparisons()
    if per_chunk is not None:
        per_chunk.results[:] = parts.extras()
    analysis = _analysis_from(model, scenario, expected, potential, attributed)
    procedures = expected.as_is.procedures.reset_index(drop=True)
    if not np.array_equal(section_codes, pd.Categorical(procedures["section"],
                                                        categories=sections).codes):
        raise RuntimeError("the comparison's procedures are not in the Monte Carlo's order")
    return analysis, summary, sections, section_codes, counters_of, parts.made()


def analyse_in_chunks(model: ProjectModel, scenario: Scenario, per_chunk: ChunkWork,
                      compute: ComputeOptions | None = None, progress: Progress | None = None,
                      cancel: CancelCheck | None = None, plan_replications: int = 1000,
                      ) -> ScenarioAnalysis:
    """The scenario's deterministic analysis made as a run makes it — applied and costed
    where the chunks run, ``per_chunk``'s results filled — without its Monte Carlo: for a
    report written from a run's result (the app's, or ``report --simulation``), whose
    sensitivity analysis and effect measurement need the chunks' parts. The analysis
    holds per-procedure costs and the log of applications, no step tables, as
    :func:`simulate_scenario`'s with ``per_chunk`` does; the figures are the same.

    Why not compare the whole project in this process: at 30,000 procedures that held
    every applied table at once and took longer than the run itself. The chunks are
    planned (workers, size) as for a run of ``plan_replications`` and carry one
    replication each, whose figures are dropped.
    """
    values = parameter_values(scenario)
    with paused_gc():
        analysis, *_ = _apply_and_simulate(
            model, scenario, 1, 1, values, model.unit_costs.value("hours_per_fte"), compute,
            progress or (lambda _done, _total, _label: None), cancel, None, per_chunk,
            plan_replications)
    return analysis


def simulate_scenario(model: ProjectModel, scenario: Scenario, replications: int = 1000,
                      seed: int = 1, progress: Progress | None = None,
                      cancel: CancelCheck | None = None, counter: bool = True,
                      project_name: str = "", compute: ComputeOptions | None = None,
                      keep_analysis: Callable[[ScenarioAnalysis], None] | None = None,
                      per_chunk: ChunkWork | None = None) -> SimulationResult:
    """As-is and to-be of a scenario, with uncertainty. Raises SimulationCancelled.

    The Monte Carlo runs over chunks of procedures within ``compute``'s memory budget, in
    this process, a process pool or on Dask (``analysis.compute``); the figures are the
    same whichever. ``keep_analysis``: called with the scenario's deterministic analysis
    (what ``analyse_scenario(..., counter=False)`` gives) once it is made, for a caller
    that needs it too (the report's sensitivity analysis reuses its comparison instead of
    comparing again). With ``per_chunk`` (:class:`ChunkWork`) the chunks are applied where
    they run even when ``keep_analysis`` is given: the analysis it is called with then
    holds per-procedure costs and the log of applications, no step tables, and what the
    caller needs of the tables is ``per_chunk``'s results.
    """
    # The run's pool of workers (if any) lives until the counters are in; the cyclic
    # garbage collector waits until the end (analysis.compute.paused_gc: its passes over
    # the run's objects were a large share of this process's time).
    with paused_gc(), contextlib.ExitStack() as pools:
        return _simulate(model, scenario, replications, seed, progress, cancel, counter,
                         project_name, compute, keep_analysis, pools, per_chunk)


def _simulate(model: ProjectModel, scenario: Scenario, replications: int, seed: int,
              progress: Progress | None, cancel: CancelCheck | None, counter: bool,
              project_name: str, compute: ComputeOptions | None,
              keep_analysis: Callable[[ScenarioAnalysis], None] | None,
              pools: contextlib.ExitStack, per_chunk: ChunkWork | None = None
              ) -> SimulationResult:
    def step(done: int, label: str) -> None:
        if cancel is not None and cancel():
            raise SimulationCancelled
        if progress is not None:
            progress(done, 100, label)

    step(5, "施策の適用")
    values = parameter_values(scenario)

    def mc_progress(done: int, total: int, _label: str) -> None:
        step(10 + int(60 * done / max(total, 1)), f"シミュレーション {done}/{total}")

    def counter_progress(done: int, total: int, _label: str) -> None:
        step(92 + int(7 * done / max(total, 1)), f"窓口 {done}/{total}")

    fte_hours = model.unit_costs.value("hours_per_fte")
    if keep_analysis is None or per_chunk is not None:
        analysis, summary, sections, section_codes, counters_of, procedure_blocks = \
            _apply_and_simulate(model, scenario, replications, seed, values, fte_hours, compute,
                                mc_progress, cancel, pools if counter else None, per_chunk)
        comparison = analysis.comparison
        step(71, "比較")
        if keep_analysis is not None:
            keep_analysis(analysis)
    else:
        # The caller keeps the analysis (the report's sensitivity analysis reads its
        # tables): this process applies the scenario and keeps the whole tables.
        comparison, summary, sections, section_codes, counters_of = _compare_and_simulate(
            model, scenario, replications, seed, values, fte_hours, compute, mc_progress,
            cancel, pools if counter else None)
        step(71, "比較")
        analysis = _analysis_of(model, scenario, comparison, False, seed,
                                lambda: step(71, "比較"))
        keep_analysis(analysis)
        procedure_blocks = _procedure_blocks(summary, comparison)
    step(72, "集計")
    city = _aggregate_blocks(summary, comparison, fte_hours, None, ["city"])[0]
    section_blocks = _aggregate_blocks(summary, comparison, fte_hours, section_codes, sections)
    step(92, "窓口")
    # The counters' batches of queues on the workers too (the same figures anywhere).
    if not counter:
        counters = []
    elif counters_of is not None:
        counters = [SectionCounter.from_dict(c) for c in counters_of(counter_progress)]
    else:
        counters = [SectionCounter.from_dict(c) for c in counter_comparison(
            comparison, seed, run=task_runner(compute, counter_progress, cancel))]
    step(99, "書き出し")
    time_col, yen_col = COST_COLUMNS.index("staff_time_h"), COST_COLUMNS.index("staff_economic_yen")
    saved = summary.city_sums[0] - summary.city_sums[1]          # (R, C + visits)
    result = SimulationResult(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        project=project_name, scenario=_scenario_summary(scenario),
        replications=replications, seed=seed,
        parameters=[ParameterRow(k, p.ja, p.en, float(values.get(k, p.default)), p.default,
                                 p.low, p.high, p.unit, p.source)
                    for k, p in PARAMETERS.items()],
        unit_costs=[UnitCostRow(k, DEFAULTS_BY_KEY[k].ja, e.value, DEFAULTS_BY_KEY[k].unit,
                                e.source, not e.is_default)
                    for k, e in model.unit_costs.project.items()],
        city=city, sections=section_blocks, procedures=procedure_blocks,
        not_applied=[NotApplied(a.procedure_id, a.measure, a.reason_ja, a.reason_en)
                     for a in comparison.applications if not a.applied],
        measures=analysis.measures, ranking=analysis.ranking, counters=counters,
        potential=analysis.potential_savings(), band=analysis.band(city),
        # Every replication's city savings, for distribution plots.
        city_samples={"staff_time_h": saved[:, time_col].tolist(),
                      "staff_economic_yen": saved[:, yen_col].tolist(),
                      "citizen_visits": saved[:, -1].tolist()})
    step(100, "完了")
    return result


def write_json(result: SimulationResult, out: str | Path) -> Path:
    """The documented JSON (docs/simulation.md), written atomically; NaN/∞ become null."""
    path = Path(out)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        # orjson writes NaN and ±∞ as null, numpy scalars as numbers and UTF-8 as is
        # (what _json_safe + json.dump did, ~25x faster: 20 s at 30,000 procedures).
        tmp.write_bytes(orjson.dumps(result.to_json_dict(), option=JSON_OPTIONS))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
