"""優先順位 (where to start, one row per procedure) and the priority matrix on 概要."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.chart import BubbleChart, Reference, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import SimulationResult
from bpr_studio.report.chart_style import style_chart
from bpr_studio.report.parts import (
    color_scale,
    data_bar,
    paragraph,
    printed_widths,
    sheet_title,
)
from bpr_studio.report.printing import print_rows
from bpr_studio.report.writer import (
    DECIMAL,
    NUMBER,
    PERCENT,
    YEN,
    Column,
    write_table,
)

MATRIX_HEADING = "優先度マトリクス（上位の手続：オンライン化レベル×効果額）"
MATRIX_ROWS = 27  # rows under the matrix chart (13 cm)
PRIORITY_PRINTED = 12  # a package of measures per row takes two or three lines: one page
MATRIX_BUBBLES = 10
PRINT_NOTE = (f"印刷について：「優先順位」は上位{PRIORITY_PRINTED}件、「手続別」は印刷対象外です"
              "（データシートは画面で並べ替え・絞り込みして使ってください）。")


# --- 優先順位 -------------------------------------------------------------------------

PRIORITY_COLUMNS = [
    Column("rank", "順位", NUMBER), Column("procedure_id", "手続ID"),
    Column("name", "手続名", width=18, wrap=True), Column("section", "課", width=8, wrap=True),
    Column("measures_ja", "施策（まとめて適用）", width=34, wrap=True),
    # Level, cases and benefit feed the priority matrix: they stay unfolded, since
    # LibreOffice does not plot hidden cells whatever plotVisOnly says (empty chart).
    Column("level", "レベル", NUMBER), Column("annual_cases", "年間件数", NUMBER),
    Column("staff_hours_saved", "職員時間の削減(時間/年)", NUMBER),
    Column("staff_yen_saved", "人件費等の削減(円/年)", YEN),
    Column("fte_saved", "削減人工", DECIMAL, detail=True),
    Column("visits_avoided", "来庁の削減(回/年)", NUMBER, detail=True),
    Column("citizen_hours_saved", "市民時間の削減(時間/年)", NUMBER),
    Column("citizen_yen_saved", "市民負担額の削減(円/年)", YEN, detail=True),
    Column("citizen_time_yen", "市民時間の換算額(円/年)", YEN, detail=True),
    Column("benefit_yen", "効果額(円/年)", YEN),
    Column("citizen_share", "効果額のうち市民時間", PERCENT, detail=True),
    Column("effort", "手間", NUMBER),
    Column("effort_reason_ja", "手間の内訳", width=30, wrap=True, detail=True),
    Column("rank_staff_only", "職員の削減額だけの順位", NUMBER, detail=True),
    Column("attribution_ja", "施策別の内訳（職員時間）", width=36, wrap=True, detail=True),
    Column("level_reasons_ja", "レベルの理由", width=40, wrap=True, detail=True),
]


def _priority_column(key: str) -> int:
    """1-based column of the priority table (the bubble chart refers to it)."""
    return next(i for i, c in enumerate(PRIORITY_COLUMNS, start=1) if c.key == key)


def priority_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    """One row per procedure, under the sentence saying how the list is ranked and what
    the value of citizen time does to it."""
    ws = wb.create_sheet("優先順位")
    ranking = result.ranking
    sheet_title(ws, "どこから始めるか（手続ごと、効果÷手間の大きい順）")
    rows = []
    for row in ranking.rows:
        record = row.to_json_dict()
        # Labels without their parenthesised detail keep a printed row to two lines.
        record["measures_ja"] = re.sub(r"（[^）]*）", "", row.measures_ja)
        record["attribution_ja"] = "、".join(
            f"{share.label_ja} {share.staff_hours_saved:,.0f}時間" for share in row.attribution)
        rows.append(record)
    table = write_table(ws, 4, PRIORITY_COLUMNS, rows)
    if rows:
        data_bar(ws, table.column_range(_priority_column("benefit_yen") - 1))
        color_scale(ws, table.column_range(_priority_column("staff_hours_saved") - 1))
    note = ranking.note_ja
    if len(rows) > PRIORITY_PRINTED:
        note += (f"印刷は上位{PRIORITY_PRINTED}件・主な列です（全{len(rows):,}件と詳しい列"
                 "（列見出しの上の＋で開く）は画面で並べ替え・絞り込みできます）。")
        print_rows(ws, table.first_row + PRIORITY_PRINTED)
    widths = printed_widths(ws, len(PRIORITY_COLUMNS))
    paragraph(ws, 2, ranking.explanation_ja, widths)
    paragraph(ws, 3, note, widths)
    return ws


def matrix_anchor(summary: Worksheet) -> str:
    """The cell under the matrix heading of the summary sheet, where the chart goes."""
    for (cell,) in summary.iter_rows(min_col=1, max_col=1):
        if cell.value == MATRIX_HEADING:
            return f"A{cell.row + 1}"
    return f"A{summary.max_row + 2}"


def priority_matrix(ws: Worksheet, source: Worksheet, table_rows: int, anchor: str) -> None:
    """Bubble chart: level (x) against benefit (y), bubble = annual cases (top rows)."""
    if table_rows == 0:
        return
    chart = BubbleChart()
    chart.style = 18
    shown = min(table_rows, MATRIX_BUBBLES)
    chart.title = f"優先度マトリクス（上位{shown}件、円の大きさ＝年間件数）"
    # One series per row, named after it, so that each bubble carries its name.
    rows = range(5, 5 + shown)
    level, benefit = _priority_column("level"), _priority_column("benefit_yen")
    places = _label_places([(source.cell(row=r, column=level).value,
                             source.cell(row=r, column=benefit).value) for r in rows])
    for r, (full, side) in zip(rows, places, strict=True):
        x = Reference(source, min_col=level, min_row=r, max_row=r)
        y = Reference(source, min_col=benefit, min_row=r, max_row=r)
        size = Reference(source, min_col=_priority_column("annual_cases"), min_row=r, max_row=r)
        rank = source.cell(row=r, column=1).value
        name = (_bubble_name(rank, source.cell(row=r, column=_priority_column("name")).value)
                if full else f"{rank}")
        series = Series(values=y, xvalues=x, zvalues=size, title=name)
        series.dLbls = _value_labels(value=False, series_name=True)
        series.dLbls.position = side
        chart.series.append(series)
    chart.bubbleScale = 50
    chart.x_axis.title = "オンライン化レベル（1 易しい～4 難しい）"
    chart.y_axis.title = "効果額（百万円/年）"
    chart.y_axis.numFmt = '#,##0,,'
    chart.y_axis.scaling.min = 0
    chart.x_axis.scaling.min = 0
    chart.x_axis.scaling.max = 5
    chart.x_axis.majorUnit = 1
    chart.height, chart.width = 13, 26
    style_chart(chart, legend=None)
    ws.add_chart(chart, anchor)


def _label_places(points: list[tuple[Any, Any]], gap: float = 0.06) -> list[tuple[bool, str]]:
    """For each bubble (x, y): whether its label can carry the name, and on which side.

    Bubbles at the same level whose benefits are within ``gap`` of the largest benefit
    would print their names on top of each other: they alternate right and left, and
    one still crowded on its side shows its rank only (the list on 優先順位 names it).
    """
    top = max((float(y or 0) for _x, y in points), default=0.0) or 1.0
    placed: list[tuple[Any, float, str]] = []  # (x, y, side) of the labels with names
    result = []
    for x, y in points:
        level = float(y or 0) / top
        near = [side for px, py, side in placed if px == x and abs(py - level) < gap]
        side = "r" if "r" not in near else "l"
        full = side not in near
        if full:
            placed.append((x, level, side))
        result.append((full, side if full else "t"))
    return result


def _value_labels(value: bool = True, series_name: bool = False) -> DataLabelList:
    """Data labels showing only what is asked (LibreOffice otherwise adds the series
    and category names to every label)."""
    return DataLabelList(showVal=value, showSerName=series_name, showCatName=False,
                         showLegendKey=False, showPercent=False, showBubbleSize=False,
                         showLeaderLines=False)


def _bubble_name(rank: Any, name: Any) -> str:
    text = str(name or "")
    if len(text) > 14:
        text = text[:13] + "…"
    return f"{rank}. {text}" if rank is not None else text
