"""Safety checks on a workbook before any library reads it, and a linear scan of sheet XML.

A hostile or broken .xlsx can make a reader allocate without bound (one blank cell at
XFD1048576 makes the value grid 17 billion cells) or decompress a 1 MB file into
gigabytes. :func:`check_xlsx` refuses such files from the zip directory and one
streaming pass over each sheet's XML, in bounded memory and linear time, and
collects on the way the two facts the fast reader does not give: hidden rows and
formula-error cells.

Three scans, quickest first (each hands the sheet to the next when it cannot vouch for
it): the declared range, the fast scan, the exact scan tag by tag.

Every tag is matched by ``<[^<>]*>``, which cannot run past the next ``<``: the scan
is linear even on adversarial input (the old error-cell regex backtracked
quadratically on a run of ``<c t="e"/>`` cells).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from defusedxml import ElementTree

from bpr_studio.io.normalize import CellProblem


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class ReadLimits:
    """What a survey file may hold. Defaults are far above a whole city's survey
    (3,000 procedures, 45,000 steps in about 25 columns); set ``BPR_STUDIO_MAX_*``
    environment variables to change them."""

    max_uncompressed_bytes: int = _env_int("BPR_STUDIO_MAX_UNCOMPRESSED_MB", 400) * 1_000_000
    max_compression_ratio: int = 200  # plain sheet XML compresses ~10–30×
    max_rows: int = _env_int("BPR_STUDIO_MAX_ROWS", 300_000)
    max_columns: int = _env_int("BPR_STUDIO_MAX_COLUMNS", 1_000)
    max_area_cells: int = _env_int("BPR_STUDIO_MAX_CELLS", 8_000_000)  # rows × columns used
    max_members: int = 10_000


DEFAULT_LIMITS = ReadLimits()


class LimitExceeded(CellProblem):
    """The file is beyond a read limit; refused before reading its values."""


@dataclass
class SheetFacts:
    hidden_rows: set[int] = field(default_factory=set)  # 1-based
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col 0-based)
    max_row: int = 0
    max_col: int = 0  # 1-based
    cells: int = 0


_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|v)\b([^<>]*)>")
_ATTR_R = re.compile(rb'\br="([^"]*)"')
_CELL_REF = re.compile(rb"([A-Za-z]*)(\d*)")
_ATTR_T_ERROR = re.compile(rb'\bt="e"')
_ATTR_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CHUNK = 1 << 20


def column_number(letters: str) -> int:
    """'A' → 1, 'XFD' → 16384."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - 64)
    return number


def _column_label(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _SheetScanner:
    """Feeds on XML chunks; keeps position state between them."""

    def __init__(self, sheet: str, limits: ReadLimits) -> None:
        self.sheet = sheet
        self.limits = limits
        self.facts = SheetFacts()
        self.row = 0
        self.col = 0
        self.error_cell: tuple[int, int] | None = None
        self.in_error_value = False

    def feed(self, data: bytes) -> None:
        facts = self.facts
        for match in _TAG.finditer(data):
            closing, name, attrs = match.groups()
            if name == b"v":
                if closing:
                    continue
                if self.error_cell is not None and not attrs.endswith(b"/"):
                    end = data.find(b"<", match.end())
                    value = data[match.end():end if end >= 0 else len(data)]
                    facts.error_cells[self.error_cell] = value.decode("utf-8", "replace")[:32]
                continue
            if closing:
                if name == b"c":
                    self.error_cell = None
                continue
            ref = _ATTR_R.search(attrs)
            letters, digits = self._reference(ref.group(1)) if ref else (b"", b"")
            if name == b"row":
                self.row = int(digits) if digits else self.row + 1
                self.col = 0
                if b"hidden" in attrs and _ATTR_HIDDEN.search(attrs):
                    facts.hidden_rows.add(self.row)
                self._check(self.row, 1)
                continue
            # a cell
            if letters:
                self.col = column_number(letters.decode())
                if digits:
                    self.row = int(digits)
            else:
                self.col += 1
            facts.cells += 1
            self._check(self.row, self.col)
            self.error_cell = None
            if b't="e"' in attrs and _ATTR_T_ERROR.search(attrs):
                position = (self.row, self.col - 1)
                facts.error_cells[position] = "#ERROR"
                if not attrs.endswith(b"/"):
                    self.error_cell = position

    def _reference(self, value: bytes) -> tuple[bytes, bytes]:
        """'B12' → (b'B', b'12'). Readers parse odd references their own way (a 12-digit
        row wrapped around and asked for 77 GB), so anything else is refused."""
        match = _CELL_REF.fullmatch(value)
        if match is None or len(value) > 20:
            raise LimitExceeded("sheet_xml_malformed", sheet=self.sheet)
        return match.group(1), match.group(2)

    def _check(self, row: int, col: int) -> None:
        facts, limits = self.facts, self.limits
        if row > facts.max_row:
            facts.max_row = row
        if col > facts.max_col:
            facts.max_col = col
        if (facts.max_row > limits.max_rows or facts.max_col > limits.max_columns
                or facts.max_row * facts.max_col > limits.max_area_cells):
            raise LimitExceeded(
                "sheet_too_large", sheet=self.sheet,
                cell=f"{_column_label(max(col, 1))}{row}",
                rows=f"{limits.max_rows:,}", columns=f"{limits.max_columns:,}",
                cells=f"{limits.max_area_cells:,}")


# The fast scan: a sheet as Excel, LibreOffice and openpyxl write it (every row and cell
# tag starts with its r="…" reference, no formula errors) is checked with a few C-level
# regex passes per chunk instead of a Python step per tag (that was 3 × the time of
# reading the values). Anything else — and any sheet over a limit, for the exact
# message — goes through :class:`_SheetScanner`.
_ANY_CELL = re.compile(rb"<c\b")
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
_ANY_ROW = re.compile(rb"<row\b")
_FAST_ROW = re.compile(rb'<row r="(\d{1,7})"([^<>]*)>')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:row|c)\b")
# What every match of _PREFIXED holds: searched for first, its leading ':' is found
# quickly (two substring searches for ':c' and ':row' took five times as long).
_PREFIX_HINT = re.compile(rb":(?:row|c)\b")


