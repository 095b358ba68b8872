"""Bad input: each case gives a clear message naming the place, and the project is untouched."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bpr_studio.io.survey_import import import_surveys, parse_batch
from bpr_studio.store import ProjectError, open_project
from tests.conftest import small_procedure, small_steps


@pytest.fixture
def project(tmp_path, make_workbook) -> Path:
    """A project holding one clean section."""
    path = tmp_path / "city.bprproj"
    report = import_surveys(path, [make_workbook("good.xlsx")])
    assert report.ok
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(path: Path, sheet: str, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    edit(wb[sheet])
    wb.save(path)
    return path


def _only_error(report, key: str):
    errors = [i for i in report.errors if i.key == key]
    assert errors, report.format_text()
    return errors[0]


def _import_bad(project: Path, bad: Path):
    before = _digest(project)
    report = import_surveys(project, [bad])
    assert not report.ok
    assert not report.written
    assert _digest(project) == before, "a failed import changed the project file"
    return report


def test_not_a_workbook(project, tmp_path):
    bad = tmp_path / "memo.xlsx"
    bad.write_text("これはExcelではありません", encoding="utf-8")
    issue = _only_error(_import_bad(project, bad), "file_not_workbook")
    assert issue.file.endswith("memo.xlsx")
    assert "Excelブックではない" in issue.message()


def test_encrypted_workbook(project, tmp_path):
    bad = tmp_path / "locked.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le")
                    + b"\0" * 512)
    assert "パスワード" in _only_error(_import_bad(project, bad), "file_encrypted").message()


def test_truncated_workbook(project, make_workbook):
    path = make_workbook("cut.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _only_error(_import_bad(project, path), "file_not_workbook")


def test_empty_file(project, tmp_path):
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    _only_error(_import_bad(project, bad), "file_empty")


def test_missing_sheet(project, make_workbook):
    path = make_workbook("nosteps.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["工程"]
    wb.save(path)
    issue = _only_error(_import_bad(project, path), "sheet_missing")
    assert issue.sheet == "工程"
    assert "工程" in issue.message()


def test_missing_required_column(project, make_workbook):
    path = _edit(make_workbook("nocol.xlsx"), "手続", lambda ws: ws.delete_cols(16))  # 年間件数
    issue = _only_error(_import_bad(project, path), "column_missing")
    assert issue.sheet == "手続"
    assert "年間件数" in issue.message()


def test_text_in_a_numeric_cell(project, make_workbook):
    path = make_workbook("text.xlsx", procedures=[small_procedure(annual_cases="たくさん")])
    issue = _only_error(_import_bad(project, path), "not_a_number")
    assert (issue.place, issue.value) == ("手続!P2", "たくさん")


def test_negative_and_absurd_minutes(project, make_workbook):
    steps = small_steps()
    steps[0].update(min_minutes=-1)
    steps[1].update(min_minutes=2, typical_minutes=50_000, max_minutes=150_000)  # > 90 days
    report = _import_bad(project, make_workbook("minutes.xlsx", steps=steps))
    assert _only_error(report, "below_min").place == "工程!F2"
    assert _only_error(report, "above_max").place in {"工程!G3", "工程!H3"}


def test_long_but_possible_minutes_only_warn(make_workbook):
    steps = small_steps()
    steps[2].update(typical_minutes=600)
    report = parse_batch([make_workbook(steps=steps)]).report
    assert report.ok
    assert [i.place for i in report.warnings if i.key == "suspicious_high_minutes"] == ["工程!G4"]
    warning = next(i for i in report.warnings if i.key == "suspicious_high_minutes")
    assert "待ち日数" in warning.message()  # waiting is not work: say where it belongs


def test_task_of_days_typed_in_days(make_workbook):
    """Padua-like long tasks: '3日' is three working days of 7 h 45 min (465 minutes),
    '1日4時間' 705, '2.5時間' 150; up to 129,600 minutes (the old cap of 1,440 refused them)."""
    steps = small_steps()
    steps[0].update(min_minutes="2.5時間", typical_minutes="1日4時間", max_minutes="3日")
    steps[1].update(min_minutes=290, typical_minutes=5_000, max_minutes=18_843)
    parsed = parse_batch([make_workbook(steps=steps)])
    assert parsed.report.ok, [i.message() for i in parsed.report.errors]
    rows = {s["step_no"]: s for s in parsed.steps}
    assert (rows[1]["min_minutes"], rows[1]["typical_minutes"], rows[1]["max_minutes"]) == (
        150.0, 705.0, 1395.0)
    assert (rows[2]["typical_minutes"], rows[2]["max_minutes"]) == (5_000.0, 18_843.0)
    said = [i for i in parsed.report.issues if i.key == "read_working_days"]
    assert said
    assert "465" in said[0].message()


def test_merged_header_cells(project, make_workbook):
    def merge(ws):
        ws.merge_cells("F1:H1")  # 最短/標準/最長 under one header
        ws["F1"] = "時間(分)"
    path = _edit(make_workbook("merged.xlsx"), "工程", merge)
    issue = _only_error(_import_bad(project, path), "header_merged")
    assert "F1:H1" in issue.message()


def test_hidden_rows_are_imported_with_a_warning(make_workbook):
    def hide(ws):
        ws.row_dimensions[3].hidden = True
    path = _edit(make_workbook("hidden.xlsx"), "工程", hide)
    report = parse_batch([path]).report
    assert report.ok
    assert [(i.sheet, i.cell) for i in report.warnings if i.key == "hidden_row"] == [("工程", "3")]
    assert report.steps == 3


def test_formula_error_cell(project, make_workbook):
    def break_formula(ws):
        ws["G3"] = "#REF!"
        ws["G3"].data_type = "e"
    path = _edit(make_workbook("ref.xlsx"), "工程", break_formula)
    issue = _only_error(_import_bad(project, path), "formula_error")
    assert (issue.place, issue.value) == ("工程!G3", "#REF!")


def test_formulas_are_read_as_their_cached_values(tmp_path, make_workbook):
    # openpyxl writes no cached values, so put a formula with Excel's cached value into the XML.
    path = make_workbook()
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet3.xml"  # 説明, 手続, 工程
    assert b'<c r="G2"' in parts[sheet]
    parts[sheet] = re.sub(rb'<c r="G2"([^>]*)><v>5</v></c>',
                          rb'<c r="G2"\1><f>2+3</f><v>5</v></c>', parts[sheet])
    assert b"<f>2+3</f>" in parts[sheet]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    report = import_surveys(tmp_path / "f.bprproj", [path])
    assert report.ok, report.format_text()
    with open_project(tmp_path / "f.bprproj") as project, project.engine.connect() as conn:
        minutes = conn.exec_driver_sql(
            "SELECT typical_minutes FROM step WHERE step_no = 1").scalar_one()
    assert minutes == 5


def test_ten_thousand_blank_rows_at_the_end(make_workbook):
    def pad(ws):
        ws.cell(row=10_004, column=1).value = " "
        ws.cell(row=10_004, column=1).number_format = "@"
    path = _edit(make_workbook("padded.xlsx"), "工程", pad)
    report = parse_batch([path]).report
    assert report.ok
    assert report.steps == 3


def test_file_that_vanishes_mid_batch(project, make_workbook):
    first = make_workbook("a.xlsx", procedures=[small_procedure("V-1")], steps=small_steps("V-1"))
    second = make_workbook("b.xlsx", procedures=[small_procedure("V-2")], steps=small_steps("V-2"))

    def progress(done: int, total: int, label: str) -> None:
        if label == "a.xlsx":
            second.unlink()
    before = _digest(project)
    report = import_surveys(project, [first, second], progress=progress)
    assert not report.written
    issue = _only_error(report, "file_missing")
    assert issue.file.endswith("b.xlsx")
    assert _digest(project) == before


def test_read_only_project(project, make_workbook):
    os.chmod(project, stat.S_IREAD)
    try:
        before = _digest(project)
        with pytest.raises(ProjectError) as info:
            import_surveys(project, [make_workbook("again.xlsx")])
        assert "書き込めません" in info.value.message()
        assert str(project) in info.value.message()
        assert _digest(project) == before
    finally:
        os.chmod(project, stat.S_IREAD | stat.S_IWRITE)


def test_corrupt_project(tmp_path, make_workbook):
    broken = tmp_path / "broken.bprproj"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = _digest(broken)
    with pytest.raises(ProjectError) as info:
        import_surveys(broken, [make_workbook()])
    assert "壊れている" in info.value.message()
    assert _digest(broken) == before
    other = tmp_path / "notes.bprproj"
    other.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectError):
        open_project(other)


def test_legacy_xls_is_read(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    headers = ["手続ID", "手続名", "課", "年間件数"]
    ws = wb.add_sheet("手続")
    for c, text in enumerate(headers):
        ws.write(0, c, text)
    for c, value in enumerate(["L-1", "犬の登録", "環境課", 850]):
        ws.write(1, c, value)
    ws = wb.add_sheet("工程")
    for c, text in enumerate(["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "標準(分)"]):
        ws.write(0, c, text)
    for c, value in enumerate(["L-1", 1, "受付", "窓口職員", "受付", "10分"]):
        ws.write(1, c, value)
    ws.write(2, 0, "L-1")
    ws.write(2, 1, 2)
    ws.write(2, 2, "交付")
    ws.write(2, 3, "担当職員")
    ws.write(2, 4, "交付")
    ws.write(2, 5, xlwt.Formula("1/0"))  # #DIV/0! once Excel computes it; xlwt stores no value
    path = tmp_path / "legacy.xls"
    wb.save(str(path))
    report = parse_batch([path]).report
    assert report.procedures == 1
    assert any(i.place == "工程!F3" for i in report.errors), report.format_text()
