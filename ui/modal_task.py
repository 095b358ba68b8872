"""A file-writing task the user waits for: a window-modal progress dialog with Cancel over
a worker (``ui.task_runner``), and a clear message if it fails. The report and the BPMN
export are such tasks (``ui.report_export``, ``ui.bpmn_export``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from bpr_studio.errors import describe_failure
from ui.i18n import language, tr
from ui.notify import show_message
from ui.task_runner import Task, TaskRunner


class ModalTask(QObject):
    """Runs one task at a time behind a progress dialog; ``finished`` carries its result,
    or None when it failed (the user was told why) or was cancelled."""

    finished = Signal(object)

    def __init__(self, parent: QWidget, running_text: str,
                 cancel_exceptions: tuple[type[BaseException], ...]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._running_text = running_text  # ui.i18n key of the dialog's text
        self.runner = TaskRunner(self, cancel_exceptions=cancel_exceptions)
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.cancelled.connect(self._on_runner_cancelled)
        self.dialog: QProgressDialog | None = None

    def run(self, task: Task) -> None:
        """Show the dialog and start ``task`` (progress, cancelled) → result in a worker."""
        self.dialog = QProgressDialog(tr(self._running_text), tr("cancel"), 0, 100, self._parent)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.runner.cancel)
        self.dialog.show()
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
        dialog.setMaximum(max(total, 1))
        # A window-modal QProgressDialog processes events inside setValue: the result may
        # arrive there and close the dialog, so look again before the label.
        dialog.setValue(done)
        if label and self.dialog is dialog:
            dialog.setLabelText(f"{tr(self._running_text)}\n{label}")

    def _on_runner_succeeded(self, result: object) -> None:
        self._close_dialog()
        self.finished.emit(result)

    def _on_runner_failed(self, error: object) -> None:
        self._close_dialog()
        assert isinstance(error, BaseException)
        show_message(self._parent, tr("failed"), describe_failure(error, language()))
        self.finished.emit(None)

    def _on_runner_cancelled(self) -> None:
        self._close_dialog()
        self.finished.emit(None)
