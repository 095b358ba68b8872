"""The Monte Carlo over chunks of procedures: bounded memory, the same figures for any
chunking, any number of workers and any engine (issue 16).

Each chunk of procedures is simulated on its own (:func:`run_chunk`, a top-level
function of picklable data, so a process pool or a Dask worker can run it) and reduced
at once to what the result needs, then its samples are dropped:

- per procedure, P5 / P50 / P95 of as-is, to-be and savings — exact, since a procedure's
  percentiles need only its own replications;
- per replication, its procedures' contribution to the section and city sums, as
  integers in units of 1/65,536 (of a yen, an hour, a burden-hour, a visit). Integer
  sums do not depend on the order of addition, so chunks may arrive in any order and
  section and city percentiles are exact too, to the last bit. A section's sums are
  reduced to its percentiles as soon as its last procedure is in
  (:func:`run_chunked`), so what is held grows with the sections still open, not with
  every section of a prefecture (4,000 sections × 1,000 replications were 700 MB).

A procedure's draws come from its own generator (seed, procedure ID), the measure
parameters θ of each replication from the seed alone (``analysis.montecarlo``): neither
depends on the chunk, so chunk size, worker count and engine change no figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from analysis.draws import percentiles, sorted_percentiles
from analysis.gc_pause import paused_gc
from analysis.montecarlo import MonteCarloResult, simulate_by_procedure
from analysis.tabular import ProcessTables
from analysis.worker_init import give_back_memory
from cost_model.costs import COST_COLUMNS, CostBasis
from cost_model.unit_costs import UnitCostTable

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

FIXED_POINT = 2.0 ** 16          # section and city sums: integers of 1/65,536 unit
SUM_COLUMNS = len(COST_COLUMNS) + 1  # the ten costs and the citizen visits
READINGS = ("as_is", "to_be", "savings")
STAT_COLUMNS = len(COST_COLUMNS) + 2  # METRICS: the costs, staff FTE, citizen visits

# Columns the Monte Carlo does not read: left out of what is sent to workers.
_DESCRIPTIVE_STEPS = ["name", "source_file", "source_sheet", "source_row", "time_missing"]
_DESCRIPTIVE_PROCEDURES = ["name", "department", "team", "legal_basis_name", "notes",
                           "source_file", "source_row", "batch_id", "origin", "form_fields",
                           "national_id", "peak_months"]


@dataclass(frozen=True)
class RunSettings:
    """What every chunk of one run shares."""

    unit_costs: UnitCostTable
    theta: np.ndarray            # (R, parameters): the replications' measure parameters
    seed: int
    values: dict[str, float]
    spread: bool
    fte_hours: float
    keep_samples: bool = False   # also return the raw samples (tests, small projects)


@dataclass
class ChunkJob:
    """A chunk of consecutive procedures (rows ``first`` … of the project)."""

    index: int
    first: int
    as_is: ProcessTables
    to_be: ProcessTables
    sections: np.ndarray         # (P_c,) section code of each procedure, −1 for none
    settings: RunSettings
    # The deterministic costing's bases of as-is and to-be (``cost_model.costs.cost_basis``),
    # where the chunk's worker made them already (``analysis.chunk_apply``).
    bases: tuple[CostBasis, CostBasis] | None = None

    def run(self) -> ChunkResult:
        return run_chunk(self)


class Job(Protocol):
    """A chunk of work an engine runs: a :class:`ChunkJob`, or one that also applies the
    scenario to its procedures (``analysis.chunk_apply.ApplyJob``)."""

    index: int
    first: int

    def run(self) -> ChunkResult:
        ...


def run_job(job: Job) -> ChunkResult:
    """What engines run (a top-level function: pools and Dask workers pickle it), with
    Python's cyclic garbage collector paused (``analysis.gc_pause``).

    Why: a chunk makes and drops hundreds of thousands of objects (its procedures' graphs,
    the tables' cells), and the collector walked the worker's objects again and again while
    it did: 110–130 ms of a 375-procedure chunk's 800 (about 130 passes of it). A chunk
    leaves about 50 objects in cycles (408 after 8 chunks), freed by the collector's next
    pass once it is on again; reference counting frees everything else as before.

    The chunk's memory stays in the worker for its next chunk (``analysis.worker_init.
    keep_freed_memory``) until the run has handed out its last one
    (``analysis.worker_init.give_back_memory``)."""
    with paused_gc():
        result = job.run()
    give_back_memory(without_pool_event=False)
    return result


@dataclass
class ChunkResult:
    index: int
    first: int
    stats: np.ndarray            # (3 readings, 3 percentiles, P_c, STAT_COLUMNS) float64
    section_codes: np.ndarray    # (G_c,) the sections the chunk touches
    section_counts: np.ndarray   # (G_c,) how many of the chunk's procedures are in each
    section_sums: np.ndarray     # (2 sides, R, G_c, SUM_COLUMNS) int64, fixed point
    city_sums: np.ndarray        # (2 sides, R, SUM_COLUMNS) int64, fixed point
    city_float: np.ndarray       # (2 sides, R, SUM_COLUMNS) float64: checks the integers
    samples: MonteCarloResult | None = None


def _stats(costs: np.ndarray, visits: np.ndarray, fte_hours: float) -> np.ndarray:
    """(3, P, STAT_COLUMNS) percentiles of costs (P, 10, R) — sorted in place: pass a copy
    to keep them — and visits (R, P); the FTE column's are the staff hours' divided by the
    hours per FTE (nearest rank commutes with a positive scale), so it is not sorted at
    all."""
    time_col = COST_COLUMNS.index("staff_time_h")
    p = sorted_percentiles(costs).astype(float)
    return np.concatenate([p, p[:, :, time_col:time_col + 1] / fte_hours,
                           percentiles(visits).astype(float)[:, :, None]], axis=2)


def _fixed_sums(costs: np.ndarray, visits: np.ndarray, sections: np.ndarray,
                codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Section (R, G_c, SUM_COLUMNS) and city (R, SUM_COLUMNS) sums of costs (P, 10, R)
    and visits (R, P), each sample rounded to an integer of 1 / FIXED_POINT first.

    Integer sums do not depend on the order of addition: a section's procedures (usually
    one run of consecutive rows, as chunks follow procedure IDs) are summed as a slice
    where they are one, and the city's sum is its sections' plus the procedures without
    one, not another pass over every sample."""
    replications = costs.shape[-1]
    section_sums = np.zeros((replications, len(codes), SUM_COLUMNS), dtype=np.int64)
    city_sums = np.zeros((replications, SUM_COLUMNS), dtype=np.int64)
    picks: list[slice | np.ndarray] = []
    for code in codes:
        rows = np.flatnonzero(sections == code)
        contiguous = len(rows) and rows[-1] - rows[0] + 1 == len(rows)
        picks.append(slice(int(rows[0]), int(rows[-1]) + 1) if contiguous else rows)
    without = np.flatnonzero(sections < 0)
    # (P, columns, R) each: the procedures first, so a section's rows are a slice.
    for values, columns in ((costs, slice(0, SUM_COLUMNS - 1)),
                            (visits.T[:, None, :], slice(SUM_COLUMNS - 1, SUM_COLUMNS))):
        for g, pick in enumerate(picks):
            section_sums[:, g, columns] = _fixed_sum(values, pick).T
        city_sums[:, columns] = section_sums[:, :, columns].sum(axis=1)
        if len(without):
            city_sums[:, columns] += _fixed_sum(values, without).T
    return section_sums, city_sums


