"""Render every view of the main window to PNG: ``python -m ui.screenshots OUTDIR [PROJECT]``.

For the documentation and for looking at what we built (offscreen works).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings


def wait_until(app, condition, timeout: float = 120.0) -> None:
    """Let the event loop run (workers report through it) until ``condition()`` holds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.3) -> None:
    wait_until(app, lambda: False, seconds)


def wait_until_ready(app, window) -> None:
    wait_until(app, lambda: window.session.comparison is not None
               and not window.session.comparing and not window.session.counting)


def render_views(out_dir: Path, project: Path | None = None, lang: str = "ja",
                 simulate: bool = True, select: str | None = None,
                 size: tuple[int, int] = (1366, 800), suffix: str = "") -> list[Path]:
    """Every view as ``view-N-LANG{suffix}.png``, the window at ``size`` (width, height)."""
    from bpr_studio.sample_project import ensure_sample_project
    from ui.app import ensure_application
    from ui.main_window import MainWindow

    app = ensure_application(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    import tempfile

    settings_dir = tempfile.mkdtemp()
    settings = QSettings(str(Path(settings_dir) / "screenshots.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.open_path(project or ensure_sample_project())
    window.resize(*size)
    window.show()
    wait_until_ready(app, window)
    if simulate:
        window.session.simulate(200, 1)
        wait_until(app, lambda: window.session.simulation is not None)
    assert window.session.data is not None
    pid = window.session.data.scores.procedures["procedure_id"].iloc[0]
    window.session.select(select or pid)
    written = []
    from ui.chart_canvas import ChartCanvas, wait_for_renders

    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        settle(app)
        # The view's own computation first (life events, effect measurement).
        from ui.task_runner import TaskRunner

        wait_until(app, lambda: not any(r.running for r in window.findChildren(TaskRunner)))
        settle(app)
        # Every visible chart's picture (the first also imports matplotlib in its thread).
        wait_until(app, lambda: all(c.image() is not None
                                    for c in window.findChildren(ChartCanvas) if c.isVisible()),
                   30)
        wait_for_renders()
        settle(app)
        path = out_dir / f"view-{row + 1}-{lang}{suffix}.png"
        window.grab().save(str(path))
        written.append(path)
    window.close()
    return written


if __name__ == "__main__":
    # python -m ui.screenshots [OUTDIR] [PROJECT] [--sizes]: --sizes also renders every
    # view at 1024×700 and 1920×1080 (suffixes -1024, -1920) to check the layouts hold.
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = Path(args[0]) if args else Path("docs/screenshots")
    project_arg = Path(args[1]) if len(args) > 1 else None
    sizes = [((1366, 800), "")]
    if "--sizes" in sys.argv:
        sizes += [((1024, 700), "-1024"), ((1920, 1080), "-1920")]
    for window_size, name_suffix in sizes:
        for written_path in render_views(target, project_arg, select="SM-001", size=window_size,
                                         suffix=name_suffix):
            print(written_path)
