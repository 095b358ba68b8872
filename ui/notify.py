"""Messages that never block the event loop (workers keep reporting while one is shown)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def show_message(parent: QWidget, title: str, text: str,
                 icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote user data: never markup
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()  # window-modal, but returns at once
    return box
