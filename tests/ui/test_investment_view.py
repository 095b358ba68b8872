"""投資効果・工程表 view: the economics and the roadmap of the current scenario, computed
in a worker; cost and start-year edits saved with the scenario, refused with the key
named, undone like every scenario edit; a cost edit re-plans without simulating again."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget

from ui.investment_view import FIELDS, FIRST_FIELD_COLUMN, parse_fiscal_year


def _ready(qtbot, view) -> None:
    qtbot.waitUntil(lambda: view.roadmap is not None and not view.runner.running, timeout=60000)


def _open(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view = window.investment_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    _ready(qtbot, view)
    return window, view


def _row(table: QTableWidget, key: str) -> int:
    from PySide6.QtCore import Qt

    for r in range(table.rowCount()):
        item = table.item(r, 0)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
            return r
    raise KeyError(key)


def _edit(table: QTableWidget, row: int, column: int, text: str) -> None:
    item = table.item(row, column)
    assert item is not None
    item.setText(text)


def test_fiscal_years_typed_in_western_or_reiwa_years() -> None:
    assert parse_fiscal_year("2029") == 2029
    assert parse_fiscal_year("令和11") == 2029
    assert parse_fiscal_year("R11") == 2029
    assert parse_fiscal_year("令和11年度（2029）") == 2029
    assert parse_fiscal_year(" ") is None


def test_the_view_shows_the_economics_and_the_roadmap(qtbot, make_main_window,
                                                      sample_project) -> None:
    _window, view = _open(qtbot, make_main_window, sample_project)
    roadmap, economics = view.roadmap, view.economics
    assert roadmap is not None
    assert economics is not None
    assert view.measures.rowCount() == len(economics.measures) + 1     # and the total
    assert view.gantt.rowCount() == len(roadmap.measures)
    assert view.years.columnCount() == 1 + len(roadmap.fiscal_years)
    assert "令和" in view.summary.text()
    header = view.gantt.horizontalHeaderItem(3)
    assert header is not None
    assert str(roadmap.fiscal_years[0]) in header.text()
    first = view.gantt.item(0, 3)
    assert first is not None


def test_a_cost_edit_is_saved_refused_or_undone_and_keeps_the_run(qtbot, make_main_window,
                                                                  sample_project) -> None:
    window, view = _open(qtbot, make_main_window, sample_project)
    session = window.session
    base = view.base
    row = _row(view.costs, "e_approval_system")
    subsidy = FIRST_FIELD_COLUMN + FIELDS.index("subsidy_share")
    # Refused by the cost validation, its message (naming the key) shown, nothing saved.
    _edit(view.costs, row, subsidy, "150%")
    assert view.problem.isVisible()
    assert "cost.e_approval_system.subsidy_share" in view.problem.text()
    assert session.scenario is not None
    assert "cost.e_approval_system.subsidy_share" not in session.scenario.params
    # Accepted: saved with the scenario, the economics re-planned on the same run.
    running = FIRST_FIELD_COLUMN + FIELDS.index("running_yen_per_year")
    _edit(view.costs, _row(view.costs, "e_approval_system"), running, "0")
    assert not view.problem.isVisible()
    assert session.scenario.params["cost.e_approval_system.running_yen_per_year"] == 0
    qtbot.waitUntil(lambda: view.economics is not None and next(
        m for m in view.economics.measures if m.measure == "e_approval").running_yen_per_year == 0,
        timeout=30000)
    _ready(qtbot, view)
    assert view.base is base      # no new simulation for a cost edit
    session.undo_stack.undo()
    assert session.scenario is not None
    assert "cost.e_approval_system.running_yen_per_year" not in session.scenario.params
    qtbot.waitUntil(lambda: view.economics is not None and next(
        m for m in view.economics.measures if m.measure == "e_approval").running_yen_per_year > 0,
        timeout=30000)


def test_a_start_year_typed_moves_the_measure_and_a_bad_one_is_refused(
        qtbot, make_main_window, sample_project) -> None:
    window, view = _open(qtbot, make_main_window, sample_project)
    roadmap = view.roadmap
    assert roadmap is not None
    later = roadmap.fiscal_years[2]
    _edit(view.gantt, _row(view.gantt, "rpa_ocr"), 1, str(later))
    qtbot.waitUntil(lambda: view.roadmap is not None
                    and view.roadmap.measure("rpa_ocr").start_fy == later, timeout=30000)
    assert window.session.scenario is not None
    assert window.session.scenario.params["roadmap.start.rpa_ocr"] == later
    assert window.session.scenario.params["roadmap.start_fy"] == roadmap.start_fy
    _ready(qtbot, view)
    _edit(view.gantt, _row(view.gantt, "rpa_ocr"), 1, "2099")
    assert "roadmap.start.rpa_ocr" in view.problem.text()
    assert window.session.scenario.params["roadmap.start.rpa_ocr"] == later
    # A budget cap typed in millions of yen pushes measures apart.
    view.budget.setText("5")
    view.budget.editingFinished.emit()
    qtbot.waitUntil(lambda: view.roadmap is not None and view.roadmap.budget_cap_yen == 5e6,
                    timeout=30000)
    starts = {m.start_fy for m in view.roadmap.measures}
    assert len(starts) > 1


def test_the_landing_list_ranks_by_npv_or_payback_and_says_so(qtbot, make_main_window,
                                                             sample_project) -> None:
    window = make_main_window(sample_project)
    landing = window.landing_view
    before = [r.procedure_id for r in landing.rows]
    landing.order.setCurrentIndex(1)     # NPV
    assert "NPV" in landing.explanation.text()
    by_npv = [r.procedure_id for r in landing.rows]
    assert sorted(by_npv) == sorted(before)
    assert by_npv != before
    assert [r.rank for r in landing.rows[:3]] == [1, 2, 3]
    landing.order.setCurrentIndex(2)     # payback
    assert "回収年数" in landing.explanation.text()
    landing.order.setCurrentIndex(0)
    assert [r.procedure_id for r in landing.rows] == before


def test_a_data_edit_or_another_project_needs_a_new_run(qtbot, make_main_window,
                                                       sample_project) -> None:
    window, view = _open(qtbot, make_main_window, sample_project)
    old = view.base
    assert old is not None
    window.session.loaded.emit()          # what a survey edit or opening a project does
    qtbot.waitUntil(lambda: view.base is not None and view.base is not old, timeout=60000)


def test_the_run_kept_is_freed_in_the_background_when_the_data_reloads(
        qtbot, make_main_window, sample_project, monkeypatch):
    """A survey edit reloads the data and the view's run is stale: dropped on the GUI
    thread, a 30,000-procedure run took it 228 ms to free. It is handed to the release
    thread, and the view computes again with the new data when shown."""
    import ui.investment_view

    window, view = _open(qtbot, make_main_window, sample_project)
    base = view.base
    assert base is not None
    released: list[object] = []
    monkeypatch.setattr(ui.investment_view, "release_later", released.append)
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        window.session.reload()
    assert released == [base]
    _ready(qtbot, view)  # shown: the view computes again
    assert view.base is not None
    assert view.base is not base
