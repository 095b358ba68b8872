"""The app opens a project file several times in one process (the window's own connection,
each worker's) while child processes open and close it too: none of that may take the
write-ahead log away from a connection still open (issue 12: the reload after a survey
edit failed with "disk I/O error")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bpr_studio.store import create_project, open_project


def test_another_process_closing_never_removes_the_log_of_an_open_project(tmp_path: Path):
    path = tmp_path / "市.bprproj"
    create_project(path).close()
    window = open_project(path)  # the window's own connection, left open
    try:
        assert window.meta("app")
        worker = open_project(path)  # a worker in the same process, opened and closed
        worker.close()
        # A child process (a comparison) opens and closes the project. Before, the
        # worker's plain read of the file header had dropped this process's locks, and
        # the child, taking itself for the last connection, removed the log.
        code = ("import sys; from bpr_studio.store import open_project; "
                "open_project(sys.argv[1]).close()")
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=120)
        assert path.with_name(path.name + "-wal").exists()
        assert window.meta("app")
    finally:
        window.close()
    # Closed everywhere: the log is folded in and removed, the file complete on its own.
    assert not path.with_name(path.name + "-wal").exists()


def test_a_file_that_is_not_a_project_is_still_refused(tmp_path: Path):
    import pytest

    from bpr_studio.store import ProjectError

    path = tmp_path / "x.bprproj"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 10)
    with pytest.raises(ProjectError):
        open_project(path)
    assert path.read_bytes().startswith(b"PK")
