"""Benchmark the desktop app (offscreen): start-up, opening a large project, and how long
the GUI thread is ever blocked while an import or a simulation runs.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_gui

Targets (issue 5): main window shown with the sample project ≤ 2 s; opening the
3,000-procedure project ≤ 3 s; the event loop never blocked longer than 100 ms during
an import or a simulation (a 10 ms timer measures the gaps between its ticks).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import generated_city

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class LatencyProbe:
    """Counts the longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_tick)
        self.last = time.perf_counter()
        self.worst = 0.0

    def _on_tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last - 0.010
        if gap > 0.1:
            self.gaps.append((round(now - self.started, 2), round(gap * 1000)))
            if os.environ.get("BPR_PROBE_STACKS"):
                import sys
                import threading
                import traceback

                for ident, frame in sys._current_frames().items():
                    if ident != threading.main_thread().ident:
                        tail = traceback.extract_stack(frame)[-3:]
                        print("   gap", round(gap * 1000), "ms; worker at",
                              " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(tail)))
        self.worst = max(self.worst, gap)
        self.last = now

    def start(self) -> None:
        self.last = self.started = time.perf_counter()
        self.worst = 0.0
        self.gaps: list[tuple[float, int]] = []
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def main() -> None:
    start = time.perf_counter()
    from PySide6.QtCore import QSettings

    from bpr_studio.sample_project import ensure_sample_project
    from ui.app import ensure_application
    from ui.main_window import MainWindow
    from ui.screenshots import wait_until

    app = ensure_application("ja")
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        sample = ensure_sample_project(Path(tmp))
        window = MainWindow(settings=settings)
        window.open_path(sample)
        window.show()
        wait_until(app, lambda: window.session.data is not None)
        shown = time.perf_counter() - start
        print(f"main window shown with the sample project (imports included): {shown:.2f} s")

        survey, big = generated_city(Path(tmp))
        probe = LatencyProbe()
        probe.start()
        began = time.perf_counter()
        window.open_path(big)
        wait_until(app, lambda: window.session.data is not None
                   and len(window.session.data.procedures) == 3000)
        opened = time.perf_counter() - began
        wait_until(app, lambda: not window.session.comparing
                   and window.session.bundle is not None
                   and len(window.session.bundle.comparison.as_is.procedures) == 3000)
        compared = time.perf_counter() - began
        print(f"open the 3,000-procedure project: data shown {opened:.2f} s; scenario comparison "
              f"ready {compared:.2f} s; GUI blocked at most {probe.stop() * 1000:.0f} ms")

        dialog = window._on_import_triggered([survey])
        probe.start()
        dialog.start_check()
        wait_until(app, lambda: not dialog.runner.running and dialog._batch is not None)
        before = window.session.bundle
        dialog.start_import()
        # The import reloads the project and compares the scenario again: wait for both.
        wait_until(app, lambda: window.session.bundle is not before
                   and not window.session.comparing, 120)
        print(f"import of 40 workbooks through the dialog: GUI blocked at most "
              f"{probe.stop() * 1000:.0f} ms")
        dialog.reject()

        probe.start()
        window.session.simulate(1000, 1)
        wait_until(app, lambda: window.session.simulation is not None, 180)
        print(f"simulation, 1,000 replications: GUI blocked at most {probe.stop() * 1000:.0f} ms"
              + (f" (gaps over 100 ms at s: {probe.gaps})" if probe.gaps else ""))
        window.close()


if __name__ == "__main__":
    main()
