"""Messy survey workbooks, made the way section staff really fill them in, with the
reading each tricky cell must get.

    python -m tests.data.messy.make_corpus OUT_DIR     # writes every case as .xlsx and .xls

Each :class:`Case` holds the sheets as a person left them (title rows, two-row headers,
merged cells, cells formatted as percent or h:mm, dates Excel made of "3-4", ditto marks,
approximate counts, ranges, old header names) and what the import must give:

- ``procedures`` / ``steps``: the value stored for each tricky cell (so nothing is misread
  silently), for cases that import;
- ``issues``: (severity, message key, place, words the Japanese message must contain),
  e.g. the error that refuses the file at the right cell and says what to type.

Excel stores a time as a fraction of a day and a percent as a fraction: the cells below
are written the same way (a :class:`Fmt` value plus its number format), so the .xlsx and
the .xls files hold what Excel would have saved. The procedures are real ones of a city
hall (住民票, 児童手当, 要介護認定, 罹災証明, 道路占用); the figures are plausible, not
measured. Add a case by appending to :data:`CASES`.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Fmt:
    """A cell value as Excel stores it, with the number format that decides how it shows."""

    value: Any
    number_format: str


def hhmm(minutes: float, number_format: str = "h:mm") -> Fmt:
    """A time cell: Excel keeps 0:05 as 5/1440 of a day."""
    return Fmt(minutes / 1440, number_format)


def pct(share: float, number_format: str = "0%") -> Fmt:
    """A percent cell: Excel keeps 15% as 0.15."""
    return Fmt(share / 100, number_format)


def date(month: int, day: int) -> Fmt:
    """What Excel makes of "3-4" or "10/15" typed into a General cell: a date this year."""
    return Fmt(dt.date(2025, month, day), "m/d")


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)  # "A3:A9"


@dataclass
class Case:
    name: str
    about: str
    sheets: list[Sheet]
    procedures: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    issues: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    refused: bool = False


PROC_HEAD = ["手続ID", "手続名", "課", "年間件数", "繁忙月", "来庁の要否"]
STEP_HEAD = ["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "最短(分)", "標準(分)",
             "最長(分)", "通過割合(%)", "次工程", "備考"]

# --- 1. 市民課: percent and time cells, approximate counts, ditto marks, ranges -------------
JUMINHYO = Case(
    "01_市民課_住民票", "percent-formatted shares, h:mm times, 約5.8万件, 〃, 10～15分",
    [Sheet("手続", [
        ["令和6年度 業務量調査票（市民課）"],
        [],
        PROC_HEAD,
        ["SM-01", "住民票の写しの交付", "市民課", "約5.8万件", "3,4", "○"],
        ["SM-02", "印鑑登録証明書の交付", "市民課", "約1,200件", "3～4月", "○"],
    ]), Sheet("工程", [
        STEP_HEAD,
        ["SM-01", 1, "申請書の記入", "市民", "記入", 3, hhmm(5), 10, pct(100), None, None],
        ["SM-01", 2, "受付・本人確認", "窓口職員", "受付", None, "10～15分", None, None,
         "3(85%); 1(15%)", "記入漏れは差し戻し"],
        ["SM-01", 3, "住基システム入力", "担当職員", "入力", None, hhmm(4), None, pct(85),
         None, None],
        ["SM-01", 4, "交付", "〃", "交付・通知", None, "0:03", None, None, None, None],
        ["SM-02", 1, "申請書の記入", "市民", "記入", None, 4, None, None, None, None],
        ["SM-02", 2, "受付", "窓口職員", "受付", None, hhmm(90, "[h]:mm"), None, pct(15),
         None, None],
        ["SM-02", 3, "交付", "同上", "交付・通知", None, 2, None, None, None, None],
    ])],
    procedures={"SM-01": {"annual_cases": 58000}, "SM-02": {"annual_cases": 1200}},
    steps={
        ("SM-01", 1): {"typical_minutes": 5.0, "share_pct": 100.0},
        ("SM-01", 2): {"min_minutes": 10.0, "typical_minutes": 12.5, "max_minutes": 15.0},
        ("SM-01", 3): {"typical_minutes": 4.0, "share_pct": 85.0},
        ("SM-01", 4): {"actor": "clerk", "typical_minutes": 3.0},
        ("SM-02", 2): {"typical_minutes": 90.0, "share_pct": 15.0},
        ("SM-02", 3): {"actor": "counter"},
    },
    issues=[
        ("info", "read_approximate", "手続!D4", ("58,000",)),
        ("info", "read_range_minutes", "工程!G3", ("最短 10", "標準 12.5", "最長 15")),
        ("info", "read_ditto", "工程!D5", ("担当職員",)),
    ],
)

# --- 2. 子育て支援課: two-row header, 手続ID merged down its steps -------------------------------
_JIDO_STEPS = [
    ["KO-01", 1, "認定請求書の記入", "市民", "記入", 10, 15, 30, None, None, None],
    [None, 2, "受付・書類確認", "窓口職員", "受付", 5, 10, 20, None, None, None],
    [None, 3, "所得・課税状況の確認", "担当職員", "確認・審査", 10, 15, 40, None, None, None],
    [None, 4, "システム入力", "担当職員", "入力", 5, 8, 15, None, None, None],
    [None, 5, "認定の決裁", "決裁者", "決裁", 2, 3, 10, None, None, None],
    [None, 6, "認定通知書の送付", "担当職員", "郵送", 2, 3, 5, None, "終了", None],
    ["KO-02", 1, "現況届の受付", "窓口職員", "受付", 3, 5, 10, None, None, None],
    [None, 2, "内容確認", "担当職員", "確認・審査", 5, 10, 20, None, None, None],
    [None, 3, "システム入力", "担当職員", "入力", 3, 5, 10, None, None, None],
]
JIDO = Case(
    "02_子育て支援課_児童手当", "所得時間(分) over 最短/標準/最長; 手続ID merged down",
    [Sheet("手続", [
        PROC_HEAD,
        ["KO-01", "児童手当 認定請求", "子育て支援課", "1,850件", "4～6月", "○"],
        ["KO-02", "児童手当 現況届", "子育て支援課", "約1.2万件", "6", "×"],
    ]), Sheet("工程", [
        ["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "所要時間(分)", None, None,
         "通過割合(%)", "次工程", "備考"],
        [None, None, None, None, None, "最短", "標準", "最長", None, None, None],
        *_JIDO_STEPS,
    ], merges=["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:H1", "I1:I2", "J1:J2",
               "K1:K2", "A3:A8", "A9:A11"])],
    procedures={"KO-01": {"annual_cases": 1850, "peak_months": "4,5,6"},
                "KO-02": {"annual_cases": 12000}},
    steps={
        ("KO-01", 1): {"min_minutes": 10.0, "typical_minutes": 15.0, "max_minutes": 30.0},
        ("KO-01", 3): {"procedure_id": "KO-01", "min_minutes": 10.0, "max_minutes": 40.0},
        ("KO-01", 6): {"typical_minutes": 3.0},
        ("KO-02", 3): {"procedure_id": "KO-02", "min_minutes": 3.0, "max_minutes": 10.0},
    },
    issues=[
        ("info", "read_merged", "工程!A3:A8", ("KO-01",)),
        ("info", "columns_renamed", "工程!F2", ("最短 → 最短(分)", "標準 → 標準(分)")),
    ],
)

# --- 3. 介護保険課: old header names, 同上, plain fractions in 通過割合(%) ---------------------
KAIGO = Case(
    "03_介護保険課_要介護認定", "標準時間/最短時間/最長時間 headers; 0.85 typed in 通過割合(%)",
    [Sheet("手続", [
        ["手続番号", "手続名", "担当課", "年間処理件数", "繁忙期", "来庁"],
        ["KA-01", "要介護・要支援認定の申請", "介護保険課", "2,400件程度", "3～4月", "有"],
    ]), Sheet("工程", [
        ["手続番号", "工程No", "作業内容", "担当者", "作業種別", "最短時間", "標準時間",
         "最長時間", "発生割合(%)", "次工程番号", "メモ"],
        ["KA-01", 1, "申請受付", "窓口職員", "受付", 5, 10, 20, None, None, None],
        ["KA-01", 2, "訪問調査の日程調整", "担当職員", "その他", 10, 20, 40, None, None, None],
        ["KA-01", 3, "訪問調査", "外部機関", "確認・審査", 45, 60, 90, None, None, None],
        ["KA-01", 4, "主治医意見書の依頼", "担当職員", "郵送", 5, 10, 15, None,
         "5(85%); 6(15%)", None],
        ["KA-01", 5, "一次判定", "システム", "入力", 1, 2, 5, 0.85, 7, None],
        ["KA-01", 6, "意見書の督促", "担当職員", "郵送", 5, 10, 15, 0.15, 5, None],
        ["KA-01", 7, "認定審査会", "外部機関", "確認・審査", 5, 8, 15, None, None, None],
        ["KA-01", 8, "結果通知", "同上", "交付・通知", 3, 5, 10, None, "終了", None],
    ])],
    procedures={"KA-01": {"annual_cases": 2400}},
    steps={
        ("KA-01", 3): {"min_minutes": 45.0, "typical_minutes": 60.0, "max_minutes": 90.0},
        ("KA-01", 5): {"share_pct": 85.0},
        ("KA-01", 6): {"share_pct": 15.0},
        ("KA-01", 8): {"actor": "external"},
    },
    issues=[
        ("info", "columns_renamed", "工程!A1", ("標準時間 → 標準(分)", "最短時間 → 最短(分)",
                                                "最長時間 → 最長(分)")),
        ("warning", "percent_fraction", "工程!I6", ("85%", "「0.85%」")),
        ("info", "read_approximate", "手続!D2", ("2,400",)),
    ],
)

# --- 4. 防災危機管理課: times typed as h:mm and [h]:mm, numbers stored as text -----------------
RISAI = Case(
    "04_防災危機管理課_罹災証明", "h:mm and [h]:mm time cells, numbers as text, full-width digits",
    [Sheet("手続", [
        PROC_HEAD,
        ["BO-01", "罹災証明書の交付", "防災危機管理課", "３２０", None, "○"],
    ]), Sheet("工程", [
        STEP_HEAD,
        ["BO-01", "1", "申請受付", "窓口職員", "受付", hhmm(5), hhmm(10), hhmm(20), None, None,
         None],
        ["BO-01", "2", "現地調査", "担当職員", "確認・審査", hhmm(60, "[h]:mm"),
         hhmm(90, "[h]:mm"), hhmm(180, "[h]:mm"), None, None, "2人で調査"],
        ["BO-01", "3", "被害認定", "担当職員", "確認・審査", None, "３０", None, None, None,
         None],
        ["BO-01", "4", "証明書の交付", "窓口職員", "交付・通知", None, hhmm(5, "h:mm:ss"), None,
         None, None, None],
    ])],
    procedures={"BO-01": {"annual_cases": 320}},
    steps={
        ("BO-01", 1): {"min_minutes": 5.0, "typical_minutes": 10.0, "max_minutes": 20.0},
        ("BO-01", 2): {"min_minutes": 60.0, "typical_minutes": 90.0, "max_minutes": 180.0},
        ("BO-01", 3): {"typical_minutes": 30.0},
        ("BO-01", 4): {"typical_minutes": 5.0},
    },
)

# --- 5. 道路管理課: "3-4" that Excel made a date, a count range ------------------------------
DORO = Case(
    "05_道路管理課_道路占用", "繁忙月 typed 3-4 (stored as the date 3/4); 1,000～1,500件",
    [Sheet("手続", [
        PROC_HEAD,
        ["DO-01", "道路占用許可の申請", "道路管理課", "1,000～1,500件", date(3, 4), "○"],
    ]), Sheet("工程", [
        STEP_HEAD,
        ["DO-01", 1, "事前相談", "窓口職員", "その他", 10, 20, 60, None, None, None],
        ["DO-01", 2, "申請書の審査", "担当職員", "確認・審査", 15, 30, 60, None, None, None],
        ["DO-01", 3, "許可書の決裁", "決裁者", "決裁", 2, 5, 10, None, None, None],
        ["DO-01", 4, "許可書の交付", "窓口職員", "交付・通知", 2, 3, 5, None, None, None],
    ])],
    procedures={"DO-01": {"annual_cases": 1250, "peak_months": "3,4"}},
    issues=[
        ("warning", "read_date_as_months", "手続!E2", ("3～4",)),
        ("info", "read_range_number", "手続!D2", ("1,000～1,500", "1,250")),
    ],
)

# --- 6. 子育て支援課 (errors): a rework loop with no exit, a next step that does not exist ----
LOOP = Case(
    "06_子育て支援課_誤り_ループ", "rework loop 3⇄4 never ends; 次工程 7 in a 5-step procedure",
    [Sheet("手続", [
        PROC_HEAD,
        ["SF-01", "保育施設等の利用申込", "保育課", 900, "1,2", "○"],
        ["SF-02", "保育施設等の現況届", "保育課", 2100, "6", "×"],
    ]), Sheet("工程", [
        STEP_HEAD,
        ["SF-01", 1, "申込書の記入", "市民", "記入", 10, 20, 40, None, None, None],
        ["SF-01", 2, "受付", "窓口職員", "受付", 5, 10, 15, None, None, None],
        ["SF-01", 3, "利用調整", "担当職員", "確認・審査", 10, 30, 60, None, 4, None],
        ["SF-01", 4, "調整結果の確認", "決裁者", "決裁", 2, 5, 10, None, 3, "差し戻し"],
        ["SF-01", 5, "結果通知", "担当職員", "交付・通知", 2, 3, 5, None, None, None],
        ["SF-02", 1, "現況届の受付", "窓口職員", "受付", 3, 5, 10, None, None, None],
        ["SF-02", 2, "内容確認", "担当職員", "確認・審査", 5, 10, 20, None, 7, None],
        ["SF-02", 3, "入力", "担当職員", "入力", 3, 5, 10, None, "終了", None],
    ])],
    refused=True,
    issues=[
        ("error", "no_way_out", "工程!J5", ("3 → 4", "4～5 行", "終了")),
        ("error", "next_step_unknown", "工程!J8", ("7", "SF-02", "1～3", "終了")),
    ],
)

# --- 7. 市民課 (errors): wrong bound, date in a minutes cell, a choice not on the list --------
BOUNDS = Case(
    "07_市民課_誤り_時間", "最長 below 標準; 10/15 typed as minutes became a date; 実施者 職員さん",
    [Sheet("手続", [
        PROC_HEAD,
        ["SM-11", "転入届", "市民課", 6500, "3,4", "○"],
    ]), Sheet("工程", [
        STEP_HEAD,
        ["SM-11", 1, "届書の記入", "市民", "記入", 5, 10, 3, None, None, None],
        ["SM-11", 2, "受付", "窓口職員", "受付", None, date(10, 15), None, None, None, None],
        ["SM-11", 3, "住基入力", "職員さん", "入力", 5, 8, 12, None, None, None],
        ["SM-11", 4, "交付", None, "交付・通知", 2, 3, 5, None, None, None],
    ])],
    refused=True,
    issues=[
        ("error", "max_below_typical", "工程!H2", ("最長 3 分", "最長を 10 分以上")),
        ("error", "stored_as_date", "工程!G3", ("日付", "10～15")),
        ("error", "bad_code", "工程!D4", ("選択肢", "窓口職員")),
        ("error", "required", "工程!D5", ("選べる値", "市民")),
    ],
)

# --- 8. 建設課 (error): a header nobody can read, without a false "no steps" claim ----------
HEADER = Case(
    "08_建築指導課_誤り_見出し", "標準 column headed 1件あたり標準作業時間 (unknown alias)",
    [Sheet("手続", [
        PROC_HEAD,
        ["KE-01", "建築確認申請", "建築指導課", 420, None, "○"],
        ["KE-02", "完了検査申請", "建築指導課", 380, None, "○"],
    ]), Sheet("工程", [
        ["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "標準的な作業時間(分/件)"],
        ["KE-01", 1, "受付", "窓口職員", "受付", 10],
        ["KE-01", 2, "審査", "担当職員", "確認・審査", 120],
        ["KE-02", 1, "受付", "窓口職員", "受付", 10],
        ["KE-02", 2, "検査", "担当職員", "確認・審査", 90],
    ])],
    refused=True,
    issues=[
        ("error", "column_missing_similar", "工程!F1", ("標準的な作業時間(分/件)", "「標準(分)」に直して")),
    ],
)

# --- 9. 介護保険課: a title, then two header rows, nothing merged ------------------------------
KOSHIN = Case(
    "09_介護保険課_更新認定", "two header rows without merges: 所要時間(分) above 最短/標準/最長",
    [Sheet("手続", [
        ["介護保険課 業務量調査"],
        PROC_HEAD,
        ["KA-11", "要介護・要支援の更新認定", "介護保険課", "3,100", "12～1月", "×"],
    ]), Sheet("工程", [
        ["※ 1件あたりの時間を分で記入"],
        ["手続ID", "工程番号", "工程名", "実施者", "作業の種類", "所要時間(分)", None, None,
         "通過割合(%)", "次工程"],
        [None, None, None, None, None, "最短", "標準", "最長"],
        ["KA-11", 1, "更新申請書の送付", "担当職員", "郵送", 2, 3, 5, None, None],
        ["KA-11", 2, "申請受付", "窓口職員", "受付", 3, 5, 15, None, None],
        ["KA-11", 3, "認定調査", "外部機関", "確認・審査", 40, 60, 120, None, None],
        ["KA-11", 4, "結果通知", "担当職員", "交付・通知", 2, 3, 5, None, "終了"],
    ])],
    procedures={"KA-11": {"annual_cases": 3100, "peak_months": "12,1"}},
    steps={
        ("KA-11", 2): {"min_minutes": 3.0, "typical_minutes": 5.0, "max_minutes": 15.0},
        ("KA-11", 3): {"min_minutes": 40.0, "typical_minutes": 60.0, "max_minutes": 120.0},
    },
    issues=[("info", "columns_renamed", "工程!F3", ("最短 → 最短(分)", "最長 → 最長(分)"))],
)

CASES: list[Case] = [JUMINHYO, JIDO, KAIGO, RISAI, DORO, LOOP, BOUNDS, HEADER, KOSHIN]
FORMATS = (".xlsx", ".xls")


def _rows_merges(sheet: Sheet) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    from openpyxl.utils.cell import range_boundaries

    merges = []
    for ref in sheet.merges:
        c0, r0, c1, r1 = range_boundaries(ref)
        merges.append((r0 - 1, r1 - 1, c0 - 1, c1 - 1))  # 0-based, inclusive
    return sheet.rows, merges


def write_xlsx(case: Case, path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in case.sheets:
        ws = wb.create_sheet(sheet.name)
        rows, merges = _rows_merges(sheet)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(value, Fmt):
                    cell.value = value.value
                    cell.number_format = value.number_format
                else:
                    cell.value = value
        for r0, r1, c0, c1 in merges:
            ws.merge_cells(start_row=r0 + 1, end_row=r1 + 1, start_column=c0 + 1,
                           end_column=c1 + 1)
    wb.save(path)
    return path


def write_xls(case: Case, path: Path) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, Any] = {}
    for sheet in case.sheets:
        ws = wb.add_sheet(sheet.name)
        rows, merges = _rows_merges(sheet)
        covered = {(r, c) for r0, r1, c0, c1 in merges
                   for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r0, r1, c0, c1 in merges:
            top = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
            ws.write_merge(r0, r1, c0, c1, "" if top is None else top)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in covered:
                    continue
                if isinstance(value, Fmt):
                    style = styles.setdefault(value.number_format,
                                              xlwt.easyxf(num_format_str=value.number_format))
                    ws.write(r, c, value.value, style)
                else:
                    ws.write(r, c, value)
    wb.save(str(path))
    return path


def write_case(case: Case, folder: Path, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.name}{suffix}"
    return write_xls(case, path) if suffix == ".xls" else write_xlsx(case, path)


def write_corpus(folder: Path) -> list[Path]:
    return [write_case(case, folder, suffix) for case in CASES for suffix in FORMATS]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "messy_corpus")
    for written in write_corpus(out):
        print(written)