_ROWS_AT_ONCE = 16   # procedures rounded and summed at a time: their samples stay in cache


def _fixed_sum(values: np.ndarray, rows: slice | np.ndarray) -> np.ndarray:
    """(columns, R) sum over ``rows`` of values (P, columns, R), each sample rounded to an
    integer of 1 / FIXED_POINT first, a few procedures at a time (the chunk's rounded
    samples were an int64 array of their own, written and read again: twice the float32
    samples' size)."""
    total = np.zeros(values.shape[1:], dtype=np.int64)
    count = len(range(values.shape[0])[rows]) if isinstance(rows, slice) else len(rows)
    for start in range(0, count, _ROWS_AT_ONCE):
        if isinstance(rows, slice):
            first = (rows.start or 0) + start
            part = values[first:first + min(_ROWS_AT_ONCE, count - start)]
        else:
            part = values[rows[start:start + _ROWS_AT_ONCE]]
        # × 2¹⁶ is exact in float32 too (a power of two), and so is rounding it.
        scaled = part * values.dtype.type(FIXED_POINT)
        total += np.rint(scaled, out=scaled).astype(np.int64).sum(axis=0)
    return total


def run_chunk(job: ChunkJob) -> ChunkResult:
    """Simulate one chunk and reduce it (percentiles per procedure, integer section and
    city sums). A top-level function of picklable data: pools and Dask workers run it."""
    s = job.settings
    mc = simulate_by_procedure(job.as_is, job.to_be, s.unit_costs, s.theta, s.seed,
                               s.values, s.spread, job.bases)
    codes, counts = np.unique(job.sections[job.sections >= 0], return_counts=True)
    replications = s.theta.shape[0]
    section_sums = np.zeros((2, replications, len(codes), SUM_COLUMNS), dtype=np.int64)
    city_sums = np.zeros((2, replications, SUM_COLUMNS), dtype=np.int64)
    city_float = np.zeros((2, replications, SUM_COLUMNS))
    for side, (costs, visits) in enumerate(((mc.as_is, mc.visits_as_is),
                                            (mc.to_be, mc.visits_to_be))):
        section_sums[side], city_sums[side] = _fixed_sums(costs, visits, job.sections, codes)
        city_float[side, :, :-1] = costs.sum(axis=0, dtype=np.float64).T
        city_float[side, :, -1] = visits.sum(axis=1, dtype=np.float64)
    samples = mc.by_replication() if s.keep_samples else None
    # The savings' samples sorted where they are made; each side's sorted last, in place.
    stats = [_stats(np.subtract(mc.as_is, mc.to_be), mc.visits_as_is - mc.visits_to_be,
                    s.fte_hours)]
    stats[:0] = [_stats(mc.as_is, mc.visits_as_is, s.fte_hours),
                 _stats(mc.to_be, mc.visits_to_be, s.fte_hours)]
    result = ChunkResult(job.index, job.first, np.stack(stats), codes, counts, section_sums,
                         city_sums, city_float, samples)
    # The chunk's memory stays in the worker for its next chunk (``run_job``).
    del mc
    return result


