"""The report's 工程表 sheet: which measure starts in which fiscal year, how its effect
ramps, the programme's yearly and cumulative cost and saving, and its break-even year.

Reads :class:`analysis.roadmap_result.RoadmapResult` from the run's result. The fiscal
years are the columns of both tables — the Gantt of measures above, the yearly figures
below — so a year reads down one column; amounts in 百万円. Then a chart of cumulative
cost against cumulative saving (with the saving's P5–P95), the plan's milestones, and
every assumption with its publication (提案値 marked).
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import SimulationResult
from analysis.roadmap import gantt_cell
from analysis.roadmap_result import RoadmapResult
from analysis.roadmap_settings import MILESTONES_BY_KEY, fiscal_year_label, reiwa
from bpr_studio.report.assumptions import cite
from bpr_studio.report.chart_style import style_chart
from bpr_studio.report.printing import lines_height
from bpr_studio.report.writer import (
    BORDER,
    DECIMAL,
    FONT,
    HEADER_FILL,
    NUMBER,
    put,
    wrapped_lines,
)

SHEET = "工程表"
MILLION = 1e6
LABEL_WIDTHS = (18, 14, 9)      # 施策, 計画の柱, 初期費用 / the yearly rows' labels span them
YEAR_WIDTH = 7.5
START_FILL = PatternFill("solid", fgColor="2E75B6")
RAMP_FILL = PatternFill("solid", fgColor="BDD7EE")
FULL_FILL = PatternFill("solid", fgColor="9DC3E6")
RENEWAL_FILL = PatternFill("solid", fgColor="F4B183")
LATE_FONT = Font(name=FONT, size=10, color="C00000", bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")


def _header(ws: Worksheet, row: int, column: int, text: str) -> None:
    cell = put(ws, row, column, text, bold=True)
    cell.font = Font(name=FONT, bold=True, color="FFFFFF", size=10)
    cell.fill = HEADER_FILL
    cell.alignment = _CENTER
    cell.border = BORDER


def _note(ws: Worksheet, row: int, text: str, last_column: int, size: float = 10) -> int:
    """A wrapped line across the printed width; returns the next free row."""
    cell = put(ws, row, 1, text, size=size)
    cell.alignment = _TOP_WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
    width = sum(LABEL_WIDTHS) + YEAR_WIDTH * (last_column - len(LABEL_WIDTHS))
    ws.row_dimensions[row].height = lines_height(wrapped_lines(text, width * 1.2))
    return row + 1


def headline(roadmap: RoadmapResult) -> str:
    """The sheet's first sentence: break-even year and the totals at the last year."""
    last = roadmap.years[-1]
    span = f"{fiscal_year_label(roadmap.fiscal_years[0])}～{fiscal_year_label(roadmap.fiscal_years[-1])}"
    if roadmap.break_even_fy is None:
        even = f"{span}の間に累計の削減が累計の費用に届かない（回収しない）"
    else:
        early, late = roadmap.break_even_fy_early, roadmap.break_even_fy_late
        rng = (f"P5–P95 {early}～{late}年度" if early and late else
               f"P5–P95 {early or '期間内に回収しない'}～{late or '期間内に回収しない'}")
        even = (f"累計の削減が累計の費用を上回るのは{fiscal_year_label(roadmap.break_even_fy)}"
                f"（{rng}、期間内に回収する試行 {roadmap.share_breaking_even:.0%}）")
    return (f"{even}。{span}の累計: 費用 {last.cumulative_cost_yen / MILLION:,.1f} 百万円、"
            f"削減 {last.cumulative_saving_yen / MILLION:,.1f} 百万円（P5–P95 "
            f"{last.cumulative_saving_p5 / MILLION:,.1f}～{last.cumulative_saving_p95 / MILLION:,.1f}）、"
            f"差引 {last.cumulative_net_yen / MILLION:,.1f} 百万円。")


