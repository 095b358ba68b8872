"""The report's ライフイベント sheet: the citizen's visit per life event, before and after.

The same table as the app's ライフイベント view (``bpr_studio.journey_pipeline.run_journeys``
with ワンストップ窓口 + 書かない窓口): counters visited, times name and address are written,
minutes in the building with P5–P95, visits; the timelines of 転入 and おくやみ; then every
assumption with its publication (or 提案値 and the reasoning), the procedures of each event
with what put them there and the source of their share, and the calendar.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis import journey_sources as J
from analysis.journey import MEASURE_LABELS
from analysis.journey_result import EventJourney, JourneyResult
from analysis.life_events import MEMBER_SOURCES
from analysis.sources import INVENTORY
from bpr_studio.report.pictures import journey_timeline
from bpr_studio.report.writer import DECIMAL, NUMBER, Column, put, write_table

SHEET = "ライフイベント"
TIMELINE_EVENTS = ("moving_in", "death")
INVENTORY_ATTRIBUTION = ("出典：「行政手続等の悉皆調査結果」（デジタル庁）"
                         "（https://www.digital.go.jp/resources/procedures-survey-results）を加工して作成"
                         "（公共データ利用規約 第1.0版 PDL1.0）")

EVENT_COLUMNS = [
    Column("event", "イベント", width=14, wrap=True),
    Column("per_year", "年間件数", NUMBER, width=7),
    Column("counters_as_is", "窓口数 現状", DECIMAL, width=6),
    Column("counters_to_be", "窓口数 改善後", DECIMAL, width=6),
    Column("names_as_is", "氏名の記入 現状（回）", DECIMAL, width=6),
    Column("names_to_be", "氏名の記入 改善後（回）", DECIMAL, width=6),
    Column("addresses_as_is", "住所の記入 現状（回）", DECIMAL, width=6),
    Column("addresses_to_be", "住所の記入 改善後（回）", DECIMAL, width=6),
    Column("minutes_as_is", "庁舎内 現状（分）", NUMBER, width=6),
    Column("p5_as_is", "現状 P5", NUMBER, width=6),
    Column("p95_as_is", "現状 P95", NUMBER, width=6),
    Column("minutes_to_be", "庁舎内 改善後（分）", NUMBER, width=6),
    Column("p5_to_be", "改善後 P5", NUMBER, width=6),
    Column("p95_to_be", "改善後 P95", NUMBER, width=6),
    Column("visits_as_is", "来庁 現状（回）", DECIMAL, width=6),
    Column("visits_to_be", "来庁 改善後（回）", DECIMAL, width=6),
]
# The tables under the events table share its columns (A 14, B 7, C–P 6 characters, about
# an A4 landscape width); their long texts span several of them (merged, wrapped).
GridColumn = tuple[str, str, int, int]   # key, header, first column, last column
ASSUMPTION_GRID: list[GridColumn] = [
    ("label", "前提", 1, 2), ("value", "値", 3, 3), ("range", "範囲", 4, 5), ("unit", "単位", 6, 6),
    ("source", "出典（提案値は根拠）", 7, 16)]
MEMBER_GRID: list[GridColumn] = [
    ("event", "イベント", 1, 1), ("procedure", "手続", 2, 5), ("share", "割合", 6, 6),
    ("counter", "窓口", 7, 8), ("matched", "対象とした理由", 9, 11),
    ("source", "割合の出典（提案値は根拠）", 12, 16)]


def _grid_table(ws: Worksheet, row: int, grid: list[GridColumn],
                records: list[dict[str, Any]]) -> int:
    """A table whose columns span the sheet's grid; returns the next free row."""
    from openpyxl.styles import Alignment, Font

    from bpr_studio.report.printing import lines_height
    from bpr_studio.report.writer import BORDER, FONT, HEADER_FILL, wrapped_lines

    def width(first: int, last: int) -> float:
        return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                   for c in range(first, last + 1))

    for r, record in enumerate([None, *records], start=row):
        lines = 1
        for key, header, first, last in grid:
            value = header if record is None else record.get(key, "")
            cell = put(ws, r, first, value)
            if last > first:
                ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            for c in range(first, last + 1):
                ws.cell(row=r, column=c).border = BORDER
            if record is None:
                cell.font = Font(name=FONT, bold=True, color="FFFFFF", size=10)
                cell.fill = HEADER_FILL
            lines = max(lines, wrapped_lines(value, width(first, last) - 1))
        ws.row_dimensions[r].height = lines_height(lines)
    return row + len(records) + 1


def event_record(event: EventJourney) -> dict[str, Any]:
    """One row of the events table (the test reads the same keys)."""
    a, b = event.as_is, event.to_be
    return {"event": event.name, "per_year": event.events_per_year,
            "counters_as_is": a.counters.mean, "counters_to_be": b.counters.mean,
            "names_as_is": a.name_writes.mean, "names_to_be": b.name_writes.mean,
            "addresses_as_is": a.address_writes.mean, "addresses_to_be": b.address_writes.mean,
            "minutes_as_is": a.minutes.mean, "p5_as_is": a.minutes.p5, "p95_as_is": a.minutes.p95,
            "minutes_to_be": b.minutes.mean, "p5_to_be": b.minutes.p5, "p95_to_be": b.minutes.p95,
            "visits_as_is": a.visits.mean, "visits_to_be": b.visits.mean}


