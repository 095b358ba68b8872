"""What every ``bpr-studio`` command module shares: exit codes, the default number of
replications and the terminal progress line. Imports nothing heavy (the CLI starts
without numpy)."""

from __future__ import annotations

import sys
from pathlib import Path

# bpr_studio.pipeline.DEFAULT_REPLICATIONS (not imported: the CLI starts without numpy).
# simulate, economics and report print the same P5–P95 for the same seed.
REPLICATIONS = 1000

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1  # the input files have problems (each named with file/sheet/cell)
EXIT_FAILURE = 2  # the project cannot be used: missing, damaged, read-only, busy
EXIT_INTERNAL = 3  # a bug: the trace is in the log file


def terminal_progress(done: int, total: int, label: str) -> None:
    """One line on stderr, rewritten in place (only on a terminal: logs stay clean)."""
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r[{done}/{total}] {label[:60]:<60}", end=end, file=sys.stderr, flush=True)


def project_target(text: str) -> str | Path:
    """A ``--project`` argument: a database URL stays a string, anything else is a path
    (``Path("postgresql://u@h/db")`` would fold the double slash and lose the host)."""
    return text if "://" in text else Path(text)
