"""Long tables written straight into their sheet's XML when the report is saved.

A 30,000-procedure report has two tables of 30,000 rows (手続別, 優先順位): 1.6 million
openpyxl cells, each an object with its own style array, built, kept and serialised one
element at a time — most of the report's own time and memory. A table longer than
:data:`STREAM_ROWS` keeps its header (and everything about the sheet: widths, panes,
filters, conditional formats, print setup) in openpyxl, while its body rows become XML
text at once — the same elements openpyxl writes, byte for byte — and
:class:`ReportWorkbook` puts them into the sheet's ``<sheetData>`` when it saves.
"""

from __future__ import annotations

import contextlib
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from copy import copy
from datetime import UTC, datetime
from functools import partial
from math import isinf
from pathlib import Path
from typing import IO, Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

STREAM_ROWS = 2000  # longer tables are streamed (the printed story's tables never are)
_ATTRIBUTE = "_bpr_streamed_rows"


class Unstreamable(Exception):
    """A value the streamed path does not write (a date, an infinity): use openpyxl."""


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    return (_text(value).replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\r", "&#13;").replace("\t", "&#09;"))


def cell_xml(ref: str, value: Any, style: str) -> str:
    """One ``<c>`` element as openpyxl writes it; ``style`` is ' s="N"' or ''."""
    if value is None:
        return f'<c r="{ref}"{style} t="n" />' if style else ""
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        if value == "":
            return f'<c r="{ref}"{style} t="inlineStr" />'
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{value:d}</v></c>'
    if isinstance(value, NUMERIC_TYPES):
        if value != value or isinf(value):
            raise Unstreamable(value)
        number = "%.16g" % value  # noqa: UP031 — openpyxl's safe_string, to the byte
        return f'<c r="{ref}"{style} t="n"><v>{number}</v></c>'
    raise Unstreamable(value)


class StreamedRows:
    """Body rows of one long table: (Excel row, its cells' XML), in order."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.rows: list[tuple[int, str]] = []
        self.heights: dict[int, float] = {}  # Excel row → its height (pt), if not the default
        self.last_column = 1
        self._style_ids: dict[tuple[int, ...], str] = {}

    def style(self, apply: Callable[[Cell], None], key: tuple[Any, ...]) -> str:
        """' s="N"' for the style ``apply`` gives a cell (registered with the workbook
        once per ``key``), or '' for no style, as openpyxl would write it."""
        found = self._style_ids.get(key)
        if found is None:
            scratch = Cell(self.ws)
            apply(scratch)
            style_array = scratch._style
            found = (f' s="{self.ws.parent._cell_styles.add(style_array)}"'
                     if style_array is not None and any(style_array) else "")
            self._style_ids[key] = found
        return found

    def add(self, row: int, cells: Sequence[str]) -> None:
        """A body row (its height, if any, goes into :attr:`heights`)."""
        self.rows.append((row, "".join(cells)))

    def dimension(self, row: int, held: Any) -> dict[str, str]:
        """The attributes of a body row's ``<row>`` as openpyxl writes them: those of its
        row dimension (``held``, if the sheet has one) with the body's height."""
        height = self.heights.get(row)
        if height is None:
            return dict(held) if held is not None else {}
        if held is None:
            return {"ht": "%.16g" % height, "customHeight": "1"}  # noqa: UP031 — as openpyxl
        changed = copy(held)
        changed.height = height
        return dict(changed)


def streamed(ws: Worksheet) -> StreamedRows | None:
    found: StreamedRows | None = getattr(ws, _ATTRIBUTE, None)
    return found


def attach(ws: Worksheet, rows: StreamedRows | None) -> None:
    setattr(ws, _ATTRIBUTE, rows)


def _row_xml(row: int, cells: str, dimension: dict[str, str]) -> str:
    attrs = {"r": f"{row}"}
    attrs.update(dimension)
    text = " ".join(f'{k}="{_attribute(str(v))}"' for k, v in attrs.items())
    return f"<row {text}>{cells}</row>" if cells else f"<row {text} />"


_DIMENSION = re.compile(r'<dimension ref="([A-Z]+\d+)(?::[A-Z]+\d+)?" />')


def _patched(xml: str, ws: Worksheet, body: StreamedRows, held: dict[int, Any]) -> str:
    """The sheet's XML with the body rows in <sheetData> and its dimension to the last
    (``held``: the row dimensions of the body's rows, taken out for openpyxl's save)."""
    end = xml.index("</sheetData>")
    cells_of = dict(body.rows)
    rows = "".join(_row_xml(r, cells_of.get(r, ""), body.dimension(r, held.get(r)))
                   for r in sorted(cells_of.keys() | held.keys() | body.heights.keys()))
    xml = xml[:end] + rows + xml[end:]
    last_row = body.rows[-1][0]
    last = f"{get_column_letter(max(ws.max_column, body.last_column))}{max(ws.max_row, last_row)}"
    return _DIMENSION.sub(lambda m: f'<dimension ref="{m.group(1)}:{last}" />', xml, count=1)


PENDING_BYTES = 16 * 2**20
# A part longer than this is deflated in pieces of this size on the compressing threads at
# once (each piece primed with the 32 KB before it, as pigz does): the same part, in a
# deflate stream of its own. Shorter parts are deflated as zipfile deflates them, to the byte.
PIECE_BYTES = 16 * 2**20
_WINDOW = 32 * 2**10


def _deflated(data: memoryview, start: int, end: int) -> bytes:
    """Raw deflate of ``data[start:end]``, zipfile's settings; a piece that is not the
    last ends on a byte boundary without the final block (a sync flush), so the pieces
    put one after the other are one stream."""
    if start == 0:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    else:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15,
                                      zdict=data[max(0, start - _WINDOW):start])
    out = compressor.compress(data[start:end])
    return out + compressor.flush(zlib.Z_FINISH if end == len(data) else zlib.Z_SYNC_FLUSH)


