"""Row-level ownership in a shared PostgreSQL project: a section's staff import and edit
only their section's rows, DX staff everything; the app says so in Japanese, and the
server itself refuses the write to someone who goes round the app (psql)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from analysis.scenario import Scenario
from bpr_studio import team
from bpr_studio.cli import main
from bpr_studio.edits import SetProcedureField, SetStepField, SetUnitCostEdit
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.model import tables
from bpr_studio.scenario_edits import SaveScenario
from bpr_studio.store import ProjectError, database_url, open_project
from tests.conftest import small_procedure, small_steps

_names = itertools.count(1)


@pytest.fixture
def city(pg_server, pg_url, make_workbook):
    """市民課 (A-1) and 税務課 (B-1) imported by the owner; 山田 of 市民課 and 佐藤 of DX."""
    shimin = make_workbook("市民課.xlsx", procedures=[small_procedure("A-1", section="市民課")],
                           steps=small_steps("A-1"))
    zeimu = make_workbook("税務課.xlsx", procedures=[small_procedure("B-1", section="税務課")],
                          steps=small_steps("B-1"))
    assert import_surveys(pg_url, [shimin, zeimu]).ok
    n = next(_names)
    yamada, sato = f"yamada{n}", f"sato{n}"
    with open_project(pg_url) as owner:
        team.add_user(owner, yamada, "市民課", dx=False)
        team.add_user(owner, sato, None, dx=True)
    database = pg_url.split("@/")[1].split("?")[0]
    return {"owner": pg_url, "yamada": pg_server.url(database, yamada),
            "sato": pg_server.url(database, sato), "yamada_name": yamada,
            "shimin": shimin, "zeimu": zeimu, "make": make_workbook}


def _name(target, pid):
    t = tables.Procedure.__table__
    with open_project(target) as project, project.engine.connect() as conn:
        return conn.execute(select(t.c.name).where(t.c.procedure_id == pid)).scalar_one()


def _version(target, pid):
    t = tables.Procedure.__table__
    with open_project(target) as project, project.engine.connect() as conn:
        return conn.execute(select(t.c.row_version).where(t.c.procedure_id == pid)).scalar_one()


def test_a_section_user_edits_their_own_section_only(city):
    with open_project(city["yamada"]) as project:
        SetProcedureField("A-1", "name", "住民票（訂正）").apply(project)
        SetStepField("A-1", 1, "typical_minutes", "6").apply(project)
        with pytest.raises(ProjectError) as info:
            SetProcedureField("B-1", "name", "書き換え").apply(project)
        with pytest.raises(ProjectError):
            SetStepField("B-1", 1, "typical_minutes", "6").apply(project)
    message = info.value.message("ja")
    assert "「税務課」の手続です" in message
    assert "「市民課」の担当" in message
    assert city["yamada_name"] in message
    assert "belongs to 税務課" in info.value.message("en")
    assert _name(city["owner"], "A-1") == "住民票（訂正）"
    assert _name(city["owner"], "B-1") == "住民票の写しの交付"  # untouched


def test_a_section_user_imports_their_own_section_only(city):
    corrected = city["make"]("税務課2.xlsx", procedures=[
        small_procedure("B-1", section="税務課", name="差し替え")], steps=small_steps("B-1"))
    with pytest.raises(ProjectError) as info:
        import_surveys(city["yamada"], [corrected])
    assert "「税務課」の手続です" in info.value.message("ja")
    assert _name(city["owner"], "B-1") == "住民票の写しの交付"
    ours = city["make"]("市民課2.xlsx", procedures=[
        small_procedure("A-1", section="市民課", name="取り込み直し")], steps=small_steps("A-1"))
    assert import_surveys(city["yamada"], [ours]).ok
    assert _name(city["owner"], "A-1") == "取り込み直し"
    assert _name(city["owner"], "B-1") == "住民票の写しの交付"


def test_the_import_command_prints_the_refusal(city, capsys):
    assert main(["import", "--project", city["yamada"], str(city["zeimu"])]) == 2
    assert "「税務課」の手続です" in capsys.readouterr().err


def test_project_wide_settings_are_dx_staff_only(city):
    with open_project(city["yamada"]) as project:
        with pytest.raises(ProjectError) as info:
            SaveScenario(Scenario("市民課案", [], "")).apply(project)
        assert "DX 担当だけが変更できます" in info.value.message("ja")
        with pytest.raises(ProjectError):
            SetUnitCostEdit("hourly_cost_regular", 4200, "").apply(project)
        with pytest.raises(ProjectError) as info:
            project.set_meta("municipality", "どこか市")
        assert "プロジェクト情報" in info.value.message("ja")
    with open_project(city["sato"]) as project:  # DX staff: any section, any setting
        SetProcedureField("B-1", "name", "DXが訂正").apply(project)
        SaveScenario(Scenario("全庁案", [], "")).apply(project)
        SetUnitCostEdit("hourly_cost_regular", 4200, "人事課").apply(project)
    assert _name(city["owner"], "B-1") == "DXが訂正"


def test_the_server_refuses_a_section_user_who_goes_round_the_app(city):
    """Row-level security: someone with psql and 山田's login changes nothing of 税務課."""
    engine = create_engine(database_url(city["yamada"]))
    try:
        with engine.begin() as conn:
            changed = conn.execute(text("UPDATE procedure SET name = 'x' WHERE section = '税務課'"))
            assert changed.rowcount == 0
            gone = conn.execute(text("DELETE FROM step WHERE procedure_id = 'B-1'"))
            assert gone.rowcount == 0
            assert conn.execute(text(
                "UPDATE procedure SET name = '市民課の訂正' WHERE section = '市民課'")).rowcount == 1
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(text("INSERT INTO procedure (procedure_id, name, section, category, "
                              "annual_cases, origin) VALUES ('X-9', 'x', '税務課', 'other', 1, "
                              "'app')"))
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
            conn.execute(text("DELETE FROM scenario"))
    finally:
        engine.dispose()
    assert _name(city["owner"], "B-1") == "住民票の写しの交付"


