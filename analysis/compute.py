"""Where and in what pieces the Monte Carlo runs: the memory budget, the chunk size, the
workers and the engine (this process, a process pool on every core, or Dask).

Settings (``ComputeOptions``): the command line's ``--memory-budget``, ``--workers``,
``--engine`` and ``--scheduler``; else the environment variables
``BPR_STUDIO_MEMORY_BUDGET`` (e.g. ``2GB``, ``1500MB``) and ``BPR_STUDIO_WORKERS``; else
2 GB and every core. The figures never depend on them (``analysis.chunked``).

>>> parse_size("1.5GB"), parse_size("800MB"), parse_size("2048")
(1610612736, 838860800, 2048)
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.chunked import (
    CancelCheck,
    ChunkEngine,
    ChunkJob,
    ChunkResult,
    EngineUnavailable,
    InProcess,
    Job,
    MonteCarloSummary,
    Progress,
    RunSettings,
    TableSlicer,
    chunk_jobs,
    run_chunked,
    run_job,
    section_sizes,
)
from analysis.gc_pause import paused_gc  # re-exported: a run's callers pause it too
from analysis.montecarlo import SimulationCancelled, draw_theta
from analysis.tabular import ProcessTables
from analysis.worker_init import limit_threads
from cost_model.unit_costs import UnitCostTable

__all__ = ["APPLIED_BYTES_PER_PROCEDURE", "ComputeOptions", "EngineUnavailable", "PendingTasks", "Plan", "ProcessPool",
           "SharedPool", "engine_for", "paused_gc", "shared_pool", "started_pool", "worker_count",
           "COMPARISON_BYTES_PER_STEP", "monte_carlo_plan", "parse_size", "plan_run", "run_monte_carlo",
           "run_jobs", "run_monte_carlo_batches", "run_tasks", "task_runner"]

DEFAULT_MEMORY_BUDGET = 2 * 1024 ** 3
ENV_MEMORY_BUDGET = "BPR_STUDIO_MEMORY_BUDGET"
ENV_WORKERS = "BPR_STUDIO_WORKERS"
ENGINES = ("local", "dask")

# Working memory of a chunk per replication: per step of its procedures, and per procedure
# (tracemalloc peak of run_chunk on the generated 3,000-procedure city, 15 steps a
# procedure: 57 bytes per step and replication in all, the same for chunks of 50 to 400).
# A third more is kept in hand for what numpy's allocator holds on to.
BYTES_PER_STEP_REPLICATION = 40
BYTES_PER_PROCEDURE_REPLICATION = 250
# The chunks being worked on get what the budget leaves once the project (model,
# comparison: what this process holds when the run starts), the results and the workers'
# interpreters are counted — and at least this share of it, when the project alone fills
# the budget (a 30,000-procedure model takes about 2 GB before any Monte Carlo).
CHUNK_SHARE = 0.5   # of the budget when this process's size cannot be read
MIN_CHUNK_SHARE = 0.15
MIN_CHUNK = 16      # procedures: smaller chunks cost more in set-up than they save
WORKER_BASE_BYTES = 150 * 1024 ** 2   # one worker process with numpy and pandas loaded
# What this process still builds while the chunks run, when the scenario is applied batch by
# batch beside the Monte Carlo (simulate's BatchedApplication): the as-is and to-be tables
# and the comparison's costs, about 1 GB for the 30,000-procedure city's 450,027 steps
# (measured: the run's peak rose from 2.14 to 2.57 GB when the chunks were planned without
# it). Counted before planning, so the chunks get only what is left.
COMPARISON_BYTES_PER_STEP = 2_400
# What a chunk that applies the scenario itself holds per step beside its Monte Carlo:
# the graphs, the as-is and to-be tables, their costings and attributions.
APPLY_BYTES_PER_STEP = 6_000
# What this process keeps of each procedure while such chunks run (its as-is, to-be and
# potential costs, savings by measure, applications).
APPLIED_BYTES_PER_PROCEDURE = 3_000
# Below this many step × replication draws, starting a pool costs more than it saves.
SMALL_WORK = 20_000_000


def parse_size(text: str | int) -> int:
    """Bytes from ``2GB``, ``1.5G``, ``800MB``, ``2GiB`` or a plain number of bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"not a memory size: {text!r} (e.g. 2GB, 1500MB)")
    power = " kmgt".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * 1024 ** power)


