"""No computation process outlives its owner: a pool's workers end when the process that
started them ends, however it ends — the app's computation child once cancelled (it
leaves with ``os._exit``), a run killed from outside — and so does the app's computation
child when the app itself is gone. A worker left behind waited for ever with its memory
(and kept multiprocessing's resource tracker alive)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
GONE_WITHIN = 15.0   # seconds: the workers end at once; a busy machine is slow to show it


def _python(script: Path, *args: str) -> subprocess.Popen[str]:
    """``script`` run by this Python with this checkout's packages, its output read here."""
    return subprocess.Popen([sys.executable, str(script), *args], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, text=True)


def _spawned(pid: int, count: int, timeout: float = 120.0) -> list[psutil.Process]:
    """The ``count`` spawned processes (pool workers) under process ``pid``, once started."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for child in psutil.Process(pid).children(recursive=True):
            try:
                if "spawn_main" in " ".join(child.cmdline()):
                    found.append(child)
            except psutil.Error:  # ended meanwhile
                pass
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        alive = []
        for process in processes:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.Error:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _pool_computation() -> object:
    """In the app's computation child: a run's pool of two workers, each busy with a long
    task, and the child waiting for them (as a simulation waits for its chunks)."""
    import time as clock

    from analysis.compute import SharedPool

    with SharedPool(2) as pool:
        pending = pool.submit(clock.sleep, [120.0, 120.0])
        yield "started"
        pending.results()


def test_a_cancelled_computations_pool_workers_end_with_it():
    from ui.process_task import ChildRun

    run = ChildRun(_pool_computation, ())
    workers: list[psutil.Process] = []
    try:
        assert run.next_result(lambda: False, RuntimeError) == "started"
        workers = _spawned(run._child.pid, 2)
        assert len(workers) == 2
        run.close()  # the app's cancel: the child is asked to stop, then leaves at once
        run._child.join(30)
        assert not run._child.is_alive()
        assert _still_running(workers) == []
    finally:
        run.close()
        _kill(workers)


_OWNER = textwrap.dedent("""
    import sys, time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from analysis.worker_init import limit_threads
    from bpr_studio.io.gc_pause import reading_process_start

    if __name__ == "__main__":
        start = {"limit_threads": limit_threads,
                 "reading_process_start": reading_process_start}[sys.argv[1]]
        pool = ProcessPoolExecutor(2, get_context("spawn"), initializer=start)
        futures = [pool.submit(time.sleep, 120.0) for _ in range(2)]
        print("started", flush=True)
        time.sleep(600)
""")


def _left_after_killing(script: Path, code: str, *args: str,
                        started: Callable[[str, int], list[psutil.Process]]
                        ) -> list[psutil.Process]:
    """Run ``code`` (it prints a line once its processes are there), find them with
    ``started(its line, its pid)``, kill it (SIGKILL: no clean-up of its own) and return
    those still running after :data:`GONE_WITHIN` (then killed here)."""
    script.write_text(code, encoding="utf-8")
    owner = _python(script, *args)
    found: list[psutil.Process] = []
    try:
        assert owner.stdout is not None
        found = started(owner.stdout.readline().strip(), owner.pid)
        owner.send_signal(signal.SIGKILL)
        owner.wait(30)
        return _still_running(found)
    finally:
        owner.kill()
        owner.wait(30)
        _kill(found)


@pytest.mark.parametrize("initializer", ["limit_threads", "reading_process_start"])
def test_pool_workers_end_when_their_owner_is_killed(tmp_path, initializer):
    """The Monte Carlo's and counters' pools, the report's picture process (limit_threads)
    and the import's reading processes (reading_process_start)."""
    def workers(line: str, owner: int) -> list[psutil.Process]:
        assert line == "started"
        found = _spawned(owner, 2)
        assert len(found) == 2
        return found

    assert _left_after_killing(tmp_path / "owner.py", _OWNER, initializer,
                               started=workers) == []


_APP = textwrap.dedent("""
    import time
    from tests.test_no_leftover_processes import _pool_computation
    from ui.process_task import ChildRun

    if __name__ == "__main__":
        run = ChildRun(_pool_computation, ())
        assert run.next_result(lambda: False, RuntimeError) == "started"
        print(run._child.pid, flush=True)
        time.sleep(600)
""")


def test_the_apps_computation_child_and_its_workers_end_when_the_app_is_killed(tmp_path):
    def child_and_workers(line: str, _app: int) -> list[psutil.Process]:
        child = psutil.Process(int(line))
        found = [child, *_spawned(child.pid, 2)]
        assert len(found) == 3
        return found

    assert _left_after_killing(tmp_path / "app.py", _APP, started=child_and_workers) == []
