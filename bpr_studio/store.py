"""The project store: one project = one SQLite file (``.bprproj``) by default.

Foreign keys are on and the journal is WAL, so a crash mid-write never leaves a
half-written project. The file carries a schema version; opening an older file
migrates it (after a backup copy), opening a newer one is refused. A database URL
(``postgresql://user@host/db``) may be given instead of a path for a shared team
database (docs/team.md): the same tables, the same ``meta`` row holding the schema
version (no ``PRAGMA user_version`` on either backend), the same migrations.
"""

from __future__ import annotations

import getpass
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel

from bpr_studio.messages import MessageError
from bpr_studio.migrations import MIGRATIONS
from bpr_studio.model import tables

SCHEMA_VERSION = 7
APP_ID = "bpr-studio"
PROJECT_SUFFIX = ".bprproj"
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Project files this process has open (resolved path -> how many Projects). Their header
# is read with a plain file handle only when none is: closing any handle on a file drops
# every POSIX lock this process holds on it, SQLite's connections' included ("How To
# Corrupt An SQLite Database File", 2.2, sqlite.org). Without its shared lock another
# process closing its connection took itself for the last one and removed the write-ahead
# log under ours: the app's reload then failed with "disk I/O error" (issue 12).
_OPEN_HERE: dict[Path, int] = {}
_OPEN_HERE_LOCK = threading.Lock()
# How long a command waits for another user's write to finish before saying the
# project is busy. An import of a whole city holds the write lock for a few seconds.
BUSY_TIMEOUT_S = float(os.environ.get("BPR_STUDIO_BUSY_TIMEOUT_S", "30"))

class ProjectError(MessageError):
    """A project file that cannot be used; the message says why and where."""


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy": another process holds the write lock."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError | DatabaseError) and (
        "database is locked" in text or "database is busy" in text or "busy" in text.split(":")[0])


def _is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def database_url(target: str) -> str:
    """The SQLAlchemy URL of a ``postgresql://`` address, with the driver we ship
    (psycopg 3); the password, if one is written in it, is kept."""
    try:
        url = make_url(target)
    except ArgumentError:
        raise ProjectError("project_url_invalid", path=target) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def display_location(target: str | Path) -> str:
    """What messages and window titles show: the URL without its password."""
    if not _is_url(str(target)) or not isinstance(target, str):
        return str(target)
    try:
        url = make_url(target)
    except ArgumentError:
        return target
    if url.drivername.startswith("postgresql"):
        url = url.set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def project_exists(target: str | Path) -> bool:
    """A file that exists, or any database URL (whether it holds a project yet is
    for :func:`open_if_exists` to find out, with a connection)."""
    return _is_url(target) or Path(target).exists()


def project_label(target: str | Path | None) -> str:
    """A project's short name for window titles: the file's name, or the database's
    name and server (``bpr @ db.city.local``)."""
    if target is None:
        return ""
    if not _is_url(target):
        return Path(target).stem
    try:
        url = make_url(str(target))
    except ArgumentError:
        return str(target)
    host = url.host or url.query.get("host") or "localhost"
    return f"{url.database} @ {host}"


def _url_engine(target: str) -> Engine:
    # pre-ping: a team's server restarts overnight; a pooled connection from before
    # would fail the first edit of the morning.
    return create_engine(database_url(target), pool_pre_ping=True)


def _file_read_only(path: Path) -> bool:
    # The mode bit is checked too: it is what Windows' read-only attribute maps to,
    # and what a user means by "read-only" even where the OS would let root write.
    return not os.access(path, os.W_OK) or not (path.stat().st_mode & stat.S_IWUSR)