class _Deflated:
    """Stands in for zipfile's compressor of one part: gives the part as deflated on the
    compressing threads."""

    def __init__(self, pieces: list[Future[bytes]]) -> None:
        self.pieces = pieces

    def compress(self, _data: Any) -> bytes:
        return b"".join(piece.result() for piece in self.pieces)

    def flush(self) -> bytes:
        return b""


class _PatchingZip(zipfile.ZipFile):
    """The report's zip file: openpyxl writes each sheet from a temporary file; a sheet
    with a streamed table gets its body rows on the way (one compression of every part,
    where saving to memory and copying compressed each twice).

    The parts are deflated on two threads of their own (a long part in pieces, on both)
    while openpyxl makes the next ones (zlib releases the GIL), and written by a third in
    the order openpyxl gives them: a 30,000-procedure report spent about 2 of its 2.5 s of
    saving on one core, 40 % of it compressing its two long sheets (46 and 52 MB), one
    after the other, with the other core idle. The same parts in the same order."""

    def __init__(self, file: Any, patches: list[tuple[Worksheet, Callable[[str], str]]]) -> None:
        self._deflating = ThreadPoolExecutor(2)
        self._writer = ThreadPoolExecutor(1)
        self._written: list[tuple[Future[None], int]] = []  # each part's, and its size
        self._pending = 0  # the sizes in ``_written``
        self._payload = threading.local()  # the writer's: the part it writes
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.patches = patches

    def _later(self, info: zipfile.ZipInfo | str, data: bytes | str) -> None:
        # Parts not written yet are held: besides the oldest (being deflated), at most
        # about PENDING_BYTES of them and the one openpyxl makes (a 30,000-procedure
        # report's two long sheets queued together raised its peak by 220 MB at load 7).
        while self._written and (self._written[0][0].done()
                                 or self._pending - self._written[0][1] > PENDING_BYTES):
            self._retire()
        encoded = data.encode("utf-8") if isinstance(data, str) else data
        view = memoryview(encoded)
        pieces = [self._deflating.submit(_deflated, view, start,
                                         min(start + PIECE_BYTES, len(encoded)))
                  for start in range(0, max(len(encoded), 1), PIECE_BYTES)]
        self._written.append((self._writer.submit(self._write, info, encoded, pieces),
                              len(encoded)))
        self._pending += len(encoded)

    def _retire(self) -> None:
        future, size = self._written.pop(0)
        self._pending -= size
        future.result()

    def _write(self, info: zipfile.ZipInfo | str, data: bytes,
               pieces: list[Future[bytes]]) -> None:
        self._payload.pieces = pieces
        try:
            super().writestr(info, data)
        finally:
            self._payload.pieces = None

    def open(self, name: Any, mode: Literal["r", "w"] = "r", pwd: bytes | None = None, *,
             force_zip64: bool = False) -> IO[bytes]:
        opened = super().open(name, mode, pwd, force_zip64=force_zip64)
        pieces = getattr(self._payload, "pieces", None)
        if mode == "w" and pieces is not None:
            opened._compressor = _Deflated(pieces)  # type: ignore[attr-defined]
        return opened

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # A sheet's part name is known only as it is written (openpyxl numbers the sheets).
        # The file is read now: openpyxl deletes it when this returns.
        if args or kwargs:
            raise TypeError("the report's parts are written with their defaults")
        info = zipfile.ZipInfo.from_file(filename, arcname)
        info.compress_type = self.compression
        patch = next((fix for ws, fix in self.patches if ws.path[1:] == arcname), None)
        if patch is None:
            with open(filename, "rb") as part:
                self._later(info, part.read())
            return
        with open(filename, encoding="utf-8") as sheet:
            self._later(info, patch(sheet.read()).encode("utf-8"))

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                 compresslevel: Any = None) -> None:
        if compress_type is not None or compresslevel is not None:
            raise TypeError("the report's parts are written with their defaults")
        self._later(zinfo_or_arcname, data)

    def _written_all(self) -> None:
        """Wait for the parts handed to the threads (raising the first error, if any)."""
        while self._written:
            self._retire()

    def namelist(self) -> list[str]:
        # openpyxl lists the parts to register their types ([Content_Types].xml).
        self._written_all()
        return super().namelist()

    def infolist(self) -> list[zipfile.ZipInfo]:
        self._written_all()
        return super().infolist()

    def finish(self) -> None:
        """Wait for the parts handed to the threads, and end them."""
        try:
            self._written_all()
        finally:
            self._writer.shutdown(wait=True)
            self._deflating.shutdown(wait=True)

    def close(self) -> None:
        try:
            self.finish()
        finally:
            super().close()


