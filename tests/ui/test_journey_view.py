"""ライフイベント view: every event as-is and to-be in a worker, the timeline of the selected
event, its procedures and the assumptions with their sources; measures re-run it."""

from __future__ import annotations

import os
from pathlib import Path


def _ready(qtbot, view) -> None:
    qtbot.waitUntil(lambda: view.result is not None and not view.runner.running, timeout=90000)


def _rows(table) -> dict[str, list[str]]:
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}


def test_moving_in_and_bereavement_as_is_and_to_be(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project)
    view = window.journey_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    _ready(qtbot, view)
    rows = _rows(view.events)
    moving, bereavement = rows["転入（引越し）"], rows["おくやみ（死亡・相続）"]
    for row in (moving, bereavement):
        assert row[2].endswith("→ 1.0")                 # one counter after ワンストップ
        assert row[3].endswith("→ 1.0")                 # name written once: 書かない窓口
        before, after = (float(text.split("（")[0]) for text in (row[5], row[6]))
        assert after < before
        assert "–" in row[5]                            # P5–P95
    assert view.result is not None
    assert view.result.measures == ["one_stop", "no_form"]
    view.events.selectRow(list(rows).index("おくやみ（死亡・相続）"))
    assert view.members.rowCount() > 5
    matched = {view.members.item(r, 5).text() for r in range(view.members.rowCount())}
    assert any(text.startswith("全国手続ID") for text in matched) or matched
    sources = {view.assumptions.item(r, 4).text() for r in range(view.assumptions.rowCount())}
    assert any("岩見沢市" in text for text in sources)
    assert any("提案値" in text for text in sources)
    shots = os.environ.get("BPR_JOURNEY_SHOTS")
    if shots:   # for looking: BPR_JOURNEY_SHOTS=/tmp/dir pytest tests/ui/test_journey_view.py
        from ui.chart_canvas import wait_for_renders

        for size in ((1024, 700), (1920, 1080)):
            window.resize(*size)
            for _ in range(3):   # the picture is drawn in a worker, then again at the new size
                qtbot.wait(700)
                wait_for_renders()
            qtbot.wait(300)
            window.grab().save(str(Path(shots) / f"journeys-{size[0]}x{size[1]}.png"))
        view.tabs.setCurrentIndex(2)
        qtbot.wait(200)
        window.grab().save(str(Path(shots) / "journeys-assumptions.png"))


def test_unticking_the_measures_runs_again(qtbot, make_main_window, sample_project):
    window = make_main_window(sample_project, lang="en")
    view = window.journey_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    _ready(qtbot, view)
    first = view.result
    view.checks["one_stop"].setChecked(False)
    qtbot.waitUntil(lambda: view.result is not first and not view.runner.running, timeout=90000)
    assert view.result.measures == ["no_form"]
    row = _rows(view.events)["Moving in"]
    assert not row[2].endswith("→ 1.0")              # without ワンストップ the counters stay
    # The view never holds the window wider than a 1024-pixel screen (nav list 150 px).
    assert view.minimumSizeHint().width() <= 1024 - 170


def test_events_edited_through_a_csv_and_undone(qtbot, make_main_window, sample_project, tmp_path):
    window = make_main_window(sample_project)
    view = window.journey_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    _ready(qtbot, view)
    path = view.export_events(tmp_path / "events.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert text.startswith("イベント,手続ID,割合(%)")
    bad = tmp_path / "bad.csv"
    bad.write_text("イベント,手続ID,割合(%)\n転入,SM-004,100\n転入,HN-001,150\n", encoding="utf-8")
    assert not view.import_events(bad)
    assert "bad.csv C3" in view.problem.text()
    mine = tmp_path / "mine.csv"
    mine.write_text("イベント,手続ID,割合(%)\n私の転入,SM-004,100\n私の転入,HN-001,40\n",
                    encoding="cp932")
    first = view.result
    assert view.import_events(mine)
    qtbot.waitUntil(lambda: view.result is not first and not view.runner.running, timeout=90000)
    assert [e.name for e in view.result.events] == ["私の転入"]
    assert view.result.events[0].events_per_year == 7400       # 転入届's cases
    second = view.result
    window.session.undo_stack.undo()
    qtbot.waitUntil(lambda: view.result is not second and not view.runner.running, timeout=90000)
    assert len(view.result.events) == 6                          # the default set again


def test_a_big_projects_journeys_are_computed_in_a_child_and_shown_the_same(
        qtbot, make_main_window, sample_project, monkeypatch):
    """From CHILD_PROCESS_FROM procedures the journeys run in a child process (read and
    simulated in a thread of the app, a 3,000-procedure project's raised its memory by
    ~400 MB and shared its Python lock); the table shows the same figures."""
    import ui.session_tasks as session_tasks

    window = make_main_window(sample_project)
    view = window.journey_view
    window.nav.setCurrentRow(window.stack.indexOf(view))
    _ready(qtbot, view)
    here = _rows(view.events)
    used: list[bool] = []
    real = session_tasks.run_in_process
    monkeypatch.setattr(session_tasks, "CHILD_PROCESS_FROM", 0)
    monkeypatch.setattr(session_tasks, "run_in_process",
                        lambda *args: used.append(True) or real(*args))
    before = view.result
    view.refresh()
    qtbot.waitUntil(lambda: view.result is not before and not view.runner.running,
                    timeout=180000)
    assert used
    assert _rows(view.events) == here
