"""The project file: pragmas, schema version, migrations, refusal of newer files."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bpr_studio import store
from bpr_studio.store import ProjectError, create_project, open_project


def test_new_project_has_wal_foreign_keys_and_version(tmp_path):
    with create_project(tmp_path / "a.bprproj") as project, project.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert project.schema_version == store.SCHEMA_VERSION
        assert project.meta("app") == "bpr-studio"
    assert not (tmp_path / "a.bprproj.creating").exists()


def test_deleting_a_procedure_cascades_to_steps(tmp_path):
    with create_project(tmp_path / "a.bprproj") as project, project.engine.begin() as conn:
        conn.execute(text("INSERT INTO procedure (procedure_id, name, section, category, "
                          "annual_cases, origin) VALUES ('P', 'n', 's', 'other', 1, 'app')"))
        conn.execute(text("INSERT INTO step (procedure_id, step_no, name, actor, work_kind, "
                          "typical_minutes, share_pct, manual_entry, seal, wait_days, "
                          "staff_category) VALUES ('P', 1, 'x', 'clerk', 'other', 1, 100, 0, 0, "
                          "0, 'regular')"))
        conn.execute(text("DELETE FROM procedure"))
        assert conn.execute(text("SELECT count(*) FROM step")).scalar_one() == 0


def test_older_project_is_migrated_after_a_backup(tmp_path, monkeypatch):
    path = tmp_path / "old.bprproj"
    create_project(path).close()
    calls = []

    def add_column(conn):
        calls.append("v1→v2")
        conn.execute(text("ALTER TABLE procedure ADD COLUMN owner_note VARCHAR"))

    current = store.SCHEMA_VERSION
    monkeypatch.setattr(store, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(store.MIGRATIONS, current, add_column)
    with open_project(path) as project:
        assert project.schema_version == current + 1
        with project.engine.connect() as conn:
            columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(procedure)")]
        assert "owner_note" in columns
    assert calls == ["v1→v2"]
    assert (tmp_path / f"old.v{current}.bak.bprproj").exists()
    with open_project(path):
        assert calls == ["v1→v2"]  # not migrated twice


def _edit_raw(path, *statements):
    import sqlite3

    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def test_schema_1_gains_the_import_history(tmp_path, make_workbook):
    from bpr_studio.io.import_history import undo_last_import
    from bpr_studio.io.survey_import import import_surveys

    path = tmp_path / "v1.bprproj"
    assert import_surveys(path, [make_workbook()]).written
    _edit_raw(path, "DROP TABLE import_snapshot",
              "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with open_project(path) as project:
        assert project.schema_version == store.SCHEMA_VERSION
    assert (tmp_path / "v1.v1.bak.bprproj").exists()
    assert import_surveys(path, [make_workbook()]).written
    with open_project(path) as project:
        assert undo_last_import(project).sections == ["市民課"]


@pytest.mark.parametrize("statement", [
    "UPDATE meta SET value = 'abc' WHERE key = 'schema_version'",
    "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
    "DELETE FROM meta WHERE key = 'schema_version'",
    "DROP TABLE step_link",
])
def test_damaged_schema_is_a_clear_error_and_writes_no_backup(tmp_path, statement):
    path = tmp_path / "bad.bprproj"
    create_project(path).close()
    _edit_raw(path, statement)
    for _attempt in range(2):
        with pytest.raises(ProjectError) as info:
            open_project(path)
        assert info.value.key in {"project_corrupt", "project_table_missing"}
        assert str(path) in info.value.message("ja")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bprproj"]


def test_newer_project_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "new.bprproj"
    create_project(path).close()
    monkeypatch.setattr(store, "SCHEMA_VERSION", 0)
    with pytest.raises(ProjectError) as info:
        open_project(path)
    assert info.value.key == "project_too_new"


def test_missing_project_is_a_clear_error(tmp_path):
    with pytest.raises(ProjectError) as info:
        open_project(tmp_path / "nothing.bprproj")
    assert "ありません" in info.value.message()


def test_schema_2_gains_parallel_links_and_its_flows_stay_sequential(tmp_path, make_workbook):
    from bpr_studio.io.survey_import import import_surveys
    from bpr_studio.loading import score_project

    path = tmp_path / "v2.bprproj"
    assert import_surveys(path, [make_workbook()]).written
    with open_project(path) as project:
        before = score_project(project).procedures["staff_time_h"].tolist()
    _edit_raw(path, "ALTER TABLE step_link DROP COLUMN parallel",
              "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with open_project(path) as project:
        assert project.schema_version == store.SCHEMA_VERSION
        with project.engine.connect() as conn:
            flags = conn.execute(text("SELECT DISTINCT parallel FROM step_link")).scalars().all()
        assert flags == [0]
        assert score_project(project).procedures["staff_time_h"].tolist() == before
    assert (tmp_path / "v2.v2.bak.bprproj").exists()


def test_schema_3_allows_blank_step_times_and_keeps_every_row(tmp_path, make_workbook):
    """4: the step table is rebuilt so a time may be blank; an old file's rows, its unique
    (procedure, step) rule, its index and the cascade from procedures stay."""
    from bpr_studio.io.survey_import import import_surveys
    from bpr_studio.loading import score_project

    path = tmp_path / "v3.bprproj"
    assert import_surveys(path, [make_workbook()]).written
    # The columns a schema-3 step had (schema 7 added row_version and updated_by).
    v3 = ("id, procedure_id, step_no, name, actor, work_kind, min_minutes, typical_minutes, "
          "max_minutes, share_pct, medium, manual_entry, seal, physical_burden, "
          "cognitive_burden, psychological_burden, enjoyment, wait_days, staff_category, notes, "
          "source_file, source_sheet, source_row")
    with open_project(path) as project:
        before = score_project(project).procedures["staff_time_h"].tolist()
        with project.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {v3} FROM step ORDER BY id")).all()
    # The step table as schema 3 made it: typical_minutes NOT NULL.
    _edit_raw(path, "ALTER TABLE step RENAME TO step_new",
              "DROP INDEX ix_step_procedure_id",
              "CREATE TABLE step (id INTEGER NOT NULL PRIMARY KEY, procedure_id VARCHAR(64) NOT NULL "
              "REFERENCES procedure (procedure_id) ON DELETE CASCADE, step_no INTEGER NOT NULL, "
              "name VARCHAR NOT NULL, actor VARCHAR NOT NULL, work_kind VARCHAR NOT NULL, "
              "min_minutes FLOAT, typical_minutes FLOAT NOT NULL, max_minutes FLOAT, "
              "share_pct FLOAT NOT NULL, medium VARCHAR, manual_entry BOOLEAN NOT NULL, "
              "seal BOOLEAN NOT NULL, physical_burden INTEGER, cognitive_burden INTEGER, "
              "psychological_burden INTEGER, enjoyment INTEGER, wait_days FLOAT NOT NULL, "
              "staff_category VARCHAR NOT NULL, notes VARCHAR, source_file VARCHAR, "
              "source_sheet VARCHAR, source_row INTEGER, UNIQUE (procedure_id, step_no))",
              "CREATE INDEX ix_step_procedure_id ON step (procedure_id)",
              f"INSERT INTO step SELECT {v3} FROM step_new", "DROP TABLE step_new",
              "UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with open_project(path) as project:
        assert project.schema_version == store.SCHEMA_VERSION
        with project.engine.connect() as conn:
            assert conn.execute(text(f"SELECT {v3} FROM step ORDER BY id")).all() == rows
            conn.execute(text("UPDATE step SET typical_minutes = NULL WHERE step_no = 1"))
            conn.commit()
        assert score_project(project).procedures["staff_time_h"].tolist() <= before
        with project.engine.begin() as conn:
            conn.execute(text("DELETE FROM procedure"))
            assert conn.execute(text("SELECT count(*) FROM step")).scalar_one() == 0
    assert (tmp_path / "v3.v3.bak.bprproj").exists()