@dataclass(frozen=True)
class ComputeOptions:
    workers: int | None = None          # None: every core (one, for a small project)
    memory_budget: int | None = None    # bytes; None: the environment's, else 2 GB
    engine: str = "local"               # "local" (this PC) or "dask"
    scheduler: str | None = None        # Dask scheduler address; None: a local cluster
    chunk_size: int | None = None       # procedures per chunk; None: from the budget
    dask_client: Any = None             # a distributed.Client to use (kept open)
    # Worker processes started ahead (:func:`started_pool`): the run takes them when its
    # plan asks for as many (and ends them with its own), else ends them at once.
    pool: SharedPool | None = None

    def budget(self) -> int:
        if self.memory_budget is not None:
            return self.memory_budget
        return parse_size(os.environ.get(ENV_MEMORY_BUDGET) or DEFAULT_MEMORY_BUDGET)

    def requested_workers(self) -> int | None:
        if self.workers is not None:
            return max(1, self.workers)
        env = os.environ.get(ENV_WORKERS)
        return max(1, int(env)) if env else None


@dataclass(frozen=True)
class Plan:
    workers: int
    chunk_size: int
    engine: str

    def describe(self) -> str:
        where = "in this process" if self.workers == 1 and self.engine == "local" else (
            f"{self.workers} processes" if self.engine == "local" else "Dask")
        return f"chunks of {self.chunk_size} procedures, {where}"


def plan_run(options: ComputeOptions, procedures: int, steps: int, replications: int,
             sections: int, growing: int = 0, applying: bool = False) -> Plan:
    """Workers and chunk size for a run: chunks as large as the budget allows for every
    worker at once, and at least four per worker so that they share the work evenly.
    ``growing``: bytes this process will still add while the chunks run; ``applying``:
    the chunks also build their graphs, apply the scenario and cost it
    (``analysis.chunk_apply``)."""
    workers = worker_count(options, steps, replications)
    if options.chunk_size is not None:
        return Plan(workers, max(1, options.chunk_size), options.engine)
    per_step = max(steps, 1) / max(procedures, 1)
    per_procedure = replications * (per_step * BYTES_PER_STEP_REPLICATION
                                    + BYTES_PER_PROCEDURE_REPLICATION) * 4 / 3
    if applying:
        per_procedure += per_step * APPLY_BYTES_PER_STEP
    # Percentiles (3 readings × 3 × 12 per procedure) and the integer section and city sums.
    results = procedures * 9 * 12 * 8 + 2 * replications * (sections + 1) * 11 * 8
    extra = WORKER_BASE_BYTES * workers if workers > 1 or options.engine == "dask" else 0
    budget = options.budget()
    resident = _resident_bytes()
    room = ((budget * CHUNK_SHARE if resident is None else budget - resident)
            - results - extra - growing)
    room = max(room, budget * MIN_CHUNK_SHARE)
    size = max(min(MIN_CHUNK, procedures), int(room / (workers * per_procedure)))
    if workers > 1:
        size = min(size, math.ceil(procedures / (4 * workers)))
    return Plan(workers, max(1, min(size, procedures)), options.engine)


def worker_count(options: ComputeOptions, steps: int, replications: int) -> int:
    """The workers of a run of ``steps`` × ``replications`` draws: those asked for, else
    every core (one for a small run on this PC)."""
    requested = options.requested_workers()
    cores = os.cpu_count() or 1
    if options.engine == "dask":
        return requested or cores
    small = steps * replications < SMALL_WORK
    return requested if requested is not None else (1 if small else cores)


