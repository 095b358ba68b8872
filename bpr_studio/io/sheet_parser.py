"""Find the header row of a sheet and turn its data rows into clean records.

Each record is a dict of column key → clean value, plus ``_row`` (the Excel row
number) and ``_cells`` (column key → cell reference) so that later checks can point
at the exact cell. Every problem becomes an :class:`ImportIssue`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bpr_studio.io import normalize as nz
from bpr_studio.io.cell_formats import PERCENT
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue, cell_ref, column_letter
from bpr_studio.io.survey_format import Column, SheetSpec, header_key
from bpr_studio.io.workbook_reader import RawSheet

HEADER_SEARCH_ROWS = 20
_NOTE_MARKERS = ("※", "*", "＊", "#", "＃", "注", "【", "(注", "（注", "備考:", "備考：")
_EXAMPLE_MARKERS = ("例", "記入例", "(例", "（例", "ex-", "example")


@dataclass
class ParsedSheet:
    records: list[dict[str, Any]] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    header_row: int | None = None  # 1-based


def parser_for(column: Column) -> Callable[[Any], Any]:
    kind = column.kind
    if kind == "id":
        return nz.clean_id
    if kind == "text":
        return nz.clean_text
    if kind in ("int", "rating"):
        return nz.parse_int
    if kind == "number":
        return nz.parse_number
    if kind == "minutes":
        return nz.parse_minutes
    if kind == "bool":
        return nz.parse_bool
    if kind == "months":
        return nz.parse_months
    if kind == "next":
        return nz.parse_next_steps
    if kind == "code":
        code_list = column.code_list
        assert code_list is not None

        def parse_code(value: Any) -> str:
            code = code_list.parse(str(value))
            if code is None:
                raise nz.CellProblem("bad_code", choices=" / ".join(code_list.ja_labels))
            return code
        return parse_code
    raise ValueError(f"unknown column kind {kind}")


def parse_value(column: Column, raw: Any, parse: Callable[[Any], Any] | None = None) -> Any:
    """A non-blank cell parsed and range-checked; raises CellProblem (the importer and the
    app's in-place edits share this, so a value is valid in one exactly when in the other)."""
    value = (parse or parser_for(column))(raw)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if column.minimum is not None and value < column.minimum:
            raise nz.CellProblem("below_min", min=f"{column.minimum:g}")
        if column.maximum is not None and value > column.maximum:
            raise nz.CellProblem("above_max", max=f"{column.maximum:g}")
    return value


def _percent_value(raw: float, percent_format: bool,
                   warn: Callable[[str, str], None]) -> float:
    """A number in a percent column as the percentage meant.

    Excel stores a cell shown as 15% as 0.15: read it as 15. A plain 0 < x < 1 is read the
    same way (nobody writes a 0.15 % share of cases), with a warning naming both readings.
    """
    if percent_format:
        return round(raw * 100, 9)
    if 0 < raw < 1:
        pct = round(raw * 100, 9)
        warn(f"{raw:g}", f"{pct:g}")
        return pct
    return raw


def find_header(sheet: RawSheet, spec: SheetSpec) -> tuple[int, dict[int, Column], list[str]] | None:
    """(row index 0-based, column index → Column, headers found) of the best header row."""
    lookup: dict[str, Column] = {}
    for column in spec.columns:
        for key in column.header_keys():
            lookup.setdefault(key, column)
    best: tuple[int, dict[int, Column], list[str]] | None = None
    best_score = 1  # need at least two recognised headers
    for r, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[int, Column] = {}
        for c, value in enumerate(row):
            if isinstance(value, str) and value.strip():
                found = lookup.get(header_key(value))
                if found is not None:
                    mapping[c] = found
        score = len({col.key for col in mapping.values()})
        if score > best_score:
            best, best_score = (r, mapping, [str(v) for v in row]), score
    return best


def parse_sheet(sheet: RawSheet, spec: SheetSpec, file: str) -> ParsedSheet:
    result = ParsedSheet()

    def issue(severity: str, key: str, cell: str = "", value: Any = "", **params: Any) -> None:
        result.issues.append(ImportIssue(severity, key, file, sheet.name, cell,
                                         "" if value is None else str(value), params))

    header = find_header(sheet, spec)
    required = [c for c in spec.columns if c.required]
    if header is None:
        issue(ERROR, "header_not_found", "", required=", ".join(c.ja for c in required))
        return result
    header_index, mapping, header_texts = header
    header_row = header_index + 1
    result.header_row = header_row

    # Resolve duplicates: the first column with a given key wins.
    used: dict[str, int] = {}
    for c in sorted(mapping):
        key = mapping[c].key
        if key in used:
            issue(WARNING, "column_duplicate", cell_ref(c, header_row), column=header_texts[c])
            del mapping[c]
        else:
            used[key] = c
    for c, text in enumerate(header_texts):
        if c not in mapping and text.strip() and c not in used.values():
            issue(INFO, "column_unknown", cell_ref(c, header_row), column=text.strip())

    merged_header = [m for m in sheet.merged if m[0][0] <= header_index <= m[1][0]
                     and m[0][1] != m[1][1]]
    missing = [c for c in required if c.key not in used]
    for (r0, c0), (r1, c1) in merged_header:
        issue(ERROR if missing else WARNING, "header_merged", cell_ref(c0, r0 + 1),
              range=f"{cell_ref(c0, r0 + 1)}:{cell_ref(c1, r1 + 1)}")
    for column in missing:
        issue(ERROR, "column_missing", "", column=column.ja)
    if missing:
        return result

    parsers = [(c, mapping[c], parser_for(mapping[c])) for c in sorted(mapping)]
    id_col = next((c for c, col, _ in parsers if col.kind == "id"), None)
    header_text = {c: header_texts[c].strip() for c in mapping}
    errors = sheet.error_cells
    for r in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[r]
        excel_row = r + 1
        first = next((v for v in row if not nz.is_blank(v)), None)
        if first is None:
            if any((excel_row, c) in errors for c in mapping):
                first = ""  # a row of nothing but formula errors is still a row
            else:
                continue
        if isinstance(first, str) and first.strip().startswith(_NOTE_MARKERS):
            continue
        if id_col is not None and id_col < len(row) and isinstance(row[id_col], str):
            id_text = nz.nfkc(row[id_col]).lower()
            if id_text.startswith(_EXAMPLE_MARKERS):
                issue(INFO, "example_row_skipped", cell_ref(id_col, excel_row), row[id_col])
                continue
        record: dict[str, Any] = {"_row": excel_row}
        cells: dict[str, str] = {}
        for c, column, parse in parsers:
            ref = f"{column_letter(c)}{excel_row}"
            cells[column.key] = ref
            if (excel_row, c) in errors:
                issue(ERROR, "formula_error", ref, errors[(excel_row, c)],
                      error=errors[(excel_row, c)])
                record[column.key] = None
                continue
            raw = row[c] if c < len(row) else None
            if column.percent and isinstance(raw, (int, float)) and not isinstance(raw, bool):
                def warn(shown: str, pct: str, ref: str = ref, c: int = c) -> None:
                    issue(WARNING, "percent_fraction", ref, shown,
                          column=header_text[c], raw=shown, pct=pct)

                raw = _percent_value(raw, sheet.cell_formats.get((excel_row, c)) == PERCENT, warn)
            if nz.is_blank(raw):
                record[column.key] = None
                if column.required:
                    issue(ERROR, "required", ref, column=header_text[c])
                continue
            try:
                value = parse_value(column, raw, parse)
            except nz.CellProblem as problem:
                issue(ERROR, problem.key, ref, raw, column=header_text[c], **problem.params)
                record[column.key] = None
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if column.warn_above is not None and value > column.warn_above:
                    issue(WARNING, "suspicious_high", ref, raw, column=header_text[c],
                          limit=f"{column.warn_above:g}")
            elif column.required and value is None:
                issue(ERROR, "required", ref, column=header_text[c])
            record[column.key] = value
        record["_cells"] = cells
        if excel_row in sheet.hidden_rows:
            issue(WARNING, "hidden_row", str(excel_row))
        result.records.append(record)
    return result
