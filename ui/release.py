"""Free replaced results off the GUI thread, a piece at a time.

When a new comparison or load replaces the old one, the old result's last reference used
to be dropped on the GUI thread: freeing a 3,000-procedure analysis (tables of 45,000
steps, 11,000 measure applications, the ranking) took 250 ms there, a 30,000-procedure
one seconds. Dropped in a worker thread in one go it would be no better: freeing a
container frees everything under it in one C call, holding Python's lock throughout.

So :func:`release_later` hands the old result to a background thread that, after a short
delay (the views let go of their references when they show the new result), lists its
parts parents first — a frame's column arrays, a list's items, a dataclass's fields —
and drops them one by one: each drop frees only what that part holds alone, and the
lock changes hands between drops.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

from analysis.worker_init import trim_heap
from ui.process_task import collector_paused

DELAY_SECONDS = 1.0
MAX_DEPTH = 6
CHUNK = 5000  # items of an object array freed in one go (about a millisecond)
_LEAVES = (str, bytes, int, float, complex, bool, type(None), np.generic)
_queue: queue.Queue[tuple[float, Any]] = queue.Queue()
_worker: threading.Thread | None = None
_lock = threading.Lock()


def release_later(*objects: Any) -> None:
    """Free ``objects`` in the background (the caller drops its own references)."""
    global _worker
    with _lock:
        for obj in objects:
            if obj is not None:
                _queue.put((time.monotonic() + DELAY_SECONDS, obj))
        if _worker is None:
            _worker = threading.Thread(target=_run, name="release", daemon=True)
            _worker.start()


def pending() -> int:
    """How many objects wait to be freed (tests)."""
    return _queue.qsize()


def _run() -> None:
    """Free what is queued, then end (a thread only while there is something to free)."""
    global _worker
    freed = False
    while True:
        if freed and _queue.empty():
            give_memory_back()  # once the queue is done with (it may take a few ms)
            freed = False
        with _lock:
            if _queue.empty():
                _worker = None
                return
        due, obj = _queue.get()
        holder = [obj]
        del obj
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        # Handed over, not kept: with a name of ours still on it, nothing under it could
        # be freed part by part, and that name's end freed it all in one go.
        release_in_pieces(holder.pop())
        freed = True


def give_memory_back() -> None:
    """Hand the memory freed to the system (Linux, glibc: ``malloc_trim``). glibc keeps
    what a thread frees for that thread's next allocations, and a freed result's arrays
    and strings were left in the heaps of the worker threads that unpickled them: the
    app's resident memory grew with every comparison (3,000 procedures: 0.40 GB after
    opening, 0.96 GB after the benchmark's edits, the data held ~55 MB of arrays
    throughout)."""
    trim_heap()


def release_in_pieces(obj: Any) -> int:
    """Drop ``obj`` part by part, each part after every part that refers to it (so each
    drop frees only what that part alone holds); the number of parts. Hand it the only
    reference you mean to give up, keeping none: ``release_in_pieces(holder.pop())``, not
    ``release_in_pieces(result)`` with ``result`` still alive (the caller's name would keep
    every part alive until it ends, and its end would free them all at once). References
    held elsewhere (a view still showing a part) keep those parts, as they should."""
    # Without the garbage collector meanwhile: the bookkeeping below is a few hundred
    # thousand lists and dict entries at 30,000 procedures, and the collections they set
    # off walked all of them in this thread, holding the GUI's lock (89 ms at once).
    holder = [obj]
    del obj  # handed over, not kept (see above)
    with collector_paused():
        return _release_in_pieces(holder.pop())


def _release_in_pieces(obj: Any) -> int:
    parts: dict[int, Any] = {}
    children: dict[int, list[int]] = {}
    _collect(obj, parts, children, 0)
    del obj
    # Kahn's order: a part shared by two parents (a frame in two results) is dropped only
    # when both are gone; dropped after the first, it kept everything under it alive
    # until the second went, which then freed it all in one go.
    parents: dict[int, int] = {}
    for key in parts:  # not dict.fromkeys: one C call over every part
        parents[key] = 0
    for kids in children.values():
        for kid in kids:
            parents[kid] += 1
    ready = [key for key, count in parents.items() if count == 0]
    count = len(parts)
    while ready:
        key = ready.pop()
        part = parts.pop(key)
        _empty_if_alone(part)
        del part  # frees only what no part still waiting refers to
        for kid in children.get(key, ()):
            parents[kid] -= 1
            if parents[kid] == 0:
                ready.append(kid)
    parts.clear()  # a cycle, if any: freed by the garbage collector as before
    # The bookkeeping itself emptied an entry at a time: dropped at once, a dict of
    # hundreds of thousands of lists is freed in one C call too.
    for table in (children, parents):
        while table:
            table.popitem()
    return count


def _empty_if_alone(part: Any) -> None:
    """A large array of Python objects (a city's step names) nothing else refers to is
    emptied a chunk at a time: freed at once, its 100,000s of items take one C loop.
    (Only when nothing else refers to it: emptying an array in use would change data.)"""
    # References to ``part`` when only the caller holds it: the caller's name, this
    # function's argument and getrefcount's own argument.
    if sys.getrefcount(part) > 3:
        return
    if isinstance(part, pd.api.extensions.ExtensionArray):
        values = getattr(part, "_ndarray", None)
        others = 3  # the extension array's attribute, ``values`` and getrefcount's argument
    else:
        values, others = part, 4  # ``part``, ``values``, the caller's name, the argument
    if (isinstance(values, np.ndarray) and values.dtype == object and values.size > CHUNK
            and values.base is None and sys.getrefcount(values) <= others):
        flat = values.reshape(-1)  # a view of the (contiguous) array
        for start in range(0, flat.size, CHUNK):
            flat[start:start + CHUNK] = None


def _collect(obj: Any, parts: dict[int, Any], children: dict[int, list[int]],
             depth: int) -> None:
    parts[id(obj)] = obj
    if depth >= MAX_DEPTH:
        return
    kids = [kid for kid in _parts_of(obj) if not isinstance(kid, _LEAVES)]
    children[id(obj)] = [id(kid) for kid in kids]
    for kid in kids:
        if id(kid) not in parts:
            _collect(kid, parts, children, depth + 1)


def _parts_of(obj: Any) -> Any:
    if isinstance(obj, pd.DataFrame):
        return [obj.index, *(block.values for block in obj._mgr.blocks)]
    if isinstance(obj, pd.Series):
        return [obj.index, obj._values]
    if isinstance(obj, (np.ndarray, pd.Index, pd.api.extensions.ExtensionArray)):
        return ()  # freed by numpy in one loop over its items: a few ms for a city's column
    if isinstance(obj, (list, tuple, set, frozenset)):
        return obj
    if isinstance(obj, dict):
        return list(obj.values())
    if hasattr(obj, "__dict__"):
        return list(vars(obj).values())
    slots = [name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ())]
    return [getattr(obj, name) for name in slots if hasattr(obj, name)]