def _resident_bytes() -> int | None:
    """This process's resident memory, where it can be read (psutil, which Dask brings,
    or Linux's /proc); None elsewhere."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        pass
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError, IndexError):
        return None


class SharedPool:
    """One pool of spawned worker processes for a whole run (one BLAS thread each), made
    when first asked for: the Monte Carlo's chunks and then the counters' batches go to
    the same workers, so the counters start while this process still ranks and sums, and
    the workers start once (1–2 s each on a busy PC). Leaving it with an error or a cancel
    drops every task not started, without waiting for the running ones."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._chunks_over: Any = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            # Set while no Monte Carlo chunk is still to be handed out: the workers keep a
            # chunk's memory for the next one until then, also across the counters'
            # batches between them (``analysis.worker_init.give_back_memory``).
            self._chunks_over = context.Event()
            self._chunks_over.set()
            self._executor = ProcessPoolExecutor(self.workers, context,
                                                 initializer=limit_threads,
                                                 initargs=(self._chunks_over,))
        return self._executor

    def chunks_coming(self, coming: bool) -> None:
        """Say whether Monte Carlo chunks are still to be handed out to the workers."""
        if self._chunks_over is not None:
            if coming:
                self._chunks_over.clear()
            else:
                self._chunks_over.set()

    def start(self, modules: tuple[str, ...] = ()) -> SharedPool:
        """Start every worker now, each importing ``modules`` (and what a chunk needs), so
        that they start while this process still reads the project (each spends about
        0.65 CPU-seconds importing), not when the first chunks wait for them."""
        executor = self.executor()
        for _ in range(self.workers):   # each submit starts one more process
            executor.submit(_imported, (*WORKER_MODULES, *modules))
        return self

    def submit(self, function: Callable[[Any], Any], items: Iterable[Any]) -> PendingTasks:
        """``function(item)`` of every item, started now (behind what was submitted before)."""
        executor = self.executor()
        return PendingTasks([executor.submit(function, item) for item in items])

    def close(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=not wait)
            self._executor = None

    def __enter__(self) -> SharedPool:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        # On cancel or error, do not wait for the tasks running in the workers.
        self.close(wait=kind is None)


# What a worker of a run imports to apply, cost and simulate its chunks.
WORKER_MODULES = ("analysis.chunk_apply",)


def _imported(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)


def started_pool(options: ComputeOptions | None, steps: int, replications: int,
                 modules: tuple[str, ...] = ()) -> SharedPool | None:
    """The worker processes of a run of ``steps`` × ``replications`` draws on this PC,
    started now (:meth:`SharedPool.start`), for a caller that still reads the project:
    give them to the run as ``ComputeOptions(pool=...)``, and close them if it fails
    before the run. None when the run would take no pool (one worker, or Dask)."""
    options = options or ComputeOptions()
    workers = worker_count(options, steps, replications)
    if options.engine != "local" or workers <= 1:
        return None
    return SharedPool(workers).start(modules)


class PendingTasks:
    """Tasks submitted to a :class:`SharedPool`, collected later in their order."""

    def __init__(self, futures: list[Future[Any]]) -> None:
        self.futures = futures

    def results(self, progress: Progress | None = None, cancel: CancelCheck | None = None
                ) -> list[Any]:
        """The results in the items' order, once all are done; the cancel check is polled
        every 0.1 s (a cancel drops every task not started: SimulationCancelled)."""
        pending: set[Future[Any]] = set(self.futures)
        try:
            while pending:
                _done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if cancel is not None and cancel():
                    raise SimulationCancelled
                if progress is not None:
                    progress(len(self.futures) - len(pending), len(self.futures), "")
            return [future.result() for future in self.futures]
        finally:
            for future in pending:
                future.cancel()


class ProcessPool:
    """Chunks on a pool of worker processes (spawned: the same on Windows and Linux), its
    own or a :class:`SharedPool` (which then outlives the chunks).

    At most two chunks per worker are handed out at a time, so memory stays bounded; the
    cancel check is polled every 0.1 s, and a cancel drops every chunk not yet started.
    """

    def __init__(self, workers: int, shared: SharedPool | None = None) -> None:
        self.workers = workers
        self.shared = shared

    def run(self, jobs: Iterator[Job], cancel: CancelCheck | None) -> Iterator[ChunkResult]:
        pool = self.shared or SharedPool(self.workers)
        executor = pool.executor()
        pending: set[Future[ChunkResult]] = set()
        finished = False
        pool.chunks_coming(True)
        try:
            more = True
            while True:
                while more and len(pending) < 2 * self.workers:
                    job = next(jobs, None)
                    if job is None:
                        more = False
                        pool.chunks_coming(False)
                    else:
                        pending.add(executor.submit(run_job, job))
                if not pending:
                    break
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                if cancel is not None and cancel():
                    raise SimulationCancelled
                for future in done:
                    yield future.result()
            finished = True
        finally:
            pool.chunks_coming(False)
            for future in pending:
                future.cancel()
            if pool is not self.shared:
                # On cancel or error, do not wait for the chunks running in the workers.
                pool.close(wait=finished)


