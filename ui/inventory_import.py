"""Import the national procedure inventory (悉皆調査 CSV) from the app: choose the file,
give the city's population, import in a worker, show the report and reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from ui.i18n import language, tr
from ui.notify import show_message
from ui.task_runner import TaskRunner


class InventoryImporter(QObject):
    finished = Signal(bool)  # True when the inventory was written to the project

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)

    def ask_and_start(self, project_path: Path | str) -> None:
        csv, _ = QFileDialog.getOpenFileName(self._parent, tr("inventory_title"), "",
                                             tr("csv_filter"))
        if not csv:
            return
        population, ok = QInputDialog.getInt(self._parent, tr("inventory_title"),
                                             tr("inventory_population"), 100_000, 1, 40_000_000,
                                             1000)
        if ok:
            self.start(project_path, Path(csv), population)

    def start(self, project_path: Path | str, csv: Path, population: int) -> None:
        from bpr_studio.io.inventory import import_inventory  # loads with its first use

        self.runner.start(lambda progress, cancelled: import_inventory(project_path, csv,
                                                                       population))

    def _on_runner_succeeded(self, report: Any) -> None:
        text = report.format_text(language())
        if report.written:
            from bpr_studio.io.inventory import ATTRIBUTION

            text += "\n\n" + ATTRIBUTION
        show_message(self._parent, tr("inventory_title"), text,
                     QMessageBox.Icon.Information if report.ok else QMessageBox.Icon.Warning)
        self.finished.emit(bool(report.written))

    def _on_runner_failed(self, error: object) -> None:
        text = error.message(language()) if hasattr(error, "message") else str(error)
        show_message(self._parent, tr("failed"), text)
        self.finished.emit(False)
