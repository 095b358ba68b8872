"""ファイル > BPMN書き出し…: choose as-is or a scenario, which procedures, and the file; the
export runs in a worker (``bpr_studio.io.bpmn_export``, the same as ``bpr-studio export-bpmn``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog, QWidget

from bpr_studio.errors import describe_failure
from bpr_studio.loading import list_scenarios
from bpr_studio.queries import procedures_frame
from bpr_studio.store import open_project, open_snapshot
from ui.i18n import language, tr
from ui.notify import show_message
from ui.task_runner import TaskRunner


class _ExportCancelled(Exception):
    """The writer's own cancellation, re-raised so that the writer loads only when used."""


class BpmnExporter(QObject):
    """Asks what to export, then writes the BPMN file off the GUI thread with Cancel."""

    finished = Signal(object)  # the BpmnExport, or None

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.runner = TaskRunner(self, cancel_exceptions=(_ExportCancelled,))
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.cancelled.connect(self._on_runner_cancelled)
        self.dialog: QProgressDialog | None = None

    def ask_and_start(self, project_path: Path) -> None:
        with open_project(project_path) as project:
            scenarios = [s.name for s in list_scenarios(project)]
            sections = sorted(set(procedures_frame(project)["section"].dropna()))
        as_is = tr("bpmn_as_is")
        state, ok = QInputDialog.getItem(self._parent, tr("export_bpmn"), tr("bpmn_which_state"),
                                         [as_is, *scenarios], 0, False)
        if not ok:
            return
        everything = tr("bpmn_all_sections")
        scope, ok = QInputDialog.getItem(self._parent, tr("export_bpmn"), tr("bpmn_which_section"),
                                         [everything, *sections], 0, False)
        if not ok:
            return
        stem = "全手続" if scope == everything else scope
        suffix = "" if state == as_is else f"_{state}"
        out, _ = QFileDialog.getSaveFileName(self._parent, tr("export_bpmn"),
                                             f"{stem}{suffix}.bpmn", tr("bpmn_filter"))
        if out:
            self.start(project_path, None if state == as_is else state,
                       [] if scope == everything else [scope], Path(out))

    def start(self, project_path: Path, scenario: str | None, sections: list[str],
              out: Path) -> None:
        self.dialog = QProgressDialog(tr("bpmn_running"), tr("cancel"), 0, 100, self._parent)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.runner.cancel)
        self.dialog.show()
        lang = language()

        def task(progress, cancelled):
            # Imported here: the BPMN writer and its layout need not load with the window.
            from bpr_studio.io.bpmn_export import ExportCancelled, export_project_bpmn

            with open_snapshot(project_path) as project:
                try:
                    return export_project_bpmn(project, out, scenario, (), sections, lang,
                                               progress, cancelled)
                except ExportCancelled as exc:
                    raise _ExportCancelled from exc
        self.runner.start(task)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_runner_progressed(self, done: int, total: int, _label: str) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(done)

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
