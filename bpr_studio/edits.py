"""User edits as plain command objects. Applying one returns its inverse (for undo).

Every edit is validated the way the importer validates a survey cell (the same column
spec and parsers), and written in one transaction. The GUI wraps these in QUndoCommand;
nothing here knows about Qt.

Optimistic concurrency (docs/team.md): an edit carries the ``row_version`` of the row as
the user saw it (``expected_version``; None = not checked). Writing checks it in the same
UPDATE (``WHERE row_version = seen``), so of two people changing one step the first wins
and the second gets :class:`StaleEditError` naming who changed what; the inverse carries
the version the edit wrote, so an undo never overwrites someone else's later change.
Ownership (a section's staff change only their section's rows) is checked by
:mod:`bpr_studio.team` before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from bpr_studio import team
from bpr_studio.io import checks
from bpr_studio.io import normalize as nz
from bpr_studio.io.sheet_parser import parse_value
from bpr_studio.io.survey_format import PROCEDURES, STEPS, Column
from bpr_studio.messages import MessageError
from bpr_studio.model import tables
from bpr_studio.store import Project


class EditError(MessageError, ValueError):
    """An edit that cannot be made; the message says why, like an import problem."""


class StaleEditError(EditError):
    """The row changed (or went) since the user saw it: nothing was written; reload."""


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


def _shown(value: Any) -> str:
    if value is None:
        return "（空欄）"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def _arrows_text(arrows: list[tuple[Any, Any, bool]]) -> str | None:
    """A step's arrows (次工程) as the survey writes them, e.g. ``3(80%); 5(20%)``."""
    if not arrows:
        return None
    return nz.format_next_steps([(t, p) for t, p, _ in arrows],
                                parallel=any(par for _, _, par in arrows))


def stale_error(what: str, column: str, row: Any, typed: Any) -> StaleEditError:
    """The refusal of an edit made on stale data: who changed the row, its value now, and
    the value that was not saved (so the user can type it again after looking)."""
    if row is None:
        return StaleEditError("stale_edit_gone", what=what, value=_shown(typed))
    who = row["updated_by"] or "—"
    current = row.get(column) if hasattr(row, "get") else None
    return StaleEditError("stale_edit", what=what, who=who, column=column,
                          current=_shown(current), value=_shown(typed))


def guarded_update(conn: Connection, table: Table, where: Any, row: Any,
                   expected: int | None, values: dict[str, Any], user: str,
                   refuse: Any) -> int:
    """UPDATE one row if it is still at the version the user saw; its new version.

    ``row`` is the row as read in this transaction; ``refuse()`` builds the error. The
    version is checked twice: against what the user saw, and in the UPDATE itself, so a
    change committed by someone else between our read and our write is caught too (on
    PostgreSQL the UPDATE waits for their transaction and then finds no row).
    """
    if expected is not None and row["row_version"] != expected:
        raise refuse(row)
    version = row["row_version"]
    written = conn.execute(update(table).where(where, table.c.row_version == version)
                           .values({**values, "row_version": version + 1, "updated_by": user}))
    if written.rowcount != 1:
        current = conn.execute(select(table).where(where)).mappings().first()
        raise refuse(current)
    return int(version) + 1


@dataclass
class SetProcedureField:
    procedure_id: str
    field: str
    value: Any
    parsed: bool = False  # True when value is already a clean value (undo)
    expected_version: int | None = None

    def apply(self, project: Project) -> SetProcedureField:
        if self.field in ("procedure_id", "section"):
            raise EditError("not_editable", column=PROCEDURES.column(self.field).ja)
        column = PROCEDURES.column(self.field)
        value = self.value if self.parsed else parse_cell(column, self.value)
        if self.field == "peak_months" and isinstance(value, list):
            value = ",".join(map(str, value))
        t = tables.Procedure.__table__
        project.require_writable()
        what = f"手続 {self.procedure_id}"
        with project.engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.procedure_id == self.procedure_id)
                               ).mappings().first()
            if row is None:
                raise stale_error(what, self.field, None, value)
            team.require_section(project, conn, row["section"], what)
            if self.field in ("online_cases", "annual_cases"):
                online = value if self.field == "online_cases" else row["online_cases"]
                total = value if self.field == "annual_cases" else row["annual_cases"]
                if online is not None and total is not None and online > total:
                    raise EditError("online_exceeds_total", online=online, total=total)
            old = row[self.field]
            version = guarded_update(
                conn, t, t.c.procedure_id == self.procedure_id, row, self.expected_version,
                {self.field: value}, project.user,
                lambda now: stale_error(what, self.field, now, value))
        return SetProcedureField(self.procedure_id, self.field, old, parsed=True,
                                 expected_version=version)