def engine_for(plan: Plan, options: ComputeOptions, shared: SharedPool | None = None
               ) -> ChunkEngine:
    if plan.engine == "dask":
        from analysis.dask_engine import DaskEngine

        return DaskEngine(options.scheduler, plan.workers, options.dask_client)
    if plan.engine != "local":
        raise ValueError(f"unknown engine {plan.engine!r}: one of {', '.join(ENGINES)}")
    return InProcess() if plan.workers == 1 else ProcessPool(plan.workers, shared)


def monte_carlo_plan(options: ComputeOptions, procedures: int, steps: int, replications: int,
                     sections: int, growing: int = 0, applying: bool = False) -> Plan:
    """:func:`plan_run`, and one chunk of a small project runs here (no pool to start)."""
    plan = plan_run(options, procedures, steps, replications, sections, growing, applying)
    if plan.engine == "local" and procedures <= plan.chunk_size:
        plan = Plan(1, plan.chunk_size, "local")
    return plan


def run_monte_carlo(as_is: ProcessTables, to_be: ProcessTables, unit_costs: UnitCostTable,
                    replications: int, seed: int, values: dict[str, float],
                    section_codes: np.ndarray, n_sections: int, fte_hours: float,
                    options: ComputeOptions | None = None, progress: Progress | None = None,
                    cancel: CancelCheck | None = None, spread: bool = True,
                    keep_samples: bool = False) -> MonteCarloSummary:
    """The Monte Carlo of a project in chunks (``analysis.chunked``), planned by
    ``options``. Raises SimulationCancelled, or EngineUnavailable with a message to show."""
    options = options or ComputeOptions()
    plan = monte_carlo_plan(options, len(as_is.procedures), len(as_is.steps), replications,
                            n_sections)
    settings = RunSettings(unit_costs, draw_theta(seed, replications, values, spread), seed,
                           values, spread, fte_hours, keep_samples)
    jobs = chunk_jobs(as_is, to_be, np.asarray(section_codes), settings, plan.chunk_size)
    return _run(jobs, len(as_is.procedures), section_sizes(section_codes, n_sections),
                replications, fte_hours, plan, options, progress, cancel)


def run_monte_carlo_batches(batches: Iterable[tuple[int, ProcessTables, ProcessTables]],
                            n_procedures: int, plan: Plan, unit_costs: UnitCostTable,
                            replications: int, seed: int, values: dict[str, float],
                            section_codes: np.ndarray, n_sections: int, fte_hours: float,
                            options: ComputeOptions | None = None,
                            progress: Progress | None = None, cancel: CancelCheck | None = None,
                            shared: SharedPool | None = None) -> MonteCarloSummary:
    """:func:`run_monte_carlo` of tables that come a chunk at a time, ``(first row, as-is,
    to-be)`` of consecutive procedures (e.g. ``analysis.compare.BatchedApplication``,
    batches of ``plan.chunk_size``): each chunk goes to the workers as soon as it is made,
    so the workers simulate while this process applies the scenario to the next ones. The
    figures are those of :func:`run_monte_carlo` on the whole tables. ``shared``: the
    run's :func:`shared_pool`, kept open for what follows the chunks."""
    options = options or ComputeOptions()
    settings = RunSettings(unit_costs, draw_theta(seed, replications, values), seed, values,
                           True, fte_hours)
    codes = np.asarray(section_codes)

    def jobs() -> Iterator[ChunkJob]:
        for index, (first, as_is, to_be) in enumerate(batches):
            n = len(as_is.procedures)
            yield ChunkJob(index, first, TableSlicer(as_is)(0, n), TableSlicer(to_be)(0, n),
                           codes[first:first + n], settings)
    return _run(jobs(), n_procedures, section_sizes(codes, n_sections), replications,
                fte_hours, plan, options, progress, cancel, shared)


