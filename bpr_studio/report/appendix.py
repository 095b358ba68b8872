"""The appendix sheets: 業務フロー (pictures), 感度分析 (tornado, top-20 stability), データ品質."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.sensitivity import SensitivityResult
from bpr_studio.report.parts import (
    data_bar,
    paragraph,
    printed_widths,
    sheet_title,
)
from bpr_studio.report.pictures import FLOW_PAGES, tornado
from bpr_studio.report.writer import (
    NUMBER,
    YEN,
    Column,
    put,
    write_table,
)


def quality_sheet(wb: Workbook, issues: list[dict[str, Any]]) -> Worksheet:
    ws = wb.create_sheet("データ品質")
    sheet_title(ws, f"取り込み時の未解決の警告（{len(issues):,} 件）",
           "調査票を直して取り込み直すと消えます。" if issues else "未解決の警告はありません。")
    write_table(ws, 4, [Column("section", "課"), Column("file", "ファイル"), Column("sheet", "シート"),
                        Column("cell", "セル"), Column("message_ja", "内容", width=70, wrap=True),
                        Column("value", "入力値")], issues)
    return ws


def flow_sheet(wb: Workbook, pictures: list[tuple[str, bytes]]) -> Worksheet:
    import io

    from openpyxl.drawing.image import Image

    from analysis.flow_print import OVERSAMPLE, PAGE_PX

    ws = wb.create_sheet("業務フロー")
    sheet_title(ws, "優先度の高い手続の業務フロー（現状と改善後）",
           "レーン＝実施者、○＝開始、◎＝終了、◇＝分岐（%＝件数の割合）、破線＝差戻し、"
           "時計＝待ち日数。箱＝工程と1件あたりの時間。紙＝紙、印＝押印、手＝手入力。"
           f"優先順位の上位から、印刷で{FLOW_PAGES}ページまで（長い手続は工程の区切りで分けて印刷）。"
           "他の手続はアプリの「業務フロー」画面とBPMN書き出しで見られます。")
    row = 4
    for title, png in pictures:
        put(ws, row, 1, title, bold=True)
        image = Image(io.BytesIO(png))
        # Shown at the size it was drawn for (analysis.flow_print: box text at 8 pt or
        # more), one picture a page, never larger than a landscape A4 page holds.
        scale = min(1 / OVERSAMPLE, PAGE_PX[0] / image.width, PAGE_PX[1] / image.height)
        image.width, image.height = image.width * scale, image.height * scale
        ws.add_image(image, f"A{row + 1}")
        row += int(image.height / 20) + 3  # 20 px a row; printing starts each on a page
    ws.column_dimensions["A"].width = 12
    _print_under_pictures(ws, row)
    return ws


def _print_under_pictures(ws: Worksheet, last_row: int) -> None:
    """Print as many columns as the widest picture covers: LibreOffice prints only the
    used cells' columns (here A, and what the notes spill into) and cuts a picture at
    their edge; the notes under the title then wrap within the same width."""
    from openpyxl.utils import get_column_letter

    from bpr_studio.report.printing import DEFAULT_WIDTH, column_pt, normal_font_pt

    font = normal_font_pt(ws)
    widest = max((image.width for image in ws._images), default=0) * 0.75  # px → pt
    columns, right = 1, column_pt(ws.column_dimensions["A"].width, font)
    while right < widest or columns < 12:  # the notes have room to wrap, pictures or not
        columns += 1
        # Set, not left unset: openpyxl reads an unset column as 13 wide, Excel as 8.43.
        ws.column_dimensions[get_column_letter(columns)].width = DEFAULT_WIDTH
        right += column_pt(DEFAULT_WIDTH, font)
    ws.print_area = f"A1:{get_column_letter(columns)}{max(last_row, 3)}"


# --- 感度分析 --------------------------------------------------------------------------

def sensitivity_sheet(wb: Workbook, sensitivity: SensitivityResult | None,
                      png: Callable[[], bytes] | None = None) -> Worksheet | None:
    """The tornado of the city-wide staff saving first (what a reader looks at), then the
    stability of the top 20, then the table behind the tornado with its sources
    (``png``: the tornado being drawn elsewhere)."""
    import io

    from openpyxl.drawing.image import Image

    if sensitivity is None:
        return None
    ws = wb.create_sheet("感度分析")
    base = sensitivity.base
    sheet_title(ws, "感度分析：前提を変えると結果はどれだけ動くか")
    bars = sensitivity.ordered("staff_economic_yen")
    row = 4
    if bars:
        image = Image(io.BytesIO(png() if png is not None else tornado(sensitivity)))
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
        data_bar(ws, table.column_range(8), "ED7D31")
    paragraph(ws, 2, f"基準（既定の前提）の職員の人件費等の削減 {base['staff_economic_yen'] / 1e6:,.1f} "
                      f"百万円/年、職員時間 {base['staff_time_h']:,.0f} 時間/年。各前提を1つずつ下限・上限にし、"
                      "他は基準値のまま計算（決定論的な計算）。図と表は振れ幅の大きい順。",
               printed_widths(ws, 12))
    if sensitivity.no_effect:
        paragraph(ws, no_effect_row, "このシナリオでは結果を動かさない前提: "
                   + "、".join(sensitivity.no_effect)
                   + "（volume_spread・rework_spread は P5～P95 の幅だけを変えます）",
                   printed_widths(ws, 12))
    return ws
