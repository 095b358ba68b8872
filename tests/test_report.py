"""The executive Excel report, read back with openpyxl."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess

import openpyxl
import pytest

from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.pipeline import run_pipeline
from bpr_studio.report.excel import ReportError, build_report
from bpr_studio.report.printing import MIN_SCALE
from bpr_studio.report.priorities import MATRIX_HEADING
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

SHEETS = ["概要", "優先順位", "施策別", "窓口", "前提条件", "部署別", "投資効果", "工程表",
          "ライフイベント", "感度分析", "業務フロー", "手続別", "データ品質"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    project = folder / "サンプル市.bprproj"
    assert import_surveys(project, sample_files()).ok
    with open_project(project) as opened:
        result = run_pipeline(opened, "DX標準", 60, 3)
        path = build_report(opened, "DX標準", folder / "report.xlsx", simulation=result)
    return path, result, project


def test_every_sheet_is_there(report):
    path, _, _ = report
    assert openpyxl.load_workbook(path).sheetnames == SHEETS


def test_key_figures_equal_the_simulation(report):
    path, result, _ = report
    ws = openpyxl.load_workbook(path)["概要"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, 40)}
    saved = result.city.savings
    row = rows["職員の作業時間の削減"]
    assert ws.cell(row=row, column=2).value == pytest.approx(saved["staff_time_h"].deterministic)
    assert ws.cell(row=row, column=3).value == pytest.approx(saved["staff_time_h"].p5)
    assert ws.cell(row=row, column=4).value == pytest.approx(saved["staff_time_h"].p95)
    yen = ws.cell(row=rows["人件費等の削減"], column=2)
    assert yen.data_type == "n"
    assert yen.number_format == "¥#,##0"
    assert yen.value == pytest.approx(saved["staff_economic_yen"].deterministic)


def test_procedure_sheet_has_every_procedure_as_numbers(report):
    path, result, _ = report
    ws = openpyxl.load_workbook(path)["手続別"]
    header = [c.value for c in ws[3]]
    by_id = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    assert len(by_id) == len(result.procedures) == 69
    column = header.index("職員 時間的コスト 現状") + 1
    for procedure in result.procedures:
        cell = ws.cell(row=by_id[procedure.procedure_id], column=column)
        assert cell.data_type == "n"
        assert cell.value == pytest.approx(procedure.as_is["staff_time_h"].deterministic)
    assert ws.freeze_panes == "B4"
    assert ws.auto_filter.ref.startswith("A3:")


def test_section_totals_add_up_to_the_city(report):
    path, result, _ = report
    ws = openpyxl.load_workbook(path)["部署別"]
    header = [c.value for c in ws[3]]
    column = header.index("職員時間 現状") + 1
    total = sum(ws.cell(row=r, column=column).value for r in range(4, 4 + len(result.sections)))
    assert total == pytest.approx(result.city.as_is["staff_time_h"].deterministic)
    from analysis.compare import compare
    from bpr_studio.loading import get_scenario
    from bpr_studio.pipeline import load_model

    _path, _result, project = report
    with open_project(project) as opened:  # the core's own figure, computed afresh
        core = compare(load_model(opened), get_scenario(opened, "DX標準")).as_is.city()
    assert total == pytest.approx(core["staff_time_h"])


def test_charts_point_at_their_tables(report):
    path, _, _ = report
    wb = openpyxl.load_workbook(path)
    kinds = sorted(type(c).__name__ for c in wb["概要"]._charts)
    assert kinds == ["BarChart", "BarChart", "RadarChart"]
    bars = next(c for c in wb["概要"]._charts if type(c).__name__ == "BarChart")
    ws = wb["概要"]
    first_ref = bars.series[0].val.numRef.f.split("!")[1].replace("$", "").split(":")[0]
    label = ws.cell(row=int(first_ref[1:]), column=1).value
    assert label == "職員：時間的コスト"
    assert wb["施策別"]._charts
    assert wb["窓口"]._charts
    assert wb["部署別"]._charts
    # As-is and to-be of the top five, each in the same parts (the to-be on the as-is
    # columns): as many pictures of one as of the other.
    captions = [c.value for c in wb["業務フロー"]["A"] if isinstance(c.value, str)]
    as_is = [c for c in captions if "現状（As-Is）" in c]
    assert len(as_is) >= 5
    assert len(wb["業務フロー"]._images) == 2 * len(as_is)
    # LibreOffice does not plot hidden (folded) cells whatever plotVisOnly says: a chart
    # fed from a folded column printed empty (the priority matrix, page 2).
    hidden = []
    for ws in wb.worksheets:
        for chart in ws._charts:
            for series in chart.series:
                for ref in (series.xVal, series.yVal, series.zVal, series.val, series.cat):
                    formula = getattr(getattr(ref, "numRef", None), "f", None)
                    if not formula:
                        continue
                    sheet, cells = formula.rsplit("!", 1)
                    source = wb[sheet.strip("'")]
                    for letter in set(re.findall(r"\$?([A-Z]+)\$?\d+", cells)):
                        if source.column_dimensions[letter].hidden:
                            hidden.append((ws.title, formula))
    assert not hidden, hidden[:3]


def test_print_setup_on_every_sheet(report):
    path, _, _ = report
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize in (9, "9")  # A4
        # A fixed scale, never "fit to one page wide" (which shrank text to 5 pt).
        assert not ws.sheet_properties.pageSetUpPr.fitToPage
        assert MIN_SCALE <= int(ws.page_setup.scale) <= 100, ws.title
        assert "DX標準" in ws.oddFooter.left.text
        assert "&P" in ws.oddFooter.center.text
        assert "サンプル市" in ws.oddFooter.left.text
    assert wb["部署別"].print_title_rows in ("3:3", "$3:$3")
    # The data sheet of every procedure prints only its title and the note saying so.
    assert wb["手続別"].print_area.endswith("$A$1:$H$2")
    assert "印刷対象外" in wb["手続別"]["A2"].value
    # Chart helper columns ("（グラフ用）") are outside the printed area.
    assert wb["概要"].print_area.split("!")[1].startswith("$A$1:$H$")


def test_charts_are_readable_on_paper(report):
    path, _, _ = report
    wb = openpyxl.load_workbook(path)
    charts = [chart for ws in wb.worksheets for chart in ws._charts]
    for chart in charts:
        for axis in (chart.x_axis, chart.y_axis):
            assert axis.delete is False  # Excel hides axes that openpyxl leaves unset
            assert axis.txPr.p[0].pPr.defRPr.sz >= 1000
        if chart.legend is not None:
            assert chart.legend.position == "b"  # below: full names, not "現"/"改"
    waterfall = next(c for c in wb["施策別"]._charts)
    assert waterfall.y_axis.scaling.min == 0
    # The priority matrix is the app's numbered picture (names listed, never overlapping),
    # under its heading on 概要, printed 1.25× the size it is drawn (text ≥ 8 pt).
    summary = wb["概要"]
    heading = next(c.row for (c,) in summary.iter_rows(min_col=1, max_col=1)
                   if c.value == MATRIX_HEADING)
    matrix = [image for image in summary._images
              if image.anchor._from.row == heading]  # 0-based: the row under the heading
    assert len(matrix) == 1
    assert matrix[0].anchor.ext.cx / 360_000 == pytest.approx(26, abs=0.1)  # EMU → cm


def test_assumptions_carry_their_sources(report):
    path, _, _ = report
    ws = openpyxl.load_workbook(path)["前提条件"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "岩見沢市" in text
    assert "貝塚市" in text
    assert "レベルの境界" in text


def test_formula_text_from_a_survey_stays_text(tmp_path, make_workbook):
    injected = '=HYPERLINK("http://example.com","x")'
    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook()]).ok
    with open_project(project) as opened, opened.engine.begin() as conn:
        # As a CSV survey would bring it: the name is text that looks like a formula.
        conn.exec_driver_sql("UPDATE procedure SET name = ?", (injected,))
    out = tmp_path / "r.xlsx"
    with open_project(project) as opened:
        build_report(opened, "DX標準", out, replications=20)
    ws = openpyxl.load_workbook(out)["手続別"]
    cell = ws.cell(row=4, column=2)
    assert cell.value == injected
    assert cell.data_type == "s"


def test_failed_save_leaves_the_old_report(report, tmp_path, monkeypatch):
    path, result, project = report
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"old report")
    monkeypatch.setattr(openpyxl.Workbook, "save",
                        lambda self, filename: (_ for _ in ()).throw(OSError("disk full")))
    with open_project(project) as opened, pytest.raises(OSError, match="disk full"):
        build_report(opened, "DX標準", target, simulation=result)
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.xlsx"]


def test_read_only_target_is_a_clear_error(report, tmp_path):
    path, result, project = report
    target = tmp_path / "locked.xlsx"
    target.write_bytes(b"x")
    os.chmod(target, stat.S_IREAD)
    try:
        with open_project(project) as opened, pytest.raises(ReportError) as info:
            build_report(opened, "DX標準", target, simulation=result)
        assert "読み取り専用" in info.value.message("ja")
    finally:
        os.chmod(target, stat.S_IREAD | stat.S_IWRITE)


def test_report_command(report, tmp_path, capsys):
    _, _, project = report
    out = tmp_path / "cli.xlsx"
    assert main(["report", "--project", str(project), "--scenario", "DX標準",
                 "--replications", "20", "-o", str(out)]) == 0
    assert "レポートを書き出しました" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).sheetnames == SHEETS


def _pdf_pages(pdf):
    """Per page: its text and the size (pt) of every printed character, measured
    across the text line (so rotated axis titles count by their real size)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    def chars(item):
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from chars(child)

    pages = []
    for page in extract_pages(str(pdf)):
        text, sizes = [], []
        for char in chars(page):
            if not char.get_text().strip():
                continue
            a, b = char.matrix[0], char.matrix[1]
            sizes.append(char.height if abs(a) >= abs(b) else char.width)
            text.append(char.get_text())
        pages.append(("".join(text), sizes))
    return pages


LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)")


def _to_pdf(workbook, folder):
    subprocess.run([LIBREOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(folder),
                    str(workbook)], check=True, capture_output=True, timeout=300)
    return folder / (workbook.stem + ".pdf")


@needs_libreoffice
def test_report_prints_legibly_in_about_ten_pages(report, tmp_path):
    path, _, _ = report
    pdf = _to_pdf(path, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = _pdf_pages(pdf)
    # The main story (概要 … 前提条件) ends where the detail sheets begin (部署別).
    story = next(i for i, (text, _sizes) in enumerate(pages) if text.startswith("部署別の効果"))
    assert 5 <= story <= 10, f"the main story takes {story} pages"
    for number, (text, sizes) in enumerate(pages, start=1):
        assert sizes, f"page {number} has no text"
        assert min(sizes) >= 8.0, f"page {number}: text of {min(sizes):.1f} pt ({text[:40]})"
    # The data sheet of every procedure is not printed; its page says so.
    assert any("印刷対象外" in text for text, _ in pages[story:])


def test_title_is_the_municipality_and_project_name(report, tmp_path, capsys):
    _, result, project = report
    copy = tmp_path / "城南市調査_v3_最終.bprproj"
    copy.write_bytes(project.read_bytes())
    assert main(["project-info", "--project", str(copy), "--municipality", "城南市",
                 "--title", "窓口DX"]) == 0
    assert "城南市　窓口DX" in capsys.readouterr().out
    with open_project(copy) as opened:
        out = build_report(opened, "DX標準", tmp_path / "t.xlsx", simulation=result)
    ws = openpyxl.load_workbook(out)["概要"]
    assert ws["A1"].value.startswith("城南市　窓口DX")
    assert "最終" not in ws["A1"].value  # not the file's name
    assert ws.oddFooter.left.text.startswith("城南市　窓口DX")


@needs_libreoffice
def test_template_prints_legibly(tmp_path):
    from bpr_studio.io.template import write_template

    pages = _pdf_pages(_to_pdf(write_template(tmp_path / "調査票.xlsx"), tmp_path))
    assert len(pages) <= 12
    for number, (text, sizes) in enumerate(pages, start=1):
        assert min(sizes) >= 8.0, f"page {number}: text of {min(sizes):.1f} pt ({text[:40]})"
    assert sum("手続ID" in text for text, _ in pages) >= 3  # the ID column repeats


def test_sources_print_as_publications():
    from bpr_studio.report.assumptions import cite

    class Publication:
        def cite(self):
            return "総務省「情報通信白書」（2020年）https://www.soumu.go.jp/"

    record = {"title": "人口推計", "organisation": "総務省統計局", "year": 2023,
              "url": "https://www.stat.go.jp/data/jinsui/"}
    assert cite(record) == "「人口推計」総務省統計局（2023） https://www.stat.go.jp/data/jinsui/"
    assert cite([Publication(), "提案値"]).endswith("soumu.go.jp/; 提案値")
    assert cite(None) == ""


def test_printed_sources_never_name_a_project_file(report):
    from bpr_studio.report.assumptions import cite

    assert cite("利用率 47.1%（bpr_before_after_JP.csv 22, 23行）") == "利用率 47.1%"
    assert cite("国の法令は1点（docs/cost-model.md 第6節）") == "国の法令は1点"
    assert cite("e-Stat https://www.e-stat.go.jp/data/x.csv") == "e-Stat https://www.e-stat.go.jp/data/x.csv"
    path, _, _ = report
    ws = openpyxl.load_workbook(path)["前提条件"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    text = re.sub(r"https?://\S+", "", text)
    assert not re.search(r"\.(csv|md|py)\b", text)


def test_template_unit_costs_print_whole(tmp_path):
    """The 単価 sheet's sources wrap inside their column (they ran off the printed page)
    and a large default reads as a number, not '1.24352e+08'."""
    from bpr_studio.io.template import write_template

    ws = openpyxl.load_workbook(write_template(tmp_path / "調査票.xlsx"))["単価"]
    header = [c.value for c in ws[1]]
    sources = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=header.index("出典") + 1)
               for r in range(2, ws.max_row + 1)}
    assert "124,352,000" in sources["national_population"].value
    assert "e+" not in "".join(str(c.value) for c in sources.values())
    for cell in sources.values():
        assert cell.alignment.wrap_text
    tall = sources["hourly_cost_regular"].row
    assert (ws.row_dimensions[tall].height or 15) > 15  # a long source gets a taller row


def test_flow_pictures_print_their_step_names_at_8_pt(report):
    """The flow pictures printed box text at about 5 pt; every picture of the sample's
    report is shown at the size it was drawn for, and that size prints its box text at
    8 pt or more (analysis.flow_print)."""
    from io import BytesIO

    from PIL import Image as PILImage

    from analysis.flow_print import OVERSAMPLE, PAGE_PX

    path, _result, _project = report
    ws = openpyxl.load_workbook(path)["業務フロー"]
    assert len(ws._images) >= 10  # five procedures, as-is and to-be
    for image in ws._images:
        pixels = PILImage.open(BytesIO(image._data())).size
        shown = image.anchor.ext.width / 9525, image.anchor.ext.height / 9525  # EMU → px
        assert shown == pytest.approx((pixels[0] / OVERSAMPLE, pixels[1] / OVERSAMPLE), abs=1)
        assert shown[0] <= PAGE_PX[0] + 1
        assert shown[1] <= PAGE_PX[1] + 1
