"""The blank template prevents the mistakes the importer sees most (issue 10, item 4)."""

from __future__ import annotations

import openpyxl

from bpr_studio.io.survey_import import parse_batch
from bpr_studio.io.template import write_template


def _validations(ws) -> dict[str, object]:
    """Column letter → its data validation (the template has one per column)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            found[cell_range.coord.split(":")[0].rstrip("0123456789")] = dv
    return found


def test_instructions_say_how_to_type_durations_shares_and_counts(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    text = "\n".join(str(c.value) for row in wb["説明"].iter_rows() for c in row if c.value)
    assert "10～15分" in text  # ranges of minutes
    assert "日付に変えて" in text  # 10-15 becomes a date
    assert "15% なら 15" in text  # shares are percentages
    assert "約1,200件" in text  # approximate counts are fine
    assert "〃" in text


def test_input_messages_guide_the_cells_people_get_wrong(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    steps = _validations(wb["工程"])
    typical = steps["G"]
    assert typical.type is None  # no number-only rule that would flag 10～15分 or 0:45
    assert "10～15分" in typical.prompt
    assert "0.15 ではなく" in steps["I"].prompt
    procedures = _validations(wb["手続"])
    assert procedures["P"].type is None  # 年間件数: 約1,200件 is accepted
    assert "約1,200件" in procedures["P"].prompt


def test_the_blank_template_still_imports_as_nothing_but_its_example(tmp_path):
    report = parse_batch([write_template(tmp_path / "t.xlsx")]).report
    assert report.ok, report.format_text()
    assert report.procedures == 0


def test_every_wrapped_cell_has_room_for_its_lines(tmp_path):
    """The printed 記入方法 sheet showed the column descriptions' second lines over the
    next row's text: a wrapped cell needs a row tall enough for its lines (LibreOffice
    and a printed page do not grow the row)."""
    from bpr_studio.report.printing import lines_height
    from bpr_studio.report.writer import wrapped_lines

    wb = openpyxl.load_workbook(write_template(tmp_path / "調査票.xlsx"))
    crowded = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.alignment.wrap_text) or cell.row == 1:
                    continue
                width = ws.column_dimensions[cell.column_letter].width
                lines = wrapped_lines(cell.value, width)
                height = ws.row_dimensions[cell.row].height
                if lines > 1 and (height is None or height < lines_height(lines)):
                    crowded.append(f"{ws.title}!{cell.coordinate}")
    assert not crowded, crowded
