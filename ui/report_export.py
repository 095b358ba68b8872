"""Export the executive report from the app: choose scenario and file, run in a worker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from analysis.montecarlo import SimulationCancelled
from bpr_studio.loading import list_scenarios
from bpr_studio.store import open_project, open_snapshot
from ui.i18n import tr
from ui.modal_task import ModalTask


class ReportExporter(ModalTask):
    """Runs ``build_report`` off the GUI thread with a progress dialog and Cancel;
    ``finished`` carries the written path, or None."""

    def __init__(self, parent: QWidget,
                 simulation_of: Callable[[str], Any] | None = None) -> None:
        """``simulation_of(scenario)``: the simulation on screen for that scenario, if
        there is one for the current data; the report then prints exactly those figures
        instead of drawing new replications."""
        super().__init__(parent, "report_running", (SimulationCancelled,))
        self._simulation_of = simulation_of or (lambda _name: None)

    def ask_and_start(self, project_path: Path | str) -> None:
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

    def start(self, project_path: Path | str, scenario: str, out: Path) -> None:
        simulation = self._simulation_of(scenario)

        def task(progress, cancelled):
            # One frozen state, even while someone else imports into the project.
            with open_snapshot(project_path) as project:
                from bpr_studio.report.excel import build_report  # loads with its first use

                return build_report(project, scenario, out, simulation=simulation,
                                    progress=progress, cancel=cancelled)
        self.run(task)
