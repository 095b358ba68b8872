"""Write a file so that readers see the old file or the whole new one, never a part.

The content is written under a unique temporary name in the target's folder (two
writers to one target never collide), flushed to disk, then renamed over the target.
A failure removes the temporary file; temporaries left by a killed process are
removed by the next save to the same target once they are stale.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STALE_AFTER_S = 600


def _temp_prefix(target: Path) -> str:
    return f".~{target.stem}."


def remove_stale_temporaries(target: Path) -> None:
    now = time.time()
    for leftover in target.parent.glob(f"{_temp_prefix(target)}*.tmp{target.suffix}"):
        try:
            if now - leftover.stat().st_mtime > STALE_AFTER_S:
                leftover.unlink()
        except OSError:
            continue  # another process's live temporary, or already gone


def fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def atomic_write(target: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then move the finished file to ``target``."""
    target = Path(target)
    remove_stale_temporaries(target)
    handle, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=f".tmp{target.suffix}",
                                    dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
