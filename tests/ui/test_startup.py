"""The window shows within 2 s (issue 12): what the app imports before it shows."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import sys
from ui.app import ensure_application
ensure_application("ja")
order = list(sys.modules)
print("matplotlib" in sys.modules)
print(order.index("pandas") < order.index("PySide6.QtCore"))
print(order.index("sqlalchemy") < order.index("PySide6.QtCore"))
"""


def _probe() -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return done.stdout.split()


def test_starting_the_app_neither_imports_matplotlib_nor_lets_qt_read_the_libraries():
    """The Japanese font is found without importing matplotlib_fontja (which imports
    matplotlib, 0.2-0.3 s); pandas and SQLAlchemy are imported before Qt, whose
    `__feature__` hook reads the source of every module imported after it."""
    matplotlib_imported, pandas_first, sqlalchemy_first = _probe()
    assert matplotlib_imported == "False"
    assert pandas_first == "True"
    assert sqlalchemy_first == "True"


def test_the_bundled_japanese_font_is_found(qapp):
    from ui.app import japanese_font_file, load_japanese_font

    font = japanese_font_file()
    assert font is not None
    assert font.exists()
    assert load_japanese_font(qapp)  # registered: a family name came back