def roadmap_sheet(wb: Workbook, result: SimulationResult) -> Worksheet | None:
    """The sheet, or None when the result carries no roadmap (older saved results)."""
    roadmap = result.roadmap
    if roadmap is None or not roadmap.years:
        return None
    ws = wb.create_sheet(SHEET)
    years = roadmap.fiscal_years
    first_year_col = len(LABEL_WIDTHS) + 1
    last_col = first_year_col + len(years) - 1
    for i, width in enumerate(LABEL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for c in range(first_year_col, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = YEAR_WIDTH
    put(ws, 1, 1, f"工程表：施策の開始年度と年度ごとの費用・削減（{reiwa(years[0])}～{reiwa(years[-1])}年度）",
        bold=True, size=14)
    row = _note(ws, 2, headline(roadmap), last_col)
    cap = roadmap.budget_cap_yen
    order = "NPVの高い順" if roadmap.order == "npv" else "回収年数の短い順"
    row = _note(ws, row, f"開始年度: 指定のない施策は投資効果の{order}に、"
                         + (f"各年度に始める初期費用の合計が予算上限 {cap / MILLION:,.1f} 百万円以内になるよう"
                            if cap else "予算上限なしで初年度に") + "配置。セルは各年度の削減が投資効果"
                         "（採用曲線の3年目）の削減の何%かを示す。金額は百万円。", last_col)
    row = _gantt(ws, row + 1, roadmap, first_year_col, last_col)
    row, rows = _yearly(ws, row + 1, roadmap, first_year_col, last_col)
    row = _chart(ws, row + 1, rows, first_year_col, last_col)
    row = _milestones(ws, row + 1, roadmap, last_col)
    row = _assumptions(ws, row + 1, roadmap, last_col)
    _note(ws, row + 1, roadmap.note_ja, last_col)
    ws.print_area = f"A1:{get_column_letter(last_col)}{row + 1}"
    return ws


def _gantt(ws: Worksheet, row: int, roadmap: RoadmapResult, first: int, last: int) -> int:
    put(ws, row, 1, "施策ごとの開始と効果の立ち上がり", bold=True, size=12)
    row += 1
    for c, text in enumerate(("施策（開始年度）", "計画の柱（目標年度）", "初期費用（百万円）"), start=1):
        _header(ws, row, c, text)
    for c, fy in enumerate(roadmap.fiscal_years, start=first):
        _header(ws, row, c, f"{reiwa(fy)}\n{fy}")
    ws.row_dimensions[row].height = lines_height(2)
    for m in roadmap.measures:
        row += 1
        start = f"{reiwa(m.start_fy)}年度" if m.start_fy else "期間内に開始しない"
        flags = [text for on, text in ((m.chosen_by_hand, "指定"), (m.over_cap, "予算上限超"),
                                       (m.late, "目標年度より遅い")) if on]
        label = f"{m.label_ja}（{start}）" + (f"\n※{'・'.join(flags)}" if flags else "")
        cell = put(ws, row, 1, label)
        cell.alignment = _TOP_WRAP
        if m.late:
            cell.font = LATE_FONT
        milestone = MILESTONES_BY_KEY.get(m.milestone)
        target = (f"{milestone.ja}（{reiwa(m.milestone_target_fy)}年度）"
                  if milestone and m.milestone_target_fy else "")
        put(ws, row, 2, target).alignment = _TOP_WRAP
        put(ws, row, 3, m.initial_yen / MILLION, DECIMAL).alignment = Alignment(vertical="top")
        for c in range(1, last + 1):
            ws.cell(row=row, column=c).border = BORDER
        for i, fy in enumerate(roadmap.fiscal_years):
            text = gantt_cell(m, i, fy)
            cell = put(ws, row, first + i, text or None)
            cell.alignment = _CENTER
            if text.startswith("開始"):
                cell.fill = START_FILL
                cell.font = Font(name=FONT, size=10, bold=True, color="FFFFFF")
            elif text.startswith("更新"):
                cell.fill = RENEWAL_FILL
            elif text:
                cell.fill = FULL_FILL if m.effect_share[i] >= 0.999 else RAMP_FILL
        lines = max(wrapped_lines(label, LABEL_WIDTHS[0]), wrapped_lines(target, LABEL_WIDTHS[1]), 2)
        ws.row_dimensions[row].height = lines_height(lines)
    return row + 1


YEARLY_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("cost_yen", "費用（初期・運用・更新）", False),
    ("renewal_yen", "　うち更新費", False),
    ("saving_yen", "削減（人件費等）", False),
    ("saving_p5", "　削減 P5", False),
    ("saving_p95", "　削減 P95", False),
    ("staff_hours_saved", "職員時間の削減（時間）", True),
    ("cumulative_cost_yen", "累計の費用", False),
    ("cumulative_saving_yen", "累計の削減", False),
    ("cumulative_saving_p5", "　累計の削減 P5", False),
    ("cumulative_saving_p95", "　累計の削減 P95", False),
    ("cumulative_net_yen", "累計の差引（削減−費用）", False),
    ("cumulative_net_p5", "　累計の差引 P5", False),
    ("cumulative_net_p95", "　累計の差引 P95", False),
)


def yearly_values(roadmap: RoadmapResult) -> dict[str, list[float]]:
    """Each printed row's values by fiscal year (百万円; hours as they are)."""
    return {key: [getattr(y, key) / (1 if hours else MILLION) for y in roadmap.years]
            for key, _label, hours in YEARLY_ROWS}


def _yearly(ws: Worksheet, row: int, roadmap: RoadmapResult, first: int, last: int
            ) -> tuple[int, dict[str, int]]:
    """The table; returns the next free row and the row of each figure (and 'header')."""
    put(ws, row, 1, "年度ごとの費用と削減（百万円、割り引かない値）", bold=True, size=12)
    row += 1
    _header(ws, row, 1, "項目")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=first - 1)
    for c, fy in enumerate(roadmap.fiscal_years, start=first):
        _header(ws, row, c, f"{reiwa(fy)}\n{fy}")
    ws.row_dimensions[row].height = lines_height(2)
    values = yearly_values(roadmap)
    self_rows: dict[str, int] = {"header": row}
    for key, label, hours in YEARLY_ROWS:
        row += 1
        self_rows[key] = row
        cell = put(ws, row, 1, label, bold=not label.startswith("　"))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=first - 1)
        cell.border = BORDER
        for i, number in enumerate(values[key]):
            out = put(ws, row, first + i, number, NUMBER if hours else DECIMAL)
            out.border = BORDER
            if key == "cumulative_net_yen":
                out.font = Font(name=FONT, size=10, bold=True,
                                color="C00000" if number < 0 else "000000")
            if key == "cumulative_net_yen" and roadmap.fiscal_years[i] == roadmap.break_even_fy:
                out.fill = PatternFill("solid", fgColor="C6EFCE")
    row += 1
    even = (f"回収年度（累計の差引が0以上になる最初の年度）: {fiscal_year_label(roadmap.break_even_fy)}"
            if roadmap.break_even_fy else "回収年度: 期間内に回収しない")
    return _note(ws, row, even, last), self_rows


