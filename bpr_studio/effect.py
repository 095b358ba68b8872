"""Effect measurement of a project: a scenario's plan against a stored re-survey round.

The one place that turns a project into :func:`analysis.effect.measure_effect`'s inputs;
``bpr-studio effect``, the app's 効果測定 view and the report's 効果測定 sheet call
:func:`run_effect`. Qt-free; takes a progress callback and a cancel check like the
pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.attribution import attribute_savings
from analysis.compare import Comparison, ProjectModel, compare
from analysis.effect import measure_effect
from analysis.effect_result import EffectResult
from analysis.montecarlo import SimulationCancelled
from analysis.scenario import Scenario
from bpr_studio.io.survey_rounds import RoundInfo, list_rounds
from bpr_studio.loading import get_scenario, load_frames
from bpr_studio.store import Project, ProjectError, open_project
from cost_model.costs import compute_costs

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

__all__ = ["EffectRun", "effect_at", "latest_round", "run_effect"]


def latest_round(project: Project) -> str | None:
    """The newest stored re-survey round, or None when the project has none."""
    rounds = list_rounds(project)
    return rounds[-1].name if rounds else None


def run_effect(project: Project, scenario: str | Scenario, round_name: str | None = None,
               model: ProjectModel | None = None, progress: Progress | None = None,
               cancel: CancelCheck | None = None, comparison: Comparison | None = None,
               attributed: dict[str, np.ndarray] | None = None,
               paper: tuple[np.ndarray, np.ndarray] | None = None) -> EffectResult:
    """Planned (``scenario``) against actual (the baseline against ``round_name``, by
    default the newest round). Raises ProjectError when there is no such round (or none),
    KeyError for an unknown scenario, SimulationCancelled when ``cancel()`` turns true.
    ``comparison``: the scenario's comparison when the caller has made it (the report's
    simulation), so the project is not compared again; with a comparison of joined chunks
    (no step tables), its savings by measure (``attributed``) and the as-is and to-be
    paper sheets (``analysis.effect.paper_sheets``) made where the chunks ran."""
    from bpr_studio.pipeline import load_model

    def step(done: int, label: str) -> None:
        if cancel is not None and cancel():
            raise SimulationCancelled
        if progress is not None:
            progress(done, 100, label)

    rounds = {r.name: r for r in list_rounds(project)}
    name = round_name or latest_round(project)
    if name is None or name not in rounds:
        raise ProjectError("round_missing", name=name or "-", known=", ".join(rounds) or "-")
    info = rounds[name]
    chosen = scenario if isinstance(scenario, Scenario) else get_scenario(project, scenario)
    step(5, "読み込み")
    model = model or load_model(project)
    step(25, "計画（シナリオ）")
    if comparison is None:
        comparison = compare(model, chosen)
    if attributed is None:
        attributed, _touched = attribute_savings(comparison, model.unit_costs, comparison.values)
    step(65, "再調査")
    procedures, steps, links = load_frames(project, name)
    costs = compute_costs(procedures, steps, links, model.unit_costs, model.rubric)
    baseline = load_frames(project)[0]
    step(85, "計画と実績の比較")
    result = measure_effect(
        comparison, attributed, costs, steps, scenario=chosen.name, round_name=name,
        surveyed_on=info.surveyed_on, fiscal_year=info.fiscal_year,
        measure_order=[u.measure for u in chosen.measures],
        baseline_files=_files(baseline), resurvey_files=_files(procedures), cancel=cancel,
        paper=paper)
    step(100, "完了")
    return result


def _files(procedures: pd.DataFrame) -> dict[str, str]:
    """Procedure ID → the survey file its row came from (the figure's source)."""
    return {str(pid): file for pid, file in zip(procedures["procedure_id"],
                                                procedures["source_file"], strict=True)
            if isinstance(file, str)}


@dataclass
class EffectRun:
    """What the app's 効果測定 view shows: the stored rounds and, when there is one, the
    comparison with the chosen (else the newest) round."""

    rounds: list[RoundInfo]
    result: EffectResult | None


def effect_at(path: Path, scenario: str | Scenario, round_name: str | None = None,
              progress: Progress | None = None, cancel: CancelCheck | None = None) -> EffectRun:
    """:func:`run_effect` on a project file opened (and closed) here, for workers; no
    result (and no error) when the project has no re-survey yet."""
    with open_project(path) as project:
        rounds = list_rounds(project)
        if not rounds:
            return EffectRun(rounds, None)
        if round_name not in {r.name for r in rounds}:
            round_name = rounds[-1].name
        return EffectRun(rounds, run_effect(project, scenario, round_name, progress=progress,
                                            cancel=cancel))
