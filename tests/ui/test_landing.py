"""The view the window opens on: where to start, and what to do in a new project."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bpr_studio.store import create_project


def test_a_new_project_shows_the_three_next_steps(qtbot, make_main_window, tmp_path):
    path = tmp_path / "新しい市.bprproj"
    create_project(path).close()
    window = make_main_window()
    with qtbot.waitSignal(window.session.loaded, timeout=60000):
        assert window.open_path(path)
    landing = window.landing_view
    assert window.stack.currentWidget() is landing  # the window opens on it
    qtbot.waitUntil(lambda: landing.pages.currentIndex() == 1, timeout=10000)
    buttons = landing.step_buttons
    assert set(buttons) == {"template", "import", "inventory"}
    assert all(b.isVisible() for b in buttons.values())
    # The buttons lead to the actions: the import button opens the import dialog.
    from ui.import_dialog import ImportDialog

    buttons["import"].click()
    dialogs = [d for d in window.findChildren(ImportDialog) if d.isVisible()]
    assert dialogs
    dialogs[0].reject()
    # The dashboard says what to do instead of empty axes and "0.0 人".
    window.nav.setCurrentRow(window.stack.indexOf(window.dashboard_view))
    assert window.dashboard_view.empty_hint.isVisible()
    assert not window.dashboard_view.content.isVisible()


def test_the_window_opens_on_the_ranked_list_and_a_row_opens_its_flow(qtbot, make_main_window,
                                                                      sample_project):
    window = make_main_window(sample_project)
    landing = window.landing_view
    assert window.stack.currentWidget() is landing
    qtbot.waitUntil(lambda: landing.pages.currentIndex() == 2, timeout=10000)
    model = landing.model
    assert model.rowCount() > 10
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "手続ID" in headers
    assert "手間" not in headers  # renamed and explained
    ids = [row.procedure_id for row in model.rows]
    assert len(ids) == len(set(ids))  # one row per procedure
    assert landing.explanation.text()  # says how it is ranked
    # The city-wide saving above the list: expected, potential (labelled), the band.
    headline = landing.headline.text()
    assert "削減の見込み（3年目" in headline
    assert "潜在（全件移行した場合）" in headline
    assert window.session.analysis.band().text("ja") in headline
    saved = window.session.comparison.city()["saved"]["staff_time_h"]
    assert f"{saved:,.0f} 時間" in headline
    # Choosing a row shows what to do, what it saves and on which assumptions.
    third = ids[2]
    landing.table.selectRow(2)
    assert third in landing.detail.text()
    assert "削減" in landing.detail.text()
    assert "前提" in landing.detail.text()
    assert window.session.selected == third
    # A double-click on a row opens that procedure's flow.
    index = model.index(4, 0)
    landing.table.scrollTo(index)
    rect = landing.table.visualRect(index)
    # As a user does it: the first click selects the row, the second opens it.
    qtbot.mouseClick(landing.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(landing.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.stack.currentWidget() is window.flow_view
    assert window.session.selected == ids[4]


def test_comparison_top20_shows_staff_and_citizen_savings_and_opens_a_flow(
        qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    window.resize(1024, 700)
    view = window.comparison_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    view.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.top_model.rowCount() == 20, timeout=10000)
    model = view.top_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal).replace("\n", "")
               for c in range(model.columnCount())]
    assert "手続ID" in headers
    assert "手間（施策の合計）" not in headers  # the old unexplained column
    assert "職員時間の削減（時間/年）" in headers
    assert "市民時間の削減（時間/年）" in headers
    assert "実施の手間（点）" in headers
    effort = headers.index("実施の手間（点）")
    assert model.headerData(effort, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, effort).data(Qt.ItemDataRole.ToolTipRole)  # the sum's parts
    ranking = window.session.analysis.ranking
    assert view.ranking_note.text().startswith(ranking.explanation("ja"))
    # A double-click on a row opens that procedure's process flow.
    index = model.index(3, 0)
    view.top_table.scrollTo(index)
    rect = view.top_table.visualRect(index)
    qtbot.mouseClick(view.top_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.top_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.stack.currentWidget() is window.flow_view
    assert window.session.selected == ranking.rows[3].procedure_id


def test_counter_headers_are_not_cut_on_a_small_screen(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    window.resize(1024, 700)
    view = window.comparison_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    view.tabs.setCurrentIndex(2)
    # The counter queues follow the comparison (ui.session): they may take a while.
    qtbot.waitUntil(lambda: view.counter_model.rowCount() > 0, timeout=60000)
    table, model = view.counter_table, view.counter_model
    metrics = table.horizontalHeader().fontMetrics()
    for column in range(model.columnCount()):
        text = model.headerData(column, Qt.Orientation.Horizontal)
        widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        assert table.columnWidth(column) >= widest, text


def test_the_ranked_list_uses_a_wide_screen_and_keeps_its_caps_on_a_small_one(
        qtbot, make_main_window, sample_project):
    """At 1920 px the measures column shows its text instead of leaving a third of the
    table empty; at 1024 px the capped columns come back to their caps."""
    window = make_main_window(sample_project)
    landing = window.landing_view
    qtbot.waitUntil(lambda: landing.pages.currentIndex() == 2, timeout=10000)
    table, model = landing.table, landing.model
    header = table.horizontalHeader()
    keys = [model.column_key(c) for c in range(model.columnCount())]
    measures = keys.index("measures_label")

    def used() -> int:
        return sum(header.sectionSize(c) for c in range(model.columnCount()))

    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: used() >= table.viewport().width() - 2
                    or header.sectionSize(measures) > 220, timeout=5000)
    assert header.sectionSize(measures) > 220
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: header.sectionSize(measures) <= 220, timeout=5000)


def test_an_empty_ranking_says_why_and_what_to_do(qtbot, make_main_window, sample_project):
    """Procedures surveyed but no yearly cases entered yet: the list is empty, and the view
    says so and where to enter them, instead of an empty table and chart."""
    import sqlite3

    with sqlite3.connect(sample_project) as connection:
        connection.execute("UPDATE procedure SET annual_cases = 0, online_cases = 0")
    window = make_main_window(sample_project)
    landing = window.landing_view
    qtbot.waitUntil(lambda: landing.pages.currentIndex() == 2, timeout=10000)
    assert landing.model.rowCount() == 0
    assert "年間件数が 0 件" in landing.detail.text()
    assert "調査データ" in landing.detail.text()
