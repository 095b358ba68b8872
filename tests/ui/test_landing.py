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
