"""Import workload-survey workbooks into a project: read, validate, then write all or nothing.

Two phases, so that the GUI can show the report before anything is written:
:func:`parse_batch` reads and checks every file (no project change), and
:func:`write_batch` replaces the batch's sections in one transaction.
:func:`import_surveys` does both, as the command line does.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select

from bpr_studio import team
from bpr_studio.io import checks
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.bulk_insert import bulk_insert, flag
from bpr_studio.io.import_history import SectionChange, plan_changes, save_snapshot
from bpr_studio.io.prosimos_read import PARAMETERS_SUFFIX, pair_parameter_files
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue, ImportReport, reading_order
from bpr_studio.io.step_rows import (
    LINK_COLUMNS,
    STEP_COLUMNS,
    STEP_ROW_COLUMNS,
    FileSteps,
    file_name,
    plain_values,
    step_values,
)
from bpr_studio.io.survey_files import BPMN_SUFFIX, parse_files, pool_size
from bpr_studio.io.survey_format import PROCEDURES, STEPS
from bpr_studio.io.workbook_reader import SUPPORTED_SUFFIXES, WORKBOOK_SUFFIXES, read_workbook
from bpr_studio.model import tables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.store import Project, open_if_exists, open_project

__all__ = ["BPMN_SUFFIX", "ImportCancelled", "ParsedBatch", "SectionChange", "existing_sections",
           "import_surveys", "parse_batch", "plan_changes", "write_batch"]

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]
Record = dict[str, Any]


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


@dataclass
class ParsedBatch:
    report: ImportReport
    procedures: list[Record] = field(default_factory=list)
    steps: list[Record] = field(default_factory=list)
    unit_costs: list[Record] = field(default_factory=list)
    # Procedures from a file with no steps part (a procedures-only CSV): their stored
    # steps are kept, never deleted with the old procedure row.
    keep_steps: set[str] = field(default_factory=set)
    # Procedure IDs whose steps come from a steps-only file while the procedure stays.
    step_updates: set[str] = field(default_factory=set)
    # BPMN files: they replace the procedures they hold, not their whole section.
    bpmn_files: set[str] = field(default_factory=set)
    # parse_batch(step_rows=...): the steps as checked table rows instead of records in
    # ``steps`` (step_rows.py); ``rows_for_sqlite`` says which values they hold.
    step_rows: FileSteps | None = None
    rows_for_sqlite: bool = False

    def step_counts(self) -> dict[str, int]:
        """Procedure ID → how many steps the batch gives it."""
        if self.step_rows is not None:
            return self.step_rows.counts
        counts: dict[str, int] = defaultdict(int)
        for s in self.steps:
            counts[s["procedure_id"]] += 1
        return counts

    @property
    def sections(self) -> list[str]:
        return sorted({p["section"] for p in self.procedures if p.get("section")})

    @property
    def replaced_sections(self) -> list[str]:
        """Sections replaced whole: those of survey workbooks (a BPMN file adds to its
        section or replaces its own procedures, and leaves the rest of the section)."""
        return sorted({p["section"] for p in self.procedures
                       if p.get("section") and p["_file"] not in self.bpmn_files})

    @property
    def partial_sections(self) -> list[str]:
        return sorted(set(self.sections) - set(self.replaced_sections))


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to import: files as given, folders searched recursively; Excel lock files skipped."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.suffix.lower() in SUPPORTED_SUFFIXES | {BPMN_SUFFIX}
                                and not p.name.startswith(("~$", "."))))
        else:
            found.append(path)
    return found


def parse_batch(
    paths: Sequence[str | Path],
    *,
    prefer: Sequence[str | Path] = (),
    existing_sections: dict[str, str] | None = None,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    bpmn: BpmnOptions | None = None,
    workers: int | None = None,
    step_rows: str | None = None,
) -> ParsedBatch:
    """Read and check every file. ``existing_sections`` maps project procedure IDs to sections.

    ``prefer`` lists files whose procedures win when the same ID is in two files.
    ``bpmn`` gives BPMN files their section and lane → actor mapping (docs/bpmn.md).
    ``workers``: processes that read files side by side (1: this process only; None:
    every core when there is enough to read). The result does not depend on it.
    ``step_rows`` ("sqlite" or "plain"): the steps come back as checked table rows for
    :func:`write_batch` (``batch.step_rows``, faster, and ``batch.steps`` stays empty)
    when every file is a workbook whose steps belong to its own procedures; otherwise,
    and by default, as records. The report is the same either way.
    Raises :class:`ImportCancelled` if ``cancel()`` turns true between files.
    """
    files = expand_paths(paths)
    report = ImportReport(files=[str(f) for f in files])
    batch = ParsedBatch(report)
    if not files:
        report.issues.append(ImportIssue(ERROR, "no_files"))
        return batch
    per_file: list[tuple[Path, dict[str, list[Record]]]] = []
    # A Prosimos JSON goes with its BPMN file (docs/bpmn.md), not on its own.
    parameters, unpaired = pair_parameter_files(files)
    report.issues.extend(unpaired)
    to_read = [path for path in files if path.suffix.lower() != PARAMETERS_SUFFIX]
    if any(path.suffix.lower() not in WORKBOOK_SUFFIXES for path in to_read):
        step_rows = None  # CSV parts and BPMN files refer to each other's procedures
    jobs = [(path, bpmn, parameters.get(str(path)), step_rows) for path in to_read]
    results = parse_files(jobs, pool_size(to_read, workers),
                          cancel if cancel is not None else lambda: False)
    rows_per_file: list[FileSteps | None] = []
    try:
        for index, path in enumerate(files):
            if progress is not None:
                progress(index, len(files), path.name)
            if path.suffix.lower() == PARAMETERS_SUFFIX:
                continue
            result = next(results)
            if result is None:
                raise ImportCancelled
            records, issues, rows = result
            report.issues.extend(issues)
            per_file.append((path, records))
            rows_per_file.append(rows)
            if path.suffix.lower() == BPMN_SUFFIX:
                batch.bpmn_files.add(str(path))
    finally:
        results.close()  # stops the pool
    if progress is not None:
        progress(len(files), len(files), "")
    if step_rows is not None and not _rows_hold(per_file, rows_per_file):
        # A step names a procedure of another file, or one procedure is in two files:
        # only the whole batch's records say what becomes of them. Read them again so.
        return parse_batch(paths, prefer=prefer, existing_sections=existing_sections,
                           progress=progress, cancel=cancel, bpmn=bpmn, workers=workers)
    if step_rows is not None:
        batch.step_rows = _merge_rows(rows_per_file)
        batch.rows_for_sqlite = step_rows == "sqlite"

    preferred = {str(Path(p).resolve()) for p in prefer}
    owners = existing_sections or {}
    # A BPMN file's section is given with it (--section), not read from its name.
    _check_declared_sections([(path, records) for path, records in per_file
                              if str(path) not in batch.bpmn_files], owners, report)
    batch.procedures = _dedupe_procedures(per_file, preferred, report)
    known = {p["procedure_id"]: p for p in batch.procedures}
    report.issues.extend(checks.check_procedures(batch.procedures))
    _check_ownership(batch.procedures, owners, report)
    files_with_steps = {str(path) for path, records in per_file if "steps" in records}
    replaced = {p.get("section") for p in batch.procedures}

    steps_by_procedure: dict[str, list[Record]] = defaultdict(list)
    defined_in = {(p["_file"], p.get("procedure_id"))
                  for _path, records in per_file for p in records.get("procedures", [])}
    for _path, records in per_file:
        batch.unit_costs.extend(records.get("unit_costs", []))
        for step in records.get("steps", []):
            pid = step.get("procedure_id")
            if pid is None or step.get("step_no") is None:
                continue
            owner = owners.get(pid)
            if pid not in known and owner is not None and owner not in replaced:
                # A steps-only file for a stored procedure whose section is not replaced.
                batch.step_updates.add(pid)
            elif pid not in known:
                if not any(i.key == "duplicate_procedure_across_files" and i.params.get("id") == pid
                           for i in report.issues):
                    report.issues.append(checks._issue(step, ERROR, "unknown_procedure",
                                                       "procedure_id", pid, id=pid))
                continue
            elif step["_file"] != known[pid]["_file"] and (step["_file"], pid) in defined_in:
                continue  # steps of the copy the user chose not to keep
            steps_by_procedure[pid].append(step)
    if batch.step_rows is None:
        report.issues.extend(checks.check_steps(steps_by_procedure))
        batch.steps = [s for steps in steps_by_procedure.values() for s in steps]
    else:  # checked per file, in the same order: a procedure's steps are all in its file
        report.issues.extend(batch.step_rows.issues)
    step_counts = batch.step_counts()
    # A steps sheet that could not be read was reported already: its procedures do have
    # steps, the importer just could not see them.
    unread = {i.file for i in report.issues if i.severity == ERROR and (
        i.params.get("spec") == STEPS.key or (i.key == "sheet_missing" and i.sheet == STEPS.ja))}
    for p in batch.procedures:
        if (p["procedure_id"] not in step_counts and p["_file"] not in files_with_steps
                and p["procedure_id"] in owners):
            batch.keep_steps.add(p["procedure_id"])  # procedures-only file: steps stay
        elif p["procedure_id"] not in step_counts and p["_file"] not in unread:
            report.issues.append(checks._issue(p, "warning", "procedure_without_steps",
                                               "procedure_id", id=p["procedure_id"]))
    _check_unit_costs(batch.unit_costs, report)
    _tag_sections(batch, report)
    file_rank = {str(f): n for n, f in enumerate(files)}
    report.issues.sort(key=lambda i: reading_order(i, file_rank))  # errors first
    report.sections = batch.sections
    report.procedures = len(batch.procedures)
    report.steps = sum(step_counts.values())
    return batch


def _rows_hold(per_file: list[tuple[Path, dict[str, list[Record]]]],
               rows_per_file: list[FileSteps | None]) -> bool:
    """Whether the per-file step rows are what the whole batch's check gives: every
    file's steps belong to its own procedures, and no procedure ID is in two files."""
    if any(rows is None for rows in rows_per_file):
        return False
    file_of: dict[str, Path] = {}
    for path, records in per_file:
        for p in records.get("procedures", []):
            pid = p.get("procedure_id")
            if pid is not None and file_of.setdefault(pid, path) != path:
                return False
    return True


