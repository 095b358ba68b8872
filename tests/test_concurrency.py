"""Optimistic concurrency: two people editing one project (a file or a PostgreSQL
database); of two edits on the same row the first wins, the second is refused with who
changed what, and nothing is lost or silently overwritten."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from analysis.scenario import Scenario
from bpr_studio.edits import (
    AddProcedure,
    DeleteProcedure,
    SetProcedureField,
    SetStepField,
    SetUnitCostEdit,
    StaleEditError,
)
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import list_scenarios, scenario_versions
from bpr_studio.model import tables
from bpr_studio.scenario_edits import SaveScenario
from bpr_studio.store import open_project


@pytest.fixture
def two_users(project_target, make_workbook):
    """山田 and 佐藤, each with the project open (two connections, as two PCs)."""
    assert import_surveys(project_target, [make_workbook()]).ok
    yamada, sato = open_project(project_target), open_project(project_target)
    yamada._user, sato._user = "山田", "佐藤"
    yield yamada, sato
    yamada.close()
    sato.close()


def _step(project, field, no=1):
    t = tables.Step.__table__
    with project.engine.connect() as conn:
        return conn.execute(select(t.c[field]).where(t.c.procedure_id == "T-001",
                                                     t.c.step_no == no)).scalar_one()


def _procedure(project, field):
    t = tables.Procedure.__table__
    with project.engine.connect() as conn:
        return conn.execute(select(t.c[field]).where(t.c.procedure_id == "T-001")).scalar_one()


def test_two_users_edit_the_same_step_one_wins_the_other_is_told(two_users):
    yamada, sato = two_users
    seen = _step(yamada, "row_version")  # both have the step on screen at this version
    SetStepField("T-001", 1, "typical_minutes", "6", expected_version=seen).apply(yamada)
    with pytest.raises(StaleEditError) as info:
        SetStepField("T-001", 1, "typical_minutes", "8", expected_version=seen).apply(sato)
    text_ja = info.value.message("ja")
    assert "山田" in text_ja  # who
    assert "工程1" in text_ja
    assert "T-001" in text_ja
    assert "いまの値: 6" in text_ja
    assert "（8）" in text_ja
    assert "Yamada" not in info.value.message("en")
    assert "was changed by 山田" in info.value.message("en")
    assert _step(sato, "typical_minutes") == 6  # the first edit stands
    assert _step(sato, "updated_by") == "山田"
    # 佐藤 reloads (a newer version) and makes the change again: now it is saved.
    SetStepField("T-001", 1, "typical_minutes", "8",
                 expected_version=_step(sato, "row_version")).apply(sato)
    assert _step(yamada, "typical_minutes") == 8


def test_undo_never_overwrites_a_later_change_by_someone_else(two_users):
    yamada, sato = two_users
    seen = _step(yamada, "row_version")
    undo = SetStepField("T-001", 1, "typical_minutes", "6", expected_version=seen).apply(yamada)
    SetStepField("T-001", 1, "typical_minutes", "7", expected_version=seen + 1).apply(sato)
    with pytest.raises(StaleEditError) as info:
        undo.apply(yamada)
    assert "佐藤" in info.value.message("ja")
    assert _step(yamada, "typical_minutes") == 7


def test_next_steps_procedure_fields_and_deletion_are_guarded(two_users):
    yamada, sato = two_users
    step_seen, proc_seen = _step(yamada, "row_version", 2), _procedure(yamada, "row_version")
    SetStepField("T-001", 2, "next_steps", "3", expected_version=step_seen).apply(yamada)
    with pytest.raises(StaleEditError) as arrows:
        SetStepField("T-001", 2, "next_steps", "1", expected_version=step_seen).apply(sato)
    # The arrows as they are now, written as in the survey (they live in their own table).
    assert "いまの値: 3）" in arrows.value.message("ja")
    assert "（1）" in arrows.value.message("ja")
    SetProcedureField("T-001", "annual_cases", "2000", expected_version=proc_seen).apply(yamada)
    with pytest.raises(StaleEditError):
        SetProcedureField("T-001", "annual_cases", "3000", expected_version=proc_seen).apply(sato)
    with pytest.raises(StaleEditError) as deleting:
        DeleteProcedure("T-001", expected_version=proc_seen).apply(sato)
    # A refused deletion says it was not deleted (not "your change (…) was not saved").
    assert "山田 さんが変更しました。削除していません" in deleting.value.message("ja")
    assert "It was not deleted" in deleting.value.message("en")
    assert _procedure(sato, "annual_cases") == 2000
    # Deleted and put back (undo): an edit made on the rows before is still refused.
    restore = DeleteProcedure("T-001", expected_version=proc_seen + 1).apply(yamada)
    assert isinstance(restore, AddProcedure)
    with pytest.raises(StaleEditError) as gone:
        DeleteProcedure("T-001").apply(sato)
    assert "すでに削除" in gone.value.message("ja")
    restore.apply(yamada)
    with pytest.raises(StaleEditError):
        SetProcedureField("T-001", "annual_cases", "3000", expected_version=proc_seen + 1
                          ).apply(sato)


def test_an_edit_on_rows_an_import_replaced_is_refused(two_users, project_target,
                                                       make_workbook):
    yamada, sato = two_users
    step_seen, proc_seen = _step(sato, "row_version"), _procedure(sato, "row_version")
    assert import_surveys(project_target, [make_workbook("again.xlsx")]).ok
    with pytest.raises(StaleEditError):
        SetStepField("T-001", 1, "typical_minutes", "6", expected_version=step_seen).apply(sato)
    with pytest.raises(StaleEditError):
        SetProcedureField("T-001", "annual_cases", "2000", expected_version=proc_seen).apply(sato)
    assert _step(sato, "typical_minutes") == 5


def test_a_change_committed_between_read_and_write_is_caught(two_users):
    """The version is checked in the UPDATE itself: 佐藤's edit reads the step while
    山田's transaction holds it, and is refused once 山田 commits."""
    yamada, sato = two_users
    seen = _step(yamada, "row_version")
    outcome: list[BaseException | None] = []

    def sato_edits() -> None:
        try:
            SetStepField("T-001", 1, "typical_minutes", "8", expected_version=seen).apply(sato)
            outcome.append(None)
        except BaseException as problem:  # noqa: BLE001 — handed to the test thread
            outcome.append(problem)

    with yamada.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.execute(text("UPDATE step SET typical_minutes = 6, row_version = row_version + 1, "
                          "updated_by = '山田' WHERE procedure_id = 'T-001' AND step_no = 1"))
        worker = threading.Thread(target=sato_edits)
        worker.start()
        time.sleep(0.5)
        conn.commit()
    worker.join(30)
    assert isinstance(outcome[0], StaleEditError), outcome
    assert _step(sato, "typical_minutes") == 6


