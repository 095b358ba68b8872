"""Find the header of a sheet and turn its data rows into clean records.

Each record is a dict of column key → clean value, plus ``_row`` (the Excel row
number) and ``_cells`` (column key → cell reference) so that later checks can point
at the exact cell. Every problem becomes an :class:`ImportIssue`.

What people type is accepted when its meaning is clear, and said back to them as
information with the cell (one line per kind of reading and column, listing the other
cells read the same way): approximate counts, ranges, ditto marks (〃), merged cells,
alternative header names. What is ambiguous is a warning naming both readings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_
from typing import Any

from bpr_studio.io import fast_cells
from bpr_studio.io import normalize as nz
from bpr_studio.io.cell_formats import PERCENT
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue, cell_ref, column_letter
from bpr_studio.io.sheet_columns import SheetColumns
from bpr_studio.io.sheet_header import HEADER_SEARCH_ROWS, Header, closest_header, locate_header
from bpr_studio.io.survey_format import Column, SheetSpec
from bpr_studio.io.workbook_reader import RawSheet

__all__ = ["HEADER_SEARCH_ROWS", "ParsedSheet", "find_header", "parse_sheet", "parse_value",
           "parser_for"]

_NOTE_MARKERS = ("※", "*", "＊", "#", "＃", "注", "【", "(注", "（注", "備考:", "備考：")
_EXAMPLE_MARKERS = ("例", "記入例", "(例", "（例", "ex-", "example")
# Readings that are a guess between two meanings: warnings, not information.
_WARNING_NOTES = {"percent_fraction", "read_date_as_months"}
_ALSO_LISTED = 6  # cells named in one aggregated line before "… and N more"
# What to type, appended to a message about a column of this kind.
_HINT_BY_KIND = {"minutes": "hint_minutes", "int": "hint_count", "number": "hint_number",
                 "rating": "hint_rating", "bool": "hint_bool", "months": "hint_months",
                 "next": "hint_next"}

# Messages that do not say by themselves what to type get the column's hint.
_HINTED = {"stored_as_date", "range_reversed"}

Parser = Callable[[Any, "nz.Notes | None"], Any]


@dataclass
class ParsedSheet:
    records: list[dict[str, Any]] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    header_row: int | None = None  # 1-based (the last header row when there are two)
    columns: SheetColumns | None = None  # parse_sheet(as_columns=True): instead of records


def _without_notes(parse: Callable[[Any], Any]) -> Parser:
    def parse_cell(value: Any, _notes: nz.Notes | None = None) -> Any:
        return parse(value)
    return parse_cell


def parser_for(column: Column) -> Parser:
    kind = column.kind
    if kind == "id":
        return _without_notes(nz.clean_id)
    if kind == "text":
        return _without_notes(nz.clean_text)
    if kind in ("int", "rating"):
        return nz.parse_int
    if kind == "number":
        return nz.parse_number
    if kind == "minutes":
        return nz.parse_minutes
    if kind == "bool":
        return _without_notes(nz.parse_bool)
    if kind == "months":
        return nz.parse_months
    if kind == "next":
        return _without_notes(nz.parse_next_steps)
    if kind == "code":
        code_list = column.code_list
        assert code_list is not None

        def parse_code(value: Any, _notes: nz.Notes | None = None) -> str:
            code = code_list.parse(str(value))
            if code is None:
                raise nz.CellProblem("bad_code", choices=" / ".join(code_list.ja_labels))
            return code
        return parse_code
    raise ValueError(f"unknown column kind {kind}")


def hint_params(column: Column) -> dict[str, Any]:
    """Message parameters that say what to type in ``column`` (see messages.message)."""
    if column.code_list is not None:
        return {"hint": "hint_choices", "choices": " / ".join(column.code_list.ja_labels)}
    hint = _HINT_BY_KIND.get(column.kind)
    return {"hint": hint} if hint else {}


def parse_value(column: Column, raw: Any, parse: Parser | None = None,
                notes: nz.Notes | None = None) -> Any:
    """A non-blank cell parsed and range-checked; raises CellProblem (the importer and the
    app's in-place edits share this, so a value is valid in one exactly when in the other)."""
    value = (parse or parser_for(column))(raw, notes)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if column.percent and 0 < value < 1 and not _says_percent(raw):
            pct = round(value * 100, 9)
            if notes is not None:
                notes.append(("percent_fraction", {"raw": f"{value:g}", "pct": f"{pct:g}"}))
            value = pct
        if column.minimum is not None and value < column.minimum:
            raise nz.CellProblem("below_min", min=f"{column.minimum:g}")
        if column.maximum is not None and value > column.maximum:
            raise nz.CellProblem("above_max", max=f"{column.maximum:g}")
    return value


def _says_percent(raw: Any) -> bool:
    return isinstance(raw, str) and "%" in nz.nfkc(raw)


def find_header(sheet: RawSheet, spec: SheetSpec) -> tuple[int, dict[int, Column], list[str]] | None:
    """(last header row 0-based, column index → Column, headers found) of the best header."""
    header = locate_header(sheet, spec)
    if header is None:
        return None
    width = max(header.texts, default=-1) + 1
    return header.last, header.mapping, [header.texts.get(c, "") for c in range(width)]


class _Notes:
    """Readings to tell the sender, gathered into one line per (reading, column)."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], list[tuple[str, Any, dict[str, Any]]]] = {}

    def add(self, key: str, column: str, ref: str, raw: Any, params: dict[str, Any]) -> None:
        self.groups.setdefault((key, column), []).append((ref, raw, params))

    def issues(self, emit: Callable[..., None]) -> None:
        for (key, column), cells in self.groups.items():
            ref, raw, params = cells[0]
            others = [c for c, _r, _p in cells[1:]]
            also = ", ".join(others[:_ALSO_LISTED])
            if len(others) > _ALSO_LISTED:
                also += f" (+{len(others) - _ALSO_LISTED})"
            severity = WARNING if key in _WARNING_NOTES else INFO
            emit(severity, key, ref, nz.show_date(raw) if raw is not None else "",
                 column=column, also=also, **params)


def _fill_merged(sheet: RawSheet, first_data: int, mapping: dict[int, Column],
                 notes: _Notes, texts: dict[int, str]) -> None:
    """A cell merged down several rows shows its value on each: give it to each row."""
    for (r0, c0), (r1, c1) in sorted(sheet.merged):  # top to bottom, whatever the file's order
        if r1 <= r0 or r0 < first_data or c0 not in mapping or r0 >= len(sheet.rows):
            continue
        value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else None
        if nz.is_blank(value):
            continue
        for r in range(r0 + 1, min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if len(row) <= c0:
                row.extend([""] * (c0 + 1 - len(row)))
            row[c0] = value
        notes.add("read_merged", texts.get(c0, mapping[c0].ja),
                  f"{cell_ref(c0, r0 + 1)}:{cell_ref(c1, r1 + 1)}", value,
                  {"shown": value, "rows": f"{r0 + 1}～{r1 + 1}"})


def _header_issues(header: Header, spec: SheetSpec, sheet: RawSheet,
                   issue: Callable[..., None]) -> list[Column]:
    """Report duplicate, unknown, renamed, merged and missing header columns.

    Returns the required columns that are missing (the sheet cannot be read without them).
    """
    mapping = header.mapping
    header_row = header.last + 1
    used: dict[str, int] = {}
    for c in sorted(mapping):
        key = mapping[c].key
        if key in used:
            issue(WARNING, "column_duplicate", cell_ref(c, header_row), column=header.texts[c])
            del mapping[c]
        else:
            used[key] = c
    missing = [c for c in spec.columns if c.required and c.key not in used]
    near = {column.key: closest_header(header, column) for column in missing}
    suggested = {found[0] for found in near.values() if found is not None}
    for c, text in sorted(header.texts.items()):
        if c not in mapping and c not in used.values() and c not in suggested:
            issue(INFO, "column_unknown", cell_ref(c, header_row), column=text)
    renamed = header.renamed()
    if renamed:  # one line per sheet: the sender checks the list at a glance
        pairs = "、".join(f"{text} → {column.ja}" for _c, text, column in renamed)
        issue(INFO, "columns_renamed", cell_ref(renamed[0][0], header_row), pairs=pairs)
    for (r0, c0), (r1, c1) in sheet.merged:
        spans_header = r0 <= header.last and r1 >= header.first and c1 != c0
        hides = any(c not in mapping for c in range(c0, c1 + 1))
        if spans_header and hides:
            issue(ERROR if missing else WARNING, "header_merged", cell_ref(c0, r0 + 1),
                  range=f"{cell_ref(c0, r0 + 1)}:{cell_ref(c1, r1 + 1)}", spec=spec.key)
    for column in missing:
        found = near[column.key]
        if found is not None:
            c, text = found
            issue(ERROR, "column_missing_similar", cell_ref(c, header_row), text, found=text,
                  column=column.ja, spec=spec.key)
        else:
            issue(ERROR, "column_missing", str(header_row), column=column.ja, row=header_row,
                  spec=spec.key)
    return missing


def parse_sheet(sheet: RawSheet, spec: SheetSpec, file: str, *,
                as_columns: bool = False) -> ParsedSheet:
    """The sheet's records (or, ``as_columns``, its rows as columns: ``result.columns``,
    None when the sheet has no data rows to read) and its issues."""
    result = ParsedSheet()

    def issue(severity: str, key: str, cell: str = "", value: Any = "", **params: Any) -> None:
        result.issues.append(ImportIssue(severity, key, file, sheet.name, cell,
                                         "" if value is None else str(value), params))

    header = locate_header(sheet, spec)
    required = [c for c in spec.columns if c.required]
    if header is None:
        issue(ERROR, "header_not_found", "", required=", ".join(c.ja for c in required),
              spec=spec.key)
        return result
    result.header_row = header.last + 1
    if _header_issues(header, spec, sheet, issue):
        return result
    mapping = header.mapping
    notes = _Notes()
    header_text = {c: header.texts.get(c, mapping[c].ja) for c in mapping}
    _fill_merged(sheet, header.last + 1, mapping, notes, header_text)
    letters = {mapping[c].key: column_letter(c) for c in sorted(mapping)}
    parsers = []
    for c in sorted(mapping):
        column = mapping[c]
        seen: dict[str, Any] | None = {} if fast_cells.remembers(column) else None
        blank = fast_cells.ENABLED and not column.required
        fast = fast_cells.fast_reader(column, seen, blank=blank)
        if column.percent and sheet.cell_formats:
            # a cell shown as 15% is read as shown, by the general path
            fast = fast_cells.blank_reader if blank else None
        whole = fast_cells.column_reader(column, fast, seen=seen, blank=blank)
        parsers.append(_ColumnReader(c, column, parser_for(column), fast, seen,
                                     letters[column.key], whole))
    parsed = _parse_rows(sheet, header.last + 1, parsers, header_text, notes, issue)
    if as_columns:
        result.columns = parsed
    else:
        result.records = parsed.records()
    notes.issues(issue)
    return result


@dataclass
class _ColumnReader:
    index: int  # 0-based column of the sheet
    column: Column
    parse: Parser
    # The common cells (an empty optional cell included), or None: fast_cells.fast_reader
    fast: fast_cells.FastReader | None
    seen: dict[str, Any] | None  # drop-down labels read already (fast_cells.remember)
    letter: str
    # ``fast`` over the whole column in a few C-level passes, or None: fast_cells.column_reader
    whole: fast_cells.ColumnReader | None = None


class _Recorder:
    """Issues and notes of the data rows, kept with their place (row, column slot), so
    they are told in the order a row-by-row reading gives whatever order the cells were
    read in."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int, bool, tuple[Any, ...], dict[str, Any]]] = []
        self.at = (0, 0)

    def issue(self, *args: Any, **params: Any) -> None:
        self.calls.append((*self.at, len(self.calls), False, args, params))

    def add(self, *args: Any) -> None:  # as _Notes.add
        self.calls.append((*self.at, len(self.calls), True, args, {}))

    def replay(self, notes: _Notes, issue: Callable[..., None]) -> None:
        for _r, _slot, _n, is_note, args, params in sorted(self.calls, key=lambda c: c[:3]):
            if is_note:
                notes.add(*args)
            else:
                issue(*args, **params)


def _data_rows(sheet: RawSheet, first_data: int, parsers: list[_ColumnReader],
               recorder: _Recorder) -> list[int]:
    """The 0-based rows that hold records: not blank, not a note, not an example."""
    errors = sheet.error_cells
    id_col = next((p.index for p in parsers if p.column.kind == "id"), None)
    hidden = sheet.hidden_rows
    kept = []
    rows = sheet.rows
    for r in range(first_data, len(rows)):
        row = rows[r]
        excel_row = r + 1
        first = None
        for value in row:  # the first cell that is not blank (nz.is_blank, inlined)
            if value is None or (isinstance(value, str)
                                 and value.strip().replace("\u3000", "") == ""):
                continue
            first = value
            break
        if first is None:
            if not errors or not any((excel_row, p.index) in errors for p in parsers):
                continue
            first = ""  # a row of nothing but formula errors is still a row
        if isinstance(first, str) and first.strip().startswith(_NOTE_MARKERS):
            continue
        if id_col is not None and id_col < len(row) and isinstance(row[id_col], str):
            raw_id = row[id_col]
            # NFKC leaves ASCII as it is: only its spaces could change how it starts
            id_text = (raw_id.strip() if raw_id.isascii() else nz.nfkc(raw_id)).lower()
            if id_text.startswith(_EXAMPLE_MARKERS):
                recorder.at = (r, -1)
                recorder.issue(INFO, "example_row_skipped", cell_ref(id_col, excel_row), raw_id)
                continue
        if excel_row in hidden:
            recorder.at = (r, len(parsers))
            recorder.issue(WARNING, "hidden_row", str(excel_row))
        kept.append(r)
    return kept


