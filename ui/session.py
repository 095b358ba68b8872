"""The open project as the app sees it: data, scenario, undo stack; views subscribe.

Heavy work runs in workers (TaskRunner): loading and scoring the project, comparing the
current scenario, the Monte Carlo. The scenario work is ``bpr_studio.pipeline`` — the same
functions the command line and the report call — so the session holds typed results
(``analysis.simulate.ScenarioAnalysis``, ``analysis.result.SimulationResult``) and never
computes a domain figure itself. Results come back through signals and are applied here,
on the GUI thread; views never keep their own copy of the state.

What the workers run is in :mod:`ui.session_tasks`; an edit on the undo stack is an
:class:`ui.edit_command.EditCommand`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

import ui.session_tasks as tasks
from analysis.compare import Comparison, parameter_values
from analysis.result import SimulationResult
from analysis.scenario import DEFAULT_SCENARIO, Scenario
from analysis.sensitivity import SensitivityResult
from analysis.simulate import ScenarioAnalysis
from bpr_studio.edits import EditError, StaleEditError
from bpr_studio.loading import list_scenarios, save_scenario, scenario_versions
from bpr_studio.pipeline import SimulationCancelled, run_sensitivity_at
from bpr_studio.store import Project, ProjectError, open_project
from ui.edit_command import EditCommand
from ui.i18n import language
from ui.release import release_later
from ui.saving_text import SavingHeadline
from ui.session_tasks import ProjectData
from ui.task_runner import TaskRunner

RECOMPARE_DELAY_MS = 150


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
            path, selected = self.path, self.selected
            self.busy.emit(True)
            # The selected procedure's steps are read with the rest (the survey view's).
            self.loader.start(lambda progress, cancelled: tasks.loaded_at(path, cancelled,
                                                                          selected))

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
                    scenario, *tasks.analysed_via_child(path, scenario, cancelled)))
            else:
                self.analyzer.start(lambda progress, cancelled: (
                    scenario, *tasks.analysed_at(path, scenario, cancelled)))

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
            analysis, tasks.counted_via(run, analysis, cancelled)))

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
            result = tasks.simulated_at(path, scenario, replications, seed, progress, cancelled,
                                  in_child)
            return version, scenario, result
        self.simulator.start(run)

    def is_big(self) -> bool:
        """The data loaded has enough procedures for its computations to run in a child
        process (:data:`CHILD_PROCESS_FROM`)."""
        return self.data is not None and len(self.data.procedures) >= tasks.CHILD_PROCESS_FROM

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
