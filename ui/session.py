"""The open project as the app sees it: data, scenario, undo stack; views subscribe.

Heavy work runs in workers (TaskRunner): loading and scoring the project, comparing the
current scenario, the Monte Carlo. The scenario work is ``bpr_studio.pipeline`` — the same
functions the command line and the report call — so the session holds typed results
(``analysis.simulate.ScenarioAnalysis``, ``analysis.result.SimulationResult``) and never
computes a domain figure itself. Results come back through signals and are applied here,
on the GUI thread; views never keep their own copy of the state.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from analysis.compare import Comparison, parameter_values
from analysis.graph import release_graphs
from analysis.result import SectionCounter, SimulationResult
from analysis.scenario import DEFAULT_SCENARIO, Scenario
from analysis.sensitivity import SensitivityResult
from analysis.simulate import ScenarioAnalysis, counter_comparison
from analysis.tabular import procedure_row_ranges
from bpr_studio.edits import EditError, StaleEditError, describe
from bpr_studio.loading import (
    list_scenarios,
    load_rubric,
    load_unit_costs,
    save_scenario,
    scenario_versions,
    score_project,
    unit_cost_versions,
)
from bpr_studio.pipeline import (
    SimulationCancelled,
    analyse,
    load_model,
    run_pipeline,
    run_sensitivity_at,
)
from bpr_studio.queries import procedures_frame, stored_issues_frame
from bpr_studio.store import Project, ProjectError, open_project
from cost_model.costs import COSTS, CostResult
from cost_model.readiness import ReadinessRubric
from cost_model.unit_costs import UnitCostTable
from ui.i18n import language
from ui.procedure_list import picker_texts
from ui.process_task import ChildRun, run_in_process
from ui.release import release_later
from ui.saving_text import SavingHeadline, headline_of
from ui.task_runner import TaskRunner

RECOMPARE_DELAY_MS = 150
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


def load_data(path: Path | str) -> ProjectData:
    with open_project(path) as project:
        scores = score_project(project)
        survey = procedures_frame(project)
        extra = [c for c in survey.columns if c not in scores.procedures.columns
                 or c == "procedure_id"]
        merged = scores.procedures.merge(survey[extra], on="procedure_id", how="left")
        scenarios = list_scenarios(project)
        return ProjectData(scores, merged, stored_issues_frame(project), load_unit_costs(project),
                           load_rubric(project), scenarios, len(scores.steps),
                           scenario_versions(project), unit_cost_versions(project),
                           summarise(scores, merged))


def procedure_count(path: Path | str) -> int:
    """How many procedures the project holds (one quick query, in a worker)."""
    from sqlalchemy import func, select

    from bpr_studio.model import tables

    with open_project(path) as project, project.engine.connect() as connection:
        return int(connection.execute(
            select(func.count()).select_from(tables.Procedure.__table__)).scalar_one())


def loaded_at(path: Path | str, cancelled: Callable[[], bool]) -> ProjectData:
    """:func:`load_data` in a worker; a big project's in a child process (its long
    pandas calls then never hold the GUI's lock; ui.process_task)."""
    if procedure_count(path) >= LOAD_IN_CHILD_FROM:
        data = run_in_process(load_data, (path,), cancelled, SimulationCancelled)
        assert isinstance(data, ProjectData)
        return data
    return load_data(path)


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
        # then read one procedure's steps without scanning all of them on the GUI thread.
        procedure_row_ranges(tables.steps)
        procedure_row_ranges(tables.links)
    return (analysis, headline_of(analysis), application_counts(analysis),
            comparison_totals(comparison), procedure_choices(comparison))


def procedure_choices(comparison: Comparison) -> tuple[tuple[str, ...], list[str]]:
    """The procedures a picker lists (the flow view's): IDs and 'ID  name' rows, made in
    the worker (30,000 of them took the GUI thread ~0.1 s at every comparison)."""
    frame = comparison.as_is_tables.procedures
    ids = [str(pid) for pid in frame["procedure_id"].tolist()]
    return tuple(ids), picker_texts(ids, [str(name) for name in frame["name"].tolist()])


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
        procedure_row_ranges(tables.steps)
        procedure_row_ranges(tables.links)
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


def simulated_at(path: Path | str, scenario: Scenario, replications: int, seed: int,
                 progress: Callable[[int, int, str], None], cancelled: Callable[[], bool],
                 in_child: bool) -> SimulationResult:
    """:func:`simulate_at` in this worker, or (``in_child``: a big project) in a child
    process (its sums over every procedure then never hold the GUI's lock), its progress
    reported here and a kill to cancel."""
    if in_child:
        result = run_in_process(simulate_at, (path, scenario, replications, seed), cancelled,
                                SimulationCancelled, progress)
        assert isinstance(result, SimulationResult)
        return result
    return simulate_at(path, scenario, replications, seed, progress, cancelled)


