"""他の自治体と比較 from the app (issue 16, item 5)."""

from __future__ import annotations

import shutil
import sqlite3

from PySide6.QtCore import Qt


def test_compare_with_another_citys_project_from_the_file_menu(qtbot, make_main_window,
                                                              sample_project, tmp_path):
    peer = tmp_path / "隣の市.bprproj"
    shutil.copy(sample_project, peer)
    with sqlite3.connect(peer) as con:  # the neighbour takes twice as long for SM-001
        con.execute("UPDATE step SET typical_minutes = typical_minutes * 2 "
                    "WHERE procedure_id = 'SM-001'")
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('title', '隣の市')")
    window = make_main_window(sample_project)
    dialog = window._on_compare_cities_triggered()
    assert dialog is not None
    assert not dialog.compare_button.isEnabled()  # nothing to compare with yet
    dialog.add_projects([peer])
    with qtbot.waitSignal(dialog.runner.finished, timeout=120000):
        dialog.compare_button.click()
    assert dialog.comparison is not None
    assert "共通の手続: 69 件" in dialog.summary.text()
    model = dialog.model
    keys = [model.column_key(c) for c in range(model.columnCount())]
    row = list(model.frame["procedure_id"]).index("SM-001")
    ratio = model.index(row, keys.index("ratio_隣の市"))
    assert float(ratio.data()) > 1.25
    assert ratio.data(Qt.ItemDataRole.ForegroundRole) is not None  # red: slower
    assert "隣の市: 共通 69 件のうち、中央値の 1.25 倍より遅い手続 1 件" in dialog.summary.text()
    dialog.reject()
