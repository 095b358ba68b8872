"""前提条件: every assumption with its source, printed as the publication (:func:`cite`)."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analysis.result import SimulationResult
from bpr_studio.report.parts import (
    paragraph,
    sheet_title,
)
from bpr_studio.report.writer import (
    NUMBER,
    Column,
    Table,
    put,
    write_table,
)

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
    sheet_title(ws, "前提条件（すべての値と出典）")
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
        paragraph(ws, t.last_row + 2, attribution, ASSUMPTION_WIDTHS)
    for letter, width in zip("ABCDEF", ASSUMPTION_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = None
    return ws
