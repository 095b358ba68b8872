"""Where a project file becomes the plain data analysis and cost_model work on.

``analysis`` and ``cost_model`` never read or write the store (the layer contract in
pyproject.toml): they take frames, a :class:`cost_model.unit_costs.UnitCostTable`, a
:class:`cost_model.readiness.ReadinessRubric` and :class:`analysis.scenario.Scenario`
objects. This module reads those from a project (one query each) and saves the ones the
app edits: unit-cost overrides and scenarios. ``bpr_studio.pipeline`` builds on it.
"""

from __future__ import annotations

import pickle
from concurrent.futures import Executor
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, delete, func, literal_column, select

from analysis.scenario import Scenario, default_scenario
from bpr_studio.model import tables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.queries import procedures_frame, read_frame
from bpr_studio.store import Project, frozen_file
from bpr_studio.table_reads import file_frame, shared_strings
from cost_model.costs import CostResult, compute_costs
from cost_model.readiness import ReadinessRubric
from cost_model.unit_costs import UnitCostTable, UnitCostValue, default_table, validate_unit_cost

__all__ = ["RUBRIC_META_KEY", "STEP_COLUMNS", "delete_scenario", "get_scenario",
           "list_scenarios", "load_frames", "load_rubric", "load_unit_costs",
           "reset_unit_cost", "save_scenario", "scenario_versions", "score_project",
           "set_unit_cost", "stored_step_count", "unit_cost_versions"]

RUBRIC_META_KEY = "readiness_rubric"
STEP_COLUMNS = (
    "procedure_id", "step_no", "name", "actor", "work_kind", "typical_minutes", "share_pct",
    "medium", "staff_category", "wait_days", "physical_burden", "cognitive_burden",
    "psychological_burden", "enjoyment", "min_minutes", "max_minutes", "manual_entry", "seal",
    "source_file", "source_sheet", "source_row",
)


# --- procedures, steps, links; the readiness rubric; the five costs -------------------

def load_rubric(project: Project) -> ReadinessRubric:
    text = project.meta(RUBRIC_META_KEY)
    return ReadinessRubric.from_json(text) if text else ReadinessRubric()


# Fewer steps are read here sooner than a just-started worker process is ready to help
# (~1 s at 45,000 steps, the generated 3,000-procedure city; ~4 s at 450,000).
HELPED_STEPS = 150_000


def load_frames(project: Project, survey_round: str | None = None,
                helpers: Executor | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(procedures, steps, links) of the project, one query each; with ``survey_round``,
    those of that stored re-survey round instead (the same columns; 効果測定).

    ``helpers``: worker processes (a report's run's, started before the project is read)
    that read the second half of a frozen snapshot's steps and its links while this
    process reads the rest (``table_reads``): the same rows in the same order, of the
    same types. Any other project is read here alone (another user may be writing it),
    and so is a project of fewer than :data:`HELPED_STEPS` steps."""
    if survey_round is not None:
        from bpr_studio.io.survey_rounds import round_frames

        return round_frames(project, survey_round)
    steps, links = tables.Step.__table__, tables.StepLink.__table__
    # In id order: SQLite's own order (rowid = id) made explicit, so PostgreSQL, whose
    # heap order changes when a row is updated, gives the same rows in the same order
    # and the same seed gives the same figures on both.
    step_query = select(*[steps.c[name] for name in STEP_COLUMNS]).order_by(steps.c.id)
    link_query = select(links.c.procedure_id, links.c.from_step_no, links.c.to_step_no,
                        links.c.probability, links.c.parallel).order_by(links.c.id)
    file = frozen_file(project) if helpers is not None else None
    low = high = count = 0
    if file is not None:
        with project.engine.connect() as conn:
            low, high, count = conn.execute(select(func.min(steps.c.id), func.max(steps.c.id),
                                                   func.count())).one()
    if helpers is None or file is None or count < HELPED_STEPS:
        step_frame = shared_strings(with_missing_times(read_frame(project, step_query)))
        link_frame = shared_strings(read_frame(project, link_query))
        return procedures_frame(project), step_frame, link_frame
    # The middle id written into the queries (a worker runs them as text, no parameters).
    middle: ColumnElement[Any] = literal_column(str((int(low or 0) + int(high or 0)) // 2))
    later = helpers.submit(file_frame, str(file), _text(step_query.where(steps.c.id > middle)))
    linked = helpers.submit(file_frame, str(file), _text(link_query))
    first = shared_strings(read_frame(project, step_query.where(steps.c.id <= middle)))
    procedure_frame = procedures_frame(project)
    # The missing times marked on the whole, as on one read (a half without any keeps
    # its columns' types otherwise).
    step_frame = with_missing_times(pd.concat([first, pickle.loads(later.result())],
                                              ignore_index=True))
    return procedure_frame, step_frame, pickle.loads(linked.result())


def _text(query: Select[Any]) -> str:
    """SQLite's text of a parameter-free query (``table_reads.file_frame``)."""
    from sqlalchemy.dialects import sqlite

    return str(query.compile(dialect=sqlite.dialect()))


def stored_step_count(project: Project) -> int:
    """How many steps the project's procedures have (one COUNT: to size work before the
    steps are read)."""
    with project.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.Step.__table__))
                   .scalar_one())