class ReportWorkbook(Workbook):  # type: ignore[misc]  # openpyxl has no type hints
    """A Workbook whose save also writes the streamed rows of its long tables."""

    def save(self, filename: str | Path | IO[bytes]) -> None:
        sheets = [(ws, body) for ws in self.worksheets
                  if (body := streamed(ws)) is not None and body.rows]
        if not sheets:
            super().save(filename)
            return
        # Below the header openpyxl must write nothing: the empty cells and the row heights
        # of those rows are taken out for its save and put back after.
        held: list[tuple[Worksheet, dict[Any, Any], dict[int, Any]]] = []
        for ws, body in sheets:
            first = body.rows[0][0]
            cells = {key: cell for key, cell in ws._cells.items() if key[0] >= first}
            if any(cell._value is not None or cell.has_style for cell in cells.values()):
                raise ValueError(f"{ws.title}: cells below a streamed table's header")
            dims = {r: ws.row_dimensions[r] for r in list(ws.row_dimensions) if r >= first}
            for key in cells:
                del ws._cells[key]
            for r in dims:
                del ws.row_dimensions[r]
            held.append((ws, cells, dims))
        patches: list[tuple[Worksheet, Callable[[str], str]]] = [
            (ws, partial(_patched, ws=ws, body=body, held=dims))
            for (ws, body), (_ws, _cells, dims) in zip(sheets, held, strict=True)]
        archive = None
        try:
            # openpyxl's save_workbook, into the patching zip file.
            self.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
            archive = _PatchingZip(filename, patches)
            ExcelWriter(self, archive).save()
        except BaseException:
            if archive is not None:  # no thread left writing; the first error is raised
                with contextlib.suppress(Exception):
                    archive.close()
            raise
        finally:
            for ws, cells, dims in held:
                ws._cells.update(cells)
                ws.row_dimensions.update(dims)