def _sqlite_engine(path: Path, read_only: bool) -> Engine:
    url = f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true" if read_only else f"sqlite:///{path.as_posix()}"
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
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
        self._user: str | None = None
        self._held: Path | None = None
        if path is not None:
            self._held = path.resolve()
            with _OPEN_HERE_LOCK:
                _OPEN_HERE[self._held] = _OPEN_HERE.get(self._held, 0) + 1

    @property
    def user(self) -> str:
        """Who is working: the database login on PostgreSQL, the computer's user name on a
        file. Stored with each change (``updated_by``) and named when an edit is refused."""
        if self._user is None:
            if self.engine.dialect.name == "postgresql":
                with self.engine.connect() as conn:
                    self._user = str(conn.execute(text("SELECT current_user")).scalar_one())
            else:
                try:
                    self._user = getpass.getuser()
                except (OSError, KeyError, ImportError):  # no login name (a service account)
                    self._user = ""
        return self._user

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
            from bpr_studio import team  # project information is DX staff's (docs/team.md)

            team.require_section(self, conn, None, "プロジェクト情報")
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

    @contextmanager
    def write_transaction(self, attach: Mapping[str, str] | None = None,
                          foreign_keys: bool = True) -> Iterator[Connection]:
        """One write transaction that holds the write lock from its first statement.

        Checks that read the project before writing (who owns a procedure ID) run
        inside it, so no other import can slip in between the check and the write.
        ``attach`` (SQLite only): schema name → database file attached to the
        connection for the transaction (SQLite refuses ATTACH inside one), detached
        after it (the import copies its parked rows from them: io/parked_rows.py).
        ``foreign_keys=False`` (SQLite only): no foreign-key checks nor cascades inside it
        (a first import's rows, whose procedures the import itself inserts:
        io/survey_write.py); SQLite takes the setting only outside a transaction.
        """
        with self.engine.connect() as conn:
            attached = []
            unchecked = False
            try:
                if conn.dialect.name == "sqlite":
                    if not foreign_keys:
                        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                        unchecked = True
                    for name, path in (attach or {}).items():
                        conn.exec_driver_sql(f'ATTACH DATABASE ? AS "{name}"', (path,))
                        attached.append(name)
                    # pysqlite leaves an explicit BEGIN alone and commits it on commit().
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                elif conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE procedure IN SHARE ROW EXCLUSIVE MODE")
                try:
                    yield conn
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
            finally:
                if unchecked:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                for name in attached:
                    conn.exec_driver_sql(f'DETACH DATABASE "{name}"')

    def close(self) -> None:
        if self.path is not None and not self.read_only:
            # Fold the write-ahead log into the file, so the single .bprproj is complete
            # when it is copied or mailed. PASSIVE never waits for another reader or
            # writer (a worker closing its connection must not stall anyone); the last
            # connection to close removes the log altogether.
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except (OperationalError, DatabaseError):
                pass
        self.engine.dispose()
        held, self._held = self._held, None
        if held is not None:
            with _OPEN_HERE_LOCK:
                _OPEN_HERE[held] -= 1
                if not _OPEN_HERE[held]:
                    del _OPEN_HERE[held]

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
    """Create a new, empty project file, or open it if another process just created it.

    It is built under a unique temporary name in the target folder and linked into
    place only if no file of that name exists, so two imports creating one project at
    once never overwrite each other's work and never leave a half-built file.
    """
    if _is_url(target):
        return _open_database(str(target), create=True, name=name)
    path = Path(target)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".creating",
                                        dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        engine = create_engine(f"sqlite:///{tmp.as_posix()}")
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                _init_schema(conn, name or path.stem)
        finally:
            engine.dispose()
        _fsync(tmp)
        _link_without_overwrite(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return open_project(path)


def _fsync(path: Path) -> None:
    """Flush a finished file to disk before it is renamed into place."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _link_without_overwrite(source: Path, target: Path) -> None:
    """Give ``source`` the name ``target`` unless ``target`` exists (then leave it be)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return
    except OSError:
        # No hard links here (FAT, some network shares): rename, which refuses to
        # overwrite on Windows; elsewhere check first (a narrow window remains).
        if not target.exists():
            try:
                os.rename(source, target)
            except FileExistsError:
                return


def open_project(target: str | Path, create: bool = False) -> Project:
    """Open an existing project (migrating an older schema) or, with ``create``, a new one."""
    if _is_url(target):
        return _open_database(str(target), create=create)
    path = Path(target)
    if not path.exists():
        if create:
            return create_project(path)
        raise ProjectError("project_missing", path=str(path))
    with _OPEN_HERE_LOCK:
        checked = path.resolve() in _OPEN_HERE  # its header was read when first opened
    if not checked:
        with path.open("rb") as handle:
            if handle.read(16) != _SQLITE_MAGIC:
                raise ProjectError("project_corrupt", path=str(path))
    read_only = _file_read_only(path)
    project = Project(_sqlite_engine(path, read_only), str(path), path, read_only)
    try:
        _check_and_migrate(project)
    except (DatabaseError, OperationalError) as exc:
        project.close()
        if is_busy_error(exc):
            raise ProjectError("project_busy", path=str(path)) from None
        raise ProjectError("project_corrupt", path=str(path)) from None
    except ProjectError:
        project.close()
        raise
    return project


def open_if_exists(target: str | Path) -> Project | None:
    """The project, or None where there is none yet (no such file, an empty database):
    an import checks against what exists and creates the project only when it writes."""
    if _is_url(target):
        try:
            return _open_database(str(target), create=False)
        except ProjectError as problem:
            if problem.key == "project_db_empty":
                return None
            raise
    return open_project(target) if Path(target).exists() else None


_CREATE_LOCK = 7_202_616  # pg_advisory_xact_lock key: two first imports build one schema


def _open_database(target: str, create: bool, name: str | None = None) -> Project:
    """A project in a database (PostgreSQL). An empty database becomes a project only
    when asked to (an import, ``project copy``): a mistyped database name must not
    silently start an empty project."""
    location = display_location(target)
    engine = _url_engine(target)
    project = Project(engine, location, None, False)
    try:
        if not inspect(engine).has_table("meta"):
            if not create:
                raise ProjectError("project_db_empty", path=location)
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CREATE_LOCK})
                if not inspect(conn).has_table("meta"):
                    _init_schema(conn, name or make_url(database_url(target)).database or "project")
        _check_and_migrate(project)
    except ProgrammingError as exc:
        project.close()
        if "permission denied" not in str(exc).lower():
            raise
        raise ProjectError("project_no_access", path=location) from None
    except OperationalError as exc:
        project.close()
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise ProjectError("project_db_unreachable", path=location,
                           detail=detail[0] if detail else "") from None
    except BaseException:
        project.close()
        raise
    return project


