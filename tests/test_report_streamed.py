"""Long report tables are streamed into the sheet XML (issue 16): the same workbook as
openpyxl's cells give, for every kind of value a table holds."""

from __future__ import annotations

import math

import pytest
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


@pytest.mark.parametrize("piece_bytes", [None, 700])
def test_the_parts_are_compressed_beside_the_save_and_the_file_is_the_same(
        tmp_path, monkeypatch, piece_bytes):
    """A report with streamed tables compresses its parts on threads of their own while
    openpyxl makes the next ones (a 30,000-procedure report's save spent about 1 of its
    2.5 s compressing on one core), a long part in pieces at once; the parts and their
    order are those written in one thread, and a part shorter than a piece is deflated
    to the byte as zipfile deflates it."""
    import threading
    import zipfile

    import bpr_studio.report.streamed_rows as streamed_rows

    if piece_bytes is not None:  # every sheet of the test in several pieces
        monkeypatch.setattr(streamed_rows, "PIECE_BYTES", piece_bytes)

    threads: list[bool] = []
    writestr = zipfile.ZipFile.writestr

    def recorded(self, *args, **options):
        threads.append(threading.current_thread() is threading.main_thread())
        return writestr(self, *args, **options)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", recorded)
    threaded, _ = _write(tmp_path, "threaded.xlsx", 500, monkeypatch)
    assert threads
    assert not any(threads)

    class OneThread(zipfile.ZipFile):   # the parts written as openpyxl gives them, here
        def __init__(self, file, patches):
            super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
            self.patches = patches

        def write(self, filename, arcname=None, *args, **options):
            patch = next((fix for ws, fix in self.patches if ws.path[1:] == arcname), None)
            if patch is None:
                return super().write(filename, arcname, *args, **options)
            info = zipfile.ZipInfo.from_file(filename, arcname)
            info.compress_type = self.compression
            with open(filename, encoding="utf-8") as sheet:
                return self.writestr(info, patch(sheet.read()).encode("utf-8"))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    monkeypatch.setattr(streamed_rows, "_PatchingZip", OneThread)
    here, _ = _write(tmp_path, "here.xlsx", 500, monkeypatch)
    with zipfile.ZipFile(threaded) as a, zipfile.ZipFile(here) as b:
        assert a.namelist() == b.namelist()
        assert a.testzip() is None
        pieces = 0
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            if x.filename != "docProps/core.xml":   # the time it was saved
                assert a.read(x) == b.read(y), x.filename
                assert x.CRC == y.CRC
                if x.file_size <= streamed_rows.PIECE_BYTES:
                    assert x.compress_size == y.compress_size
                    assert _raw(threaded, x) == _raw(here, y), x.filename
                else:
                    pieces += 1
        assert (pieces > 0) == (piece_bytes is not None)  # the sheet, the theme, the styles


def _raw(path, info) -> bytes:
    """A part's deflated bytes as stored in the file."""
    import struct

    with open(path, "rb") as file:
        file.seek(info.header_offset)
        header = file.read(30)
        name, extra = struct.unpack("<HH", header[26:30])
        file.seek(info.header_offset + 30 + name + extra)
        return file.read(info.compress_size)
