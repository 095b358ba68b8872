"""Background threads yield the processor to the GUI thread.

Measured on the 2-core machine (``benchmarks/bench_gui.py`` splits each event-loop gap
into the GUI thread's own work, its wait for a core and the rest): with a city-sized
comparison running, most of a long gap was the GUI thread ready to run and given no
core, while the app's own worker took it. A worker, a chart being drawn or a result
being freed therefore runs at a lower priority than the GUI thread: the GUI thread gets
the core as soon as it has something to do, the workers have every cycle it leaves, and
the figures come no later on a PC that is otherwise idle. Child processes started from a
lowered thread (the Monte Carlo's pool) inherit its priority on Linux.

Linux sets a thread's nice value by its thread id; Windows sets the thread priority; on
other systems (macOS: ``setpriority`` there names processes, not threads) nothing is done.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

# 10 on Linux: a worker weighs 110 against the GUI thread's 1,024 when both want a core.
BACKGROUND_NICE = 10
_THREAD_PRIORITY_BELOW_NORMAL = -1  # Windows (winbase.h)


def lower_this_thread() -> None:
    """Lower the calling thread's priority (never the GUI thread's: call it in workers)."""
    if threading.current_thread() is threading.main_thread():
        return
    with contextlib.suppress(OSError, AttributeError, ValueError):
        if sys.platform.startswith("linux"):
            # Only ever raised: lowering back needs privileges a user does not have.
            tid = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, tid)
            if current < BACKGROUND_NICE:
                os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
        elif sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(),
                                       _THREAD_PRIORITY_BELOW_NORMAL)


def this_thread_nice() -> int | None:
    """The calling thread's nice value on Linux (tests); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
