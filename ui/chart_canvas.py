"""The one Qt canvas for matplotlib charts: draws a chart function onto its Figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget


class ChartCanvas(QWidget):
    """``draw(fn, *args)`` clears the figure, lets ``fn(figure, *args)`` draw, and repaints.

    With ``toolbar`` the matplotlib toolbar gives zoom, pan, fit (home) and PNG/SVG export.
    """

    def __init__(self, parent: QWidget | None = None, toolbar: bool = False,
                 height: float = 3.2) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(6, height), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if toolbar:
            self.toolbar = NavigationToolbar2QT(self.canvas, self)
            layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)

        self._pending: tuple[Callable[..., Any], tuple, dict] | None = None

    def draw(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Draw now if visible, else when first shown: hidden views cost nothing."""
        first = self._pending is None
        self._pending = (fn, args, kwargs)
        if self.isVisible() and first:
            # Each chart in its own event: several charts never freeze the window together.
            QTimer.singleShot(0, self._render_pending)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._pending is not None:
            self._render()

    def _render_pending(self) -> None:
        if self._pending is not None:
            self._render()

    def _render(self) -> None:
        assert self._pending is not None
        fn, args, kwargs = self._pending
        self._pending = None
        self.figure.clear()
        fn(self.figure, *args, **kwargs)
        try:
            self.figure.tight_layout()
        except (ValueError, RuntimeError):
            pass  # a figure too small to lay out
        self.canvas.draw_idle()
