"""What the report's sheets share: the five costs, column widths, titles, wrapped
paragraphs, data bars and colour scales."""

from __future__ import annotations

from typing import Any

from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import Metrics
from bpr_studio.report.printing import lines_height
from bpr_studio.report.writer import (
    NUMBER,
    YEN,
    put,
    wrapped_lines,
)

COSTS = (
    ("economic_yen", "経済的コスト", "円/年", YEN),
    ("time_h", "時間的コスト", "時間/年", NUMBER),
    ("physical_bh", "肉体的コスト", "負担時間/年", NUMBER),
    ("cognitive_bh", "頭脳的コスト", "負担時間/年", NUMBER),
    ("psychological_bh", "精神的コスト", "負担時間/年", NUMBER),
)
SIDES = (("staff", "職員"), ("citizen", "市民"))
# 概要: column widths (characters) of the printed columns A–H.
SUMMARY_WIDTHS = (34, 16, 16, 16, 12, 15, 15, 13)


def estimate(block: Metrics, metric: str) -> float:
    """The estimate shown in tables: computed with the survey's typical values, so that
    procedures add up to sections and sections to the city (ranges come from the
    Monte Carlo)."""
    return block[metric].deterministic


def data_bar(ws: Worksheet, cell_range: str, color: str = "5B9BD5") -> None:
    ws.conditional_formatting.add(cell_range, DataBarRule(start_type="min", end_type="max",
                                                          color=color, showValue=True))


def color_scale(ws: Worksheet, cell_range: str) -> None:
    ws.conditional_formatting.add(cell_range, ColorScaleRule(
        start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B"))


def sheet_title(ws: Worksheet, text: str, note: str = "") -> None:
    put(ws, 1, 1, text, bold=True, size=14)
    if note:
        put(ws, 2, 1, note)


def paragraph(ws: Worksheet, row: int, text: str,
               widths: tuple[float, ...] = SUMMARY_WIDTHS) -> None:
    """A sentence across the printed width, its row as tall as its wrapped lines."""
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = lines_height(wrapped_lines(text, sum(widths)))


def color_scale_negative(ws: Worksheet, cell_range: str) -> None:
    ws.conditional_formatting.add(cell_range, ColorScaleRule(
        start_type="min", start_color="63BE7B", end_type="max", end_color="FFFFFF"))


def printed_widths(ws: Worksheet, columns: int, page: float = 125) -> tuple[float, ...]:
    """Widths of the sheet's leading columns up to a page's width, folded ones as 0, so a
    paragraph merged over them stays on the first printed page."""
    widths: list[float] = []
    for index in range(1, columns + 1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        width = 0.0 if dimension.hidden else float(dimension.width or 8)
        if sum(widths) + width > page:
            break
        widths.append(width)
    return tuple(widths)


def series_title(text: str) -> Any:  # openpyxl's SeriesLabel, imported late
    from openpyxl.chart.series import SeriesLabel

    return SeriesLabel(v=text)
