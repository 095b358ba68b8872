"""What the session computes off the GUI thread: loading and scoring the project, comparing
a scenario (with its counter queues), the Monte Carlo; each in a worker thread
(ui.task_runner) or, for a big project, in a child process (ui.process_task).

Everything here is plain Python over the core (``bpr_studio.pipeline`` and friends): no Qt
objects, so a child process can run it, and the results are typed values the session
(:mod:`ui.session`) applies on the GUI thread. Aggregates the views draw from all
procedures are worked out here too, so the GUI thread never walks a city's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.compare import Comparison
from analysis.graph import release_graphs
from analysis.journey_result import JourneyResult
from analysis.result import SectionCounter, SimulationResult
from analysis.scenario import Scenario
from analysis.simulate import ScenarioAnalysis, counter_comparison
from analysis.tabular import procedure_row_ranges
from bpr_studio.journey_pipeline import run_journeys_at
from bpr_studio.loading import (
    list_scenarios,
    load_rubric,
    load_unit_costs,
    scenario_versions,
    score_project,
    unit_cost_versions,
)
from bpr_studio.pipeline import SimulationCancelled, analyse, load_model, run_pipeline
from bpr_studio.queries import procedures_frame, steps_frame, stored_issues_frame
from bpr_studio.store import open_project
from cost_model.costs import COSTS, CostResult
from cost_model.readiness import ReadinessRubric
from cost_model.unit_costs import UnitCostTable
from ui.process_task import ChildRun, run_in_process
from ui.saving_text import SavingHeadline, headline_of

COUNTER_SEED = 1  # analysis.simulate.analyse_scenario's default seed: the same counters
# From this many procedures a scenario is compared in a child process (ui.process_task):
# its long pandas calls then never hold the GUI's lock. Below, starting a process (1–2 s)
# would cost more than the comparison, and its calls are short.
CHILD_PROCESS_FROM = 1000
# Loading has shorter calls than comparing (at 3,000 procedures none near 100 ms) and the
# window waits for it: a child process (1–2 s to start) only from a prefecture's size.
LOAD_IN_CHILD_FROM = 10_000



@dataclass
class ProjectData:
    """Everything loaded for the views, computed in a worker."""

    # The procedures' scores. Its steps are not kept (no rows, the columns only): no view
    # draws a step's costs, and at 30,000 procedures the 450,000 rows were ~10% of what
    # crossed from the loading child and stayed in the app's memory for nothing; the
    # count is :attr:`step_count`.
    scores: CostResult
    procedures: pd.DataFrame   # survey fields + scores, one row per procedure
    issues: pd.DataFrame
    unit_costs: UnitCostTable
    rubric: ReadinessRubric
    scenarios: list[Scenario]
    step_count: int
    # Each scenario's row version as loaded: a scenario edit made on an older one is
    # refused (someone else changed it; docs/team.md).
    scenario_versions: dict[str, int] = field(default_factory=dict)
    # The same for the project's unit cost overrides (0 = the default was shown).
    unit_cost_versions: dict[str, int] = field(default_factory=dict)
    # What the views draw from all procedures, worked out in the worker with the rest:
    # on the GUI thread the city totals alone took ~35 ms at 3,000 procedures, ten times
    # that at 30,000 (:func:`summarise`).
    summary: DataSummary | None = None
    # The steps of the procedure selected when the load was asked for (its ID and
    # ``queries.steps_frame``), read with the rest: read on the GUI thread after each
    # reload, they cost it 40-60 ms at 30,000 procedures (the survey view's step list).
    selected_steps: tuple[str, pd.DataFrame] | None = None


@dataclass
class DataSummary:
    """Aggregates of the loaded data for the dashboard and the survey list's filters."""

    city: pd.Series              # CostResult.city(): the city's totals
    level_counts: list[int]      # procedures at readiness level 1..4
    top_sections: pd.DataFrame   # the 12 sections with the most staff hours
    top_procedures: pd.DataFrame  # the 15 procedures with the most staff hours
    sections: list[str]          # every section, sorted (the survey list's filter)


def summarise(scores: CostResult, procedures: pd.DataFrame) -> DataSummary:
    levels = scores.procedures["level"]
    return DataSummary(
        city=scores.city(),
        level_counts=[int((levels == n).sum()) for n in range(1, 5)],
        top_sections=scores.by_section().sort_values("staff_time_h", ascending=False)
        .head(12).reset_index(drop=True),
        top_procedures=scores.procedures.sort_values("staff_time_h", ascending=False)
        .head(15)[["procedure_id", "name", "section", "staff_time_h"]].reset_index(drop=True),
        sections=sorted(procedures["section"].dropna().unique()) if len(procedures) else [])


