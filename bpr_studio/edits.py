"""User edits as plain command objects. Applying one returns its inverse (for undo).

Every edit is validated the way the importer validates a survey cell (the same column
spec and parsers), and written in one transaction. The GUI wraps these in QUndoCommand;
nothing here knows about Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update

from bpr_studio.io import checks
from bpr_studio.io import normalize as nz
from bpr_studio.io.sheet_parser import parse_value
from bpr_studio.io.survey_format import PROCEDURES, STEPS, Column
from bpr_studio.messages import MessageError
from bpr_studio.model import tables
from bpr_studio.store import Project


class EditError(MessageError, ValueError):
    """An edit that cannot be made; the message says why, like an import problem."""


def parse_cell(column: Column, text: Any) -> Any:
    """A value typed into the app, parsed and range-checked like a survey cell."""
    if nz.is_blank(text):
        if column.required:
            raise EditError("required", column=column.ja)
        return None
    try:
        return parse_value(column, text)
    except nz.CellProblem as problem:
        raise EditError(problem.key, column=column.ja, **problem.params) from None


@dataclass
class SetProcedureField:
    procedure_id: str
    field: str
    value: Any
    parsed: bool = False  # True when value is already a clean value (undo)

    def apply(self, project: Project) -> SetProcedureField:
        if self.field in ("procedure_id", "section"):
            raise EditError("not_editable", column=PROCEDURES.column(self.field).ja)
        column = PROCEDURES.column(self.field)
        value = self.value if self.parsed else parse_cell(column, self.value)
        if self.field == "peak_months" and isinstance(value, list):
            value = ",".join(map(str, value))
        t = tables.Procedure.__table__
        project.require_writable()
        with project.engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.procedure_id == self.procedure_id)).mappings().one()
            if self.field in ("online_cases", "annual_cases"):
                online = value if self.field == "online_cases" else row["online_cases"]
                total = value if self.field == "annual_cases" else row["annual_cases"]
                if online is not None and total is not None and online > total:
                    raise EditError("online_exceeds_total", online=online, total=total)
            old = row[self.field]
            conn.execute(update(t).where(t.c.procedure_id == self.procedure_id)
                         .values({self.field: value}))
        return SetProcedureField(self.procedure_id, self.field, old, parsed=True)


@dataclass
class SetStepField:
    procedure_id: str
    step_no: int
    field: str
    value: Any
    parsed: bool = False

    def apply(self, project: Project) -> SetStepField:
        if self.field == "next_steps":
            return self._apply_next(project)
        if self.field in ("procedure_id", "step_no"):
            raise EditError("not_editable", column=STEPS.column(self.field).ja)
        column = STEPS.column(self.field)
        value = self.value if self.parsed else parse_cell(column, self.value)
        t = tables.Step.__table__
        project.require_writable()
        with project.engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.procedure_id == self.procedure_id,
                                               t.c.step_no == self.step_no)).mappings().one()
            merged = {**row, self.field: value}
            low, typical, high = (merged["min_minutes"], merged["typical_minutes"],
                                  merged["max_minutes"])
            if None not in (low, typical, high) and not low <= typical <= high:
                raise EditError("min_typical_max", min=f"{low:g}", typical=f"{typical:g}",
                                max=f"{high:g}")
            old = row[self.field]
            conn.execute(update(t).where(t.c.id == row["id"]).values({self.field: value}))
        return SetStepField(self.procedure_id, self.step_no, self.field, old, parsed=True)

    def _apply_next(self, project: Project) -> SetStepField:
        links = tables.StepLink.__table__
        steps = tables.Step.__table__
        project.require_writable()
        with project.engine.begin() as conn:
            numbers = sorted(n for (n,) in conn.execute(
                select(steps.c.step_no).where(steps.c.procedure_id == self.procedure_id)))
            old = [(t, p, bool(par)) for t, p, par in conn.execute(
                select(links.c.to_step_no, links.c.probability, links.c.parallel).where(
                    links.c.procedure_id == self.procedure_id,
                    links.c.from_step_no == self.step_no).order_by(links.c.id))]
            if self.parsed:
                new = list(self.value)
            else:
                raw = None if nz.is_blank(self.value) else parse_cell(
                    STEPS.column("next_steps"), self.value)
                record: dict[str, Any] = {"step_no": self.step_no, "next_steps": raw, "_cells": {},
                          "_row": 0, "_file": "", "_sheet": ""}
                following = next((n for n in numbers if n > self.step_no), None)
                by_no: dict[int, dict[str, Any]] = {n: {} for n in numbers}
                problems = checks._resolve_links(record, following, by_no, self.procedure_id)
                if problems:
                    issue = problems[0]
                    raise EditError(issue.key, **issue.params)
                new = [(t, p, bool(record.get("_parallel"))) for t, p in record["_links"]]
            conn.execute(delete(links).where(links.c.procedure_id == self.procedure_id,
                                             links.c.from_step_no == self.step_no))
            if new:
                conn.execute(insert(links), [
                    {"procedure_id": self.procedure_id, "from_step_no": self.step_no,
                     "to_step_no": t, "probability": p, "parallel": par} for t, p, par in new])
        return SetStepField(self.procedure_id, self.step_no, "next_steps", old, parsed=True)


@dataclass
class AddProcedure:
    """A new procedure with its steps (entered in the app instead of Excel)."""

    procedure: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, project: Project) -> DeleteProcedure:
        t = tables.Procedure.__table__
        project.require_writable()
        with project.engine.begin() as conn:
            exists = conn.execute(select(t.c.section).where(
                t.c.procedure_id == self.procedure["procedure_id"])).first()
            if exists is not None:
                raise EditError("duplicate_procedure_in_file", id=self.procedure["procedure_id"],
                                first=exists[0])
            conn.execute(insert(t), [{"origin": "app", **self.procedure}])
            if self.steps:
                conn.execute(insert(tables.Step.__table__), self.steps)
            if self.links:
                conn.execute(insert(tables.StepLink.__table__), self.links)
        return DeleteProcedure(self.procedure["procedure_id"])


@dataclass
class DeleteProcedure:
    procedure_id: str

    def apply(self, project: Project) -> AddProcedure:
        p, s, link = (tables.Procedure.__table__, tables.Step.__table__,
                      tables.StepLink.__table__)
        project.require_writable()
        with project.engine.begin() as conn:
            procedure = dict(conn.execute(select(p).where(
                p.c.procedure_id == self.procedure_id)).mappings().one())
            steps = [dict(r) for r in conn.execute(select(s).where(
                s.c.procedure_id == self.procedure_id)).mappings()]
            links = [dict(r) for r in conn.execute(select(link).where(
                link.c.procedure_id == self.procedure_id)).mappings()]
            conn.execute(delete(p).where(p.c.procedure_id == self.procedure_id))
        for row in steps + links:
            row.pop("id", None)
        return AddProcedure(procedure, steps, links)


@dataclass
class SetUnitCostEdit:
    key: str
    value: float | None  # None = back to the default
    source: str = ""

    def apply(self, project: Project) -> SetUnitCostEdit:
        from bpr_studio.loading import reset_unit_cost, set_unit_cost

        t = tables.UnitCost.__table__
        with project.engine.connect() as conn:
            old = conn.execute(select(t.c.value, t.c.source).where(
                t.c.scope == "", t.c.key == self.key)).first()
        if self.value is None:
            reset_unit_cost(project, self.key)
        else:
            set_unit_cost(project, self.key, self.value, self.source)
        return SetUnitCostEdit(self.key, None if old is None else old[0],
                               "" if old is None else old[1])


def describe(edit: Any, lang: str = "ja") -> str:
    """A short label for the undo history ('手続 SM-001 の 年間件数 を変更')."""
    own = getattr(edit, "describe", None)
    if callable(own):   # edits that say themselves (scenario edits, life events)
        return str(own(lang))
    if isinstance(edit, SetProcedureField):
        return f"{edit.procedure_id}: {PROCEDURES.column(edit.field).ja}"
    if isinstance(edit, SetStepField):
        return f"{edit.procedure_id} 工程{edit.step_no}: {STEPS.column(edit.field).ja}"
    if isinstance(edit, AddProcedure):
        return f"手続の追加 {edit.procedure['procedure_id']}"
    if isinstance(edit, DeleteProcedure):
        return f"手続の削除 {edit.procedure_id}"
    if isinstance(edit, SetUnitCostEdit):
        return f"単価 {edit.key}"
    return json.dumps(str(edit))
