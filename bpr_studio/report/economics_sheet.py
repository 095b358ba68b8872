"""The report's 投資効果 sheet: what each measure costs, saves net, and when it pays back.

Reads :class:`analysis.economics.EconomicsResult` from the run's result; amounts print in
百万円 (millions of yen) so that sixteen columns fit an A4 landscape page at a legible
scale. The cost rows follow with their sources, then the discount rate and how the
figures are made.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.economics_result import EconomicsResult, MeasureEconomics
from analysis.result import SimulationResult
from bpr_studio.report.assumptions import cite
from bpr_studio.report.printing import lines_height
from bpr_studio.report.writer import (
    DECIMAL,
    NUMBER,
    Column,
    Table,
    put,
    wrapped_lines,
    write_table,
)

SHEET = "投資効果"
MILLION = 1e6
SCOPE_JA = {"shared": "共有", "per_procedure": "手続ごと"}


def _m(value: float | None) -> float | None:
    return None if value is None else value / MILLION


def measure_record(row: MeasureEconomics) -> dict[str, Any]:
    """One row of the table, amounts in 百万円 (the test reads the same keys)."""
    return {
        "label": row.label_ja, "procedures": row.procedures,
        "hours": row.staff_hours_saved, "saved": _m(row.staff_yen_saved),
        "initial": _m(row.initial_yen), "subsidy": _m(row.subsidy_yen),
        "running": _m(row.running_yen_per_year), "net": _m(row.net_saving_yen),
        "net_p5": _m(row.net_saving_p5), "net_p95": _m(row.net_saving_p95),
        "payback": row.payback_text("ja"), "life": row.life_years,
        "npv": _m(row.npv_yen), "npv_p5": _m(row.npv_p5), "npv_p95": _m(row.npv_p95),
        "per_hour": row.yen_per_staff_hour,
    }


MEASURE_COLUMNS = [
    Column("label", "施策", width=16, wrap=True),
    Column("procedures", "適用手続数", NUMBER, width=6),
    Column("hours", "職員時間の削減（時間/年）", NUMBER, width=8),
    Column("saved", "人件費等の削減（百万円/年）", DECIMAL, width=8),
    Column("initial", "初期費用 補助後・導入時間込み（百万円）", DECIMAL, width=9),
    Column("subsidy", "うち補助（百万円）", DECIMAL, width=7),
    Column("running", "運用費（百万円/年）", DECIMAL, width=7),
    Column("net", "純削減（百万円/年）", DECIMAL, width=7),
    Column("net_p5", "純削減 P5", DECIMAL, width=7),
    Column("net_p95", "純削減 P95", DECIMAL, width=7),
    Column("payback", "回収年数（年）", width=9, wrap=True),
    Column("life", "耐用年数（年）", NUMBER, width=6),
    Column("npv", "正味現在価値 NPV（百万円）", DECIMAL, width=8),
    Column("npv_p5", "NPV P5", DECIMAL, width=7),
    Column("npv_p95", "NPV P95", DECIMAL, width=7),
    Column("per_hour", "削減1時間あたりの費用（円）", NUMBER, width=8),
]


def economics_sheet(wb: Workbook, result: SimulationResult) -> Worksheet | None:
    """The sheet, or None when the result carries no economics (older saved results)."""
    economics: EconomicsResult | None = result.economics
    if economics is None:
        return None
    ws = wb.create_sheet(SHEET)
    put(ws, 1, 1, "投資効果：施策ごとの費用・純削減額・回収年数・正味現在価値", bold=True, size=14)
    put(ws, 2, 1, f"割引率 {economics.discount_rate:.1%}、職員の時間単価 "
                  f"{economics.hourly_yen:,.0f} 円/時。{economics.note_ja}")
    records = [measure_record(row) for row in economics.measures]
    table = write_table(ws, 4, MEASURE_COLUMNS, [*records, measure_record(economics.total)],
                        freeze=False, autofilter=False)
    for column in range(table.first_column, table.last_column + 1):   # the total, in bold
        ws.cell(row=table.last_row, column=column).font = Font(bold=True, size=10)
    row = table.last_row + 1
    if economics.unattributed_saving_yen:
        put(ws, row, 1, f"（施策に割り当てられない削減 {economics.unattributed_saving_yen / MILLION:,.1f} "
                        "百万円/年は費用がなく、合計に含めていません）")
        row += 1
    row += 1
    put(ws, row, 1, "費用の内訳と出典（共有の費用は1回、手続ごとの費用は適用手続数だけ）", bold=True, size=12)
    lines = [{"item": f"{m.label_ja}: {line.label_ja}", "scope": SCOPE_JA.get(line.scope, line.scope),
              "count": line.count, "initial": line.initial_yen / MILLION,
              "subsidy": line.subsidy_yen / MILLION, "hours": line.staff_hours,
              "running": line.running_yen_per_year / MILLION, "life": line.life_years,
              "source": cite(line.source)}
             for m in economics.measures for line in m.lines]
    costs = _cost_table(ws, row + 1, lines)
    row = costs.last_row + 2
    put(ws, row, 1, "割引率の出典", bold=True)
    _note(ws, row + 1, cite(economics.discount_source))
    if economics.changed:
        _note(ws, row + 2, "シナリオで変更した費用: " + ", ".join(economics.changed))
    return ws


# The cost rows sit under the measure table in the same columns, so they take the same
# widths (A–H); their sources span the remaining columns (I–P) and wrap there.
COST_COLUMNS = [
    Column("item", "施策: 費用の項目", width=16, wrap=True),
    Column("scope", "範囲（共有は1回）", width=6, wrap=True),
    Column("count", "数", NUMBER, width=8),
    Column("initial", "初期費用（百万円）", DECIMAL, width=8),
    Column("subsidy", "補助（百万円）", DECIMAL, width=9),
    Column("hours", "導入の職員時間", NUMBER, width=7),
    Column("running", "運用費（百万円/年）", DECIMAL, width=7),
    Column("life", "耐用年数", NUMBER, width=7),
]


def _cost_table(ws: Worksheet, row: int, lines: list[dict[str, Any]]) -> Table:
    table = write_table(ws, row, COST_COLUMNS, lines, freeze=False, autofilter=False)
    first = table.last_column + 1
    last = len(MEASURE_COLUMNS)
    # Merged cells print wider than the sum of Excel character widths suggests (about 1.3×
    # in LibreOffice's PDF): estimated at the plain sum, the rows printed half empty.
    width = 1.3 * sum(c.width or 8 for c in MEASURE_COLUMNS[first - 1:last])
    header = ws.cell(row=row, column=first, value="根拠・出典（提案値は公表値がないため理由を付した値）")
    template = ws.cell(row=row, column=table.last_column)
    header.font, header.fill = copy(template.font), copy(template.fill)
    header.alignment, header.border = copy(template.alignment), copy(template.border)
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for r, line in enumerate(lines, start=row + 1):
        cell = put(ws, r, first, line["source"])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
        current = ws.row_dimensions[r].height or lines_height(1)
        # One line spare: LibreOffice breaks lines at the spaces inside titles.
        needed = wrapped_lines(line["source"], width) + 1
        ws.row_dimensions[r].height = max(current, lines_height(needed))
    return Table(table.first_row, table.last_row, table.first_column, last)


def _note(ws: Worksheet, row: int, text: str) -> None:
    """A line of text across the printed width, wrapped (a long citation would otherwise
    run onto a page of its own)."""
    cell = put(ws, row, 1, text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(MEASURE_COLUMNS))
    width = sum(c.width or 8 for c in MEASURE_COLUMNS)
    ws.row_dimensions[row].height = lines_height(wrapped_lines(text, width))