def _chart(ws: Worksheet, row: int, rows: dict[str, int], first: int, last: int) -> int:
    """Cumulative cost and saving (P5, P95 dashed) over the fiscal years of the table."""
    chart = LineChart()
    chart.title = "累計の費用と累計の削減（百万円）"
    for key, name in (("cumulative_cost_yen", "累計の費用"), ("cumulative_saving_yen", "累計の削減"),
                      ("cumulative_saving_p5", "累計の削減 P5"), ("cumulative_saving_p95", "累計の削減 P95")):
        ref = Reference(ws, min_col=first, max_col=last, min_row=rows[key], max_row=rows[key])
        chart.add_data(ref, from_rows=True, titles_from_data=False)
        chart.series[-1].tx = _series_title(name)
    chart.set_categories(Reference(ws, min_col=first, max_col=last, min_row=rows["header"],
                                   max_row=rows["header"]))
    colours = ("C00000", "2E75B6", "9DC3E6", "9DC3E6")
    for series, colour, dashed in zip(chart.series, colours, (False, False, True, True),
                                      strict=True):
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 28575 if not dashed else 15875
        if dashed:
            series.graphicalProperties.line.dashStyle = "dash"
        series.smooth = False
    chart.y_axis.title = "百万円"
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.title = "年度（令和）"
    chart.height, chart.width = 9.5, 24
    style_chart(chart)
    ws.add_chart(chart, f"A{row}")
    return row + int(chart.height / 0.53) + 1


