"""Import workload-survey workbooks into a project: read, validate, then write all or nothing.

Two phases, so that the GUI can show the report before anything is written:
:func:`parse_batch` reads and checks every file (no project change), and
:func:`write_batch` replaces the batch's sections in one transaction.
:func:`import_surveys` does both, as the command line does.

The parts: reading one file (survey_files, in a pool of processes), the checks that need
the whole batch (survey_batch), the write (survey_write).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bpr_studio.io import checks
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.gc_pause import paused_gc
from bpr_studio.io.import_history import SectionChange, plan_changes
from bpr_studio.io.parked_rows import ParkedRows
from bpr_studio.io.prosimos_read import PARAMETERS_SUFFIX, pair_parameter_files
from bpr_studio.io.report import ERROR, ImportIssue, ImportReport, reading_order
from bpr_studio.io.step_rows import FileSteps
from bpr_studio.io.survey_batch import (
    ParsedBatch,
    check_declared_sections,
    check_ownership,
    check_unit_costs,
    dedupe_procedures,
    merge_rows,
    rows_hold,
    tag_sections,
)
from bpr_studio.io.survey_files import BPMN_SUFFIX, parse_files, pool_size
from bpr_studio.io.survey_format import STEPS
from bpr_studio.io.survey_write import existing_sections, write_batch
from bpr_studio.io.workbook_reader import SUPPORTED_SUFFIXES, WORKBOOK_SUFFIXES, read_workbook
from bpr_studio.store import open_if_exists, open_project

__all__ = ["BPMN_SUFFIX", "ImportCancelled", "ParsedBatch", "SectionChange", "existing_sections",
           "import_surveys", "parse_batch", "plan_changes", "step_rows_for", "write_batch"]

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]
Record = dict[str, Any]


class ImportCancelled(Exception):
    """The user cancelled; nothing was written."""


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
    with paused_gc():  # gc_pause: the batch's records live to its end
        return _parse_batch(paths, prefer=prefer, existing_sections=existing_sections,
                            progress=progress, cancel=cancel, bpmn=bpmn, workers=workers,
                            step_rows=step_rows)


def _parse_batch(
    paths: Sequence[str | Path],
    *,
    prefer: Sequence[str | Path],
    existing_sections: dict[str, str] | None,
    progress: Progress | None,
    cancel: CancelCheck | None,
    bpmn: BpmnOptions | None,
    workers: int | None,
    step_rows: str | None,
) -> ParsedBatch:
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
    # SQLite rows wait in the reading processes' temporary files (parked_rows).
    parked = ParkedRows.new() if step_rows == "sqlite" else None
    park_in = str(parked.directory) if parked is not None else None
    jobs = [(path, bpmn, parameters.get(str(path)), step_rows, park_in) for path in to_read]
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
    except BaseException:
        if parked is not None:
            parked.close()
        raise
    finally:
        results.close()  # stops the pool
    if progress is not None:
        progress(len(files), len(files), "")
    if step_rows is not None and not rows_hold(per_file, rows_per_file):
        # A step names a procedure of another file, or one procedure is in two files:
        # only the whole batch's records say what becomes of them. Read them again so.
        if parked is not None:
            parked.close()
        return _parse_batch(paths, prefer=prefer, existing_sections=existing_sections,
                            progress=progress, cancel=cancel, bpmn=bpmn, workers=workers,
                            step_rows=None)
    if step_rows is not None:
        batch.step_rows = merge_rows(rows_per_file)
        batch.rows_for_sqlite = step_rows == "sqlite"
        if parked is not None:
            parked.segments = [rows.parked for rows in rows_per_file
                               if rows is not None and rows.parked is not None]
            batch.parked = parked

    preferred = {str(Path(p).resolve()) for p in prefer}
    owners = existing_sections or {}
    # A BPMN file's section is given with it (--section), not read from its name.
    check_declared_sections([(path, records) for path, records in per_file
                              if str(path) not in batch.bpmn_files], owners, report)
    batch.procedures = dedupe_procedures(per_file, preferred, report)
    known = {p["procedure_id"]: p for p in batch.procedures}
    report.issues.extend(checks.check_procedures(batch.procedures))
    check_ownership(batch.procedures, owners, report)
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
    check_unit_costs(batch.unit_costs, report)
    tag_sections(batch, report)
    file_rank = {str(f): n for n, f in enumerate(files)}
    report.issues.sort(key=lambda i: reading_order(i, file_rank))  # errors first
    report.sections = batch.sections
    report.procedures = len(batch.procedures)
    report.steps = sum(step_counts.values())
    return batch


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
    with paused_gc():  # gc_pause: the batch lives to the end of the write
        batch: ParsedBatch | None = None
        try:
            if project is not None and not dry_run:
                project.require_writable()
            owners = existing_sections(project) if project is not None else {}
            batch = parse_batch(paths, prefer=prefer, existing_sections=owners, progress=progress,
                                cancel=cancel, bpmn=bpmn, workers=workers,
                                step_rows=step_rows_for(target))
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
            if batch is not None and batch.parked is not None:
                batch.parked.close()
            if project is not None:
                project.close()


def step_rows_for(target: str | Path) -> str:
    """``parse_batch(step_rows=...)`` for a project at ``target``: values bound fastest
    by SQLite for a project file, the values themselves for a database server."""
    return "plain" if isinstance(target, str) and "://" in target else "sqlite"


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
