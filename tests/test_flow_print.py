"""The report's flow pictures: the app's process map (analysis.flow_layout) printed so
that an executive can read every box on paper."""

from __future__ import annotations

import warnings
from io import BytesIO

import pytest
from openpyxl import Workbook
from PIL import Image as PILImage

from analysis.flow_print import (
    MIN_TEXT_PT,
    OVERSAMPLE,
    PAGE_PX,
    continuations,
    part_bounds,
    print_flow,
    print_layout,
)
from analysis.graph import build_graph
from analysis.measures import MEASURES
from bpr_studio.report.appendix import flow_sheet

ACTORS = ["citizen", "counter", "clerk", "approver", "system"]


def long_flow(steps: int = 25):
    """Five lanes, a rework from step 12 back to step 3, a wait after step 7."""
    rows = [{"step_no": i, "name": f"工程{i}の確認作業", "actor": ACTORS[i % 5],
             "work_kind": "checking", "typical_minutes": 10.0, "wait_days": 3 if i == 7 else 0}
            for i in range(1, steps + 1)]
    links = [(i, i + 1, 1.0) for i in range(1, steps) if i != 12]
    links += [(12, 13, 0.8), (12, 3, 0.2), (steps, None, 1.0)]
    return build_graph({"procedure_id": "L-1", "name": "長い手続", "annual_cases": 10}, rows, links)


def shown_on_sheet(png: bytes) -> tuple[float, float, float]:
    """(width, height) the sheet shows the picture at, and shown px per PNG px."""
    ws = flow_sheet(Workbook(), [("t", png)])
    image = ws._images[0]
    return image.width, image.height, image.width / PILImage.open(BytesIO(png)).width


def test_a_long_flow_prints_in_parts_each_legible_and_within_the_page():
    """Issue 12 (box text under 8 pt on paper), kept with the app's map: a 25-step flow
    in five lanes prints in parts; every part's box text is 8 pt or more and the part
    fits a landscape A4 page as the sheet shows it."""
    parts = print_flow(long_flow())
    assert len(parts) > 1
    for part in parts:
        assert part.text_pt >= MIN_TEXT_PT
        width, height, scale = shown_on_sheet(part.png)
        assert width <= PAGE_PX[0] + 0.5
        assert height <= PAGE_PX[1] + 0.5
        assert (width, height) == pytest.approx(part.shown_px, abs=1)
        assert scale == pytest.approx(1 / OVERSAMPLE, rel=1e-3)  # the size it was drawn for


def test_parts_cover_every_step_once_in_order_and_evenly():
    parts = print_flow(long_flow())
    labels = [part.label for part in parts]
    assert labels[0].startswith("工程1～")
    assert labels[-1].endswith("～25（全25工程）")
    spans = [label.split("（")[0].removeprefix("工程").split("～") for label in labels]
    numbers = [(int(a), int(b)) for a, b in spans]
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in zip(numbers, numbers[1:], strict=False))
    sizes = [b - a + 1 for a, b in numbers]
    assert max(sizes) - min(sizes) <= 2  # not 6 + 6 + 6 + 6 + 1


def test_a_short_flow_prints_whole():
    rows = [{"step_no": i, "name": f"工程{i}", "actor": ACTORS[i % 3], "work_kind": "checking",
             "typical_minutes": 5.0} for i in (1, 2, 3)]
    graph = build_graph({"procedure_id": "S-1", "name": "短い手続"}, rows,
                        [(1, 2, 1.0), (2, 3, 1.0), (3, None, 1.0)])
    parts = print_flow(graph)
    assert [part.label for part in parts] == [""]
    assert parts[0].text_pt >= MIN_TEXT_PT


def test_as_is_and_to_be_print_in_the_same_parts():
    """The reader compares the as-is and to-be page by page: the to-be is laid out on the
    as-is columns, so its parts hold the same steps."""
    as_is = long_flow()
    to_be = MEASURES["online_application"].apply(as_is)
    before = print_flow(as_is)
    after = print_flow(to_be, baseline=as_is)
    assert [p.label for p in after] == [p.label for p in before]
    _scale, bounds = part_bounds(print_layout(to_be, as_is))
    assert bounds == part_bounds(print_layout(as_is))[1]


def test_a_flow_leaving_a_part_says_where_it_goes():
    """A rework from step 12 back to step 3 crosses parts: the part with step 12 says
    "←工程3 20%", the part with step 3 says where the flow comes from."""
    flow = print_layout(long_flow())
    _scale, bounds = part_bounds(flow)
    texts = [[note.text for note in continuations(flow, left, right)] for left, right in bounds]
    with_12 = next(i for i, (left, right) in enumerate(bounds)
                   if left <= flow.task(12).x < right)
    with_3 = next(i for i, (left, right) in enumerate(bounds) if left <= flow.task(3).x < right)
    assert with_12 != with_3
    assert "←工程3 20%" in texts[with_12]
    assert "工程12から 20%" in texts[with_3]
    assert any(text.startswith("→工程") for text in texts[0])  # the way on to the next part


def test_printed_text_has_every_glyph():
    """Every note and mark prints (IPAexGothic lacks some arrows: an empty box on paper)."""
    as_is = long_flow()
    to_be = MEASURES["online_application"].apply(as_is)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        print_flow(as_is)
        print_flow(to_be, baseline=as_is)


def test_the_sheet_prints_the_whole_width_of_its_pictures():
    """LibreOffice printed only the used columns of the 業務フロー sheet and cut a wide
    picture at their edge (seen on a generated city's report): the print area covers the
    widest picture, and the sheet still prints at 100 %."""
    from openpyxl.utils import get_column_letter

    from bpr_studio.report.printing import column_pt, normal_font_pt, printed_columns
    from bpr_studio.report.writer import print_setup

    wb = Workbook()
    ws = flow_sheet(wb, [(part.label, part.png) for part in print_flow(long_flow())])
    first, last = printed_columns(ws)
    font = normal_font_pt(ws)
    covered = sum(column_pt(ws.column_dimensions[get_column_letter(c)].width, font)
                  for c in range(first, last + 1))
    widest = max(image.width for image in ws._images) * 0.75
    assert widest > column_pt(ws.column_dimensions["A"].width, font) * 3  # a wide picture
    assert covered >= widest
    assert print_setup(ws, "市", "DX標準", "2026-11-28") == 100


def test_notes_at_one_edge_of_a_part_do_not_overlap():
    """Two rework flows leaving a part side by side (seen on a generated city's report:
    "工程15から 24%" printed over "工程10から 22%") get a line each."""
    rows = [{"step_no": i, "name": f"確認{i}", "actor": "clerk", "work_kind": "checking",
             "typical_minutes": 5.0} for i in range(1, 21)]
    links = [(i, i + 1, 1.0) for i in range(1, 20) if i not in (15, 16)]
    links += [(15, 16, 0.8), (15, 6, 0.2), (16, 17, 0.7), (16, 7, 0.3), (20, None, 1.0)]
    flow = print_layout(build_graph({"procedure_id": "R", "name": "差戻し"}, rows, links))
    _scale, bounds = part_bounds(flow)
    for left, right in bounds:
        for edge_notes in ([n for n in continuations(flow, left, right) if n.align == side]
                           for side in ("left", "right")):
            ys = sorted(note.y for note in edge_notes)
            assert all(b - a >= 12 for a, b in zip(ys, ys[1:], strict=False))
    texts = [n.text for left, right in bounds for n in continuations(flow, left, right)]
    assert any(t.startswith("工程15から") for t in texts)
    assert any(t.startswith("工程16から") for t in texts)