def _series_title(text: str) -> Any:
    from bpr_studio.report.parts import series_title

    return series_title(text)


def _milestones(ws: Worksheet, row: int, roadmap: RoadmapResult, last: int) -> int:
    put(ws, row, 1, "計画の柱と目標年度（目標年度より後に始まる施策は赤字）", bold=True, size=12)
    row += 1
    labels = {m.measure: m.label_ja for m in roadmap.measures}
    split = last - 3                 # 施策 in columns C … split, the late ones after
    spans = ((1, 1, "計画の柱"), (2, 2, "目標年度"), (3, split, "施策"),
             (split + 1, last, "目標年度より遅い施策"))
    for first, end, text in spans:
        _header(ws, row, first, text)
        if end > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=end)
    width = LABEL_WIDTHS[2] + YEAR_WIDTH * (split - len(LABEL_WIDTHS))
    for m in roadmap.milestones:
        row += 1
        measures = "、".join(labels[k] for k in m.measures if k in labels) or "（このシナリオにない）"
        late = "、".join(labels[k] for k in m.late_measures if k in labels) or "なし"
        for (first, end, _text), text in zip(spans, (m.label_ja, fiscal_year_label(m.target_fy),
                                                      measures, late), strict=True):
            cell = put(ws, row, first, text)
            cell.alignment = _TOP_WRAP
            cell.border = BORDER
            if end > first:
                ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=end)
        if m.late_measures:
            ws.cell(row=row, column=split + 1).font = LATE_FONT
        ws.row_dimensions[row].height = lines_height(max(
            wrapped_lines(measures, width * 0.95), wrapped_lines(m.label_ja, LABEL_WIDTHS[0]),
            wrapped_lines(fiscal_year_label(m.target_fy), LABEL_WIDTHS[1]), 1))
    if roadmap.milestones:
        row += 1
        first_row = roadmap.milestones[0]
        row = _note(ws, row, "目標年度の根拠: " + cite(first_row.source), last)
    return row


def _assumptions(ws: Worksheet, row: int, roadmap: RoadmapResult, last: int) -> int:
    put(ws, row, 1, "前提と出典（提案値は公表値がないため理由を付した値）", bold=True, size=12)
    row += 1
    _header(ws, row, 1, "前提")
    _header(ws, row, 2, "値")
    _header(ws, row, 3, "出典")
    ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=last)
    width = LABEL_WIDTHS[2] + YEAR_WIDTH * (last - len(LABEL_WIDTHS))
    for item in roadmap.assumptions:
        row += 1
        label = str(item["label"]) + ("（提案値）" if item.get("proposal") else "")
        put(ws, row, 1, label).alignment = _TOP_WRAP
        put(ws, row, 2, str(item["value"])).alignment = _TOP_WRAP
        source = cite(str(item["source"]))
        put(ws, row, 3, source).alignment = _TOP_WRAP
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=last)
        ws.row_dimensions[row].height = lines_height(max(
            # Merged cells print about 1.3× wider than their character widths (LibreOffice);
            # one line spare for breaks at the spaces inside titles.
            wrapped_lines(source, width * 1.3) + 1, wrapped_lines(label, LABEL_WIDTHS[0]),
            wrapped_lines(str(item["value"]), LABEL_WIDTHS[1])))
    return row + 1


def yearly_record(roadmap: RoadmapResult, fy: int) -> dict[str, Any]:
    """One fiscal year's printed figures (百万円), for tests."""
    index = roadmap.fiscal_years.index(fy)
    return {key: values[index] for key, values in yearly_values(roadmap).items()}


