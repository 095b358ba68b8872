"""Start-up of a Monte Carlo worker process: one BLAS/OpenMP thread, and an end with the
process that started it.

Two workers each running two BLAS threads on two cores fight over them (issue 16: a sum
that takes 0.15 s with one thread took 66 s with two on a busy machine). This module
imports nothing heavy, so in a spawned worker the variables are set before numpy loads
its BLAS; threadpoolctl limits a BLAS that was loaded already (when the program that
started the pool had imported numpy in its main module, which the worker re-imports).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def limit_threads(chunks_over: Any = None) -> None:
    """Initializer of a worker process (also called by each Dask task: idempotent).
    ``chunks_over``: the pool's event that says no Monte Carlo chunk is still to be handed
    out (``analysis.compute.SharedPool``; see :func:`give_back_memory`)."""
    global _chunks_over
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    keep_freed_memory()
    end_with_parent()
    if chunks_over is not None:
        _chunks_over = chunks_over


_watching: list[threading.Thread] = []
# In a worker of a pool shared by a run's chunks and counters: set once the run has handed
# out its last chunk (a ``multiprocessing`` event); None in any other process.
_chunks_over: Any = None


def _exit_now() -> None:
    os._exit(1)


def end_with_parent(end: Callable[[], None] = _exit_now) -> None:
    """In a process started by ``multiprocessing``: ``end()`` (by default, end this process
    at once) as soon as the process that started it has ended, however it ended.

    Why: a pool's worker waits for its next task on a pipe it holds open itself, so when
    its owner ended without shutting the pool down — the app's computation child, which
    leaves with ``os._exit`` once cancelled (``ui.process_task``), or a test or benchmark
    that was killed — the worker finished its task and then waited for ever, holding its
    memory and multiprocessing's resource tracker (session 16 found two such workers of
    12–13 CPU-seconds each and the tracker after a test run). A daemon thread waits on the
    parent's sentinel (a pipe on POSIX, the process handle on Windows), which is ready
    only once the parent has ended: no polling. Once per process (a Dask task calls
    :func:`limit_threads` again); nothing in the main process."""
    parent = multiprocessing.parent_process()
    if parent is None or _watching or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        end()

    watcher = threading.Thread(target=watch, daemon=True, name="ends with its parent")
    watcher.start()
    _watching.append(watcher)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # glibc's mallopt parameters
_KEEP = 1 << 30


def keep_freed_memory() -> None:
    """In a worker process, keep the memory of a finished chunk for the next one.

    A chunk's arrays are tens of megabytes each (steps × replications), which glibc gives
    to the system when they are freed and takes again, page by page, for the next chunk:
    the kernel's faults and zeroing made 3.3–3.9 s of system time of the 21 CPU seconds
    of a 3,000-procedure simulate (all its processes), 1.8–2.1 s with the memory kept
    (a batch of counters still trims it). Large blocks now
    come from the heap and stay there; :func:`give_back_memory` gives them back once no
    chunk is to come. Only glibc has ``mallopt``; elsewhere this does nothing."""
    if not sys.platform.startswith("linux") or multiprocessing.parent_process() is None:
        return
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc (musl)
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _KEEP)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEEP)


def release_freed_memory() -> None:
    """In a worker process, give the memory of a finished chunk back to the system.

    glibc keeps large freed blocks in the process for reuse (its mmap threshold grows
    with the arrays it has freed), so a worker that ran a Monte Carlo chunk kept its
    peak resident while the counters' year ran on the same workers, and the run went
    over its memory budget (issue 16). ``malloc_trim`` returns them. Only glibc has it;
    elsewhere (Windows frees large blocks to the system itself) this does nothing. The
    main process is left alone: trimming its large heap would cost time for nothing.
    """
    if multiprocessing.parent_process() is not None:
        trim_heap()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None  # not glibc (musl has no malloc_trim)
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


HEAP_TRIM = _malloc_trim()


def trim_heap() -> None:
    """Hand the memory this process has freed back to the system (glibc's
    ``malloc_trim``; nothing elsewhere: Windows frees large blocks itself). A ctypes call
    lets go of Python's lock while it runs."""
    if HEAP_TRIM is not None:
        HEAP_TRIM(0)


def give_back_memory(without_pool_event: bool) -> None:
    """After a task in a worker process: :func:`release_freed_memory` once the run has
    handed out its last Monte Carlo chunk, keep the memory while chunks are still to come.

    Why (issue 16): the counters' batches share the workers with the chunks still to come,
    and each batch gave the previous chunk's memory back to the system, which the next
    chunk faulted in again, page by page: about 6 CPU-seconds of the workers' system time
    at 30,000 procedures. Keeping it for every batch (d4f3640, reverted in f46e74b) left
    the workers at their high-water mark (~720 MB each) while the run's own process made
    its result — the 30,000-procedure report's process tree at 2.35 GB. Between chunks a
    worker holds its high-water mark anyway; once the last chunk is handed out, each
    task (chunk or batch) gives its memory back as the batches did before.
    ``without_pool_event``: what to do in a worker of a pool that gives no such event (a
    pool of its own, Dask): True for a batch of counters (as before), False for a chunk."""
    if _chunks_over is None:
        if without_pool_event:
            release_freed_memory()
        return
    if _chunks_over.is_set():
        release_freed_memory()
