"""The sheets of the executive report, each a function of the typed simulation result."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from openpyxl.chart import BarChart, BubbleChart, RadarChart, Reference, Series
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import Metrics, RankedProcedure, SimulationResult
from analysis.sensitivity import SensitivityResult
from bpr_studio.report.chart_style import style_chart
from bpr_studio.report.printing import lines_height, print_rows
from bpr_studio.report.writer import (
    DECIMAL,
    NUMBER,
    PERCENT,
    YEN,
    Column,
    Table,
    put,
    wrapped_lines,
    write_table,
)

COSTS = (
    ("economic_yen", "経済的コスト", "円/年", YEN),
    ("time_h", "時間的コスト", "時間/年", NUMBER),
    ("physical_bh", "肉体的コスト", "負担時間/年", NUMBER),
    ("cognitive_bh", "頭脳的コスト", "負担時間/年", NUMBER),
    ("psychological_bh", "精神的コスト", "負担時間/年", NUMBER),
)
SIDES = (("staff", "職員"), ("citizen", "市民"))
# 概要: column widths (characters) of the printed columns A–H, and where page 2 starts.
SUMMARY_WIDTHS = (34, 16, 16, 16, 12, 15, 15, 13)
MATRIX_HEADING = "優先度マトリクス（上位の手続：オンライン化レベル×効果額）"
MATRIX_ROWS = 27  # rows under the matrix chart (13 cm)
PRIORITY_PRINTED = 12  # a package of measures per row takes two or three lines: one page
MATRIX_BUBBLES = 10
PRINT_NOTE = (f"印刷について：「優先順位」は上位{PRIORITY_PRINTED}件、「手続別」は印刷対象外です"
              "（データシートは画面で並べ替え・絞り込みして使ってください）。")


def _det(block: Metrics, metric: str) -> float:
    """The estimate shown in tables: computed with the survey's typical values, so that
    procedures add up to sections and sections to the city (ranges come from the
    Monte Carlo)."""
    return block[metric].deterministic


def _data_bar(ws: Worksheet, cell_range: str, color: str = "5B9BD5") -> None:
    ws.conditional_formatting.add(cell_range, DataBarRule(start_type="min", end_type="max",
                                                          color=color, showValue=True))


def _color_scale(ws: Worksheet, cell_range: str) -> None:
    ws.conditional_formatting.add(cell_range, ColorScaleRule(
        start_type="min", start_color="FFFFFF", end_type="max", end_color="63BE7B"))


def _title(ws: Worksheet, text: str, note: str = "") -> None:
    put(ws, 1, 1, text, bold=True, size=14)
    if note:
        put(ws, 2, 1, note)


# --- 概要 -------------------------------------------------------------------------

def summary_sheet(wb: Workbook, result: SimulationResult, top_priority: RankedProcedure | None,
                  title: str | None = None) -> Worksheet:
    """Page 1: key figures and sentences; page 2: the priority matrix (placed by
    :func:`priority_matrix` at :func:`matrix_anchor`); page 3: the five costs with charts."""
    ws = wb.active
    ws.title = "概要"
    city = result.city
    saved = city.savings
    scenario = result.scenario.name
    _title(ws, f"{title or result.project} — 業務改革（BPR）の効果試算")
    _paragraph(ws, 2, f"シナリオ「{scenario}」: {result.scenario.description}")
    _paragraph(ws, 3, f"不確かさ: {result.replications:,}回のモンテカルロ・シミュレーション"
                      f"（乱数シード {result.seed}）。推定値は調査の標準時間・既定のパラメータによる値、"
                      "範囲は P5～P95（90%区間）。")

    # Key figures
    row = 5
    put(ws, row, 1, "主な効果（1年あたり）", bold=True, size=12)
    key_rows = [
        ("職員の作業時間の削減", "staff_time_h", NUMBER, "時間/年"),
        ("人件費等の削減", "staff_economic_yen", YEN, "円/年"),
        ("削減される人工（職員の人数換算）", "staff_fte", DECIMAL, "人"),
        ("市民の来庁の削減", "citizen_visits", NUMBER, "回/年"),
        ("市民の時間の削減", "citizen_time_h", NUMBER, "時間/年"),
        ("市民の負担額の削減", "citizen_economic_yen", YEN, "円/年"),
    ]
    records: list[dict[str, Any]] = [
        {"label": label, "estimate": saved[m].deterministic, "p5": saved[m].p5,
         "p95": saved[m].p95, "unit": unit} for label, m, _f, unit in key_rows]
    potential = result.potential
    if potential is not None:
        # The upper bound next to the expected figures: deterministic, no P5–P95 of its own.
        key_rows += [("（潜在）職員の作業時間の削減", "staff_time_h", NUMBER, "時間/年"),
                     ("（潜在）削減される人工", "staff_fte", DECIMAL, "人")]
        records += [{"label": label, "estimate": potential.city[m], "p5": "—", "p95": "—",
                     "unit": unit} for label, m, _f, unit in key_rows[-2:]]
    table = write_table(ws, row + 1, [
        Column("label", "項目"), Column("estimate", "推定値"), Column("p5", "少なめ（P5）"),
        Column("p95", "多め（P95）"), Column("unit", "単位")], records, freeze=False,
        autofilter=False)
    for i, (_label, _m, fmt, _u) in enumerate(key_rows):
        for c in range(2, 5):
            cell = ws.cell(row=table.first_row + 1 + i, column=c)
            cell.number_format = fmt
            if cell.value == "—":
                cell.alignment = Alignment(horizontal="center")

    # Plain sentences
    row = table.last_row + 2
    put(ws, row, 1, "結果の要約", bold=True, size=12)
    year = f"（利用が{potential.adoption_year}年目の水準）" if potential is not None else ""
    sentences = [
        f"シナリオ「{scenario}」を実施すると{year}、職員の作業時間は年 {saved['staff_time_h'].deterministic:,.0f} 時間"
        f"（{saved['staff_fte'].deterministic:,.1f} 人工、人件費等 "
        f"{saved['staff_economic_yen'].deterministic / 1e6:,.1f} 百万円）"
        f"減る見込みです（90%の確率で {saved['staff_time_h'].p5:,.0f}～{saved['staff_time_h'].p95:,.0f} 時間）。",
        f"市民の来庁は年 {saved['citizen_visits'].deterministic:,.0f} 回、市民が手続に使う時間は年 "
        f"{saved['citizen_time_h'].deterministic:,.0f} 時間減ります。",
    ]
    if result.band is not None and potential is not None:
        sentences += [
            result.band.text("ja"),
            f"これは見込み（期待値）です。対象の手続のすべての件数が新しい方法に移り、施策が"
            f"すべて実施された場合の潜在的な削減は年 {potential.city['staff_time_h']:,.0f} 時間"
            f"（{potential.city['staff_fte']:,.1f} 人工）で、上限の目安です。"
            + result.band.potential_text("ja")]
    if top_priority:
        sentences.append(
            f"最初に取り組むべきは「{top_priority.name}」（{top_priority.measures_ja}）です"
            f"（職員 {top_priority.staff_hours_saved:,.0f} 時間/年、来庁 "
            f"{top_priority.visits_avoided:,.0f} 回/年の削減。詳しくは「優先順位」シート）。")
    counters = [(c.section, c.as_is, c.to_be) for c in result.counters if c.as_is and c.to_be]
    if counters:
        section, wait_a, wait_b = max(counters, key=lambda c: c[1].get("visits") or 0)
        sentences.append(
            f"{section}の窓口の平均待ち時間は {wait_a.get('mean_wait_min'):.1f} 分から "
            f"{wait_b.get('mean_wait_min'):.1f} 分に、最も混む月は "
            f"{wait_a.get('peak_mean_wait_min') or 0:.1f} 分から "
            f"{wait_b.get('peak_mean_wait_min') or 0:.1f} 分になる見込みです（「窓口」シート）。")
    sentences.append("数値の前提（単価・削減率・利用率とその出典）は「前提条件」シートにあります。")
    sentences.append(PRINT_NOTE)
    for i, text in enumerate(sentences, start=1):
        _paragraph(ws, row + i, text)

    # Page 2: the priority matrix; page 3: the five costs and their charts.
    row = row + len(sentences) + 2
    ws.row_breaks.append(Break(id=row - 1))
    put(ws, row, 1, MATRIX_HEADING, bold=True, size=12)
    row += MATRIX_ROWS
    ws.row_breaks.append(Break(id=row - 1))
    put(ws, row, 1, "5つのコスト（現状と改善後、1年あたり・推定値）", bold=True, size=12)
    records = []
    for side, side_ja in SIDES:
        for key, label, unit, _fmt in COSTS:
            metric = f"{side}_{key}"
            before, after = _det(city.as_is, metric), _det(city.to_be, metric)
            records.append({"label": f"{side_ja}：{label}", "unit": unit, "as_is": before,
                            "to_be": after, "change": after - before,
                            "rate": (after - before) / before if before else 0.0,
                            "p5": saved[metric].p5, "p95": saved[metric].p95})
    costs = write_table(ws, row + 1, [
        Column("label", "コスト"), Column("as_is", "現状", NUMBER), Column("to_be", "改善後", NUMBER),
        Column("change", "変化", NUMBER), Column("rate", "変化率", PERCENT),
        Column("p5", "削減 P5", NUMBER), Column("p95", "削減 P95", NUMBER), Column("unit", "単位")],
        records, freeze=False, autofilter=False)
    for i, record in enumerate(records):
        fmt = YEN if record["unit"] == "円/年" else NUMBER
        for c in (2, 3, 4, 6, 7):
            ws.cell(row=costs.first_row + 1 + i, column=c).number_format = fmt
    _color_scale_negative(ws, costs.column_range(4))

    # Charts: the four burden/time costs (bars) and the to-be as % of the as-is (radar)
    anchor_row = costs.last_row + 2
    _five_cost_bars(ws, costs, anchor_row)
    _radar(ws, records, costs, anchor_row)
    for letter, width in zip("ABCDEFGH", SUMMARY_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    # The chart helper columns right of H stay on screen only.
    ws.print_area = f"A1:H{anchor_row + 17}"
    return ws


def _paragraph(ws: Worksheet, row: int, text: str,
               widths: tuple[float, ...] = SUMMARY_WIDTHS) -> None:
    """A sentence across the printed width, its row as tall as its wrapped lines."""
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = lines_height(wrapped_lines(text, sum(widths)))


def _color_scale_negative(ws: Worksheet, cell_range: str) -> None:
    ws.conditional_formatting.add(cell_range, ColorScaleRule(
        start_type="min", start_color="63BE7B", end_type="max", end_color="FFFFFF"))


def _five_cost_bars(ws: Worksheet, costs: Table, anchor_row: int) -> None:
    for side_index, (_side, side_ja) in enumerate(SIDES):
        chart = BarChart()
        chart.type = "col"
        chart.title = f"{side_ja}の時間・負担"
        chart.y_axis.title = "時間/年（負担は負担時間/年）"
        chart.y_axis.numFmt = "#,##0"
        first = costs.first_row + 1 + side_index * 5 + 1  # skip the yen row
        last = first + 3
        chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
        chart.add_data(Reference(ws, min_col=3, min_row=first, max_row=last), titles_from_data=False)
        chart.series[0].tx = _series_title("現状")
        chart.series[1].tx = _series_title("改善後")
        # Short category names (時間的, 肉体的 …) from the helper column beside the table.
        short = costs.last_column + 4
        chart.set_categories(Reference(ws, min_col=short, min_row=first, max_row=last))
        chart.y_axis.scaling.min = 0
        chart.height, chart.width = 8, 8.5
        style_chart(chart)
        ws.add_chart(chart, f"{'A' if side_index == 0 else 'C'}{anchor_row}")


def _series_title(text: str) -> Any:  # openpyxl's SeriesLabel, imported late
    from openpyxl.chart.series import SeriesLabel

    return SeriesLabel(v=text)


def _radar(ws: Worksheet, records: list[dict[str, Any]], costs: Table, anchor_row: int) -> None:
    # Helper columns: to-be as % of as-is (as-is = 100 %), written beside the table.
    col = costs.last_column + 2
    put(ws, costs.first_row - 1, col, "（グラフ用）")
    put(ws, costs.first_row, col, "改善後/現状", bold=True)
    put(ws, costs.first_row, col + 1, "現状", bold=True)
    put(ws, costs.first_row, col + 2, "短い名前", bold=True)
    for i, record in enumerate(records, start=1):
        ratio = record["to_be"] / record["as_is"] if record["as_is"] else 1.0
        put(ws, costs.first_row + i, col, ratio, PERCENT)
        put(ws, costs.first_row + i, col + 1, 1.0, PERCENT)
        put(ws, costs.first_row + i, col + 2, record["label"].split("：")[-1].removesuffix("コスト"))
    ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 12
    chart = RadarChart()
    chart.type = "marker"
    chart.title = "5つのコスト：改善後は現状の何%か"
    chart.add_data(Reference(ws, min_col=col, max_col=col + 1, min_row=costs.first_row,
                             max_row=costs.last_row), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=costs.first_row + 1,
                                   max_row=costs.last_row))
    chart.y_axis.numFmt = "0%"
    chart.y_axis.scaling.min = 0
    chart.height, chart.width = 8, 9.4
    style_chart(chart)
    ws.add_chart(chart, f"F{anchor_row}")


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
    _title(ws, "どこから始めるか（手続ごと、効果÷手間の大きい順）")
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
        _data_bar(ws, table.column_range(_priority_column("benefit_yen") - 1))
        _color_scale(ws, table.column_range(_priority_column("staff_hours_saved") - 1))
    note = ranking.note_ja
    if len(rows) > PRIORITY_PRINTED:
        note += (f"印刷は上位{PRIORITY_PRINTED}件・主な列です（全{len(rows):,}件と詳しい列"
                 "（列見出しの上の＋で開く）は画面で並べ替え・絞り込みできます）。")
        print_rows(ws, table.first_row + PRIORITY_PRINTED)
    widths = _printed_widths(ws, len(PRIORITY_COLUMNS))
    _paragraph(ws, 2, ranking.explanation_ja, widths)
    _paragraph(ws, 3, note, widths)
    return ws


def _printed_widths(ws: Worksheet, columns: int, page: float = 125) -> tuple[float, ...]:
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


# --- 部署別, 手続別, 施策別 -----------------------------------------------------------

def section_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("部署別")
    _title(ws, "部署別の効果（1年あたり・推定値）")
    records: list[dict[str, Any]] = []
    for block in result.sections:
        a, b, s = block.as_is, block.to_be, block.savings
        records.append({
            "section": block.name,
            "staff_h_asis": _det(a, "staff_time_h"), "staff_h_tobe": _det(b, "staff_time_h"),
            "staff_h_saved": _det(s, "staff_time_h"), "staff_h_p5": s["staff_time_h"].p5,
            "staff_h_p95": s["staff_time_h"].p95,
            "yen_saved": _det(s, "staff_economic_yen"), "fte_saved": _det(s, "staff_fte"),
            "visits_asis": _det(a, "citizen_visits"), "visits_saved": _det(s, "citizen_visits"),
            "citizen_h_saved": _det(s, "citizen_time_h"),
        })
    records.sort(key=lambda r: -r["staff_h_saved"])
    table = write_table(ws, 3, [
        Column("section", "課"), Column("staff_h_asis", "職員時間 現状", NUMBER),
        Column("staff_h_tobe", "職員時間 改善後", NUMBER),
        Column("staff_h_saved", "職員時間 削減", NUMBER), Column("staff_h_p5", "削減 P5", NUMBER),
        Column("staff_h_p95", "削減 P95", NUMBER), Column("yen_saved", "人件費等の削減(円)", YEN),
        Column("fte_saved", "削減人工", DECIMAL), Column("visits_asis", "来庁 現状(回)", NUMBER),
        Column("visits_saved", "来庁の削減(回)", NUMBER),
        Column("citizen_h_saved", "市民時間の削減", NUMBER)], records)
    if records:
        _data_bar(ws, table.column_range(3))
        chart = BarChart()
        chart.type = "bar"
        chart.title = "課別の職員時間の削減（時間/年）"
        top = min(len(records), 20)
        chart.add_data(Reference(ws, min_col=4, min_row=table.first_row + 1,
                                 max_row=table.first_row + top), titles_from_data=False)
        chart.series[0].tx = _series_title("削減時間")
        chart.set_categories(Reference(ws, min_col=1, min_row=table.first_row + 1,
                                       max_row=table.first_row + top))
        chart.y_axis.numFmt = "#,##0"
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.scaling.min = 0
        chart.height, chart.width = max(6, 0.6 * top + 2), 18
        style_chart(chart, legend=None)
        ws.add_chart(chart, f"A{table.last_row + 3}")
    return ws


def procedure_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("手続別")
    _title(ws, "手続別の5つのコスト（現状と改善後、1年あたり・推定値）")
    columns = [Column("procedure_id", "手続ID"), Column("name", "手続名"), Column("section", "課"),
               Column("annual_cases", "年間件数", NUMBER), Column("level", "レベル", NUMBER),
               Column("level_to_be", "改善後レベル", NUMBER),
               Column("measures", "適用した施策", width=28, wrap=True)]
    for side, side_ja in SIDES:
        for key, label, _unit, fmt in COSTS:
            columns.append(Column(f"{side}_{key}_a", f"{side_ja} {label} 現状", fmt))
            columns.append(Column(f"{side}_{key}_b", f"{side_ja} {label} 改善後", fmt))
    columns += [Column("visits_a", "来庁 現状(回)", NUMBER), Column("visits_b", "来庁 改善後(回)", NUMBER),
                Column("saved_h", "職員時間の削減", NUMBER),
                Column("saved_p5", "削減 P5", NUMBER), Column("saved_p95", "削減 P95", NUMBER)]
    records = []
    for p in result.procedures:
        record = {k: getattr(p, k) for k in ("procedure_id", "name", "section", "annual_cases",
                                             "level", "level_to_be")}
        record["measures"] = "、".join(result.scenario.label(m) for m in p.measures_applied)
        for side, _ in SIDES:
            for key, *_rest in COSTS:
                record[f"{side}_{key}_a"] = _det(p.as_is, f"{side}_{key}")
                record[f"{side}_{key}_b"] = _det(p.to_be, f"{side}_{key}")
        record["visits_a"] = _det(p.as_is, "citizen_visits")
        record["visits_b"] = _det(p.to_be, "citizen_visits")
        record["saved_h"] = _det(p.savings, "staff_time_h")
        record["saved_p5"] = p.savings["staff_time_h"].p5
        record["saved_p95"] = p.savings["staff_time_h"].p95
        records.append(record)
    table = write_table(ws, 3, columns, records)
    if records:
        _data_bar(ws, table.column_range(len(columns) - 3))
    # Every procedure × 32 columns is a data sheet to sort and filter, not to read on paper.
    put(ws, 2, 1, "このシートは印刷対象外です（画面で並べ替え・絞り込みして使ってください）。")
    print_rows(ws, 2, 8)
    return ws


def measure_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("施策別")
    _title(ws, "施策別の効果（シナリオの順に積み上げ、1年あたり・決定論的な値）",
           "各施策の効果は、シナリオの順に施策を重ねたときの増分です（合計は全体の効果と一致）。"
           "「その他」は差し戻し率や紙の使用の変化など、個別の施策に割り当てられない部分です。")
    rows = [m.to_json_dict() for m in result.measures]
    table = write_table(ws, 4, [
        Column("label_ja", "施策"), Column("procedures", "適用手続数", NUMBER),
        Column("staff_time_h", "職員時間の削減(時間/年)", NUMBER),
        Column("staff_economic_yen", "人件費等の削減(円/年)", YEN),
        Column("staff_fte", "削減人工", DECIMAL),
        Column("citizen_time_h", "市民時間の削減(時間/年)", NUMBER),
        Column("citizen_economic_yen", "市民負担額の削減(円/年)", YEN),
        Column("citizen_visits", "来庁の削減(回/年)", NUMBER),
        Column("staff_physical_bh", "職員 肉体的", NUMBER),
        Column("staff_cognitive_bh", "職員 頭脳的", NUMBER),
        Column("staff_psychological_bh", "職員 精神的", NUMBER)], rows)
    if rows:
        _data_bar(ws, table.column_range(3), "70AD47")
        _waterfall(ws, result, rows, table)
    return ws


def _waterfall(ws: Worksheet, result: SimulationResult, rows: list[dict[str, Any]],
               table: Table) -> None:
    """Staff yen: as-is, minus each measure, to-be, as a stacked bar with an invisible base.

    Horizontal, so the measure names read level; each name carries its amount, since
    labels on the thin bars of small savings would sit on the bar's edge."""
    col = table.last_column + 2
    put(ws, table.first_row, col, "ウォーターフォール", bold=True)
    put(ws, table.first_row, col + 1, "基準", bold=True)
    put(ws, table.first_row, col + 2, "金額（百万円）", bold=True)
    as_is = result.city.as_is["staff_economic_yen"].deterministic / 1e6
    level = as_is
    lines = [(f"現状 {as_is:,.1f}", 0.0, as_is)]
    for row in rows:
        saved = row["staff_economic_yen"] / 1e6
        level -= saved
        lines.append((f"{row['label_ja']} {-saved:+,.1f}", max(level, 0.0), abs(saved)))
    lines.append((f"改善後 {level:,.1f}", 0.0, level))
    for i, (label, base, amount) in enumerate(lines, start=1):
        put(ws, table.first_row + i, col, label)
        put(ws, table.first_row + i, col + 1, base, DECIMAL)
        put(ws, table.first_row + i, col + 2, amount, DECIMAL)
    ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 26
    last = table.first_row + len(lines)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = "職員の人件費等：現状から施策ごとの削減を経て改善後へ（百万円/年）"
    chart.add_data(Reference(ws, min_col=col + 1, max_col=col + 2, min_row=table.first_row,
                             max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=col, min_row=table.first_row + 1, max_row=last))
    chart.series[0].graphicalProperties.noFill = True
    chart.series[0].graphicalProperties.line.noFill = True
    chart.x_axis.scaling.orientation = "maxMin"  # as-is at the top
    chart.x_axis.tickLblSkip = 1  # every measure named (LibreOffice skipped every other)
    chart.y_axis.title = "百万円/年"
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.scaling.min = 0  # from zero: a 28 % drop must look like one
    # 0.62 cm a bar: every name fits at the 10 pt all charts use (LibreOffice drops
    # names that do not fit).
    chart.height, chart.width = 1.2 + 0.62 * len(lines), 26
    style_chart(chart, legend=None)
    ws.add_chart(chart, f"A{table.last_row + 2}")
    chart_rows = int(chart.height / 0.53) + 2  # rows of the default 15 pt (0.53 cm)
    ws.print_area = f"A1:{ws.cell(row=1, column=table.last_column).column_letter}" \
                    f"{table.last_row + 2 + chart_rows}"