def with_missing_times(steps: pd.DataFrame) -> pd.DataFrame:
    """Steps whose time is blank (a BPMN task without one) count as 0 minutes, explicitly:
    ``time_missing`` marks them, the import's stored 要確認 warning names them, and every
    total that includes them is a lower bound until the time is entered. Nothing is
    imputed: a guess from similar steps would look like data.

    >>> frame = pd.DataFrame({"typical_minutes": [5.0, None], "min_minutes": [3.0, None],
    ...                       "max_minutes": [9.0, None]})
    >>> with_missing_times(frame)[["typical_minutes", "time_missing"]].values.tolist()
    [[5.0, False], [0.0, True]]
    """
    if steps.empty or "typical_minutes" not in steps.columns:
        return steps
    missing = steps["typical_minutes"].isna()
    steps = steps.copy()
    steps["time_missing"] = missing.to_numpy()
    if missing.any():
        for column in ("min_minutes", "typical_minutes", "max_minutes"):
            if column in steps.columns:
                steps[column] = steps[column].astype(float).where(~missing, 0.0)
    return steps


def score_project(project: Project) -> CostResult:
    """The five costs and readiness levels of every procedure of the project."""
    procedures, steps, links = load_frames(project)
    return compute_costs(procedures, steps, links, load_unit_costs(project), load_rubric(project))


# --- unit costs: defaults ← project overrides ← a section's survey sheet --------------

def load_unit_costs(project: Project) -> UnitCostTable:
    table = default_table()
    t = tables.UnitCost.__table__
    with project.engine.connect() as conn:
        rows = conn.execute(select(t.c.scope, t.c.key, t.c.value, t.c.source)).all()
    for scope, key, value, source in rows:
        if key not in DEFAULTS_BY_KEY:
            continue
        entry = UnitCostValue(key, float(value), source or "", False)
        if scope:
            table.sections.setdefault(scope, {})[key] = entry
        else:
            table.project[key] = entry
    return table


def set_unit_cost(project: Project, key: str, value: object, source: str) -> float | None:
    """Set a project-wide unit cost; returns the previous override (None = was the default).

    Raises :class:`cost_model.unit_costs.UnitCostError` for a value that cannot be used.
    """
    number = validate_unit_cost(key, value)
    project.require_writable()
    from bpr_studio.edits import SetUnitCostEdit

    inverse = SetUnitCostEdit(key, number, source).apply(project)
    return inverse.value


def reset_unit_cost(project: Project, key: str) -> None:
    """Back to the default value."""
    from bpr_studio.edits import SetUnitCostEdit

    SetUnitCostEdit(key, None).apply(project)


# --- scenarios ------------------------------------------------------------------------

def list_scenarios(project: Project) -> list[Scenario]:
    """The project's scenarios; a project without any gets the default one (saved, unless
    the project is open read-only)."""
    t = tables.Scenario.__table__
    with project.engine.connect() as conn:
        rows = conn.execute(select(t.c.name, t.c.description, t.c.measures).order_by(t.c.id)).all()
    if not rows and not project.read_only:
        from contextlib import suppress

        from bpr_studio.team import OwnershipError

        with suppress(OwnershipError):  # a section's staff: shown, saved by DX staff later
            save_scenario(project, default_scenario())
        return [default_scenario()]
    return [Scenario.from_row(*row) for row in rows] or [default_scenario()]


def scenario_versions(project: Project) -> dict[str, int]:
    """Each scenario's row version (an edit made on an older one is refused)."""
    t = tables.Scenario.__table__
    with project.engine.connect() as conn:
        return {name: int(version) for name, version in conn.execute(
            select(t.c.name, t.c.row_version))}


def unit_cost_versions(project: Project) -> dict[str, int]:
    """Each project-wide unit cost override's row version (an edit made on an older one
    is refused; a key without an override is version 0)."""
    t = tables.UnitCost.__table__
    with project.engine.connect() as conn:
        return {key: int(version) for key, version in conn.execute(
            select(t.c.key, t.c.row_version).where(t.c.scope == ""))}


def get_scenario(project: Project, name: str) -> Scenario:
    """The scenario called ``name``; ``KeyError`` naming the known ones if there is none."""
    for scenario in list_scenarios(project):
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in list_scenarios(project))
    raise KeyError(f"シナリオ「{name}」はありません（あるシナリオ: {known}）")


def get_scenario_and_version(project: Project, name: str) -> tuple[Scenario, int | None]:
    """``get_scenario`` and the version read (None: not saved yet), for a read-modify-write
    that must not overwrite a change someone else saved in between (``save_scenario_seen``)."""
    version = scenario_versions(project).get(name)
    return get_scenario(project, name), version


def save_scenario_seen(project: Project, scenario: Scenario, version: int | None) -> None:
    """Save a scenario changed from the one read at ``version``: refused with who changed
    it (a StaleEditError) if it changed since, so neither change is lost silently; it
    keeps its place in the list."""
    from bpr_studio.scenario_edits import SaveScenario

    SaveScenario(scenario, expected_version=version).apply(project)


def save_scenario(project: Project, scenario: Scenario) -> None:
    project.require_writable()
    t = tables.Scenario.__table__
    from bpr_studio import team

    with project.engine.begin() as conn:
        team.require_section(project, conn, None, f"シナリオ「{scenario.name}」")
        version = conn.execute(select(t.c.row_version).where(t.c.name == scenario.name)).scalar()
        conn.execute(delete(t).where(t.c.name == scenario.name))
        conn.execute(t.insert().values(name=scenario.name, description=scenario.description,
                                       measures=scenario.to_json(),
                                       row_version=(version or 0) + 1, updated_by=project.user))


def delete_scenario(project: Project, name: str) -> None:
    project.require_writable()
    t = tables.Scenario.__table__
    from bpr_studio import team

    with project.engine.begin() as conn:
        team.require_section(project, conn, None, f"シナリオ「{name}」")
        conn.execute(delete(t).where(t.c.name == name))
