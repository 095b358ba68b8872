"""Python's cyclic garbage collector paused while an import works (``paused_gc`` itself is
``analysis.gc_pause.paused_gc``, shared with the simulation run).

An import allocates hundreds of thousands of objects that live until its end (each
file's procedure records and issues, the batch's rows), and the collector walked them
again and again: about a fifth of the write's CPU at 3,000 procedures, and more the
larger the batch, since every full pass walks everything still held. Reading makes no
cyclic garbage (0 objects over 40 workbooks) and a whole import very little (about
2,000 objects at 3,000 procedures, SQLAlchemy's, freed at the first collection after
it): reference counting frees everything else as before. The same reasoning as for a
simulation run (analysis/gc_pause.py, standard library only: the reading processes
import nothing else of the analysis).
"""

from __future__ import annotations

import gc

from analysis.gc_pause import paused_gc
from analysis.worker_init import end_with_parent

__all__ = ["paused_gc", "reading_process_start"]


def reading_process_start() -> None:
    """Initializer of a reading process: it only reads files, one after another, and
    makes no cyclic garbage (above), so its collector stays off; it ends with the import
    that started it (``analysis.worker_init.end_with_parent``: a killed import left its
    readers waiting for ever)."""
    gc.disable()
    end_with_parent()
