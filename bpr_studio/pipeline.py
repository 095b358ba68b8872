"""One pipeline: load a project, apply a scenario, simulate, rank → one typed result.

The command line (``bpr-studio simulate``, ``report``), the GUI (``ui/session.py``) and the
report (``bpr_studio.report``) all call these functions, so the same project, scenario
and seed give the same figures everywhere. This is the only place that turns a project
file into the plain data ``analysis`` works on (``analysis`` never reads the store).

Functions take a progress callback ``progress(done, total, label)`` and a cancel check
``cancel() -> bool`` and are Qt-free: the GUI runs them in a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from analysis.compare import Comparison, ProjectModel, parameter_values
from analysis.compute import ComputeOptions
from analysis.economics import compute_economics
from analysis.economics_result import EconomicsResult
from analysis.graph import ProjectGraphs
from analysis.measure_costs import CostTable, cost_table
from analysis.montecarlo import SimulationCancelled
from analysis.peers import SLOWER_AT, PeerComparison, city_figures, compare_cities
from analysis.result import SimulationResult
from analysis.roadmap import roadmap_of_result
from analysis.roadmap_result import RoadmapResult
from analysis.roadmap_settings import RoadmapSettings, roadmap_settings
from analysis.scenario import Scenario
from analysis.sensitivity import (
    SensitivityPart,
    SensitivityResult,
    sensitivity,
    sensitivity_from_parts,
)
from analysis.simulate import ChunkWork, ScenarioAnalysis, analyse_scenario, simulate_scenario
from bpr_studio.loading import get_scenario, load_frames, load_rubric, load_unit_costs
from bpr_studio.store import Project, open_project, open_snapshot

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]
DEFAULT_REPLICATIONS = 1000

__all__ = ["SimulationCancelled", "analyse", "compare_projects", "load_model", "plan",
           "plan_settings",
           "run_pipeline", "run_pipeline_at",
           "run_sensitivity", "run_sensitivity_at"]


def load_model(project: Project,
               frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None
               ) -> ProjectModel:
    """The project's process graphs (built from its tables when asked for), unit costs and
    readiness rubric (one query each); ``frames``: its (procedures, steps, links) from
    ``load_frames``, if already read."""
    procedures, steps, links = frames if frames is not None else load_frames(project)
    return ProjectModel(ProjectGraphs(procedures, steps, links), load_unit_costs(project),
                        load_rubric(project))


def _scenario(project: Project, scenario: str | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else get_scenario(project, scenario)


def analyse(project: Project, scenario: str | Scenario, model: ProjectModel | None = None,
            counter: bool = True, cancel: CancelCheck | None = None) -> ScenarioAnalysis:
    """The deterministic comparison, savings by measure, ranking and counters of a scenario."""
    scenario = _scenario(project, scenario)
    model = model or load_model(project)
    if cancel is not None and cancel():
        raise SimulationCancelled
    return analyse_scenario(model, scenario, counter=counter, cancel=cancel)


def run_pipeline(project: Project, scenario: str | Scenario,
                 replications: int = DEFAULT_REPLICATIONS, seed: int = 1,
                 progress: Progress | None = None, cancel: CancelCheck | None = None,
                 counter: bool = True, model: ProjectModel | None = None,
                 roadmap: RoadmapSettings | None = None,
                 compute: ComputeOptions | None = None,
                 keep_analysis: Callable[[ScenarioAnalysis], None] | None = None,
                 per_chunk: ChunkWork | None = None) -> SimulationResult:
    """Load (unless ``model`` is given), apply the scenario, simulate and rank.

    Raises ``KeyError`` for an unknown scenario name, :class:`SimulationCancelled`
    when ``cancel()`` turns true, and ``analysis.measure_costs.CostDataError`` (naming the
    key) when the scenario's cost overrides cannot be used, or
    ``analysis.roadmap_settings.RoadmapSettingError`` for its roadmap settings. The result
    carries the economics of the measures (``result.economics``, ``analysis.economics``)
    and the roadmap by fiscal year (``result.roadmap``, ``analysis.roadmap``);
    ``roadmap``: settings that replace the scenario's for this run (the command line's
    ``--years`` and ``--start-fy``); ``compute``: memory budget, workers and engine of the
    Monte Carlo (``analysis.compute``; the figures do not depend on them);
    ``keep_analysis``: called with the scenario's deterministic analysis (what
    :func:`analyse` with ``counter=False`` gives) once the run has made it, so a caller that
    needs it too (the report's sensitivity analysis) does not make it again;
    ``per_chunk``: what to make of every chunk's comparison where the chunk runs
    (``analysis.simulate.ChunkWork``).
    """
    if progress is not None:
        progress(0, 100, "読み込み")
    chosen = _scenario(project, scenario)
    # Bad cost data and roadmap settings are refused before the run.
    costs, settings = plan_settings(chosen, roadmap)
    model = model or load_model(project)
    result = simulate_scenario(model, chosen, replications, seed, progress, cancel, counter,
                               project_name=project.name, compute=compute,
                               keep_analysis=keep_analysis, per_chunk=per_chunk)
    result.economics, result.roadmap = plan(result, chosen, costs, settings)
    return result


def plan_settings(scenario: Scenario, roadmap: RoadmapSettings | None = None
                  ) -> tuple[CostTable, RoadmapSettings]:
    """The scenario's cost table and roadmap settings, checked: raises ``CostDataError`` or
    ``RoadmapSettingError`` naming the key."""
    values = parameter_values(scenario)
    costs = cost_table(values)
    return costs, roadmap or roadmap_settings(values, [u.measure for u in scenario.measures])


def plan(result: SimulationResult, scenario: Scenario, costs: CostTable | None = None,
         roadmap: RoadmapSettings | None = None) -> tuple[EconomicsResult, RoadmapResult]:
    """Economics and roadmap of a run's savings with the scenario's cost and roadmap
    settings (fast: no simulation). A cost or roadmap edit changes no saving, so the app
    re-plans the run it has instead of simulating again."""
    if costs is None or roadmap is None:
        costs, roadmap = plan_settings(scenario, roadmap)
    economics = compute_economics(result, costs)
    return economics, roadmap_of_result(result, economics, roadmap, parameter_values(scenario))


def run_pipeline_at(path: Path, scenario: str | Scenario,
                    replications: int = DEFAULT_REPLICATIONS, seed: int = 1,
                    progress: Progress | None = None, cancel: CancelCheck | None = None,
                    ) -> SimulationResult:
    """:func:`run_pipeline` on a project file opened (and closed) here, for workers."""
    with open_project(path) as project:
        return run_pipeline(project, scenario, replications, seed, progress, cancel)


def run_sensitivity(project: Project, scenario: str | Scenario,
                    progress: Progress | None = None, cancel: CancelCheck | None = None,
                    model: ProjectModel | None = None, comparison: Comparison | None = None,
                    parts: list[SensitivityPart] | None = None) -> SensitivityResult:
    """Tornado of the city-wide saving and stability of the top 20 (``analysis.sensitivity``).

    ``comparison`` (the scenario's deterministic comparison, if already made) is reused;
    with ``parts`` (``analysis.sensitivity_part`` of each chunk of a run, in order) it may
    be the run's joined comparison (no step tables).
    """
    chosen = _scenario(project, scenario)
    if parts is not None and comparison is not None:
        return sensitivity_from_parts(model or load_model(project), chosen, comparison, parts,
                                      progress, cancel)
    return sensitivity(model or load_model(project), chosen, comparison, progress, cancel)


def run_sensitivity_at(path: Path | str, scenario: str | Scenario, progress: Progress | None = None,
                       cancel: CancelCheck | None = None) -> SensitivityResult:
    """:func:`run_sensitivity` on a project file opened (and closed) here, for workers."""
    with open_project(path) as project:
        return run_sensitivity(project, scenario, progress, cancel)


def compare_projects(targets: Sequence[str | Path], scenario: str,
                     names: Sequence[str] | None = None,
                     slower_at: float = SLOWER_AT, cancel: CancelCheck | None = None
                     ) -> PeerComparison:
    """Several cities side by side on their shared 手続ID (``analysis.peers``).

    A target is a project (analysed as-is and with ``scenario``, no counter model, from a
    frozen snapshot) or a city's ``bpr-studio export --what procedures`` CSV (as-is only:
    its saving and to-be stay blank). A city is named by ``names``, else by its
    自治体名・プロジェクト名 (project-info), or a CSV by its file name."""
    from bpr_studio.io.peer_csv import read_procedure_export

    cities = []
    for index, target in enumerate(targets):
        given = names[index] if names and index < len(names) else None
        if Path(target).suffix.lower() == ".csv":
            cities.append(city_figures(given or Path(target).stem,
                                       read_procedure_export(target), None))
            continue
        with open_snapshot(target) as project:
            city = given or project.title
            analysis = analyse(project, scenario, counter=False, cancel=cancel)
        saved = {row.procedure_id: row.staff_hours_saved for row in analysis.ranking.rows}
        cities.append(city_figures(city, analysis.comparison.as_is.procedures, saved,
                                   analysis.comparison.to_be.procedures))
    return compare_cities(cities, slower_at)
