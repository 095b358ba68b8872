"""Import warnings still open in the project (データ品質)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from ui.i18n import language, tr
from ui.lazy import LazyRefreshMixin
from ui.table_model import DataFrameTableModel


class QualityView(LazyRefreshMixin, QWidget):
    """Filled when shown (:class:`ui.lazy.LazyRefreshMixin`): every reload after an edit
    refilled it hidden (~17 ms of the GUI thread at 30,000 procedures)."""

    def __init__(self, session=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        if session is not None:
            session.loaded.connect(self.request_refresh)
        self.label = QLabel()
        self.model = DataFrameTableModel({
            "section": "課" if language() == "ja" else "Section", "file": tr("col_file"),
            "sheet": tr("col_sheet"), "cell": tr("col_cell"),
            f"message_{language()}": tr("col_message"), "value": tr("col_value")})
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Fitted to the first rows: a prefecture's thousands of warnings measured at every
        # load (Qt's default looks at 1,000 rows) held the GUI thread.
        self.table.horizontalHeader().setResizeContentsPrecision(60)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        data = self.session.data if self.session is not None else None
        if data is not None:
            self.set_issues(data.issues)

    def set_issues(self, issues: pd.DataFrame) -> None:
        self.model.set_frame(issues)
        self.label.setText(tr("quality_count", n=len(issues)))
        # Every column but the last fitted: the last stretches. Fitting it too, now that the
        # view fills as it is shown (not while hidden), left it narrow until a resize.
        for column in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(column)


if __name__ == "__main__":
    from ui.preview import preview

    preview("quality_view")