def _prefixed(data: bytes) -> bool:
    """Whether ``data`` holds a namespace-prefixed row or cell tag."""
    return _PREFIX_HINT.search(data) is not None and _PREFIXED.search(data) is not None


class _FastScanner:
    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.facts = SheetFacts()

    def feed(self, data: bytes) -> bool:
        """Take one chunk of whole tags; False when the exact scanner must read the sheet."""
        if b't="e"' in data:
            return False  # formula errors: the exact scanner records their values
        if _prefixed(data):
            return False  # namespace-prefixed tags
        cells = _FAST_CELL.findall(data)
        rows = _FAST_ROW.findall(data)
        if len(cells) != len(_ANY_CELL.findall(data)) or len(rows) != len(
                _ANY_ROW.findall(data)):
            return False
        facts = self.facts
        facts.cells += len(cells)
        if rows:
            facts.max_row = max(facts.max_row, max(map(int, (r for r, _a in rows))))
            facts.max_col = max(facts.max_col, 1)
            if b"hidden" in data:
                facts.hidden_rows.update(int(r) for r, attrs in rows
                                         if b"hidden" in attrs and _ATTR_HIDDEN.search(attrs))
        if cells:
            facts.max_row = max(facts.max_row, max(map(int, (d for _l, d in cells))))
            letters = {letter for letter, _d in cells}
            facts.max_col = max(facts.max_col, max(map(column_number, map(bytes.decode, letters))))
        limits = self.limits
        return not (facts.max_row > limits.max_rows or facts.max_col > limits.max_columns
                    or facts.max_row * facts.max_col > limits.max_area_cells)


# The bound scan: most writers (Excel, LibreOffice, openpyxl) declare the sheet's used
# range first, <dimension ref="A1:X86"/>. Then it is enough to check that every cell and
# row lies within it — one regex search per chunk that finds nothing, with no Python
# step per cell — and the declared corner is the maximum (an upper bound: a sheet whose
# declared range is over a limit goes through the other scans, never refused on it).
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]{1,3}\d{1,7}:)?([A-Z]{1,3})(\d{1,7})"')


def _up_to_run(text: str, first: str, any_char: bytes) -> bytes:
    """A regex for a run of ``any_char`` up to ``text`` in its order (``first`` the lowest
    character): any shorter run, or one as long and not after it."""
    alternatives = [any_char + b"{1,%d}" % (len(text) - 1)] if len(text) > 1 else []
    for i, char in enumerate(text):
        if char > first:
            rest = len(text) - i - 1
            alternatives.append(text[:i].encode() + b"[%c-%c]" % (ord(first), ord(char) - 1)
                                + (any_char + b"{%d}" % rest if rest else b""))
    alternatives.append(text.encode())
    return b"(?:" + b"|".join(alternatives) + b")"


def up_to_number(number: str) -> bytes:
    """A regex for a run of digits not greater than ``number`` (no leading zero in it)."""
    return _up_to_run(number, "0", rb"\d")


def up_to_letters(letters: str) -> bytes:
    """A regex for a run of capitals up to ``letters`` as columns go (A … Z, AA …)."""
    return _up_to_run(letters, "A", b"[A-Z]")


