"""データ品質: the warnings' last column (the value entered) takes the rest of the width."""

from __future__ import annotations

import pandas as pd

from ui.quality_view import QualityView


def test_the_last_column_stretches_when_the_view_fills_as_it_is_shown(qtbot):
    view = QualityView()
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.show()
    qtbot.waitExposed(view)
    # The view fills while it is shown (it refreshes lazily, on its showEvent).
    view.set_issues(pd.DataFrame({
        "section": ["市民課"], "file": ["01_市民課.xlsx"], "sheet": ["工程"], "cell": ["F12"],
        "message_ja": ["数値ではありません"], "message_en": ["not a number"], "value": ["十"]}))
    qtbot.wait(50)
    header = view.table.horizontalHeader()
    last = view.model.columnCount() - 1
    assert header.sectionPosition(last) + header.sectionSize(last) >= header.viewport().width() - 2