# --- 窓口 ----------------------------------------------------------------------------

def counter_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("窓口")
    _title(ws, "窓口の待ち時間（現状と改善後、1年間のシミュレーション）",
           "到着は月（繁忙月）・曜日・時間帯で変わるポアソン到着、窓口数は現状の稼働率が70%以下となる最小の数。")
    records = []
    for block in result.counters:
        a = block.as_is.values if block.as_is else {}
        b = block.to_be.values if block.to_be else {}
        records.append({
            "section": block.section, "servers": block.servers,
            "visits_a": a.get("visits"), "visits_b": b.get("visits"),
            "service_a": a.get("mean_service_min"), "service_b": b.get("mean_service_min"),
            "wait_a": a.get("mean_wait_min"), "wait_b": b.get("mean_wait_min"),
            "p90_a": a.get("p90_wait_min"), "p90_b": b.get("p90_wait_min"),
            "peak_a": a.get("peak_mean_wait_min"), "peak_b": b.get("peak_mean_wait_min"),
            "util_a": a.get("utilization"), "util_b": b.get("utilization"),
        })
    table = write_table(ws, 4, [
        Column("section", "課"), Column("servers", "窓口数", NUMBER),
        Column("visits_a", "来庁 現状(回/年)", NUMBER), Column("visits_b", "来庁 改善後", NUMBER),
        Column("service_a", "対応時間 現状(分)", DECIMAL), Column("service_b", "対応時間 改善後", DECIMAL),
        Column("wait_a", "平均待ち 現状(分)", DECIMAL), Column("wait_b", "平均待ち 改善後(分)", DECIMAL),
        Column("p90_a", "90%点 現状(分)", DECIMAL), Column("p90_b", "90%点 改善後(分)", DECIMAL),
        Column("peak_a", "最繁忙月の平均待ち 現状", DECIMAL),
        Column("peak_b", "最繁忙月の平均待ち 改善後", DECIMAL),
        Column("util_a", "稼働率 現状", PERCENT), Column("util_b", "稼働率 改善後", PERCENT)],
        records)
    if records:
        chart = BarChart()
        chart.type = "col"
        chart.title = "窓口の平均待ち時間（分）"
        chart.add_data(Reference(ws, min_col=7, max_col=8, min_row=table.first_row,
                                 max_row=table.last_row), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=table.first_row + 1,
                                       max_row=table.last_row))
        chart.y_axis.title = "分"
        chart.y_axis.scaling.min = 0
        chart.height, chart.width = 9, 20
        style_chart(chart)
        ws.add_chart(chart, f"A{table.last_row + 3}")
    return ws


