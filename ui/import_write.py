"""Writing a checked survey batch into the project, for the import dialog: a big batch in a
child process (ui.process_task), so that the write never shares the GUI's Python lock.

In a worker thread, the write of a city's 40 workbooks (above all the import history's
snapshot of the rows it replaces, ``bpr_studio.io.import_history.save_snapshot``: 45,000
rows read, turned into JSON and compressed) kept the GIL busy in short Python stretches;
each time the GUI thread wanted it back it waited up to a switch interval, and with a
chart rendering beside it the window stood still 170 ms (bench_gui, 3,000 procedures).

The batch crosses to the child pickled in pieces (its procedure and unit cost records,
:data:`PIECE` at a time): pickled in one call, a 3,000-procedure batch held the lock
0.1–0.2 s in the worker. Its parked step rows stay in their files (the child reads them
there); the folder still belongs to the batch in this process, which removes it when the
batch is dropped. No Qt here: the child imports this module.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bpr_studio.io.parked_rows import ParkedRows
from bpr_studio.io.report import ImportReport
from bpr_studio.io.survey_import import ImportCancelled, ParsedBatch, write_batch
from bpr_studio.store import open_project
from ui.process_task import run_in_process

# From this many procedures the batch is written in a child process; below, starting a
# process (1–2 s) costs more than the write, and the write is short.
WRITE_IN_CHILD_FROM = 1000
PIECE = 250  # records per separately pickled piece (a few ms each)
PROTOCOL = 5


def write_batch_at(project_path: Path | str, batch: ParsedBatch) -> ImportReport:
    """Write ``batch`` into the project (created if needed) in this thread."""
    with open_project(project_path, create=True) as project:
        return write_batch(project, batch)


def _pieces(records: list[Any]) -> list[bytes]:
    return [pickle.dumps(records[i:i + PIECE], PROTOCOL) for i in range(0, len(records), PIECE)]


def _joined(pieces: list[bytes]) -> list[Any]:
    out: list[Any] = []
    for piece in pieces:
        out.extend(pickle.loads(piece))
    return out


def _write_in_child(project_path: Path | str, rest: bytes, procedures: list[bytes],
                    unit_costs: list[bytes],
                    parked: tuple[str, list[Any]] | None) -> ImportReport:
    """In the child: the batch put together again, then written."""
    batch = pickle.loads(rest)
    batch.procedures = _joined(procedures)
    batch.unit_costs = _joined(unit_costs)
    if parked is not None:
        rows = ParkedRows(parked[0])
        rows._cleanup.detach()  # the parent's batch removes the folder, not this copy
        rows.segments = parked[1]
        batch.parked = rows
    return write_batch_at(project_path, batch)


def written(project_path: Path | str, batch: ParsedBatch,
            cancelled: Callable[[], bool] = lambda: False) -> ImportReport:
    """Write ``batch`` (in a worker thread): a big one in a child process, killed (the
    transaction then rolls back, nothing written) if ``cancelled()``."""
    if len(batch.procedures) < WRITE_IN_CHILD_FROM:
        return write_batch_at(project_path, batch)
    rest = pickle.dumps(dataclasses.replace(batch, procedures=[], unit_costs=[], parked=None),
                        PROTOCOL)
    parked = (None if batch.parked is None
              else (str(batch.parked.directory), list(batch.parked.segments)))
    report = run_in_process(_write_in_child, (project_path, rest, _pieces(batch.procedures),
                                              _pieces(batch.unit_costs), parked),
                            cancelled, ImportCancelled)
    assert isinstance(report, ImportReport)
    return report
