"""A PostgreSQL project read as of one instant (``bpr_studio.store.open_snapshot``).

A file project is snapshotted by copying it (SQLite's backup API); a database is not
copied: one REPEATABLE READ transaction exports its snapshot and every transaction of the
returned project starts from it, read-only.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, create_engine, event, text

from bpr_studio import store
from bpr_studio.store import Project, database_url, display_location


class _DatabaseSnapshot(Project):
    """A database project read as of one instant: an open REPEATABLE READ transaction
    exports its snapshot (``pg_export_snapshot``) and every transaction of this project's
    engine starts from it, read-only. Closing ends the anchoring transaction."""

    def __init__(self, engine: Engine, location: str, anchor: Connection) -> None:
        super().__init__(engine, location, None, True)
        self._anchor = anchor

    def close(self) -> None:
        try:
            self._anchor.rollback()
            self._anchor.close()
            self._anchor.engine.dispose()
        finally:
            self.engine.dispose()


def database_snapshot(target: str) -> Project:
    """The database project at ``target`` as of now (``store.open_snapshot``)."""
    base = store._open_database(target, create=False)  # the checks and messages of opening
    base.close()
    anchor_engine = store._url_engine(target)
    anchor = anchor_engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        snapshot_id = str(anchor.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    except BaseException:
        anchor.close()
        anchor_engine.dispose()
        raise
    engine = create_engine(database_url(target), isolation_level="REPEATABLE READ")

    @event.listens_for(engine, "begin")
    def _as_of_the_snapshot(conn: Connection) -> None:
        # Must be the transaction's first statement (PostgreSQL's rule for imported
        # snapshots); the "begin" event runs before any query of the transaction.
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return _DatabaseSnapshot(engine, display_location(target), anchor)
