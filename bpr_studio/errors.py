"""The error boundary shared by the command line and the app.

Expected problems carry a message key (:class:`~bpr_studio.messages.MessageError`);
a busy or damaged project becomes a :class:`~bpr_studio.store.ProjectError`; anything
else is a bug: its trace goes to a log file in the user's data folder and the user
sees one line saying "internal error" and where the log is, never a bare traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError

from bpr_studio.messages import message
from bpr_studio.store import ProjectError, is_busy_error

LOG_NAME = "bpr-studio.log"
_LOG_LIMIT_BYTES = 2_000_000  # one old log is kept beside it as .1


def log_dir() -> Path:
    """Where traces go: BPR_STUDIO_LOG_DIR, else the platform's per-user data folder."""
    override = os.environ.get("BPR_STUDIO_LOG_DIR")
    if override:
        return Path(override)
    from bpr_studio.sample_project import user_data_dir

    return user_data_dir() / "logs"


def log_exception(exc: BaseException, context: str = "") -> Path | None:
    """Append the trace of ``exc`` to the log file; its path, or None if it cannot be written."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        if path.exists() and path.stat().st_size > _LOG_LIMIT_BYTES:
            os.replace(path, path.with_suffix(".log.1"))
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().isoformat(timespec='seconds')} {context}\n")
            handle.write(f"argv: {sys.argv!r}\n{trace}\n")
        return path
    except OSError:
        return None


def as_project_error(exc: BaseException, location: str = "") -> ProjectError | None:
    """A database failure the user can act on, as a ProjectError; None if it is a bug."""
    if isinstance(exc, ProjectError):
        return exc
    if isinstance(exc, OperationalError | DatabaseError):
        if is_busy_error(exc):
            return ProjectError("project_busy", path=location)
        text = str(getattr(exc, "orig", exc)).lower()
        if "readonly" in text or "read-only" in text or "read only" in text:
            return ProjectError("project_read_only", path=location)
        if "permission denied" in text:  # a shared database: the user's login may not
            return ProjectError("project_no_access", path=location)
        if "malformed" in text or "not a database" in text or "no such table" in text:
            return ProjectError("project_corrupt", path=location)
    return None


def describe_failure(exc: BaseException, lang: str = "ja", location: str = "") -> str:
    """What the user reads about a failure in a worker or a slot: the message of an
    expected problem, or "internal error" with the trace logged."""
    from bpr_studio.messages import BilingualError, MessageError

    problem = as_project_error(exc, location)
    if problem is not None:
        return problem.message(lang)
    if isinstance(exc, MessageError | BilingualError):
        return exc.message(lang)
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}"
    return internal_error_message(exc, log_exception(exc, "app"), lang)


def internal_error_message(exc: BaseException, log: Path | None, lang: str = "ja") -> str:
    error = f"{type(exc).__name__}: {str(exc)[:200]}"
    return message("internal_error", lang, error=error, log=str(log) if log else "-")
