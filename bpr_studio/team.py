"""Who may change which rows of a shared project (docs/team.md, issue 16 item 4).

A section's staff may import and edit only their section's rows (procedures, their steps
and arrows, the section's unit costs and open warnings); DX staff may change everything,
and the project-wide settings (scenarios, project unit costs, life events, the national
inventory, project information) are theirs alone. Everybody may read everything.

Stored twice, on purpose (the choice is explained in docs/team.md):

* ``team_member`` (an app table: login name → section or DX) is what the app reads to
  refuse an edit or an import *before* writing, with a message naming the section;
* in PostgreSQL each person is a login role, and row-level security policies on the
  section tables read the same ``team_member`` rows, so the rule also holds for someone
  who connects with psql or Excel's ODBC: the server itself refuses the write.

A project file (SQLite) has one user at a time and no roles: nothing is restricted there,
and neither is a database whose team is not set up yet (no ``team_member`` row). The
database's owner (who created the project) and superusers count as DX staff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select, text
from sqlmodel import SQLModel

from bpr_studio.model import tables
from bpr_studio.store import Project, ProjectError, display_location

# The section tables and, for each, the SQL giving a row's section (NULL: project-wide,
# DX only). Steps and arrows belong to their procedure's section.
_PROCEDURE_SECTION = ("(SELECT p.section FROM procedure p "
                      "WHERE p.procedure_id = {table}.procedure_id)")
SECTION_OF_ROW = {
    "procedure": "section",
    "step": _PROCEDURE_SECTION.format(table="step"),
    "step_link": _PROCEDURE_SECTION.format(table="step_link"),
    "unit_cost": "NULLIF(scope, '')",
    "import_issue": "NULLIF(section, '')",
}
# Written by every import, whoever's: the batch, its undo snapshot (old ones are pruned).
_IMPORT_TABLES = ("import_batch", "import_snapshot")


class OwnershipError(ProjectError):
    """A change the signed-in user may not make; the message names the section."""


@dataclass(frozen=True)
class Member:
    name: str
    section: str | None
    dx: bool

    def describe(self, lang: str = "ja") -> str:
        if self.dx:
            return "DX担当（すべての課）" if lang == "ja" else "DX staff (every section)"
        return f"{self.section}" if lang == "ja" else f"section {self.section}"


def members(conn: Connection) -> list[Member]:
    t = tables.TeamMember.__table__
    return [Member(r.name, r.section, bool(r.dx))
            for r in conn.execute(select(t.c.name, t.c.section, t.c.dx).order_by(t.c.name))]


def _is_admin(conn: Connection) -> bool:
    """The project's owner (who created its tables) or a superuser: DX staff."""
    return bool(conn.execute(text(
        "SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'procedure' "
        "AND tableowner = current_user) FROM pg_roles r WHERE r.rolname = current_user")
    ).scalar())


def current_member(project: Project, conn: Connection) -> Member | None:
    """The signed-in user's rights; None = not restricted (a file, no team, an admin)."""
    if conn.dialect.name != "postgresql":
        return None
    everyone = members(conn)
    if not everyone:
        return None
    me = next((m for m in everyone if m.name == project.user), None)
    if me is None and _is_admin(conn):
        return None
    return me if me is not None else Member(project.user, None, False)


def require_section(project: Project, conn: Connection, section: str | None,
                    what: str) -> None:
    """Refuse (OwnershipError) unless the user may change a row of ``section``
    (None: a project-wide setting, DX staff only)."""
    require_sections(project, conn, [section], what)


def require_sections(project: Project, conn: Connection, sections: Iterable[str | None],
                     what: str) -> None:
    me = current_member(project, conn)
    if me is None or me.dx:
        return
    if me.section is None:
        raise OwnershipError("team_not_member", user=me.name)
    for section in sections:
        if section is None:
            raise OwnershipError("team_dx_only", what=what, user=me.name, own=me.section)
        if section != me.section:
            raise OwnershipError("team_other_section", what=what, section=section,
                                 user=me.name, own=me.section)


# --- set-up (bpr-studio team …): roles, grants and policies ------------------------------

_ROLE_NAME = re.compile(r"^[A-Za-z0-9_\-.@\u3040-\u30ff\u3400-\u9fff]{1,63}$")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def group_roles(conn: Connection) -> tuple[str, str]:
    """(everyone, DX) group roles of this database: roles are server-wide, so each
    project database has its own pair (a DX member of one city's project gets nothing
    in another's)."""
    database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"bpr_{base}_team", f"bpr_{base}_dx"