_REQUIRED_TABLES = ("meta", "import_batch", "procedure", "step", "step_link", "unit_cost",
                    "import_issue", "scenario")


def _stored_schema_version(project: Project) -> int:
    raw = project.meta("schema_version", "")
    try:
        version = int(raw)
    except ValueError:
        version = 0
    if version < 1:
        # Every file BPR Studio ever wrote has version ≥ 1: anything else is damage.
        raise ProjectError("project_corrupt", path=project.location)
    return version


def _check_and_migrate(project: Project) -> None:
    if project.meta("app") != APP_ID:
        raise ProjectError("project_corrupt", path=project.location)
    found = _stored_schema_version(project)
    if found > SCHEMA_VERSION:
        raise ProjectError("project_too_new", found=found)
    _check_tables(project, found)
    if found < SCHEMA_VERSION:
        project.require_writable()
        if project.path is not None:
            backup = project.path.with_name(f"{project.path.stem}.v{found}.bak{PROJECT_SUFFIX}")
            with project.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            if not backup.exists():  # the first backup is the original; keep it
                shutil.copy2(project.path, backup)
        with project.write_transaction() as conn:
            version = _stored_schema_version(project)  # another process may have migrated
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
            conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                         {"v": str(SCHEMA_VERSION)})


def _check_tables(project: Project, version: int) -> None:
    present = set(inspect(project.engine).get_table_names())
    missing = [t for t in _REQUIRED_TABLES if t not in present]
    if missing:
        raise ProjectError("project_table_missing", path=project.location,
                           tables=", ".join(missing))


def _backup_to(project: Project, destination_path: Path) -> None:
    """A consistent copy of the whole project at one instant (SQLite backup API, one step)."""
    import sqlite3

    with project.engine.connect() as conn:
        source = conn.connection.dbapi_connection
        destination = sqlite3.connect(destination_path)
        try:
            source.backup(destination)  # type: ignore[union-attr]
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            destination.close()


def save_copy(project: Project, target: Path) -> Path:
    """Save As: a consistent copy of an open SQLite project, written atomically."""
    if project.path is None:
        raise ProjectError("project_read_only", path=project.location)
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".~{target.stem}.", suffix=".saving",
                                    dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        _backup_to(project, tmp)  # opening it later turns WAL back on
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


class _SnapshotProject(Project):
    """A read-only copy taken at one instant; the copy is deleted on close."""

    source_path: Path

    @property
    def name(self) -> str:
        return self.source_path.stem

    def close(self) -> None:
        self.engine.dispose()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def frozen_file(project: Project) -> Path | None:
    """The SQLite file of a frozen snapshot (:func:`open_snapshot`): nothing writes it
    while it is open, so other processes may read it. None for any other project."""
    return project.path if isinstance(project, _SnapshotProject) else None


def open_snapshot(target: str | Path) -> Project:
    """The project as it is now, frozen: for commands that only read (report, simulate,
    export). Every query sees the same state even while another user imports, and
    nothing can be written (a read never creates a default scenario, for instance).
    """
    if _is_url(target):
        from bpr_studio.db_snapshot import database_snapshot

        return database_snapshot(str(target))
    source = open_project(target)
    try:
        handle, name = tempfile.mkstemp(prefix="bpr-snapshot-", suffix=PROJECT_SUFFIX)
        os.close(handle)
        copy = Path(name)
        try:
            _backup_to(source, copy)
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
    finally:
        source.close()
    project = _SnapshotProject(_sqlite_engine(copy, read_only=True), str(target), copy, True)
    project.source_path = Path(target)
    return project
