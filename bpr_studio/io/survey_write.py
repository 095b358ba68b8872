"""Write a checked batch into a project: one transaction, all or nothing.

:func:`write_batch` replaces the batch's sections (or, for BPMN files, their own
procedures): the rows it replaces go to the import history first, so the import can
be undone; the new rows carry one more row version than those they replace, so an
edit made on the old rows is refused as stale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select

from bpr_studio import team
from bpr_studio.io import checks
from bpr_studio.io.bulk_insert import bulk_insert, flag
from bpr_studio.io.gc_pause import paused_gc
from bpr_studio.io.import_history import save_snapshot
from bpr_studio.io.report import ERROR, ImportReport
from bpr_studio.io.step_rows import (
    LINK_COLUMNS,
    STEP_COLUMNS,
    STEP_ROW_COLUMNS,
    file_name,
    plain_values,
    step_values,
)
from bpr_studio.io.survey_batch import ParsedBatch, check_ownership
from bpr_studio.io.survey_format import PROCEDURES
from bpr_studio.model import tables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.store import Project

Record = dict[str, Any]


def existing_sections(project: Project) -> dict[str, str]:
    """Procedure ID → owning section, for procedures that came from a survey.

    Procedures from the national inventory belong to no section yet: a section's
    survey may claim them by using the national 手続ID.
    """
    with project.engine.connect() as conn:
        return _owners(conn)


_PROCEDURE_FIELDS = [c.key for c in PROCEDURES.columns]


def procedure_row(p: Record, batch_id: int) -> dict[str, Any]:
    row = {k: p.get(k) for k in _PROCEDURE_FIELDS}
    row["category"] = row["category"] or "other"
    row["annual_cases"] = row["annual_cases"] or 0
    row["peak_months"] = ",".join(map(str, p["peak_months"])) if p.get("peak_months") else None
    row.update(origin="survey", source_file=file_name(p["_file"]), source_row=p["_row"],
               batch_id=batch_id)
    return row


PROCEDURE_ROW_COLUMNS = (*_PROCEDURE_FIELDS, "origin", "source_file", "source_row", "batch_id",
                         "row_version", "updated_by")
_CATEGORY, _CASES, _PEAK, _VISIT = (_PROCEDURE_FIELDS.index(k) for k in (
    "category", "annual_cases", "peak_months", "visit_required"))


def procedure_values(p: Record, batch_id: int, version: int, user: str,
                     as_flag: Callable[[Any], Any] = bool) -> list[Any]:
    """:func:`procedure_row` and its version and editor as a list in the order of
    PROCEDURE_ROW_COLUMNS (30,000 dicts of 32 keys were a fifth of a prefecture's write);
    ``as_flag`` as for bulk_insert(flags_as_int=True)."""
    row = list(map(p.get, _PROCEDURE_FIELDS))
    row[_CATEGORY] = row[_CATEGORY] or "other"
    row[_CASES] = row[_CASES] or 0
    peak = row[_PEAK]
    row[_PEAK] = ",".join(map(str, peak)) if peak else None
    if row[_VISIT] is not None:
        row[_VISIT] = as_flag(row[_VISIT])
    row += ("survey", file_name(p["_file"]), p["_row"], batch_id, version, user)
    return row


def step_row(s: Record) -> dict[str, Any]:
    return dict(zip(STEP_COLUMNS, step_values(s), strict=True))


def write_batch(project: Project, batch: ParsedBatch) -> ImportReport:
    """Replace the batch's sections in one transaction. Refuses a batch with errors.

    Ownership of procedure IDs is checked again under the write lock (another import
    may have claimed an ID since the batch was checked); the rows about to be
    replaced are kept in the import history, so the import can be undone.
    """
    with paused_gc():  # gc_pause: the batch's records and rows live to the end
        return _write_batch(project, batch)


def _write_batch(project: Project, batch: ParsedBatch) -> ImportReport:
    report = batch.report
    if not report.ok:
        return report
    project.require_writable()
    procedure_ids = {p["procedure_id"] for p in batch.procedures}
    unchecked = _without_key_checks(project, batch, procedure_ids)
    try:
        return _write_locked(project, batch, procedure_ids, unchecked)
    except _ProjectNotEmpty:  # another import got in first: the usual way, checks on
        return _write_locked(project, batch, procedure_ids, False)


class _ProjectNotEmpty(Exception):
    pass


def _without_key_checks(project: Project, batch: ParsedBatch, procedure_ids: set[str]) -> bool:
    """Whether SQLite may leave out the foreign-key checks of the new step and arrow rows
    (a quarter of copying them: one lookup of its procedure per row, a million at 30,000
    procedures). Only for a first import of parked rows into a project without
    procedures: nothing is deleted, so no cascade is needed, and every row's procedure
    is one the batch inserts — the reading processes build rows only for procedures
    their own file defines (step_rows), and ``counts`` names every procedure with rows.
    Checked again inside the write transaction."""
    if (batch.parked is None or batch.step_rows is None or batch.keep_steps
            or batch.step_updates or batch.steps or project.engine.dialect.name != "sqlite"
            or not set(batch.step_rows.counts) <= procedure_ids):
        return False
    with project.engine.connect() as conn:
        return not _holds_procedures(conn)


def _holds_procedures(conn: Any) -> bool:
    procedure_table = tables.Procedure.__table__
    return conn.execute(select(procedure_table.c.procedure_id).limit(1)).first() is not None


def _write_locked(project: Project, batch: ParsedBatch, procedure_ids: set[str],
                  unchecked: bool) -> ImportReport:
    report = batch.report
    sections = batch.replaced_sections
    # Files of parked rows are attached before the transaction (parked_rows).
    attach = (batch.parked.attachments()
              if batch.parked is not None and project.engine.dialect.name == "sqlite" else {})
    with project.write_transaction(attach, foreign_keys=not unchecked) as conn:
        if unchecked and _holds_procedures(conn):
            raise _ProjectNotEmpty
        owners = _owners(conn)
        # Whose rows this import replaces: its sections, and the procedures whose steps
        # a BPMN file updates (docs/team.md). Refused whole, before anything is written.
        touched = set(sections) | {owners[pid] for pid in batch.step_updates if pid in owners}
        team.require_sections(project, conn, sorted(touched),
                              "、".join(Path(f).name for f in report.files[:3]))
        check_ownership(batch.procedures, owners, report)
        gone = {pid for pid in batch.step_updates
                if owners.get(pid) is None or owners[pid] in sections or pid in procedure_ids}
        for pid in sorted(gone):
            step = next(s for s in batch.steps if s["procedure_id"] == pid)
            report.issues.append(checks._issue(step, ERROR, "unknown_procedure",
                                               "procedure_id", pid, id=pid))
        if not report.ok:
            conn.rollback()
            return report
        _write(conn, batch, report, sections, procedure_ids, project.user)
    report.written = True
    return report


def _owners(conn: Any) -> dict[str, str]:
    t = tables.Procedure.__table__
    rows = conn.execute(select(t.c.procedure_id, t.c.section).where(t.c.origin != "inventory"))
    return {pid: section for pid, section in rows}


def _versions_before(conn: Any, sections: list[str], procedure_ids: set[str],
                     step_updates: Any) -> tuple[dict[str, int], dict[str, int]]:
    """The row versions an import is about to replace (procedure's; its steps' highest).

    The new rows get one more, so an edit made in the app on the replaced rows is
    refused as stale, never applied to rows it was not made on."""
    p, s = tables.Procedure.__table__, tables.Step.__table__
    replaced = or_(p.c.section.in_(sections), p.c.procedure_id.in_(procedure_ids))
    procedures = dict(conn.execute(select(p.c.procedure_id, p.c.row_version).where(replaced)).all())
    ids = set(procedures) | set(step_updates)
    steps = dict(conn.execute(select(s.c.procedure_id, func.max(s.c.row_version))
                              .where(s.c.procedure_id.in_(ids)).group_by(s.c.procedure_id)).all())
    return procedures, steps


def _write(conn: Any, batch: ParsedBatch, report: ImportReport, sections: list[str],
           procedure_ids: set[str], user: str = "") -> None:
    procedure_table = tables.Procedure.__table__
    step_table, link_table = tables.Step.__table__, tables.StepLink.__table__
    # A project without procedures (a first import) has none to replace: the lookups of
    # the batch's IDs (30,000 bound values each, a second of the write) find nothing.
    replacing = _holds_procedures(conn)
    procedure_versions, step_versions = (
        _versions_before(conn, sections, procedure_ids, batch.step_updates) if replacing
        else ({}, {}))
    batch_id = conn.execute(tables.ImportBatch.__table__.insert().values(
        imported_at=datetime.now(UTC),
        files=json.dumps([Path(f).name for f in report.files], ensure_ascii=False),
        sections=json.dumps(batch.sections, ensure_ascii=False),
    ).returning(tables.ImportBatch.__table__.c.id)).scalar_one()
    save_snapshot(conn, batch_id, sections, procedure_ids, batch.step_updates,
                  procedures_stored=replacing)
    kept_steps = [dict(r) for r in conn.execute(select(step_table).where(
        step_table.c.procedure_id.in_(batch.keep_steps))).mappings()]
    kept_links = [dict(r) for r in conn.execute(select(link_table).where(
        link_table.c.procedure_id.in_(batch.keep_steps))).mappings()]
    conn.execute(delete(procedure_table).where(procedure_table.c.section.in_(sections)))
    if replacing:  # a procedure may move between sections being replaced: make room
        conn.execute(delete(procedure_table).where(
            procedure_table.c.procedure_id.in_(procedure_ids)))
    conn.execute(delete(step_table).where(step_table.c.procedure_id.in_(batch.step_updates)))
    conn.execute(delete(link_table).where(link_table.c.procedure_id.in_(batch.step_updates)))
    conn.execute(delete(tables.UnitCost.__table__).where(
        tables.UnitCost.__table__.c.scope.in_(sections)))
    conn.execute(delete(tables.StoredIssue.__table__).where(
        tables.StoredIssue.__table__.c.section.in_(sections)))
    if batch.bpmn_files:  # the open warnings of an earlier import of the same BPMN files
        issue_table = tables.StoredIssue.__table__
        conn.execute(delete(issue_table).where(
            issue_table.c.section.in_(batch.partial_sections),
            issue_table.c.file.in_([Path(f).name for f in batch.bpmn_files])))
    if batch.procedures:
        as_flag = flag(conn)
        bulk_insert(conn, procedure_table, PROCEDURE_ROW_COLUMNS, (
            procedure_values(p, batch_id, procedure_versions.get(p["procedure_id"], 0) + 1,
                             user, as_flag)
            for p in batch.procedures), flags_as_int=True)
    for kept_rows, table in ((kept_steps, step_table), (kept_links, link_table)):
        if kept_rows:
            columns = [k for k in kept_rows[0] if k != "id"]
            bulk_insert(conn, table, columns, ([r[k] for k in columns] for r in kept_rows))
    if batch.step_rows is not None:
        _write_step_rows(conn, batch, step_versions, user)
    if batch.steps:
        as_flag = flag(conn)
        bulk_insert(conn, step_table, STEP_ROW_COLUMNS, (
            (*step_values(s, as_flag), step_versions.get(s["procedure_id"], 0) + 1, user)
            for s in batch.steps), flags_as_int=True)
        bulk_insert(conn, link_table, LINK_COLUMNS, (
            (s["procedure_id"], s["step_no"], target, probability,
             as_flag(bool(s.get("_parallel"))))
            for s in batch.steps for target, probability in s.get("_links", [])),
            flags_as_int=True)
    section_of_file = {p["_file"]: p["section"] for p in batch.procedures}
    unit_costs = {}
    for record in batch.unit_costs:
        if record.get("key") in DEFAULTS_BY_KEY and record.get("value") is not None:
            scope = section_of_file.get(record["_file"], "")
            unit_costs[(scope, record["key"])] = {
                "scope": scope, "key": record["key"], "value": record["value"],
                "source": record.get("source") or file_name(record["_file"])}
    if unit_costs:
        conn.execute(tables.UnitCost.__table__.insert(), list(unit_costs.values()))
    kept = [i for i in report.issues if i.severity == "warning"]
    if kept:
        conn.execute(tables.StoredIssue.__table__.insert(), [
            {"batch_id": batch_id, "section": i.section, "severity": i.severity, "key": i.key,
             "file": Path(i.file).name, "sheet": i.sheet, "cell": i.cell, "value": i.value,
             "params": json.dumps(i.params, ensure_ascii=False, default=str)}
            for i in kept])


def _write_step_rows(conn: Any, batch: ParsedBatch, step_versions: dict[str, int],
                     user: str) -> None:
    """The rows the reading processes built (parse_batch(step_rows=...)), given the
    version and editor only the project knows. Rows parked in files attached to the
    connection are copied inside SQLite (parked_rows); any others are read back here."""
    assert batch.step_rows is not None
    rows, links = batch.step_rows.rows, batch.step_rows.links
    step_table, link_table = tables.Step.__table__, tables.StepLink.__table__
    sqlite = conn.dialect.name == "sqlite"
    ready = batch.rows_for_sqlite and sqlite
    parked = batch.parked
    if parked is not None:
        left = parked.segments
        if sqlite:
            # attached by write_batch before its transaction began
            left = parked.copy_into(conn, step_table.name, link_table.name, STEP_ROW_COLUMNS,
                                    step_versions, user, parked.attachments())
        if not left:
            return
        # Read back: blanks as None, flags 0/1, as SQLite keeps them.
        parked_steps, parked_links = parked.rows(left)
        rows, links, ready = list(parked_steps), list(parked_links), False
    for row in rows:  # [..., row_version, updated_by]
        row[-1] = user
    if step_versions:
        for row in rows:
            row[-2] = step_versions.get(row[0], 0) + 1
    if batch.rows_for_sqlite and not sqlite:  # read for SQLite, written elsewhere
        rows, links = plain_values(rows, STEP_ROW_COLUMNS), plain_values(links, LINK_COLUMNS)
    bulk_insert(conn, step_table, STEP_ROW_COLUMNS, rows, binds_ready=ready)
    bulk_insert(conn, link_table, LINK_COLUMNS, links, binds_ready=ready)

