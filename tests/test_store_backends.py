"""The store on both backends: a .bprproj file and a PostgreSQL database (the
``project_target`` fixture runs each test once per backend)."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from bpr_studio import store
from bpr_studio.io.import_history import list_imports, undo_last_import
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import list_scenarios, load_frames, load_unit_costs, set_unit_cost
from bpr_studio.migrations import VERSIONED_TABLES
from bpr_studio.queries import procedures_frame, steps_frame, stored_issues_frame
from bpr_studio.store import ProjectError, create_project, open_if_exists, open_project
from tests.conftest import small_procedure, small_steps


def _raw(target, *statements):
    with open_project(target) as project, project.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_a_new_project_carries_the_app_and_schema_version(project_target):
    assert open_if_exists(project_target) is None
    with create_project(project_target, name="テスト市") as project:
        assert project.schema_version == store.SCHEMA_VERSION
        assert project.meta("app") == "bpr-studio"
        assert project.meta("name") == "テスト市"
    with open_project(project_target) as project:  # opening again creates nothing twice
        assert project.schema_version == store.SCHEMA_VERSION


def test_deleting_a_procedure_cascades_to_steps_and_links(project_target, make_workbook):
    assert import_surveys(project_target, [make_workbook()]).ok
    _raw(project_target, "DELETE FROM procedure")
    with open_project(project_target) as project, project.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM step")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM step_link")).scalar_one() == 0


def test_import_reimport_and_undo(project_target, make_workbook):
    a = make_workbook("a.xlsx", procedures=[small_procedure("A-1"), small_procedure("A-2")],
                      steps=small_steps("A-1") + small_steps("A-2"))
    assert import_surveys(project_target, [a]).ok
    b = make_workbook("b.xlsx", procedures=[small_procedure("A-1", name="訂正後")],
                      steps=small_steps("A-1"))
    assert import_surveys(project_target, [b]).ok
    with open_project(project_target) as project:
        assert procedures_frame(project)["name"].tolist() == ["訂正後"]
        assert [i["undoable"] for i in list_imports(project)] == [True, True]
        undo_last_import(project)
        assert sorted(procedures_frame(project)["procedure_id"]) == ["A-1", "A-2"]
        assert len(steps_frame(project)) == 6


def test_frames_unit_costs_scenarios_and_issues_read_the_same(project_target, tmp_path):
    from sample_surveys.build_samples import sample_files

    assert import_surveys(project_target, sample_files()).ok
    with open_project(project_target) as project:
        procedures, steps, links = load_frames(project)
        assert len(procedures) == 69
        assert len(steps) > 400
        assert len(links) > 400
        assert steps["manual_entry"].isin([True, False, 0, 1]).all()
        set_unit_cost(project, "hourly_cost_regular", "4,200", "人事課 2026")
        assert load_unit_costs(project).project["hourly_cost_regular"].value == 4200
        assert "DX標準" in [s.name for s in list_scenarios(project)]
        stored_issues_frame(project)


def test_schema_2_project_gains_parallel_links(project_target, make_workbook):
    """The 2 → 3 migration on both backends (its boolean default is portable SQL)."""
    assert import_surveys(project_target, [make_workbook()]).ok
    _raw(project_target, "ALTER TABLE step_link DROP COLUMN parallel",
         "DROP TABLE life_event_member", "DROP TABLE life_event", "DROP TABLE survey_round",
         "ALTER TABLE procedure DROP COLUMN national_id",
         "ALTER TABLE procedure DROP COLUMN counter",
         "ALTER TABLE procedure DROP COLUMN form_fields",
         "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with open_project(project_target) as project:
        assert project.schema_version == store.SCHEMA_VERSION
        with project.engine.connect() as conn:
            flags = conn.execute(text("SELECT DISTINCT parallel FROM step_link")).scalars().all()
            assert [bool(f) for f in flags] == [False]
            assert {"life_event", "survey_round"} <= set(inspect(conn).get_table_names())


def test_newer_project_is_refused(project_target, make_workbook):
    create_project(project_target).close()
    _raw(project_target, f"UPDATE meta SET value = '{store.SCHEMA_VERSION + 1}' "
                         "WHERE key = 'schema_version'")
    with pytest.raises(ProjectError) as info:
        open_project(project_target)
    assert info.value.key == "project_too_new"


def test_both_backends_give_the_same_frames(pg_url, tmp_path):
    """What analysis reads (procedures, steps, links) is the same from a file and a database."""
    import pandas as pd

    from sample_surveys.build_samples import sample_files

    file = tmp_path / "city.bprproj"
    for target in (file, pg_url):
        assert import_surveys(target, sample_files()).ok
    with open_project(file) as a, open_project(pg_url) as b:
        for left, right in zip(load_frames(a), load_frames(b), strict=True):
            left = left.drop(columns=[c for c in ("id", "updated_by") if c in left])
            right = right.drop(columns=[c for c in ("id", "updated_by") if c in right])
            pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_schema_6_gains_row_versions_and_the_team_table(project_target, make_workbook):
    """6 → 7 on both backends: every editable row gets version 1, the team table appears."""
    assert import_surveys(project_target, [make_workbook()]).ok
    statements = ["DROP TABLE team_member",
                  "UPDATE meta SET value = '6' WHERE key = 'schema_version'"]
    for table in VERSIONED_TABLES:
        statements += [f'ALTER TABLE "{table}" DROP COLUMN row_version',
                       f'ALTER TABLE "{table}" DROP COLUMN updated_by']
    _raw(project_target, *statements)
    with open_project(project_target) as project:
        assert project.schema_version == 7
        with project.engine.connect() as conn:
            assert conn.execute(text("SELECT DISTINCT row_version FROM step")).scalars().all() == [1]
            assert "team_member" in inspect(conn).get_table_names()


@pytest.mark.parametrize("rows_for", ["sqlite", "plain"])
def test_step_rows_read_for_either_backend_write_the_same_steps(project_target, tmp_path,
                                                                  rows_for):
    """The import's step rows are built where the files are read, for the backend they are
    meant for (step_rows.py); written to either backend they give the steps and arrows the
    step records give."""
    from bpr_studio.io.survey_import import parse_batch, write_batch
    from sample_surveys.build_samples import sample_files

    files = sample_files()[:3]
    frames = {}
    for name, target, kind in (("rows", project_target, rows_for),
                               ("records", tmp_path / "records.bprproj", None)):
        batch = parse_batch(files, step_rows=kind)
        assert (batch.step_rows is not None) == (kind is not None)
        with create_project(target) as project:
            assert write_batch(project, batch).written
            _procedures, steps, links = load_frames(project)
        frames[name] = (steps, links)
    for mine, theirs in zip(frames["rows"], frames["records"], strict=True):
        # A PostgreSQL flag reads as bool, a SQLite one as 0/1: the values are compared.
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs.reset_index(drop=True),
                                      check_dtype=False)
    assert len(frames["rows"][0]) > 50
    assert frames["rows"][1]["to_step_no"].isna().any()  # the arrows to the end


def test_a_killed_test_runs_server_folder_is_swept_and_a_live_ones_kept(tmp_path):
    """A SIGKILLed pytest never stops its PostgreSQL server: the next run removes what
    the dead run left, and never touches the server of a run that is still going."""
    import subprocess
    import sys

    from tests import pg_server

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    abandoned, live, unowned = (tmp_path / f"bpr-pg-{n}" for n in ("dead", "live", "old"))
    for folder, owner in ((abandoned, dead), (live, str(os.getpid())), (unowned, None)):
        (folder / "data").mkdir(parents=True)
        if owner is not None:
            (folder / pg_server.OWNER_FILE).write_text(owner)
    pg_server._sweep_abandoned(tmp_path, tmp_path)
    assert not abandoned.exists()
    assert not unowned.exists()  # no owner and no server running in it
    assert live.exists()
