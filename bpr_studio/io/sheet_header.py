"""Find the header of a survey sheet as people really lay it out.

- one header row anywhere in the first rows (titles and notes above it are fine);
- two header rows, where a group header (所要時間(分), often merged across columns) stands
  over sub-headers (最短 / 標準 / 最長): the sub-header names the column;
- old or alternative header names (標準時間 for 標準(分)): accepted through the aliases of
  :mod:`bpr_studio.io.survey_format`, and listed so the importer can say how it read them;
- a required column that is missing although a header close to it is there (標準時間数):
  :func:`closest_header` finds that cell, so the message can say what to rename.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from bpr_studio.io.survey_format import Column, SheetSpec, header_key
from bpr_studio.io.workbook_reader import RawSheet

HEADER_SEARCH_ROWS = 20
_SIMILAR_ENOUGH = 0.5
_UNIT_SUFFIX = re.compile(r"\(.*?\)$")


@dataclass
class Header:
    """Where the header is and what each of its columns means."""

    first: int  # 0-based index of the first header row
    last: int  # 0-based index of the last header row (data start below it)
    mapping: dict[int, Column]  # column index → format column
    texts: dict[int, str] = field(default_factory=dict)  # column index → header as written

    @property
    def two_rows(self) -> bool:
        return self.last > self.first

    def renamed(self) -> list[tuple[int, str, Column]]:
        """(column index, header as written, column) where the header is an alias."""
        result = []
        for c, column in sorted(self.mapping.items()):
            text = self.texts.get(c, "")
            canonical = {header_key(column.ja), header_key(column.en), header_key(column.key)}
            if header_key(text) not in canonical:
                result.append((c, text, column))
        return result


def _lookup(spec: SheetSpec) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in spec.columns:
        for key in column.header_keys():
            lookup.setdefault(key, column)
    return lookup


def _texts(row: list[Any]) -> dict[int, str]:
    return {c: value.strip() for c, value in enumerate(row)
            if isinstance(value, str) and value.strip()}


def _mapped(texts: dict[int, str], lookup: dict[str, Column]) -> dict[int, Column]:
    return {c: lookup[key] for c, text in texts.items() if (key := header_key(text)) in lookup}


def _only_text(row: list[Any]) -> bool:
    return all(isinstance(v, str) or v is None for v in row)


def _score(mapping: dict[int, Column]) -> int:
    return len({column.key for column in mapping.values()})


def locate_header(sheet: RawSheet, spec: SheetSpec) -> Header | None:
    """The best header among the first rows: one row, or a group row over a sub-header row."""
    lookup = _lookup(spec)
    best: Header | None = None
    best_score = 1  # need at least two recognised headers
    rows = sheet.rows[:HEADER_SEARCH_ROWS + 1]
    for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
        texts = _texts(rows[r])
        mapping = _mapped(texts, lookup)
        if _score(mapping) > best_score:
            best, best_score = Header(r, r, mapping, texts), _score(mapping)
        if r + 1 >= len(rows) or not _only_text(rows[r + 1]):
            continue  # a row below with numbers in it is data, not a sub-header
        sub_texts = _texts(rows[r + 1])
        sub = _mapped(sub_texts, lookup)
        if len(sub) < 2:
            continue  # a sub-header row names a group of columns
        # The sub-header names the column; a group header (所要時間(分)) above it does not.
        combined = {**mapping, **sub}
        combined_texts = {**texts, **{c: t for c, t in sub_texts.items()
                                      if c in sub or c not in texts}}
        if _score(combined) > best_score:
            best, best_score = Header(r, r + 1, combined, combined_texts), _score(combined)
    return best


def closest_header(header: Header, column: Column) -> tuple[int, str] | None:
    """The unrecognised header cell most like ``column`` (標準時間数 for 標準(分)), if any."""
    targets = {header_key(column.ja), header_key(_UNIT_SUFFIX.sub("", column.ja))}
    targets |= {header_key(a) for a in column.aliases}
    best: tuple[float, int, str] | None = None
    for c, text in header.texts.items():
        if c in header.mapping:
            continue
        key = header_key(text)
        ratio = max(difflib.SequenceMatcher(None, key, target).ratio() for target in targets)
        stem = header_key(_UNIT_SUFFIX.sub("", column.ja))
        if stem and stem in key:
            ratio = max(ratio, 0.9)
        if ratio >= _SIMILAR_ENOUGH and (best is None or ratio > best[0]):
            best = (ratio, c, text)
    return None if best is None else (best[1], best[2])