def monte_carlo_tables(tables: ProcessTables) -> ProcessTables:
    """``tables`` without the columns the Monte Carlo does not read (names, notes, source
    cells), which :class:`TableSlicer` leaves out of every chunk: for a caller that keeps
    tables only to make chunks of them (``benchmarks.bench_scale prefecture``)."""
    return ProcessTables(
        tables.procedures.drop(columns=_DESCRIPTIVE_PROCEDURES, errors="ignore"),
        tables.steps.drop(columns=_DESCRIPTIVE_STEPS, errors="ignore"),
        tables.links, tables.effects, tables.channels)


class TableSlicer:
    """Consecutive procedures of a ProcessTables as their own ProcessTables (rows and
    step numbers renumbered from 0), without copying the rest."""

    def __init__(self, tables: ProcessTables) -> None:
        self.tables = tables
        ids = tables.procedures["procedure_id"].to_numpy()
        row = pd.Series(np.arange(len(ids)), index=ids)
        self.step_bounds = self._bounds(row.reindex(tables.steps["procedure_id"].to_numpy())
                                        .to_numpy(), len(ids), "steps")
        self.link_bounds = self._bounds(row.reindex(tables.links["procedure_id"].to_numpy())
                                        .to_numpy(), len(ids), "links")
        self.effect_rows = tables.effects["step_row"].to_numpy(dtype=np.int64)
        self.channel_rows = tables.channels["procedure_row"].to_numpy(dtype=np.int64)
        if np.any(np.diff(self.effect_rows) < 0) or np.any(np.diff(self.channel_rows) < 0):
            raise ValueError("effects and channels must be sorted by their rows")

    @staticmethod
    def _bounds(rows: np.ndarray, n: int, what: str) -> np.ndarray:
        """Start of each procedure's rows (n + 1 bounds) in a table sorted by procedure."""
        if np.isnan(rows.astype(float)).any() or np.any(np.diff(rows) < 0):
            raise ValueError(f"{what} must be sorted by procedure as the procedures are")
        return np.searchsorted(rows.astype(np.int64), np.arange(n + 1), side="left")

    def __call__(self, first: int, stop: int) -> ProcessTables:
        t = self.tables
        s0, s1 = int(self.step_bounds[first]), int(self.step_bounds[stop])
        l0, l1 = int(self.link_bounds[first]), int(self.link_bounds[stop])
        e0, e1 = np.searchsorted(self.effect_rows, [s0, s1])
        c0, c1 = np.searchsorted(self.channel_rows, [first, stop])
        effects = t.effects.iloc[e0:e1].reset_index(drop=True)
        effects["step_row"] = self.effect_rows[e0:e1] - s0
        channels = t.channels.iloc[c0:c1].reset_index(drop=True)
        channels["procedure_row"] = self.channel_rows[c0:c1] - first
        return ProcessTables(
            t.procedures.iloc[first:stop].drop(columns=_DESCRIPTIVE_PROCEDURES, errors="ignore")
            .reset_index(drop=True),
            t.steps.iloc[s0:s1].drop(columns=_DESCRIPTIVE_STEPS, errors="ignore")
            .reset_index(drop=True),
            t.links.iloc[l0:l1].reset_index(drop=True), effects, channels)


