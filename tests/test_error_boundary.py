"""The command boundary: exit 1 for input problems, 2 for the project, 3 for a bug (logged);
JSON under --json; a busy project is named as such; dry runs and undo."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bpr_studio import cli, store
from bpr_studio.io.survey_import import import_surveys
from tests.conftest import small_procedure, small_steps


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BPR_STUDIO_LOG_DIR", str(tmp_path / "logs"))


def test_unexpected_exception_is_an_internal_error_with_a_logged_trace(
        tmp_path, make_workbook, monkeypatch, capsys):
    from bpr_studio.io import survey_import

    def boom(*_args, **_kwargs):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(survey_import, "parse_batch", boom)
    code = cli.main(["import", "--json", "--project", str(tmp_path / "p.bprproj"),
                     str(make_workbook())])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_INTERNAL
    assert json.loads(out)["error"]["kind"] == "internal"
    assert "内部エラー" in err
    assert "Traceback" not in err
    log = (tmp_path / "logs" / "bpr-studio.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: simulated bug" in log
    assert "Traceback" in log


def test_damaged_project_exits_2_with_json(tmp_path, make_workbook, capsys):
    project = tmp_path / "p.bprproj"
    project.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    code = cli.main(["import", "--json", "--project", str(project), str(make_workbook())])
    out, _err = capsys.readouterr()
    assert code == cli.EXIT_FAILURE
    assert json.loads(out)["error"]["kind"] == "project"


def test_busy_project_says_someone_else_is_updating(tmp_path, make_workbook, monkeypatch, capsys):
    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook()]).written
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(project, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another user is in the middle of an import
    try:
        code = cli.main(["import", "--project", str(project), str(make_workbook())])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _out, err = capsys.readouterr()
    assert code == cli.EXIT_FAILURE
    assert "このプロジェクトは他の人が更新中です" in err
    assert "Traceback" not in err
    assert "database is locked" not in err


def test_dry_run_lists_the_replacement_and_writes_nothing(tmp_path, make_workbook, capsys):
    project = tmp_path / "p.bprproj"
    first = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1"),
                                                      small_procedure("A-2")],
                          steps=small_steps("A-1") + small_steps("A-2"))
    assert import_surveys(project, [first]).written
    before = project.read_bytes()
    again = make_workbook("01_市民課_v2.xlsx", procedures=[small_procedure("A-1")],
                          steps=small_steps("A-1"))
    code = cli.main(["import", "--dry-run", "--project", str(project), str(again)])
    out, _err = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert "置き換え予定 市民課: 手続 2 → 1 件、工程 6 → 3 件。削除される手続: A-2" in out
    assert project.read_bytes() == before


def test_undo_import_command_restores_and_then_says_nothing_to_undo(tmp_path, make_workbook,
                                                                    capsys):
    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook("01_市民課.xlsx")]).written
    assert import_surveys(project, [make_workbook(
        "01_市民課.xlsx", procedures=[small_procedure("B-9")], steps=small_steps("B-9"))]).written
    assert cli.main(["undo-import", "--project", str(project)]) == cli.EXIT_OK
    assert "元に戻しました" in capsys.readouterr().out
    with store.open_project(project) as opened, opened.session() as session:
        from bpr_studio.model import tables

        assert session.get(tables.Procedure, "T-001") is not None
        assert session.get(tables.Procedure, "B-9") is None
    assert cli.main(["undo-import", "--project", str(project)]) == cli.EXIT_OK  # the first
    assert cli.main(["undo-import", "--project", str(project)]) == cli.EXIT_FAILURE
    assert "元に戻せる取り込みがありません" in capsys.readouterr().err