def test_scenarios_and_unit_costs_carry_versions_too(two_users):
    yamada, sato = two_users
    list_scenarios(yamada)
    seen = scenario_versions(yamada)["DX標準"]
    scenario = next(s for s in list_scenarios(yamada) if s.name == "DX標準")
    SaveScenario(Scenario(scenario.name, scenario.measures[:1], "山田の案"),
                 expected_version=seen).apply(yamada)
    with pytest.raises(StaleEditError) as info:
        SaveScenario(Scenario(scenario.name, [], "佐藤の案"), expected_version=seen).apply(sato)
    assert "シナリオ「DX標準」" in info.value.message("ja")
    assert next(s for s in list_scenarios(sato) if s.name == "DX標準").description == "山田の案"
    undo = SetUnitCostEdit("hourly_cost_regular", 4200, "人事課", expected_version=0).apply(yamada)
    SetUnitCostEdit("hourly_cost_regular", 4500, "人事課", expected_version=1).apply(sato)
    with pytest.raises(StaleEditError):
        undo.apply(yamada)


def test_a_scenario_changed_between_read_and_save_is_refused_not_overwritten(two_users):
    """The CLI's read-modify-write (``scenario add-measure``, ``counter --set``,
    ``roadmap --set``): a save by someone else in between is not silently undone."""
    from bpr_studio.loading import get_scenario_and_version, save_scenario_seen

    yamada, sato = two_users
    list_scenarios(yamada)
    mine, seen = get_scenario_and_version(yamada, "DX標準")
    theirs, their_seen = get_scenario_and_version(sato, "DX標準")
    theirs.description = "佐藤の案"
    save_scenario_seen(sato, theirs, their_seen)
    mine.measures = mine.measures[:1]
    with pytest.raises(StaleEditError) as info:
        save_scenario_seen(yamada, mine, seen)
    assert "佐藤" in info.value.message("ja")
    kept = next(s for s in list_scenarios(yamada) if s.name == "DX標準")
    assert kept.description == "佐藤の案"
    assert len(kept.measures) > 1
    save_scenario_seen(yamada, mine, scenario_versions(yamada)["DX標準"])  # after re-reading
    assert len(next(s for s in list_scenarios(sato) if s.name == "DX標準").measures) == 1


