"""A read-only Qt table model over a pandas DataFrame, with display formatting.

Cells are formatted lazily in ``data()``, so a 45,000-row frame costs nothing until
rows scroll into view. Filtering and sorting are done by the model with pandas, over all
rows at once (:meth:`DataFrameTableModel.show_rows`, :meth:`DataFrameTableModel.sort`):
a QSortFilterProxyModel calls Python once per row (and per comparison when sorting),
which holds the GUI thread for a second with a prefecture's 30,000 procedures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Formatter = Callable[[Any], str]
Index = QModelIndex | QPersistentModelIndex


def default_format(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "○" if value else "×"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# The roles data() answers; a painted cell is asked for about ten.
_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole,
                    Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole,
                    Qt.ItemDataRole.TextAlignmentRole})


class DataFrameTableModel(QAbstractTableModel):
    """Columns in ``editable`` can be edited in place: the model does not change itself
    but emits ``edit_requested(row shown, column key, text)`` (``row(row)`` is its frame
    row); the owner turns that into an
    undoable core edit and the model is refreshed from the project."""

    edit_requested = Signal(int, str, str)

    def __init__(self, headers: dict[str, str] | None = None,
                 formatters: dict[str, Formatter] | None = None, parent: Any = None,
                 editable: set[str] | None = None, header_tips: dict[str, str] | None = None,
                 cell_tips: dict[str, str] | None = None, key: str | None = None) -> None:
        """``header_tips``: column → what the column means (shown over its header);
        ``cell_tips``: column → the frame column whose text explains each cell; ``key``:
        the column that names a row (a reloaded frame with the same keys is refreshed in
        place, :meth:`set_frame`; :meth:`find` looks a row up by it)."""
        super().__init__(parent)
        self._key = key
        self._positions: dict[Any, int] | None = None  # key → frame row, made on first find
        self._header_tips = header_tips or {}
        self._cell_tips = cell_tips or {}
        self._editable = editable or set()
        self._frame = pd.DataFrame()
        self._wanted = headers
        self._columns: list[str] = []
        self._headers: list[str] = []
        self._formatters = formatters or {}
        # Column lists of Python objects, made when a column is first shown (fast random
        # access from data(); converting every column at once costs a city-sized frame).
        self._values: list[list[Any] | None] = []
        # The frame rows shown, in display order (None: all, in frame order), and the
        # sort asked for (column key, ascending), kept over new frames and filters.
        self._shown: np.ndarray | None = None
        self._sorted_by: tuple[str, bool] | None = None

    def set_frame(self, frame: pd.DataFrame, rows: np.ndarray | None = None) -> None:
        """Show ``frame``: the columns named in ``headers`` (all when none), in that order;
        ``rows``: only those frame rows (positions), e.g. a filter's.

        With a ``key`` column (the model's constructor) and a new frame holding the same
        keys in the same order and the same columns (the project reloaded after an edit),
        the rows are refreshed in place: no model reset, so the view keeps its selection,
        current cell and scroll position, and redraws only what is shown (a reset of a
        prefecture's 30,000 rows cost the GUI thread most of a survey edit)."""
        frame = frame.reset_index(drop=True)
        if self._same_rows(frame):
            self._refresh_in_place(frame, rows)
            return
        self.beginResetModel()
        self._frame = frame
        wanted = self._wanted or {c: str(c) for c in frame.columns}
        self._columns = [c for c in wanted if c in self._frame.columns]
        self._headers = [wanted[c] for c in self._columns]
        self._values = [None] * len(self._columns)
        self._positions = None
        self._shown = self._ordered(rows)
        self.endResetModel()

    def _keys(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self._key].to_numpy(dtype=object)

    def _same_rows(self, frame: pd.DataFrame) -> bool:
        """``frame`` has this model's rows (by key, in order) and columns."""
        if self._key is None or self._key not in frame.columns or self._key not in self._frame:
            return False
        if len(frame) != len(self._frame) or list(frame.columns) != list(self._frame.columns):
            return False
        return bool(np.array_equal(self._keys(frame), self._keys(self._frame)))

    def _refresh_in_place(self, frame: pd.DataFrame, rows: np.ndarray | None) -> None:
        shown = self._shown
        self._frame = frame
        self._values = [None] * len(self._columns)
        new_shown = self._ordered(rows)
        same_order = (shown is None and new_shown is None) or (
            shown is not None and new_shown is not None and np.array_equal(shown, new_shown))
        if same_order:
            if self.rowCount() and self._columns:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self.rowCount() - 1, len(self._columns) - 1))
            return
        # An edited value moved its row in the sort, or the filter now keeps other rows:
        # the rows are re-laid out, the selection and current cell follow their rows.
        self._relayout(lambda: setattr(self, "_shown", new_shown))

    def _relayout(self, change: Callable[[], None]) -> None:
        """Apply ``change`` (a new order or subset of the rows shown) as a layout change:
        persistent indexes (the selection, the current cell) follow their frame rows."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        frame_rows = [self._frame_row(i.row()) for i in persistent]
        change()
        if persistent:
            moved = []
            for index, frame_row in zip(persistent, frame_rows, strict=True):
                row = self.view_row(frame_row)
                moved.append(QModelIndex() if row is None else self.index(row, index.column()))
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def find(self, value: Any) -> int | None:
        """The frame row whose key is ``value`` (None: none). A hash lookup: comparing a
        30,000-row text column with ``==`` took 40 ms, three times per reload."""
        if self._key is None or self._key not in self._frame.columns:
            return None
        if self._positions is None:
            self._positions = {key: row for row, key in enumerate(self._keys(self._frame))}
        return self._positions.get(value)

    def show_rows(self, rows: np.ndarray | None) -> None:
        """Show only these frame rows (positions; None = all), in the current sort order."""
        self.beginResetModel()
        self._shown = self._ordered(rows)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the shown rows by a column's raw values (blanks last), over all rows at once;
        column −1: back to the frame's order."""
        def change() -> None:
            if 0 <= column < len(self._columns):
                self._sorted_by = (self._columns[column], order == Qt.SortOrder.AscendingOrder)
                self._shown = self._ordered(self._shown)
            else:
                self._sorted_by = None
                self._shown = None if self._shown is None else np.sort(self._shown)
        # The selection and current cell follow their rows (persistent indexes).
        self._relayout(change)

    def _ordered(self, rows: np.ndarray | None) -> np.ndarray | None:
        if self._sorted_by is None or self._sorted_by[0] not in self._frame.columns:
            return None if rows is None else np.asarray(rows, dtype=np.int64)
        key, ascending = self._sorted_by
        positions = np.arange(len(self._frame)) if rows is None else np.sort(rows)
        values = self._frame[key].iloc[positions].reset_index(drop=True)
        try:
            order = values.sort_values(ascending=ascending, kind="stable",
                                       na_position="last").index.to_numpy()
        except TypeError:  # mixed types in one column: compare their text
            order = values.astype(str).sort_values(ascending=ascending,
                                                   kind="stable").index.to_numpy()
        return positions[order]

    def _frame_row(self, row: int) -> int:
        return row if self._shown is None else int(self._shown[row])

    def view_row(self, frame_row: int) -> int | None:
        """Where a frame row is shown (None: filtered out)."""
        if self._shown is None:
            return frame_row if 0 <= frame_row < len(self._frame) else None
        found = np.flatnonzero(self._shown == frame_row)
        return int(found[0]) if len(found) else None

    def _column_values(self, column: int) -> list[Any]:
        values = self._values[column]
        if values is None:
            values = self._values[column] = self._frame[self._columns[column]].astype(
                object).tolist()
        return values

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return len(self._frame) if self._shown is None else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _ROLES:
            return None  # asked for every cell painted: font, colours, check state ...
        row = self._frame_row(index.row())
        value = self._column_values(index.column())[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            formatter = self._formatters.get(self._columns[index.column()], default_format)
            return formatter(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._cell_tips.get(self._columns[index.column()])
            return None if tip is None else str(self._frame[tip].iat[row])
        if role == Qt.ItemDataRole.UserRole:  # raw value, for sorting and filtering
            return None if isinstance(value, float) and pd.isna(value) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self._columns[index.column()] in self._editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.edit_requested.emit(index.row(), self._columns[index.column()], str(value))
        return False  # the project is the truth; the model reloads from it

    def column_key(self, column: int) -> str:
        return self._columns[column]

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._header_tips.get(self._columns[section])
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)

    def row(self, row: int) -> pd.Series:
        """The frame row shown at display row ``row``."""
        return self._frame.iloc[self._frame_row(row)]
