"""Run a Qt-free long task in a worker thread, with progress, cancel and result signals.

The task is a plain function ``task(progress, cancelled) -> result`` from the core
(progress(done, total, label); cancelled() -> bool). Results come back to the GUI
thread through queued signals; the worker never touches widgets or the model.

Starting a task while another runs cancels the old one *without waiting for it*: the old
thread is told to stop (its cancel flag), set aside until it ends on its own, and
whatever it still reports is dropped. Waiting on the GUI thread froze the window for
seconds with a city-sized project (issue 12); only ``stop()`` (closing) waits.

The new task starts as soon as the superseded one has ended (it checks its flag between
phases), and if several are asked for meanwhile only the latest runs. Running them side
by side would not be faster on a busy PC, and each extra thread holding the GIL in
numpy/pandas delays the event loop.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ui.release import release_later

Task = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _TaskThread(QThread):
    """Runs the task; its outcome is read by the runner when the thread has finished.

    The outcome is not sent as a signal of its own: Qt may deliver a thread's
    ``finished`` before a result signal emitted just before it, and the runner, taking
    the thread as ended, dropped the result (a comparison never shown, issue 12)."""

    progressed = Signal(int, int, str)

    def __init__(self, task: Task, cancel_event: threading.Event,
                 cancel_exceptions: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self._task: Task | None = task
        self.cancel_event = cancel_event
        self._cancel_exceptions = cancel_exceptions
        self.outcome: tuple[str, Any] = ("cancelled", None)

    def run(self) -> None:  # runs in the worker thread
        # At the GUI thread's priority, not below: it shares Python's lock with the GUI
        # thread, and a lowered thread descheduled while holding it (a busy PC) kept the
        # window waiting for that lock until it ran again (docs/app.md).
        task, self._task = self._task, None
        assert task is not None  # a thread runs once
        result: list[Any] = []  # held in a list: handed over below, no name left on it
        try:
            result.append(task(self._progress, self.cancel_event.is_set))
        except self._cancel_exceptions:
            self.outcome = ("cancelled", None)
        except Exception as exc:  # reported to the user, never swallowed
            if self.cancel_event.is_set():
                self.outcome = ("cancelled", None)  # a superseded task's failure is no news
                return
            exc.details = traceback.format_exc()  # type: ignore[attr-defined]
            self.outcome = ("failed", exc)
        else:
            if self.cancel_event.is_set():
                # Superseded: nobody will show it. Freed in the background, a part at a
                # time, not by the GUI thread when it drops the thread (a city's analysis:
                # seconds); this thread ends now, so the task waiting for it can start.
                self.outcome = ("cancelled", None)
                release_later(result.pop())
            else:
                self.outcome = ("succeeded", result.pop())
        finally:
            # The task's closure (what it was given: an analysis, a parsed batch) is let go
            # here too, in the worker, not with the thread object on the GUI thread.
            del task

    def _progress(self, done: int, total: int, label: str) -> None:
        if not self.cancel_event.is_set():
            self.progressed.emit(done, total, label)


class TaskRunner(QObject):
    """One current task; starting a new one cancels the old one without waiting for it."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, parent: QObject | None = None,
                 cancel_exceptions: tuple[type[BaseException], ...] = ()) -> None:
        super().__init__(parent)
        self._thread: _TaskThread | None = None
        self._retired: set[_TaskThread] = set()  # cancelled, still winding down
        self._pending: Task | None = None  # the latest task asked for, waiting for them
        self._cancel_exceptions = cancel_exceptions

    @property
    def running(self) -> bool:
        """True while the current (not a superseded) task runs or waits to start."""
        # Until its outcome is delivered, not merely until its thread stops: between the
        # two a caller would see "not running" and the old result.
        return self._pending is not None or self._thread is not None

    @property
    def winding_down(self) -> int:
        """How many superseded tasks have not ended yet (they report nothing)."""
        return len(self._retired)

    def start(self, task: Task) -> None:
        """Run ``task``: now, or once the task it supersedes has ended (never blocks)."""
        self._retire_current()
        if self._retired:
            self._pending = task
            return
        self._launch(task)

    def _launch(self, task: Task) -> None:
        thread = _TaskThread(task, threading.Event(), self._cancel_exceptions)
        thread.progressed.connect(self._on_thread_progressed)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        thread.start()

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending = None
            self.cancelled.emit()
            self.finished.emit()
        if self._thread is not None:
            self._thread.cancel_event.set()

    def stop(self) -> None:
        """Cancel every task and wait for the threads to end (only when closing)."""
        self._pending = None
        self._retire_current()
        for thread in list(self._retired):
            thread.wait()
        self._retired.clear()

    def _retire_current(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.cancel_event.set()
        if thread.isRunning():
            self._retired.add(thread)  # keep a reference until it ends on its own

    # The slots run on the GUI thread; a report from a superseded thread is dropped.
    def _from_current(self) -> bool:
        sender = self.sender()
        return (sender is not None and sender is self._thread
                and not self._thread.cancel_event.is_set())

    def _on_thread_progressed(self, done: int, total: int, label: str) -> None:
        if self._from_current():
            self.progressed.emit(done, total, label)

    def _on_thread_finished(self) -> None:
        """The one place a thread's outcome is delivered: the current thread's result,
        failure or cancellation; a superseded thread's is dropped."""
        thread = self.sender()
        current = thread is self._thread
        if current:
            self._thread = None
        self._retired.discard(thread)
        if isinstance(thread, _TaskThread):
            kind, value = thread.outcome
            thread.outcome = ("cancelled", None)
            thread.deleteLater()
            if current and kind == "succeeded" and not thread.cancel_event.is_set():
                self.succeeded.emit(value)
            elif current and kind == "failed" and not thread.cancel_event.is_set():
                self.failed.emit(value)
            else:
                if value is not None:
                    # Cancelled after it ended: dropped here it would be freed in one go
                    # on the GUI thread.
                    release_later(value)
                if current:
                    self.cancelled.emit()
            del value
            if current:
                self.finished.emit()
        if self._pending is not None and not self._retired and self._thread is None:
            task, self._pending = self._pending, None
            self._launch(task)
