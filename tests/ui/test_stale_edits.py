"""The app when someone else changed a row first: the edit (or undo) is refused with who
changed what, the latest data is shown, and nothing is overwritten."""

from __future__ import annotations

from sqlalchemy import select

from bpr_studio.edits import SetStepField
from bpr_studio.model import tables
from bpr_studio.store import open_project


def _typical(path, pid, no):
    t = tables.Step.__table__
    with open_project(path) as project, project.engine.connect() as conn:
        return conn.execute(select(t.c.typical_minutes).where(
            t.c.procedure_id == pid, t.c.step_no == no)).scalar_one()


def _someone_else_sets(path, pid, no, value):
    with open_project(path) as other:
        other._user = "佐藤"
        version = other.engine.connect().execute(select(tables.Step.__table__.c.row_version).where(
            tables.Step.__table__.c.procedure_id == pid,
            tables.Step.__table__.c.step_no == no)).scalar_one()
        SetStepField(pid, no, "typical_minutes", value, expected_version=version).apply(other)


def test_an_edit_on_stale_data_is_refused_named_and_the_view_reloads(
        qtbot, make_main_window, sample_project, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr("ui.main_window.show_message", lambda _p, _t, text: shown.append(text))
    window = make_main_window(sample_project)
    view = window.survey_view
    step = view.step_model.row(0)
    pid, no = step["procedure_id"], int(step["step_no"])
    _someone_else_sets(sample_project, pid, no, "9")  # while this window shows the old step
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        view._on_step_edit_requested(0, "typical_minutes", "4")
    assert "佐藤 さんが変更しました" in shown[0]
    assert "（4）" in shown[0]
    assert _typical(sample_project, pid, no) == 9
    assert window.session.undo_stack.count() == 0


def test_an_undo_that_would_overwrite_someone_elses_change_is_refused(
        qtbot, make_main_window, sample_project, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr("ui.main_window.show_message", lambda _p, _t, text: shown.append(text))
    window = make_main_window(sample_project)
    view = window.survey_view
    step = view.step_model.row(0)
    pid, no = step["procedure_id"], int(step["step_no"])
    before = _typical(sample_project, pid, no)
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        view._on_step_edit_requested(0, "typical_minutes", f"{before + 1:g}")
    assert window.session.undo_stack.count() == 1
    _someone_else_sets(sample_project, pid, no, f"{before + 2:g}")
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        window.session.undo_stack.undo()
    assert "佐藤" in shown[-1]
    assert _typical(sample_project, pid, no) == before + 2  # not put back over 佐藤's
    assert window.session.undo_stack.count() == 0  # the refused undo is dropped


def test_a_unit_cost_changed_by_someone_else_is_not_overwritten_from_the_view(
        qtbot, make_main_window, sample_project, monkeypatch):
    from bpr_studio.edits import SetUnitCostEdit
    from bpr_studio.loading import load_unit_costs, unit_cost_versions

    shown: list[str] = []
    monkeypatch.setattr("ui.main_window.show_message", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr("ui.assumptions_view.QInputDialog.getText",
                        lambda *_a, **_k: ("人事課 単価表", True))
    window = make_main_window(sample_project)
    view = window.assumptions_view
    key = "hourly_cost_regular"
    row = list(window.session.data.unit_costs.project).index(key)
    with open_project(sample_project) as other:  # 佐藤 changes it while this window shows it
        other._user = "佐藤"
        SetUnitCostEdit(key, 4321, "佐藤の根拠",
                        expected_version=unit_cost_versions(other).get(key, 0)).apply(other)
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        view._on_unit_edit_requested(row, key, "5000")
    assert "佐藤" in shown[0]
    with open_project(sample_project) as project:
        assert load_unit_costs(project).project[key].value == 4321
    assert window.session.undo_stack.count() == 0