def load_data(path: Path | str, selected: str | None = None) -> ProjectData:
    """The project's data for the views; ``selected``: a procedure whose steps are read
    too (:attr:`ProjectData.selected_steps`)."""
    with open_project(path) as project:
        scores = score_project(project)
        survey = procedures_frame(project)
        extra = [c for c in survey.columns if c not in scores.procedures.columns
                 or c == "procedure_id"]
        merged = scores.procedures.merge(survey[extra], on="procedure_id", how="left")
        scenarios = list_scenarios(project)
        kept = CostResult(scores.steps.head(0).copy(), scores.procedures)
        return ProjectData(kept, merged, stored_issues_frame(project), load_unit_costs(project),
                           load_rubric(project), scenarios, len(scores.steps),
                           scenario_versions(project), unit_cost_versions(project),
                           summarise(scores, merged),
                           None if selected is None else (selected,
                                                          steps_frame(project, selected)))


def procedure_count(path: Path | str) -> int:
    """How many procedures the project holds (one quick query, in a worker)."""
    from sqlalchemy import func, select

    from bpr_studio.model import tables

    with open_project(path) as project, project.engine.connect() as connection:
        return int(connection.execute(
            select(func.count()).select_from(tables.Procedure.__table__)).scalar_one())


def loaded_at(path: Path | str, cancelled: Callable[[], bool],
              selected: str | None = None) -> ProjectData:
    """:func:`load_data` in a worker; a big project's in a child process (its long
    pandas calls then never hold the GUI's lock; ui.process_task)."""
    if procedure_count(path) >= LOAD_IN_CHILD_FROM:
        data = run_in_process(load_data, (path, selected), cancelled, SimulationCancelled)
        assert isinstance(data, ProjectData)
        return data
    return load_data(path, selected)


def analyse_at(path: Path | str, scenario: Scenario,
               cancelled: Callable[[], bool] = lambda: False,
               counter: bool = True) -> ScenarioAnalysis:
    """The pipeline's deterministic analysis of a scenario, on a project file (a worker).

    ``cancelled`` is checked between phases: a superseded comparison stops early.
    ``counter`` False: without the counter queues (``analysis.counters`` empty; the
    session computes them next, :func:`counters_of`).
    """
    with open_project(path) as project:
        model = load_model(project)
        try:
            return analyse(project, scenario, model=model, counter=counter, cancel=cancelled)
        finally:
            release_graphs(model.graphs)  # freed one by one: the GUI keeps the lock


def analysed_at(path: Path | str, scenario: Scenario, cancelled: Callable[[], bool]
                ) -> tuple[ScenarioAnalysis, SavingHeadline, dict[str, tuple[int, int]],
                           dict[str, dict[str, float]], tuple[tuple[str, ...], list[str]]]:
    """:func:`analyse_at`, its saving headline, per-measure counts, the city totals
    (:func:`comparison_totals`) and the procedure picker's rows, all in the worker;
    without the counter queues, which follow (:func:`counters_of`): the window shows the
    comparison without waiting for a year of queues per section (a third of the time)."""
    analysis = analyse_at(path, scenario, cancelled, False)
    comparison = analysis.comparison
    for tables in (comparison.as_is_tables, comparison.to_be_tables):
        # Where each procedure's rows are, found here once: the procedure and flow views
        # then read one procedure's row and steps without scanning all of them on the GUI
        # thread (30,000 procedures: 15 ms a table for the first look-up).
        for frame in (tables.procedures, tables.steps, tables.links):
            procedure_row_ranges(frame)
    return (analysis, headline_of(analysis), application_counts(analysis),
            comparison_totals(comparison), procedure_choices(comparison))


def procedure_choices(comparison: Comparison) -> tuple[tuple[str, ...], list[str]]:
    """The procedures a picker lists (the flow view's): IDs and 'ID  name' rows, made in
    the worker (30,000 of them took the GUI thread ~0.1 s at every comparison)."""
    frame = comparison.as_is_tables.procedures
    ids = [str(pid) for pid in frame["procedure_id"].tolist()]
    return tuple(ids), picker_texts(ids, [str(name) for name in frame["name"].tolist()])


def picker_texts(ids: list[str], names: list[str]) -> list[str]:
    """A picker's rows, 'ID  name' (ui.procedure_list; 30,000 of them: made in a worker)."""
    return [f"{pid}  {name}" for pid, name in zip(ids, names, strict=True)]


def _never() -> bool:
    return False


def analysed_in_child(path: Path | str, scenario: Scenario) -> tuple[Any, ...]:
    """:func:`analysed_at` in a child process (ui.process_task): the parent kills it to
    cancel, so it never checks a flag."""
    return analysed_at(path, scenario, _never)


def analysed_then_counted(path: Path | str, scenario: Scenario) -> Iterator[Any]:
    """In a child process: :func:`analysed_at`'s result, then the counters of its
    analysis (:func:`counters_of`), each sent as soon as it is ready."""
    result = analysed_at(path, scenario, _never)
    yield result
    yield counters_of(result[0], _never)


