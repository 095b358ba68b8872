"""Import warnings still open in the project (データ品質)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from ui.i18n import language, tr
from ui.table_model import DataFrameTableModel


class QualityView(QWidget):
    def __init__(self, session=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if session is not None:
            session.loaded.connect(lambda: self.set_issues(session.data.issues))
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

    def set_issues(self, issues: pd.DataFrame) -> None:
        self.model.set_frame(issues)
        self.label.setText(tr("quality_count", n=len(issues)))
        self.table.resizeColumnsToContents()


if __name__ == "__main__":
    from ui.preview import preview

    preview("quality_view")
