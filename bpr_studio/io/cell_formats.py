"""What Excel stores behind what it shows: number formats of cells.

A cell shows ``15%`` but stores ``0.15``; it shows ``0:05`` but stores ``0.00347`` (a
fraction of a day). calamine turns date and time cells of .xlsx into Python dates and
times, but keeps no trace of a percent format, and the legacy .xls reader (xlrd) hands
back the bare stored number. This module recovers the missing facts:

- :func:`xlsx_percent_cells` — which cells of a sheet carry a percent format, read from
  ``xl/styles.xml`` and the ``s="…"`` style index of each cell in the sheet XML;
- :func:`xls_cell_value` — an .xls cell as calamine would give it (a time of day, a
  duration or a date where the format says so) plus whether its format is a percent.

The sheet parser then reads a percent cell in a percent column as what it shows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from defusedxml import ElementTree

PERCENT = "percent"

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Built-in number formats of Office Open XML (ECMA-376 §18.8.30): 9 = 0%, 10 = 0.00%.
_BUILTIN_PERCENT_IDS = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.')
# [^<>]: a tag cannot run past the next "<", so a run of "<c<c<c…" is scanned in linear time.
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^<>]*)>")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_STYLE = re.compile(rb'\bs="(\d+)"')


def is_percent_format(code: str) -> bool:
    """True for a number format that shows a value ×100 with a % sign (outside quotes)."""
    return "%" in _QUOTED.sub("", code)


def percent_style_ids(styles_xml: bytes) -> set[int]:
    """Indexes into ``cellXfs`` (the ``s`` attribute of a cell) whose format is a percent."""
    root = ElementTree.fromstring(styles_xml)
    percent_formats = set(_BUILTIN_PERCENT_IDS)
    num_fmts = root.find(f"{_NS_MAIN}numFmts")
    if num_fmts is not None:
        for fmt in num_fmts.iter(f"{_NS_MAIN}numFmt"):
            if is_percent_format(fmt.get("formatCode", "")):
                percent_formats.add(int(fmt.get("numFmtId", "-1")))
    cell_xfs = root.find(f"{_NS_MAIN}cellXfs")
    if cell_xfs is None:
        return set()
    return {index for index, xf in enumerate(cell_xfs.iter(f"{_NS_MAIN}xf"))
            if int(xf.get("numFmtId", "0")) in percent_formats}


def xlsx_styled_cells(sheet_xml: bytes, style_ids: set[int]) -> set[tuple[int, int]]:
    """(row 1-based, column 0-based) of the cells whose style index is in ``style_ids``.

    One pass over the cell tags, and only when one of the styles occurs at all: a sheet
    without percent cells costs a few substring searches.
    """
    wanted = {str(i).encode() for i in style_ids}
    if not wanted or not any(b's="' + w + b'"' in sheet_xml for w in wanted):
        return set()
    found: set[tuple[int, int]] = set()
    for tag in _CELL_TAG.finditer(sheet_xml):
        attributes = tag.group(1)
        style = _CELL_STYLE.search(attributes)
        if style is None or style.group(1) not in wanted:
            continue
        ref = _CELL_REF.search(attributes)
        if ref is not None:
            found.add((int(ref.group(2)), _column_index(ref.group(1).decode())))
    return found


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _is_time_only(code: str) -> bool:
    """A format that shows a time or a duration and no calendar date (h:mm, [h]:mm, mm:ss)."""
    text = _QUOTED.sub("", code).lower()
    text = re.sub(r"\[(h+|m+|s+)\]", r"\1", text)  # [h]:mm is elapsed time
    text = re.sub(r"\[[^\]]*\]", "", text)  # colours, locales: [red], [$-411]
    return not re.search(r"[ydeg]", text) and bool(re.search(r"[hs]", text))


def xls_cell_value(book: Any, cell: Any) -> tuple[Any, str | None]:
    """(value, format class) of an xlrd cell read with ``formatting_info=True``.

    Date-typed cells become what calamine returns for .xlsx: a ``timedelta`` for a time or
    duration format (so 0:05 is five minutes, not 0.0035), a ``date``/``datetime`` for a
    calendar date. Numbers under a percent format are flagged :data:`PERCENT`.
    """
    import xlrd  # only needed for legacy files

    try:
        code = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
    except (AttributeError, IndexError, KeyError, TypeError):
        code = ""
    if cell.ctype == xlrd.XL_CELL_DATE:
        value = float(cell.value)
        if _is_time_only(code) or (0 <= value < 1 and not code):
            return dt.timedelta(days=value), None
        try:
            stamp = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value, None
        return (stamp.date() if value.is_integer() else stamp), None
    if cell.ctype == xlrd.XL_CELL_NUMBER and code and is_percent_format(code):
        return cell.value, PERCENT
    return cell.value, None
