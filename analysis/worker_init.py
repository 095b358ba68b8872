"""Start-up of a Monte Carlo worker process: one BLAS/OpenMP thread.

Two workers each running two BLAS threads on two cores fight over them (issue 16: a sum
that takes 0.15 s with one thread took 66 s with two on a busy machine). This module
imports nothing heavy, so in a spawned worker the variables are set before numpy loads
its BLAS; threadpoolctl limits a BLAS that was loaded already (when the program that
started the pool had imported numpy in its main module, which the worker re-imports).
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def limit_threads() -> None:
    """Initializer of a worker process (also called by each Dask task: idempotent)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
