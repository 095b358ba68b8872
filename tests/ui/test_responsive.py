"""Starting a computation while another runs never freezes the window (issue 12).

The bounds here are loose on purpose (one second, where the old code waited for the
superseded task: 5 s for the stubborn task below, 7.8 s on a city-sized project): a test
on a loaded machine must not fail on scheduling noise. The 100 ms figure itself is
measured by ``benchmarks/bench_gui.py`` (rapid switching and rapid edits).
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QTimer

from ui.task_runner import TaskRunner


class _GapProbe:
    """The longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.last = time.perf_counter()
        self.worst = 0.0

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - 0.010)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()


def test_a_new_task_cancels_the_old_one_without_waiting_and_drops_its_result(qtbot):
    runner = TaskRunner()
    release = threading.Event()
    results: list[object] = []
    runner.succeeded.connect(results.append)

    def stubborn(progress, cancelled):  # ends only when released, whatever the flag says
        release.wait(5)
        return "stale"

    seen_cancel = threading.Event()

    def cooperative(progress, cancelled):
        while not cancelled():
            time.sleep(0.005)
        seen_cancel.set()
        return "also stale"

    runner.start(cooperative)
    began = time.perf_counter()
    runner.start(stubborn)  # cancels the cooperative one
    runner.start(lambda progress, cancelled: "fresh")  # cancels the stubborn one
    assert time.perf_counter() - began < 1.0  # no waiting on the GUI thread
    assert seen_cancel.wait(2)  # the worker saw its cancel flag
    qtbot.waitUntil(lambda: results == ["fresh"], timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: runner.winding_down == 0, timeout=5000)
    qtbot.wait(50)
    assert results == ["fresh"]  # the superseded results were dropped
    runner.stop()


def test_rapid_scenario_switching_never_blocks_the_event_loop(qtbot, make_main_window,
                                                              sample_project, monkeypatch):
    """Each comparison is made to take three seconds (as with a whole city hall): switching
    five times must neither wait for them on the GUI thread nor show a stale result."""
    import ui.session_tasks as session_module
    from analysis.scenario import Scenario

    window = make_main_window(sample_project)
    session = window.session
    # The session's worker function for a scenario (named by the pipeline it calls).
    name = "analyse_at" if hasattr(session_module, "analyse_at") else "compare_scenario"
    real = getattr(session_module, name)

    def slow_compare(path, scenario, *rest):
        cancelled = rest[0] if rest and callable(rest[0]) else (lambda: False)
        for _ in range(300):  # three seconds, looking at the cancel flag like the core does
            if cancelled():
                raise session_module.SimulationCancelled
            time.sleep(0.01)
        return real(path, scenario, *rest)

    monkeypatch.setattr(session_module, name, slow_compare)
    base = session.scenario
    assert base is not None
    fewer = Scenario("施策を減らした案", base.measures[:2], "")
    probe = _GapProbe()
    probe.start()
    longest_call = 0.0
    for scenario in (fewer, base, fewer, base, fewer):
        began = time.perf_counter()
        session.set_scenario(scenario)  # the old code waited here for the running one
        longest_call = max(longest_call, time.perf_counter() - began)
        qtbot.wait(200)
    qtbot.waitUntil(lambda: not session.comparing and session.analyzer.winding_down == 0,
                    timeout=60000)
    probe.timer.stop()
    # Loose bounds (see the module docstring): the old code waited about 3 s here.
    assert longest_call < 1.0, f"switching took {longest_call * 1000:.0f} ms on the GUI thread"
    assert probe.worst < 1.0, f"event loop blocked {probe.worst * 1000:.0f} ms"
    # The last scenario asked for is the one shown, not a superseded one.
    assert [m.measure for m in session.scenario.measures] == [m.measure for m in fewer.measures]
    applied = {a.measure for a in session.comparison.applications if a.applied}
    assert applied <= {m.measure for m in fewer.measures}


def test_counters_follow_the_comparison_and_equal_the_pipelines(qtbot, make_main_window,
                                                                sample_project):
    """The window shows a comparison without waiting for the counter queues (a third of
    the time with a city); they arrive next, the same as the pipeline's own."""
    from bpr_studio.pipeline import analyse
    from bpr_studio.store import open_project

    window = make_main_window(sample_project)
    session = window.session
    assert session.analysis is not None
    qtbot.waitUntil(lambda: not session.counting, timeout=60000)
    with open_project(sample_project) as project:
        expected = analyse(project, session.scenario).counters
    assert expected  # the sample has counters to compare
    assert session.analysis.counters == expected
    view = window.comparison_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    qtbot.waitUntil(lambda: view.counter_model.rowCount() == len(expected), timeout=10000)


class _Tracked:
    """Records the thread its last reference was dropped on."""

    freed_on: list[str] = []

    def __del__(self) -> None:
        _Tracked.freed_on.append(threading.current_thread().name)


def test_a_superseded_result_and_its_task_are_freed_off_the_gui_thread(qtbot, monkeypatch):
    """Dropped with the thread object on the GUI thread, a city's superseded analysis (or
    what its task was given) was freed there in one go: seconds at 30,000 procedures."""
    import ui.release as release

    monkeypatch.setattr(release, "DELAY_SECONDS", 0.0)
    _Tracked.freed_on = []
    runner = TaskRunner()
    go = threading.Event()

    def task_given(given: _Tracked):
        def old(progress, cancelled):  # holds what it was given until it ends
            go.wait(5)
            assert given is not None
            return _Tracked()
        return old
    runner.start(task_given(_Tracked()))
    runner.start(lambda progress, cancelled: "fresh")  # supersedes it
    go.set()
    qtbot.waitUntil(lambda: not runner.running and runner.winding_down == 0, timeout=5000)
    qtbot.waitUntil(lambda: len(_Tracked.freed_on) == 2, timeout=5000)
    assert threading.main_thread().name not in _Tracked.freed_on


def _this_thread_nice() -> int:
    import os
    import threading

    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_workers_run_at_the_gui_threads_priority(qtbot):
    """A task, a chart being drawn and the release thread share Python's lock with the GUI
    thread: lowered (nice 10) on a busy 2-core machine, a worker descheduled while holding
    the lock kept the GUI thread waiting for it 250-350 ms (at the GUI's priority: under
    70 ms). They run at the GUI thread's priority, and so do the child processes started
    from them (a lowered child got its comparison 393 s after opening at 30,000)."""
    import sys

    import pytest

    from ui.chart_canvas import ChartCanvas, wait_for_renders
    from ui.release import release_later

    if not sys.platform.startswith("linux"):
        pytest.skip("thread nice values are Linux's")
    gui_nice = _this_thread_nice()
    runner = TaskRunner()
    seen: list[object] = []
    runner.succeeded.connect(seen.append)
    runner.start(lambda progress, cancelled: _this_thread_nice())
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] == gui_nice

    drawn: list[int] = []

    def chart(figure: object) -> None:
        drawn.append(_this_thread_nice())
    canvas = ChartCanvas()
    qtbot.addWidget(canvas)
    canvas.show()
    canvas.draw(chart)
    qtbot.waitUntil(lambda: bool(drawn), timeout=30000)
    wait_for_renders()
    assert drawn == [gui_nice]

    freed: list[int] = []

    class Noted:
        def __del__(self) -> None:
            freed.append(_this_thread_nice())
    release_later(Noted())
    qtbot.waitUntil(lambda: bool(freed), timeout=5000)
    assert freed == [gui_nice]
