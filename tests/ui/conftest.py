"""GUI test fixtures: a main window on a temporary project, torn down without leaks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from bpr_studio.io.survey_import import import_surveys
from sample_surveys.build_samples import sample_files
from ui.i18n import set_language


def _python_threads() -> int:
    """Threads started from Python that are still running. Not the entries Python 3.11
    makes for a Qt thread that logged or asked for the current thread (a worker's
    matplotlib font warning does): those stay listed after the thread has ended."""
    return sum(1 for t in threading.enumerate() if not isinstance(t, threading._DummyThread))


@pytest.fixture(scope="session", autouse=True)
def _the_apps_font(qapp):
    """The test application renders with the bundled IPAexGothic, as the app does
    (``ui.app.ensure_application``): on a machine without a Japanese system font, Qt
    would otherwise measure missing glyphs and the column widths the tests check differ."""
    from ui.app import load_japanese_font

    assert load_japanese_font(qapp)


@pytest.fixture
def sample_project(tmp_path) -> Path:
    path = tmp_path / "サンプル市.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


@pytest.fixture
def make_main_window(qtbot, tmp_path):
    """Build a MainWindow (isolated settings) on a project, wait until its data and the
    default scenario's comparison are loaded; fail if a worker thread outlives it."""
    from ui.main_window import MainWindow

    windows = []
    threads_before = _python_threads()

    def make(project: Path | None = None, lang: str = "ja") -> MainWindow:
        set_language(lang)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        qtbot.addWidget(window)
        window.show()
        if project is not None:
            with qtbot.waitSignal(window.session.comparison_ready, timeout=60000):
                assert window.open_path(project)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
    set_language("ja")
    # Chart pictures finish drawing on their own within moments; a worker that is still
    # running after that has leaked.
    qtbot.waitUntil(lambda: _python_threads() <= threads_before, timeout=5000)
