"""業務フロー: the process map of the chosen procedure, zoom, modes and export (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from ui.flow_scene import LabelItem, NodeItem


@pytest.fixture
def flow(make_main_window, sample_project, qtbot):
    window = make_main_window(sample_project)
    window.resize(1280, 800)
    window.nav.setCurrentRow(window.stack.indexOf(window.flow_view))
    window.session.select("KH-001")
    qtbot.waitUntil(lambda: window.flow_view.shown == "KH-001", timeout=10000)
    return window


def _tasks(view):
    return [i for i in view.scene.items() if isinstance(i, NodeItem) and i.node.kind == "task"]


def test_the_view_shows_the_chosen_procedure_and_the_picker_follows(flow, qtbot):
    view = flow.flow_view
    assert view.procedure_combo.currentData() == "KH-001"
    assert view.procedure_combo.count() == 69
    steps = {i.node.step_no for i in _tasks(view)}
    assert steps == set(range(1, 11))  # KH-001 has ten steps, drawn as-is and to-be
    assert len(_tasks(view)) == 20
    # Choosing another procedure in the picker selects it for every view.
    index = view.procedure_combo.findData("SM-001")
    view.procedure_combo.setCurrentIndex(index)
    view.procedure_combo.activated.emit(index)
    qtbot.waitUntil(lambda: view.shown == "SM-001", timeout=5000)
    assert flow.session.selected == "SM-001"


def test_gateways_carry_shares_and_the_to_be_shows_what_changed(flow):
    view = flow.flow_view
    labels = [i.edge.label for i in view.scene.items() if isinstance(i, LabelItem)]
    assert "90%" in labels
    assert "差戻し 10%" in labels
    gateways = [i for i in view.scene.items() if isinstance(i, NodeItem) and i.node.kind == "gateway"]
    assert len(gateways) == 2  # one in each map
    timers = [i.node for i in view.scene.items() if isinstance(i, NodeItem) and i.node.kind == "timer"]
    assert {"14日", "5日", "6日"} <= {t.lines[0] for t in timers}
    as_is = [i.node for i in _tasks(view) if i.node.y < view.map_height]
    to_be = [i.node for i in _tasks(view) if i.node.y > view.map_height]
    assert len(as_is) == len(to_be) == 10
    assert all(n.status == "same" for n in as_is)
    assert any(n.status == "changed" for n in to_be)  # the default scenario changes it
    assert [n.x for n in as_is] == [n.x for n in to_be]  # the two maps line up
    # Toggle: the to-be map alone.
    view.mode_combo.setCurrentIndex(view.mode_combo.findData("to_be"))
    assert len(_tasks(view)) == 10
    assert any(i.node.status != "same" for i in _tasks(view))
    view.mode_combo.setCurrentIndex(view.mode_combo.findData("as_is"))
    assert all(i.node.status == "same" for i in _tasks(view))


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_wheel_and_buttons_zoom_and_fit_shows_everything(flow, qtbot, size):
    flow.resize(*size)  # with the main toolbar, whose height the map gives up
    view = flow.flow_view
    graphics = view.view
    start = graphics.zoom()
    view.buttons["zoom_in"].click()
    assert graphics.zoom() == pytest.approx(start * 1.25)
    centre = graphics.viewport().rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(graphics.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, -240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    graphics.wheelEvent(event)
    assert graphics.zoom() == pytest.approx(start * 1.25 / 1.15 ** 2)
    view.buttons["fit"].click()
    visible = graphics.mapToScene(graphics.viewport().rect()).boundingRect()
    assert visible.contains(view.scene.itemsBoundingRect())
    assert view.zoom_label.text() == f"{graphics.zoom():.0%}"
    view.buttons["actual"].click()
    assert graphics.zoom() == pytest.approx(1.0)


def test_text_stays_readable_on_a_large_screen(flow, qtbot):
    flow.resize(1920, 1080)
    view = flow.flow_view
    view.shown = None  # a new procedure opens at the fitted zoom
    view.refresh()
    # One map's lanes fill the height: on 1080 px the 13-unit box text is ≥ 12 px.
    assert view.view.zoom() * 13 >= 12


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_export_writes_the_map(flow, tmp_path, suffix):
    path = flow.flow_view.export(tmp_path / f"flow{suffix}")
    assert path is not None
    data = path.read_bytes()
    assert len(data) > 2000
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix]
    assert data.startswith(magic)
    if suffix == ".svg":
        assert "要介護" in data.decode("utf-8")  # text stays text in the drawing


def test_side_by_side_maps_pan_and_zoom_together(flow, qtbot):
    flow.resize(1024, 700)
    view = flow.flow_view
    view.mode_combo.setCurrentIndex(view.mode_combo.findData("side"))
    assert view.view_b.isVisible()
    left = {i.node.status for i in _tasks(view)}
    right = [i.node for i in view.scene_b.items()
             if isinstance(i, NodeItem) and i.node.kind == "task"]
    assert left == {"same"}  # the as-is on the left
    assert len(right) == 10
    assert any(n.status == "changed" for n in right)  # the to-be on the right
    view.buttons["zoom_in"].click()
    assert view.view_b.zoom() == pytest.approx(view.view.zoom())
    bar = view.view.horizontalScrollBar()
    bar.setValue((bar.minimum() + bar.maximum()) // 2 + 7)
    assert view.view_b.horizontalScrollBar().value() == bar.value()
    # Panning the right map moves the left one too.
    view.view_b.verticalScrollBar().setValue(view.view_b.verticalScrollBar().maximum())
    assert view.view.verticalScrollBar().value() == view.view_b.verticalScrollBar().value()
    view.mode_combo.setCurrentIndex(view.mode_combo.findData("both"))
    assert not view.view_b.isVisible()


def test_clicking_a_step_shows_its_details(flow, qtbot):
    view = flow.flow_view
    assert not view.detail_panel.isVisible()
    graphics = view.view
    # Step 3 of KH-001 (審査, 担当職員) in the to-be map, clicked as a user does.
    item = next(i for i in _tasks(view) if i.node.step_no == 3 and i.node.y > view.map_height)
    graphics.centerOn(item)
    point = graphics.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert view.detail_panel.isVisible()
    text = view.detail.text()
    assert "工程 3" in text
    assert "担当職員" in text
    assert "標準 / 最短 / 最長" in text
    assert "24.0 / 14.4 / 43.2 分" in text  # the survey's minutes, as-is
    assert "紙" in text  # medium as-is
    assert "電子" in text  # and to-be
    # A drag pans and does not count as a click.
    view.detail_panel.hide()
    qtbot.mousePress(graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseMove(graphics.viewport(), point + QPoint(40, 0))
    qtbot.mouseRelease(graphics.viewport(), Qt.MouseButton.LeftButton, pos=point + QPoint(40, 0))
    assert not view.detail_panel.isVisible()
