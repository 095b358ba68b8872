"""ファイル > BPMN書き出し…: choose as-is or a scenario, which procedures, and the file; the
export runs in a worker (``bpr_studio.io.bpmn_export``, the same as ``bpr-studio export-bpmn``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from bpr_studio.loading import list_scenarios
from bpr_studio.queries import procedures_frame
from bpr_studio.store import open_project, open_snapshot
from ui.i18n import language, tr
from ui.modal_task import ModalTask


class _ExportCancelled(Exception):
    """The writer's own cancellation, re-raised so that the writer loads only when used."""


class BpmnExporter(ModalTask):
    """Asks what to export, then writes the BPMN file off the GUI thread with Cancel;
    ``finished`` carries the BpmnExport, or None."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "bpmn_running", (_ExportCancelled,))

    def ask_and_start(self, project_path: Path | str) -> None:
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

    def start(self, project_path: Path | str, scenario: str | None, sections: list[str],
              out: Path) -> None:
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
        self.run(task)