def _parse_rows(sheet: RawSheet, first_data: int, parsers: list[_ColumnReader],
                header_text: dict[int, str], notes: _Notes,
                issue: Callable[..., None]) -> SheetColumns:
    """The data rows' values, read a column at a time: each column's common cells
    by its fast reader in one pass, the others through the general path (_read_cell) in
    row order, as a row-by-row reading reads them (the cell above for 〃, the drop-down
    labels learnt so far). Issues and notes are told in row order."""
    recorder = _Recorder()
    kept = _data_rows(sheet, first_data, parsers, recorder)
    rows = [sheet.rows[r] for r in kept]
    excel_rows = [r + 1 for r in kept]
    width = min(map(len, rows), default=0)
    # The columns of a rectangular sheet (calamine's) in one C-level pass.
    transposed = list(zip(*rows, strict=True)) if rows and max(map(len, rows)) == width else None
    errors = sheet.error_cells
    index_of = {row: i for i, row in enumerate(excel_rows)} if errors else {}
    slow_value = fast_cells.SLOW
    above: dict[int, Any] = {}  # column → the value of the row above, for 〃
    ranges: dict[int, dict[str, tuple[float, float]]] = {}
    columns = []
    for slot, reader in enumerate(parsers):
        c = reader.index
        raws: Sequence[Any] = (transposed[c] if transposed is not None and c < width
                               else [row[c] if c < len(row) else None for row in rows])
        values = (reader.whole(raws) if reader.whole is not None
                  else list(map(reader.fast, raws)) if reader.fast is not None
                  else [slow_value] * len(raws))
        error_at = {index_of[row] for row, col in errors if col == c and row in index_of}
        for i in error_at:
            values[i] = slow_value  # a formula error is told by the general path
        remembered = reader.seen if reader.fast is not None else None
        previous = -2  # the last row read through the general path
        name = header_text[c]
        # Most columns hold no cell for the general path: one C-level look says so.
        slow = (list(compress(range(len(values)), map(is_, values, repeat(slow_value))))
                if any(map(is_, values, repeat(slow_value))) else ())
        for i in slow:
            raw = raws[i]
            if remembered is not None and i not in error_at and type(raw) is str:
                value = remembered.get(raw, slow_value)  # a label learnt above this row
                if value is not slow_value:
                    values[i] = value
                    continue
            if i == 0:
                above.pop(c, None)
            elif i - 1 != previous:
                above[c] = raws[i - 1]  # the row above was read by the fast path
            previous = i
            recorder.at = (kept[i], slot)
            cell_ranges: dict[str, tuple[float, float]] = {}
            value = _read_cell(sheet, excel_rows[i], reader, raw, name, above, recorder,
                               recorder.issue, cell_ranges)
            values[i] = None if value is slow_value else value
            if cell_ranges:
                ranges.setdefault(i, {}).update(cell_ranges)
        columns.append(values)
    recorder.replay(notes, issue)
    return SheetColumns([reader.column.key for reader in parsers], columns, excel_rows,
                        {reader.column.key: reader.letter for reader in parsers}, ranges)