class EditCommand(QUndoCommand):
    """A core edit (bpr_studio.edits) as an undoable Qt command."""

    def __init__(self, session: ProjectSession, edit: Any, inverse: Any) -> None:
        super().__init__(describe(edit, language()))
        self.session = session
        self.edit = edit
        self.inverse = inverse
        self._applied = True  # the session applied it before pushing (to catch errors)

    def redo(self) -> None:
        assert self.session.project is not None
        if self._applied:
            self._applied = False
        else:
            try:
                self.inverse = self.edit.apply(self.session.project)
            except (EditError, ProjectError) as problem:
                self._refused(problem)
                return
        self.session.after_edit(self.edit)

    def undo(self) -> None:
        assert self.session.project is not None
        try:
            self.edit = self.inverse.apply(self.session.project)
        except (EditError, ProjectError) as problem:
            self._refused(problem)
            return
        self.session.after_edit(self.inverse)

    def _refused(self, problem: EditError | ProjectError) -> None:
        # Raised inside a Qt virtual it would only be printed, and the stack would move
        # as if it had happened. Obsolete: QUndoStack drops the command instead (it can
        # no longer be undone without overwriting someone else's change).
        self.setObsolete(True)
        self.session.refuse(problem)


class ProjectSession(QObject):
    loaded = Signal()                 # new data for the views (after open or an edit)
    edited = Signal()                 # an edit was applied or undone (data reload follows)
    comparison_ready = Signal(object)   # analysis.compare.Comparison (session.analysis is set)
    counters_ready = Signal()           # session.analysis.counters were filled in
    simulation_ready = Signal(object)   # analysis.result.SimulationResult
    sensitivity_ready = Signal(object)  # analysis.sensitivity.SensitivityResult
    scenario_changed = Signal()
    scenarios_changed = Signal()        # a scenario was added, changed, renamed or deleted
    selection_changed = Signal(str)     # the procedure the user looks at
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.path: Path | str | None = None  # a str: a database URL (postgresql://…)
        self.data: ProjectData | None = None
        self.comparison: Comparison | None = None
        # The current scenario's deterministic analysis: comparison, savings by measure,
        # the where-to-start ranking (analysis.result.Ranking) and counters.
        self.analysis: ScenarioAnalysis | None = None
        self.headline: SavingHeadline | None = None  # expected and potential city savings
        # Per measure of the comparison shown: procedures (applied to, refused).
        self.application_counts: dict[str, tuple[int, int]] = {}
        # The comparison's city totals (comparison_totals), summed in the worker.
        self.comparison_totals: dict[str, dict[str, float]] = {}
        # Its procedures for a picker (procedure_choices): IDs and the rows shown.
        self.procedure_choices: tuple[tuple[str, ...], list[str]] = ((), [])
        self.simulation: SimulationResult | None = None
        # Which loaded data the simulation was run on: the report reuses it only if current.
        self._data_version = 0
        self._simulated_on: tuple[int, Scenario | None] = (-1, None)
        self.sensitivity: SensitivityResult | None = None
        self.scenario: Scenario | None = None
        self.selected: str | None = None
        self.undo_stack = QUndoStack(self)
        self.loader = TaskRunner(self)
        self.loader.succeeded.connect(self._on_loader_succeeded)
        self.loader.failed.connect(self._on_task_failed)
        self.analyzer = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.analyzer.succeeded.connect(self._on_analyzer_succeeded)
        self.analyzer.failed.connect(self._on_task_failed)
        self.counter_runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.counter_runner.succeeded.connect(self._on_counter_runner_succeeded)
        self.counter_runner.failed.connect(self._on_task_failed)
        self.simulator = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.simulator.succeeded.connect(self._on_simulator_succeeded)
        self.simulator.failed.connect(self._on_task_failed)
        self.sensitivity_runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.sensitivity_runner.succeeded.connect(self._on_sensitivity_runner_succeeded)
        self.sensitivity_runner.failed.connect(self._on_task_failed)
        self.edited.connect(self.reload)
        # Edits arriving in a burst start one comparison, not one each (issue 12).
        self._recompare_timer = QTimer(self)
        self._recompare_timer.setSingleShot(True)
        self._recompare_timer.setInterval(RECOMPARE_DELAY_MS)
        self._recompare_timer.timeout.connect(self._start_recompare)

    def _replace(self, **values: Any) -> None:
        """Set results; the ones replaced are freed in the background (ui.release): their
        last reference dropped here would free a city's tables on the GUI thread."""
        old = [getattr(self, name) for name in values]
        for name, value in values.items():
            setattr(self, name, value)
        if any(value is not None for value in old):
            release_later(old)

    # --- opening and loading -----------------------------------------------------
    def open(self, path: Path | str) -> None:
        """Open a project (raises ProjectError at once if the file cannot be used)."""
        project = open_project(path)
        self.close()
        self.project, self.path = project, path
        self.undo_stack.clear()
        self._replace(simulation=None, sensitivity=None)
        self.scenario = None
        self.reload()

    def reload(self) -> None:
        if self.path is not None:
            path = self.path
            self.busy.emit(True)
            self.loader.start(lambda progress, cancelled: loaded_at(path, cancelled))

    def _on_loader_succeeded(self, data: object) -> None:
        assert isinstance(data, ProjectData)
        self._data_version += 1
        # Figures drawn from the data before this load would sit beside new point figures
        # (a P5–P95 that no longer holds its estimate): a new run is needed.
        self._replace(data=data, simulation=None, sensitivity=None)
        gc.freeze()  # long-lived now: keep full collections from walking it (ui.app)
        if self.scenario is None or self.scenario.name not in {s.name for s in data.scenarios}:
            self.scenario = next((s for s in data.scenarios if s.name == DEFAULT_SCENARIO),
                                 data.scenarios[0] if data.scenarios else None)
        self.loaded.emit()
        self.recompare()

    # --- scenario ------------------------------------------------------------------
    def set_scenario(self, scenario: Scenario, save: bool = False) -> None:
        self.scenario = scenario
        if save and self.project is not None:
            save_scenario(self.project, scenario)
        self._replace(simulation=None, sensitivity=None)
        self.scenario_changed.emit()
        self.recompare()

    def recompare(self) -> None:
        """Compare the current scenario soon (edits in a burst coalesce); never blocks."""
        if self.path is not None and self.scenario is not None:
            self.busy.emit(True)
            self._recompare_timer.start()

    @property
    def comparing(self) -> bool:
        """A comparison is due or running (its result is not shown yet)."""
        return self._recompare_timer.isActive() or self.analyzer.running

    @property
    def counting(self) -> bool:
        """The counters of the comparison shown are being computed."""
        return self.counter_runner.running

    def _start_recompare(self) -> None:
        if self.path is not None and self.scenario is not None:
            path, scenario = self.path, self.scenario
            self.busy.emit(True)
            self.counter_runner.cancel()  # of the comparison about to be replaced
            if self.is_big():
                self.analyzer.start(lambda progress, cancelled: (
                    scenario, *analysed_via_child(path, scenario, cancelled)))
            else:
                self.analyzer.start(lambda progress, cancelled: (
                    scenario, *analysed_at(path, scenario, cancelled)))

    @property
    def bundle(self) -> ScenarioAnalysis | None:
        """Former name of :attr:`analysis` (benchmarks read it)."""
        return self.analysis

    def _on_analyzer_succeeded(self, result: object) -> None:
        assert isinstance(result, tuple)
        scenario, analysis, headline, counts, totals, choices, *child = result
        run = child[0] if child else None  # the child process still counting (big projects)
        if scenario is not self.scenario:
            # Asked for before the user chose another scenario: that one's comparison is
            # due (recompare ran when it was chosen) and is the one to show. Freed in the
            # background: dropped here, a city's analysis is freed on the GUI thread.
            if run is not None:
                run.close()
            del analysis, run, child
            release_later(result)
            return
        assert isinstance(analysis, ScenarioAnalysis)
        self._replace(headline=headline, analysis=analysis, comparison=analysis.comparison)
        self.application_counts = counts
        self.comparison_totals = totals
        self.procedure_choices = choices
        gc.freeze()
        self.busy.emit(False)
        self.comparison_ready.emit(analysis.comparison)
        self.counter_runner.start(lambda progress, cancelled: (
            analysis, counted_via(run, analysis, cancelled)))

    def _on_counter_runner_succeeded(self, result: object) -> None:
        assert isinstance(result, tuple)
        analysis, counters = result
        if self.analysis is None or analysis is not self.analysis:
            # Of a comparison replaced meanwhile (being freed in the background: this was
            # its last reference, which would free it all here, on the GUI thread).
            del analysis
            release_later(result)
            return
        self.analysis.counters = counters
        self.counters_ready.emit()

    def simulate(self, replications: int, seed: int) -> None:
        if self.path is None or self.scenario is None:
            return
        path, scenario = self.path, self.scenario
        version = self._data_version
        in_child = self.is_big()

        def run(progress: Callable[[int, int, str], None],
                cancelled: Callable[[], bool]) -> tuple[int, Scenario, SimulationResult]:
            result = simulated_at(path, scenario, replications, seed, progress, cancelled,
                                  in_child)
            return version, scenario, result
        self.simulator.start(run)

    def is_big(self) -> bool:
        """The data loaded has enough procedures for its computations to run in a child
        process (:data:`CHILD_PROCESS_FROM`)."""
        return self.data is not None and len(self.data.procedures) >= CHILD_PROCESS_FROM

    def simulation_for(self, scenario: str) -> SimulationResult | None:
        """The simulation on screen if it is of ``scenario`` as saved now and of the data
        loaded now (the report then prints the figures the user saw); else None."""
        current = (self._data_version, self.scenario)
        if (self.simulation is None or self.scenario is None or self.scenario.name != scenario
                or self._simulated_on != current):
            return None
        return self.simulation

    def run_sensitivity(self) -> None:
        """Tornado and ranking stability of the current scenario (the pipeline's, in a worker)."""
        if self.path is None or self.scenario is None:
            return
        path, scenario = self.path, self.scenario
        self._replace(sensitivity=None)
        self.sensitivity_runner.start(lambda progress, cancelled: run_sensitivity_at(
            path, scenario, progress, cancelled))

    def _on_sensitivity_runner_succeeded(self, result: object) -> None:
        assert isinstance(result, SensitivityResult)
        self._replace(sensitivity=result)
        self.sensitivity_ready.emit(result)

    def _on_simulator_succeeded(self, outcome: object) -> None:
        assert isinstance(outcome, tuple)
        version, scenario, result = outcome
        assert isinstance(result, SimulationResult)
        self._simulated_on = (version, scenario)
        self._replace(simulation=result)
        gc.freeze()
        self.simulation_ready.emit(result)

    # --- edits -----------------------------------------------------------------------
    def push(self, edit: Any) -> bool:
        """Apply an edit through the undo stack; a refused edit is reported, not pushed."""
        if self.project is None:
            return False
        # Applied here, not inside QUndoStack.push: an exception raised from a Qt
        # virtual would be printed, not reported, and the command pushed anyway.
        try:
            inverse = edit.apply(self.project)
        except (EditError, ProjectError) as exc:
            self.refuse(exc)
            return False
        self.undo_stack.push(EditCommand(self, edit, inverse))
        return True

    def refuse(self, problem: EditError | ProjectError) -> None:
        """An edit, undo or redo refused: say why; if it was made on stale data (someone
        else changed the row), load what is there now so the user sees their change."""
        self.failed.emit(problem.message(language()))
        if isinstance(problem, StaleEditError):
            self.reload()

    def scenario_version(self, name: str) -> int | None:
        """The version of scenario ``name`` as loaded (for SaveScenario's check)."""
        return self.data.scenario_versions.get(name) if self.data is not None else None

    def after_edit(self, applied: Any) -> None:
        """An edit was applied (or undone): data edits reload the project; scenario edits
        (bpr_studio.scenario_edits) re-read the scenario list and show the one edited."""
        if getattr(applied, "scope", "") == "scenario":
            self.refresh_scenarios(getattr(applied, "focus", None))
        else:
            self.edited.emit()

    def refresh_scenarios(self, focus: str | None = None) -> None:
        if self.project is None or self.data is None:
            return
        self.data.scenarios = list_scenarios(self.project)
        self.data.scenario_versions = scenario_versions(self.project)
        by_name = {s.name: s for s in self.data.scenarios}
        keep = self.scenario.name if self.scenario is not None else None
        name = next((n for n in (focus, keep, DEFAULT_SCENARIO) if n in by_name), None)
        self.scenario = by_name[name] if name else self.data.scenarios[0]
        self._replace(simulation=None)
        self.scenarios_changed.emit()
        self.scenario_changed.emit()
        self.recompare()

    def select(self, procedure_id: str) -> None:
        if procedure_id != self.selected:
            self.selected = procedure_id
            self.selection_changed.emit(procedure_id)

    def values(self) -> dict[str, float]:
        return parameter_values(self.scenario) if self.scenario else {}

    def _on_task_failed(self, error: object) -> None:
        self.busy.emit(False)
        text = error.message(language()) if hasattr(error, "message") else str(error)
        self.failed.emit(text)

    def close(self) -> None:
        self._recompare_timer.stop()
        for runner in (self.loader, self.analyzer, self.counter_runner, self.simulator,
                       self.sensitivity_runner):
            runner.stop()
        if self.project is not None:
            self.project.close()
            self.project = None
