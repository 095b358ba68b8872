"""The main window: a thin shell that opens projects and assembles the views.

Readers and writers of files (openpyxl, calamine, lxml, the BPMN layout) are imported by
the actions that use them, not with the window: it must show within 2 s (issue 12).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from bpr_studio.errors import describe_failure
from bpr_studio.store import (
    PROJECT_SUFFIX,
    ProjectError,
    create_project,
    display_location,
    open_project,
    project_label,
    save_copy,
)
from ui.assumptions_view import AssumptionsView
from ui.bpmn_export import BpmnExporter
from ui.chart_canvas import wait_for_renders
from ui.comparison_view import ComparisonView
from ui.dashboard_view import DashboardView
from ui.effect_view import EffectView
from ui.flow_view import FlowView
from ui.i18n import language, tr
from ui.inventory_import import InventoryImporter
from ui.investment_view import InvestmentView
from ui.journey_view import JourneyView
from ui.landing_view import LandingView
from ui.notify import show_message
from ui.procedure_view import ProcedureView
from ui.quality_view import QualityView
from ui.report_export import ReportExporter
from ui.round_import import RoundImporter
from ui.scenario_view import ScenarioView
from ui.session import ProjectSession
from ui.survey_view import SurveyView

if TYPE_CHECKING:
    from ui.database_dialog import DatabaseDialog
    from ui.import_dialog import ImportDialog

MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings("BPRStudio", "BPR Studio")
        self.session = ProjectSession(self)
        self.setWindowTitle(tr("app_title"))
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.landing_view = LandingView(self.session)
        self.dashboard_view = DashboardView(self.session)
        self.survey_view = SurveyView(self.session)
        self.procedure_view = ProcedureView(self.session)
        self.flow_view = FlowView(self.session)
        self.scenario_view = ScenarioView(self.session)
        self.comparison_view = ComparisonView(self.session)
        self.investment_view = InvestmentView(self.session)
        self.effect_view = EffectView(self.session)
        self.journey_view = JourneyView(self.session)
        self.assumptions_view = AssumptionsView(self.session)
        self.quality_view = QualityView(self.session)
        self.nav = QListWidget()
        self.nav.setFixedWidth(150)
        self.nav.setStyleSheet("QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        for key, view in (("nav_landing", self.landing_view),
                          ("nav_dashboard", self.dashboard_view), ("nav_survey", self.survey_view),
                          ("nav_procedure", self.procedure_view), ("nav_flow", self.flow_view),
                          ("nav_scenario", self.scenario_view),
                          ("nav_comparison", self.comparison_view),
                          ("nav_investment", self.investment_view),
                          ("nav_journeys", self.journey_view),
                          ("nav_assumptions", self.assumptions_view),
                          ("nav_quality", self.quality_view),
                          ("nav_effect", self.effect_view)):
            self.nav.addItem(tr(key))
            self.stack.addWidget(view)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.busy_label = QLabel()
        self.statusBar().addPermanentWidget(self.busy_label)
        self.report_exporter = ReportExporter(self, self.session.simulation_for)
        self.bpmn_exporter = BpmnExporter(self)
        self.bpmn_exporter.finished.connect(self._on_bpmn_finished)
        self.report_exporter.finished.connect(self._on_report_finished)
        self.inventory_importer = InventoryImporter(self)
        self.inventory_importer.finished.connect(self._on_inventory_finished)
        self.round_importer = RoundImporter(self)
        self.round_importer.finished.connect(self._on_round_import_finished)
        self.landing_view.open_flow.connect(self.show_flow)
        self.comparison_view.open_flow.connect(self.show_flow)
        self.landing_view.action_requested.connect(self._on_landing_action_requested)
        self.session.loaded.connect(self._on_session_loaded)
        self.session.failed.connect(self._on_session_failed)
        self.session.busy.connect(self._on_session_busy)
        self._build_menus()
        self._restore_state()

    # --- menus ---------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("menu_file"))
        self._add_action(file_menu, "new_project", self._on_new_triggered, QKeySequence.StandardKey.New)
        self._add_action(file_menu, "open_project", self._on_open_triggered,
                         QKeySequence.StandardKey.Open)
        self._add_action(file_menu, "open_database", self._on_open_database_triggered)
        self.recent_menu = file_menu.addMenu(tr("recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._add_action(file_menu, "save_as", self._on_save_as_triggered,
                         QKeySequence.StandardKey.SaveAs)
        file_menu.addSeparator()
        self.import_action = self._add_action(file_menu, "import_surveys", self._on_import_triggered,
                                              QKeySequence("Ctrl+I"))
        self.inventory_action = self._add_action(file_menu, "import_inventory",
                                                 self._on_import_inventory_triggered)
        self._add_action(file_menu, "import_round", self._on_import_round_triggered)
        self._add_action(file_menu, "undo_import", self._on_undo_import_triggered)
        self._add_action(file_menu, "save_template", self._on_save_template_triggered)
        self._add_action(file_menu, "export_report", self._on_export_report_triggered,
                         QKeySequence("Ctrl+E"))
        self._add_action(file_menu, "export_bpmn", self._on_export_bpmn_triggered)
        self._add_action(file_menu, "compare_cities", self._on_compare_cities_triggered)
        file_menu.addSeparator()
        self._add_action(file_menu, "quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu(tr("menu_edit"))
        undo = self.session.undo_stack.createUndoAction(self, tr("undo"))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.session.undo_stack.createRedoAction(self, tr("redo"))
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        self._build_toolbar(undo, redo)
        view_menu = self.menuBar().addMenu(tr("menu_view"))
        language_menu = view_menu.addMenu(tr("language"))
        for code, label in (("ja", "日本語"), ("en", "English")):
            action = language_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(language() == code)
            action.triggered.connect(lambda _checked=False, c=code: self._on_language_chosen(c))

    def _build_toolbar(self, undo: QAction, redo: QAction) -> None:
        """Our own toolbar, in the UI language: the steps a user takes most."""
        bar = self.addToolBar(tr("toolbar"))
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(16, 16))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for key, slot in (("tb_open", self._on_open_triggered),
                          ("tb_import", self._on_import_triggered),
                          ("tb_report", self._on_export_report_triggered)):
            action = QAction(tr(key), self)
            action.triggered.connect(lambda _c=False, f=slot: f())
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(undo)
        bar.addAction(redo)

    def show_flow(self, procedure_id: str) -> None:
        """Show a procedure's process flow (from the landing view's ranked list)."""
        self.session.select(procedure_id)
        show = getattr(self.flow_view, "show_procedure", None)
        if show is not None:
            show(procedure_id)
        self.nav.setCurrentRow(self.stack.indexOf(self.flow_view))

    def _on_landing_action_requested(self, key: str) -> None:
        actions: dict[str, Callable[[], object]] = {
            "template": self._on_save_template_triggered, "import": self._on_import_triggered,
            "inventory": self._on_import_inventory_triggered}
        actions[key]()

    def _on_import_inventory_triggered(self) -> None:
        if self.session.path is not None:
            self.inventory_importer.ask_and_start(self.session.path)

    def _on_inventory_finished(self, written: bool) -> None:
        if written:
            self.session.reload()

    def _on_import_round_triggered(self) -> None:
        if self.session.path is not None:
            self.round_importer.ask_and_start(self.session.path)

    def _on_round_import_finished(self, written: bool) -> None:
        if written:  # the baseline is unchanged; the 効果測定 view reads the new round
            self.effect_view.request_refresh()
            self.nav.setCurrentRow(self.stack.indexOf(self.effect_view))

    def _add_action(self, menu, key: str, slot, shortcut=None) -> QAction:
        action = QAction(tr(key), self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- projects ------------------------------------------------------------
    def open_path(self, path: Path | str) -> bool:
        """Open a project file, or a database given by its URL (a str: postgresql://…)."""
        try:
            self.session.open(path)
        except ProjectError as exc:
            show_message(self, tr("open_failed"), exc.message(language()))
            return False
        self._remember_recent(path)
        self.setWindowTitle(f"{project_label(path)} — {tr('app_title')}")
        self.statusBar().showMessage(tr("loading"))
        return True

    @property
    def project(self):
        return self.session.project

    def _on_session_loaded(self) -> None:
        data = self.session.data
        if data is None or self.session.path is None:
            return
        self.statusBar().showMessage(tr("status_loaded", name=project_label(self.session.path),
                                        procedures=len(data.procedures), steps=data.step_count))

    def _on_session_failed(self, text: str) -> None:
        show_message(self, tr("failed"), text)

    def _on_session_busy(self, busy: bool) -> None:
        self.busy_label.setText(tr("loading") if busy else "")

    def _on_new_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("new_project"), "", tr("project_filter"))
        if not path:
            return
        target = Path(path).with_suffix(PROJECT_SUFFIX)
        try:
            create_project(target).close()
        except (ProjectError, OSError) as exc:
            show_message(self, tr("open_failed"), str(exc))
            return
        self.open_path(target)

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("open_project"), "", tr("project_filter"))
        if path:
            self.open_path(Path(path))

    def _on_open_database_triggered(self) -> DatabaseDialog:
        from ui.database_dialog import DatabaseDialog

        dialog = DatabaseDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.open_path(dialog.url()))
        dialog.open()
        return dialog

    def _on_save_as_triggered(self) -> None:
        if self.session.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("save_as"), "", tr("project_filter"))
        if not path:
            return
        target = Path(path).with_suffix(PROJECT_SUFFIX)
        if self.session.project.path is None:  # a shared database: copied into a file
            from bpr_studio.project_copy import copy_project

            try:
                source = self.session.path
                assert source is not None
                copy_project(source, target, replace=True)
            except ProjectError as exc:
                show_message(self, tr("failed"), exc.message(language()))
                return
        else:
            target = save_copy(self.session.project, target)
        self.open_path(target)

    def _on_import_triggered(self, files: list[Path] | None = None) -> ImportDialog | None:
        if self.session.path is None:
            return None
        from ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.session.path, files or [], self)
        dialog.imported.connect(self.session.reload)
        dialog.open()
        return dialog

    def _on_undo_import_triggered(self) -> QMessageBox | None:
        """Ask, then put back what the newest import replaced (bpr-studio undo-import)."""
        if self.session.path is None:
            return None
        from bpr_studio.io.import_history import list_imports

        try:
            with open_project(self.session.path) as project:
                last = next(iter(list_imports(project)), None)
        except ProjectError as exc:
            show_message(self, tr("failed"), exc.message(language()))
            return None
        if last is None or not last["undoable"]:
            return show_message(self, tr("undo_import"), tr("undo_import_none"))
        box = QMessageBox(QMessageBox.Icon.Question, tr("undo_import"), tr(
            "undo_import_confirm", when=last["imported_at"][:16], files=", ".join(last["files"]),
            sections="、".join(last["sections"]) or "-"),
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self._undo_last_import)
        box.open()
        return box

    def _undo_last_import(self) -> None:
        if self.session.path is None:
            return
        from bpr_studio.io.import_history import describe_undo, undo_last_import

        try:
            with open_project(self.session.path) as project:
                undone = undo_last_import(project)
        except Exception as exc:  # noqa: BLE001 — the GUI boundary: a message, never a crash
            show_message(self, tr("failed"), describe_failure(exc, language(),
                                                              str(self.session.path)))
            return
        self.statusBar().showMessage(describe_undo(undone, language()), 10000)
        self.session.reload()

    def _on_save_template_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("save_template"), "業務量調査票.xlsx",
                                              tr("excel_filter"))
        if path:
            from bpr_studio.io.template import write_template

            written = write_template(Path(path))
            self.statusBar().showMessage(tr("template_saved", path=written), 8000)

    def _on_language_chosen(self, code: str) -> None:
        self.settings.setValue("lang", code)
        show_message(self, tr("language"), tr("language_restart"))

    def _on_export_report_triggered(self) -> None:
        if self.session.path is not None:
            self.report_exporter.ask_and_start(self.session.path)

    def _on_compare_cities_triggered(self) -> QWidget | None:
        """This project beside other cities' projects (ui.peers_dialog, docs/peers.md)."""
        if self.session.path is None or self.session.scenario is None:
            return None
        from ui.peers_dialog import PeersDialog

        dialog = PeersDialog(self.session.path, self.session.scenario.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_export_bpmn_triggered(self) -> None:
        if self.session.path is not None:
            self.bpmn_exporter.ask_and_start(self.session.path)

    def _on_bpmn_finished(self, result: object) -> None:
        from bpr_studio.io.bpmn_export import BpmnExport

        if isinstance(result, BpmnExport):
            self.statusBar().showMessage(tr("bpmn_saved", path=result.path,
                                            procedures=result.procedures), 10000)

    def _on_report_finished(self, path: object) -> None:
        if path:
            self.statusBar().showMessage(tr("report_saved", path=path), 10000)

    # --- drag and drop of survey workbooks -----------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls()]
        projects = [p for p in paths if p.suffix == PROJECT_SUFFIX]
        if projects:
            self.open_path(projects[0])
            return
        from bpr_studio.io.survey_import import BPMN_SUFFIX
        from bpr_studio.io.workbook_reader import SUPPORTED_SUFFIXES

        surveys = [p for p in paths if p.is_dir()
                   or p.suffix.lower() in SUPPORTED_SUFFIXES | {BPMN_SUFFIX, ".json"}]
        if surveys:
            self._on_import_triggered(surveys)

    # --- settings ------------------------------------------------------------
    def _remember_recent(self, path: Path | str) -> None:
        # A database is remembered without its password (display_location).
        entry = display_location(path) if isinstance(path, str) else str(path.resolve())
        recent = [p for p in self._recent() if p != entry]
        self.settings.setValue("recent", [entry, *recent][:MAX_RECENT])

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.open_path(
                p if "://" in p else Path(p)))

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        if "ui.import_dialog" in sys.modules:  # an import dialog was ever opened
            from ui.import_dialog import ImportDialog

            for dialog in self.findChildren(ImportDialog):
                dialog.runner.stop()
        self.report_exporter.runner.stop()
        self.inventory_importer.runner.stop()
        self.round_importer.runner.stop()
        self.effect_view.runner.stop()
        self.scenario_view.compare.runner.stop()
        self.investment_view.runner.stop()
        self.journey_view.runner.stop()
        self.session.close()
        wait_for_renders()
        super().closeEvent(event)