def _merge_rows(rows_per_file: list[FileSteps | None]) -> FileSteps:
    merged = FileSteps()
    for rows in rows_per_file:
        assert rows is not None
        merged.rows.extend(rows.rows)
        merged.links.extend(rows.links)
        merged.counts.update(rows.counts)
        merged.issues.extend(rows.issues)
    return merged


def _check_declared_sections(per_file: list[tuple[Path, dict[str, list[Record]]]],
                             owners: dict[str, str], report: ImportReport) -> None:
    """A file replaces only the section it declares: the section in its file name, else
    the one its 課 column agrees on. A row naming another section is an error at that
    cell, so one mistyped 課 never wipes another section's procedures."""
    known_sections = set(owners.values())
    for path, records in per_file:
        procedures = [p for p in records.get("procedures", []) if p.get("section")]
        in_name = sorted({p["section"] for p in procedures} | known_sections, key=len,
                         reverse=True)
        named = next((section for section in in_name if section in path.stem), None)
        if named is not None:
            declared, why = named, f"ファイル名 {path.name}"
        elif procedures:
            counts: dict[str, int] = defaultdict(int)
            for p in procedures:
                counts[p["section"]] += 1
            declared = max(counts, key=lambda section: counts[section])  # first on a tie
            first = procedures[0]
            why = f"{first['_sheet']}!{first['_cells'].get('section', first['_row'])} ほか"
        else:
            declared, why = "", ""
        for p in procedures:
            if p["section"] != declared:
                report.issues.append(checks._issue(
                    p, ERROR, "section_not_declared", "section", p["section"],
                    declared=declared, why=why, section=p["section"]))
        if named is not None:
            for step in records.get("steps", []):
                owner = owners.get(step.get("procedure_id") or "")
                if owner is not None and owner != named and not procedures:
                    report.issues.append(checks._issue(
                        step, ERROR, "section_not_declared", "procedure_id",
                        step["procedure_id"], declared=named, why=why, section=owner))