def test_the_cli_says_a_stale_scenario_save_was_refused(project_target, make_workbook,
                                                        monkeypatch, capsys):
    import bpr_studio.loading as loading
    from bpr_studio.cli import main

    assert import_surveys(project_target, [make_workbook()]).ok
    with open_project(project_target) as project:
        list_scenarios(project)
    real = loading.get_scenario_and_version

    def read_then_someone_saves(project, name):
        read = real(project, name)
        with open_project(project_target) as other:
            other._user = "佐藤"
            scenario, version = real(other, name)
            scenario.description = "佐藤の案"
            loading.save_scenario_seen(other, scenario, version)
        return read

    monkeypatch.setattr(loading, "get_scenario_and_version", read_then_someone_saves)
    code = main(["scenario", "remove-measure", "--project", str(project_target),
                 "--name", "DX標準", "--measure", "online_application"])
    assert code == 2
    assert "佐藤" in capsys.readouterr().err
    with open_project(project_target) as project:
        kept = next(s for s in list_scenarios(project) if s.name == "DX標準")
    assert kept.description == "佐藤の案"
    assert any(use.measure == "online_application" for use in kept.measures)


def test_undoing_a_life_event_change_over_someone_elses_later_one_is_refused(two_users):
    from analysis.life_events import EventMember, LifeEvent
    from bpr_studio.life_event_store import SetLifeEvents, events_version, load_events

    yamada, sato = two_users

    def events(name):
        return (LifeEvent("moving", name, name, 100.0, (EventMember("T-001", 1.0, "利用者"),)),)

    undo = SetLifeEvents(events("山田の転入")).apply(yamada)
    seen = events_version(sato)
    SetLifeEvents(events("佐藤の転入"), expected_version=seen).apply(sato)
    with pytest.raises(StaleEditError) as info:
        undo.apply(yamada)  # would put back the defaults over 佐藤's events
    assert "佐藤" in info.value.message("ja")
    assert [e.name for e in load_events(yamada)] == ["佐藤の転入"]
    with pytest.raises(StaleEditError):  # an edit made on the version before 佐藤's
        SetLifeEvents(events("山田の再提案"), expected_version=seen).apply(yamada)
    assert events_version(yamada) == seen + 1


def test_a_snapshot_reads_the_project_as_of_one_instant(project_target, make_workbook):
    """A report or simulation (``open_snapshot``) started before someone's edit reads
    every table as it was when it started — not procedures from before and steps from
    after — and cannot write."""
    from bpr_studio.errors import ProjectError
    from bpr_studio.store import open_snapshot

    assert import_surveys(project_target, [make_workbook()]).ok
    with open_snapshot(project_target) as snapshot:
        before = _step(snapshot, "typical_minutes")
        with open_project(project_target) as other:
            other._user = "佐藤"
            seen = _step(other, "row_version")
            SetStepField("T-001", 1, "typical_minutes", f"{before + 1:g}",
                         expected_version=seen).apply(other)
            assert _step(other, "typical_minutes") == before + 1
        assert _step(snapshot, "typical_minutes") == before  # still the instant it opened
        with pytest.raises(ProjectError):
            SetStepField("T-001", 1, "typical_minutes", "1").apply(snapshot)
    with open_project(project_target) as project:
        assert _step(project, "typical_minutes") == before + 1