# --- 前提条件, データ品質 ---------------------------------------------------------------

# 前提条件: one grid of columns for its five tables; long text spans E–F or B–F.
ASSUMPTION_WIDTHS = (26, 18, 9, 9, 11, 50)


_URL = re.compile(r"https?://\S+")
# A file of the project ("bpr_before_after_JP.csv 22, 23行", "docs/cost-model.md 第6節"):
# a printed report cannot point into the project's folder.
_INTERNAL_FILE = re.compile(
    r"[（(][^（）()]*?[\w./-]+\.(?:csv|md|py|json|xlsx)\b[^（）()]*[）)]"
    r"|[\w./-]+\.(?:csv|md|py|json|xlsx)\b(?:\s*第?[\d, ]+(?:行|節))?\s*(?:の\s*)?")


def without_internal_files(text: str) -> str:
    """The text with references to the project's own files left out (URLs kept): the
    safety net of :func:`cite`; the data itself should name the publication."""
    urls: list[str] = []

    def keep(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return f"\x00{len(urls) - 1}\x00"

    text = _INTERNAL_FILE.sub("", _URL.sub(keep, text))
    return re.sub("\x00(\\d+)\x00", lambda m: urls[int(m.group(1))], text).strip()


def cite(source: Any) -> str:
    """A source as printed. Text as given; a publication that cites itself (``.cite()``,
    analysis.sources.Source) as it says; a mapping with title / organisation / year /
    url as 「title」organisation（year）URL; several joined by "; ". The one place
    where the report turns sources into text."""
    if source is None:
        return ""
    if isinstance(source, str):
        return without_internal_files(source)
    if callable(getattr(source, "cite", None)):
        return without_internal_files(str(source.cite()))
    if isinstance(source, (list, tuple)):
        return "; ".join(cite(item) for item in source)
    fields: dict[str, Any] = (dict(source) if isinstance(source, dict) else
                              {k: getattr(source, k, None)
                               for k in ("title", "organisation", "year", "url", "note")})
    title, organisation, year, url, note = (fields.get(k) for k in (
        "title", "organisation", "year", "url", "note"))
    parts = [f"「{title}」" if title else "", str(organisation or ""),
             f"（{year}）" if year else "", f" {url}" if url else ""]
    return "".join(parts) + (f"。{note}" if note else "")


def _span(ws: Worksheet, table: Table, index: int, through: int) -> None:
    """Merge the index-th column (0-based) of a table with the sheet columns up to
    ``through`` (1-based), header and rows, so long text has the room of both."""
    col = table.first_column + index
    for r in range(table.first_row, table.last_row + 1):
        ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=through)


