"""Python's cyclic garbage collector paused while an import works.

An import allocates hundreds of thousands of objects that live until its end (each
file's procedure records and issues, the batch's rows), and the collector walked them
again and again: about a fifth of the write's CPU at 3,000 procedures, and more the
larger the batch, since every full pass walks everything still held. Reading makes no
cyclic garbage (0 objects over 40 workbooks) and a whole import very little (about
2,000 objects at 3,000 procedures, SQLAlchemy's, freed at the first collection after
it): reference counting frees everything else as before. The same reasoning as
``analysis.compute.paused_gc`` for a simulation run (not imported from there: the
reading processes import nothing of the analysis).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off inside, as it was before afterwards (nested uses are fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def reading_process_start() -> None:
    """Initializer of a reading process: it only reads files, one after another, and
    makes no cyclic garbage (above), so its collector stays off."""
    gc.disable()
