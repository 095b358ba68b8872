"""The common cells of a survey sheet, read without the general parsers.

Most cells of a large survey are plain: a number in a number column, a short text
without odd spaces, a drop-down label seen a thousand times already. Reading each of
them through :func:`sheet_parser.parse_value` cost 40 % of a 30,000-procedure import.
:func:`fast_reader` gives, per column, a function that returns the clean value of such a
cell, or :data:`SLOW` when the cell needs the general path (any text to fold, a unit, a
range, a ditto mark, a value out of range, a percent format …). A value is taken here
only when the general path would return the very same value and say nothing about it,
so the import's result and messages do not depend on which path read a cell.

:class:`CellRefs` replaces the per-record dict of cell references (one string per
column and row, 40 % of the memory of the parsed records) by the sheet's column letters
and the row number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from bpr_studio.io import normalize as nz
from bpr_studio.io.survey_format import Column

SLOW = object()  # "read this cell through the general path"
# False reads every cell through the general path (the tests compare both ways).
ENABLED = True

FastReader = Callable[[Any], Any]

# Text that clean_text returns unchanged: no leading, trailing, doubled or non-ASCII space.
_PLAIN_TEXT = re.compile(r"\S+(?: \S+)*")


class CellRefs(Mapping[str, str]):
    """Column key → cell reference ('F12') of one record, computed when asked."""

    __slots__ = ("letters", "row")

    def __init__(self, letters: dict[str, str], row: int) -> None:
        self.letters = letters  # column key → column letters, shared by the sheet's records
        self.row = row

    def __getitem__(self, key: str) -> str:
        return f"{self.letters[key]}{self.row}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CellRefs, (self.letters, self.row))


def _numeric_reader(column: Column, integer: bool, blank: bool) -> FastReader:
    low = column.minimum if column.minimum is not None else -nz.MAX_MAGNITUDE
    high = min(nz.MAX_MAGNITUDE,
               column.maximum if column.maximum is not None else nz.MAX_MAGNITUDE,
               column.warn_above if column.warn_above is not None else nz.MAX_MAGNITUDE)
    low = max(low, -nz.MAX_MAGNITUDE)
    percent = column.percent

    def read(raw: Any) -> Any:
        kind = type(raw)
        if kind is not float and kind is not int:
            if blank and (raw is None or raw == ""):
                return None
            return SLOW  # text, dates, booleans
        value = float(raw)
        if not low <= value <= high:  # NaN fails here too
            return SLOW
        if percent and 0 < value < 1:
            return SLOW  # 0.15 in a percent column: read as 15 % with a warning
        if integer:
            return int(value) if value.is_integer() else SLOW
        return value
    return read


def _text_reader(ascii_only: bool, blank: bool) -> FastReader:
    def read(raw: Any) -> Any:
        if blank and (raw is None or raw == ""):
            return None
        if type(raw) is not str or not _PLAIN_TEXT.fullmatch(raw) or nz.is_ditto(raw):
            return SLOW
        if ascii_only and not raw.isascii():
            return SLOW  # an ID is NFKC-folded: ＳＭ－００１ is SM-001
        return raw
    return read


def _remembering_reader(seen: dict[str, Any], blank: bool) -> FastReader:
    def read(raw: Any) -> Any:
        if blank and (raw is None or raw == ""):
            return None
        if type(raw) is not str:
            return SLOW
        return seen.get(raw, SLOW)
    return read


def blank_reader(raw: Any) -> Any:
    return None if raw is None or raw == "" else SLOW


def fast_reader(column: Column, seen: dict[str, Any] | None = None, *,
                blank: bool = False) -> FastReader | None:
    """The fast path of ``column``'s cells, or None when the column has none.

    For drop-down columns (codes, ○/×) ``seen`` holds the labels the general path has
    read already without a note; the caller adds to it (:func:`remember`). With
    ``blank`` (an optional column) an empty cell (None or '') reads as None, as the
    general path reads it, also where the column has no other fast path.
    """
    kind = column.kind
    if not ENABLED:
        return None
    if kind in ("minutes", "number"):
        return _numeric_reader(column, integer=False, blank=blank)
    if kind in ("int", "rating"):
        return _numeric_reader(column, integer=True, blank=blank)
    if kind == "text":
        return _text_reader(ascii_only=False, blank=blank)
    if kind == "id":
        return _text_reader(ascii_only=True, blank=blank)
    if kind in ("code", "bool") and seen is not None:
        return _remembering_reader(seen, blank)
    return blank_reader if blank else None


ColumnReader = Callable[[Sequence[Any]], list[Any]]
_BLANK_AS_NONE: dict[Any, Any] = {"": None}
_FIRST = itemgetter(0)
# A text starting with one of these may be a ditto mark (nz.is_ditto looks closer).
_DITTO_FIRST = frozenset(nz._DITTO_FIRST)


def column_reader(column: Column, fast: FastReader | None, *,
                  seen: dict[str, Any] | None = None,
                  blank: bool = False) -> ColumnReader | None:
    """``fast`` (a :func:`fast_reader` of ``column``) over a whole column at once: what
    ``list(map(fast, cells))`` gives, from a few C-level passes over the column when its
    cells allow (all plain texts, all numbers in range), else from ``fast`` cell by cell.
    A drop-down column (``seen``: the labels learnt so far, kept by the caller) is
    read cell by cell once it has learnt a label (labels are learnt in row order); before
    that, its reader only tells blanks from the rest."""
    if fast is None:
        return None
    kind = column.kind
    if kind in ("code", "bool") and seen is not None:
        return _labels_column(fast, seen, blank)
    if kind in ("text", "id"):
        return _text_column(fast, ascii_only=kind == "id", blank=blank)
    if kind in ("minutes", "number", "int", "rating") and not column.percent:
        return _numeric_column(column, fast, integer=kind in ("int", "rating"), blank=blank)
    return None


def _labels_column(fast: FastReader, seen: dict[str, Any], blank: bool) -> ColumnReader:
    blanks: dict[Any, Any] = {"": None, None: None} if blank else {}

    def read(raws: Sequence[Any]) -> list[Any]:
        if not seen:  # no label learnt yet: every cell but a blank one goes the general way
            try:
                return list(map(blanks.get, raws, repeat(SLOW)))
            except TypeError:  # a value that cannot be looked up (no reader gives one)
                pass
        return list(map(fast, raws))
    return read


def _text_column(fast: FastReader, ascii_only: bool, blank: bool) -> ColumnReader:
    def read(raws: Sequence[Any]) -> list[Any]:
        kinds = set(map(type, raws))
        if kinds <= {str} or (blank and kinds <= {str, type(None)}):
            texts = list(filter(None, raws))  # every non-empty cell ('' and None: blank)
            if (len(texts) == len(raws) or blank) and _all_plain(texts, ascii_only):
                return (list(map(_BLANK_AS_NONE.get, raws, raws)) if len(texts) < len(raws)
                        else list(raws))
        return list(map(fast, raws))
    return read


def _all_plain(texts: list[str], ascii_only: bool) -> bool:
    """Whether every one of ``texts`` (none empty) is what the text reader takes as it is:
    _PLAIN_TEXT (no white space but single inner spaces), not a ditto mark, ASCII for an
    ID — from C-level passes over the texts joined by line breaks. False may also mean
    "look at each" (a printable check refuses a few plain characters too)."""
    if not texts:
        return True
    joined = "\n".join(texts)
    return (joined.count("\n") == len(texts) - 1  # no text holds a line break
            and joined.replace("\n", " ").isprintable()  # no white space but spaces
            and "  " not in joined and " \n" not in joined and "\n " not in joined
            and joined[0] != " " and joined[-1] != " "
            and (not ascii_only or joined.isascii())
            and _DITTO_FIRST.isdisjoint(map(_FIRST, texts)))


def _numeric_column(column: Column, fast: FastReader, integer: bool,
                    blank: bool) -> ColumnReader:
    low = column.minimum if column.minimum is not None else -nz.MAX_MAGNITUDE
    high = min(nz.MAX_MAGNITUDE,
               column.maximum if column.maximum is not None else nz.MAX_MAGNITUDE,
               column.warn_above if column.warn_above is not None else nz.MAX_MAGNITUDE)
    low = max(low, -nz.MAX_MAGNITUDE)

    def read(raws: Sequence[Any]) -> list[Any]:
        kinds = set(map(type, raws))
        if kinds <= {float} or (blank and kinds <= {float, str, type(None)}):
            if kinds <= {float}:
                values = numbers = list(raws)
            else:  # blanks ('' or None) read as None; any other text stops here
                values = list(map(_BLANK_AS_NONE.get, raws, raws))
                numbers = [v for v in values if v is not None]
            if set(map(type, numbers)) <= {float} and (
                    not numbers or (sum(numbers) == sum(numbers)  # no NaN
                                    and low <= min(numbers) and max(numbers) <= high)):
                if not integer:
                    return values
                if all(map(float.is_integer, numbers)):
                    return [None if v is None else int(v) for v in values]
        return list(map(fast, raws))
    return read


def remembers(column: Column) -> bool:
    """Whether a label read by the general path may be remembered for ``column``."""
    return column.kind in ("code", "bool")


def remember(seen: dict[str, Any], raw: Any, value: Any) -> None:
    if type(raw) is str and not nz.is_ditto(raw):
        seen[raw] = value
