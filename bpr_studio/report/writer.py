"""Helpers for writing report sheets: safe text, tables with formats, print setup.

Every table gets a styled header row, frozen panes, an autofilter, fitted column widths
and number formats; every sheet gets A4 at a legible scale, repeated header rows and a
footer with project, scenario, date and page number.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bpr_studio.report.printing import lines_height, printed_columns, setup_page
from bpr_studio.report.streamed_rows import (
    STREAM_ROWS,
    StreamedRows,
    Unstreamable,
    attach,
    cell_xml,
    streamed,
)

FONT = "Meiryo UI"
YEN = "¥#,##0"
NUMBER = "#,##0"
DECIMAL = "#,##0.0"
PERCENT = "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Shared style objects: building a Font per cell costs more than writing the cell.
_FONTS: dict[tuple[bool, float], Font] = {}
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")


def _font(bold: bool, size: float) -> Font:
    key = (bold, size)
    if key not in _FONTS:
        _FONTS[key] = Font(name=FONT, bold=bold, size=size)
    return _FONTS[key]
_FORMULA_STARTS = ("=", "+", "-", "@")


def safe(value: Any) -> Any:
    """Values as Excel should store them; text is never a formula (checked by the caller)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def use_japanese_font(wb: Any) -> None:
    """Make the workbook's Normal style Meiryo UI, so cells need no font of their own."""
    for style in wb._named_styles:
        if style.name == "Normal":
            style.font = Font(name=FONT, size=10)
    wb._fonts[0] = Font(name=FONT, size=10)


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None,
        bold: bool = False, size: float | None = None) -> Any:
    """Write one cell. Text starting with = + - @ is stored as text, never as a formula."""
    value = safe(value)
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"  # survey text such as "=HYPERLINK(…)" stays text
    if bold or size:
        cell.font = _font(bold, size or 10)
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format
    return cell


