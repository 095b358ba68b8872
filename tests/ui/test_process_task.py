"""A big project's comparison runs in a child process (ui.process_task): it never holds
the GUI's Python lock, cancelling kills it at once, and its result comes back whole."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from ui.process_task import CHUNK, dumps_in_pieces, run_in_process


class _Stop(Exception):
    pass


@dataclass(frozen=True)
class _Row:
    procedure_id: str
    saved: float


def _city_sized(rows: int) -> dict[str, object]:
    names = np.array([f"工程{i}" for i in range(rows)], dtype=object)
    return {"steps": pd.DataFrame({"name": names, "minutes": np.arange(rows, dtype=float)}),
            "ranking": [_Row(f"P{i}", i * 0.5) for i in range(rows)]}


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "late"


def _fail() -> None:
    raise ValueError("課 'X' の調査票が読めません")


def test_the_result_comes_back_whole_in_pieces():
    result = run_in_process(_city_sized, (3 * CHUNK + 7,), lambda: False, _Stop)
    expected = _city_sized(3 * CHUNK + 7)
    pd.testing.assert_frame_equal(result["steps"], expected["steps"])
    assert result["ranking"] == expected["ranking"]
    # Text columns and long lists cross as pieces, each unpickled by a call of its own.
    blob = dumps_in_pieces(expected)
    assert b"_object_array" in blob
    assert b"_long_list" in blob


def test_cancelling_kills_the_child_at_once():
    began = time.perf_counter()
    flag = threading.Event()
    threading.Timer(0.3, flag.set).start()
    with pytest.raises(_Stop):
        run_in_process(_sleep, (60.0,), flag.is_set, _Stop)
    assert time.perf_counter() - began < 20  # not the child's 60 s


def test_an_error_in_the_child_is_raised_with_its_traceback():
    with pytest.raises(ValueError, match="調査票が読めません") as raised:
        run_in_process(_fail, (), lambda: False, _Stop)
    assert "_fail" in raised.value.details  # type: ignore[attr-defined]


def test_no_garbage_collection_holds_the_lock_while_a_result_is_unpickled():
    """Unpickling a city's analysis makes millions of objects; a collection every
    thousands of them ran in the worker holding the GUI's lock. None runs now, the
    collector is back on after, and the result is frozen (never walked again)."""
    import gc

    collections: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.current_thread() is worker:
            collections.append(info["generation"])

    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(
        run_in_process(_city_sized, (20 * CHUNK,), lambda: False, _Stop)))
    frozen = gc.get_freeze_count()
    gc.callbacks.append(note)
    try:
        worker.start()
        worker.join(120)
    finally:
        gc.callbacks.remove(note)
    assert len(results[0]["ranking"]) == 20 * CHUNK  # type: ignore[index]
    assert collections == []
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + 20 * CHUNK


def test_a_big_projects_comparison_made_in_a_child_equals_the_one_made_here(
        qtbot, make_main_window, sample_project, monkeypatch):
    import ui.session_tasks as session_module

    window = make_main_window(sample_project)
    session = window.session
    here = session.comparison.city()["saved"]["staff_time_h"]
    here_rows = [r.procedure_id for r in session.analysis.ranking.rows]
    qtbot.waitUntil(lambda: bool(session.analysis.counters), timeout=60000)
    here_counters = [(c.section, c.servers, c.to_be) for c in session.analysis.counters]
    assert here_counters
    monkeypatch.setattr(session_module, "CHILD_PROCESS_FROM", 0)
    used: list[bool] = []
    real = session_module.ChildRun
    monkeypatch.setattr(session_module, "ChildRun",
                        lambda *args: used.append(True) or real(*args))
    before = session.analysis
    session.recompare()
    qtbot.waitUntil(lambda: session.analysis is not before and not session.comparing,
                    timeout=120000)
    assert used
    assert session.comparison.city()["saved"]["staff_time_h"] == pytest.approx(here)
    assert [r.procedure_id for r in session.analysis.ranking.rows] == here_rows
    assert session.procedure_choices[0]  # the flow view's picker rows came with it
    # The counter queues follow from the same child, the same as those made here.
    qtbot.waitUntil(lambda: not session.counting and bool(session.analysis.counters),
                    timeout=120000)
    assert [(c.section, c.servers, c.to_be) for c in session.analysis.counters] == here_counters


def test_a_big_projects_data_loaded_in_a_child_equals_the_data_loaded_here(
        qtbot, make_main_window, sample_project, monkeypatch):
    import ui.session_tasks as session_module

    window = make_main_window(sample_project)
    session = window.session
    here = session.data
    assert here is not None
    monkeypatch.setattr(session_module, "LOAD_IN_CHILD_FROM", 0)
    with qtbot.waitSignal(session.loaded, timeout=120000):
        session.reload()
    there = session.data
    assert there is not here
    assert there is not None
    pd.testing.assert_frame_equal(there.procedures, here.procedures)
    assert there.summary is not None
    assert here.summary is not None
    assert there.summary.level_counts == here.summary.level_counts
    assert window.survey_view.procedure_model.rowCount() == len(here.procedures)


def _counting(steps: int, progress, cancelled) -> int:  # a task's function: progress, flag
    for done in range(steps):
        progress(done, steps, "数えています")
    return steps


def test_a_childs_progress_is_reported_here():
    seen: list[tuple[int, int, str]] = []
    assert run_in_process(_counting, (3,), lambda: False, _Stop,
                          lambda *p: seen.append(p)) == 3
    assert seen == [(0, 3, "数えています"), (1, 3, "数えています"), (2, 3, "数えています")]


def test_a_big_projects_simulation_runs_in_a_child_with_its_progress(
        qtbot, make_main_window, sample_project, monkeypatch):
    import ui.session_tasks as session_module

    window = make_main_window(sample_project)
    session = window.session
    monkeypatch.setattr(session_module, "CHILD_PROCESS_FROM", 0)
    steps: list[int] = []
    session.simulator.progressed.connect(lambda done, total, label: steps.append(done))
    with qtbot.waitSignal(session.simulation_ready, timeout=180000) as ready:
        session.simulate(60, 7)
    result = ready.args[0]
    assert steps  # the child's progress reached the window
    assert result.replications == 60
    here = session_module.simulate_at(session.path, session.scenario, 60, 7,
                                      lambda *a: None, lambda: False)
    assert result.city.savings["staff_time_h"].p50 == pytest.approx(
        here.city.savings["staff_time_h"].p50)


def _slow_cleanup() -> None:
    end = time.perf_counter() + 0.2
    while time.perf_counter() < end:
        pass


class _Resource:
    pass


def _mostly_in_cleanup_callbacks(started: str, seconds: float) -> str:
    """Spends its time in weakref finalizers: a stop raised there is swallowed by Python."""
    import weakref
    from pathlib import Path

    Path(started).write_text("started")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        resource = _Resource()
        weakref.finalize(resource, _slow_cleanup)
        del resource  # the finalizer runs here
    return "late"


def test_a_stop_landing_in_a_cleanup_callback_still_stops_the_child(tmp_path):
    """Asked to stop while in a cleanup callback, the child printed "Exception ignored …
    _Stopped" and ran on until killed 10 s later (holding a core and its memory)."""
    from ui.process_task import STOP_GRACE_SECONDS, ChildRun

    started = tmp_path / "started"
    run = ChildRun(_mostly_in_cleanup_callbacks, (str(started), 60.0))
    deadline = time.perf_counter() + 60
    while not started.exists() and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert started.exists()
    time.sleep(0.3)
    asked = time.perf_counter()
    run.close()
    child = run._child
    while child.is_alive() and time.perf_counter() - asked < STOP_GRACE_SECONDS + 5:
        time.sleep(0.05)
    assert time.perf_counter() - asked < STOP_GRACE_SECONDS / 2


