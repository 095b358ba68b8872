"""Survey import dialog: choose files, check them in a worker, read the report, then import.

Nothing is written until the user presses 取り込む on a batch without errors; the
write itself is one transaction in the worker, so Cancel or a failure changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpr_studio.errors import describe_failure
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.survey_import import (
    BPMN_SUFFIX,
    ImportCancelled,
    ParsedBatch,
    existing_sections,
    parse_batch,
    plan_changes,
    read_row,
    step_rows_for,
)
from bpr_studio.io.workbook_reader import SUPPORTED_SUFFIXES
from bpr_studio.model import codes
from bpr_studio.store import open_project, project_exists
from ui.i18n import language, tr
from ui.import_write import written
from ui.notify import show_message
from ui.release import release_later
from ui.table_model import DataFrameTableModel
from ui.task_runner import TaskRunner

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def report_frame(batch: ParsedBatch) -> pd.DataFrame:
    lang = language()
    rows = [{
        "severity": issue.severity_label(lang), "severity_key": issue.severity,
        "file": Path(issue.file).name if issue.file else "", "path": issue.file,
        "sheet": issue.sheet, "cell": issue.cell, "message": issue.message(lang),
        "value": issue.value,
    } for issue in sorted(batch.report.issues, key=lambda i: _SEVERITY_ORDER[i.severity])]
    return pd.DataFrame(rows, columns=["severity", "severity_key", "file", "path", "sheet", "cell",
                                       "message", "value"])


class ImportDialog(QDialog):
    imported = Signal()

    def __init__(self, project_path: Path | str, files: list[Path] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("import_title"))
        self.setAcceptDrops(True)
        self.resize(980, 600)
        self._project_path = project_path
        self._batch: ParsedBatch | None = None
        self._phase = ""
        self._sections_listed = False  # the BPMN section box is filled once, when needed
        self.runner = TaskRunner(self, cancel_exceptions=(ImportCancelled,))
        self.runner.progressed.connect(self._on_runner_progressed)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.cancelled.connect(self._on_runner_cancelled)
        self.runner.finished.connect(self._update_buttons)

        self.file_list = QListWidget()
        self.file_list.setMaximumHeight(110)
        self.file_list.itemChanged.connect(self._on_file_list_item_changed)
        add_files = QPushButton(tr("add_files"))
        add_files.clicked.connect(self._on_add_files_clicked)
        add_folder = QPushButton(tr("add_folder"))
        add_folder.clicked.connect(self._on_add_folder_clicked)
        self.check_button = QPushButton(tr("check"))
        self.check_button.clicked.connect(self.start_check)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(tr("cancel"))
        self.cancel_button.clicked.connect(self.runner.cancel)
        # BPMN files say neither their section nor, often, our actors: both asked here.
        self.bpmn_section = QComboBox()
        self.bpmn_section.setEditable(True)
        self.bpmn_section.setToolTip(tr("bpmn_section_tip"))
        self.bpmn_section.setMinimumWidth(160)
        self.bpmn_lane_map = QLineEdit()
        self.bpmn_lane_map.setPlaceholderText(tr("bpmn_lane_map_tip"))
        self.bpmn_lanes_button = QPushButton(tr("bpmn_map_lanes"))
        self.bpmn_lanes_button.clicked.connect(self._on_bpmn_lanes_clicked)
        self.bpmn_row = QWidget()
        bpmn_layout = QHBoxLayout(self.bpmn_row)
        bpmn_layout.setContentsMargins(0, 0, 0, 0)
        bpmn_layout.addWidget(QLabel(tr("bpmn_section_label")))
        bpmn_layout.addWidget(self.bpmn_section)
        bpmn_layout.addWidget(QLabel(tr("bpmn_lane_map_label")))
        bpmn_layout.addWidget(self.bpmn_lane_map, 1)
        bpmn_layout.addWidget(self.bpmn_lanes_button)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.filter_combo = QComboBox()
        self.filter_combo.addItem(tr("show_all"), "")
        self.filter_combo.addItem(tr("show_errors"), "error")
        self.filter_combo.addItem(tr("show_warnings"), "warning")
        self.filter_combo.currentIndexChanged.connect(self._on_filter_changed)

        self.model = DataFrameTableModel({
            "severity": tr("col_severity"), "file": tr("col_file"), "sheet": tr("col_sheet"),
            "cell": tr("col_cell"), "message": tr("col_message"), "value": tr("col_value")})
        # The model filters (by severity) and sorts all rows itself, with pandas: a
        # QSortFilterProxyModel called Python once per row and per comparison, which a
        # city's thousands of warnings made a long wait on the GUI thread.
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setResizeContentsPrecision(60)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.doubleClicked.connect(self._on_table_double_clicked)

        self.import_button = QPushButton(tr("import"))
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        close = QPushButton(tr("close"))
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(add_files)
        top.addWidget(add_folder)
        top.addStretch()
        top.addWidget(self.check_button)
        run = QHBoxLayout()
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_button)
        filters = QHBoxLayout()
        filters.addWidget(self.summary, 1)
        filters.addWidget(self.filter_combo)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.import_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.file_list)
        layout.addWidget(self.bpmn_row)
        layout.addLayout(run)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        for path in files or []:
            self.add_path(path)
        self._update_buttons()

    # --- files ---------------------------------------------------------------
    def add_path(self, path: Path) -> None:
        # A .json is Prosimos' parameters of a .bpmn in the list (bpr_studio.io.prosimos_read).
        if path.is_dir() or path.suffix.lower() in SUPPORTED_SUFFIXES | {BPMN_SUFFIX, ".json"}:
            item = QListWidgetItem(str(path))
            # Checked = preferred when the same procedure ID is in two files.
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setToolTip(tr("prefer_tip"))
            self.file_list.addItem(item)
            self._drop_batch()
            self._update_buttons()

    def bpmn_options(self) -> BpmnOptions:
        entries = [e.strip() for e in self.bpmn_lane_map.text().replace("；", ";").split(";")
                   if e.strip()]
        return BpmnOptions.from_entries(self.bpmn_section.currentText().strip(), entries)

    def _on_bpmn_lanes_clicked(self) -> None:
        """Ask the actor of each lane the last check could not match (then check again)."""
        batch = self._batch
        lanes = [] if batch is None else list(dict.fromkeys(
            str(i.params.get("lane")) for i in batch.report.errors if i.key == "bpmn_lane_unknown"))
        labels = codes.ACTOR.ja_labels if language() == "ja" else [c.en for c in codes.ACTOR.codes]
        entries = [e for e in self.bpmn_lane_map.text().split(";") if e.strip()]
        for lane in lanes:
            label, ok = QInputDialog.getItem(self, tr("bpmn_map_lanes"),
                                             tr("bpmn_ask_lane", lane=lane), labels, 2, False)
            if not ok:
                return
            entries.append(f"{lane}={label}")
        self.bpmn_lane_map.setText("; ".join(e.strip() for e in entries))
        self.start_check()

    def paths(self) -> list[Path]:
        return [Path(self.file_list.item(i).text()) for i in range(self.file_list.count())]

    def preferred(self) -> list[Path]:
        return [Path(self.file_list.item(i).text()) for i in range(self.file_list.count())
                if self.file_list.item(i).checkState() == Qt.CheckState.Checked]

    def _on_file_list_item_changed(self, _item: QListWidgetItem) -> None:
        self._drop_batch()  # a new choice needs a new check
        self._update_buttons()

    def _on_add_files_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("add_files"), "", tr("survey_filter"))
        for file in files:
            self.add_path(Path(file))

    def _on_add_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("add_folder"))
        if folder:
            self.add_path(Path(folder))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            self.add_path(Path(url.toLocalFile()))

    def _drop_batch(self) -> None:
        """Forget the checked batch: freed in the background, a part at a time (40
        workbooks' parsed rows dropped at once held the GUI thread ~0.1 s at 3,000
        procedures, seconds at 30,000)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            release_later(batch)

    # --- tasks ---------------------------------------------------------------
    def start_check(self) -> None:
        paths = self.paths()
        prefer = self.preferred()
        bpmn = self.bpmn_options()
        project_path = self._project_path
        self._drop_batch()
        self._phase = "check"

        # The steps come back as table rows checked by the reading processes (the
        # command line's fast path); a batch that cannot take it falls back by itself.
        step_rows = step_rows_for(project_path)

        def task(progress, cancelled):
            owners = {}
            if not project_exists(project_path):
                return parse_batch(paths, prefer=prefer, progress=progress, cancel=cancelled,
                                   bpmn=bpmn, step_rows=step_rows)
            with open_project(project_path) as project:
                owners = existing_sections(project)
                batch = parse_batch(paths, prefer=prefer, existing_sections=owners,
                                    progress=progress, cancel=cancelled, bpmn=bpmn,
                                    step_rows=step_rows)
                if batch.report.ok:  # what a re-import replaces, listed before it happens
                    batch.report.changes = plan_changes(project, batch)
                return batch
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.runner.start(task)
        self._update_buttons()

    def start_import(self) -> None:
        batch = self._batch
        if batch is None or not batch.report.ok:
            return
        project_path = self._project_path
        self._phase = "write"

        def task(progress, cancelled):
            progress(0, 1, tr("writing"))
            # A big batch in a child process: its snapshot of the rows it replaces kept
            # the GIL busy beside the window (ui.import_write).
            return written(project_path, batch, cancelled)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.runner.start(task)
        self._update_buttons()

    def _on_runner_progressed(self, done: int, total: int, label: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.summary.setText(tr("checking", label=label) if self._phase == "check" else label)

    def _on_runner_succeeded(self, result: object) -> None:
        self.progress.setVisible(False)
        if self._phase == "check":
            assert isinstance(result, ParsedBatch)
            self._batch = result
            frame = report_frame(result)
            self.model.set_frame(frame, self._severity_rows(frame))
            self.table.resizeColumnsToContents()
            self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
            report = result.report
            if report.ok:
                replaced = [c.describe(language()) for c in report.changes if c.destructive]
                self.summary.setText(tr(
                    "report_ok", sections="、".join(report.sections) or "-",
                    procedures=report.procedures, steps=report.steps,
                    warnings=len(report.warnings))
                    + ("\n" + tr("will_replace") + "\n" + "\n".join(replaced) if replaced else ""))
            else:
                self.summary.setText(tr("report_errors", errors=len(report.errors)))
        else:
            self.summary.setText(tr("imported"))
            self._drop_batch()
            self.imported.emit()
            self.accept()

    def _on_runner_failed(self, error: object) -> None:
        self.progress.setVisible(False)
        assert isinstance(error, BaseException)
        show_message(self, tr("failed"), describe_failure(error, language(),
                                                          str(self._project_path)))

    def _on_runner_cancelled(self) -> None:
        self.progress.setVisible(False)
        self.summary.setText(tr("cancelled"))

    def _update_buttons(self) -> None:
        running = self.runner.running
        self.check_button.setEnabled(not running and self.file_list.count() > 0)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setVisible(running)
        self.import_button.setEnabled(not running and self._batch is not None
                                      and self._batch.report.ok)
        has_bpmn = any(p.suffix.lower() == BPMN_SUFFIX or p.is_dir() for p in self.paths())
        self.bpmn_row.setVisible(has_bpmn)
        self.bpmn_lanes_button.setEnabled(not running and self._batch is not None and any(
            i.key == "bpmn_lane_unknown" for i in self._batch.report.errors))
        if has_bpmn and not self._sections_listed and project_exists(self._project_path):
            self._sections_listed = True
            try:
                with open_project(self._project_path) as project:
                    sections = sorted(set(existing_sections(project).values()))
            except Exception:  # noqa: BLE001 — only a list of suggestions; the check reports problems
                sections = []
            typed = self.bpmn_section.currentText()
            self.bpmn_section.addItems(sections)
            self.bpmn_section.setCurrentText(typed)

    # --- report --------------------------------------------------------------
    def _severity_rows(self, frame: pd.DataFrame) -> np.ndarray | None:
        """The frame rows of the severity chosen (None: all)."""
        severity = self.filter_combo.currentData()
        if not severity or "severity_key" not in frame:
            return None
        return np.flatnonzero((frame["severity_key"] == severity).to_numpy())

    def _on_filter_changed(self) -> None:
        self.model.show_rows(self._severity_rows(self.model.frame))

    def _on_table_double_clicked(self, index) -> None:
        row = self.model.row(index.row())
        cell = str(row["cell"])
        digits = "".join(ch for ch in cell if ch.isdigit())
        if not row["path"] or not digits or str(row["path"]).lower().endswith(BPMN_SUFFIX):
            return
        try:
            pairs = read_row(row["path"], row["sheet"], int(digits))
        except Exception as exc:  # the file may have moved since the check
            show_message(self, tr("failed"), str(exc))
            return
        text = "\n".join(f"{header}: {value}" for header, value in pairs if value or header)
        show_message(self, tr("row_detail", file=row["file"], place=f"{row['sheet']}!{cell}"),
                                text or "-")

    def reject(self) -> None:
        self.runner.stop()
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.runner.stop()
        super().closeEvent(event)
