"""Export a section's data back to the survey workbook format (format v1).

A section can correct its survey in Excel and send it back: re-importing the file
replaces the section's data, so a round trip changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from bpr_studio.io.survey_format import PROCEDURES, STEPS, SheetSpec
from bpr_studio.io.template import write_survey_workbook
from bpr_studio.model import tables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.queries import procedures_frame, steps_frame
from bpr_studio.store import Project


def _label(column_key: str, spec: SheetSpec, value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    column = spec.column(column_key)
    if column.code_list is not None:
        return column.code_list.ja(str(value))
    if column.kind == "bool":
        return "○" if bool(value) else "×"
    if isinstance(value, float) and value.is_integer() and column.kind in ("int", "rating"):
        return int(value)
    return value


def section_rows(project: Project, section: str,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    procedures = procedures_frame(project)
    procedures = procedures[procedures["section"] == section]
    ids = set(procedures["procedure_id"])
    steps = steps_frame(project)
    steps = steps[steps["procedure_id"].isin(ids)]
    procedure_rows = [{c.key: _label(c.key, PROCEDURES, r.get(c.key)) for c in PROCEDURES.columns}
                      for r in procedures.to_dict("records")]
    step_rows = [{c.key: _label(c.key, STEPS, r.get(c.key)) if c.key != "next_steps"
                  else (r.get("next_steps") or None) for c in STEPS.columns}
                 for r in steps.to_dict("records")]
    t = tables.UnitCost.__table__
    with project.engine.connect() as conn:
        overrides = {k: (v, s) for k, v, s in conn.execute(
            select(t.c.key, t.c.value, t.c.source).where(t.c.scope == section))}
    unit_rows = [{"key": u.key, "label": u.ja, "value": overrides.get(u.key, (None, ""))[0],
                  "unit": u.unit,
                  "source": overrides.get(u.key, (None, ""))[1] or u.note_ja()}
                 for u in DEFAULTS_BY_KEY.values()]
    return procedure_rows, step_rows, unit_rows


def export_section(project: Project, section: str, out: Path) -> Path:
    procedures, steps, unit_costs = section_rows(project, section)
    return write_survey_workbook(out, procedures, steps, unit_costs)