def _matched(text: str) -> str:
    """What put a procedure in the event, short: the name list or the inventory code."""
    return "名称（既定の一覧）" if text.startswith("名称") else text


def timeline_events(result: JourneyResult | None) -> list[EventJourney]:
    """The events whose timeline the sheet draws, in its order."""
    first: dict[str, EventJourney] = {}
    for event in result.events if result is not None else []:
        first.setdefault(event.key, event)
    return [first[key] for key in TIMELINE_EVENTS if key in first]


def _picture(ws: Worksheet, row: int, event: EventJourney,
             png: Callable[[], bytes] | None = None) -> int:
    from openpyxl.drawing.image import Image

    image = Image(io.BytesIO(png() if png is not None else journey_timeline(event)))
    scale = 900 / image.width
    image.width, image.height = image.width * scale, image.height * scale
    ws.add_image(image, f"A{row}")
    return row + int(image.height / 20) + 2


def life_events_sheet(wb: Workbook, result: JourneyResult | None,
                      pngs: dict[str, Callable[[], bytes]] | None = None) -> Worksheet | None:
    """The sheet, or None without a journey result (a project with no life event);
    ``pngs``: the timelines being drawn elsewhere, by event key."""
    if result is None or not result.events:
        return None
    ws = wb.create_sheet(SHEET)
    labels = "＋".join(MEASURE_LABELS[m][0] for m in result.measures)
    put(ws, 1, 1, "ライフイベント：市民が回る窓口・記入回数・庁舎内の時間（現状と改善後）", bold=True, size=14)
    put(ws, 2, 1, f"改善後＝{labels}。イベントごとに市民 {result.replications:,} 人を模擬（seed "
                  f"{result.seed}、{result.fiscal_year}年度の開庁日）。窓口の待ち時間は、単独の手続と"
                  "すべてのイベントの来庁をあわせた窓口ごとの待ち行列から。P5–P95 は市民ごとのばらつき。")
    table = write_table(ws, 4, EVENT_COLUMNS, [event_record(e) for e in result.events],
                        freeze=False, autofilter=False)
    row = table.last_row + 2
    for event in timeline_events(result):
        put(ws, row, 1, f"{event.name}：窓口の順路（上＝現状、下＝改善後）", bold=True, size=12)
        row = _picture(ws, row + 1, event, (pngs or {}).get(event.key))
    put(ws, row, 1, "前提条件と出典", bold=True, size=12)
    assumptions = [{"label": a["label"], "value": f"{a['value']:g}",
                    "range": f"{a['low']:.3g}～{a['high']:.3g}", "unit": a["unit"],
                    "source": " — ".join(part for part in (
                        a["reasoning"] if a["proposal"] else "", "; ".join(a["sources"])) if part)}
                   for a in result.assumptions]
    calendar = [
        {"label": "開庁日（土日・祝日・年末年始は閉庁）", "value": f"{result.fiscal_year}年度",
         "range": "", "unit": "", "source": f"{J.LOCAL_AUTONOMY_HOLIDAYS.cite()}; "
                                           f"{J.NATIONAL_HOLIDAYS_LAW.cite()}; 平日の祝日・年末年始 "
                                           f"{len(result.closed_weekdays)} 日"},
        {"label": "イベントの対象手続（国の手続IDがあるもの）", "value": "", "range": "", "unit": "",
         "source": f"{INVENTORY.cite()} の「手続が行われるイベント(個人)」; {INVENTORY_ATTRIBUTION}"},
        *({"label": "イベントの割合・対象手続の出典", "value": "", "range": "", "unit": "",
           "source": source.cite()} for source in MEMBER_SOURCES),
        {"label": "窓口の待ち行列・曜日と時間帯の来庁・繁忙月1.8倍・目標稼働率70%", "value": "",
         "range": "", "unit": "", "source": "窓口シートと同じ窓口モデル（提案値: docs/simulation.md の窓口の節）"},
    ]
    row = _grid_table(ws, row + 1, ASSUMPTION_GRID, [*assumptions, *calendar]) + 1
    put(ws, row, 1, "イベントの対象手続と必要な割合", bold=True, size=12)
    members = [{"event": e.name, "procedure": f"{m['procedure_id']} {m['name']}",
                "share": f"{m['share']:.0%}",
                "counter": m["counter"] + ("" if m["visit"] else "（来庁なし）"),
                "matched": _matched(m["matched"]), "source": m["source"]}
               for e in result.events for m in e.members]
    _grid_table(ws, row + 1, MEMBER_GRID, members)
    return ws