def assumptions_sheet(wb: Workbook, result: SimulationResult, burden: list[dict[str, Any]],
                      rubric: list[dict[str, Any]], attribution: str) -> Worksheet:
    ws = wb.create_sheet("前提条件")
    _title(ws, "前提条件（すべての値と出典）")
    w = ASSUMPTION_WIDTHS
    wide = sum(w[4:])
    row = 3
    put(ws, row, 1, "シナリオの施策と適用条件", bold=True, size=12)
    t = write_table(ws, row + 1, [
        Column("label_ja", "施策", width=w[0], wrap=True),
        Column("rule", "適用する手続（変更したパラメータ）", width=sum(w[1:]), wrap=True)],
        [{**m, "rule": m["rule_ja"] + (f"（{params}）" if params else "")}
         for m in [asdict(x) for x in result.scenario.measures]
         for params in [", ".join(f"{k}={v}" for k, v in m["params"].items())]],
        freeze=False, autofilter=False)
    _span(ws, t, 1, 6)
    row = t.last_row + 2
    put(ws, row, 1, "施策のパラメータ（シミュレーションでは範囲内の三角分布）", bold=True, size=12)
    t = write_table(ws, row + 1, [
        Column("ja", "パラメータ", width=w[0], wrap=True),
        Column("value", "使用値", "0.00", width=w[1]), Column("low", "下限", "0.00", width=w[2]),
        Column("high", "上限", "0.00", width=w[3]), Column("unit", "単位", width=w[4]),
        Column("source", "出典", width=w[5], wrap=True)],
        [{**asdict(p), "source": cite(p.source)} for p in result.parameters], freeze=False,
        autofilter=False)
    row = t.last_row + 2
    put(ws, row, 1, "単価", bold=True, size=12)
    t = write_table(ws, row + 1, [
        Column("ja", "項目", width=w[0], wrap=True), Column("value", "値", "#,##0.##", width=w[1]),
        Column("unit", "単位", width=w[2]),
        Column("changed_text", "既定値からの変更", width=w[3], wrap=True),
        Column("source", "出典", width=wide, wrap=True)],
        [{**asdict(u), "changed_text": "変更あり" if u.changed else "", "source": cite(u.source)}
         for u in result.unit_costs], freeze=False, autofilter=False)
    _span(ws, t, 4, 6)
    row = t.last_row + 2
    put(ws, row, 1, "負担の既定値（作業の種類別、0～4）", bold=True, size=12)
    t = write_table(ws, row + 1, [
        Column("kind", "作業の種類", width=w[0], wrap=True),
        Column("physical", "肉体的", NUMBER, width=w[1]),
        Column("cognitive", "頭脳的", NUMBER, width=w[2]),
        Column("psychological", "精神的", NUMBER, width=w[3]),
        Column("reason", "理由", width=wide, wrap=True)], burden, freeze=False, autofilter=False)
    _span(ws, t, 4, 6)
    row = t.last_row + 2
    put(ws, row, 1, "オンライン化レベルの採点基準", bold=True, size=12)
    t = write_table(ws, row + 1, [
        Column("axis", "軸", width=w[0], wrap=True),
        Column("scores", "点数", width=sum(w[1:]), wrap=True)],
        [{**r, "scores": cite(r["scores"])} for r in rubric], freeze=False, autofilter=False)
    _span(ws, t, 1, 6)
    if attribution:
        _paragraph(ws, t.last_row + 2, attribution, ASSUMPTION_WIDTHS)
    for letter, width in zip("ABCDEF", ASSUMPTION_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = None
    return ws


def quality_sheet(wb: Workbook, issues: list[dict[str, Any]]) -> Worksheet:
    ws = wb.create_sheet("データ品質")
    _title(ws, f"取り込み時の未解決の警告（{len(issues):,} 件）",
           "調査票を直して取り込み直すと消えます。" if issues else "未解決の警告はありません。")
    write_table(ws, 4, [Column("section", "課"), Column("file", "ファイル"), Column("sheet", "シート"),
                        Column("cell", "セル"), Column("message_ja", "内容", width=70, wrap=True),
                        Column("value", "入力値")], issues)
    return ws


def flow_sheet(wb: Workbook, pictures: list[tuple[str, bytes]]) -> Worksheet:
    import io

    from openpyxl.drawing.image import Image

    ws = wb.create_sheet("業務フロー")
    _title(ws, "優先度の高い手続の業務フロー（現状と改善後）",
           "レーン＝実施者、箱＝工程と1件あたりの時間、矢印の%＝分岐・差し戻しの割合。紙＝紙、印＝押印、手＝手入力。")
    row = 4
    for title, png in pictures:
        put(ws, row, 1, title, bold=True)
        image = Image(io.BytesIO(png))
        # As large as a landscape A4 page holds under its caption (900 × 520 px at 96 dpi),
        # one picture a page: two to a page would print the box text under 8 pt
        # (analysis.charts.LEGIBLE_SHOWN_SCALE).
        scale = min(900 / image.width, 520 / image.height)
        image.width, image.height = image.width * scale, image.height * scale
        ws.add_image(image, f"A{row + 1}")
        row += int(image.height / 20) + 3  # 20 px a row; printing starts each on a page
    ws.column_dimensions["A"].width = 12
    return ws


# --- 感度分析 --------------------------------------------------------------------------

def sensitivity_sheet(wb: Workbook, sensitivity: SensitivityResult | None) -> Worksheet | None:
    """The tornado of the city-wide staff saving first (what a reader looks at), then the
    stability of the top 20, then the table behind the tornado with its sources."""
    import io

    from openpyxl.drawing.image import Image

    from analysis.charts import tornado_png

    if sensitivity is None:
        return None
    ws = wb.create_sheet("感度分析")
    base = sensitivity.base
    _title(ws, "感度分析：前提を変えると結果はどれだけ動くか")
    bars = sensitivity.ordered("staff_economic_yen")
    row = 4
    if bars:
        image = Image(io.BytesIO(tornado_png(sensitivity)))
        scale = 1000 / image.width  # 1,000 px wide on the sheet, whatever the dpi
        image.width, image.height = image.width * scale, image.height * scale
        ws.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2  # 20 px a row
    no_effect_row = row
    if sensitivity.no_effect:
        row += 2
    put(ws, row, 1, "「どこから始めるか」上位20の安定性", bold=True, size=12)
    stability = write_table(ws, row + 1, [
        Column("label", "変えた前提", width=26, wrap=True),
        Column("spearman", "順位相関（スピアマン）", "0.00"),
        Column("overlap", "上位20に残る件数", NUMBER), Column("overlap10", "上位10に残る件数", NUMBER),
        # One text column at E, as wide as the sources column below it (same sheet column).
        Column("changes", "上位10に入る手続／外れる手続", width=30, wrap=True)],
        [{"label": s.label_ja, "spearman": s.spearman, "overlap": s.overlap,
          "overlap10": s.overlap_top10,
          "changes": (f"入る: {'、'.join(s.entered)}／外れる: {'、'.join(s.left)}"
                      if s.entered or s.left else "入れ替わりなし")}
         for s in sensitivity.stability],
        freeze=False, autofilter=False)
    row = stability.last_row + 2
    put(ws, row, 1, "前提ごとの振れ幅（大きい順）", bold=True, size=12)
    records = [{
        "label": bar.label_ja + ("（単価）" if bar.kind == "unit_cost" else ""),
        "base": bar.base_input, "low": bar.low_input, "high": bar.high_input, "unit": bar.unit,
        "yen_low": bar.at_low["staff_economic_yen"], "yen_high": bar.at_high["staff_economic_yen"],
        "swing": bar.swing("staff_economic_yen"),
        "h_low": bar.at_low["staff_time_h"], "h_high": bar.at_high["staff_time_h"],
        "source": bar.source} for bar in bars]
    table = write_table(ws, row + 1, [
        Column("label", "前提", width=26, wrap=True), Column("base", "基準値", "#,##0.###"),
        Column("low", "下限", "#,##0.###"), Column("high", "上限", "#,##0.###"),
        Column("source", "範囲の出典", width=30, wrap=True), Column("unit", "単位"),
        Column("yen_low", "削減額 下限のとき(円/年)", YEN),
        Column("yen_high", "削減額 上限のとき(円/年)", YEN),
        Column("swing", "振れ幅(円/年)", YEN),
        Column("h_low", "職員時間の削減 下限のとき", NUMBER, detail=True),
        Column("h_high", "職員時間の削減 上限のとき", NUMBER, detail=True)], records,
        freeze=False, autofilter=False)
    if records:
        _data_bar(ws, table.column_range(8), "ED7D31")
    _paragraph(ws, 2, f"基準（既定の前提）の職員の人件費等の削減 {base['staff_economic_yen'] / 1e6:,.1f} "
                      f"百万円/年、職員時間 {base['staff_time_h']:,.0f} 時間/年。各前提を1つずつ下限・上限にし、"
                      "他は基準値のまま計算（決定論的な計算）。図と表は振れ幅の大きい順。",
               _printed_widths(ws, 12))
    if sensitivity.no_effect:
        _paragraph(ws, no_effect_row, "このシナリオでは結果を動かさない前提: "
                   + "、".join(sensitivity.no_effect)
                   + "（volume_spread・rework_spread は P5～P95 の幅だけを変えます）",
                   _printed_widths(ws, 12))
    return ws
