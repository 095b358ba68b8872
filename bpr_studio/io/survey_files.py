"""Read survey files one by one, in this process or in a pool of processes.

:func:`parse_file` turns one file into records and issues (no project, no other file
involved), so files can be read side by side: :func:`parse_files` hands them to a
process pool when there is enough to read, and gives the results back in the order
of the files, so the batch checks and the report do not depend on the number of
workers. The pool starts its processes with ``spawn`` on every platform (as Windows
must), so a worker never inherits the GUI's threads; this module imports no database
code, which keeps a worker's start short.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bpr_studio.io import checks
from bpr_studio.io.gc_pause import reading_process_start
from bpr_studio.io.parked_rows import park
from bpr_studio.io.report import ERROR, WARNING, ImportIssue
from bpr_studio.io.sheet_parser import find_header, parse_sheet
from bpr_studio.io.step_rows import FileSteps, StepColumns, columns_steps, file_steps
from bpr_studio.io.survey_format import PROCEDURES, STEPS, UNIT_COSTS, header_key
from bpr_studio.io.workbook_reader import FileProblem, RawSheet, read_workbook

if TYPE_CHECKING:  # a reading process of workbooks does not import the BPMN reader
    from bpr_studio.io.bpmn_import import BpmnOptions

Record = dict[str, Any]
FileResult = tuple[dict[str, list[Record]], list[ImportIssue]]
# A file to read: path, BPMN options, its Prosimos parameters, and whether its steps come
# back as table rows ("sqlite" or "plain" values, step_rows.file_steps) or as records (None),
# and the folder where SQLite rows are parked (parked_rows) instead of sent back, or None.
Job = tuple[Path, "BpmnOptions | None", Path | None, str | None, str | None]
# Records and issues, and the steps as rows when asked for and possible (else None:
# the records then hold the steps).
JobResult = tuple[dict[str, list[Record]], list[ImportIssue], FileSteps | None]
BPMN_SUFFIX = ".bpmn"

# Below this many bytes to read the pool's start (about a second) costs more than it saves.
POOL_MIN_BYTES = 8_000_000
# Files handed to the pool ahead of the one being collected: enough to keep every worker
# busy, few enough that finished results do not pile up in memory.
_AHEAD_PER_WORKER = 2
_CANCEL_POLL_S = 0.1


def _match_sheets(sheets: list[RawSheet], file: Path) -> dict[str, RawSheet]:
    """Which raw sheet holds which part of the format: by name, else by its header row."""
    matched: dict[str, RawSheet] = {}
    specs = (PROCEDURES, STEPS, UNIT_COSTS)
    for spec in specs:
        for sheet in sheets:
            if header_key(sheet.name) in spec.names() and sheet not in matched.values():
                matched[spec.key] = sheet
                break
    if len(sheets) == 1 and file.suffix.lower() == ".csv" and not matched:
        stem = header_key(file.stem)
        for spec in specs:
            if any(name and name in stem for name in spec.names()):
                matched[spec.key] = sheets[0]
                break
    for spec in specs:
        if spec.key in matched:
            continue
        for sheet in sheets:
            if sheet in matched.values():
                continue
            header = find_header(sheet, spec)
            required = {c.key for c in spec.columns if c.required}
            if header and required <= {c.key for c in header[1].values()}:
                matched[spec.key] = sheet
                break
    return matched


def parse_file(path: Path, bpmn: BpmnOptions | None = None, parameters: Path | None = None
               ) -> FileResult:
    """Records per part (procedures, steps, unit_costs) and the issues of one file."""
    records, issues, _steps = _parse_file(path, bpmn, parameters, steps_as_columns=False)
    return records, issues


def _parse_file(path: Path, bpmn: BpmnOptions | None, parameters: Path | None, *,
                steps_as_columns: bool) -> tuple[dict[str, list[Record]], list[ImportIssue],
                                                 StepColumns | None]:
    """:func:`parse_file`; with ``steps_as_columns`` the steps sheet's rows may come back as
    columns instead of records (``records["steps"]`` then empty): when it has data rows
    and no control character to remove."""
    file = str(path)
    if path.suffix.lower() == BPMN_SUFFIX:
        from bpr_studio.io.bpmn_import import BpmnOptions, parse_bpmn_file

        return (*parse_bpmn_file(path, bpmn or BpmnOptions(), parameters), None)
    try:
        sheets = read_workbook(path)
    except FileProblem as problem:
        return {}, [ImportIssue(ERROR, problem.key, file, params=problem.params)], None
    matched = _match_sheets(sheets, path)
    issues: list[ImportIssue] = []
    records: dict[str, list[Record]] = {}
    is_csv = path.suffix.lower() == ".csv"
    if is_csv and not matched:
        return {}, [ImportIssue(ERROR, "csv_sheet_unknown", file, sheets[0].name)], None
    step_columns = None
    found = ", ".join(s.name for s in sheets) or "-"
    for spec in (PROCEDURES, STEPS, UNIT_COSTS):
        sheet = matched.get(spec.key)
        if sheet is None:
            if spec.required and not is_csv:
                issues.append(ImportIssue(ERROR, "sheet_missing", file, spec.ja,
                                          params={"sheet": spec.ja, "found": found}))
            continue
        parsed = parse_sheet(sheet, spec, file, as_columns=steps_as_columns and spec is STEPS)
        issues.extend(parsed.issues)
        controls = _holds_control_characters(sheet)
        if parsed.columns is not None:
            if not controls:
                step_columns = StepColumns(parsed.columns, file, sheet.name)
                records[spec.key] = []
                continue
            parsed.records = parsed.columns.records()
        for record in parsed.records:
            record["_file"] = file
            record["_sheet"] = sheet.name
            if controls:
                issues.extend(_remove_control_characters(record, spec))
        records[spec.key] = parsed.records
    return records, issues, step_columns


# What XML 1.0 (and so every .xlsx writer) refuses: C0 controls but tab, newline, return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _holds_control_characters(sheet: RawSheet) -> bool:
    """Whether any text cell of the sheet holds a control character: one search over the
    sheet instead of one per record (almost no sheet has any). A record's texts come
    from its sheet's cells, and no cleaning adds a control character (NFKC maps none to
    one), so a sheet without any gives records without any."""
    return _CONTROL.search("\n".join([value for row in sheet.rows for value in row
                                      if type(value) is str])) is not None


def _remove_control_characters(record: Record, spec: Any) -> list[ImportIssue]:
    """Strip invisible control characters (a BEL in a name broke every later report)."""
    # One search over the record's texts first: almost every record has none.
    if not _CONTROL.search("\n".join([v for v in record.values() if type(v) is str])):
        return []
    issues = []
    for key, value in list(record.items()):
        if isinstance(value, str) and not key.startswith("_") and _CONTROL.search(value):
            record[key] = _CONTROL.sub("", value)
            column = next((c for c in spec.columns if c.key == key), None)
            issues.append(checks._issue(record, WARNING, "control_chars_removed", key,
                                        value.encode("unicode_escape").decode("ascii"),
                                        column=column.ja if column else key))
    return issues


def read_job(path: Path, bpmn: BpmnOptions | None = None, parameters: Path | None = None,
             step_rows: str | None = None, park_in: str | None = None) -> JobResult:
    """One job: :func:`parse_file`, and with ``step_rows`` the steps as rows when the file
    allows it (step_rows.file_steps), sent back instead of the step records — or, with
    ``park_in`` (SQLite rows), written to this process's file there (parked_rows.park)
    and only where they are sent back."""
    records, issues, columns = _parse_file(path, bpmn, parameters,
                                           steps_as_columns=step_rows is not None)
    steps = None
    if step_rows is not None:
        if columns is not None:
            steps = columns_steps(records.get("procedures", []), columns,
                                  sqlite=step_rows == "sqlite")
            if steps is None:  # the batch needs the records after all
                records["steps"] = columns.records()
        else:
            steps = file_steps(records, sqlite=step_rows == "sqlite")
        if steps is not None and "steps" in records:
            records["steps"] = []
        if steps is not None and park_in is not None:
            steps.parked = park(park_in, steps.rows, steps.links)
            steps.rows, steps.links = [], []
        elif steps is not None and columns is not None:
            steps.rows = list(map(list, steps.rows))  # the writer sets their last values
    return records, issues, steps


def _read_job(job: Job) -> JobResult:
    return read_job(*job)


def pool_size(paths: Sequence[Path], workers: int | None) -> int:
    """Processes to read ``paths`` with: ``workers`` if given (1 = in this process),
    else every core when there is enough to read."""
    if workers is not None:
        return max(1, min(workers, len(paths)))
    try:
        total = sum(p.stat().st_size for p in paths if p.is_file())
    except OSError:
        total = 0
    if total < POOL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, len(paths)))


def parse_files(jobs: Sequence[Job], workers: int,
                cancelled: Callable[[], bool]) -> Generator[JobResult | None, None, None]:
    """Each job's result, in the order of ``jobs``; None when ``cancelled()`` turned true
    (the caller stops there). With ``workers`` > 1 files are read in a process pool."""
    if workers <= 1:
        for job in jobs:
            if cancelled():
                yield None
                return
            yield read_job(*job)
        return
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                   initializer=reading_process_start)
    pending: dict[int, Future[JobResult]] = {}
    submitted = 0
    try:
        for index in range(len(jobs)):
            while submitted < len(jobs) and submitted < index + workers * _AHEAD_PER_WORKER:
                pending[submitted] = executor.submit(_read_job, jobs[submitted])
                submitted += 1
            future = pending.pop(index)
            while not future.done():
                if cancelled():
                    yield None
                    return
                wait([future], timeout=_CANCEL_POLL_S, return_when=FIRST_COMPLETED)
            if cancelled():
                yield None
                return
            try:
                result = future.result()
            except BrokenProcessPool:
                # A worker could not start (a script without the ``if __name__ ==
                # "__main__"`` guard spawn needs) or died: read the rest here, as before.
                yield from parse_files(jobs[index:], 1, cancelled)
                return
            yield result
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