def analysed_via_child(path: Path | str, scenario: Scenario, cancelled: Callable[[], bool]
                       ) -> tuple[Any, ...]:
    """:func:`analysed_at` run in a child process, its result taken back piece by piece
    (in a worker thread of the app); the last item is the child itself, still counting
    the counter queues (:meth:`ProjectSession._count`)."""
    run = ChildRun(analysed_then_counted, (path, scenario))
    result = run.next_result(cancelled, SimulationCancelled)
    comparison = result[0].comparison
    for tables in (comparison.as_is_tables, comparison.to_be_tables):
        # Cached per process: found again here (the child's answers stayed there).
        for frame in (tables.procedures, tables.steps, tables.links):
            procedure_row_ranges(frame)
    return (*result, run)


def counted_via(run: ChildRun | None, analysis: ScenarioAnalysis,
                cancelled: Callable[[], bool]) -> list[SectionCounter]:
    """The counters of ``analysis``: from the child that made it (then closed), or
    computed here."""
    if run is None:
        return counters_of(analysis, cancelled)
    try:
        counters = run.next_result(cancelled, SimulationCancelled)
    finally:
        run.close()
    assert isinstance(counters, list)
    return counters


def comparison_totals(comparison: Comparison) -> dict[str, dict[str, float]]:
    """City totals of the five costs by side and state ({'staff_as_is': {cost: value}}),
    for the 比較 view; summed in the worker (two sums over a prefecture's procedures held
    the GUI thread ~0.15 s)."""
    a, b = comparison.as_is.city(), comparison.to_be.city()
    return {f"{side}_{state}": {c: float(src[f"{side}_{c}"]) for c in COSTS}
            for side in ("staff", "citizen") for state, src in (("as_is", a), ("to_be", b))}


def application_counts(analysis: ScenarioAnalysis) -> dict[str, tuple[int, int]]:
    """Per measure: (procedures it applied to, procedures it could not), for the シナリオ
    view; counted in the worker (a prefecture's scenario logs 100,000s of applications)."""
    counts: dict[str, list[int]] = {}
    for application in analysis.comparison.applications:
        pair = counts.setdefault(application.measure, [0, 0])
        pair[0 if application.applied else 1] += 1
    return {measure: (applied, refused) for measure, (applied, refused) in counts.items()}


def counters_of(analysis: ScenarioAnalysis, cancelled: Callable[[], bool]
                ) -> list[SectionCounter]:
    """The counters of an analysis made without them: the pipeline's own
    (:func:`analysis.simulate.analyse_scenario` with ``counter=True`` gives the same)."""
    if cancelled():
        raise SimulationCancelled
    return [SectionCounter.from_dict(c) for c in counter_comparison(analysis.comparison,
                                                                    COUNTER_SEED)]


def simulate_at(path: Path | str, scenario: Scenario, replications: int, seed: int,
                progress: Callable[[int, int, str], None],
                cancelled: Callable[[], bool]) -> SimulationResult:
    """The pipeline's Monte Carlo run (:func:`bpr_studio.pipeline.run_pipeline`), in a worker."""
    with open_project(path) as project:
        progress(0, 100, "読み込み")
        model = load_model(project)
        try:
            return run_pipeline(project, scenario, replications, seed, progress, cancelled,
                                model=model)
        finally:
            release_graphs(model.graphs)  # freed one by one: the GUI keeps the lock


def here_or_in_child(fn: Callable[..., Any], args: tuple[Any, ...],
                     progress: Callable[[int, int, str], None], cancelled: Callable[[], bool],
                     in_child: bool) -> Any:
    """``fn(*args, progress, cancelled)`` in this worker, or (``in_child``: a big project)
    in a child process, its progress reported here and a kill to cancel."""
    if in_child:
        return run_in_process(fn, args, cancelled, SimulationCancelled, progress)
    return fn(*args, progress, cancelled)


def journeys_at(path: Path | str, measures: tuple[str, ...], replications: int, seed: int,
                progress: Callable[[int, int, str], None], cancelled: Callable[[], bool],
                in_child: bool = False) -> JourneyResult:
    """Every life event's journey, as-is and with ``measures`` (the ライフイベント view's),
    in this worker or (``in_child``: a big project) in a child process: read and
    simulated in a thread of the app, a 3,000-procedure project's journeys raised its
    resident memory by ~400 MB in a second and shared its Python lock."""
    result = here_or_in_child(_journeys, (path, measures, replications, seed), progress,
                              cancelled, in_child)
    assert isinstance(result, JourneyResult)
    return result


def _journeys(path: Path | str, measures: tuple[str, ...], replications: int, seed: int,
              progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]
              ) -> JourneyResult:
    return run_journeys_at(path, measures=measures, seed=seed, replications=replications,
                           progress=progress, cancelled=cancelled)


def simulated_at(path: Path | str, scenario: Scenario, replications: int, seed: int,
                 progress: Callable[[int, int, str], None], cancelled: Callable[[], bool],
                 in_child: bool) -> SimulationResult:
    """:func:`simulate_at` in this worker, or (``in_child``: a big project) in a child
    process (its sums over every procedure then never hold the GUI's lock)."""
    result = here_or_in_child(simulate_at, (path, scenario, replications, seed), progress,
                              cancelled, in_child)
    assert isinstance(result, SimulationResult)
    return result