@dataclass
class SetStepField:
    procedure_id: str
    step_no: int
    field: str
    value: Any
    parsed: bool = False
    expected_version: int | None = None

    def _read(self, project: Project, conn: Connection, typed: Any) -> Any:
        t = tables.Step.__table__
        row = conn.execute(select(t).where(t.c.procedure_id == self.procedure_id,
                                           t.c.step_no == self.step_no)).mappings().first()
        if row is None:
            raise stale_error(self._what, self.field, None, typed)
        section = conn.execute(select(tables.Procedure.__table__.c.section).where(
            tables.Procedure.__table__.c.procedure_id == self.procedure_id)).scalar()
        team.require_section(project, conn, section, self._what)
        return row

    @property
    def _what(self) -> str:
        return f"手続 {self.procedure_id} の工程{self.step_no}"

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
            row = self._read(project, conn, value)
            merged = {**row, self.field: value}
            low, typical, high = (merged["min_minutes"], merged["typical_minutes"],
                                  merged["max_minutes"])
            if None not in (low, typical, high) and not low <= typical <= high:
                raise EditError("min_typical_max", min=f"{low:g}", typical=f"{typical:g}",
                                max=f"{high:g}")
            old = row[self.field]
            version = guarded_update(
                conn, t, t.c.id == row["id"], row, self.expected_version, {self.field: value},
                project.user, lambda now: stale_error(self._what, self.field, now, value))
        return SetStepField(self.procedure_id, self.step_no, self.field, old, parsed=True,
                            expected_version=version)

    def _links_now(self, conn: Connection, links: Table) -> list[tuple[Any, Any, bool]]:
        return [(t, p, bool(par)) for t, p, par in conn.execute(
            select(links.c.to_step_no, links.c.probability, links.c.parallel).where(
                links.c.procedure_id == self.procedure_id,
                links.c.from_step_no == self.step_no).order_by(links.c.id))]

    def _apply_next(self, project: Project) -> SetStepField:
        """The step's arrows (次工程) belong to the step: its version guards them."""
        links = tables.StepLink.__table__
        steps = tables.Step.__table__
        project.require_writable()
        with project.engine.begin() as conn:
            row = self._read(project, conn, self.value)
            numbers = sorted(n for (n,) in conn.execute(
                select(steps.c.step_no).where(steps.c.procedure_id == self.procedure_id)))
            old = self._links_now(conn, links)
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
            typed = (_arrows_text(self.value) if isinstance(self.value, list)
                     else None if nz.is_blank(self.value) else self.value)

            def refuse(now: Any) -> StaleEditError:
                # The arrows live in their own table: show them as the survey writes them.
                shown = None if now is None else {
                    **now, "next_steps": _arrows_text(self._links_now(conn, links))}
                return stale_error(self._what, "next_steps", shown, typed)
            version = guarded_update(
                conn, steps, steps.c.id == row["id"], row, self.expected_version, {},
                project.user, refuse)
            conn.execute(delete(links).where(links.c.procedure_id == self.procedure_id,
                                             links.c.from_step_no == self.step_no))
            if new:
                conn.execute(insert(links), [
                    {"procedure_id": self.procedure_id, "from_step_no": self.step_no,
                     "to_step_no": t, "probability": p, "parallel": par} for t, p, par in new])
        return SetStepField(self.procedure_id, self.step_no, "next_steps", old, parsed=True,
                            expected_version=version)


