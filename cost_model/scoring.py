"""Score a project: load its tables in one query each and compute the five costs and levels."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from bpr_studio.model import tables
from bpr_studio.queries import procedures_frame, read_frame
from bpr_studio.store import Project
from cost_model.costs import CostResult, compute_costs
from cost_model.readiness import ReadinessRubric
from cost_model.unit_costs import load_unit_costs

RUBRIC_META_KEY = "readiness_rubric"
STEP_COLUMNS = (
    "procedure_id", "step_no", "name", "actor", "work_kind", "typical_minutes", "share_pct",
    "medium", "staff_category", "wait_days", "physical_burden", "cognitive_burden",
    "psychological_burden", "enjoyment", "min_minutes", "max_minutes", "manual_entry", "seal",
    "source_file", "source_sheet", "source_row",
)


def load_rubric(project: Project) -> ReadinessRubric:
    text = project.meta(RUBRIC_META_KEY)
    return ReadinessRubric.from_json(text) if text else ReadinessRubric()


def load_frames(project: Project) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    steps, links = tables.Step.__table__, tables.StepLink.__table__
    step_frame = read_frame(project, select(*[steps.c[name] for name in STEP_COLUMNS]))
    link_frame = read_frame(project, select(links.c.procedure_id, links.c.from_step_no,
                                            links.c.to_step_no, links.c.probability))
    return procedures_frame(project), step_frame, link_frame


def score_project(project: Project) -> CostResult:
    procedures, steps, links = load_frames(project)
    return compute_costs(procedures, steps, links, load_unit_costs(project), load_rubric(project))
