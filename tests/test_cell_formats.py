"""What Excel stores behind what it shows: percent and time formats, in .xlsx and .xls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from bpr_studio.io.survey_import import import_surveys, parse_batch
from bpr_studio.store import open_project

PROCEDURE_HEADERS = ["手続ID", "手続名", "課", "年間件数"]
STEP_HEADERS = ["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "標準(分)", "通過割合(%)"]
# (typical minutes as Excel stores it, its number format, share as stored, its format)
STEP_CELLS = [
    (5 / 1440, "h:mm", 1.0, "0%"),           # shows 0:05 and 100%
    (2.5 / 24, "[h]:mm", 0.15, "0%"),        # shows 2:30 and 15%
    (0.5 / 1440, "[mm]:ss", 0.855, "0.0%"),  # shows 00:30 and 85.5%
]
EXPECTED = [(5.0, 100.0), (150.0, 15.0), (0.5, 85.5)]


def _stored(project: Path) -> list[tuple[float, float]]:
    with open_project(project) as opened, opened.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT typical_minutes, share_pct FROM step ORDER BY step_no").all()
    return [(round(t, 6), round(s, 6)) for t, s in rows]


def _write_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "手続"
    ws.append(PROCEDURE_HEADERS)
    ws.append(["F-1", "犬の登録", "環境課", 850])
    ws = wb.create_sheet("工程")
    ws.append(STEP_HEADERS)
    for n, (minutes, minutes_format, share, share_format) in enumerate(STEP_CELLS, start=1):
        ws.append(["F-1", n, f"工程{n}", "担当職員", "入力", minutes, share])
        ws.cell(row=n + 1, column=6).number_format = minutes_format
        ws.cell(row=n + 1, column=7).number_format = share_format
    wb.save(path)
    return path


def _write_xls(path: Path) -> Path:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("手続")
    for c, value in enumerate(PROCEDURE_HEADERS):
        ws.write(0, c, value)
    for c, value in enumerate(["F-1", "犬の登録", "環境課", 850]):
        ws.write(1, c, value)
    ws = wb.add_sheet("工程")
    for c, value in enumerate(STEP_HEADERS):
        ws.write(0, c, value)
    for n, (minutes, minutes_format, share, share_format) in enumerate(STEP_CELLS, start=1):
        for c, value in enumerate(["F-1", n, f"工程{n}", "担当職員", "入力"]):
            ws.write(n, c, value)
        ws.write(n, 5, minutes, xlwt.easyxf(num_format_str=minutes_format))
        ws.write(n, 6, share, xlwt.easyxf(num_format_str=share_format))
    wb.save(str(path))
    return path


@pytest.mark.parametrize("writer", [_write_xlsx, _write_xls], ids=["xlsx", "xls"])
def test_time_and_percent_cells_are_read_as_shown(tmp_path, writer):
    path = writer(tmp_path / ("survey" + (".xls" if writer is _write_xls else ".xlsx")))
    report = import_surveys(tmp_path / "p.bprproj", [path])
    assert report.ok, report.format_text()
    assert not report.warnings, report.format_text()  # formatted cells are not ambiguous
    assert _stored(tmp_path / "p.bprproj") == EXPECTED


def test_plain_fraction_in_a_percent_column_warns_with_both_readings(tmp_path):
    path = _write_xlsx(tmp_path / "plain.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["工程"]["G3"].number_format = "General"  # 0.15 typed as a bare number
    wb.save(path)
    report = parse_batch([path]).report
    warning = next(i for i in report.warnings if i.key == "percent_fraction")
    assert warning.place == "工程!G3"
    assert "15%" in warning.message()
    assert "「0.15%」" in warning.message()
    assert "0.15%" in warning.message("en")
    assert [s["share_pct"] for s in parse_batch([path]).steps] == [100.0, 15.0, 85.5]


def test_xls_date_cell_is_a_date_not_a_number(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    from bpr_studio.io.workbook_reader import read_workbook

    wb = xlwt.Workbook()
    ws = wb.add_sheet("S")
    ws.write(0, 0, 45355.0, xlwt.easyxf(num_format_str="m/d"))
    ws.write(1, 0, 45355.5, xlwt.easyxf(num_format_str="yyyy/m/d h:mm"))
    wb.save(str(tmp_path / "d.xls"))
    rows = read_workbook(tmp_path / "d.xls")[0].rows
    assert rows[0][0] == dt.date(2024, 3, 4)
    assert rows[1][0] == dt.datetime(2024, 3, 4, 12, 0)