def _dedupe_procedures(per_file: list[tuple[Path, dict[str, list[Record]]]],
                       preferred: set[str], report: ImportReport) -> list[Record]:
    first_in_file: dict[tuple[str, str], Record] = {}
    by_id: dict[str, list[Record]] = defaultdict(list)
    for _path, records in per_file:
        for p in records.get("procedures", []):
            pid = p.get("procedure_id")
            if pid is None:
                continue
            key = (p["_file"], pid)
            if key in first_in_file:
                first = first_in_file[key]
                report.issues.append(checks._issue(
                    p, ERROR, "duplicate_procedure_in_file", "procedure_id", pid, id=pid,
                    first=f"{first['_sheet']}!{first['_cells']['procedure_id']}"))
                continue
            first_in_file[key] = p
            by_id[pid].append(p)
    kept = []
    for pid, copies in by_id.items():
        if len(copies) == 1:
            kept.append(copies[0])
            continue
        chosen = [c for c in copies if str(Path(c["_file"]).resolve()) in preferred]
        if len(chosen) == 1:
            kept.append(chosen[0])
            for other in copies:
                if other is not chosen[0]:
                    report.issues.append(checks._issue(
                        other, INFO, "duplicate_procedure_across_files", "procedure_id", pid,
                        id=pid, other=Path(chosen[0]["_file"]).name + " を採用"))
            continue
        for copy in copies:
            others = ", ".join(f"{Path(o['_file']).name} {o['_sheet']}!{o['_cells']['procedure_id']}"
                               for o in copies if o is not copy)
            report.issues.append(checks._issue(copy, ERROR, "duplicate_procedure_across_files",
                                               "procedure_id", pid, id=pid, other=others))
    return kept