@dataclass
class AddProcedure:
    """A new procedure with its steps (entered in the app instead of Excel)."""

    procedure: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, project: Project) -> DeleteProcedure:
        t = tables.Procedure.__table__
        project.require_writable()
        pid = self.procedure["procedure_id"]
        with project.engine.begin() as conn:
            team.require_section(project, conn, self.procedure.get("section"), f"手続 {pid}")
            exists = conn.execute(select(t.c.section).where(t.c.procedure_id == pid)).first()
            if exists is not None:
                raise EditError("duplicate_procedure_in_file", id=pid, first=exists[0])
            # Put back after a deletion (undo): one version on, so an edit made on the
            # rows before they were deleted is still refused.
            version = int(self.procedure.get("row_version") or 0) + 1
            conn.execute(insert(t), [{"origin": "app", **self.procedure,
                                      "row_version": version, "updated_by": project.user}])
            if self.steps:
                conn.execute(insert(tables.Step.__table__), [
                    {**s, "row_version": int(s.get("row_version") or 0) + 1,
                     "updated_by": project.user} for s in self.steps])
            if self.links:
                conn.execute(insert(tables.StepLink.__table__), self.links)
        return DeleteProcedure(pid, expected_version=version)


@dataclass
class DeleteProcedure:
    procedure_id: str
    expected_version: int | None = None

    def apply(self, project: Project) -> AddProcedure:
        p, s, link = (tables.Procedure.__table__, tables.Step.__table__,
                      tables.StepLink.__table__)
        project.require_writable()
        what = f"手続 {self.procedure_id}"
        with project.engine.begin() as conn:
            found = conn.execute(select(p).where(
                p.c.procedure_id == self.procedure_id)).mappings().first()
            if found is None:
                raise StaleEditError("stale_delete_gone", what=what)
            procedure = dict(found)
            team.require_section(project, conn, procedure["section"], what)
            steps = [dict(r) for r in conn.execute(select(s).where(
                s.c.procedure_id == self.procedure_id)).mappings()]
            links = [dict(r) for r in conn.execute(select(link).where(
                link.c.procedure_id == self.procedure_id)).mappings()]
            version = procedure["row_version"]
            if self.expected_version is not None and version != self.expected_version:
                raise StaleEditError("stale_delete", what=what,
                                     who=found["updated_by"] or "—")
            gone = conn.execute(delete(p).where(p.c.procedure_id == self.procedure_id,
                                                p.c.row_version == version))
            if gone.rowcount != 1:
                raise StaleEditError("stale_delete_gone", what=what)
        for row in steps + links:
            row.pop("id", None)
        return AddProcedure(procedure, steps, links)


@dataclass
class SetUnitCostEdit:
    """A project-wide unit cost (scope ''), or back to the default (``value`` None).

    ``expected_version``: the override row's version as seen (0 = no override was seen;
    None = not checked). Changing the project's unit costs is DX staff's (docs/team.md).
    """

    key: str
    value: float | None  # None = back to the default
    source: str = ""
    expected_version: int | None = None

    def apply(self, project: Project) -> SetUnitCostEdit:
        from cost_model.unit_costs import validate_unit_cost

        t = tables.UnitCost.__table__
        number = None if self.value is None else validate_unit_cost(self.key, self.value)
        project.require_writable()
        what = f"単価 {self.key}"
        where = (t.c.scope == "") & (t.c.key == self.key)
        with project.engine.begin() as conn:
            team.require_section(project, conn, None, what)
            row = conn.execute(select(t).where(where)).mappings().first()
            seen = 0 if row is None else row["row_version"]
            if self.expected_version is not None and seen != self.expected_version:
                raise stale_error(what, "value", row, number)
            if number is None:
                if row is not None:
                    conn.execute(delete(t).where(where, t.c.row_version == seen))
                version = 0
            elif row is None:
                conn.execute(insert(t).values(scope="", key=self.key, value=number,
                                              source=self.source, row_version=1,
                                              updated_by=project.user))
                version = 1
            else:
                version = guarded_update(
                    conn, t, where, row, None, {"value": number, "source": self.source},
                    project.user, lambda now: stale_error(what, "value", now, number))
        return SetUnitCostEdit(self.key, None if row is None else row["value"],
                               "" if row is None else row["source"], expected_version=version)


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
