"""Benchmark the process map: a 40-step procedure laid out and drawn, as-is and to-be.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_flow

Target (issue 12): the flow view of a 40-step procedure drawn in ≤ 200 ms. Measured
from the graphs to pixels: both layouts, the scene, and one full paint of a
1920×1080 view (FlowView.draw + grab). Prints the best and the worst of 7 runs.
"""

from __future__ import annotations

import os
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ACTORS = ("citizen", "counter", "clerk", "clerk", "approver", "system", "clerk", "external")


def forty_step_graphs() -> tuple[Any, Any]:
    """A 40-step procedure with branches, rework and waits, and a to-be with measures."""
    from analysis.graph import build_graph
    from analysis.measures import MEASURES

    steps, links = [], []
    for i in range(1, 41):
        steps.append({"step_no": i, "name": f"工程{i} 書類の確認と入力作業", "actor": ACTORS[i % 8],
                      "work_kind": "checking", "typical_minutes": 5.0 + i % 7,
                      "seal": i % 9 == 0, "medium": "paper" if i % 3 else "electronic",
                      "manual_entry": i % 4 == 0, "wait_days": 3.0 if i % 10 == 0 else None})
        nxt = i + 1 if i < 40 else None
        if i % 6 == 0 and i > 6:
            links += [(i, nxt, 0.85), (i, i - 4, 0.15)]
        elif i % 11 == 0:
            links += [(i, nxt, 0.7), (i, min(i + 3, 40), 0.3)]
        else:
            links.append((i, nxt, 1.0))
    as_is = build_graph({"procedure_id": "B-40", "name": "40工程の手続", "annual_cases": 1000},
                        steps, links)
    to_be = MEASURES["abolish_seals"].apply(as_is)
    MEASURES["remove_step"].apply_in_place(to_be, {"steps": [5, 17]})
    MEASURES["automate_step"].apply_in_place(to_be, {"steps": [8, 24]})
    return as_is, to_be


def main() -> None:
    from ui.flow_view import FlowView
    from ui.session import ProjectSession

    app = QApplication.instance()
    as_is, to_be = forty_step_graphs()
    session = ProjectSession()
    view = FlowView(session)
    view.resize(1920, 1080)
    view.show()
    app.processEvents()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        view.scene.clear()
        view.draw(as_is, to_be)
        view.view.fit()
        image = view.view.grab()  # one full paint of everything in view
        times.append((time.perf_counter() - start) * 1000)
        assert not image.isNull()
    items = len(view.scene.items())
    print(f"flow view, 40 steps as-is + to-be ({items} scene items), layout + scene + paint "
          f"at 1920x1080: best {min(times):.0f} ms, worst {max(times):.0f} ms "
          f"(target <= 200 ms)")
    view.close()
    session.close()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    # Module level: the application must outlive every widget, also at interpreter exit.
    APP = QApplication([])
    main()
