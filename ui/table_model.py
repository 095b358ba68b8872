"""A read-only Qt table model over a pandas DataFrame, with display formatting.

Cells are formatted lazily in ``data()``, so a 45,000-row frame costs nothing until
rows scroll into view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


class DataFrameTableModel(QAbstractTableModel):
    """Columns in ``editable`` can be edited in place: the model does not change itself
    but emits ``edit_requested(row, column key, text)``; the owner turns that into an
    undoable core edit and the model is refreshed from the project."""

    edit_requested = Signal(int, str, str)

    def __init__(self, headers: dict[str, str] | None = None,
                 formatters: dict[str, Formatter] | None = None, parent: Any = None,
                 editable: set[str] | None = None, header_tips: dict[str, str] | None = None,
                 cell_tips: dict[str, str] | None = None) -> None:
        """``header_tips``: column → what the column means (shown over its header);
        ``cell_tips``: column → the frame column whose text explains each cell."""
        super().__init__(parent)
        self._header_tips = header_tips or {}
        self._cell_tips = cell_tips or {}
        self._editable = editable or set()
        self._frame = pd.DataFrame()
        self._wanted = headers
        self._columns: list[str] = []
        self._headers: list[str] = []
        self._formatters = formatters or {}
        self._values: list[list[Any]] = []

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show ``frame``: the columns named in ``headers`` (all when none), in that order."""
        self.beginResetModel()
        self._frame = frame.reset_index(drop=True)
        wanted = self._wanted or {c: str(c) for c in frame.columns}
        self._columns = [c for c in wanted if c in self._frame.columns]
        self._headers = [wanted[c] for c in self._columns]
        # Column lists of Python objects: fast random access from data().
        self._values = [self._frame[c].astype(object).tolist() for c in self._columns]
        self.endResetModel()

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._values[index.column()][index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            formatter = self._formatters.get(self._columns[index.column()], default_format)
            return formatter(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._cell_tips.get(self._columns[index.column()])
            return None if tip is None else str(self._frame[tip].iat[index.row()])
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
        return self._frame.iloc[row]
