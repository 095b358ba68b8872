"""Schema migrations of a project (a ``.bprproj`` file or a PostgreSQL database).

Each entry of :data:`MIGRATIONS` upgrades a connection's schema from its key's version to
the next; :func:`bpr_studio.store.open_project` runs the ones a project needs, in one write
transaction after a backup copy of a file (docs/architecture.md). Both backends take the
same steps (PostgreSQL has no ``PRAGMA``; SQLite cannot drop a NOT NULL).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, text

from bpr_studio.model import tables

__all__ = ["MIGRATIONS", "VERSIONED_TABLES", "Migration"]

# from_version → function upgrading a connection's schema to from_version + 1.
Migration = Callable[[Connection], None]


def _add_import_snapshots(conn: Connection) -> None:
    """1 → 2: the import history keeps what each import replaced (undo of the last import)."""
    tables.ImportSnapshot.__table__.create(conn, checkfirst=True)


def _add_parallel_links(conn: Connection) -> None:
    """2 → 3: a step's arrows may run in parallel (survey ``4&5``, BPMN parallel gateways)."""
    columns = [c["name"] for c in inspect(conn).get_columns("step_link")]
    if "parallel" not in columns:  # a file marked older than its tables is left as it is
        # FALSE, not 0: PostgreSQL has no integer-to-boolean default (SQLite reads both).
        conn.execute(text("ALTER TABLE step_link ADD COLUMN parallel BOOLEAN NOT NULL "
                          "DEFAULT FALSE"))


def _allow_missing_step_times(conn: Connection) -> None:
    """3 → 4: a step's typical time may be blank (a BPMN task that has none stays blank,
    not 0). SQLite cannot drop a NOT NULL: the step table is rebuilt with the same rows."""
    inspector = inspect(conn)
    columns = {c["name"]: c for c in inspector.get_columns("step")}
    if columns["typical_minutes"]["nullable"]:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(text("ALTER TABLE step ALTER COLUMN typical_minutes DROP NOT NULL"))
        return
    for index in inspector.get_indexes("step"):
        conn.execute(text(f'DROP INDEX "{index["name"]}"'))
    conn.execute(text("ALTER TABLE step RENAME TO step_before_v4"))
    tables.Step.__table__.create(conn)
    names = ", ".join(f'"{c.name}"' for c in tables.Step.__table__.columns if c.name in columns)
    conn.execute(text(f"INSERT INTO step ({names}) SELECT {names} FROM step_before_v4"))
    conn.execute(text("DROP TABLE step_before_v4"))


def _add_survey_rounds(conn: Connection) -> None:
    """4 → 5: re-survey rounds (効果測定) kept beside the baseline (docs/effect-measurement.md)."""
    tables.SurveyRound.__table__.create(conn, checkfirst=True)


def _add_life_events(conn: Connection) -> None:
    """5 → 6: life events (issue 14): the event tables, and on each procedure its national
    手続ID, the counter the citizen goes to and the fields its form asks for."""
    present = {c["name"] for c in inspect(conn).get_columns("procedure")}
    for column in ("national_id", "counter", "form_fields"):
        if column not in present:
            conn.exec_driver_sql(f"ALTER TABLE procedure ADD COLUMN {column} VARCHAR")
    tables.LifeEventRow.__table__.create(conn, checkfirst=True)
    tables.LifeEventMemberRow.__table__.create(conn, checkfirst=True)


VERSIONED_TABLES = ("procedure", "step", "unit_cost", "scenario")


def _add_row_versions_and_team(conn: Connection) -> None:
    """6 → 7 (issue 16): a version and the last editor on every editable row (an edit on
    stale data is refused, docs/team.md), and the team table (who may change which
    section's rows)."""
    for table in VERSIONED_TABLES:
        present = {c["name"] for c in inspect(conn).get_columns(table)}
        if "row_version" not in present:
            conn.exec_driver_sql(
                f'ALTER TABLE "{table}" ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1')
        if "updated_by" not in present:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN updated_by VARCHAR')
    tables.TeamMember.__table__.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Migration] = {1: _add_import_snapshots, 2: _add_parallel_links,
                                    3: _allow_missing_step_times, 4: _add_survey_rounds,
                                    5: _add_life_events, 6: _add_row_versions_and_team}
