"""Run a heavy computation in a child process, so it never holds the GUI's Python lock.

A worker thread shares Python's lock (the GIL) with the GUI thread: a comparison of a
prefecture's 30,000 procedures spends whole seconds in single pandas/numpy calls over
450,000-step tables, and the window cannot draw until each ends (bench_gui at 30,000:
gaps of 0.5–0.8 s, all of them the GUI thread waiting for the lock). In a child process
(spawned: the same on Windows) it has a lock of its own. Cancelling kills the child at
once: a superseded comparison no longer winds down for minutes holding gigabytes.

The result comes back pickled. Unpickled in one call, a 3,000-procedure analysis held the
lock 0.8 s (8 s at 30,000), so the child pickles every large array of Python objects (a
table's text columns) and every long list (ranking rows, a scenario's applications) as
separate pieces of about :data:`PIECE_BYTES` each, each unpickled by a Python call of its
own: between two pieces the GUI thread gets the lock back (a few ms each).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analysis.worker_init import end_with_parent

CHUNK = 5000            # items per separately pickled piece at most
PIECE_BYTES = 64 << 10  # about this many bytes a piece: a few ms to unpickle at most
FIRST_PIECE = 64        # items in the first piece (the next are sized by its bytes)
CODED_BELOW = 0.5       # a text array with fewer distinct values than this share crosses coded
PIECED_FROM = 256       # lists and object arrays longer than this cross in pieces
POLL_SECONDS = 0.05     # how often the waiting thread looks at the cancel flag
PROTOCOL = 5
STOP_GRACE_SECONDS = 10.0  # a child asked to stop is killed after this
MESSAGE_BYTES = 8 << 20  # the result crosses in messages this size: never one copy of it all
COPY_BYTES = 1 << 20    # a large array's bytes are copied out of the messages this much at a time


_COLLECTOR_LOCK = threading.Lock()
_collector_pauses = [0, False]  # results being unpickled now; the collector was enabled


@contextlib.contextmanager
def collector_paused() -> Any:
    """No garbage collection while a result is unpickled (or a replaced one is freed,
    ``ui.release``), and what it made frozen after (``gc.freeze``: the session freezes
    each result it takes anyway, ``ui.app``).

    Unpickling a city's analysis makes millions of objects, and every 50,000 of them
    Python ran a collection over the young ones, in this worker, holding the GUI's lock
    throughout (on a busy machine: 60-100 ms each, the worker descheduled mid-way). None
    of them can be garbage yet; without the collections the GUI thread waited 20-34 ms
    instead of 53-61 (a worker unpickling 300,000 rows, load 12 on 2 cores)."""
    with _COLLECTOR_LOCK:
        if _collector_pauses[0] == 0:
            _collector_pauses[1] = gc.isenabled()
            gc.disable()
        _collector_pauses[0] += 1
    try:
        yield
    finally:
        with _COLLECTOR_LOCK:
            _collector_pauses[0] -= 1
            if _collector_pauses[0] == 0:
                gc.freeze()  # a list splice: the new objects leave the young generations
                if _collector_pauses[1]:
                    gc.enable()


# How the latest results crossed (benchmarks/bench_gui.py prints them): seconds from asking
# until the child's first message (its computing and pickling), receiving the messages,
# and unpickling here; and the bytes received.
TIMINGS: deque[dict[str, float]] = deque(maxlen=20)


class ChildFailed(RuntimeError):
    """The child process raised (its exception could not be sent back) or died."""


def _object_array(shape: tuple[int, ...], pieces: list[bytes]) -> np.ndarray:
    out = np.empty(int(np.prod(shape)), dtype=object)
    start = 0
    for blob in pieces:
        part = pickle.loads(blob)
        out[start:start + len(part)] = part
        start += len(part)
    return out.reshape(shape)


def _coded_array(shape: tuple[int, ...], codes: np.ndarray, uniques: list[Any],
                 missing: list[Any] | None) -> np.ndarray:
    """A text array sent as its distinct values and each item's code (:func:`_coded`):
    one ``take`` (a C call of a few ms at 450,000 items) and the missing values put back."""
    values = np.empty(len(uniques) + 1, dtype=object)  # the last slot: code -1 (missing)
    values[:-1] = uniques
    out = values.take(codes)
    if missing is not None:
        out[codes < 0] = missing
    return out.reshape(shape)


def _coded(flat: np.ndarray) -> tuple[np.ndarray, list[Any], list[Any] | None] | None:
    """``flat`` (an object array) as (codes, distinct values, the missing items in order,
    or None if all are None) when its items are text or missing and repeat (a step
    table's procedure ID, section, actor, kind: 450,000 items, a few hundred to 30,000
    distinct); None otherwise. Each repeated text then crosses once: a city's tables sent
    item by item were ~20 bytes a cell to send and a Python string each to make and keep
    (the app's memory), 30 columns of 450,000 steps."""
    kind = pd.api.types.infer_dtype(flat, skipna=True)
    if kind not in ("string", "empty"):
        return None  # numbers, mixed items, objects: item by item, in pieces
    codes, uniques = pd.factorize(flat, use_na_sentinel=True)
    if len(uniques) >= CODED_BELOW * len(flat):
        return None  # all but distinct: nothing to share
    if any(type(value) is not str for value in uniques):
        return None  # a str subclass would be merged with equal plain strings
    missing: list[Any] | None = None
    absent = codes < 0
    if absent.any():
        gaps = flat[absent].tolist()  # None, NaN, pd.NA...: each as it was
        missing = None if all(value is None for value in gaps) else gaps
    small = np.int16 if len(uniques) < (1 << 15) else np.int32
    return codes.astype(small), uniques.tolist(), missing


def _long_list(pieces: list[bytes]) -> list[Any]:
    out: list[Any] = []
    for blob in pieces:
        out.extend(pickle.loads(blob))
    return out


def _pickled_pieces(count: int, items: Callable[[int, int], list[Any]]) -> list[bytes]:
    """``count`` items pickled as pieces of about :data:`PIECE_BYTES` each (at most
    :data:`CHUNK` items); ``items(start, stop)`` gives a slice as a list. Sized by bytes,
    not items: 5,000 of the ranking's rows or the scenario's applications (objects of
    several fields) took 60-180 ms to unpickle in one call, 5,000 short strings 1-2 ms."""
    pieces: list[bytes] = []
    start, step = 0, FIRST_PIECE
    while start < count:
        blob = pickle.dumps(items(start, min(start + step, count)), PROTOCOL)
        pieces.append(blob)
        taken = min(step, count - start)
        start += taken
        step = max(1, min(CHUNK, taken * PIECE_BYTES // max(len(blob), 1)))
    return pieces


class _PiecedList(list):  # type: ignore[type-arg]
    """A long list marked to cross in pieces (pickle asks no reducer about exact lists);
    it comes back as a plain list."""


def _mark_long_lists(obj: Any, depth: int = 0,
                     seen: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """``obj`` with every list longer than :data:`PIECED_FROM` under it (in dataclass
    fields, attributes, dict values, list and tuple items; a few levels deep) marked as a
    :class:`_PiecedList`, in place where it can be (in the child: its objects are thrown
    away after). A list referred to from two places is marked in both (the second
    reference to an unmarked list crossed whole: 16,000 applications of the potential
    comparison, which shares the comparison's, held the lock 74 ms at 3,000 procedures)."""
    # id → (the object, what it was replaced with); the object is kept so that its id is
    # not reused by another while this runs.
    seen = {} if seen is None else seen
    if isinstance(obj, (str, bytes, int, float, np.ndarray)):
        return obj
    if id(obj) in seen:
        return seen[id(obj)][1]
    if depth > 6:
        return obj
    seen[id(obj)] = (obj, obj)
    if type(obj) is list:
        items = [_mark_long_lists(item, depth + 1, seen) for item in obj[:CHUNK]]
        if len(obj) <= PIECED_FROM:
            obj[:] = items
            return obj
        # Items of a long list: only the first few are looked into (rows are alike).
        marked = _PiecedList([*items, *obj[CHUNK:]])
        seen[id(obj)] = (obj, marked)
        return marked
    if type(obj) is tuple:
        marked_tuple = tuple(_mark_long_lists(item, depth + 1, seen) for item in obj)
        seen[id(obj)] = (obj, marked_tuple)
        return marked_tuple
    if type(obj) is dict:
        for key, value in obj.items():
            obj[key] = _mark_long_lists(value, depth + 1, seen)
        return obj
    fields = getattr(obj, "__dict__", None)
    if isinstance(fields, dict) and not isinstance(obj, type):
        for key, value in list(fields.items()):
            marked = _mark_long_lists(value, depth + 1, seen)
            if marked is not value:
                object.__setattr__(obj, key, marked)
    return obj


def _as_pieced(items: list[Any]) -> list[Any]:
    """``items`` marked to cross in pieces if long (:class:`_PiecedList`)."""
    return _PiecedList(items) if len(items) > PIECED_FROM else items


class _PiecewisePickler(pickle.Pickler):
    """Pickles large object arrays and long lists as separately loadable pieces.

    A piece is its own pickle: an item that the rest of the result also refers to comes
    back as a copy (equal, not the same object). Results sent this way hold rows of
    values, which that does not change."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray and obj.dtype == object and obj.size > PIECED_FROM:
            flat = obj.reshape(-1)
            coded = _coded(flat)
            if coded is not None:
                codes, uniques, missing = coded
                return _coded_array, (obj.shape, codes, _as_pieced(uniques),
                                      None if missing is None else _as_pieced(missing))
            return _object_array, (obj.shape, _pickled_pieces(
                flat.size, lambda start, stop: flat[start:stop].tolist()))
        if type(obj) is _PiecedList:
            return _long_list, (_pickled_pieces(
                len(obj), lambda start, stop: list(obj[start:stop])),)
        return NotImplemented


def dumps_in_pieces(obj: Any) -> bytes:
    """``obj`` pickled with its text arrays and long lists as pieces (long lists are
    marked in place: call it on what is about to be sent and thrown away)."""
    buffer = io.BytesIO()
    _PiecewisePickler(buffer, PROTOCOL).dump(_mark_long_lists(obj))
    return buffer.getvalue()


class _PiecesReader:
    """A file over a list of byte strings, for pickle.load: joining 500 MB of messages
    into one string would be one copy holding the lock."""

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = pieces
        self._index = 0
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        out = []
        while (size < 0 or size > 0) and self._index < len(self._pieces):
            piece = self._pieces[self._index]
            take = len(piece) - self._offset if size < 0 else min(size, len(piece) - self._offset)
            out.append(piece[self._offset:self._offset + take])
            self._offset += take
            if size > 0:
                size -= take
            if self._offset >= len(piece):
                self._pieces[self._index] = b""  # read: let it go
                self._index += 1
                self._offset = 0
        return b"".join(out)

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` (a large array's bytes: pickle protocol 5 reads a bytearray
        in one call) straight from the messages, :data:`COPY_BYTES` at a time. Joined
        into one string first and then copied, a 68 MB block of a 30,000-procedure
        comparison's step table was two copies of 68 MB, each one C call holding the
        lock (30-90 ms each, most of it page faults in new memory)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._index < len(self._pieces):
            piece = self._pieces[self._index]
            take = min(len(view) - filled, len(piece) - self._offset, COPY_BYTES)
            with memoryview(piece) as source:
                view[filled:filled + take] = source[self._offset:self._offset + take]
            filled += take
            self._offset += take
            if self._offset >= len(piece):
                self._pieces[self._index] = b""  # read: let it go
                self._index += 1
                self._offset = 0
        return filled

    def readline(self) -> bytes:
        out = []
        while self._index < len(self._pieces):
            piece = self._pieces[self._index]
            end = piece.find(b"\n", self._offset)
            if end >= 0:
                out.append(self.read(end + 1 - self._offset))
                break
            out.append(self.read(len(piece) - self._offset))
        return b"".join(out)


class _ProgressSender:
    """The child's ``progress(done, total, label)``: a small message to the parent."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __call__(self, done: int, total: int, label: str) -> None:
        self.connection.send_bytes(b"p" + pickle.dumps((done, total, label), PROTOCOL))


class _Stopped(BaseException):
    """Raised in the child when the parent asks it to stop (SIGTERM)."""


# After being asked to stop, the child ends within this many seconds whatever it is doing
# (its `with` blocks had that long): the parent's kill comes only after STOP_GRACE_SECONDS.
STOP_WATCHDOG_SECONDS = 3.0
REDELIVER_SECONDS = 0.01


def _stop(_signum: int, _frame: Any) -> None:
    if not _stop_asked.is_set():
        _stop_asked.set()
        threading.Thread(target=_end_after_grace, daemon=True, name="stop watchdog").start()
    if _in_unraisable_hook:
        return  # the hook is asking again: raised here it would be swallowed too
    raise _Stopped


_stop_asked = threading.Event()


def _end_after_grace() -> None:
    time.sleep(STOP_WATCHDOG_SECONDS)
    os._exit(0)


def _on_unraisable(unraisable: Any) -> None:
    """A stop raised inside a cleanup callback (a weakref finalizer, ``__del__``, a garbage
    collector callback) is printed and ignored by Python, and the child ran on until it
    was killed 10 s later: ask again, so that the stop lands in the code that called it."""
    global _in_unraisable_hook
    _in_unraisable_hook = True
    try:
        if isinstance(unraisable.exc_value, _Stopped):
            timer = threading.Timer(REDELIVER_SECONDS, os.kill, (os.getpid(), signal.SIGTERM))
            timer.daemon = True
            timer.start()
            return
        _default_unraisable(unraisable)
    finally:
        _in_unraisable_hook = False


_default_unraisable = sys.unraisablehook
_in_unraisable_hook = False


def _ask_to_stop() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def _never_cancelled() -> bool:
    return False  # the parent kills the child instead


def _send(connection: Any, message: tuple[Any, ...], pieces: bool = True) -> None:
    payload = dumps_in_pieces(message) if pieces else pickle.dumps(message, PROTOCOL)
    count = (len(payload) + MESSAGE_BYTES - 1) // MESSAGE_BYTES
    connection.send_bytes(b"n" + count.to_bytes(8, "little"))
    for start in range(0, len(payload), MESSAGE_BYTES):
        connection.send_bytes(payload, start, min(MESSAGE_BYTES, len(payload) - start))


def _child_main(connection: Any, fn: Callable[..., Any], args: tuple[Any, ...],
                with_progress: bool) -> None:
    """In the child: run, send ('ok', result) — each result in turn if ``fn`` is a
    generator — or ('error', exception or its text), and end without freeing the heap
    piece by piece (seconds for a city's tables). ``with_progress``: ``fn`` is also given
    ``progress`` and ``cancelled`` (a task's)."""
    # Cancelled, the parent asks it to stop (SIGTERM) before it kills it: the child then
    # leaves what it is doing through its context managers — a project closed mid-way
    # (its write-ahead log being folded in) is closed properly — and ends.
    signal.signal(signal.SIGTERM, _stop)
    sys.unraisablehook = _on_unraisable
    # An app that ended without closing it (killed, crashed) asks it to stop the same way:
    # it would otherwise compute on, for nobody, with the pool of workers it started.
    end_with_parent(_ask_to_stop)
    try:
        try:
            extra = (_ProgressSender(connection), _never_cancelled) if with_progress else ()
            outcome = fn(*args, *extra)
            if inspect.isgenerator(outcome):
                for result in outcome:
                    _send(connection, ("ok", result))
            else:
                _send(connection, ("ok", outcome))
        except _Stopped:
            return  # asked to stop: nobody waits for a result
        except BaseException as exc:  # noqa: BLE001 — sent to the parent, raised there
            import traceback

            details = traceback.format_exc()
            try:
                _send(connection, ("error", exc, details), pieces=False)
            except Exception:  # noqa: BLE001 — an exception that cannot be pickled
                _send(connection, ("error", None, details), pieces=False)
        connection.close()
    finally:
        os._exit(0)


class ChildRun:
    """A computation in a spawned child process, its results taken back one at a time
    (:meth:`next_result`, from a worker thread); :meth:`close` (or being freed) kills it.

    ``fn(*args)`` may be a generator: each result it yields crosses when it is ready
    (the comparison first, the counter queues after it)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...],
                 with_progress: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._receiver, sender = context.Pipe(duplex=False)
        # Not a daemon: the Monte Carlo starts a pool of processes of its own, which a
        # daemon may not; it is killed by close() whatever happens.
        self._child = context.Process(target=_child_main,
                                      args=(sender, fn, args, with_progress),
                                      daemon=False, name="bpr-studio computation")
        self._child.start()
        sender.close()
        self._closed = False

    def next_result(self, cancelled: Callable[[], bool], cancel_exception: type[BaseException],
                    progress: Callable[[int, int, str], None] | None = None) -> Any:
        """The child's next result, unpickled here piece by piece. ``cancelled()`` True:
        the child is killed and ``cancel_exception`` raised; an exception in the child is
        raised here (the child is then closed)."""
        try:
            return self._next(cancelled, cancel_exception, progress)
        except BaseException:
            self.close()
            raise

    def _next(self, cancelled: Callable[[], bool], cancel_exception: type[BaseException],
              progress: Callable[[int, int, str], None] | None) -> Any:
        receiver, child = self._receiver, self._child
        asked = time.perf_counter()
        header = b""
        while not header.startswith(b"n"):
            while not receiver.poll(POLL_SECONDS):
                if cancelled():
                    raise cancel_exception
                if not child.is_alive() and not receiver.poll(0):
                    raise ChildFailed(f"the computation's process ended (exit code "
                                      f"{child.exitcode}) without a result")
            try:
                header = receiver.recv_bytes()
            except EOFError as exc:
                raise ChildFailed("the computation's process ended without a result") from exc
            if header.startswith(b"p") and progress is not None and not cancelled():
                progress(*pickle.loads(header[1:]))
        pieces: list[bytes] = []
        arrived = time.perf_counter()
        try:
            count = int.from_bytes(header[1:], "little")
            while len(pieces) < count:
                if cancelled():
                    raise cancel_exception
                pieces.append(receiver.recv_bytes())
        except EOFError as exc:
            raise ChildFailed("the computation's process ended without a result") from exc
        if cancelled():
            raise cancel_exception
        received = time.perf_counter()
        size = sum(len(piece) for piece in pieces)
        with collector_paused():
            message = pickle.load(_PiecesReader(pieces))
        del pieces
        TIMINGS.append({"child": arrived - asked, "receive": received - arrived,
                        "unpickle": time.perf_counter() - received, "bytes": float(size)})
        if message[0] == "ok":
            return message[1]
        _kind, error, details = message
        if error is None:
            raise ChildFailed(details)
        error.details = details  # the child's traceback, for the report of the failure
        raise error

    def close(self) -> None:
        """Kill the child (if it still runs) and let go of the pipe; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._receiver.close()
        # Asked to stop, then killed if it has not after a grace period, in the
        # background: close() may be called on the GUI thread, and a child killed at once
        # could be in the middle of closing the project file (a later read of the project
        # failed with "disk I/O error" after rapid edits).
        threading.Thread(target=_stop_child, args=(self._child,), daemon=True,
                         name="bpr-studio child reaper").start()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _stop_child(child: Any) -> None:
    if child.is_alive():
        child.terminate()  # SIGTERM on POSIX: the child leaves through its `with` blocks
        child.join(STOP_GRACE_SECONDS)
    if child.is_alive():
        child.kill()
    child.join(30)


def run_in_process(fn: Callable[..., Any], args: tuple[Any, ...],
                   cancelled: Callable[[], bool], cancel_exception: type[BaseException],
                   progress: Callable[[int, int, str], None] | None = None) -> Any:
    """``fn(*args)`` in a spawned child process; its result, unpickled here piece by piece
    (call it from a worker thread). ``cancelled()`` True: the child is killed and
    ``cancel_exception`` raised. An exception in the child is raised here. With
    ``progress``, ``fn`` is a task's function: it is called ``fn(*args, progress,
    cancelled)`` and its progress is reported here."""
    run = ChildRun(fn, args, progress is not None)
    try:
        return run.next_result(cancelled, cancel_exception, progress)
    finally:
        run.close()