def _check_ownership(procedures: list[Record], existing: dict[str, str],
                     report: ImportReport) -> None:
    replaced = {p.get("section") for p in procedures}
    for p in procedures:
        owner = existing.get(p["procedure_id"])
        if owner is not None and owner != p.get("section") and owner not in replaced:
            report.issues.append(checks._issue(p, ERROR, "procedure_owned_by_other_section",
                                               "procedure_id", p["procedure_id"],
                                               id=p["procedure_id"], section=owner))


MAX_UNIT_COST = 1e12  # far above any yen rate or hour count; 1e308 overflowed every total


def _check_unit_costs(unit_costs: list[Record], report: ImportReport) -> None:
    known = ", ".join(DEFAULTS_BY_KEY)
    for record in unit_costs:
        key = record.get("key")
        value = record.get("value")
        if key is not None and key not in DEFAULTS_BY_KEY:
            # Built here, not with checks._issue: its own 'key' argument is the message key.
            report.issues.append(ImportIssue(
                WARNING, "unit_cost_unknown", record["_file"], record["_sheet"],
                record["_cells"].get("key", str(record["_row"])), str(key),
                {"key": key, "known": known}))
        if isinstance(value, float) and (not math.isfinite(value) or value > MAX_UNIT_COST):
            record["value"] = None
            report.issues.append(checks._issue(
                record, ERROR, "above_max" if math.isfinite(value) else "not_a_number", "value",
                value, column="値", max=f"{MAX_UNIT_COST:g}"))


def _tag_sections(batch: ParsedBatch, report: ImportReport) -> None:
    """Give each issue the section of its file, so stored warnings follow re-imports."""
    section_of_file: dict[str, str] = {}
    for p in batch.procedures:
        section_of_file.setdefault(p["_file"], p.get("section") or "")
    report.issues = [
        ImportIssue(i.severity, i.key, i.file, i.sheet, i.cell, i.value, i.params,
                    section_of_file.get(i.file, ""))
        for i in report.issues
    ]


def existing_sections(project: Project) -> dict[str, str]:
    """Procedure ID → owning section, for procedures that came from a survey.

    Procedures from the national inventory belong to no section yet: a section's
    survey may claim them by using the national 手続ID.
    """
    with project.engine.connect() as conn:
        return _owners(conn)


_PROCEDURE_FIELDS = [c.key for c in PROCEDURES.columns]


def _procedure_row(p: Record, batch_id: int) -> dict[str, Any]:
    row = {k: p.get(k) for k in _PROCEDURE_FIELDS}
    row["category"] = row["category"] or "other"
    row["annual_cases"] = row["annual_cases"] or 0
    row["peak_months"] = ",".join(map(str, p["peak_months"])) if p.get("peak_months") else None
    row.update(origin="survey", source_file=file_name(p["_file"]), source_row=p["_row"],
               batch_id=batch_id)
    return row


def _step_row(s: Record) -> dict[str, Any]:
    return dict(zip(STEP_COLUMNS, step_values(s), strict=True))