def run_jobs(jobs: Iterator[Job], n_procedures: int, section_codes: np.ndarray,
             n_sections: int, replications: int, fte_hours: float, plan: Plan,
             options: ComputeOptions | None = None, progress: Progress | None = None,
             cancel: CancelCheck | None = None, shared: SharedPool | None = None,
             collect: Callable[[ChunkResult], None] | None = None) -> MonteCarloSummary:
    """Chunks made by the caller (e.g. ``analysis.chunk_apply.ApplyJob``: applied, costed
    and simulated where they run), on ``plan``'s engine; ``collect`` gets each result."""
    return _run(jobs, n_procedures, section_sizes(np.asarray(section_codes), n_sections),
                replications, fte_hours, plan, options or ComputeOptions(), progress, cancel,
                shared, collect)


def shared_pool(plan: Plan, options: ComputeOptions | None = None) -> SharedPool | None:
    """The pool a run's chunks and counters share when its plan runs on this PC's worker
    processes (``options.pool`` when it has as many, started ahead); None when the chunks
    run here or on Dask."""
    given = options.pool if options is not None else None
    wanted = plan.engine == "local" and plan.workers > 1
    if given is not None:
        if wanted and given.workers == plan.workers:
            return given
        given.close(wait=False)
    return SharedPool(plan.workers) if wanted else None


def _run(jobs: Iterator[Job], n_procedures: int, sizes: np.ndarray, replications: int,
         fte_hours: float, plan: Plan, options: ComputeOptions, progress: Progress | None,
         cancel: CancelCheck | None, shared: SharedPool | None = None,
         collect: Callable[[ChunkResult], None] | None = None) -> MonteCarloSummary:
    started = time.perf_counter()
    summary = run_chunked(jobs, n_procedures, sizes, replications, fte_hours,
                          engine_for(plan, options, shared), progress, cancel, collect)
    summary.plan = plan.describe()
    summary.seconds = time.perf_counter() - started
    return summary


def run_tasks(function: Callable[[Any], Any], items: Iterable[Any], workers: int,
              progress: Progress | None = None, cancel: CancelCheck | None = None) -> list[Any]:
    """``function(item)`` of every item, in the items' order: here, one after another, for
    one worker or one item; else on a pool of ``workers`` spawned processes (one BLAS
    thread each, as the Monte Carlo's). ``function`` is a top-level function of picklable
    data, so where it runs changes no result. The cancel check is polled every 0.1 s; a
    cancel drops every task not started (raises SimulationCancelled). Progress counts
    tasks done."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        results = []
        for done, item in enumerate(items):
            if cancel is not None and cancel():
                raise SimulationCancelled
            results.append(function(item))
            if progress is not None:
                progress(done + 1, len(items), "")
        return results
    import multiprocessing

    executor = ProcessPoolExecutor(min(workers, len(items)), multiprocessing.get_context("spawn"),
                                   initializer=limit_threads)
    finished = False
    try:
        futures = [executor.submit(function, item) for item in items]
        pending: set[Future[Any]] = set(futures)
        while pending:
            _done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            if cancel is not None and cancel():
                raise SimulationCancelled
            if progress is not None:
                progress(len(items) - len(pending), len(items), "")
        finished = True
        return [future.result() for future in futures]
    finally:
        # On cancel or error, do not wait for the tasks running in the workers.
        executor.shutdown(wait=finished, cancel_futures=True)


# Fewer tasks than this run here: starting worker processes (1–2 s) would cost more.
MIN_POOL_TASKS = 8


def task_runner(options: ComputeOptions | None = None, progress: Progress | None = None,
                cancel: CancelCheck | None = None
                ) -> Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]:
    """A ``run(function, items)`` for work split into independent tasks of about a second
    (the counters' batches of queues): on ``options``' workers of this PC (default every
    core, also with the Dask engine, these tasks being small), here for fewer than
    :data:`MIN_POOL_TASKS` tasks unless workers are asked for."""
    options = options or ComputeOptions()
    requested = options.requested_workers()

    def run(function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        workers = requested or (os.cpu_count() or 1 if len(items) >= MIN_POOL_TASKS else 1)
        return run_tasks(function, items, workers, progress, cancel)
    return run
