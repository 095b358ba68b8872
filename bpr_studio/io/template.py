"""Write the blank survey workbook that a section receives (``bpr-studio template``).

Styled header row, frozen panes, column widths, an input message on every header
column, drop-downs for coded columns, ranges for numbers, one example row per
sheet (its ID starts with 例, so the importer skips it) and instructions in Japanese.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bpr_studio.atomic import atomic_write
from bpr_studio.io.survey_format import (
    FORMAT_VERSION,
    INSTRUCTIONS_SHEET,
    PROCEDURES,
    STEPS,
    UNIT_COSTS,
    Column,
    SheetSpec,
)
from bpr_studio.model.unit_costs import DEFAULT_UNIT_COSTS
from bpr_studio.report.printing import lines_height, setup_page
from bpr_studio.report.writer import wrapped_lines

FONT_NAME = "Meiryo UI"
INPUT_ROWS = 2000  # rows covered by validation in the blank template
PRINTED_ROWS = 20  # rows printed (ruled) on a blank sheet
LISTS_SHEET = "選択肢"
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_EXAMPLE_FONT = Font(name=FONT_NAME, color="7F7F7F", italic=True)
_PLAIN_FONT = Font(name=FONT_NAME)
_THIN = Side(style="thin", color="BFBFBF")

EXAMPLE_PROCEDURE: dict[str, Any] = {
    "procedure_id": "例-001", "name": "（記入例）住民票の写しの交付", "department": "市民生活部",
    "section": "市民課", "team": "住民記録係", "category": "基幹17業務",
    "legal_basis": "法律・政令", "legal_basis_name": "住民基本台帳法 第12条",
    "legal_form_requirement": "なし", "identity_check": "本人確認書類",
    "attachment_kind": "なし", "attachment_count": 0, "fee_yen": 300, "fee_payment": "現金",
    "annual_cases": 42000, "online_cases": 2100, "peak_months": "3,4", "visit_required": "○",
    "lead_time_days": 0, "notes": "コンビニ交付を除く",
}
EXAMPLE_STEPS: list[dict[str, Any]] = [
    {"procedure_id": "例-001", "step_no": 1, "name": "申請書の記入", "actor": "市民",
     "work_kind": "記入", "min_minutes": 3, "typical_minutes": 5, "max_minutes": 10,
     "medium": "紙", "manual_entry": "×", "seal": "×"},
    {"procedure_id": "例-001", "step_no": 2, "name": "受付・本人確認", "actor": "窓口職員",
     "work_kind": "受付", "min_minutes": 2, "typical_minutes": 3, "max_minutes": 8,
     "next_steps": "3(95%); 1(5%)", "medium": "紙", "manual_entry": "×", "seal": "×",
     "notes": "記入漏れは差し戻し"},
]


def _style_header(ws: Worksheet, spec: SheetSpec) -> None:
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.ja)
        cell.font = Font(name=FONT_NAME, bold=True, color="FFFFFF")
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        ws.column_dimensions[cell.column_letter].width = max(column.width, len(column.ja) * 2 + 2)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "B2" if spec is not UNIT_COSTS else "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(spec.columns)).column_letter}1"


def _list_ranges(wb: Workbook, specs: Sequence[SheetSpec]) -> dict[str, str]:
    """Write every code list onto a hidden sheet; return list name → range formula."""
    ws = wb.create_sheet(LISTS_SHEET)
    ranges: dict[str, str] = {}
    col = 1
    seen: set[str] = set()
    for spec in specs:
        for column in spec.columns:
            name = column.code_list.name if column.code_list else ("bool" if column.kind == "bool"
                                                                    else "")
            if not name or name in seen:
                continue
            seen.add(name)
            labels = column.code_list.ja_labels if column.code_list else ["○", "×"]
            ws.cell(row=1, column=col, value=name)
            for row, label in enumerate(labels, start=2):
                ws.cell(row=row, column=col, value=label)
            letter = ws.cell(row=1, column=col).column_letter
            ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
            col += 1
    ws.sheet_state = "hidden"
    return ranges


def _validation_for(column: Column, ranges: dict[str, str]) -> DataValidation | None:
    prompt = describe_ja(column)[:255]
    if column.code_list is not None or column.kind == "bool":
        name = column.code_list.name if column.code_list else "bool"
        dv = DataValidation(type="list", formula1=f"={ranges[name]}", allow_blank=True)
        dv.error = "一覧から選んでください。"
    elif column.kind == "minutes" or column.key in _COUNTS_TYPED_FREELY:
        # "10～15分", "0:45", "約1,200件" are fine for the importer: a number-only rule would
        # pop up a warning on each of them, so these columns get the input message alone.
        dv = DataValidation(allow_blank=True)
    elif column.kind in ("int", "rating", "number") and column.minimum is not None:
        kind = "whole" if column.kind in ("int", "rating") else "decimal"
        high = column.maximum if column.maximum is not None else 1e12
        dv = DataValidation(type=kind, operator="between", formula1=f"{column.minimum:g}",
                            formula2=f"{high:g}", allow_blank=True)
        dv.error = f"{column.minimum:g} ～ {high:g} の数値を入れてください。"
        # Warning, not stop: "30分" or "1,200件" are fine for the importer.
        dv.errorStyle = "warning"
    elif prompt:
        dv = DataValidation(allow_blank=True)
    else:
        return None
    dv.errorTitle = column.ja
    dv.showErrorMessage = True
    if prompt:
        dv.promptTitle = column.ja[:32]
        dv.prompt = prompt
        dv.showInputMessage = True
    return dv


def _write_sheet(wb: Workbook, spec: SheetSpec, rows: list[dict[str, Any]],
                 ranges: dict[str, str], font: Font) -> Worksheet:
    ws = wb.create_sheet(spec.ja)
    _style_header(ws, spec)
    keys = [column.key for column in spec.columns]
    # The row just appended is found by counting, not by ws[ws.max_row]: max_row and
    # ws[...] scan every cell of the sheet, which made writing a sheet quadratic (a
    # 30,000-procedure generated survey took 19 minutes).
    excel_row = ws.max_row
    for row in rows:
        values = [row.get(key) for key in keys]
        ws.append(values)
        excel_row += 1
        for c, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                # text from a survey is never written as a formula
                ws.cell(row=excel_row, column=c).data_type = "s"
    if font is not _PLAIN_FONT:
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                cell.font = font
    for c, column in enumerate(spec.columns, start=1):
        dv = _validation_for(column, ranges)
        if dv is not None:
            letter = ws.cell(row=1, column=c).column_letter
            dv.add(f"{letter}2:{letter}{INPUT_ROWS}")
            ws.add_data_validation(dv)
    _wrap_long_text(ws, spec)
    ws.print_options.gridLines = True
    ws.print_title_rows = "1:1"
    # Printed with empty ruled rows below the example, to draft on paper.
    ws.print_area = (f"A1:{ws.cell(row=1, column=len(spec.columns)).column_letter}"
                     f"{max(ws.max_row, PRINTED_ROWS)}")
    setup_page(ws)  # legible: a wide sheet runs across pages, its ID column repeated
    return ws


def _wrap_long_text(ws: Worksheet, spec: SheetSpec) -> None:
    """Long text (出典, 備考 …) wraps inside its column and the row grows to show it, so a
    printed sheet is not cut at the column's edge."""
    wide = [(c, column.width) for c, column in enumerate(spec.columns, start=1)
            if column.kind == "text" and column.width >= 30]
    last_column = ws.max_column  # once: ws[row] would scan the whole sheet for each row
    for row in range(2, ws.max_row + 1):
        lines = 1
        for c, width in wide:
            cell = ws.cell(row=row, column=c)
            if isinstance(cell.value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = max(lines, wrapped_lines(cell.value, width))
        if lines > 1:
            ws.row_dimensions[row].height = lines_height(lines)
            cells = next(ws.iter_rows(min_row=row, max_row=row, max_col=last_column))
            for cell in cells:
                if not cell.alignment.wrap_text:
                    cell.alignment = Alignment(vertical="top")  # beside the wrapped text


def _instructions(wb: Workbook) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    title = ws.cell(row=1, column=1, value=f"業務量調査票（様式 第{FORMAT_VERSION}版）の記入方法")
    title.font = Font(name=FONT_NAME, bold=True, size=14)
    steps = [
        "1. 「手続」シートに、課が扱う手続を1行に1件ずつ記入します（赤い見出しは必須）。",
        "2. 「工程」シートに、手続ごとの作業の流れを工程番号の順に記入します。",
        "   市民の記入・来庁も工程として書きます（実施者＝市民）。",
        "3. 分岐や差し戻しは「次工程」に 4(85%); 2(15%) のように割合付きで書きます。空欄は次の番号へ進みます。",
        "   同時に並行して進む工程（例: 審査と他課への照会）は「次工程」に 4&5 と書きます。",
        "   両方とも行い、両方が行き着く最初の工程（例: 6）で合流します。",
        "   作業時間は両方の合計、処理日数は待ち日数の長い方で数えます。",
        "4. 時間は1件あたりの分で記入します。「30」「30分」「1時間30分」「1.5h」「0:45」と書いても読み取れます。",
        "   幅があるときは「10～15分」と書くと、最短 10・標準 12.5・最長 15 分と読みます。",
        "   「10-15」「10/15」は Excel が日付に変えてしまうので使わないでください",
        "   （読み込み時にエラーになります）。",
        "   何日もかかる作業は「3日」「1日4時間」「2.5時間」と書けます。1日は勤務時間の7時間45分（465分）として",
        "   読みます（作業時間は職員の人件費として数えるため、24時間ではありません）。上限は 129,600 分（90日）です。",
        "   480分（8時間）を超えると確認の警告が出ます。回答待ち・郵送・審査会までなど、案件が待っているだけの日は",
        "   作業時間ではなく「待ち日数」（暦日）に書いてください。",
        "5. 通過割合(%) は百分率の数で書きます（15% なら 15）。パーセント書式のセルで「15%」と表示されていれば",
        "   そのまま正しく読みます。0.15 と書くと 15% と読み、確認の警告をお知らせします。",
        "6. 年間件数は直近年度の実績です。正確な数がなければ概数で構いません（「約1,200件」「5.8万件」",
        "   「1,000～1,500件」は中央の 1,250 件）。概数として読んだことを読み込み結果でお知らせします。",
        "7. 上の行と同じ値は「〃」「同上」と書いても読めます。手続IDのセル結合も読めますが、各行に入れるのが確実です。",
        "8. 見出しは1行のまま、名前を変えずに使ってください",
        "   （旧様式の「標準時間」なども読めますが、お知らせが出ます）。",
        "9. 負担（0～4）は空欄なら作業の種類ごとの既定値を使います。",
        "10. 「単価」シートは、課独自の単価がある場合だけ値を記入します（空欄は既定値）。",
        "11. 灰色の斜体の行は記入例です（手続IDが「例」で始まる行は読み込まれません）。消しても構いません。",
        "12. 行頭が ※ の行はメモとして読み飛ばします。",
        "記入後、ファイルをDX推進担当へ提出してください。読み込み時に誤りがあれば、セル番地付きでお知らせします。",
    ]
    for r, line in enumerate(steps, start=3):
        ws.cell(row=r, column=1, value=line).font = Font(name=FONT_NAME)
    r = len(steps) + 5
    for spec in (PROCEDURES, STEPS, UNIT_COSTS):
        ws.cell(row=r, column=1, value=f"「{spec.ja}」シートの列").font = Font(
            name=FONT_NAME, bold=True, size=12)
        r += 1
        for column in spec.columns:
            mark = "（必須）" if column.required else ""
            label = ws.cell(row=r, column=1, value=column.ja + mark)
            label.font = Font(name=FONT_NAME, bold=True)
            label.alignment = Alignment(vertical="top")  # beside its description's first line
            note = ws.cell(row=r, column=2, value=describe_ja(column))
            note.font = Font(name=FONT_NAME)
            note.alignment = Alignment(wrap_text=True, vertical="top")
            # A wrapped description grows its row: at the default height its second line
            # printed over the next column's description.
            lines = wrapped_lines(note.value, ws.column_dimensions["B"].width)
            if lines > 1:
                ws.row_dimensions[r].height = lines_height(lines)
            r += 1
        r += 1
    setup_page(ws)


_COUNTS_TYPED_FREELY = {"annual_cases", "online_cases"}

_KIND_JA = {
    "id": "記号（英数字）", "text": "文字", "int": "整数", "number": "数値",
    "minutes": "分（「1時間30分」「0:45」「10～15分」「3日」(1日=465分) も可）",
    "bool": "○ / ×", "months": "月（例: 3,4）", "next": "工程番号（例: 4(85%); 2(15%)、並行は 4&5）",
    "rating": "0（なし）～4（大）。空欄は作業の種類による既定値。",
}


def describe_ja(column: Column) -> str:
    """What to enter in a column, in Japanese: its help text, else its type and choices."""
    if column.help_ja:
        return column.help_ja
    if column.code_list is not None:
        return " / ".join(column.code_list.ja_labels)
    text = _KIND_JA[column.kind]
    if column.kind in ("int", "number") and column.minimum is not None:
        text += f"（{column.minimum:g} 以上）"
    return text


def build_survey_workbook(procedures: list[dict[str, Any]], steps: list[dict[str, Any]],
                          unit_costs: list[dict[str, Any]] | None = None,
                          example: bool = False) -> Workbook:
    """A survey workbook in format v1 holding the given rows (dicts keyed by column key).

    With ``example`` the rows are styled as the template's grey example rows.
    """
    wb = Workbook()
    _instructions(wb)
    ranges = _list_ranges(wb, (PROCEDURES, STEPS))
    font = _EXAMPLE_FONT if example else _PLAIN_FONT
    _write_sheet(wb, PROCEDURES, procedures, ranges, font)
    _write_sheet(wb, STEPS, steps, ranges, font)
    if unit_costs is None:
        unit_costs = [{"key": u.key, "label": u.ja, "value": None, "unit": u.unit,
                       "source": u.note_ja()} for u in DEFAULT_UNIT_COSTS]
    _write_sheet(wb, UNIT_COSTS, unit_costs, ranges, _PLAIN_FONT)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    return wb


def build_template() -> Workbook:
    """The blank workbook a section receives: one example row per sheet."""
    return build_survey_workbook([EXAMPLE_PROCEDURE], EXAMPLE_STEPS, example=True)


def save_workbook_atomically(wb: Workbook, out: Path) -> None:
    """Save under a temporary name, then rename: a failure never leaves a broken file."""
    atomic_write(out, wb.save)


def write_template(out: str | Path) -> Path:
    path = Path(out)
    save_workbook_atomically(build_template(), path)
    return path


def write_survey_workbook(out: str | Path, procedures: list[dict[str, Any]],
                          steps: list[dict[str, Any]],
                          unit_costs: list[dict[str, Any]] | None = None) -> Path:
    path = Path(out)
    save_workbook_atomically(build_survey_workbook(procedures, steps, unit_costs), path)
    return path
