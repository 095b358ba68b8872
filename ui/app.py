"""Start the desktop app: ``bpr-studio gui [PROJECT] [--screenshot FILE.png]``."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ui.i18n import set_language


def load_japanese_font(app: QApplication) -> str | None:
    """Register the bundled IPAexGothic so Japanese renders on any PC; return its family."""
    import matplotlib_fontja

    font_file = Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"
    font_id = QFontDatabase.addApplicationFont(str(font_file))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    font = QFont(families[0], app.font().pointSize() if app.font().pointSize() > 0 else 10)
    app.setFont(font)
    return families[0]


def ensure_application(lang: str = "ja") -> QApplication:
    set_language(lang)
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("BPR Studio")
        app.setOrganizationName("BPRStudio")
        load_japanese_font(app)
    assert isinstance(app, QApplication)
    return app


def run_gui(project: Path | None = None, screenshot: Path | None = None, lang: str = "ja") -> int:
    from bpr_studio.sample_project import ensure_sample_project
    from ui.main_window import MainWindow

    app = ensure_application(lang)
    window = MainWindow()
    if not window.open_path(project or ensure_sample_project()):
        return 2
    window.show()
    if screenshot is not None:
        from ui.screenshots import wait_until_ready

        window.resize(1366, 800)  # a typical office laptop screen, whatever the settings say
        wait_until_ready(app, window)
        window.grab().save(str(screenshot))
        window.close()
        return 0
    return app.exec()
