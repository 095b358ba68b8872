"""The 効果測定 view: planned vs actual from a worker, the note when there is no re-survey."""

from __future__ import annotations

import pytest

from bpr_studio.io.survey_rounds import import_round
from sample_surveys.build_samples import resurvey_files


def _open_effect(window, qtbot):
    view = window.effect_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    qtbot.waitUntil(lambda: view.run is not None and not view.runner.running, timeout=60000)
    return view


def test_the_view_shows_planned_against_actual_of_the_resurvey(make_main_window, sample_project,
                                                               qtbot):
    assert import_round(sample_project, "R8再調査", resurvey_files(), surveyed_on="2026-06").written
    window = make_main_window(sample_project)
    view = _open_effect(window, qtbot)
    qtbot.waitUntil(lambda: view.result is not None, timeout=60000)
    assert "20 / 69" in view.headline.text()
    assert "364,000" in view.chain.text()                  # 東海村 beside the chain
    assert view.round_box.currentData() == "R8再調査"
    frame = view.procedure_model.frame.set_index("key")
    assert frame.at["SM-004", "achievement"] == pytest.approx(0.5, abs=0.1)
    assert frame.at["KS-001", "status"] == "未測定"
    assert frame.at["KS-001", "actual_h"] != frame.at["KS-001", "actual_h"]  # NaN: not zero
    assert "01_市民課_R8再調査.xlsx" in frame.at["SM-004", "source"]
    measures = view.measure_model.frame.set_index("label")
    assert measures.at["電子決裁", "achievement"] < 0.5
    assert "R8再調査" in view.sources.text()


def test_without_a_resurvey_the_view_says_so(make_main_window, sample_project, qtbot):
    window = make_main_window(sample_project)
    view = _open_effect(window, qtbot)
    qtbot.waitUntil(lambda: "再調査がまだありません" in view.headline.text(), timeout=60000)
    assert view.result is None
    assert view.procedure_model.rowCount() == 0
