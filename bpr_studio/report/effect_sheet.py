"""The report's 効果測定 sheet: a scenario's plan against a re-survey (issue 15 item 4).

Reads :class:`analysis.effect_result.EffectResult` (``bpr_studio.effect.run_effect``). The
tables share one set of column widths (:data:`WIDTHS`) so the sheet prints on A4 landscape
at a legible scale: the chain surveyed → proposed → achieved beside 東海村's, the KPIs of
the re-surveyed procedures, measures, sections and procedures, then the sources. A project
with no re-survey gets no sheet (``build_workbook``).
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.effect_result import KPIS, MEASURED, NOT_MEASURED, AreaEffect, EffectResult
from bpr_studio.report.printing import lines_height
from bpr_studio.report.writer import (
    DECIMAL,
    NUMBER,
    PERCENT,
    Column,
    put,
    wrapped_lines,
    write_table,
)

SHEET = "効果測定"
MILLION = 1e6
# Column widths (Excel characters) shared by every table of the sheet: about 127
# characters, which prints on A4 landscape at the report's minimum scale or above.
WIDTHS = (15, 10, 8, 8, 7, 8, 7, 7, 7, 7, 7, 8, 28)


def _col(index: int, key: str, header: str, number_format: str | None = None,
         wrap: bool = False) -> Column:
    return Column(key, header, number_format, width=WIDTHS[index], wrap=wrap)


def _note(ws: Worksheet, row: int, text: str, bold: bool = False) -> int:
    """A sentence across the printed width, wrapped; returns the next row."""
    cell = put(ws, row, 1, text, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(WIDTHS))
    ws.row_dimensions[row].height = lines_height(wrapped_lines(text, sum(WIDTHS)))
    return row + 1


def _heading(ws: Worksheet, row: int, text: str) -> int:
    put(ws, row, 1, text, bold=True, size=12)
    return row + 1


def _m(value: float | None) -> float | None:
    return None if value is None else value / MILLION


def _kpi_value(value: float | None, unit: str) -> float | None:
    """As printed: shares in percent, yen in millions (百万円)."""
    if value is None:
        return None
    return value * 100 if unit == "%" else value / MILLION if unit == "円/年" else value


CHAIN_COLUMNS = [
    _col(0, "label", "段階", wrap=True), _col(1, "hours", "職員の作業時間（時間/年）", NUMBER),
    _col(2, "share", "調査時間に対する割合", PERCENT), _col(3, "tokai", "東海村（時間/年）", NUMBER),
    _col(4, "tokai_share", "東海村の割合", PERCENT),
]
KPI_COLUMNS = [
    _col(0, "label", "指標", wrap=True), _col(1, "unit", "単位"), _col(2, "baseline", "現状", NUMBER),
    _col(3, "planned", "計画", NUMBER), _col(4, "resurveyed", "再調査", NUMBER),
    _col(5, "planned_saving", "計画の削減", NUMBER), _col(6, "actual_saving", "実績の削減", NUMBER),
    _col(7, "achievement", "達成率", PERCENT),
]
MEASURE_COLUMNS = [
    _col(0, "label", "施策", wrap=True), _col(1, "procedures", "再調査した適用手続", NUMBER),
    _col(2, "planned_h", "計画の削減（時間/年）", NUMBER), _col(3, "actual_h", "実績の削減（時間/年）", NUMBER),
    _col(4, "achievement", "達成率", PERCENT), _col(5, "shortfall_h", "不足（時間/年）", NUMBER),
    _col(6, "planned_yen", "人件費 計画（百万円/年）", DECIMAL),
    _col(7, "actual_yen", "人件費 実績（百万円/年）", DECIMAL),
    _col(8, "planned_visits", "来庁 計画の削減（回/年）", NUMBER),
    _col(9, "actual_visits", "来庁 実績の削減（回/年）", NUMBER),
    _col(10, "unmeasured_h", "未測定の手続の計画（時間/年）", NUMBER),
]
SECTION_COLUMNS = [
    _col(0, "label", "課", wrap=True), _col(1, "coverage", "再調査した手続/全手続"),
    _col(2, "planned_h", "計画の削減（時間/年）", NUMBER), _col(3, "actual_h", "実績の削減（時間/年）", NUMBER),
    _col(4, "achievement", "達成率", PERCENT),
    _col(5, "planned_yen", "人件費 計画（百万円/年）", DECIMAL),
    _col(6, "actual_yen", "人件費 実績（百万円/年）", DECIMAL),
    _col(7, "planned_visits", "来庁 計画の削減", NUMBER),
    _col(8, "actual_visits", "来庁 実績の削減", NUMBER),
    _col(9, "online_base", "オンライン 現状", PERCENT), _col(10, "online_plan", "オンライン 計画", PERCENT),
    _col(11, "online_again", "オンライン 再調査", PERCENT),
    _col(12, "source", "出典（再調査の調査票）", wrap=True),
]
PROCEDURE_COLUMNS = [
    _col(0, "label", "手続", wrap=True), _col(1, "section", "課", wrap=True),
    _col(2, "planned_h", "計画の削減（時間/年）", NUMBER), _col(3, "actual_h", "実績の削減（時間/年）", NUMBER),
    _col(4, "achievement", "達成率", PERCENT), _col(5, "shortfall_h", "不足（時間/年）", NUMBER),
    _col(6, "minutes_base", "職員 分/件 現状", DECIMAL), _col(7, "minutes_again", "職員 分/件 再調査", DECIMAL),
    _col(8, "online_base", "オンライン 現状", PERCENT), _col(9, "online_plan", "オンライン 計画", PERCENT),
    _col(10, "online_again", "オンライン 再調査", PERCENT),
    _col(11, "visits", "来庁 実績の削減（回/年）", NUMBER),
    _col(12, "source", "出典（現状 → 再調査の調査票）", wrap=True),
]


def _area_record(area: AreaEffect) -> dict[str, Any]:
    f = area.figures
    hours, yen, visits, online = (f["staff_time_h"], f["staff_economic_yen"], f["citizen_visits"],
                                  f["online_share"])
    return {
        "planned_h": hours.planned_saving, "actual_h": hours.actual_saving,
        "achievement": hours.achievement,
        "shortfall_h": None if hours.actual_saving is None
        else hours.planned_saving - hours.actual_saving,
        "planned_yen": _m(yen.planned_saving), "actual_yen": _m(yen.actual_saving),
        "planned_visits": visits.planned_saving, "actual_visits": visits.actual_saving,
        "visits": visits.actual_saving, "online_base": online.baseline,
        "online_plan": online.planned, "online_again": online.resurveyed,
        "minutes_base": f["staff_minutes_per_case"].baseline,
        "minutes_again": f["staff_minutes_per_case"].resurveyed,
    }


def effect_sheet(wb: Workbook, result: EffectResult) -> Worksheet:
    ws = wb.create_sheet(SHEET)
    when = "、".join(x for x in (result.round_surveyed_on, f"{result.round_fiscal_year}年度"
                                 if result.round_fiscal_year else "") if x)
    put(ws, 1, 1, f"効果測定：計画（シナリオ「{result.scenario}」）と実績（再調査「{result.round_name}」"
                  f"{'（' + when + '）' if when else ''}）", bold=True, size=14)
    row = _note(ws, 2, f"計画＝{result.sources['planned']}。実績＝{result.sources['actual']}。")
    city = result.city
    row = _note(ws, row, f"再調査した手続 {city.measured} / {city.procedures}。{result.note_ja}")

    row = _heading(ws, row + 1, "調査 → 削減案 → 実現（職員の作業時間）")
    tokai = {step.key: step for step in result.reference_chain}
    records = [{"label": step.ja, "hours": step.hours, "share": step.share_of_surveyed,
                "tokai": tokai[step.key].hours if step.key in tokai else None,
                "tokai_share": tokai[step.key].share_of_surveyed if step.key in tokai else None}
               for step in result.chain]
    table = write_table(ws, row, CHAIN_COLUMNS, records, freeze=False, autofilter=False)
    row = _note(ws, table.last_row + 1, f"東海村の出典: {result.sources['reference']}")

    row = _heading(ws, row + 1, "指標（再調査した手続の合計。年間の値はベースラインの件数で比較）")
    records = []
    for kpi in KPIS:
        f = city.figures[kpi.key]
        unit = "百万円/年" if kpi.unit_ja == "円/年" else kpi.unit_ja
        records.append({"label": kpi.ja, "unit": unit,
                        **{key: _kpi_value(getattr(f, key), kpi.unit_ja) for key in (
                            "baseline", "planned", "resurveyed", "planned_saving",
                            "actual_saving")},
                        "achievement": f.achievement})
    table = write_table(ws, row, KPI_COLUMNS, records, freeze=False, autofilter=False)
    for r in range(table.first_row + 1, table.last_row + 1):  # % and days need decimals
        if ws.cell(row=r, column=2).value in ("%", "日/件", "人工", "分/件", "百万円/年"):
            for c in range(3, 8):
                ws.cell(row=r, column=c).number_format = DECIMAL
    row = table.last_row + 1

    row = _heading(ws, row + 1, "施策別（実績は各手続の計画上の施策別の内訳で按分）")
    records = [{"label": m.label_ja, "procedures": m.procedures, "planned_h": m.planned_h,
                "actual_h": m.actual_h, "achievement": m.achievement,
                "shortfall_h": m.shortfall_h, "planned_yen": _m(m.planned_yen),
                "actual_yen": _m(m.actual_yen), "planned_visits": m.planned_visits,
                "actual_visits": m.actual_visits, "unmeasured_h": m.planned_unmeasured_h}
               for m in result.measures]
    table = write_table(ws, row, MEASURE_COLUMNS, records, freeze=False, autofilter=False)
    row = _note(ws, table.last_row + 1, f"按分の方法: {result.sources['attribution']}")

    row = _heading(ws, row + 1, "課別")
    records = [{"label": s.name, "coverage": f"{s.measured}/{s.procedures}",
                **(_area_record(s) if s.status == MEASURED else {}),
                "source": s.source or "未測定"} for s in result.sections]
    table = write_table(ws, row, SECTION_COLUMNS, records, freeze=False, autofilter=False)
    row = table.last_row + 1

    measured = sorted(result.measured, key=lambda p: -((p.figures["staff_time_h"].planned_saving)
                                                      - (p.figures["staff_time_h"].actual_saving
                                                         or 0.0)))
    row = _heading(ws, row + 1, "手続別（再調査した手続、不足の大きい順）")
    records = [{"label": f"{p.key} {p.name}", "section": p.section, **_area_record(p),
                "source": p.source} for p in measured]
    table = write_table(ws, row, PROCEDURE_COLUMNS, records, freeze=False, autofilter=False)
    row = table.last_row + 1
    unmeasured = [p for p in result.procedures if p.status == NOT_MEASURED]
    if unmeasured:
        planned = sum(p.figures["staff_time_h"].planned_saving for p in unmeasured)
        sections = sorted({p.section for p in unmeasured})
        row = _note(ws, row + 1, f"未測定の手続 {len(unmeasured)} 件（{'、'.join(sections)}）: 計画の削減 "
                                 f"{planned:,.0f} 時間/年は、実績にも比較する計画にも含めていません。")
    row = _heading(ws, row + 1, "出典")
    for key, label in (("baseline", "現状"), ("planned", "計画"), ("actual", "実績"),
                       ("attribution", "施策別"), ("reference", "参考")):
        row = _note(ws, row, f"{label}: {result.sources[key]}")
    return ws
