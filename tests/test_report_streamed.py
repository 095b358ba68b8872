"""Long report tables are streamed into the sheet XML (issue 16): the same workbook as
openpyxl's cells give, for every kind of value a table holds."""

from __future__ import annotations

import math

from openpyxl import load_workbook

from bpr_studio.report import writer
from bpr_studio.report.streamed_rows import ReportWorkbook, streamed
from bpr_studio.report.writer import DECIMAL, YEN, Column, write_table

COLUMNS = [Column("id", "手続ID"), Column("name", "手続名"), Column("yen", "効果額", YEN),
           Column("share", "割合", DECIMAL), Column("note", "施策", width=28, wrap=True),
           Column("flag", "可否"),
           # Columns of plain numbers only (written a column at a time): their widths too.
           Column("hours", "時間", DECIMAL), Column("zero", "差", YEN), Column("cases", "件数", YEN)]


def _records(n: int) -> list[dict]:
    texts = ["住民票の写しの交付", " 前後に空白 ", "", "a & b < c > d \"q\"", None, "=SUM(A1)"]
    return [{"id": f"G{i:05d}", "name": texts[i % len(texts)],
             "yen": [1234567.0, 12, None, math.nan, -3.5, 10**16][i % 6],
             "share": i / 7, "note": "オンライン申請、押印廃止、" * (i % 4),
             "flag": [True, False, None][i % 3],
             "hours": (i - 450) * 1234.567, "zero": -0.0 if i == 7 else 0.0,
             "cases": i * 10**(i % 9) - 7} for i in range(n)]


def _write(tmp_path, name: str, stream_rows: int, monkeypatch) -> tuple:
    monkeypatch.setattr(writer, "STREAM_ROWS", stream_rows)
    wb = ReportWorkbook()
    ws = wb.active
    ws["A1"] = "表題"
    write_table(ws, 3, COLUMNS, _records(900))
    path = tmp_path / name
    wb.save(path)
    return path, streamed(ws)


def test_a_streamed_table_reads_back_as_the_cells_openpyxl_writes(tmp_path, monkeypatch):
    plain, none = _write(tmp_path, "plain.xlsx", 10**9, monkeypatch)
    fast, body = _write(tmp_path, "fast.xlsx", 500, monkeypatch)
    assert none is None
    assert body is not None
    assert len(body.rows) == 900
    a, b = load_workbook(plain).active, load_workbook(fast).active
    assert a.dimensions == b.dimensions == "A1:I903"
    assert {k: d.width for k, d in a.column_dimensions.items()} == {
        k: d.width for k, d in b.column_dimensions.items()}
    assert a.freeze_panes == b.freeze_panes
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            assert (x.value, x.data_type, x.number_format, x.alignment.wrap_text,
                    x.alignment.vertical) == (y.value, y.data_type, y.number_format,
                                              y.alignment.wrap_text, y.alignment.vertical), x
    assert {r: d.height for r, d in a.row_dimensions.items()} == {
        r: d.height for r, d in b.row_dimensions.items()}
    assert any(d.height for r, d in b.row_dimensions.items() if r > 3)  # wrapped rows


def test_the_widest_number_of_a_column_is_found_without_formatting_every_value():
    import random

    rng = random.Random(5)
    columns = [[0.0, -0.0], [-0.0, 0.0, 3.0], [0.4, -0.4], [999.5, 12.0], [-999.6, 5.0],
               [7], [], [10**16, -3]]
    columns += [[rng.choice([0.0, -0.0, 1e-3, -0.49, 0.51]) * rng.choice([1, 10, 1e6])
                 for _ in range(rng.randint(1, 8))] for _ in range(300)]
    for values in columns:
        expected = max((len(f"{v:,.0f}") + 2 for v in values), default=0)
        assert writer._widest_number(values) == expected, values
