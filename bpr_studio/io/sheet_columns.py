"""A sheet's parsed data rows kept as columns, for the reading processes' step rows.

The sheet parser reads a column at a time (sheet_parser._parse_rows) and used to turn
the columns into one dict per row: at 30,000 procedures that is 450,000 step records
of twenty-odd keys each, built in the reading processes only to be read back field by
field into table rows (step_rows.file_steps) and thrown away. :class:`SheetColumns`
keeps the columns as they were read; :meth:`SheetColumns.records` gives the very
records the parser gives (same keys in the same order, same values, same cell
references), for every path that needs records after all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bpr_studio.io.fast_cells import CellRefs

Record = dict[str, Any]


@dataclass
class SheetColumns:
    """The data rows of one sheet: ``values[k][i]`` is column ``keys[k]`` of the record
    at Excel row ``rows[i]``."""

    keys: list[str]  # the sheet's column keys, in the order of its columns
    values: list[list[Any]]
    rows: list[int]  # Excel row numbers (1-based)
    letters: dict[str, str]  # column key → column letters
    # Record index → {"typical_minutes": (low, high)}: a range typed as the typical time,
    # whose ends fill a blank minimum and maximum (apply_typical_range).
    ranges: dict[int, dict[str, tuple[float, float]]] = field(default_factory=dict)

    def column(self, key: str) -> list[Any] | None:
        """The values of ``key``'s column, or None when the sheet has no such column."""
        try:
            return self.values[self.keys.index(key)]
        except ValueError:
            return None

    def records(self) -> list[Record]:
        """One dict per row, exactly as sheet_parser gives them."""
        keys = ["_row", *self.keys]
        records = [dict(zip(keys, values, strict=True))
                   for values in zip(self.rows, *self.values, strict=True)]
        for i, record_ranges in self.ranges.items():
            apply_typical_range(records[i], record_ranges)
        letters = self.letters
        for record, excel_row in zip(records, self.rows, strict=True):
            record["_cells"] = CellRefs(letters, excel_row)
        return records


def apply_typical_range(record: Record, ranges: dict[str, tuple[float, float]]) -> None:
    """A range typed as the typical time fills a blank minimum and maximum with its ends."""
    span = ranges.get("typical_minutes")
    if span is None:
        return
    if record.get("min_minutes") is None:
        record["min_minutes"] = span[0]
    if record.get("max_minutes") is None:
        record["max_minutes"] = span[1]
