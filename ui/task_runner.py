"""Run a Qt-free long task in a worker thread, with progress, cancel and result signals.

The task is a plain function ``task(progress, cancelled) -> result`` from the core
(progress(done, total, label); cancelled() -> bool). Results come back to the GUI
thread through queued signals; the worker never touches widgets or the model.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

Task = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _TaskThread(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, task: Task, cancel_event: threading.Event, cancel_exceptions: tuple) -> None:
        super().__init__()
        self._task = task
        self._cancel_event = cancel_event
        self._cancel_exceptions = cancel_exceptions

    def run(self) -> None:  # runs in the worker thread
        try:
            result = self._task(self.progressed.emit, self._cancel_event.is_set)
        except self._cancel_exceptions:
            self.cancelled.emit()
        except Exception as exc:  # reported to the user, never swallowed
            exc.details = traceback.format_exc()  # type: ignore[attr-defined]
            self.failed.emit(exc)
        else:
            if self._cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


class TaskRunner(QObject):
    """One task at a time; starting a new one cancels and waits for the old one."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, parent: QObject | None = None,
                 cancel_exceptions: tuple[type[BaseException], ...] = ()) -> None:
        super().__init__(parent)
        self._thread: _TaskThread | None = None
        self._cancel_event = threading.Event()
        self._cancel_exceptions = cancel_exceptions

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, task: Task) -> None:
        self.stop()
        self._cancel_event = threading.Event()
        thread = _TaskThread(task, self._cancel_event, self._cancel_exceptions)
        thread.progressed.connect(self.progressed)
        thread.succeeded.connect(self.succeeded)
        thread.failed.connect(self.failed)
        thread.cancelled.connect(self.cancelled)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        thread.start()

    def cancel(self) -> None:
        self._cancel_event.set()

    def stop(self) -> None:
        """Cancel the running task and wait for its thread to end."""
        if self._thread is not None:
            self._cancel_event.set()
            self._thread.wait()
            self._thread = None

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if thread is self._thread:
            self._thread = None
        if isinstance(thread, QThread):
            thread.deleteLater()
        self.finished.emit()
