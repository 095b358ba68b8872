"""Insert many rows of plain tuples, as fast as the database driver takes them.

``conn.execute(table.insert(), [dict, …])`` processes every parameter of every row in
Python (a quarter of a 30,000-procedure import went there). Here the INSERT is
compiled once for the dialect and the driver's ``executemany`` gets the tuples as
they are, in chunks so that no second copy of a large batch is built. Columns left
out get their scalar default, as Core would give them.

On SQLite, Python's ``sqlite3`` binds an int, a float or a str directly, but sends
``None`` and ``bool`` through its adapter lookup first: 0.5–0.7 µs for each such value,
more than the rest of the row (a step row has half a dozen empty cells and two flags).
So a blank is bound as a float NaN, which SQLite stores as NULL (``sqlite3_bind_double``
turns NaN into NULL), and a flag as the 0 or 1 SQLite would store for it anyway: the
stored rows are the same, bound several times faster. Other databases get the values as
they are (NaN is a number in PostgreSQL).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Table

CHUNK_ROWS = 20_000
_NAN_FOR_NONE: dict[Any, Any] = {None: math.nan}  # None is equal to nothing else


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str],
                rows: Iterable[Sequence[Any]], *, flags_as_int: bool = False,
                binds_ready: bool = False) -> int:
    """Insert ``rows`` (each a sequence of values in the order of ``columns``); return
    how many were inserted. Runs in the caller's transaction.

    On SQLite: ``flags_as_int``, the caller gives boolean columns as 0/1 already (see
    :func:`flag`), which spares a Python step per row here; ``binds_ready``, the rows
    hold NaN for blanks and 0/1 flags already, and ``columns`` are the table's in its
    order: they go to the driver as they are.
    """
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    names = list(compiled.positiontup or []) if compiled.positional else list(
        compiled.binds)
    position = {name: i for i, name in enumerate(columns)}
    defaults: list[Any] = []
    for name in names:
        if name not in position:
            default = table.c[name].default
            if default is None or not getattr(default, "is_scalar", False):
                raise ValueError(f"{table.name}.{name}: no value and no scalar default")
            position[name] = len(columns) + len(defaults)
            defaults.append(default.arg)  # type: ignore[attr-defined]
    sql = str(compiled)
    order = [position[n] for n in names]
    identity = compiled.positional and not defaults and order == list(range(len(columns)))
    # One C-level call per row puts the values in the statement's order.
    pick = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
    tail = tuple(defaults)
    sqlite = conn.dialect.name == "sqlite"
    flags = [] if flags_as_int else [i for i, n in enumerate(names)
                                     if isinstance(table.c[n].type, Boolean)]
    nan_for_none = _NAN_FOR_NONE.get
    total = 0
    iterator = iter(rows)
    while True:
        chunk = list(islice(iterator, CHUNK_ROWS))
        if not chunk:
            return total
        params: list[Any]
        if compiled.positional:
            ordered = chunk if identity else [pick((*row, *tail) if tail else row)
                                              for row in chunk]
            if sqlite and binds_ready and identity:
                params = chunk
            elif sqlite and flags:
                params = [_sqlite_binds(row, flags) for row in ordered]
            elif sqlite:
                params = [list(map(nan_for_none, row, row)) for row in ordered]
            else:
                params = [tuple(row) for row in ordered] if identity else ordered
        else:
            params = [{n: (row[position[n]] if position[n] < len(columns)
                           else defaults[position[n] - len(columns)]) for n in names}
                      for row in chunk]
        if sqlite:  # lists, which SQLAlchemy's executemany would refuse
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.executemany(sql, params)
            finally:
                cursor.close()
        else:
            conn.exec_driver_sql(sql, params)
        total += len(chunk)


def _sqlite_binds(row: Sequence[Any], flags: list[int]) -> list[Any]:
    """``row`` with None as NaN and the flags at ``flags`` as 0/1 (see the module's doc)."""
    values = list(map(_NAN_FOR_NONE.get, row, row))
    for i in flags:
        value = values[i]
        if value is True or value is False:
            values[i] = int(value)
    return values


def flag(conn: Connection) -> Any:
    """How a caller gives a boolean value for ``bulk_insert(..., flags_as_int=True)``."""
    return int if conn.dialect.name == "sqlite" else bool
