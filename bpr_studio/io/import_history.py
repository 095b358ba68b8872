"""The import history: what a re-import will replace, what it did replace, and undo.

Before a batch is written, :func:`plan_changes` lists per section how many procedures
and steps go and come (the import dialog and ``import --dry-run`` show it). While it is
written, :func:`save_snapshot` stores the rows it deletes, compressed, in the same
transaction; :func:`undo_last_import` puts them back.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, delete, func, or_, select

from bpr_studio.model import tables
from bpr_studio.store import Project, ProjectError

# Older snapshots are dropped beyond this many imports (each holds one batch's sections).
KEEP_SNAPSHOTS = 20


@dataclass
class SectionChange:
    """What writing a batch does to one section (or, for steps-only files, its steps)."""

    section: str
    before_procedures: int = 0
    before_steps: int = 0
    after_procedures: int = 0
    after_steps: int = 0
    removed: list[str] = field(default_factory=list)  # procedure IDs that disappear
    steps_only: bool = False

    @property
    def destructive(self) -> bool:
        return bool(self.removed) or self.before_procedures > 0 or self.before_steps > 0

    def describe(self, lang: str = "ja") -> str:
        removed = ", ".join(self.removed[:10]) + (" …" if len(self.removed) > 10 else "")
        if lang == "ja":
            text = (f"{self.section}: 手続 {self.before_procedures} → {self.after_procedures} 件、"
                    f"工程 {self.before_steps} → {self.after_steps} 件")
            if self.steps_only:
                text += "（工程のみ置き換え）"
            return text + (f"。削除される手続: {removed}" if removed else "")
        text = (f"{self.section}: procedures {self.before_procedures} → {self.after_procedures}, "
                f"steps {self.before_steps} → {self.after_steps}")
        if self.steps_only:
            text += " (steps only)"
        return text + (f". Procedures removed: {removed}" if removed else "")


@dataclass
class UndoneImport:
    batch_id: int
    imported_at: str
    files: list[str]
    sections: list[str]


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


def plan_changes(project: Project, batch: Any) -> list[SectionChange]:
    """Per section the batch replaces: counts before and after, and the IDs removed."""
    procedure, step = _t(tables.Procedure), _t(tables.Step)
    new_ids_by_section: dict[str, set[str]] = {}
    for p in batch.procedures:
        new_ids_by_section.setdefault(p["section"], set()).add(p["procedure_id"])
    steps_by_id: dict[str, int] = batch.step_counts()
    kept_steps = set(getattr(batch, "keep_steps", ()))
    # Sections a BPMN file adds to: their other procedures stay (survey_import.ParsedBatch).
    partial = set(getattr(batch, "partial_sections", ()))
    changes: list[SectionChange] = []
    with project.engine.connect() as conn:
        existing_steps: dict[str, int] = dict(conn.execute(
            select(step.c.procedure_id, func.count()).group_by(step.c.procedure_id)).all())
        for section, new_ids in sorted(new_ids_by_section.items()):
            old_ids = set(conn.execute(select(procedure.c.procedure_id)
                                       .where(procedure.c.section == section)).scalars())
            after_steps = sum((existing_steps.get(pid, 0) if pid in kept_steps
                               else steps_by_id.get(pid, 0)) for pid in new_ids)
            removed = sorted(old_ids - new_ids)
            after_ids = new_ids
            if section in partial:
                after_steps += sum(existing_steps.get(pid, 0) for pid in removed)
                after_ids, removed = old_ids | new_ids, []
            changes.append(SectionChange(
                section, len(old_ids), sum(existing_steps.get(pid, 0) for pid in old_ids),
                len(after_ids), after_steps, removed))
        owners = dict(conn.execute(select(procedure.c.procedure_id, procedure.c.section)
                                   .where(procedure.c.procedure_id.in_(
                                       list(getattr(batch, "step_updates", ()))))).all())
    by_owner: dict[str, list[str]] = {}
    for pid, owner in owners.items():
        by_owner.setdefault(owner, []).append(pid)
    for owner, pids in sorted(by_owner.items()):
        changes.append(SectionChange(
            owner, len(pids), sum(existing_steps.get(pid, 0) for pid in pids), len(pids),
            sum(steps_by_id.get(pid, 0) for pid in pids), [], steps_only=True))
    return changes


def _rows(conn: Connection, table: Table, condition: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(select(table).where(condition)).mappings()]


def _replaced_condition(sections: list[str], procedure_ids: list[str]) -> Any:
    p = _t(tables.Procedure)
    return or_(p.c.section.in_(sections), p.c.procedure_id.in_(procedure_ids))


def _dumps_by_row(payload: dict[str, list[dict[str, Any]]]) -> str:
    """``json.dumps(payload, ensure_ascii=False, default=str)``, one row at a time.

    The same text; but dumping a city's 45,000 rows in one call holds Python's lock for
    a few hundred milliseconds, and the app's window (whose import runs in a worker)
    froze that long. Row by row, the lock changes hands between rows.
    """
    parts = []
    for key, rows in payload.items():
        body = ", ".join(json.dumps(row, ensure_ascii=False, default=str) for row in rows)
        parts.append(f"{json.dumps(key, ensure_ascii=False)}: [{body}]")
    return "{" + ", ".join(parts) + "}"


def save_snapshot(conn: Connection, batch_id: int, sections: list[str],
                  procedure_ids: Iterable[str], step_only_ids: Iterable[str], *,
                  procedures_stored: bool = True) -> None:
    """Store the rows that writing ``batch_id`` is about to delete. Call before deleting.

    ``procedures_stored`` False: the caller found no procedure in the project, so none
    is replaced (their lookup by ID is skipped)."""
    procedure_ids, step_only_ids = sorted(set(procedure_ids)), sorted(set(step_only_ids))
    p, s, link = _t(tables.Procedure), _t(tables.Step), _t(tables.StepLink)
    replaced = (_rows(conn, p, _replaced_condition(sections, procedure_ids))
                if procedures_stored else [])
    ids = [r["procedure_id"] for r in replaced] + step_only_ids
    payload = {
        "procedures": replaced,
        "steps": _rows(conn, s, s.c.procedure_id.in_(ids)),
        "links": _rows(conn, link, link.c.procedure_id.in_(ids)),
        "unit_costs": _rows(conn, _t(tables.UnitCost), _t(tables.UnitCost).c.scope.in_(sections)),
        "issues": _rows(conn, _t(tables.StoredIssue),
                        _t(tables.StoredIssue).c.section.in_(sections)),
    }
    blob = zlib.compress(_dumps_by_row(payload).encode("utf-8"))
    snapshots = _t(tables.ImportSnapshot)
    conn.execute(snapshots.insert().values(
        batch_id=batch_id, sections=json.dumps(sections, ensure_ascii=False),
        procedure_ids=json.dumps(procedure_ids, ensure_ascii=False),
        step_only_ids=json.dumps(step_only_ids, ensure_ascii=False), payload=blob))
    old = conn.execute(select(snapshots.c.batch_id).order_by(snapshots.c.batch_id.desc())
                       .offset(KEEP_SNAPSHOTS)).scalars().all()
    if old:
        conn.execute(delete(snapshots).where(snapshots.c.batch_id.in_(old)))


def list_imports(project: Project) -> list[dict[str, Any]]:
    """Survey imports, newest first, each with whether it can still be undone."""
    batches, snapshots = _t(tables.ImportBatch), _t(tables.ImportSnapshot)
    with project.engine.connect() as conn:
        undoable = set(conn.execute(select(snapshots.c.batch_id)).scalars())
        rows = conn.execute(select(batches).order_by(batches.c.id.desc())).mappings().all()
    return [{"id": r["id"], "imported_at": str(r["imported_at"]),
             "files": json.loads(r["files"] or "[]"), "sections": json.loads(r["sections"] or "[]"),
             "undoable": r["id"] in undoable} for r in rows]


def undo_last_import(project: Project) -> UndoneImport:
    """Put back what the newest import replaced. Raises ProjectError if it cannot."""
    project.require_writable()
    batches, snapshots = _t(tables.ImportBatch), _t(tables.ImportSnapshot)
    with project.write_transaction() as conn:
        last = conn.execute(select(batches).order_by(batches.c.id.desc()).limit(1)).mappings().first()
        if last is None:
            raise ProjectError("nothing_to_undo")
        snap = conn.execute(select(snapshots).where(snapshots.c.batch_id == last["id"])
                            ).mappings().first()
        if snap is None:
            raise ProjectError("undo_not_last", what=last["files"])
        sections = json.loads(snap["sections"])
        from bpr_studio import team

        team.require_sections(project, conn, sections or [None],
                              "、".join(json.loads(last["files"] or "[]")[:3]))
        procedure_ids = json.loads(snap["procedure_ids"])
        step_only = json.loads(snap["step_only_ids"])
        payload = json.loads(zlib.decompress(snap["payload"]).decode("utf-8"))
        p, s, link = _t(tables.Procedure), _t(tables.Step), _t(tables.StepLink)
        written = or_(_replaced_condition(sections, procedure_ids), p.c.batch_id == last["id"])
        conn.execute(delete(p).where(written))
        conn.execute(delete(s).where(s.c.procedure_id.in_(step_only)))
        conn.execute(delete(link).where(link.c.procedure_id.in_(step_only)))
        conn.execute(delete(_t(tables.UnitCost)).where(_t(tables.UnitCost).c.scope.in_(sections)))
        issues = _t(tables.StoredIssue)
        conn.execute(delete(issues).where(or_(issues.c.section.in_(sections),
                                              issues.c.batch_id == last["id"])))
        for key, table in (("procedures", p), ("steps", s), ("links", link),
                           ("unit_costs", _t(tables.UnitCost)), ("issues", issues)):
            rows = payload[key]
            if key != "procedures":
                rows = [{k: v for k, v in r.items() if k != "id"} for r in rows]
            if rows:
                conn.execute(table.insert(), rows)
        conn.execute(delete(snapshots).where(snapshots.c.batch_id == last["id"]))
        conn.execute(delete(batches).where(batches.c.id == last["id"]))
    return UndoneImport(last["id"], str(last["imported_at"]), json.loads(last["files"] or "[]"),
                        sections)


def describe_undo(undone: UndoneImport, lang: str = "ja") -> str:
    when = undone.imported_at[:19]
    sections = "、".join(undone.sections) if lang == "ja" else ", ".join(undone.sections)
    files = ", ".join(undone.files)
    if lang == "ja":
        return f"{when} の取り込み（{files}）を元に戻しました。戻した課: {sections or '-'}"
    return f"Undid the import of {when} ({files}). Sections restored: {sections or '-'}"