def chunk_jobs(as_is: ProcessTables, to_be: ProcessTables, sections: np.ndarray,
               settings: RunSettings, chunk_size: int) -> Iterator[ChunkJob]:
    """The chunks of a project, made one at a time as they are asked for."""
    if len(as_is.procedures) != len(to_be.procedures):
        raise ValueError("as-is and to-be must have the same procedures")
    slice_as_is, slice_to_be = TableSlicer(as_is), TableSlicer(to_be)
    n = len(as_is.procedures)
    for index, first in enumerate(range(0, n, max(chunk_size, 1))):
        stop = min(n, first + max(chunk_size, 1))
        yield ChunkJob(index, first, slice_as_is(first, stop), slice_to_be(first, stop),
                       np.asarray(sections[first:stop]), settings)


class EngineUnavailable(RuntimeError):
    """The chosen engine cannot run here (Dask not installed, its scheduler unreachable);
    the message says what to do, in Japanese and English."""


class ChunkEngine(Protocol):
    """Runs chunks somewhere (this process, a process pool, Dask) and yields their results
    in any order; stops promptly with ``SimulationCancelled`` when ``cancel()`` is true."""

    def run(self, jobs: Iterator[Job], cancel: CancelCheck | None) -> Iterator[ChunkResult]:
        ...


class InProcess:
    """Chunks one after another in this process (small projects, one worker)."""

    def run(self, jobs: Iterator[Job], cancel: CancelCheck | None) -> Iterator[ChunkResult]:
        from analysis.montecarlo import SimulationCancelled

        for job in jobs:
            if cancel is not None and cancel():
                raise SimulationCancelled
            yield job.run()


def section_sizes(codes: np.ndarray, n_sections: int) -> np.ndarray:
    """How many procedures each section has (codes −1: none), for :func:`run_chunked`."""
    codes = np.asarray(codes)
    return np.bincount(codes[codes >= 0], minlength=n_sections).astype(np.int64)


