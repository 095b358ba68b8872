"""The main window: a thin shell that opens projects and assembles the views."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from bpr_studio.io.template import write_template
from bpr_studio.io.workbook_reader import SUPPORTED_SUFFIXES
from bpr_studio.queries import procedures_frame, stored_issues_frame
from bpr_studio.store import PROJECT_SUFFIX, Project, ProjectError, create_project, open_project
from cost_model.scoring import load_rubric, score_project
from cost_model.unit_costs import load_unit_costs
from ui.assumptions_view import AssumptionsView
from ui.i18n import language, tr
from ui.import_dialog import ImportDialog
from ui.procedures_view import ProceduresView
from ui.quality_view import QualityView
from ui.report_export import ReportExporter

MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings("BPRStudio", "BPR Studio")
        self.project: Project | None = None
        self.setWindowTitle(tr("app_title"))
        self.setAcceptDrops(True)
        self.resize(1200, 760)

        self.procedures_view = ProceduresView()
        self.quality_view = QualityView()
        self.assumptions_view = AssumptionsView()
        self.nav = QListWidget()
        self.nav.setFixedWidth(140)
        self.nav.setStyleSheet("QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        for key, view in (("nav_procedures", self.procedures_view),
                          ("nav_quality", self.quality_view),
                          ("nav_assumptions", self.assumptions_view)):
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
        self.report_exporter = ReportExporter(self)
        self.report_exporter.finished.connect(self._on_report_finished)
        self._build_menus()
        self._restore_state()

    # --- menus ---------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("menu_file"))
        self._add_action(file_menu, "new_project", self._on_new_triggered, QKeySequence.StandardKey.New)
        self._add_action(file_menu, "open_project", self._on_open_triggered,
                         QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu(tr("recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.import_action = self._add_action(file_menu, "import_surveys", self._on_import_triggered,
                                              QKeySequence("Ctrl+I"))
        self._add_action(file_menu, "save_template", self._on_save_template_triggered)
        self._add_action(file_menu, "export_report", self._on_export_report_triggered,
                         QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self._add_action(file_menu, "quit", self.close, QKeySequence.StandardKey.Quit)

    def _add_action(self, menu, key: str, slot, shortcut=None) -> QAction:
        action = QAction(tr(key), self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- projects ------------------------------------------------------------
    def open_path(self, path: Path) -> bool:
        try:
            project = open_project(path)
        except ProjectError as exc:
            QMessageBox.critical(self, tr("open_failed"), exc.message(language()))
            return False
        if self.project is not None:
            self.project.close()
        self.project = project
        self._remember_recent(path)
        self.reload()
        return True

    def reload(self) -> None:
        if self.project is None:
            return
        scores = score_project(self.project)
        self.procedures_view.set_project(self.project, scores.procedures.merge(
            procedures_frame(self.project)[["procedure_id", "identity_check", "attachment_kind",
                                            "fee_yen"]], on="procedure_id", how="left"))
        self.assumptions_view.set_assumptions(load_unit_costs(self.project),
                                              load_rubric(self.project))
        procedures = scores.procedures
        self.quality_view.set_issues(stored_issues_frame(self.project))
        with self.project.engine.connect() as conn:
            steps = conn.exec_driver_sql("SELECT count(*) FROM step").scalar_one()
        self.setWindowTitle(f"{self.project.name} — {tr('app_title')}")
        self.statusBar().showMessage(tr("status_loaded", name=self.project.name,
                                        procedures=len(procedures), steps=steps))

    def _on_new_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("new_project"), "", tr("project_filter"))
        if not path:
            return
        target = Path(path).with_suffix(PROJECT_SUFFIX)
        try:
            create_project(target).close()
        except (ProjectError, OSError) as exc:
            QMessageBox.critical(self, tr("open_failed"), str(exc))
            return
        self.open_path(target)

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("open_project"), "", tr("project_filter"))
        if path:
            self.open_path(Path(path))

    def _on_import_triggered(self, files: list[Path] | None = None) -> ImportDialog | None:
        if self.project is None or self.project.path is None:
            return None
        dialog = ImportDialog(self.project.path, files or [], self)
        dialog.imported.connect(self.reload)
        dialog.open()
        return dialog

    def _on_save_template_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("save_template"), "業務量調査票.xlsx",
                                              tr("excel_filter"))
        if path:
            written = write_template(Path(path))
            self.statusBar().showMessage(tr("template_saved", path=written), 8000)

    def _on_export_report_triggered(self) -> None:
        if self.project is not None and self.project.path is not None:
            self.report_exporter.ask_and_start(self.project.path)

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
        surveys = [p for p in paths if p.is_dir() or p.suffix.lower() in SUPPORTED_SUFFIXES]
        if surveys:
            self._on_import_triggered(surveys)

    # --- settings ------------------------------------------------------------
    def _remember_recent(self, path: Path) -> None:
        recent = [p for p in self._recent() if p != str(path.resolve())]
        self.settings.setValue("recent", [str(path.resolve()), *recent][:MAX_RECENT])

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.open_path(Path(p)))

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        for dialog in self.findChildren(ImportDialog):
            dialog.runner.stop()
        self.report_exporter.runner.stop()
        if self.project is not None:
            self.project.close()
        super().closeEvent(event)
