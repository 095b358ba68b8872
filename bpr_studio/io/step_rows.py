"""A workbook's steps checked and turned into table rows by the process that read it.

At 30,000 procedures the step records (450,000 dicts) were most of what the reading
processes sent back, and checking them and building their rows was most of what the
importing process did afterwards, on one core, after the reading. Here the reading
process does it: :func:`file_steps` runs :func:`checks.check_steps` over the file's own
procedures and builds the step and arrow rows, ready for ``executemany``; only those
rows travel back.

That is exactly what the whole-batch check gives when every step of the file belongs to
a procedure the same file defines (the survey workbook's own layout): a procedure's
steps are then all in its file, and the checks are per procedure. When a step names a
procedure the file does not define (a steps-only file, a procedure split over files),
:func:`file_steps` gives None and the batch is read again the general way
(``survey_import.parse_batch``). This module imports no database code: it runs in the
reading processes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bpr_studio.io import checks
from bpr_studio.io.fast_cells import CellRefs
from bpr_studio.io.report import ImportIssue
from bpr_studio.io.sheet_columns import SheetColumns
from bpr_studio.io.survey_format import STEPS

if TYPE_CHECKING:
    from bpr_studio.io.parked_rows import Segment

Record = dict[str, Any]

STEP_FIELDS = [c.key for c in STEPS.columns if c.key != "next_steps"]
# The step table's columns in the table's own order (an INSERT with its columns in that
# order takes the rows as they are).
STEP_COLUMNS = (*STEP_FIELDS, "source_file", "source_sheet", "source_row")
STEP_ROW_COLUMNS = (*STEP_COLUMNS, "row_version", "updated_by")
LINK_COLUMNS = ("procedure_id", "from_step_no", "to_step_no", "probability", "parallel")
_MIN, _TYPICAL, _MAX, _SHARE, _MANUAL, _SEAL, _WAIT, _STAFF = (STEP_FIELDS.index(k) for k in (
    "min_minutes", "typical_minutes", "max_minutes", "share_pct", "manual_entry", "seal",
    "wait_days", "staff_category"))
_NAN_FOR_NONE: dict[Any, Any] = {None: math.nan}


@functools.cache
def file_name(file: str) -> str:
    return Path(file).name  # once per file, not once per row (Path() is slow)


def step_values(s: Record, flag: Callable[[Any], Any] = bool) -> list[Any]:
    """A step's row for the step table, in the order of STEP_COLUMNS (a list, not a dict:
    450,000 of them are built for a prefecture). ``flag``: bool, or int for SQLite
    (bulk_insert.flag)."""
    row = list(map(s.get, STEP_FIELDS))
    typical = row[_TYPICAL]
    if row[_MIN] is None:
        row[_MIN] = typical
    if row[_MAX] is None:
        row[_MAX] = typical
    if row[_SHARE] is None:
        row[_SHARE] = 100.0
    row[_MANUAL] = flag(bool(row[_MANUAL]))
    row[_SEAL] = flag(bool(row[_SEAL]))
    row[_WAIT] = row[_WAIT] or 0.0
    row[_STAFF] = row[_STAFF] or "regular"
    row += (file_name(s["_file"]), s["_sheet"], s.get("_source_row", s["_row"]))
    return row


@dataclass
class FileSteps:
    """One file's steps, checked, as rows (see the module's doc)."""

    # Step rows in STEP_ROW_COLUMNS order; row_version 1 and updated_by blank, which the
    # writer sets (it knows the project). With ``sqlite``: blanks as NaN and flags as
    # 0/1, the values bulk_insert binds fastest.
    rows: list[list[Any]] = field(default_factory=list)
    links: list[list[Any]] = field(default_factory=list)  # LINK_COLUMNS
    counts: dict[str, int] = field(default_factory=dict)  # procedure ID → its steps
    issues: list[ImportIssue] = field(default_factory=list)  # check_steps' findings
    # Where the reading process parked ``rows`` and ``links`` (then empty): parked_rows
    parked: Segment | None = None


def file_steps(records: dict[str, list[Record]], sqlite: bool) -> FileSteps | None:
    """The file's steps as rows, or None when one names a procedure the file does not
    define (then only the whole batch can say what becomes of it)."""
    defined = {p.get("procedure_id") for p in records.get("procedures", [])}
    by_procedure: dict[str, list[Record]] = {}
    for step in records.get("steps", []):
        pid = step.get("procedure_id")
        if pid is None or step.get("step_no") is None:
            continue  # reported by the sheet parser; the batch skips it too
        if pid not in defined:
            return None
        by_procedure.setdefault(pid, []).append(step)
    result = FileSteps(issues=checks.check_steps(by_procedure))
    flag: Callable[[Any], Any] = int if sqlite else bool
    blank: Any = math.nan if sqlite else None
    nan_for_none = _NAN_FOR_NONE.get
    for pid, steps in by_procedure.items():
        result.counts[pid] = len(steps)
        for s in steps:
            row = step_values(s, flag)
            row += (1, blank)
            result.rows.append(list(map(nan_for_none, row, row)) if sqlite else row)
            parallel = flag(bool(s.get("_parallel")))
            for target, probability in s.get("_links", []):
                result.links.append([pid, s["step_no"], blank if target is None else target,
                                     probability, parallel])
    return result


@dataclass
class StepColumns:
    """A workbook's steps sheet read as columns (sheet_columns), with its file and sheet."""

    columns: SheetColumns
    file: str
    sheet: str

    def records(self) -> list[Record]:
        """The step records :func:`survey_files.parse_file` gives for the sheet."""
        records = self.columns.records()
        for record in records:
            record["_file"] = self.file
            record["_sheet"] = self.sheet
        return records


