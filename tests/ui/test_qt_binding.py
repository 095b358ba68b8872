"""The Qt binding itself: a broken release must not ship with the app."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_calling_qt_methods_does_not_consume_none(qtbot):
    # PySide6 6.12.0 drops a reference to None on every call of a method returning
    # void; Python aborts ("none_dealloc") once None's count reaches zero, which a
    # few repaints of the process map did.
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert sys.getrefcount(None) > before - 100