def group_stats(sums: np.ndarray, fte_hours: float) -> np.ndarray:
    """(3 readings, 3 percentiles, STAT_COLUMNS) of a group's (section's, city's) sums
    (2 sides, R, SUM_COLUMNS) in units: as-is, to-be, savings; FTE from the staff hours."""
    time_col = COST_COLUMNS.index("staff_time_h")
    a, b = sums[0], sums[1]
    return np.stack([percentiles(np.column_stack([x[:, :-1], x[:, time_col] / fte_hours,
                                                  x[:, -1]]))
                     for x in (a, b, a - b)])


@dataclass
class MonteCarloSummary:
    """What the result needs of every sample: per-procedure percentiles, and every
    replication's section and city sums."""

    stats: np.ndarray            # (3 readings, 3 percentiles, P, STAT_COLUMNS)
    section_stats: np.ndarray    # (3 readings, 3 percentiles, G, STAT_COLUMNS): group_stats
    city_sums: np.ndarray        # (2 sides, R, SUM_COLUMNS) float64
    chunks: int = 0
    plan: str = ""               # how it ran (``analysis.compute.Plan.describe``)
    seconds: float = 0.0
    samples: list[MonteCarloResult] = field(default_factory=list)  # by chunk, if kept


def run_chunked(jobs: Iterable[Job], n_procedures: int, sizes: np.ndarray,
                replications: int, fte_hours: float, engine: ChunkEngine,
                progress: Progress | None = None, cancel: CancelCheck | None = None,
                collect: Callable[[ChunkResult], None] | None = None) -> MonteCarloSummary:
    """Run every chunk on ``engine`` and reduce the results as they arrive (any order).
    ``sizes``: each section's number of procedures (:func:`section_sizes`); a section's
    sums are turned into its percentiles once that many of its procedures are in.
    ``collect`` is given each result too (for what a job returns beside the Monte Carlo)."""
    stats = np.full((3, 3, n_procedures, STAT_COLUMNS), np.nan)
    remaining = np.array(sizes, dtype=np.int64)
    open_sums: dict[int, np.ndarray] = {}        # section code -> (2, R, SUM_COLUMNS) int64
    section_stats = np.zeros((3, 3, len(remaining), STAT_COLUMNS))
    city = np.zeros((2, replications, SUM_COLUMNS), dtype=np.int64)
    city_float = np.zeros((2, replications, SUM_COLUMNS))
    done = chunks = 0
    samples: list[tuple[int, MonteCarloResult]] = []

    def close(code: int) -> None:
        section_stats[:, :, code] = group_stats(open_sums.pop(code) / FIXED_POINT, fte_hours)

    if progress is not None:
        progress(0, n_procedures, "")
    for result in engine.run(iter(jobs), cancel):
        count = result.stats.shape[2]
        stats[:, :, result.first:result.first + count] = result.stats
        for g, code in enumerate(result.section_codes.tolist()):
            if code not in open_sums:
                open_sums[code] = np.zeros((2, replications, SUM_COLUMNS), dtype=np.int64)
            open_sums[code] += result.section_sums[:, :, g]
            remaining[code] -= result.section_counts[g]
            if remaining[code] <= 0:
                close(code)
        city += result.city_sums
        city_float += result.city_float
        if result.samples is not None:
            samples.append((result.first, result.samples))
        if collect is not None:
            collect(result)
        done += count
        chunks += 1
        if progress is not None:
            progress(done, n_procedures, "")
    exact = city / FIXED_POINT
    # Integers cannot overflow unnoticed: a city total beyond ±2⁶³ / 65,536 (1.4 × 10¹⁴
    # yen a year) would wrap; the float sums tell.
    if not np.allclose(exact, city_float, rtol=1e-6, atol=n_procedures / FIXED_POINT):
        raise OverflowError("The Monte Carlo sums exceed what can be added exactly "
                            "(a yearly total above 10¹⁴): check annual cases and minutes.")
    for code in list(open_sums):                 # sizes that overcounted: still exact
        close(code)
    # A section without procedures keeps its zeros: the percentiles of sums of nothing.
    samples.sort(key=lambda item: item[0])
    return MonteCarloSummary(stats, section_stats, exact, chunks=chunks,
                             samples=[mc for _, mc in samples])