def _require_database(project: Project) -> None:
    if project.engine.dialect.name != "postgresql":
        raise ProjectError("team_needs_database", path=display_location(project.location))


def install_policies(conn: Connection) -> None:
    """Group roles, grants and row-level security; safe to run again (after a migration
    added tables, or to repair)."""
    team_role, dx_role = group_roles(conn)
    for role in (team_role, dx_role):
        # The names are [a-z0-9_] only (group_roles), so they may stand in the SQL text.
        conn.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {_quote(role)} NOLOGIN; END IF; END $$"))
    names = [t.name for t in SQLModel.metadata.sorted_tables]
    everything = ", ".join(_quote(n) for n in names)
    conn.execute(text(f"GRANT SELECT ON {everything} TO {_quote(team_role)}"))
    writable = ", ".join(_quote(n) for n in (*SECTION_OF_ROW, *_IMPORT_TABLES))
    conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {writable} TO {_quote(team_role)}"))
    conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {everything} TO {_quote(dx_role)}"))
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {_quote(team_role)}"))
    conn.execute(text(f"GRANT {_quote(team_role)} TO {_quote(dx_role)}"))
    # May the current login write a row of this section? (the app's rule, in SQL)
    conn.execute(text("""
        CREATE OR REPLACE FUNCTION bpr_may_write(row_section text) RETURNS boolean
        LANGUAGE sql STABLE AS $$
          SELECT NOT EXISTS (SELECT 1 FROM team_member)
              OR EXISTS (SELECT 1 FROM team_member m WHERE m.name = current_user
                         AND (m.dx OR m.section = row_section))
        $$"""))
    for table, section in SECTION_OF_ROW.items():
        q = _quote(table)
        rule = f"bpr_may_write({section})"
        # An import may delete inventory rows a section claims by its 手続ID, and store
        # file-level warnings that belong to no section.
        delete_rule = f"({rule} OR origin = 'inventory')" if table == "procedure" else rule
        insert_rule = f"({rule} OR section = '')" if table == "import_issue" else rule
        conn.execute(text(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY"))
        for name, command, clause in (
                ("bpr_read", "SELECT", "USING (true)"),
                ("bpr_insert", "INSERT", f"WITH CHECK ({insert_rule})"),
                ("bpr_update", "UPDATE", f"USING ({rule}) WITH CHECK ({rule})"),
                ("bpr_delete", "DELETE", f"USING ({delete_rule})")):
            conn.execute(text(f"DROP POLICY IF EXISTS {name} ON {q}"))
            conn.execute(text(f"CREATE POLICY {name} ON {q} FOR {command} {clause}"))


def add_user(project: Project, name: str, section: str | None, dx: bool,
             password: str | None = None) -> Member:
    """Register ``name`` (created as a PostgreSQL login role if it does not exist) as a
    member of ``section``, or as DX staff. Run by the project's owner (or a role with
    CREATEROLE that owns the tables)."""
    _require_database(project)
    if not _ROLE_NAME.match(name):
        raise ProjectError("team_bad_name", name=name)
    if dx == (section is not None and section.strip() != ""):
        raise ProjectError("team_section_or_dx")
    section = None if dx else (section or "").strip()
    with project.engine.begin() as conn:
        install_policies(conn)
        team_role, dx_role = group_roles(conn)
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                              {"n": name}).first()
        if exists is None:
            conn.execute(text(f"CREATE ROLE {_quote(name)} LOGIN"))
        if password:
            # ALTER ROLE takes no bind parameters: psycopg quotes the literal itself.
            from psycopg import sql

            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)))
        conn.execute(text(f"GRANT {_quote(dx_role if dx else team_role)} TO {_quote(name)}"))
        if not dx:
            conn.execute(text(f"REVOKE {_quote(dx_role)} FROM {_quote(name)}"))
        t = tables.TeamMember.__table__
        conn.execute(t.delete().where(t.c.name == name))
        conn.execute(t.insert().values(name=name, section=section, dx=dx,
                                       added_at=datetime.now(UTC), added_by=project.user))
    return Member(name, section, dx)


def remove_user(project: Project, name: str) -> None:
    """Take ``name`` off the team (the login role stays: it may belong to other projects)."""
    _require_database(project)
    with project.engine.begin() as conn:
        t = tables.TeamMember.__table__
        if conn.execute(t.delete().where(t.c.name == name)).rowcount == 0:
            raise ProjectError("team_no_such_member", name=name)
        for role in group_roles(conn):
            conn.execute(text(f"REVOKE {_quote(role)} FROM {_quote(name)}"))


def list_members(project: Project) -> list[Member]:
    with project.engine.connect() as conn:
        return members(conn)
