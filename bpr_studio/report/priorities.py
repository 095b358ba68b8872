"""優先順位 (where to start, one row per procedure) and the priority matrix on 概要."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import SimulationResult
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
    # The row's own fields as they are: to_json_dict deep-copies its attribution into
    # dicts (18 s for 30,000 procedures), and the table prints the attribution as text.
    plain = [c.key for c in PRIORITY_COLUMNS if c.key not in ("measures_ja", "attribution_ja")]
    for row in ranking.rows:
        record = {key: getattr(row, key) for key in plain}
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


# The picture is drawn this much smaller than it is shown, so its 6.5–9 pt text prints
# at 8 pt or more (the report's floor on A4 at 100 %).
MATRIX_PRINT_SCALE = 1.25
MATRIX_CM = (26.0, 13.0)  # width, height on the sheet (MATRIX_ROWS rows)
MATRIX_TOP = 30  # procedures drawn (the first MATRIX_BUBBLES named)


def priority_matrix_png(rows: list[Any], dpi: int = 150) -> bytes:
    """The app's priority matrix (``analysis.scenario_charts.draw_priority_bubbles``): the
    top 30 numbered by rank, the first ten named beside the axes.

    A picture rather than an Excel bubble chart: Excel and LibreOffice place a bubble's
    name beside it, and names of procedures at the same level ran into each other."""
    import io

    import matplotlib_fontja  # noqa: F401  (before the figure: its tick labels take the font)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from analysis.scenario_charts import draw_priority_bubbles

    width, height = (cm / 2.54 / MATRIX_PRINT_SCALE for cm in MATRIX_CM)
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    draw_priority_bubbles(figure.add_subplot(111), rows, "ja", top=MATRIX_TOP,
                          named=MATRIX_BUBBLES)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def priority_matrix(ws: Worksheet, result: SimulationResult, anchor: str,
                    png: Callable[[], bytes] | None = None) -> None:
    """Level (x) against benefit (y), bubble = annual cases, at ``anchor`` of 概要
    (``png``: the picture being drawn elsewhere, of the top MATRIX_TOP rows)."""
    import io

    from openpyxl.drawing.image import Image

    if not result.ranking.rows:
        return
    drawn = png() if png is not None else priority_matrix_png(result.ranking.rows)
    image = Image(io.BytesIO(drawn))
    image.width, image.height = (round(cm / 2.54 * 96) for cm in MATRIX_CM)
    ws.add_image(image, anchor)
