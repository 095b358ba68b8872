"""A procedure picker's list that stays quick with a prefecture's 30,000 procedures.

A QComboBox filled item by item builds 30,000 items on the GUI thread, and its completer,
filtering over the combo box's model, would call Python for every row at every key. Here
the combo box reads a lazy Python list model ('ID  name' shown, the ID as UserRole; only
the visible rows are asked for) and the completer filters a QStringListModel, whose rows
are the same and live in C++.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
)
from PySide6.QtWidgets import QComboBox, QCompleter

from ui.session_tasks import picker_texts

Index = QModelIndex | QPersistentModelIndex


class ProcedureListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.ids: list[str] = []
        self.texts: list[str] = []
        self._rows: dict[str, int] = {}

    def set_procedures(self, ids: list[str], names: list[str] | None = None,
                       texts: list[str] | None = None) -> None:
        """``texts`` ('ID  name', made by :func:`picker_texts` in a worker) or ``names``."""
        self.beginResetModel()
        self.ids = ids
        self.texts = texts if texts is not None else picker_texts(ids, names or [])
        self._rows = dict(zip(ids, range(len(ids)), strict=True))
        self.endResetModel()

    def row_of(self, procedure_id: str | None) -> int:
        """The row of a procedure, −1 if it is not listed (QComboBox.findData, at once)."""
        return self._rows.get(procedure_id, -1) if procedure_id is not None else -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.texts[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        return None


def procedure_picker(combo: QComboBox) -> tuple[ProcedureListModel, QStringListModel]:
    """Give an editable combo box the lazy list and a completer that filters in C++
    ('contains', popup); returns (list model, completer's model) to fill together."""
    model = ProcedureListModel(combo)
    combo.setModel(model)
    texts = QStringListModel(combo)
    completer = QCompleter(texts, combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return model, texts


def fill_picker(model: ProcedureListModel, texts: QStringListModel, ids: list[str],
                names: list[str] | None = None, shown: list[str] | None = None) -> None:
    model.set_procedures(ids, names, shown)
    texts.setStringList(model.texts)  # the same rows, in C++ for the completer
