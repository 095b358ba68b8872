"""他の自治体と比較: this project beside other cities' projects on their shared 手続ID.

The comparison (``bpr_studio.pipeline.compare_projects``, docs/peers.md) runs in a worker
with Cancel; the table lists every shared procedure with each city's staff minutes per
case, its ratio to the median (red above the threshold) and the median, sortable; the
sheet 自治体比較 can be saved as Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analysis.montecarlo import SimulationCancelled
from bpr_studio.store import project_label
from ui.i18n import language, tr
from ui.notify import show_message
from ui.table_model import DataFrameTableModel
from ui.task_runner import TaskRunner

SLOWER = QColor("#C00000")


class _RatioModel(DataFrameTableModel):
    """Ratios above the threshold in red, as on the printed sheet."""

    def __init__(self, slower_at: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slower_at = slower_at

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole and self.column_key(
                index.column()).startswith(("ratio_", "to_be_ratio_")):
            value = super().data(index, Qt.ItemDataRole.UserRole)
            if value is not None and value > self.slower_at:
                return QBrush(SLOWER)
        return super().data(index, role)


class PeersDialog(QDialog):
    def __init__(self, project_path: Path | str, scenario: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("peers_title"))
        self.resize(1100, 700)
        self.project_path = project_path
        self.scenario = scenario
        self.comparison: Any = None
        self.runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.finished.connect(self._update_buttons)
        self.files = QListWidget()
        self.files.setMaximumHeight(90)
        self.files.addItem(f"{project_label(project_path)}（{tr('peers_this_project')}）")
        add = QPushButton(tr("peers_add"))
        add.clicked.connect(self._on_add_clicked)
        self.compare_button = QPushButton(tr("peers_compare"))
        self.compare_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(tr("cancel"))
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.save_button = QPushButton(tr("peers_save"))
        self.save_button.clicked.connect(self._on_save_clicked)
        self.summary = QLabel(tr("peers_hint", scenario=scenario))
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.model: _RatioModel | None = None
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        buttons = QHBoxLayout()
        for button in (add, self.compare_button, self.cancel_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.files)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.others: list[Path] = []
        self._update_buttons()

    def add_projects(self, paths: list[Path]) -> None:
        for path in paths:
            if path != self.project_path and path not in self.others:
                self.others.append(path)
                self.files.addItem(str(path))
        self._update_buttons()

    def _on_add_clicked(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, tr("peers_add"), "", tr("peers_filter"))
        self.add_projects([Path(n) for n in names])

    def start(self) -> None:
        targets = [self.project_path, *self.others]
        scenario = self.scenario

        def task(_progress, cancelled):
            from bpr_studio.pipeline import compare_projects  # loads with its first use

            return compare_projects(targets, scenario, cancel=cancelled)
        self.summary.setText(tr("peers_running"))
        self.runner.start(task)
        self._update_buttons()

    def _on_runner_succeeded(self, comparison: Any) -> None:
        self.comparison = comparison
        ja = language() == "ja"
        lines = [tr("peers_shared", count=f"{len(comparison.rows):,}",
                    scenario=self.scenario)]
        for s in comparison.summaries:
            lines.append(tr("peers_city", city=s.city, matched=f"{s.matched:,}",
                            slower=f"{s.slower:,}", at=f"{comparison.slower_at:g}",
                            hours=f"{s.gap_hours:,.0f}")
                         + ("" if s.slower_after is None
                            else tr("peers_after", after=f"{s.slower_after:,}")))
        lines.append(tr("peers_caveat"))
        self.summary.setText("\n".join(lines))
        headers = {"procedure_id": "手続ID" if ja else "ID", "name": "手続名" if ja else "Procedure"}
        for city in comparison.cities:
            headers[f"minutes_per_case_{city}"] = f"{city}\n{'分/件' if ja else 'min/case'}"
            headers[f"ratio_{city}"] = f"{city}\n{'比' if ja else 'ratio'}"
            headers[f"to_be_ratio_{city}"] = f"{city}\n{'改善後の比' if ja else 'after'}"
        headers["minutes_per_case_median"] = "中央値\n分/件" if ja else "median\nmin/case"
        def number(digits: int):  # one figure a column: 12.0 minutes reads "12.0", not "12"
            return lambda v: "" if v is None or pd.isna(v) else f"{v:,.{digits}f}"
        formats = {k: number(2 if "ratio_" in k else 1)
                   for k in headers if k.startswith(("ratio_", "to_be_ratio_", "minutes_"))}
        self.model = _RatioModel(comparison.slower_at, headers=headers, formatters=formats,
                                 parent=self)
        self.model.set_frame(comparison.rows.reset_index())
        self.proxy.setSourceModel(self.model)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # by 手続ID
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 260))

    def _on_runner_failed(self, error: object) -> None:
        text = error.args[0] if isinstance(error, (ValueError, KeyError)) and error.args else (
            error.message(language()) if hasattr(error, "message") else str(error))
        self.summary.setText("")
        show_message(self, tr("peers_title"), str(text))

    def _on_save_clicked(self) -> None:
        if self.comparison is None:
            return
        out, _ = QFileDialog.getSaveFileName(self, tr("peers_save"), "自治体比較.xlsx",
                                             tr("excel_filter"))
        if out:
            from bpr_studio.report.peers_sheet import write_peers_workbook

            try:
                path = write_peers_workbook(self.comparison, self.scenario, Path(out))
            except OSError as exc:
                show_message(self, tr("peers_title"), str(exc))
                return
            self.summary.setText(self.summary.text() + "\n" + tr("report_saved", path=path))

    def _update_buttons(self) -> None:
        running = self.runner.running
        self.compare_button.setEnabled(bool(self.others) and not running)
        self.cancel_button.setEnabled(running)
        self.save_button.setEnabled(self.comparison is not None and not running)

    def reject(self) -> None:
        self.runner.stop()
        super().reject()