def columns_steps(procedures: list[Record], steps: StepColumns, sqlite: bool
                  ) -> FileSteps | None:
    """:func:`file_steps` of a file whose steps sheet was read as columns: the same rows,
    arrows, counts and issues, built a column at a time instead of from a dict per step
    (the checks get a small dict per step with the fields they read)."""
    defined = {p.get("procedure_id") for p in procedures}
    columns = steps.columns
    count = len(columns.rows)
    blanks: list[Any] = [None] * count

    def column(key: str) -> list[Any]:
        found = columns.column(key)
        return blanks if found is None else found

    ids, numbers = column("procedure_id"), column("step_no")
    by_procedure: dict[str, list[int]] = {}
    for i, (pid, number) in enumerate(zip(ids, numbers, strict=True)):
        if pid is None or number is None:
            continue  # reported by the sheet parser; the batch skips it too
        if pid not in defined:
            return None
        by_procedure.setdefault(pid, []).append(i)
    typical = column("typical_minutes")
    low, high = list(column("min_minutes")), list(column("max_minutes"))
    for i, ranges in columns.ranges.items():  # as apply_typical_range does on a record
        span = ranges.get("typical_minutes")
        if span is not None:
            if low[i] is None:
                low[i] = span[0]
            if high[i] is None:
                high[i] = span[1]
    following, excel_rows, letters = column("next_steps"), columns.rows, columns.letters
    file, sheet = steps.file, steps.sheet
    # What checks.check_steps reads of a step (and the _links it adds).
    checked = {pid: [{"step_no": numbers[i], "typical_minutes": typical[i],
                      "min_minutes": low[i], "max_minutes": high[i],
                      "next_steps": following[i], "_row": excel_rows[i],
                      "_cells": CellRefs(letters, excel_rows[i]), "_file": file,
                      "_sheet": sheet} for i in indexes]
               for pid, indexes in by_procedure.items()}
    result = FileSteps(issues=checks.check_steps(checked))
    order = [i for indexes in by_procedure.values() for i in indexes]
    flag: Callable[[Any], Any] = int if sqlite else bool
    blank: Any = math.nan if sqlite else None
    # The rows in the order of the procedures' steps: usually the sheet's own order.
    pick = None if order == list(range(count)) else itemgetter(*order) if order else None

    def picked(values: list[Any]) -> Sequence[Any]:
        if not order:
            return ()
        if pick is None:
            return values
        return pick(values) if len(order) > 1 else (values[order[0]],)

    typical_rows = picked(typical)
    fields: list[Sequence[Any]] = []
    for key in STEP_FIELDS:  # step_values, a column at a time
        values: Sequence[Any]
        if key == "typical_minutes":
            values = typical_rows
        elif key in ("min_minutes", "max_minutes"):
            bound = picked(low if key == "min_minutes" else high)
            values = [t if v is None else v for v, t in zip(bound, typical_rows, strict=True)]
        elif key == "share_pct":
            values = [100.0 if v is None else v for v in picked(column(key))]
        elif key in ("manual_entry", "seal"):
            values = list(map(flag, map(bool, picked(column(key)))))
        elif key == "wait_days":
            values = [v or 0.0 for v in picked(column(key))]
        elif key == "staff_category":
            values = [v or "regular" for v in picked(column(key))]
        else:
            values = picked(column(key))
        fields.append(values)
    fields += ([file_name(file)] * len(order), [sheet] * len(order), picked(excel_rows),
               [1] * len(order), [blank] * len(order))
    if sqlite:
        nan_for_none = _NAN_FOR_NONE.get
        fields = [list(map(nan_for_none, values, values)) if None in values else values
                  for values in fields]
    # Tuples: read_job parks them as they are, or makes them lists to send back.
    result.rows = list(zip(*fields, strict=True))  # type: ignore[arg-type]
    for pid, records in checked.items():
        result.counts[pid] = len(records)
        for s in records:
            parallel = flag(bool(s.get("_parallel")))
            for target, probability in s.get("_links", []):
                result.links.append([pid, s["step_no"], blank if target is None else target,
                                     probability, parallel])
    return result


_FLAGS = {"manual_entry", "seal", "parallel"}


def plain_values(rows: list[list[Any]], columns: tuple[str, ...]) -> list[list[Any]]:
    """Rows made for SQLite (NaN for blank, 0/1 flags) with the values themselves."""
    flags = [i for i, name in enumerate(columns) if name in _FLAGS]
    plain = []
    for row in rows:
        values = [None if type(v) is float and math.isnan(v) else v for v in row]
        for i in flags:
            values[i] = bool(values[i])
        plain.append(values)
    return plain
