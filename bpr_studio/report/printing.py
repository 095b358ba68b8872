"""How each report sheet prints: A4, a scale that keeps text legible, charts kept whole.

Excel's "fit to one page wide" shrinks a wide sheet until its text is unreadable (a
32-column table printed at about 5 pt). Instead the scale is worked out here from the
column widths and chart sizes of the sheet's print area: the sheet is scaled to fit the
page width, but never below :data:`MIN_SCALE` percent; a sheet that is still too wide
runs onto further pages across, with its key columns repeated on every page. Charts
and pictures that would straddle a page break start on a new page.

Sizes are in points (1/72 inch). Rows are given an explicit default height so that
Excel and LibreOffice lay the pages out alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.dimensions import SheetFormatProperties
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from bpr_studio.report.streamed_rows import streamed

MIN_SCALE = 85          # % : 10 pt cell text never prints under 8.5 pt
ROW_PT = 15.0           # default row height; one line of 10 pt text
LINE_PT = 13.5          # each further line of wrapped 10 pt text
A4_PT = (595.3, 841.9)  # portrait width, height
MARGIN_SIDE_IN = 0.4
MARGIN_TOP_IN = 0.75    # leaves room for the footer in the bottom margin
MARGIN_BOTTOM_IN = 0.75
CM_PT = 72 / 2.54
DEFAULT_WIDTH = 8.43    # Excel's default column width, in characters


def lines_height(lines: int) -> float:
    """Row height (pt) that shows ``lines`` lines of wrapped 10 pt text."""
    return ROW_PT + LINE_PT * (max(lines, 1) - 1)


def column_pt(width: float | None, font_pt: float = 10.0) -> float:
    """Printed width of a column of ``width`` Excel characters, for a workbook whose
    Normal font is ``font_pt``. LibreOffice prints a character as 0.635 of the font size
    (the digit width of its fallback font), Excel about 7 px + 5 px padding at 10-11 pt:
    the wider of the two, so neither prints off the page."""
    w = width or DEFAULT_WIDTH
    return max(w * 0.635 * font_pt, (w * 7 + 5) * 0.75)


def normal_font_pt(ws: Worksheet) -> float:
    """Size of the workbook's Normal font: column widths are counted in its digits."""
    fonts = getattr(ws.parent, "_fonts", None)
    size = fonts[0].sz if fonts else None
    return float(size or 11.0)


@dataclass(frozen=True)
class Page:
    width_pt: float
    height_pt: float


def printable(landscape: bool) -> Page:
    short, long = A4_PT
    width, height = (long, short) if landscape else (short, long)
    return Page(width - 2 * 72 * MARGIN_SIDE_IN,
                height - 72 * (MARGIN_TOP_IN + MARGIN_BOTTOM_IN))


def _area(ws: Worksheet) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of the print area, else of the used cells."""
    if ws.print_area:
        ref = ws.print_area.split(",")[0].split("!")[-1].replace("$", "")
        bounds = range_boundaries(ref)
        return bounds[0] or 1, bounds[1] or 1, bounds[2] or 1, bounds[3] or 1
    return 1, 1, max(ws.max_column, 1), max(ws.max_row, 1)


def printed_columns(ws: Worksheet) -> tuple[int, int]:
    """First and last column that print."""
    min_col, _r, max_col, _r2 = _area(ws)
    return min_col, max_col


def _drawings(ws: Worksheet) -> list[tuple[int, int, float, float]]:
    """(row, column, width_pt, height_pt) of every chart and picture, by anchor cell."""
    found = []
    for chart in ws._charts:
        col, row = _anchor(chart.anchor)
        found.append((row, col, chart.width * CM_PT, chart.height * CM_PT))
    for image in ws._images:
        col, row = _anchor(image.anchor)
        found.append((row, col, image.width * 0.75, image.height * 0.75))  # px at 96 dpi
    return sorted(found)


def _anchor(anchor: object) -> tuple[int, int]:
    if isinstance(anchor, str):
        letters, row = coordinate_from_string(anchor)
        return column_index_from_string(letters), row
    marker = getattr(anchor, "_from")  # a OneCellAnchor/TwoCellAnchor, 0-based  # noqa: B009
    return int(marker.col) + 1, int(marker.row) + 1


def row_pt(ws: Worksheet, row: int) -> float:
    body = streamed(ws)
    height = body.heights.get(row) if body is not None else None
    if height is None and row in ws.row_dimensions:
        height = ws.row_dimensions[row].height
    return height or ROW_PT


def needed_width(ws: Worksheet) -> float:
    """Width (pt) of the print area's columns, or further right if a chart reaches."""
    min_col, _r, max_col, _r2 = _area(ws)
    font_pt = normal_font_pt(ws)

    def width_of(c: int) -> float:
        return column_pt(ws.column_dimensions[get_column_letter(c)].width, font_pt)

    right = sum(width_of(c) for c in range(min_col, max_col + 1))
    for _row, col, width, _height in _drawings(ws):
        start = sum(width_of(c) for c in range(min_col, col))
        right = max(right, start + width)
    return right


