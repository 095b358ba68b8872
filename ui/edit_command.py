"""A core edit (``bpr_studio.edits``, ``bpr_studio.scenario_edits``) as an undoable Qt
command of the session's undo stack (:class:`ui.session.ProjectSession`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from bpr_studio.edits import EditError, describe
from bpr_studio.store import ProjectError
from ui.i18n import language

if TYPE_CHECKING:
    from ui.session import ProjectSession


class EditCommand(QUndoCommand):
    """A core edit (bpr_studio.edits) as an undoable Qt command."""

    def __init__(self, session: ProjectSession, edit: Any, inverse: Any) -> None:
        super().__init__(describe(edit, language()))
        self.session = session
        self.edit = edit
        self.inverse = inverse
        self._applied = True  # the session applied it before pushing (to catch errors)

    def redo(self) -> None:
        assert self.session.project is not None
        if self._applied:
            self._applied = False
        else:
            try:
                self.inverse = self.edit.apply(self.session.project)
            except (EditError, ProjectError) as problem:
                self._refused(problem)
                return
        self.session.after_edit(self.edit)

    def undo(self) -> None:
        assert self.session.project is not None
        try:
            self.edit = self.inverse.apply(self.session.project)
        except (EditError, ProjectError) as problem:
            self._refused(problem)
            return
        self.session.after_edit(self.inverse)

    def _refused(self, problem: EditError | ProjectError) -> None:
        # Raised inside a Qt virtual it would only be printed, and the stack would move
        # as if it had happened. Obsolete: QUndoStack drops the command instead (it can
        # no longer be undone without overwriting someone else's change).
        self.setObsolete(True)
        self.session.refuse(problem)
