"""The main sheets of the executive report (概要, 部署別, 手続別, 施策別, 窓口), each a function of
the typed simulation result. 優先順位 is in :mod:`priorities`, 前提条件 in :mod:`assumptions`,
the appendix in :mod:`appendix`."""

from __future__ import annotations

from typing import Any

from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.styles import Alignment
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import RankedProcedure, SimulationResult
from bpr_studio.report.chart_style import style_chart
from bpr_studio.report.parts import (
    COSTS,
    SIDES,
    SUMMARY_WIDTHS,
    color_scale_negative,
    data_bar,
    estimate,
    paragraph,
    series_title,
    sheet_title,
)
from bpr_studio.report.printing import print_rows
from bpr_studio.report.priorities import MATRIX_HEADING, MATRIX_ROWS, PRINT_NOTE
from bpr_studio.report.writer import (
    DECIMAL,
    NUMBER,
    PERCENT,
    YEN,
    Column,
    Table,
    put,
    write_table,
)

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
    sheet_title(ws, f"{title or result.project} — 業務改革（BPR）の効果試算")
    paragraph(ws, 2, f"シナリオ「{scenario}」: {result.scenario.description}")
    paragraph(ws, 3, f"不確かさ: {result.replications:,}回のモンテカルロ・シミュレーション"
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
        paragraph(ws, row + i, text)

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
            before, after = estimate(city.as_is, metric), estimate(city.to_be, metric)
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
    color_scale_negative(ws, costs.column_range(4))

    # Charts: the four burden/time costs (bars) and the to-be as % of the as-is (radar)
    anchor_row = costs.last_row + 2
    _five_cost_bars(ws, costs, anchor_row)
    _radar(ws, records, costs, anchor_row)
    for letter, width in zip("ABCDEFGH", SUMMARY_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    # The chart helper columns right of H stay on screen only.
    ws.print_area = f"A1:H{anchor_row + 17}"
    return ws


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
        chart.series[0].tx = series_title("現状")
        chart.series[1].tx = series_title("改善後")
        # Short category names (時間的, 肉体的 …) from the helper column beside the table.
        short = costs.last_column + 4
        chart.set_categories(Reference(ws, min_col=short, min_row=first, max_row=last))
        chart.y_axis.scaling.min = 0
        chart.height, chart.width = 8, 8.5
        style_chart(chart)
        ws.add_chart(chart, f"{'A' if side_index == 0 else 'C'}{anchor_row}")


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


# --- 部署別, 手続別, 施策別 -----------------------------------------------------------

def section_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("部署別")
    sheet_title(ws, "部署別の効果（1年あたり・推定値）")
    records: list[dict[str, Any]] = []
    for block in result.sections:
        a, b, s = block.as_is, block.to_be, block.savings
        records.append({
            "section": block.name,
            "staff_h_asis": estimate(a, "staff_time_h"), "staff_h_tobe": estimate(b, "staff_time_h"),
            "staff_h_saved": estimate(s, "staff_time_h"), "staff_h_p5": s["staff_time_h"].p5,
            "staff_h_p95": s["staff_time_h"].p95,
            "yen_saved": estimate(s, "staff_economic_yen"), "fte_saved": estimate(s, "staff_fte"),
            "visits_asis": estimate(a, "citizen_visits"), "visits_saved": estimate(s, "citizen_visits"),
            "citizen_h_saved": estimate(s, "citizen_time_h"),
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
        data_bar(ws, table.column_range(3))
        chart = BarChart()
        chart.type = "bar"
        chart.title = "課別の職員時間の削減（時間/年）"
        top = min(len(records), 20)
        chart.add_data(Reference(ws, min_col=4, min_row=table.first_row + 1,
                                 max_row=table.first_row + top), titles_from_data=False)
        chart.series[0].tx = series_title("削減時間")
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
    sheet_title(ws, "手続別の5つのコスト（現状と改善後、1年あたり・推定値）")
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
                record[f"{side}_{key}_a"] = estimate(p.as_is, f"{side}_{key}")
                record[f"{side}_{key}_b"] = estimate(p.to_be, f"{side}_{key}")
        record["visits_a"] = estimate(p.as_is, "citizen_visits")
        record["visits_b"] = estimate(p.to_be, "citizen_visits")
        record["saved_h"] = estimate(p.savings, "staff_time_h")
        record["saved_p5"] = p.savings["staff_time_h"].p5
        record["saved_p95"] = p.savings["staff_time_h"].p95
        records.append(record)
    table = write_table(ws, 3, columns, records)
    if records:
        data_bar(ws, table.column_range(len(columns) - 3))
    # Every procedure × 32 columns is a data sheet to sort and filter, not to read on paper.
    put(ws, 2, 1, "このシートは印刷対象外です（画面で並べ替え・絞り込みして使ってください）。")
    print_rows(ws, 2, 8)
    return ws


def measure_sheet(wb: Workbook, result: SimulationResult) -> Worksheet:
    ws = wb.create_sheet("施策別")
    sheet_title(ws, "施策別の効果（シナリオの順に積み上げ、1年あたり・決定論的な値）",
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
        data_bar(ws, table.column_range(3), "70AD47")
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
    sheet_title(ws, "窓口の待ち時間（現状と改善後、1年間のシミュレーション）",
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