def choose_scale(ws: Worksheet, page: Page) -> tuple[int, bool]:
    """(scale %, fits one page wide)."""
    width = needed_width(ws)
    scale = min(100, math.floor(page.width_pt / width * 100)) if width else 100
    if scale >= MIN_SCALE:
        return scale, True
    return MIN_SCALE, False


def keep_drawings_whole(ws: Worksheet, page: Page, scale: int) -> None:
    """Add a page break before a chart or picture that would cross a page boundary."""
    _c, first, _c2, last = _area(ws)
    height = page.height_pt * 100 / scale  # sheet points per printed page
    drawings = _drawings(ws)
    by_row: dict[int, float] = {}
    for row, _col, _width, h in drawings:
        by_row[row] = max(by_row.get(row, 0.0), h)
    manual = {b.id for b in ws.row_breaks.brk}
    titles = _title_rows_pt(ws)
    used = 0.0
    last = max(last, max(by_row, default=0))
    for row in range(first, last + 1):
        if row - 1 in manual and row != first:
            used = titles
        if row in by_row and used > titles and used + by_row[row] > height:
            # The caption right above a chart or picture goes to the new page with it.
            captioned = row - 1 > first and ws.cell(row=row - 1, column=1).value is not None
            start = row - 1 if captioned else row
            ws.row_breaks.append(Break(id=start - 1))
            manual.add(start - 1)
            used = titles + (row_pt(ws, row - 1) if captioned else 0.0)
        if _is_heading(ws, row) and used > titles and used + sum(
                row_pt(ws, r) for r in range(row, row + 3)) > height:
            ws.row_breaks.append(Break(id=row - 1))  # a heading stays with its table
            manual.add(row - 1)
            used = titles
        h = row_pt(ws, row)
        if used + h > height:  # the program's own break
            used = titles
        used += h


def _is_heading(ws: Worksheet, row: int) -> bool:
    """A section heading: a value in column A set in 12 pt or more (sheets.py's style)."""
    cell = ws.cell(row=row, column=1)
    return cell.value is not None and (cell.font.sz or 0) >= 12 and row > 2


def _title_rows_pt(ws: Worksheet) -> float:
    if not ws.print_title_rows:
        return 0.0
    ref = ws.print_title_rows.split("!")[-1].replace("$", "")
    first, last = (int(part) for part in ref.split(":"))
    return sum(row_pt(ws, r) for r in range(first, last + 1))


def setup_page(ws: Worksheet, landscape: bool = True) -> int:
    """A4, margins, a legible scale and whole charts. Returns the scale in percent."""
    ws.sheet_format = SheetFormatProperties(defaultRowHeight=ROW_PT, customHeight=True)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE_IN
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP_IN, MARGIN_BOTTOM_IN
    ws.page_margins.footer = 0.3
    page = printable(landscape)
    scale, fits = choose_scale(ws, page)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = scale
    ws.print_options.horizontalCentered = fits
    if not fits:
        # Too wide for one page: pages run across, left to right, then down, and the
        # columns left of the frozen pane (ID, name) repeat on each.
        ws.page_setup.pageOrder = "overThenDown"
        frozen = ws.freeze_panes
        if frozen:
            letters, _row = coordinate_from_string(frozen)
            if column_index_from_string(letters) > 1:
                ws.print_title_cols = f"A:{get_column_letter(column_index_from_string(letters) - 1)}"
    keep_drawings_whole(ws, page, scale)
    return scale


def print_rows(ws: Worksheet, last_row: int, last_column: int | None = None) -> None:
    """Print only rows 1..last_row (and columns A..last_column): e.g. the top of a list."""
    column = last_column or ws.max_column
    ws.print_area = f"A1:{get_column_letter(column)}{last_row}"
