"""The bundled sample project: built from ``sample_surveys/`` on first use.

It lives in the user's data folder (never inside the install), and is rebuilt when
the shipped sample workbooks are newer than it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bpr_studio.store import PROJECT_SUFFIX, open_project


def user_data_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "BPRStudio"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "BPRStudio"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "bpr-studio"


def schema_signature() -> str:
    """A digest of every table and column this code writes: a sample built by other code
    (another branch, an older release sharing the data folder) is rebuilt, not trusted."""
    import hashlib

    from sqlmodel import SQLModel

    text = ";".join(f"{name}:{','.join(sorted(table.columns.keys()))}"
                    for name, table in sorted(SQLModel.metadata.tables.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _built_by_this_schema(path: Path) -> bool:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'sample_schema'").fetchone()
        conn.close()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == schema_signature()


def ensure_sample_project(folder: Path | None = None) -> Path:
    """Path of the sample project, (re)built from the shipped sample surveys if needed."""
    from sample_surveys import resurvey_data
    from sample_surveys.build_samples import resurvey_files, sample_files

    folder = folder or user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"サンプル市{PROJECT_SUFFIX}"
    files = sample_files()
    again = resurvey_files()
    newest = max(f.stat().st_mtime for f in [*files, *again])
    if path.exists() and path.stat().st_mtime >= newest and _built_by_this_schema(path):
        return path
    from bpr_studio.io.survey_import import import_surveys  # only when (re)building
    from bpr_studio.io.survey_rounds import import_round

    tmp = folder / f"サンプル市.building{PROJECT_SUFFIX}"
    for leftover in folder.glob(f"サンプル市.building{PROJECT_SUFFIX}*"):
        leftover.unlink()
    report = import_surveys(tmp, files)
    if not report.ok:  # the shipped samples are tested to import cleanly
        raise RuntimeError(report.format_text("en"))
    # A re-survey of two sections as a second round, so 効果測定 shows planned vs actual.
    report = import_round(tmp, resurvey_data.ROUND_NAME, again,
                          surveyed_on=resurvey_data.SURVEYED_ON,
                          fiscal_year=resurvey_data.FISCAL_YEAR)
    if not report.ok:
        raise RuntimeError(report.format_text("en"))
    with open_project(tmp) as project:
        project.set_meta("municipality", "サンプル市")
        project.set_meta("title", "窓口・証明書手続の業務改革")
        project.set_meta("sample_schema", schema_signature())
    os.replace(tmp, path)
    return path
