"""Step and arrow rows parked by the reading processes in temporary SQLite files.

At 30,000 procedures the importing process spent most of its time, after the last file
was read and on one core, binding 450,000 step rows and as many arrows into the
project (``executemany``), and held them all in memory until then. Here each reading
process writes its workbooks' checked rows (step_rows.file_steps) into its own
temporary SQLite file as it reads them — side by side, while other files are still
being read — and sends back only where they are (:class:`Segment`). The importing
process attaches those files to the project's connection before its write
transaction begins (SQLite refuses ``ATTACH`` inside a transaction) and copies the rows
with one ``INSERT … SELECT`` per workbook, in the order of the files, inside SQLite.

The rows are the values ``step_rows.file_steps(sqlite=True)`` built (a blank as NaN,
which SQLite stores as NULL; flags as 0/1), written into columns without a declared
type, so they come back as they were bound, and the project's columns apply their own
affinity on the copy exactly as on a direct insert: the stored rows are the same.
Only SQLite projects take this path; PostgreSQL gets the rows as values (step_rows).

The folder is a ``tempfile`` folder, removed when the batch is written or dropped
(and at exit at the latest); a file still open in a reading process that was stopped
(Windows) is left for the system's temporary-file cleaning.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bpr_studio.io.step_rows import LINK_COLUMNS, STEP_COLUMNS, STEP_ROW_COLUMNS

STEP_TABLE, LINK_TABLE = "parked_step", "parked_link"
# SQLite attaches at most 10 databases by default: files beyond these (a pool of more
# processes) are read back in Python instead, slower but the same rows.
MAX_ATTACHED = 8


@dataclass(frozen=True)
class Segment:
    """One workbook's rows in a parked file: rowids first..last of each table (an empty
    range when last < first)."""

    path: str
    steps: tuple[int, int]
    links: tuple[int, int]


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    # A scratch file read once by the importing process: no journal, no syncing.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    return con


def park(directory: str | Path, steps: Sequence[Sequence[Any]],
         links: Sequence[Sequence[Any]]) -> Segment:
    """Append one workbook's step rows (STEP_ROW_COLUMNS, as step_rows.file_steps builds
    them for SQLite) and arrow rows (LINK_COLUMNS) to this process's file in
    ``directory``."""
    path = Path(directory) / f"rows-{os.getpid()}.sqlite"
    con = _connect(path)
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {STEP_TABLE} ({', '.join(STEP_ROW_COLUMNS)})")
        con.execute(f"CREATE TABLE IF NOT EXISTS {LINK_TABLE} ({', '.join(LINK_COLUMNS)})")
        con.execute("BEGIN")
        ranges = []
        for table, columns, rows in ((STEP_TABLE, STEP_ROW_COLUMNS, steps),
                                     (LINK_TABLE, LINK_COLUMNS, links)):
            before = con.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})",
                            rows)
            ranges.append((before + 1, before + len(rows)))
        con.execute("COMMIT")
    finally:
        con.close()
    return Segment(str(path), ranges[0], ranges[1])


class ParkedRows:
    """A batch's parked rows: its temporary folder and the workbooks' segments, in the
    order of the files."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.segments: list[Segment] = []
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.directory), True)

    @classmethod
    def new(cls) -> ParkedRows:
        return cls(tempfile.mkdtemp(prefix="bpr-import-rows-"))

    def files(self) -> list[str]:
        return list(dict.fromkeys(s.path for s in self.segments))

    def attachments(self) -> dict[str, str]:
        """Schema name → file, for the files attached to the project's connection."""
        return {f"parked{n}": path for n, path in enumerate(self.files()[:MAX_ATTACHED])}

    def copy_into(self, conn: Any, step_table: str, link_table: str,
                  step_columns: Sequence[str], versions: dict[str, int], user: str,
                  attached: dict[str, str]) -> list[Segment]:
        """``INSERT … SELECT`` each segment from its attached file, in order; returns
        the segments whose file is not attached (the caller inserts those rows)."""
        schema_of = {path: name for name, path in attached.items()}
        cursor = conn.connection.dbapi_connection.cursor()
        left = []
        try:
            if versions:
                cursor.execute("CREATE TEMP TABLE IF NOT EXISTS import_step_version "
                               "(procedure_id TEXT PRIMARY KEY, version INTEGER)")
                cursor.execute("DELETE FROM temp.import_step_version")
                cursor.executemany("INSERT INTO temp.import_step_version VALUES (?, ?)",
                                   list(versions.items()))
                version = "COALESCE(v.version, 0) + 1"
                join = " LEFT JOIN temp.import_step_version v USING (procedure_id)"
            else:
                version, join = "1", ""
            fields = ", ".join(f"s.{c}" for c in STEP_COLUMNS)
            for segment in self.segments:
                schema = schema_of.get(segment.path)
                if schema is None:
                    left.append(segment)
                    continue
                cursor.execute(
                    f"INSERT INTO {step_table} ({', '.join(step_columns)}) "
                    f"SELECT {fields}, {version}, ? FROM {schema}.{STEP_TABLE} s{join} "
                    "WHERE s.rowid BETWEEN ? AND ? ORDER BY s.rowid", (user, *segment.steps))
                cursor.execute(
                    f"INSERT INTO {link_table} ({', '.join(LINK_COLUMNS)}) "
                    f"SELECT {', '.join(LINK_COLUMNS)} FROM {schema}.{LINK_TABLE} "
                    "WHERE rowid BETWEEN ? AND ? ORDER BY rowid", segment.links)
            if versions:
                cursor.execute("DROP TABLE temp.import_step_version")
        finally:
            cursor.close()
        return left

    def rows(self, segments: Sequence[Segment]) -> tuple[Iterator[list[Any]],
                                                          Iterator[list[Any]]]:
        """The step rows (STEP_ROW_COLUMNS; a blank as None) and arrow rows of
        ``segments``, read back."""
        return self._read(segments, STEP_TABLE, 0), self._read(segments, LINK_TABLE, 1)

    @staticmethod
    def _read(segments: Sequence[Segment], table: str, which: int) -> Iterator[list[Any]]:
        for segment in segments:
            first, last = (segment.steps, segment.links)[which]
            con = sqlite3.connect(segment.path)
            try:
                for row in con.execute(f"SELECT * FROM {table} WHERE rowid BETWEEN ? AND ? "
                                       "ORDER BY rowid", (first, last)):
                    yield list(row)
            finally:
                con.close()

    def close(self) -> None:
        """Remove the folder now (also done when the batch is dropped)."""
        self._cleanup()
