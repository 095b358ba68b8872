"""The one Qt widget for matplotlib charts: draws a chart function onto a Figure.

The figure is rendered to a picture in a worker thread (Agg, no Qt) and shown as a
pixmap, so dashboards full of charts never stall the window; a hidden canvas draws only
when it is first shown. matplotlib itself is imported by the first of those worker
threads, not when the window opens: importing it takes about half a second, which the
window would otherwise spend before it can show anything (issue 12: shown in ≤ 2 s).
Views name their drawing functions with :func:`deferred` for the same reason.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

DPI = 100
_RENDERS: set[threading.Thread] = set()  # chart pictures being drawn
_ONE_AT_A_TIME = threading.Lock()


def wait_for_renders(timeout: float = 10.0) -> None:
    """Let pictures being drawn finish (before quitting: Qt must outlive them)."""
    for thread in list(_RENDERS):
        thread.join(timeout)


def deferred(module: str, name: str) -> Callable[..., Any]:
    """A drawing function imported on its first call (in the render thread)."""

    def draw(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    draw.__name__ = name
    return draw


class _Rendered(QObject):
    done = Signal(int, object)  # (request number, QImage)


class ChartCanvas(QWidget):
    """``draw(fn, *args)`` lets ``fn(figure, *args)`` draw on a fresh Figure."""

    def __init__(self, parent: QWidget | None = None, height: float = 3.2) -> None:
        super().__init__(parent)
        self._pending: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None = None
        self._request = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumHeight(int(height * DPI * 0.6))
        layout.addWidget(self.picture)
        self._rendered = _Rendered()
        self._rendered.done.connect(self._on_rendered)

    def draw(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Draw now if visible, else when first shown: hidden views cost nothing."""
        first = self._pending is None
        self._pending = (fn, args, kwargs)
        if self.isVisible() and first:
            QTimer.singleShot(0, self._render_pending)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._pending is not None:
            self._render_pending()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._last is not None and self.isVisible():
            # A drawing asked for and not yet made wins over the last one made.
            self._pending = self._pending or self._last
            QTimer.singleShot(150, self._render_pending)  # once the user stops resizing

    _last: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None = None

    def _render_pending(self) -> None:
        if self._pending is None:
            return
        fn, args, kwargs = self._pending
        self._pending = None
        self._last = (fn, args, kwargs)
        self._request += 1
        request = self._request
        width = max(self.width(), 200) / DPI
        height = max(self.height(), 150) / DPI
        signal = self._rendered.done

        def render() -> None:  # in a worker thread: Agg only, no Qt widgets
            try:
                # One chart drawn at a time: a view's five charts drawn by five threads at
                # once took turns at Python's lock with the GUI thread, which then waited
                # behind all of them (the 比較 view: gaps of a second on a busy machine).
                with _ONE_AT_A_TIME:
                    image = _draw(fn, args, kwargs, width, height)
                signal.emit(request, image)
            except RuntimeError:
                pass  # the window closed while this chart was being drawn
            finally:
                _RENDERS.discard(threading.current_thread())
        thread = threading.Thread(target=render, daemon=True)
        _RENDERS.add(thread)
        thread.start()

    def _on_rendered(self, request: int, image: QImage) -> None:
        if request == self._request:  # a newer drawing supersedes an older one
            self.picture.setPixmap(QPixmap.fromImage(image))

    def image(self) -> QImage | None:
        """The picture shown, for tests and export."""
        pixmap = self.picture.pixmap()
        return None if pixmap is None or pixmap.isNull() else pixmap.toImage()


def _draw(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
          width: float, height: float) -> QImage:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import analysis.charts  # noqa: F401  (the Japanese font, before any Figure)

    figure = Figure(figsize=(width, height), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    fn(figure, *args, **kwargs)
    _layout(figure)
    canvas.draw()
    buffer = bytes(canvas.buffer_rgba())
    w, h = canvas.get_width_height()
    return QImage(buffer, w, h, QImage.Format.Format_RGBA8888).copy()


def _layout(figure: Any) -> None:
    with contextlib.suppress(ValueError, RuntimeError):  # a figure too small to lay out
        figure.tight_layout()
