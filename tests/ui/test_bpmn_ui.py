"""BPMN in the app: ファイル > BPMN書き出し… and a .bpmn file through the import dialog."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from bpr_studio.io.bpmn_export import BpmnExport
from bpr_studio.pipeline import load_model
from bpr_studio.store import create_project, open_project

MODELER_FILE = Path(__file__).parents[1] / "data" / "bpmn" / "building_permit_modeler.bpmn"


def test_bpmn_exported_from_the_file_menu(qtbot, make_main_window, sample_project, tmp_path):
    window = make_main_window(sample_project)
    assert any(a.text().startswith("BPMN書き出し") for a in window.menuBar().actions()[0].menu()
               .actions())
    out = tmp_path / "市民課.bpmn"
    with qtbot.waitSignal(window.bpmn_exporter.finished, timeout=60000) as blocker:
        window.bpmn_exporter.start(sample_project, "DX標準", ["市民課"], out)
    [result] = blocker.args
    assert isinstance(result, BpmnExport)
    assert result.path == out
    assert result.procedures == 15   # 市民課 of the sample
    assert "<bpmn:definitions" in out.read_text(encoding="utf-8")
    assert "BPMN を保存しました" in window.statusBar().currentMessage()


def test_a_bpmn_file_imports_through_the_dialog_after_its_lanes_are_mapped(
        qtbot, make_main_window, tmp_path):
    project = tmp_path / "new.bprproj"
    create_project(project).close()
    window = make_main_window(project)
    dialog = window._on_import_triggered([MODELER_FILE])
    assert dialog.file_list.count() == 1
    assert not dialog.bpmn_row.isHidden()
    dialog.bpmn_section.setCurrentText("建築指導課")
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert not dialog.import_button.isEnabled()
    assert "Activity_check" in {dialog.model.index(r, 3).data()
                                for r in range(dialog.model.rowCount())}
    assert dialog.bpmn_lanes_button.isEnabled()
    # The user picks 担当職員 for the unknown lane 審査係; the dialog checks again.
    with patch("ui.import_dialog.QInputDialog.getItem", return_value=("担当職員", True)), \
            qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.bpmn_lanes_button.click()
    assert dialog.bpmn_lane_map.text() == "審査係=担当職員"
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    with qtbot.waitSignals([dialog.imported, window.session.loaded], timeout=20000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    assert window.survey_view.procedure_model.rowCount() == 1


def test_a_prosimos_json_chosen_next_to_its_bpmn_gives_the_times(qtbot, make_main_window,
                                                                  tmp_path):
    from tests.test_prosimos_json import write_model

    bpmn, parameters = write_model(tmp_path)
    project = tmp_path / "new.bprproj"
    create_project(project).close()
    window = make_main_window(project)
    dialog = window._on_import_triggered([bpmn, parameters])
    assert dialog.file_list.count() == 2
    dialog.bpmn_section.setCurrentText("購買課")
    dialog.bpmn_lane_map.setText("購買=担当職員")
    with qtbot.waitSignal(dialog.runner.finished, timeout=20000):
        dialog.start_check()
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    with qtbot.waitSignals([dialog.imported, window.session.loaded], timeout=20000):
        dialog.start_import()
    qtbot.waitUntil(lambda: not dialog.runner.running)
    with open_project(project) as opened:
        graph = load_model(opened).graphs["padua"]
    assert max(graph.nodes[n]["typical_minutes"] for n in graph if n != "END") > 18_000
