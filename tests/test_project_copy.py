"""project copy: a whole project between a .bprproj file and PostgreSQL, ids kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpr_studio.cli import main
from bpr_studio.edits import SetStepField
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import list_scenarios
from bpr_studio.project_copy import copy_project, project_tables
from bpr_studio.store import ProjectError, open_project
from sample_surveys.build_samples import sample_files


def _tables(target) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: what 'identical' means for a copy."""
    with open_project(target) as project, project.engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(
                    select(t).order_by(*(t.primary_key.columns or t.columns)))]
                for t in project_tables()}


@pytest.fixture
def city(tmp_path):
    """A project with every kind of row: surveys, import history, a scenario, an edit."""
    path = tmp_path / "city.bprproj"
    files = sample_files()
    assert import_surveys(path, files[:3]).ok
    assert import_surveys(path, files[3:]).ok  # two batches: history and an undo snapshot
    with open_project(path) as project:
        list_scenarios(project)
        SetStepField("SM-001", 1, "typical_minutes", "7").apply(project)
    return path


def test_file_to_database_to_file_gives_identical_tables(city, pg_url, tmp_path):
    before = _tables(city)
    assert sum(map(len, before.values())) > 1000
    copy_project(city, pg_url)
    assert _tables(pg_url) == before
    back = tmp_path / "back.bprproj"
    result = copy_project(pg_url, back)
    assert _tables(back) == before
    assert result.rows["step"] == len(before["step"])


def test_a_copied_database_goes_on_numbering_after_the_copied_ids(city, pg_url, tmp_path,
                                                                   make_workbook):
    copy_project(city, pg_url)
    # A new import (new batch, new steps) must not collide with the ids copied in.
    assert import_surveys(pg_url, [make_workbook()]).ok
    with open_project(pg_url) as project, project.engine.connect() as conn:
        from bpr_studio.model import tables

        batches = conn.execute(select(tables.ImportBatch.__table__.c.id)).scalars().all()
    assert len(batches) == len(set(batches)) == 3


@pytest.mark.parametrize("into", ["file", "database"])
def test_a_destination_holding_a_project_is_refused_unless_replace(city, pg_url, tmp_path,
                                                                   make_workbook, into):
    destination = tmp_path / "other.bprproj" if into == "file" else pg_url
    assert import_surveys(destination, [make_workbook()]).ok
    before = _tables(destination)
    with pytest.raises(ProjectError) as info:
        copy_project(city, destination)
    assert info.value.key == "copy_destination_not_empty"
    assert "--replace" in info.value.message("ja")
    assert _tables(destination) == before  # untouched
    copy_project(city, destination, replace=True)
    assert _tables(destination) == _tables(city)


def test_copy_command_both_ways(city, pg_url, tmp_path, capsys):
    assert main(["project", "copy", str(city), pg_url]) == 0
    assert "写しました" in capsys.readouterr().out
    assert main(["project", "copy", str(city), pg_url]) == 2
    err = capsys.readouterr().err
    assert "すでにプロジェクトがあります" in err
    assert "postgresql://" in err
    back = tmp_path / "back.bprproj"
    assert main(["--lang", "en", "project", "copy", pg_url, str(back)]) == 0
    assert "Copied" in capsys.readouterr().out
    assert _tables(back) == _tables(city)


def test_every_command_takes_a_database_url(city, pg_url, tmp_path, capsys):
    copy_project(city, pg_url)
    assert main(["scenario", "list", "--project", pg_url]) == 0
    assert "DX標準" in capsys.readouterr().out
    assert main(["simulate", "--project", pg_url, "--replications", "20",
                 "--json", str(tmp_path / "s.json")]) == 0
    assert main(["report", "--project", pg_url, "-o", str(tmp_path / "r.xlsx"),
                 "--replications", "20"]) == 0
    assert (tmp_path / "r.xlsx").stat().st_size > 10_000


def test_an_empty_or_unreachable_database_is_a_clear_message(pg_server, pg_url, capsys):
    assert main(["scenario", "list", "--project", pg_url]) == 2
    assert "空のデータベース" in capsys.readouterr().err
    missing = pg_server.url("no_such_database")
    assert main(["scenario", "list", "--project", missing]) == 2
    assert "データベースに接続できません" in capsys.readouterr().err
