"""The project store: one project = one SQLite file (``.bprproj``) by default.

Foreign keys are on and the journal is WAL, so a crash mid-write never leaves a
half-written project. The file carries a schema version; opening an older file
migrates it (after a backup copy), opening a newer one is refused. A SQLAlchemy URL
(``postgresql://…``) may be given instead of a path for a shared team database.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, SQLModel

from bpr_studio.messages import MessageError
from bpr_studio.model import tables

SCHEMA_VERSION = 1
APP_ID = "bpr-studio"
PROJECT_SUFFIX = ".bprproj"
_SQLITE_MAGIC = b"SQLite format 3\x00"

# from_version → function upgrading a connection's schema to from_version + 1.
Migration = Callable[[Connection], None]
MIGRATIONS: dict[int, Migration] = {}


class ProjectError(MessageError):
    """A project file that cannot be used; the message says why and where."""


def _is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def _file_read_only(path: Path) -> bool:
    # The mode bit is checked too: it is what Windows' read-only attribute maps to,
    # and what a user means by "read-only" even where the OS would let root write.
    return not os.access(path, os.W_OK) or not (path.stat().st_mode & stat.S_IWUSR)


def _sqlite_engine(path: Path, read_only: bool) -> Engine:
    url = (f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true" if read_only
           else f"sqlite:///{path.as_posix()}")
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Project:
    """An open project. Use :func:`open_project` or :func:`create_project`."""

    def __init__(self, engine: Engine, location: str, path: Path | None, read_only: bool) -> None:
        self.engine = engine
        self.location = location
        self.path = path
        self.read_only = read_only

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def meta(self, key: str, default: str = "") -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.Meta.__table__.c.value).where(tables.Meta.__table__.c.key == key)).first()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.require_writable()
        meta = tables.Meta.__table__
        with self.engine.begin() as conn:
            conn.execute(meta.delete().where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))

    @property
    def title(self) -> str:
        """自治体名・プロジェクト名 (meta ``municipality`` and ``title``, set with
        ``bpr-studio project-info``) for reports; the file's name while neither is set."""
        parts = (self.meta("municipality").strip(), self.meta("title").strip())
        return "　".join(part for part in parts if part) or self.name

    @property
    def schema_version(self) -> int:
        return int(self.meta("schema_version", "0"))

    @property
    def name(self) -> str:
        # A file's name is what users see in Explorer, so it wins over the stored name.
        return self.path.stem if self.path else (self.meta("name") or self.location)

    def require_writable(self) -> None:
        if self.read_only or (self.path is not None and self.path.exists()
                              and _file_read_only(self.path)):
            raise ProjectError("project_read_only", path=str(self.path or self.location))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _init_schema(conn: Connection, name: str) -> None:
    SQLModel.metadata.create_all(conn)
    now = datetime.now().isoformat(timespec="seconds")
    conn.execute(tables.Meta.__table__.insert(), [
        {"key": "app", "value": APP_ID},
        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
        {"key": "name", "value": name},
        {"key": "created_at", "value": now},
    ])


def create_project(target: str | Path, name: str | None = None) -> Project:
    """Create a new, empty project file (atomically: built under a temporary name)."""
    if _is_url(target):
        engine = create_engine(str(target))
        with engine.begin() as conn:
            _init_schema(conn, name or "project")
        return Project(engine, str(target), None, False)
    path = Path(target)
    tmp = path.with_name(path.name + ".creating")
    tmp.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{tmp.as_posix()}")
    try:
        with engine.begin() as conn:
            _init_schema(conn, name or path.stem)
    finally:
        engine.dispose()
    os.replace(tmp, path)
    return open_project(path)


def open_project(target: str | Path, create: bool = False) -> Project:
    """Open an existing project (migrating an older schema) or, with ``create``, a new one."""
    if _is_url(target):
        engine = create_engine(str(target))
        project = Project(engine, str(target), None, False)
        _check_and_migrate(project)
        return project
    path = Path(target)
    if not path.exists():
        if create:
            return create_project(path)
        raise ProjectError("project_missing", path=str(path))
    with path.open("rb") as handle:
        if handle.read(16) != _SQLITE_MAGIC:
            raise ProjectError("project_corrupt", path=str(path))
    read_only = _file_read_only(path)
    project = Project(_sqlite_engine(path, read_only), str(path), path, read_only)
    try:
        _check_and_migrate(project)
    except (DatabaseError, OperationalError):
        project.close()
        raise ProjectError("project_corrupt", path=str(path)) from None
    except ProjectError:
        project.close()
        raise
    return project


def _check_and_migrate(project: Project) -> None:
    if project.meta("app") != APP_ID:
        raise ProjectError("project_corrupt", path=project.location)
    found = project.schema_version
    if found > SCHEMA_VERSION:
        raise ProjectError("project_too_new", found=found)
    if found < SCHEMA_VERSION:
        project.require_writable()
        if project.path is not None:
            backup = project.path.with_name(f"{project.path.stem}.v{found}.bak{PROJECT_SUFFIX}")
            with project.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(project.path, backup)
        with project.engine.begin() as conn:
            for version in range(found, SCHEMA_VERSION):
                MIGRATIONS[version](conn)
            conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                         {"v": str(SCHEMA_VERSION)})


def save_copy(project: Project, target: Path) -> Path:
    """Save As: a consistent copy of an open SQLite project (backup API), written atomically."""
    import sqlite3

    if project.path is None:
        raise ProjectError("project_read_only", path=project.location)
    target = Path(target)
    tmp = target.with_name(target.name + ".saving")
    tmp.unlink(missing_ok=True)
    try:
        with project.engine.connect() as conn:
            source = conn.connection.dbapi_connection
            destination = sqlite3.connect(tmp)
            try:
                source.backup(destination)  # type: ignore[union-attr]
            finally:
                destination.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