class _BoundScanner:
    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.facts = SheetFacts()  # cells: not counted
        self.beyond: tuple[re.Pattern[bytes], re.Pattern[bytes]] | None = None

    def feed(self, data: bytes) -> bool:
        """Take one chunk of whole tags; False when another scan must read the sheet."""
        if self.beyond is None and not self._bound(data):
            return False
        assert self.beyond is not None
        if b't="e"' in data:
            return False
        if _prefixed(data):
            return False
        cells, rows = self.beyond
        if cells.search(data) or rows.search(data):
            return False
        if b"hidden" in data:
            self.facts.hidden_rows.update(
                int(r) for r, attrs in _FAST_ROW.findall(data)
                if b"hidden" in attrs and _ATTR_HIDDEN.search(attrs))
        return True

    def _bound(self, first: bytes) -> bool:
        """The declared range, from the first chunk (it comes before the cells)."""
        found = _DIMENSION.search(first)
        if found is None:
            return False
        letters, digits = found.group(1).decode(), found.group(2).decode()
        if digits.startswith("0"):
            # '0000009' would let every shorter row number through (row 999999): no
            # writer declares a range so; the other scans read such a sheet.
            return False
        row, col = int(digits), column_number(letters)
        limits = self.limits
        if row > limits.max_rows or col > limits.max_columns or row * col > limits.max_area_cells:
            return False
        self.facts.max_row, self.facts.max_col = row, col
        # A cell or row tag without its reference first (odd), or one beyond the declared
        # range: a tag not followed by a reference within it. One negative lookahead per
        # tag, each pattern starting with the tag's literal (which the regex engine looks
        # for quickly): 0.4 × the time of a pattern trying "odd" and then "beyond".
        rows_within = up_to_number(digits)
        self.beyond = (re.compile(rb'<c\b(?! r="' + up_to_letters(letters) + rows_within
                                  + b'")'),
                       re.compile(rb'<row\b(?! r="' + rows_within + b'")'))
        return True


def scan_sheet_xml(stream: IO[bytes], sheet: str, limits: ReadLimits = DEFAULT_LIMITS, *,
                   fast: bool = False, bound: bool = False) -> SheetFacts | None:
    """One pass over a sheet part read from ``stream`` in 1 MB chunks.

    With ``bound`` or ``fast``, returns None when the sheet needs another scan (read it
    again with ``fast``, then with neither: the exact scan).
    """
    scanner: _SheetScanner | _FastScanner | _BoundScanner = (
        _BoundScanner(limits) if bound else _FastScanner(limits) if fast
        else _SheetScanner(sheet, limits))
    carry = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        data = carry + chunk
        # Cut after the last complete tag (and its text, for an error value); keep the rest.
        cut = data.rfind(b"<")
        if cut <= 0:
            carry = data
            if len(carry) > 4 * _CHUNK:  # one tag longer than 4 MB is not a sheet
                raise LimitExceeded("sheet_xml_malformed", sheet=sheet)
            continue
        if scanner.feed(data[:cut]) is False:
            return None
        carry = data[cut:]
    if carry and scanner.feed(carry) is False:
        return None
    return scanner.facts


def sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
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
        members[sheet.get("name") or ""] = member
    return members


def check_xlsx(path: str | Path, limits: ReadLimits = DEFAULT_LIMITS) -> dict[str, SheetFacts]:
    """Refuse a bomb or an oversized sheet; return hidden rows and error cells per sheet.

    Raises :class:`LimitExceeded` for a limit, ``zipfile.BadZipFile``, ``KeyError``,
    ``zlib.error`` or a defusedxml error for a broken or hostile archive: the caller
    turns those into a message about the file.
    """
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise LimitExceeded("file_too_large", detail=f"{len(infos):,} parts")
        total = sum(max(info.file_size, 0) for info in infos)
        if total > limits.max_uncompressed_bytes:
            raise LimitExceeded("file_too_large",
                                detail=f"{total / 1e6:,.0f} MB > {limits.max_uncompressed_bytes / 1e6:,.0f} MB")
        for info in infos:
            if (info.compress_size > 0 and info.file_size > 10_000_000
                    and info.file_size / info.compress_size > limits.max_compression_ratio):
                raise LimitExceeded("file_too_large", detail=(
                    f"{info.filename}: {info.file_size / 1e6:,.0f} MB / "
                    f"{info.compress_size / 1e6:,.1f} MB"))
        # Sheets (and every small XML part a reader parses) are read in bounded chunks;
        # the zip module stops at the declared size, which was checked above.
        facts: dict[str, SheetFacts] = {}
        for name, member in sheet_members(archive).items():
            with archive.open(member) as stream:
                found = scan_sheet_xml(stream, name, limits, bound=True)
            if found is None:
                with archive.open(member) as stream:
                    found = scan_sheet_xml(stream, name, limits, fast=True)
            if found is None:
                with archive.open(member) as stream:
                    found = scan_sheet_xml(stream, name, limits)
            assert found is not None
            facts[name] = found
        for info in infos:
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                ElementTree.fromstring(archive.read(info))  # entity bombs are refused here
    return facts
