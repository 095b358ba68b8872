"""Bubble numbers never overlap: the priority chart's labels (analysis.scenario_charts)."""

from __future__ import annotations

from types import SimpleNamespace

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.scenario_charts import draw_priority_bubbles, place_labels


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_labels_never_overlap_and_the_best_keeps_its_place():
    # Twelve bubbles on top of each other: the first stays centred, the others move
    # beside it or are left out, and no two placed labels overlap.
    anchors = [(100.0, 100.0)] * 12
    places = place_labels(anchors, [(12.0, 9.0)] * 12, [10.0] * 12, (0, 0, 300, 300))
    assert places[0] == (100.0, 100.0)
    boxes = [(x - 6, y - 4.5, x + 6, y + 4.5) for p in places if p for x, y in [p]]
    assert len(boxes) == 9  # the centre and the eight places around the bubble
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_the_chart_draws_no_two_rank_numbers_on_top_of_each_other():
    rows = [SimpleNamespace(rank=i + 1, procedure_id=f"P{i}", name=f"手続{i}", level=2,
                            benefit_yen=1e6 * (1 + (i % 3) * 0.01), annual_cases=1000)
            for i in range(20)]
    figure = Figure(figsize=(4, 3), dpi=100)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot(111)
    draw_priority_bubbles(ax, rows, "ja", top=20)
    figure.tight_layout()  # as the app's canvas lays it out
    canvas.draw()
    renderer = canvas.get_renderer()
    numbers = [t for t in ax.texts if t.get_text().isdigit()]
    assert numbers[-1].get_text() == "1"  # the best is drawn (last, on top)
    # The number itself (an annotation's own extent includes its leader line).
    extents = [Text.get_window_extent(t, renderer).extents for t in numbers]
    assert not any(_overlap(a, b) for i, a in enumerate(extents) for b in extents[i + 1:])


def test_a_cost_panel_with_nothing_to_show_says_so():
    """A procedure whose citizens pay nothing: the 円 panel says なし (0), not an empty
    0–1 axis that reads as a chart that failed to draw."""
    from matplotlib.figure import Figure

    from analysis.charts import draw_five_costs

    keys = ("economic_yen", "time_h", "physical_bh", "cognitive_bh", "psychological_bh")
    as_is = dict(zip(keys, (0.0, 60_000.0, 40.0, 3.0, 22.0), strict=True))
    to_be = dict(zip(keys, (0.0, 58_000.0, 38.0, 2.0, 20.0), strict=True))
    figure = Figure()
    draw_five_costs(figure.add_subplot(111), "citizen", as_is, to_be)
    yen, hours, _burden = figure.axes
    assert any(t.get_text() == "なし（0）" for t in yen.texts)
    assert list(yen.get_yticks()) == [0]
    assert not any(t.get_text() == "なし（0）" for t in hours.texts)