def test_rows_of_many_fields_cross_in_pieces_of_a_few_milliseconds():
    """5,000 of the ranking's rows unpickled in one call held the lock 60-180 ms, and a
    3,000-row ranking (under 5,000) crossed whole: long lists cross in pieces sized by
    their bytes."""
    import pickle

    from ui import process_task

    rows = [_Row(f"P{i:05d}", i * 0.5) for i in range(3000)]
    loads: list[int] = []
    real = process_task._long_list

    def spy(pieces: list[bytes]) -> list[object]:
        loads.extend(len(piece) for piece in pieces)
        return real(pieces)

    blob = dumps_in_pieces({"ranking": rows})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process_task, "_long_list", spy)
        assert pickle.loads(blob) == {"ranking": rows}
    assert len(loads) > 1
    assert max(loads) <= 2 * process_task.PIECE_BYTES


def test_a_long_list_referred_to_twice_crosses_in_pieces_once():
    """The potential comparison shares the comparison's applications: the second
    reference crossed whole (16,000 objects in one call at 3,000 procedures)."""
    import pickle

    from ui import process_task

    shared = [_Row(f"P{i}", float(i)) for i in range(2 * process_task.PIECED_FROM)]
    calls: list[int] = []
    real = process_task._long_list
    blob = dumps_in_pieces({"comparison": {"applications": shared},
                            "potential": {"applications": shared}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process_task, "_long_list",
                      lambda pieces: calls.append(len(pieces)) or real(pieces))
        result = pickle.loads(blob)
    assert result["comparison"]["applications"] == shared
    # One list in pieces, both places referring to it (before: the second crossed whole,
    # a copy).
    assert result["potential"]["applications"] is result["comparison"]["applications"]
    assert len(calls) == 1
    assert calls[0] > 1  # pieces


def test_a_large_array_is_copied_out_of_the_messages_whole_and_writable(monkeypatch):
    """Numeric blocks are copied out of the received messages a slice at a time, across
    the messages' borders."""
    import pickle

    from ui import process_task

    monkeypatch.setattr(process_task, "COPY_BYTES", 4096)
    frame = pd.DataFrame(np.random.default_rng(1).random((20000, 5)), columns=list("abcde"))
    blob = pickle.dumps(frame, process_task.PROTOCOL)
    pieces = [blob[i:i + 70001] for i in range(0, len(blob), 70001)]
    loaded = pickle.load(process_task._PiecesReader(pieces))
    pd.testing.assert_frame_equal(loaded, frame)
    loaded.iloc[0, 0] = 2.0  # the arrays are the app's own, not views of read-only bytes
    assert loaded.iloc[0, 0] == 2.0


def test_repeated_text_crosses_once_per_distinct_value():
    """A city's step tables repeat a few hundred sections, actors and kinds over 450,000
    rows: each distinct text crosses once and every row refers to it (sent item by item,
    each piece made its own copies: memory and unpickling time for nothing). Missing
    values come back as they were (None stays None, NaN stays NaN)."""
    import math
    import pickle

    rows = 4 * CHUNK
    kinds = np.array([("窓口", "審査", "入力")[i % 3] for i in range(rows)], dtype=object)
    kinds[5], kinds[7] = None, np.nan
    frame = pd.DataFrame({"kind": pd.Series(kinds, dtype=object),
                          "section": pd.array([f"課{i % 40}" for i in range(rows)], dtype="str"),
                          "minutes": np.arange(rows, dtype=float)})
    loaded = pickle.loads(dumps_in_pieces(frame))
    pd.testing.assert_frame_equal(loaded, frame)
    texts = [value for value in loaded["kind"] if isinstance(value, str)]
    assert len({id(value) for value in texts}) == 3
    assert len({id(value) for value in loaded["section"]}) == 40
    assert loaded["kind"][5] is None
    assert isinstance(loaded["kind"][7], float)
    assert math.isnan(loaded["kind"][7])


def test_text_that_does_not_repeat_or_is_not_text_crosses_item_by_item():
    """Coding pays only for repeated text: unique names, numbers and mixed objects keep
    crossing in pieces, unchanged (an int 1 and a True must not be merged as equal)."""
    import pickle

    mixed = np.array([1, True, 1.0, "1"] * CHUNK, dtype=object)
    loaded = pickle.loads(dumps_in_pieces(mixed))
    assert [type(value) for value in loaded[:4]] == [int, bool, float, str]
    names = np.array([f"工程{i}" for i in range(CHUNK)], dtype=object)
    assert b"_object_array" in dumps_in_pieces(names)
    assert list(pickle.loads(dumps_in_pieces(names))) == list(names)
