"""Export the executive report from the app: choose scenario and file, run in a worker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog, QWidget

from analysis.montecarlo import SimulationCancelled
from bpr_studio.errors import describe_failure
from bpr_studio.loading import list_scenarios
from bpr_studio.store import open_project, open_snapshot
from ui.i18n import language, tr
from ui.notify import show_message
from ui.task_runner import TaskRunner


class ReportExporter(QObject):
    """Runs ``build_report`` off the GUI thread with a progress dialog and Cancel."""

    finished = Signal(object)  # the written path, or None

    def __init__(self, parent: QWidget,
                 simulation_of: Callable[[str], Any] | None = None) -> None:
        """``simulation_of(scenario)``: the simulation on screen for that scenario, if
        there is one for the current data; the report then prints exactly those figures
        instead of drawing new replications."""
        super().__init__(parent)
        self._parent = parent
        self._simulation_of = simulation_of or (lambda _name: None)
        self.runner = TaskRunner(self, cancel_exceptions=(SimulationCancelled,))
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.cancelled.connect(self._on_runner_cancelled)
        self.dialog: QProgressDialog | None = None

    def ask_and_start(self, project_path: Path) -> None:
        with open_project(project_path) as project:
            names = [s.name for s in list_scenarios(project)]
        name, ok = QInputDialog.getItem(self._parent, tr("export_report"), tr("choose_scenario"),
                                        names, 0, False)
        if not ok:
            return
        out, _ = QFileDialog.getSaveFileName(self._parent, tr("export_report"),
                                             f"BPR報告書_{name}.xlsx", tr("excel_filter"))
        if out:
            self.start(project_path, name, Path(out))

    def start(self, project_path: Path, scenario: str, out: Path) -> None:
        self.dialog = QProgressDialog(tr("report_running"), tr("cancel"), 0, 100, self._parent)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.runner.cancel)
        self.dialog.show()
        simulation = self._simulation_of(scenario)

        def task(progress, cancelled):
            # One frozen state, even while someone else imports into the project.
            with open_snapshot(project_path) as project:
                from bpr_studio.report.excel import build_report  # loads with its first use

                return build_report(project, scenario, out, simulation=simulation,
                                    progress=progress, cancel=cancelled)
        self.runner.start(task)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_runner_progressed(self, done: int, total: int, label: str) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        dialog.setMaximum(total)
        # A window-modal QProgressDialog processes events inside setValue: the result may
        # arrive there and close the dialog, so look again before the label.
        dialog.setValue(done)
        if label and self.dialog is dialog:
            dialog.setLabelText(f"{tr('report_running')}\n{label}")

    def _on_runner_succeeded(self, path: object) -> None:
        self._close_dialog()
        self.finished.emit(path)

    def _on_runner_failed(self, error: object) -> None:
        self._close_dialog()
        assert isinstance(error, BaseException)
        show_message(self._parent, tr("failed"), describe_failure(error, language()))
        self.finished.emit(None)

    def _on_runner_cancelled(self) -> None:
        self._close_dialog()
        self.finished.emit(None)
