"""The app reads the pipeline's typed results: same figures as the CLI/report, the ranking
sentence above the list, and the sensitivity tab."""

from __future__ import annotations

import pytest


def test_gui_simulation_equals_the_pipeline(qtbot, make_main_window, sample_project):
    from bpr_studio.pipeline import run_pipeline
    from bpr_studio.store import open_project

    window = make_main_window(sample_project)
    session = window.session
    window.scenario_view.replications.setValue(40)
    window.scenario_view.seed.setValue(9)
    with qtbot.waitSignal(session.simulation_ready, timeout=120000):
        window.scenario_view.run_button.click()
    with open_project(sample_project) as project:
        core = run_pipeline(project, "DX標準", 40, 9)
    gui = session.simulation
    for metric in ("staff_time_h", "staff_economic_yen", "staff_fte", "citizen_visits"):
        assert gui.city.savings[metric] == core.city.savings[metric]
    assert [r.procedure_id for r in session.analysis.ranking.rows] == [
        r.procedure_id for r in core.ranking.rows]
    window.nav.setCurrentRow(window.stack.indexOf(window.comparison_view))
    view = window.comparison_view
    assert view.ranking_note.text().startswith(core.ranking.explanation_ja)
    shown = [view.top_model.index(r, 1).data() for r in range(view.top_model.rowCount())]
    assert shown == [r.procedure_id for r in core.ranking.rows[:20]]
    assert len(set(shown)) == len(shown)
    # Every saving headline tells expected (with P5–P95) from potential (issue 9), with
    # the sentence placing it among published outcomes — the same words as the report's.
    hours = core.city.savings["staff_time_h"]
    for text in (view.summary.text(), window.landing_view.headline.text(),
                 window.scenario_view.deltas.text()):
        assert "削減の見込み（3年目" in text
        assert f"{hours.deterministic:,.0f} 時間" in text
        assert f"{hours.p5:,.0f}～{hours.p95:,.0f} 時間" in text
        assert "P5～P95" in text
        assert "潜在（全件移行した場合）" in text
        assert f"{core.potential.city['staff_time_h']:,.0f} 時間" in text
        assert core.band.text("ja") in text


def test_sensitivity_tab(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    window.nav.setCurrentRow(window.stack.indexOf(window.comparison_view))
    view, session = window.comparison_view, window.session
    with qtbot.waitSignal(session.sensitivity_ready, timeout=120000):
        view.sensitivity_button.click()
    result = session.sensitivity
    assert result.bars
    assert "百万円" in view.sensitivity_note.text()
    assert view.stability_model.rowCount() == len(result.stability)
    labels = [view.stability_model.index(r, 0).data() for r in range(len(result.stability))]
    assert any("市民の時間価値 0円" in label for label in labels)
    spearman = float(view.stability_model.index(0, 1).data())
    assert spearman == pytest.approx(result.stability[0].spearman, abs=0.005)