def _read_cell(sheet: RawSheet, excel_row: int, reader: _ColumnReader, raw: Any, name: str,
               above: dict[int, Any], notes: _Recorder, issue: Callable[..., None],
               ranges: dict[str, tuple[float, float]]) -> Any:
    """One cell through the general path: its clean value, or fast_cells.SLOW when it
    has none (an issue says why, or the cell is blank)."""
    c, column, parse = reader.index, reader.column, reader.parse
    nothing = fast_cells.SLOW
    ref = f"{reader.letter}{excel_row}"
    errors = sheet.error_cells
    if (excel_row, c) in errors:
        issue(ERROR, "formula_error", ref, errors[(excel_row, c)], error=errors[(excel_row, c)])
        return nothing
    if nz.is_ditto(raw):
        if c not in above or nz.is_blank(above[c]):
            issue(ERROR, "ditto_without_value", ref, raw, column=name, **hint_params(column))
            return nothing
        notes.add("read_ditto", name, ref, raw, {"mark": raw, "read": above[c]})
        raw = above[c]
    above[c] = raw
    if nz.is_blank(raw):
        if column.required:
            issue(ERROR, "required", ref, column=name, **hint_params(column))
        return nothing
    if (column.percent and isinstance(raw, (int, float)) and not isinstance(raw, bool)
            and sheet.cell_formats.get((excel_row, c)) == PERCENT):
        raw = f"{round(raw * 100, 9)!r}%"  # shown 15%, stored 0.15: read what is shown
    cell_notes: nz.Notes = []
    try:
        span = nz.minutes_range(raw) if column.kind == "minutes" else None
        if span is not None:
            value = _range_value(column, span, ranges)
            cell_notes.append(("read_range_minutes", {
                "low": f"{span[0]:g}", "high": f"{span[1]:g}", "read": f"{value:g}"}))
            value = parse_value(column, value, parse)
        else:
            value = parse_value(column, raw, parse, cell_notes)
    except nz.CellProblem as problem:
        hint = hint_params(column) if problem.key in _HINTED else {}
        issue(ERROR, problem.key, ref, nz.show_date(raw), column=name, **hint,
              **problem.params)
        return nothing
    for key, params in cell_notes:
        notes.add(key, name, ref, raw, params)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if column.warn_above is not None and value > column.warn_above:
            # Above a working day's 8 hours a minutes cell is often waiting, not work.
            issue(WARNING, "suspicious_high_minutes" if column.kind == "minutes"
                  else "suspicious_high", ref, raw, column=name,
                  limit=f"{column.warn_above:g}")
    elif column.required and value is None:
        issue(ERROR, "required", ref, column=name, **hint_params(column))
    elif reader.seen is not None and not cell_notes:
        fast_cells.remember(reader.seen, raw, value)
    return value


@functools.cache
def _letters(width: int) -> list[str]:
    """Column letters A, B, … for the first ``width`` columns (computed once per width)."""
    return [column_letter(c) for c in range(width)]


def _range_value(column: Column, span: tuple[float, float],
                 ranges: dict[str, tuple[float, float]]) -> float:
    """The value a range stands for in a minutes column: the low end as a minimum, the high
    end as a maximum, the midpoint as the typical time (whose ends fill blank bounds)."""
    low, high = span
    if column.key == "min_minutes":
        return low
    if column.key == "max_minutes":
        return high
    ranges[column.key] = span
    return (low + high) / 2