def write_batch(project: Project, batch: ParsedBatch) -> ImportReport:
    """Replace the batch's sections in one transaction. Refuses a batch with errors.

    Ownership of procedure IDs is checked again under the write lock (another import
    may have claimed an ID since the batch was checked); the rows about to be
    replaced are kept in the import history, so the import can be undone.
    """
    report = batch.report
    if not report.ok:
        return report
    project.require_writable()
    sections = batch.replaced_sections
    procedure_ids = {p["procedure_id"] for p in batch.procedures}
    with project.write_transaction() as conn:
        owners = _owners(conn)
        # Whose rows this import replaces: its sections, and the procedures whose steps
        # a BPMN file updates (docs/team.md). Refused whole, before anything is written.
        touched = set(sections) | {owners[pid] for pid in batch.step_updates if pid in owners}
        team.require_sections(project, conn, sorted(touched),
                              "、".join(Path(f).name for f in report.files[:3]))
        _check_ownership(batch.procedures, owners, report)
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
    procedure_versions, step_versions = _versions_before(conn, sections, procedure_ids,
                                                         batch.step_updates)
    batch_id = conn.execute(tables.ImportBatch.__table__.insert().values(
        imported_at=datetime.now(UTC),
        files=json.dumps([Path(f).name for f in report.files], ensure_ascii=False),
        sections=json.dumps(batch.sections, ensure_ascii=False),
    ).returning(tables.ImportBatch.__table__.c.id)).scalar_one()
    save_snapshot(conn, batch_id, sections, procedure_ids, batch.step_updates)
    kept_steps = [dict(r) for r in conn.execute(select(step_table).where(
        step_table.c.procedure_id.in_(batch.keep_steps))).mappings()]
    kept_links = [dict(r) for r in conn.execute(select(link_table).where(
        link_table.c.procedure_id.in_(batch.keep_steps))).mappings()]
    conn.execute(delete(procedure_table).where(procedure_table.c.section.in_(sections)))
    # A procedure may move between sections being replaced; make room for it.
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
        rows = [{**_procedure_row(p, batch_id), "updated_by": user,
                 "row_version": procedure_versions.get(p["procedure_id"], 0) + 1}
                for p in batch.procedures]
        columns = list(rows[0])
        bulk_insert(conn, procedure_table, columns, (list(r.values()) for r in rows))
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
    version and editor only the project knows."""
    assert batch.step_rows is not None
    rows, links = batch.step_rows.rows, batch.step_rows.links
    for row in rows:  # [..., row_version, updated_by]
        row[-1] = user
    if step_versions:
        for row in rows:
            row[-2] = step_versions.get(row[0], 0) + 1
    step_table, link_table = tables.Step.__table__, tables.StepLink.__table__
    sqlite = conn.dialect.name == "sqlite"
    if batch.rows_for_sqlite and not sqlite:  # read for SQLite, written elsewhere
        rows, links = plain_values(rows, STEP_ROW_COLUMNS), plain_values(links, LINK_COLUMNS)
    ready = batch.rows_for_sqlite and sqlite
    bulk_insert(conn, step_table, STEP_ROW_COLUMNS, rows, binds_ready=ready)
    bulk_insert(conn, link_table, LINK_COLUMNS, links, binds_ready=ready)


def import_surveys(
    project_target: str | Path,
    paths: Sequence[str | Path],
    *,
    prefer: Sequence[str | Path] = (),
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    dry_run: bool = False,
    bpmn: BpmnOptions | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Read, check and (when there is no error) write a batch into a project file.

    The project file is created only when the batch is clean; an existing one is
    opened first so that IDs owned by other sections are caught. ``report.changes``
    lists what is (with ``dry_run``: would be) replaced, section by section.
    """
    target = Path(project_target) if "://" not in str(project_target) else project_target
    project = open_if_exists(target)
    try:
        if project is not None and not dry_run:
            project.require_writable()
        owners = existing_sections(project) if project is not None else {}
        batch = parse_batch(paths, prefer=prefer, existing_sections=owners, progress=progress,
                            cancel=cancel, bpmn=bpmn, workers=workers,
                            step_rows="plain" if isinstance(target, str) else "sqlite")
        if not batch.report.ok:
            return batch.report
        if project is not None:
            batch.report.changes = plan_changes(project, batch)
        else:
            batch.report.changes = _changes_into_empty(batch)
        if dry_run:
            return batch.report
        if project is None:
            project = open_project(target, create=True)
        return write_batch(project, batch)
    finally:
        if project is not None:
            project.close()


def _changes_into_empty(batch: ParsedBatch) -> list[SectionChange]:
    changes: dict[str, SectionChange] = {}
    steps = batch.step_counts()
    for p in batch.procedures:
        change = changes.setdefault(p["section"], SectionChange(p["section"]))
        change.after_procedures += 1
        change.after_steps += steps.get(p["procedure_id"], 0)
    return sorted(changes.values(), key=lambda c: c.section)


def read_row(file: str | Path, sheet: str, row: int) -> list[tuple[str, str]]:
    """(header, value) pairs of one row of a survey sheet, to show the user the offending row."""
    from bpr_studio.io.report import column_letter

    sheets = read_workbook(Path(file))
    raw = next((s for s in sheets if s.name == sheet), sheets[0] if len(sheets) == 1 else None)
    if raw is None or not 1 <= row <= len(raw.rows):
        return []
    header_row = next((r for r in raw.rows[:20] if sum(1 for v in r if str(v).strip()) >= 3), [])
    values = raw.rows[row - 1]
    pairs = []
    for c, value in enumerate(values):
        header = str(header_row[c]).strip() if c < len(header_row) and header_row[c] else ""
        pairs.append((f"{column_letter(c)}{row} {header}".strip(), "" if value is None else str(value)))
    return pairs
