"""The municipalities' comparison as a workbook (``bpr-studio compare-cities -o``).

One sheet 自治体比較: per city, the procedures matched and how many are slower than the
peers' median (and the hours that gap is worth), then one row per procedure found in two
or more cities, with each city's minutes per case, online share, level, saving share and
its ratio to the median. Printed landscape on A4 at a legible scale like the report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analysis.peers import PeerComparison
from bpr_studio.atomic import atomic_write
from bpr_studio.report.parts import paragraph, sheet_title
from bpr_studio.report.writer import Column, print_setup, use_japanese_font, write_table

SHEET = "自治体比較"


def write_peers_workbook(comparison: PeerComparison, scenario: str, out: str | Path) -> Path:
    wb = Workbook()
    use_japanese_font(wb)
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    sheet_title(ws, f"自治体比較：同じ手続（手続ID）の職員時間・オンライン率・削減（シナリオ「{scenario}」）")
    summary_columns = [Column("city", "自治体"), Column("procedures", "手続数", "#,##0"),
                       Column("matched", "他と共通", "#,##0"),
                       Column("slower", "中央値より遅い", "#,##0"),
                       Column("gap_hours", "差の時間（時間/年）", "#,##0"),
                       Column("slower_after", "改善後も遅い", "#,##0")]
    table = write_table(ws, 5, summary_columns, [vars(s) for s in comparison.summaries],
                        freeze=False, autofilter=False)
    row = table.last_row + 2
    columns = [Column("procedure_id", "手続ID"), Column("name", "手続名", width=24, wrap=True),
               Column("cities", "自治体数", "0")]
    for city in comparison.cities:
        columns += [Column(f"minutes_per_case_{city}", f"{city}\n分/件", "#,##0.0"),
                    Column(f"ratio_{city}", f"{city}\n比", "0.00"),
                    Column(f"to_be_ratio_{city}", f"{city}\n改善後の比", "0.00")]
    columns += [Column("minutes_per_case_median", "中央値\n分/件", "#,##0.0")]
    for city in comparison.cities:
        columns += [Column(f"online_share_{city}", f"{city}\nオンライン率", "0%", detail=True),
                    Column(f"level_{city}", f"{city}\nレベル", "0", detail=True),
                    Column(f"saving_share_{city}", f"{city}\n削減率", "0%", detail=True)]
    records = [_clean(r) for r in comparison.rows.reset_index().to_dict("records")]
    table = write_table(ws, row, columns, records)
    slower = CellIsRule(operator="greaterThan", formula=[str(comparison.slower_at)],
                        font=Font(color="C00000", bold=True))
    for index, column in enumerate(columns):
        if column.key.startswith(("ratio_", "to_be_ratio_")):
            ws.conditional_formatting.add(table.column_range(index), slower)
    explanation = (
        f"{len(comparison.cities)} 自治体で共通の手続 {len(comparison.rows):,} 件を比べます。中央値は"
        f"その手続を持つ自治体すべて（自分を含む）の中央値、比は自治体の1件あたり職員時間÷中央値です。"
        f"比が {comparison.slower_at:g} を超える手続を「遅い」とし（提案値）、その差の時間は"
        "調べる価値のある差であって削減見込みではありません（案件の難しさが違うことがあります）。"
        "改善後の比は、シナリオ後の1件あたり職員時間÷他自治体を含む現状の中央値です（書き出した CSV "
        "から読んだ自治体は現状だけなので空欄）。"
        "自治体ごとのオンライン率・レベル・削減率は表の右の「+」で開けます（印刷はしません）。")
    # Across the printed columns of the table (its height follows from their widths).
    widths = tuple(ws.column_dimensions[get_column_letter(c)].width or 8.43
                   for c in range(1, 4 + 3 * len(comparison.cities) + 1))
    paragraph(ws, 3, explanation, widths)
    print_setup(ws, "　".join(comparison.cities), scenario, date.today().isoformat())
    path = Path(out)
    atomic_write(path, wb.save)
    return path


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
