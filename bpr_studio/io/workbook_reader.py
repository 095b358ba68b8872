"""Read the cells of a workbook (.xlsx .xlsm .xls) or a CSV into plain rows.

Fast path: python-calamine reads values (formulas as their cached values). It does
not report hidden rows or formula errors (#REF! reads as blank), so for .xlsx/.xlsm
we scan the sheet XML for those two facts; for legacy .xls xlrd gives them directly.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine
from defusedxml import DefusedXmlException, ElementTree

from bpr_studio.io.cell_formats import (
    PERCENT,
    percent_style_ids,
    xls_cell_value,
    xlsx_styled_cells,
)
from bpr_studio.io.normalize import CellProblem
from bpr_studio.io.sheet_scan import (
    DEFAULT_LIMITS,
    LimitExceeded,
    ReadLimits,
    check_xlsx,
    sheet_members,
)

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


def read_workbook(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> list[RawSheet]:
    """All sheets of ``path``. Raises :class:`FileProblem` with a clear reason.

    Whatever a damaged or hostile file makes the reading libraries raise becomes a
    FileProblem; files beyond ``limits`` are refused before their values are read.
    """
    try:
        return _read_workbook(path, limits)
    except FileProblem:
        raise
    except LimitExceeded as problem:
        raise FileProblem(problem.key, **problem.params) from None
    except MemoryError:
        raise FileProblem("file_too_large", detail="memory") from None
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise FileProblem("file_not_workbook", detail=f"XML: {_short(exc)}") from None
    except Exception as exc:  # noqa: BLE001 — any reader failure on a bad file means "damaged"
        # zlib.error, struct.error, xlrd's CompDocError/IndexError/KeyError, …
        raise FileProblem("file_not_workbook",
                          detail=f"{type(exc).__name__}: {_short(exc)}") from None


def _read_workbook(path: Path, limits: ReadLimits) -> list[RawSheet]:
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
    if data_size > limits.max_uncompressed_bytes:
        raise FileProblem("file_too_large", detail=f"{data_size / 1e6:,.0f} MB")
    try:
        if suffix == ".csv":
            return [_read_csv(path, limits)]
        with path.open("rb") as handle:
            head = handle.read(8)
        if head == _OLE_MAGIC and suffix != ".xls":
            # An .xlsx inside an OLE container is how Office stores an encrypted workbook.
            raise FileProblem("file_encrypted")
        if suffix == ".xls":
            return _read_xls(path, limits)
        return _read_xlsx(path, limits)
    except FileNotFoundError:
        raise FileProblem("file_missing") from None
    except PermissionError as exc:
        raise FileProblem("file_unreadable", detail=exc.strerror or str(exc)) from None


def _read_xlsx(path: Path, limits: ReadLimits) -> list[RawSheet]:
    # Before any reader allocates: bombs, oversized sheets and hostile XML are refused;
    # the same linear pass gives the hidden rows and formula-error cells.
    facts = check_xlsx(path, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise FileProblem("file_encrypted") from None
    except (python_calamine.CalamineError, python_calamine.ZipError,
            python_calamine.XmlError, ValueError) as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    percent_cells = _scan_xlsx_percent_cells(path)
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            scanned = facts.get(meta.name)
            hidden = scanned.hidden_rows if scanned else set()
            errors = scanned.error_cells if scanned else {}
            sheets.append(RawSheet(meta.name, rows, hidden, list(sheet.merged_cell_ranges or []),
                                   errors, dict.fromkeys(percent_cells.get(meta.name, ()), PERCENT)))
    except (python_calamine.CalamineError, python_calamine.ZipError,
            python_calamine.XmlError, ValueError) as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    finally:
        workbook.close()
    return sheets


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
            for name, member in sheet_members(archive).items():
                result[name] = xlsx_styled_cells(archive.read(member), style_ids)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError,
            zlib.error, DefusedXmlException):
        return {}  # best effort, like the other extras: values were read already
    return result


def _read_xls(path: Path, limits: ReadLimits) -> list[RawSheet]:
    import xlrd  # only needed for legacy files

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())  # its warnings would spoil --json
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
            if (sheet.nrows > limits.max_rows or sheet.ncols > limits.max_columns
                    or sheet.nrows * sheet.ncols > limits.max_area_cells):
                raise FileProblem("sheet_too_large", sheet=sheet.name,
                                  cell=f"{sheet.nrows:,} × {sheet.ncols:,}",
                                  rows=f"{limits.max_rows:,}", columns=f"{limits.max_columns:,}",
                                  cells=f"{limits.max_area_cells:,}")
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


def _read_csv(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawSheet:
    text = decode_text(path.read_bytes())
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row)
            if len(rows) > limits.max_rows or len(row) > limits.max_columns:
                raise FileProblem("sheet_too_large", sheet=path.stem, cell=f"{len(rows):,}",
                                  rows=f"{limits.max_rows:,}", columns=f"{limits.max_columns:,}",
                                  cells=f"{limits.max_area_cells:,}")
    except csv.Error as exc:
        raise FileProblem("file_not_workbook", detail=_short(exc)) from None
    return RawSheet(path.stem, rows)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."
