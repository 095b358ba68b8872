"""Read the cells of a workbook (.xlsx .xlsm .xls) or a CSV into plain rows.

Fast path: python-calamine reads values (formulas as their cached values). It does
not report hidden rows or formula errors (#REF! reads as blank), so for .xlsx/.xlsm
we scan the sheet XML for those two facts; for legacy .xls xlrd gives them directly.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine
from defusedxml import ElementTree

from bpr_studio.io.cell_formats import (
    PERCENT,
    percent_style_ids,
    xls_cell_value,
    xlsx_styled_cells,
)
from bpr_studio.io.normalize import CellProblem

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | {".csv"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    """Cell values of one sheet. ``rows[i][j]`` is Excel row i+1, column j (0-based)."""

    name: str
    rows: list[list[Any]]
    hidden_rows: set[int] = field(default_factory=set)  # 1-based row numbers
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row 1-based, col 0-based)
    # What the value alone does not say: (row 1-based, col 0-based) → cell_formats.PERCENT
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)


class FileProblem(CellProblem):
    """The whole file cannot be read; ``key`` names the message."""


def read_workbook(path: Path) -> list[RawSheet]:
    """All sheets of ``path``. Raises :class:`FileProblem` with a clear reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise FileProblem("file_type_unsupported")
    try:
        data_size = path.stat().st_size
    except FileNotFoundError:
        raise FileProblem("file_missing") from None
    except OSError as exc:
        raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None
    if data_size == 0:
        raise FileProblem("file_empty")
    try:
        if suffix == ".csv":
            return [_read_csv(path)]
        with path.open("rb") as handle:
            head = handle.read(8)
        if head == _OLE_MAGIC and suffix != ".xls":
            # An .xlsx inside an OLE container is how Office stores an encrypted workbook.
            raise FileProblem("file_encrypted")
        if suffix == ".xls":
            return _read_xls(path)
        return _read_xlsx(path)
    except FileNotFoundError:
        raise FileProblem("file_missing") from None
    except PermissionError as exc:
        raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None


def _read_xlsx(path: Path) -> list[RawSheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise FileProblem("file_encrypted") from None
    except (python_calamine.CalamineError, python_calamine.ZipError,
            python_calamine.XmlError, ValueError) as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    extras = _scan_xlsx_extras(path)
    percent_cells = _scan_xlsx_percent_cells(path)
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            hidden, errors = extras.get(meta.name, (set(), {}))
            sheets.append(RawSheet(meta.name, rows, hidden, list(sheet.merged_cell_ranges or []),
                                   errors, dict.fromkeys(percent_cells.get(meta.name, ()), PERCENT)))
    except (python_calamine.CalamineError, python_calamine.ZipError,
            python_calamine.XmlError, ValueError) as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    finally:
        workbook.close()
    return sheets


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ROW_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)(\d+)"[^>]*>(.*?)</(?:\w+:)?c>', re.S)
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _scan_xlsx_extras(path: Path) -> dict[str, tuple[set[int], dict[tuple[int, int], str]]]:
    """Hidden rows and formula-error cells per sheet name, read from the sheet XML."""
    result: dict[str, tuple[set[int], dict[tuple[int, int], str]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, member in _sheet_members(archive).items():
                data = archive.read(member)
                hidden: set[int] = set()
                if b"hidden=" in data:
                    for tag in _ROW_TAG.finditer(data):
                        text = tag.group(0)
                        number = _ROW_NUMBER.search(text)
                        if number and _ROW_HIDDEN.search(text):
                            hidden.add(int(number.group(1)))
                errors: dict[tuple[int, int], str] = {}
                if b't="e"' in data:
                    for match in _ERROR_CELL.finditer(data):
                        value = _CELL_VALUE.search(match.group(3))
                        col = _column_index(match.group(1).decode())
                        errors[(int(match.group(2)), col)] = (
                            value.group(1).decode() if value else "#ERROR")
                result[name] = (hidden, errors)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # calamine already read the values; the extras are best effort
    return result


def _scan_xlsx_percent_cells(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Cells under a percent number format, per sheet name (calamine reads 15% as 0.15)."""
    result: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/styles.xml" not in archive.namelist():
                return {}
            style_ids = percent_style_ids(archive.read("xl/styles.xml"))
            if not style_ids:
                return {}
            for name, member in _sheet_members(archive).items():
                result[name] = xlsx_styled_cells(archive.read(member), style_ids)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        return {}  # best effort, like the other extras: values were read already
    return result


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part inside the archive."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    members = {}
    for sheet in workbook.iter(f"{ns_main}sheet"):
        target = targets.get(sheet.get(f"{ns_rel}id"), "")
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        members[sheet.get("name")] = member
    return members


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _read_xls(path: Path) -> list[RawSheet]:
    import xlrd  # only needed for legacy files

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise FileProblem("file_encrypted") from None
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    except (OSError, ValueError, AssertionError, IndexError) as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    sheets = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows: list[list[Any]] = []
            errors: dict[tuple[int, int], str] = {}
            formats: dict[tuple[int, int], str] = {}
            for r in range(sheet.nrows):
                row = []
                for c, cell in enumerate(sheet.row(r)):
                    if cell.ctype == xlrd.XL_CELL_ERROR:
                        errors[(r + 1, c)] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
                        row.append("")
                    elif cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                        row.append("")
                    else:
                        value, kind = xls_cell_value(book, cell)  # 0:05 is 5 min, not 0.0035
                        row.append(value)
                        if kind is not None:
                            formats[(r + 1, c)] = kind
                rows.append(row)
            hidden = {r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden}
            merged = [((r0, c0), (r1 - 1, c1 - 1)) for r0, r1, c0, c1 in sheet.merged_cells]
            sheets.append(RawSheet(sheet.name, rows, hidden, merged, errors, formats))
    finally:
        book.release_resources()
    return sheets


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else Shift_JIS as Excel writes it."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("csv_encoding")


def _read_csv(path: Path) -> RawSheet:
    text = decode_text(path.read_bytes())
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    return RawSheet(path.stem, rows)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."
