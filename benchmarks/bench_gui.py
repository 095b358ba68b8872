"""Benchmark the desktop app (offscreen): start-up, opening a large project, and how long
the GUI thread is ever blocked while an import or a simulation runs.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_gui
    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_gui --project city30k.bprproj

The second measures on a copy of a given project (the 30,000-procedure one of issue 16):
opening it, showing every view, rapid scenario switching, parameter edits and a survey
cell edit with its undo, each with the worst event-loop block.

Each worst gap is split into the GUI thread's own CPU time, its wait for a core (Linux:
/proc/thread-self/schedstat) and the rest (waiting for Python's lock, or a blocking call):
on a shared machine a long gap is mostly the first two's absence, the machine's load. The
time Python's garbage collector ran during that gap (in any thread: it holds the lock) is
given beside it (``gc.callbacks``).

Targets (issues 5 and 12): main window shown with the sample project ≤ 2 s (a fresh
process, interpreter and imports included, opening the sample project as a user's later
starts do; the very first start also builds the sample, reported apart); opening the
3,000-procedure project ≤ 3 s; the event loop never blocked longer than 100 ms during
an import, rapid scenario switching, quick parameter edits or a simulation (a 10 ms
timer measures the gaps between its ticks).
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import generated_city
from benchmarks.gui_memory import memory

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# BPR_PROBE_DUMP=FILE: every thread's stack, written whenever the event loop is 80 ms late.
# Opened by the measuring process only: a spawned child (the app's computations) imports
# this module again as its main module (named ``__mp_main__``), and opening the file there
# emptied it. ``multiprocessing.parent_process()`` is not set yet while a spawned child
# imports its main module, so it did not tell the child apart: every comparison started
# during a run emptied the file, and the dumps of the gaps before it were lost.
DUMP = (open(os.environ["BPR_PROBE_DUMP"], "w")  # noqa: SIM115
        if os.environ.get("BPR_PROBE_DUMP") and __name__ == "__main__"
        and multiprocessing.parent_process() is None
        else None)


class BlockSampler:
    """Where the GUI thread is while the event loop is blocked (BPR_PROBE_GUI=1): a thread
    samples the main thread's stack every 10 ms while the probe's last tick is older than
    50 ms, and counts the innermost frames of our own code."""

    ROOTS = ("bpr_studio", "analysis", "cost_model", "ui", "benchmarks")

    def __init__(self, probe: LatencyProbe) -> None:
        import collections
        import threading

        self.probe = probe
        self.counts: collections.Counter[str] = collections.Counter()
        self.workers: collections.Counter[str] = collections.Counter()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import sys
        import threading

        main = threading.main_thread().ident
        while not self.stop_event.wait(0.01):
            if not self.probe.timer.isActive() or time.perf_counter() - self.probe.last < 0.05:
                continue
            frame = sys._current_frames().get(main)
            if frame is None:
                continue
            self.counts[self._where(frame)] += 1
            # The main thread waiting for the GIL: who holds it (a worker's innermost frame,
            # library code included, and the last frame of ours that called it).
            if "wait_until" in self._where(frame) or "processEvents" in self._where(frame):
                for ident, other in sys._current_frames().items():
                    if ident != main and ident != threading.get_ident():
                        self.workers[self._where(other, library=True)] += 1

    def _where(self, frame: Any, library: bool = False) -> str:
        # The frames' own names and line numbers only: traceback.extract_stack reads every
        # source file through linecache, holding the GIL, and a sampler doing that while the
        # GUI thread waits for the GIL lengthens the very gap it measures.
        stack = []
        while frame is not None:
            stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
            frame = frame.f_back
        stack.reverse()
        ours = [f for f in stack if any(f"/{root}/" in f[0] for root in self.ROOTS)
                and "bench_gui" not in f[0] and "screenshots.py" not in f[0]]
        inner = stack[-1]
        where = " <- ".join(f"{Path(name).name}:{line} {function}"
                            for name, line, function in reversed(ours[-3:]))
        lib = f"{Path(inner[0]).parent.name}/{Path(inner[0]).name}:{inner[1]}"
        return f"{where}  [in {lib if library else Path(inner[0]).name}:{inner[2]}]"

    def report(self) -> None:
        self.stop_event.set()
        print("GUI thread while blocked (10 ms samples):")
        for where, count in self.counts.most_common(12):
            print(f"  {count * 10:5d} ms  {where}")
        print("other threads while the GUI thread waited (for the GIL):")
        for where, count in self.workers.most_common(15):
            print(f"  {count * 10:5d} ms  {where}")


class _CollectionClock:
    """Seconds spent in Python's garbage collector so far, in any thread (``gc.callbacks``):
    a collection holds Python's lock throughout, so the GUI thread cannot run while one
    runs in a worker; a gap's 'rest' that is collection time is named as such."""

    def __init__(self) -> None:
        import gc
        import threading

        self.total = 0.0
        self.longest = 0.0  # the longest single collection seen
        self._began: dict[int, float] = {}
        self._ident = threading.get_ident
        gc.callbacks.append(self._on_collection)

    def _on_collection(self, phase: str, _info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._began[self._ident()] = now
            return
        began = self._began.pop(self._ident(), now)
        self.total += now - began
        self.longest = max(self.longest, now - began)


_COLLECTIONS = _CollectionClock()


def _major_faults() -> int:
    """Major page faults this thread has taken (Linux; 0 elsewhere): a page of code or data
    read back from disk. This machine's kernel pages out memory unused for a minute (DAMON
    'pageout'), so a GUI thread running Qt code it has not run for a while stalls on disk
    reads: a gap with neither own work nor a wait for a core nor anyone holding the GIL."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_THREAD).ru_majflt
    except (ImportError, AttributeError, OSError):
        return 0


def _queued_seconds() -> float:
    """Seconds this thread has waited in the run queue for a core (Linux; 0 elsewhere): on a
    shared 2-core machine much of a gap is the GUI thread ready to run but given no core."""
    try:
        with open("/proc/thread-self/schedstat") as stats:
            return int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class LatencyProbe:
    """Counts the longest gap between ticks of a 10 ms timer on the GUI thread, and the
    most CPU time the GUI thread itself spent between two ticks: on a busy machine a gap
    is also time spent waiting for a core or for the GIL, which its own work is not."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.worst = 0.0
        self.worst_cpu = 0.0
        self.last_queued = _queued_seconds()
        self.last_collecting = _COLLECTIONS.total
        self.last_faults = _major_faults()
        # The worst gap's own CPU time, wait for a core and garbage collection (any thread).
        self.worst_parts = (0.0, 0.0, 0.0)
        self.worst_faults = 0  # the GUI thread's major page faults in the worst gap

    def _on_tick(self) -> None:
        if DUMP is not None:
            # A C watchdog (needs no GIL) dumps every thread's stack if the next tick is
            # more than 80 ms late: it shows who holds the GIL during a block.
            faulthandler.dump_traceback_later(0.09, file=DUMP)
        now, cpu, queued = time.perf_counter(), time.thread_time(), _queued_seconds()
        collecting = _COLLECTIONS.total
        gap = now - self.last - 0.010
        faults = _major_faults()
        if gap > 0.1:  # (s into the step, ms, ms of own work, major page faults)
            self.gaps.append((round(now - self.started, 2), round(gap * 1000),
                              round((cpu - self.last_cpu) * 1000), faults - self.last_faults))
            if DUMP is not None:  # names the stacks the watchdog just wrote
                print(f"=== the stacks above: a gap of {gap * 1000:.0f} ms, "
                      f"{now - self.started:.2f} s into the step", file=DUMP, flush=True)
        if gap > self.worst:
            self.worst_parts = (cpu - self.last_cpu, queued - self.last_queued,
                                collecting - self.last_collecting)
            self.worst_faults = faults - self.last_faults
            if os.environ.get("BPR_PROBE_STACKS"):
                import sys
                import threading
                import traceback

                for ident, frame in sys._current_frames().items():
                    if ident != threading.main_thread().ident:
                        tail = traceback.extract_stack(frame)[-3:]
                        print("   gap", round(gap * 1000), "ms; worker at",
                              " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(tail)))
        self.worst = max(self.worst, gap)
        self.worst_cpu = max(self.worst_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu, self.last_queued = now, cpu, queued
        self.last_collecting = collecting
        self.last_faults = faults

    def start(self) -> None:
        self.last = self.started = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.last_queued = _queued_seconds()
        self.last_collecting = _COLLECTIONS.total
        _COLLECTIONS.longest = 0.0
        self.worst = self.worst_cpu = 0.0
        self.worst_parts = (0.0, 0.0, 0.0)
        self.worst_faults = 0
        self.last_faults = _major_faults()
        self.gaps: list[tuple[float, int, int, int]] = []
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        if DUMP is not None:
            faulthandler.cancel_dump_traceback_later()
        return self.worst

    def gap_list(self) -> str:
        """' (gaps over 100 ms ...)' of the last run, or ''."""
        return (f" (gaps over 100 ms as (s into the step, ms, own ms, major page faults): "
                f"{self.gaps})" if self.gaps else "")

    def blocked(self) -> str:
        """'GUI blocked at most N ms (its own work at most M ms)' of the last run."""
        own, queued, collecting = self.worst_parts
        rest = max(self.worst - own - queued, 0.0)
        return (f"GUI blocked at most {self.worst * 1000:.0f} ms (its own work at most "
                f"{self.worst_cpu * 1000:.0f} ms; the worst gap: {own * 1000:.0f} ms its own "
                f"work, {queued * 1000:.0f} ms waiting for a core, {rest * 1000:.0f} ms "
                f"waiting for the GIL or idle, with {self.worst_faults} major page faults of "
                f"the GUI thread (pages read back from disk); {collecting * 1000:.0f} ms of the gap garbage "
                f"collection in any thread, the longest collection of the run "
                f"{_COLLECTIONS.longest * 1000:.0f} ms)")


# Run in a fresh interpreter: everything a user waits for between double-clicking the app
# and seeing the project's figures.
_START_UP = """
import sys
from pathlib import Path
from ui.app import ensure_application  # first, as `bpr-studio gui` does (ui/app.py)
from PySide6.QtCore import QSettings
from ui.main_window import MainWindow
from ui.screenshots import wait_until
app = ensure_application("ja")
window = MainWindow(settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
window.open_path(Path(sys.argv[1]))
window.show()
wait_until(app, lambda: window.session.data is not None)
import time
print("shown", time.process_time(), flush=True)
window.close()
"""


def start_up_seconds(project: Path, folder: Path) -> tuple[float, float]:
    """Seconds from launching a new Python process to the project's figures on screen, and
    the CPU seconds the process used by then (all its threads): on a busy machine the
    first is mostly waiting for a core, the second is not."""
    import subprocess
    import sys

    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _START_UP, str(project),
                              str(folder / "start.ini")], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    seconds = time.perf_counter() - began
    child.wait(60)
    if not line.startswith("shown "):
        raise RuntimeError("the start-up child did not show the window")
    return seconds, float(line.split()[1])


_FAILURES: list[str] = []  # what the session reported as failed (a bench stops at once)


def _watch_failures(window: Any) -> None:
    window.session.failed.connect(_FAILURES.append)


def _settled(window: Any) -> bool:
    """No comparison, counter queue or superseded task is running, and the data is in.
    A failure the app reported ends the benchmark (it waited 30 minutes for a reload
    that had failed with SQLite's "disk I/O error")."""
    if _FAILURES:
        raise RuntimeError(f"the app reported a failure: {_FAILURES[0]}")
    session = window.session
    return (session.data is not None and session.analysis is not None
            and not session.comparing and not session.counting
            and session.analyzer.winding_down == 0 and not session.loader.running)


def open_project_measured(app: Any, window: Any, probe: LatencyProbe, project: Path,
                          procedures: int) -> list[float]:
    """Open a project: seconds to its data, to the comparison, to the counters; worst block."""
    from ui.screenshots import wait_until

    probe.start()
    began = time.perf_counter()
    window.open_path(project)
    wait_until(app, lambda: window.session.data is not None
               and len(window.session.data.procedures) == procedures, 1800)
    opened = time.perf_counter() - began
    wait_until(app, lambda: not window.session.comparing and window.session.analysis is not None
               and len(window.session.analysis.comparison.as_is.procedures) == procedures, 1800)
    compared = time.perf_counter() - began
    wait_until(app, lambda: _settled(window), 1800)
    counted = time.perf_counter() - began
    worst = probe.stop()
    from ui.process_task import TIMINGS

    for timing in list(TIMINGS):  # the comparison, then its counters (a big project)
        print(f"  a child's result (in turn: loading from 10,000 procedures, the comparison, "
              f"its counters): {timing['child']:.2f} s computing in the child (from "
              f"the worker's asking to its first message), {timing['receive']:.2f} s "
              f"receiving {timing['bytes'] / 1e6:.0f} MB, {timing['unpickle']:.2f} s "
              f"unpickling")
    TIMINGS.clear()
    print(f"open the {procedures:,}-procedure project: data shown {opened:.2f} s; scenario "
          f"comparison shown {compared:.2f} s; counters {counted:.2f} s; {probe.blocked()}"
          + probe.gap_list())
    return [worst]


def switch_views_measured(app: Any, window: Any, probe: LatencyProbe) -> list[float]:
    """Show every view in turn (each draws what it waited for while hidden)."""
    from ui.chart_canvas import _RENDERS
    from ui.screenshots import wait_until

    worst = []
    for row in [*range(1, window.nav.count()), 0]:
        probe.start()
        window.nav.setCurrentRow(row)
        wait_until(app, lambda: False, 0.5)
        # The view's chart pictures drawn (their threads ended), the event loop running.
        wait_until(app, lambda: not _RENDERS and _settled(window), 600)
        worst.append(probe.stop())
        print(f"  view {window.nav.item(row).text()}: {probe.blocked()}")
    print(f"switching views: GUI blocked at most {max(worst) * 1000:.0f} ms")
    return [max(worst)]


def survey_edit_measured(app: Any, window: Any, probe: LatencyProbe) -> list[float]:
    """Edit one procedure's annual cases in the survey table (the project reloads and the
    scenario is compared again), then undo it."""
    from PySide6.QtCore import Qt

    from ui.screenshots import wait_until

    view = window.survey_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    model = view.procedure_model
    column = next(c for c in range(model.columnCount()) if model.column_key(c) == "annual_cases")
    worst = []
    for action in ("edit", "undo"):
        before = window.session.data
        probe.start()
        began = time.perf_counter()
        if action == "edit":
            value = model.index(0, column).data(Qt.ItemDataRole.UserRole) or 0
            model.setData(model.index(0, column), str(int(value) + 1))
        else:
            window.session.undo_stack.undo()
        wait_until(app, lambda old=before: window.session.data is not old  # type: ignore[misc]
                   and _settled(window), 1800)
        session = window.session
        if session.data is before or not _settled(window):
            raise RuntimeError(  # what it still waits for, rather than a silent hang
                f"survey cell {action}: no result after 30 min (data reloaded: "
                f"{session.data is not before}, analysis: {session.analysis is not None}, "
                f"comparing: {session.comparing}, counting: {session.counting}, winding "
                f"down: {session.analyzer.winding_down}, loading: {session.loader.running}, "
                f"edits on the undo stack: {session.undo_stack.count()})")
        worst.append(probe.stop())
        print(f"survey cell {action}: result shown {time.perf_counter() - began:.2f} s after; "
              f"{probe.blocked()}")
    return [max(worst)]


def scenario_switching_measured(app: Any, window: Any, probe: LatencyProbe) -> list[float]:
    """Rapid scenario switching and two quick parameter edits (issue 12)."""
    from PySide6.QtCore import Qt

    from analysis.params import PARAMETERS
    from analysis.scenario import Scenario
    from bpr_studio.scenario_edits import SaveScenario
    from ui.screenshots import wait_until

    worst = []
    session, view = window.session, window.scenario_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    # Rapid scenario switching (issue 12: twice within a second froze the window 7.8 s).
    assert session.scenario is not None
    base = session.scenario.name
    session.push(SaveScenario(Scenario("窓口のみ", session.scenario.measures[-1:], "")))
    wait_until(app, lambda: _settled(window), 1800)
    probe.start()
    began = time.perf_counter()
    for name in ("窓口のみ", base, "窓口のみ", base):
        view.scenario_combo.setCurrentText(name)
        wait_until(app, lambda: False, 0.25)
    wait_until(app, lambda: _settled(window), 1800)
    worst.append(probe.stop())
    print(f"scenario switched 4 times in 1 s: last result shown "
          f"{time.perf_counter() - began:.2f} s after the first switch; {probe.blocked()}")
    # Two quick parameter edits (issue 12: froze the window 1.4 s).
    row = next(r for r in range(view.parameters.rowCount())
               if view.parameters.item(r, 0).data(Qt.ItemDataRole.UserRole) == "online_adoption")
    probe.start()
    began = time.perf_counter()
    adoption = PARAMETERS["online_adoption"]
    for text in (f"{(adoption.default + adoption.high) / 2:.3g}", f"{adoption.high:g}"):
        view.parameters.item(row, 1).setText(text)
        wait_until(app, lambda: False, 0.1)
    wait_until(app, lambda: _settled(window), 1800)
    worst.append(probe.stop())
    print(f"two parameter edits 0.1 s apart: result shown {time.perf_counter() - began:.2f} s "
          f"after the first; {probe.blocked()}")
    return worst


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path,
                        help="measure on a copy of this project (e.g. the 30,000-procedure "
                             "one) instead of generating the 3,000-procedure city; without "
                             "start-up, import or simulation unless asked")
    parser.add_argument("--simulate", action="store_true",
                        help="with --project: also a 1,000-replication simulation")
    args = parser.parse_args(argv)
    if args.project is not None:
        measure_project(args.project, args.simulate)
    else:
        measure_city()


def measure_project(source: Path, simulate: bool) -> None:
    """Open a copy of an existing project, switch views, edit, switch scenarios."""
    import shutil

    from PySide6.QtCore import QSettings

    from bpr_studio.store import open_project
    from ui.app import ensure_application
    from ui.main_window import MainWindow
    from ui.screenshots import wait_until

    app = ensure_application("ja")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / source.name
        shutil.copy(source, project)  # the edits below change it
        with open_project(project) as opened:
            from bpr_studio.queries import procedures_frame

            procedures = len(procedures_frame(opened))
        window = MainWindow(settings=QSettings(str(Path(tmp) / "s.ini"),
                                               QSettings.Format.IniFormat))
        window.show()
        _watch_failures(window)
        probe = LatencyProbe()
        sampler = BlockSampler(probe) if os.environ.get("BPR_PROBE_GUI") else None
        load = os.getloadavg()
        worst = open_project_measured(app, window, probe, project, procedures)
        print(f"  after opening: {memory(window)}")
        worst += switch_views_measured(app, window, probe)
        print(f"  after every view: {memory(window)}")
        worst += scenario_switching_measured(app, window, probe)
        print(f"  after the switches and parameter edits: {memory(window)}")
        worst += survey_edit_measured(app, window, probe)
        print(f"  after the survey edit and its undo: {memory(window)}")
        if simulate:
            probe.start()
            window.session.simulate(1000, 1)
            wait_until(app, lambda: window.session.simulation is not None, 3600)
            worst.append(probe.stop())
            print(f"simulation, 1,000 replications: {probe.blocked()}")
        print(f"worst event-loop block over all of the above: {max(worst) * 1000:.0f} ms "
              f"(target 100 ms); load average {load[0]:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after (2 cores); {memory()}")
        if sampler is not None:
            sampler.report()
        window.close()


def measure_city() -> None:
    start = time.perf_counter()
    from PySide6.QtCore import QSettings

    from bpr_studio.sample_project import ensure_sample_project
    from ui.app import ensure_application
    from ui.main_window import MainWindow
    from ui.screenshots import wait_until

    app = ensure_application("ja")
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        sample = ensure_sample_project(Path(tmp))
        window = MainWindow(settings=settings)
        window.open_path(sample)
        window.show()
        wait_until(app, lambda: window.session.data is not None)
        shown = time.perf_counter() - start
        print(f"first start, building the sample project (imports included): {shown:.2f} s")
        starts = sorted(start_up_seconds(sample, Path(tmp)) for _ in range(3))
        print(f"main window shown with the sample project, fresh process: {starts[1][0]:.2f} s "
              f"(median of 3: {', '.join(f'{s:.2f}' for s, _ in starts)}; target 2 s); "
              f"CPU used by then {starts[1][1]:.2f} s (the start-ups' CPU: "
              f"{', '.join(f'{c:.2f}' for _, c in starts)}; load average "
              f"{os.getloadavg()[0]:.1f})")

        survey, big = generated_city(Path(tmp))
        _watch_failures(window)
        probe = LatencyProbe()
        sampler = BlockSampler(probe) if os.environ.get("BPR_PROBE_GUI") else None
        load = os.getloadavg()
        worst = open_project_measured(app, window, probe, big, 3000)

        dialog = window._on_import_triggered([survey])
        probe.start()
        dialog.start_check()
        wait_until(app, lambda: not dialog.runner.running and dialog._batch is not None)
        before = window.session.analysis
        dialog.start_import()
        # The import reloads the project and compares the scenario again: wait for both.
        wait_until(app, lambda: window.session.analysis is not before and _settled(window), 600)
        worst.append(probe.stop())
        print(f"import of 40 workbooks through the dialog: {probe.blocked()}"
              + probe.gap_list())
        dialog.reject()

        worst += switch_views_measured(app, window, probe)
        worst += scenario_switching_measured(app, window, probe)
        worst += survey_edit_measured(app, window, probe)

        probe.start()
        window.session.simulate(1000, 1)
        wait_until(app, lambda: window.session.simulation is not None, 180)
        probe.stop()
        print(f"simulation, 1,000 replications: {probe.blocked()}"
              + probe.gap_list())
        worst.append(probe.worst)
        print(f"worst event-loop block over all of the above: {max(worst) * 1000:.0f} ms "
              f"(target 100 ms); load average {load[0]:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after (2 cores); {memory()}")
        if sampler is not None:
            sampler.report()
        window.close()


if __name__ == "__main__":
    main()
