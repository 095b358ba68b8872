"""Import a re-survey (再調査) as a survey round from the app: choose the workbooks, name
the round, import in a worker (``bpr_studio.io.survey_rounds.import_round``: the same
checks as a survey import, all or nothing), show the report and reload."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from ui.i18n import language, tr
from ui.notify import show_message
from ui.task_runner import TaskRunner


class RoundImporter(QObject):
    finished = Signal(bool)  # True when the round was written

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._name = ""
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)

    def ask_and_start(self, project_path: Path | str) -> None:
        files, _ = QFileDialog.getOpenFileNames(self._parent, tr("import_round"), "",
                                                tr("survey_filter"))
        if not files:
            return
        today = date.today()
        name, ok = QInputDialog.getText(self._parent, tr("import_round"), tr("import_round_name"),
                                        text=f"再調査 {today:%Y-%m}")
        if ok and name.strip():
            self.start(project_path, name.strip(), [Path(f) for f in files],
                       surveyed_on=f"{today:%Y-%m}")

    def start(self, project_path: Path | str, name: str, files: list[Path],
              surveyed_on: str = "") -> None:
        from bpr_studio.io.survey_rounds import import_round  # loaded with the action

        self._name = name
        self.runner.start(lambda progress, cancelled: import_round(
            project_path, name, files, surveyed_on=surveyed_on, progress=progress,
            cancel=cancelled))

    def _on_runner_succeeded(self, report: Any) -> None:
        if report.written:
            text = tr("import_round_done", name=self._name, sections="、".join(report.sections))
            warnings = report.format_text(language()) if report.warnings else ""
            show_message(self._parent, tr("import_round"), f"{text}\n\n{warnings}".strip(),
                         QMessageBox.Icon.Information)
        else:
            show_message(self._parent, tr("import_round"),
                         tr("import_round_failed", report=report.format_text(language())),
                         QMessageBox.Icon.Warning)
        self.finished.emit(bool(report.written))

    def _on_runner_failed(self, error: object) -> None:
        text = error.message(language()) if hasattr(error, "message") else str(error)
        show_message(self._parent, tr("failed"), text)
        self.finished.emit(False)