def display_width(text: Any) -> float:
    """Width in Excel character units: full-width (Japanese) characters count twice."""
    if text is None:
        return 0
    s = str(text)
    if s.isascii():  # no ASCII character is wide (IDs, numbers, codes)
        return len(s)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def wrapped_lines(text: Any, width: float | None) -> int:
    """Lines that ``text`` takes in a wrapped cell ``width`` characters wide (a little
    narrower than the column: cell padding, and a printer font a little wider)."""
    if text is None or text == "":
        return 1
    usable = max((width or 8.43) * 0.95 - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


@dataclass
class Column:
    key: str
    header: str
    number_format: str | None = None
    width: float | None = None  # None = fitted to the contents
    wrap: bool = False
    # Detail: folded away (an outline group, opened with its "+"), so it does not print.
    detail: bool = False


@dataclass
class Table:
    first_row: int
    last_row: int
    first_column: int
    last_column: int

    def column_range(self, index: int, header: bool = False) -> str:
        """A1 range of the data (or header + data) of the index-th column (0-based)."""
        letter = get_column_letter(self.first_column + index)
        start = self.first_row if header else self.first_row + 1
        return f"{letter}{start}:{letter}{self.last_row}"

    @property
    def ref(self) -> str:
        return (f"{get_column_letter(self.first_column)}{self.first_row}:"
                f"{get_column_letter(self.last_column)}{self.last_row}")


def write_table(ws: Worksheet, row: int, columns: Sequence[Column],
                records: Sequence[dict[str, Any]], column: int = 1, freeze: bool = True,
                autofilter: bool = True) -> Table:
    """A header row and one row per record; returns where it went."""
    for offset, col in enumerate(columns):
        cell = put(ws, row, column + offset, col.header, bold=True)
        cell.font = Font(name=FONT, bold=True, color="FFFFFF", size=10)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    # Headers wrap onto up to three lines, so they need only about a third of their length
    # (narrow columns: more of a table fits on a printed page at a legible size).
    widths = [display_width(col.header) / 3 + 1 for col in columns]
    # Borders on every cell of a long table cost more than they help on screen or paper.
    bordered = len(records) <= 500
    aligned = any(col.wrap for col in columns)
    # The style of a body cell depends only on its column and on whether its value is a
    # number: it is set through openpyxl once per such pair and copied to the other cells
    # (each assignment of a format, border or alignment hashes the style object: that was
    # half the time of a 30,000-procedure report's tables).
    if len(records) > STREAM_ROWS and not bordered:
        try:
            _stream_body(ws, row, columns, records, column, aligned, widths)
        except Unstreamable:
            attach(ws, None)
            _body(ws, row, columns, records, column, bordered, aligned, widths)
    else:
        _body(ws, row, columns, records, column, bordered, aligned, widths)
    for offset, col in enumerate(columns):
        letter = get_column_letter(column + offset)
        fitted = min(max(widths[offset] + 2, 6), 60)
        ws.column_dimensions[letter].width = col.width or fitted
        if col.detail:
            ws.column_dimensions[letter].outlineLevel = 1
            ws.column_dimensions[letter].hidden = True
    header_lines = max(wrapped_lines(col.header, ws.column_dimensions[
        get_column_letter(column + i)].width) for i, col in enumerate(columns))
    ws.row_dimensions[row].height = lines_height(max(header_lines, 2))
    last_row = row + max(len(records), 1)
    table = Table(row, last_row, column, column + len(columns) - 1)
    if freeze:
        below = (row + 1, column + 1 if column == 1 else column)
        # A streamed body must have no openpyxl cell: the pane is named, not looked up.
        ws.freeze_panes = (f"{get_column_letter(below[1])}{below[0]}" if streamed(ws)
                           else ws.cell(row=below[0], column=below[1]))
        ws.print_title_rows = f"{row}:{row}"
    if autofilter and records:
        ws.auto_filter.ref = table.ref
    return table


def _body(ws: Worksheet, row: int, columns: Sequence[Column], records: Sequence[dict[str, Any]],
          column: int, bordered: bool, aligned: bool, widths: list[float]) -> None:
    """The table's rows as openpyxl cells (``widths`` grows to fit their values)."""
    styles: dict[tuple[int, bool], Any] = {}
    for r, record in enumerate(records, start=row + 1):
        lines = 1
        for offset, col in enumerate(columns):
            value = record.get(col.key)
            cell = put(ws, r, column + offset, value)
            numeric = col.number_format is not None and isinstance(cell.value, (int, float))
            style = styles.get((offset, numeric))
            if style is not None:
                cell._style = copy(style)
            else:
                if numeric:
                    cell.number_format = col.number_format
                if bordered:
                    cell.border = BORDER
                if aligned:
                    cell.alignment = _TOP_WRAP if col.wrap else _TOP
                styles[(offset, numeric)] = copy(cell._style)
            if col.wrap and col.width and not col.detail:  # wrapped text sets the row
                # height (no viewer guesses it); folded detail columns do not print.
                lines = max(lines, wrapped_lines(value, col.width))
            if col.number_format and isinstance(value, (int, float)):
                widths[offset] = max(widths[offset], len(f"{value:,.0f}") + 2)
            elif not col.wrap:
                widths[offset] = max(widths[offset], display_width(value))
        if lines > 1:
            ws.row_dimensions[r].height = lines_height(lines)


def _stream_body(ws: Worksheet, row: int, columns: Sequence[Column],
                 records: Sequence[dict[str, Any]], column: int, aligned: bool,
                 widths: list[float]) -> None:
    """The rows of a long table as XML text (streamed_rows): the same cells, values and
    styles as :func:`_body` gives them, without an openpyxl cell each. A column of plain
    finite numbers (most of a 30,000-procedure report's 1.5 million such cells) is
    written a column at a time, one formatting per cell; any other cell as :func:`_body`
    would."""
    body = StreamedRows(ws)
    body.last_column = column + len(columns) - 1
    rows = range(row + 1, row + 1 + len(records))

    def styler(col: Column, numeric: bool) -> Any:
        def apply(cell: Any) -> None:
            if numeric:
                cell.number_format = col.number_format
            if aligned:
                cell.alignment = _TOP_WRAP if col.wrap else _TOP
        return apply

    styles: dict[tuple[int, bool], str] = {}

    def style(offset: int, numeric: bool) -> str:
        found = styles.get((offset, numeric))
        if found is None:
            found = styles[(offset, numeric)] = body.style(styler(columns[offset], numeric),
                                                           (offset, numeric))
        return found

    # Styles are registered in the order the row-by-row writing met them (the same ids):
    # the first row's cells, then any kind of cell a later row has first.
    values_of = [[record.get(col.key) for record in records] for col in columns]
    kinds = [_kinds(col, values) for col, values in zip(columns, values_of, strict=True)]
    for _first, offset, numeric in sorted((first, offset, numeric)
                                          for offset, found in enumerate(kinds)
                                          for numeric, first in found.items()):
        style(offset, numeric)
    cells: list[list[str]] = []
    lines = [1] * len(records)
    for offset, (col, values) in enumerate(zip(columns, values_of, strict=True)):
        letter = get_column_letter(column + offset)
        if col.number_format is not None and _plain_numbers(values):
            template = f'<c r="{letter}%d"{style(offset, True)} t="n"><v>%.16g</v></c>'
            cells.append([template % pair for pair in zip(rows, values, strict=True)])
            widths[offset] = max(widths[offset], _widest_number(values))
            continue
        made = []
        for r, value in zip(rows, values, strict=True):
            stored = safe(value)
            numeric = col.number_format is not None and isinstance(stored, (int, float))
            made.append(cell_xml(f"{letter}{r}", stored, style(offset, numeric)))
        cells.append(made)
        # Widths and lines of each distinct value once (a column repeats its sections,
        # measures and reasons thousands of times); by type too: 1 and True differ here.
        distinct = [value for _kind, value in dict.fromkeys((type(v), v) for v in values)]
        for value in distinct:
            if col.number_format and isinstance(value, (int, float)):
                widths[offset] = max(widths[offset], len(f"{value:,.0f}") + 2)
            elif not col.wrap:
                widths[offset] = max(widths[offset], display_width(value))
        if col.wrap and col.width and not col.detail:  # wrapped text sets the row height
            width = col.width
            count = {(type(v), v): wrapped_lines(v, width) for v in distinct}
            lines = [max(n, count[(type(value), value)])
                     for n, value in zip(lines, values, strict=True)]
    for r, row_cells in zip(rows, zip(*cells, strict=True), strict=True):
        body.add(r, row_cells)
    # Row heights stay with the body (the print setup reads them through printing.row_pt;
    # an openpyxl row dimension each cost 1.6 s for a 30,000-procedure report).
    body.heights.update((r, lines_height(n)) for r, n in zip(rows, lines, strict=True) if n > 1)
    attach(ws, body)


def _kinds(col: Column, values: list[Any]) -> dict[bool, int]:
    """Where each kind of cell of a column (numeric or not, as _body styles it) first
    occurs."""
    if col.number_format is None:
        return {False: 0} if values else {}
    numeric = [isinstance(safe(value), (int, float)) for value in values]
    return {kind: numeric.index(kind) for kind in (False, True) if kind in numeric}


def _plain_numbers(values: list[Any]) -> bool:
    """Every value a finite Python float or int (not a bool, NaN or infinity)."""
    return (all(type(value) is float or type(value) is int for value in values)
            and all(map(math.isfinite, values)))


def _widest_number(values: list[Any]) -> float:
    """max(len(f"{v:,.0f}") + 2) over plain numbers: the widest is the largest or the
    smallest (the width grows with the size on either side of zero), or a −0 when zero is
    the smallest (min() may give 0.0 where −0.0 is also there)."""
    if not values:
        return 0
    low, high = min(values), max(values)
    width = max(len(f"{low:,.0f}"), len(f"{high:,.0f}"))
    if low == 0 and any(value == 0 and math.copysign(1.0, value) < 0 for value in values):
        width = max(width, 2)
    return width + 2


def print_setup(ws: Worksheet, project: str, scenario: str, date: str,
                landscape: bool = True) -> int:
    """A4 at a legible scale (see :mod:`bpr_studio.report.printing`) and a footer naming
    the project, the scenario, the page and the date. Returns the scale in percent."""
    _wrap_notes(ws)
    scale = setup_page(ws, landscape)
    footer = ws.oddFooter
    # 10 pt: LibreOffice scales the footer with the sheet, so it prints at 8.5 pt or more.
    footer.left.text = f"{project} ／ シナリオ: {scenario}".replace("&", "&&")
    footer.left.size = 10
    footer.center.text = "&P / &N ページ"
    footer.center.size = 10
    footer.right.text = f"作成日 {date}"
    footer.right.size = 10
    return scale


def _wrap_notes(ws: Worksheet) -> None:
    """Notes under a sheet's title (A2, A3) wrap within the printed columns instead of
    running off the page's right edge."""
    first, last = printed_columns(ws)
    width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                for c in range(first, last + 1))
    merged = {(r.min_row, r.min_col) for r in ws.merged_cells.ranges}
    for row in (2, 3):
        cell = ws.cell(row=row, column=1)
        if (not isinstance(cell.value, str) or (row, 1) in merged or last <= 1
                or display_width(cell.value) <= width):
            continue
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell.alignment = _TOP_WRAP
        ws.row_dimensions[row].height = lines_height(wrapped_lines(cell.value, width))