def test_team_commands(city, pg_url, tmp_path, capsys):
    assert main(["team", "list", "--project", pg_url]) == 0
    out = capsys.readouterr().out
    assert f"{city['yamada_name']}\t市民課" in out
    assert "DX担当" in out
    assert main(["team", "remove-user", city["yamada_name"], "--project", pg_url]) == 0
    capsys.readouterr()
    with pytest.raises(ProjectError) as info:  # off the team: not even reading
        open_project(city["yamada"])
    assert "権限がありません" in info.value.message("ja")
    file = tmp_path / "p.bprproj"
    assert import_surveys(file, [city["shimin"]]).ok
    assert main(["team", "add-user", "tanaka", "--section", "市民課", "--project", str(file)]) == 2
    assert "PostgreSQL のプロジェクトだけ" in capsys.readouterr().err


def test_a_project_file_and_a_database_without_a_team_restrict_nobody(pg_url, make_workbook,
                                                                      tmp_path):
    for target in (tmp_path / "p.bprproj", pg_url):
        assert import_surveys(target, [make_workbook()]).ok
        with open_project(target) as project:
            SetProcedureField("T-001", "name", "だれでも").apply(project)
            SaveScenario(Scenario("案", [], "")).apply(project)


def test_a_re_survey_round_is_dx_staff_s_to_import(city):
    from bpr_studio.io.survey_rounds import import_round, list_rounds

    with pytest.raises(ProjectError) as info:
        import_round(city["yamada"], "R8再調査", [city["shimin"]])
    assert "調査回「R8再調査」" in info.value.message("ja")
    assert import_round(city["sato"], "R8再調査", [city["shimin"]]).written
    with open_project(city["owner"]) as project:
        assert [r.name for r in list_rounds(project)] == ["R8再調査"]
