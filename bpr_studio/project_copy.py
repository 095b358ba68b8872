"""``bpr-studio project copy SRC DST``: a whole project between a ``.bprproj`` file and a
database (PostgreSQL), in either direction, or file to file.

Every table is copied row by row with its ids kept (import history, scenarios and
their order, survey rounds: nothing is renumbered). The source is read at one instant
(a snapshot of a file; one REPEATABLE READ transaction in a database). The destination
is written all or nothing: a file is built under a temporary name beside it and renamed
into place; a database is filled in one transaction (PostgreSQL's DDL is transactional
too). A destination that already holds a project is refused unless ``replace``.

Examples
--------
>>> from tempfile import mkdtemp
>>> from pathlib import Path
>>> folder = Path(mkdtemp())
>>> from bpr_studio.store import create_project
>>> create_project(folder / "a.bprproj").close()
>>> copy_project(folder / "a.bprproj", folder / "b.bprproj").tables >= 10
True
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Table, create_engine, func, inspect, select, text
from sqlmodel import SQLModel

from bpr_studio.model import tables  # noqa: F401  (registers every table in the metadata)
from bpr_studio.store import (
    Project,
    ProjectError,
    _fsync,
    _is_url,
    _url_engine,
    display_location,
    open_project,
    open_snapshot,
)

_CHUNK_ROWS = 5000  # rows per INSERT executemany: bounded memory on the way in


@dataclass
class CopyResult:
    source: str
    destination: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def tables(self) -> int:
        return len(self.rows)

    def describe(self, lang: str = "ja") -> str:
        total = sum(self.rows.values())
        if lang == "ja":
            return (f"{self.source} を {self.destination} に写しました"
                    f"（{self.tables} 表、{total:,} 行）。")
        return f"Copied {self.source} to {self.destination} ({self.tables} tables, {total:,} rows)."


def project_tables() -> list[Table]:
    """Every table of a project, parents before children (foreign keys)."""
    return list(SQLModel.metadata.sorted_tables)


@contextmanager
def _consistent_source(source: str | Path) -> Iterator[tuple[Project, Connection]]:
    if _is_url(source):
        with open_project(source) as project, project.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield project, conn
        return
    with open_snapshot(source) as project, project.engine.connect() as conn:
        yield project, conn


def _holds_project(conn: Connection) -> bool:
    """A destination holds a project when any of our tables has a row."""
    present = set(inspect(conn).get_table_names())
    return any(conn.execute(select(func.count()).select_from(t)).scalar_one()
               for t in project_tables() if t.name in present)


def _copy_rows(source: Connection, destination: Connection,
               progress: Callable[[str, int], None] | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in project_tables():
        order = list(table.primary_key.columns) or list(table.columns)
        result = source.execute(select(table).order_by(*order))
        copied = 0
        while chunk := result.mappings().fetchmany(_CHUNK_ROWS):
            destination.execute(table.insert(), [dict(row) for row in chunk])
            copied += len(chunk)
        counts[table.name] = copied
        if progress is not None:
            progress(table.name, copied)
    return counts


def _reset_sequences(conn: Connection) -> None:
    """Ids were inserted as they were: move each PostgreSQL sequence past them, or the
    next import would be given an id that is already taken."""
    if conn.dialect.name != "postgresql":
        return
    for table in project_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        # pg_get_serial_sequence is NULL for a key with no sequence (import_snapshot's
        # batch_id), and setval(NULL, …) does nothing.
        column = keys[0].name
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column}'), "
            f"COALESCE((SELECT MAX(\"{column}\") FROM \"{table.name}\"), 0) + 1, false)"))


def _clear(conn: Connection) -> None:
    present = set(inspect(conn).get_table_names())
    for table in reversed(project_tables()):
        if table.name in present:
            conn.execute(table.delete())


def _into_database(target: str, source: Connection, replace: bool,
                   progress: Callable[[str, int], None] | None) -> dict[str, int]:
    engine = _url_engine(target)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Nobody works on a half-copied project: other users wait at their
                # first statement until the copy commits (or rolls back).
                present = set(inspect(conn).get_table_names())
                names = ", ".join(f'"{t.name}"' for t in project_tables() if t.name in present)
                if names:
                    conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            if _holds_project(conn):
                if not replace:
                    raise ProjectError("copy_destination_not_empty",
                                       path=display_location(target))
                _clear(conn)
            SQLModel.metadata.create_all(conn)
            counts = _copy_rows(source, conn, progress)
            _reset_sequences(conn)
        return counts
    finally:
        engine.dispose()


def _into_file(target: Path, source: Connection, replace: bool,
               progress: Callable[[str, int], None] | None) -> dict[str, int]:
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise ProjectError("copy_destination_not_empty", path=str(target))
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".copying",
                                    dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        engine = create_engine(f"sqlite:///{tmp.as_posix()}")
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                SQLModel.metadata.create_all(conn)
                counts = _copy_rows(source, conn, progress)
        finally:
            engine.dispose()
        _fsync(tmp)
        if replace:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # refuses to overwrite a file made meanwhile
            except FileExistsError:
                raise ProjectError("copy_destination_not_empty", path=str(target)) from None
            except OSError:
                if target.exists():
                    raise ProjectError("copy_destination_not_empty", path=str(target)) from None
                os.rename(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def copy_project(source: str | Path, destination: str | Path, *, replace: bool = False,
                 progress: Callable[[str, int], None] | None = None) -> CopyResult:
    """Copy the whole project at ``source`` to ``destination`` (path or database URL).

    ``progress(table, rows)`` is called after each table. Raises ProjectError when the
    destination already holds a project and ``replace`` is False, and when source and
    destination are the same.
    """
    if str(source) == str(destination):
        raise ProjectError("copy_same_place", path=display_location(str(source)))
    with _consistent_source(source) as (_project, conn):
        if _is_url(destination):
            counts = _into_database(str(destination), conn, replace, progress)
        else:
            counts = _into_file(Path(destination), conn, replace, progress)
    # Opening checks what was written: the app's id, the schema version, the tables.
    open_project(destination).close()
    return CopyResult(display_location(source), display_location(destination), counts)
