"""The Monte Carlo's chunks on Dask (``dask.distributed``), when one PC is not enough.

The same chunk function as the process pool (``analysis.chunked.run_job``), submitted to
a Dask scheduler: a ``LocalCluster`` on this PC by default, or a running scheduler given
by its address (``--scheduler tcp://host:8786``) whose workers may be other PCs
(docs/scale.md). Dask is optional (``pip install "bpr-studio[distributed]"``); without it
the app works as before and asking for this engine says how to install it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from analysis.chunked import CancelCheck, ChunkResult, EngineUnavailable, Job, run_job
from analysis.montecarlo import SimulationCancelled

INSTALL_HINT = ('Dask がインストールされていません: pip install "bpr-studio[distributed]" / '
                'Dask is not installed: pip install "bpr-studio[distributed]"')


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise EngineUnavailable(INSTALL_HINT) from error
    return distributed


class DaskEngine:
    """Chunks as Dask tasks, at most two per worker thread handed out at a time (memory
    stays bounded); cancel is polled every 0.05 s and cancels every task not finished.

    ``client``: an existing ``distributed.Client`` to use (kept open); otherwise one is
    made for the run — on ``scheduler`` if given, else on a LocalCluster of ``workers``
    processes with one thread each — and closed after it.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 client: Any = None) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.client = client

    def _connect(self) -> tuple[Any, Any]:
        distributed = _distributed()
        if self.client is not None:
            return self.client, None
        if self.scheduler:
            try:
                return distributed.Client(self.scheduler, timeout="10s"), None
            except (OSError, TimeoutError) as error:
                raise EngineUnavailable(
                    f"Dask のスケジューラ {self.scheduler} に接続できません / cannot reach the "
                    f"Dask scheduler at {self.scheduler}: {error}") from error
        cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           silence_logs=logging.WARNING)
        return distributed.Client(cluster), cluster

    def run(self, jobs: Iterator[Job], cancel: CancelCheck | None) -> Iterator[ChunkResult]:
        client, cluster = self._connect()
        pending: list[Any] = []
        try:
            slots = 2 * max(sum(client.nthreads().values()), 1)
            more = True
            while True:
                while more and len(pending) < slots:
                    job = next(jobs, None)
                    if job is None:
                        more = False
                    else:
                        pending.append(client.submit(run_job, job, pure=False))
                if not pending:
                    break
                if cancel is not None and cancel():
                    raise SimulationCancelled
                done = [future for future in pending if future.done()]
                if not done:
                    time.sleep(0.05)
                    continue
                for future in done:
                    pending.remove(future)
                    yield future.result()
        finally:
            if pending:
                client.cancel(pending)
            if self.client is None:
                client.close()
                if cluster is not None:
                    cluster.close()
