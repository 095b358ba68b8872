"""Views that refresh only while visible: work for hidden views waits until shown."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


class LazyRefreshMixin:
    """Call ``request_refresh()`` on a change; ``refresh()`` runs now if the view is
    visible, else on its next showEvent."""

    _dirty = False

    def request_refresh(self, *_args: object) -> None:
        self._dirty = True
        if isinstance(self, QWidget) and self.isVisible():
            self._dirty = False
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)  # type: ignore[misc]
        if self._dirty:
            self._dirty = False
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError
