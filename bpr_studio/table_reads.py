"""A project's rows as frames with nothing but ``sqlite3`` and pandas, so that a worker
process (which imports neither SQLAlchemy nor the store's tables) can read part of a
frozen snapshot while this process reads the rest (``loading.load_frames`` with
``helpers``; issue 16: a 30,000-procedure report read its 450,000 steps and 500,000 links
on one core, about 4 CPU-seconds, while the run's two workers, just started, idled).
"""

from __future__ import annotations

import gc
import pickle
import sqlite3
from typing import Any
from urllib.parse import quote

import pandas as pd


def frame_of_cursor(cursor: Any) -> pd.DataFrame:
    """What an executed DB-API cursor gives, as a DataFrame."""
    columns = [d[0] for d in cursor.description]
    # In chunks, not fetchall(): one long C call would hold the GIL and freeze the GUI
    # thread while a worker reads a whole city's steps.
    parts = []
    while chunk := cursor.fetchmany(2000):
        parts.append(pd.DataFrame.from_records(chunk, columns=columns))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def shared_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text column's equal values made one string object.

    The database driver makes a new string for every cell: a city's 450,000 steps held
    450,000 copies of 'clerk', of their procedure's ID, of their file name … (about 60
    bytes each). Values, dtypes and missing cells are unchanged.

    >>> frame = shared_strings(pd.DataFrame({"a": pd.array(["x" * 9, "x" * 9, None],
    ...                                                   dtype="string[python]")}))
    >>> frame["a"].iloc[0] is frame["a"].iloc[1], frame["a"].isna().tolist()
    (True, [False, False, True])
    """
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "python":
            codes, uniques = pd.factorize(column)
            if len(uniques) < len(column):
                frame[name] = pd.Series(uniques.take(codes, allow_fill=True), index=frame.index,
                                        name=name)
    return frame


def file_frame(path: str, sql: str) -> bytes:
    """A parameter-free SELECT of the SQLite file ``path``, read only, its strings shared,
    pickled (a top-level function: a worker process of a run runs it on a frozen snapshot,
    and gives the memory the rows took back to the system before its chunks come: pandas'
    frames are freed by the cyclic collector, and the worker keeps its freed memory for
    its chunks otherwise, ``analysis.worker_init``; without both, +150 MB a worker)."""
    from analysis.worker_init import release_freed_memory

    connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            pickled = pickle.dumps(shared_strings(frame_of_cursor(cursor)),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            cursor.close()
    finally:
        connection.close()
    gc.collect()
    release_freed_memory()
    return pickled
