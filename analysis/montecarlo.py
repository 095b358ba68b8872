"""Monte Carlo of as-is and to-be, vectorised over all steps of the procedures simulated.

One convention for every uncertain figure: **the figure shown is the mean of its draws**
(``analysis.params``). Per replication r:

- every step's minutes are drawn from a PERT-like Beta on [最短, 最長] whose mean is the
  surveyed 標準 (:func:`beta_draws`, by inverse-CDF lookup in ``analysis.pert``), the
  same draw for as-is and to-be (common random numbers); a step whose 標準 equals 最短
  or 最長, or has no range, keeps its 標準;
- every procedure's annual volume is scaled by triangular(1 − s, 1, 1 + s) (mean 1),
  s = volume_spread;
- rework and branch outcomes: each procedure has K branch scenarios, each scaling its
  rework (backward) probabilities by triangular(1 − b, 1, 1 + b), b = rework_spread;
  replication r uses scenario r mod K for both sides;
- each measure parameter θ is drawn from the Beta on [low, high] whose mean is its value
  (the default, or the scenario's value); derived parameters (the adoption curves, the
  RPA cut with failures) are computed from the drawn ones.

Seeding (issue 16): θ of every replication is drawn once from the seed and shared by all
procedures (the uncertainty about, say, uptake is the city's, not a procedure's); each
procedure's own draws (its K rework factors, R volume factors, then its steps' minutes)
come from a generator of its own, ``SeedSequence(seed, spawn_key=(1, key(procedure
ID)))``. So a procedure's samples depend on the seed, its ID and its rows only — not on
which procedures are simulated with it: ``analysis.chunked`` runs chunks of procedures
anywhere and the figures stay the same to the last bit.

So the deterministic figures equal the Monte Carlo mean within Monte Carlo error (and
the nonlinearity of rework loops, well under 1 %). Costs are linear in hours and
executions (``cost_model.costs``), so a replication is a few array products. Results:
P5 / P50 / P95 per procedure, section and city.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.draws import beta_draws, triangular_from_uniforms
from analysis.params import CONCENTRATION, DERIVED, PARAMETERS, beta_shape
from analysis.pert import BetaShapes
from analysis.tabular import ProcessTables
from cost_model.costs import CostBasis, procedure_coefficients, step_coefficients
from cost_model.flow import FlowStructure
from cost_model.unit_costs import UnitCostTable

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]
BRANCH_SCENARIOS = 8


class SimulationCancelled(Exception):
    """The user cancelled the simulation."""


@dataclass
class _Layout:
    """Procedures grouped by their number of steps, so per-procedure sums are one batched
    matrix product per size. Each procedure's product has its own shape (its steps ×
    replications), whichever other procedures share the arrays: a chunk of procedures
    gives the same figures as the whole project, to the last bit (a product over a
    zero-padded layout would sum in an order that depends on the chunk's widest
    procedure)."""

    n_proc: int
    starts: np.ndarray   # first step row of each procedure
    sizes: np.ndarray    # its number of steps
    groups: list[tuple[np.ndarray, np.ndarray]]  # (procedure rows, their step rows (n, size))

    @classmethod
    def of(cls, tables: ProcessTables) -> _Layout:
        n_proc = len(tables.procedures)
        pid = tables.steps["procedure_id"].to_numpy()
        proc_row = pd.Series(np.arange(n_proc), index=tables.procedures["procedure_id"])
        proc = proc_row.reindex(pid).to_numpy()
        if len(pid) and (np.isnan(proc.astype(float)).any() or np.any(np.diff(proc) < 0)):
            raise ValueError("steps must be sorted by procedure as the procedures are")
        sizes = np.bincount(proc.astype(int), minlength=n_proc) if len(pid) else \
            np.zeros(n_proc, dtype=int)
        starts = np.r_[0, np.cumsum(sizes)[:-1]] if n_proc else np.array([], dtype=int)
        groups = []
        for size in np.unique(sizes[sizes > 0]):
            procs = np.flatnonzero(sizes == size)
            groups.append((procs, starts[procs][:, None] + np.arange(size)))
        return cls(n_proc, starts, sizes, groups)

    def segment_sum(self, by_step: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
        """Σ over each procedure's steps of values (S, n) × coefficients (S, C) → (P, C, n).

        One product per procedure, of its own rows (views: no copy of the values); the
        procedures of one size were gathered into one batched product before, which copied
        every step's values (S × n) first, and the result was scattered into (n, P, C).
        Each product has the same shape and operands as before, so the same bits."""
        n = by_step.shape[1]
        out = np.zeros((self.n_proc, coefficients.shape[1], n))
        for p, (first, size) in enumerate(zip(self.starts.tolist(), self.sizes.tolist(),
                                              strict=True)):
            if size:
                last = first + size
                np.matmul(coefficients[first:last].T, by_step[first:last], out=out[p])
        return out


@dataclass
class _Side:
    """Arrays of one side (as-is or to-be) that do not change between replications."""

    per_hour: np.ndarray
    per_execution: np.ndarray
    per_visit: np.ndarray
    per_mailed: np.ndarray
    per_case: np.ndarray
    visit: np.ndarray
    visits_by_scenario: np.ndarray  # (K, S) executions per case
    effects: _EffectArrays
    channels: pd.DataFrame
    base_offline: np.ndarray
    executions_sum: np.ndarray  # (K, P, 10) per-case costs of executions, by branch scenario

    def fixed(self) -> np.ndarray:
        """(K, P, 10) per-case costs that do not depend on a replication's minutes or
        offline share: executions and the per-case costs."""
        return self.executions_sum + self.per_case

    def contact(self) -> np.ndarray:
        """(P, 10) costs of an offline case: a visit where one is required, else a mailing."""
        return np.where(self.visit[:, None], self.per_visit, self.per_mailed)


def _branch_visits(tables: ProcessTables, factors: np.ndarray,
                   structure: FlowStructure | None = None) -> np.ndarray:
    """Executions per case of every step, for each rework scaling (K, P) → (K, S).

    Each procedure's backward (rework) probabilities are multiplied by its factor (capped
    at 0.95); what they gain or lose is taken from (or given to) the forward arrows of the
    same step, shared equally, so every step's probabilities still sum to one.
    ``structure``: the flow of these steps and links, if made already.
    """
    steps, links = tables.steps, tables.links
    share = steps["share_pct"].astype(float).fillna(100).to_numpy() / 100
    structure = structure or FlowStructure(steps, links)
    proc_row = pd.Series(np.arange(len(tables.procedures)),
                         index=tables.procedures["procedure_id"])
    link_proc = proc_row.reindex(links["procedure_id"]).to_numpy()
    to_step = links["to_step_no"].astype(float).to_numpy()
    backward = ~np.isnan(to_step) & (to_step < links["from_step_no"].astype(float).to_numpy())
    sources = links["from_step_no"].to_numpy()
    if link_proc.dtype.kind in "iu" and sources.dtype.kind in "iu" and sources.min(initial=0) >= 0:
        # The arrows that leave one step of one procedure, numbered as a MultiIndex of
        # both numbers them (first seen first), from one integer key: 50 times faster.
        keys = link_proc.astype(np.int64) * (int(sources.max(initial=0)) + 1) + sources
        group = pd.factorize(keys)[0]
    else:
        group = pd.MultiIndex.from_arrays([links["procedure_id"],
                                           links["from_step_no"]]).factorize()[0]
    forward_count = np.bincount(group, weights=~backward, minlength=group.max() + 1 if len(group) else 0)
    base = links["probability"].to_numpy(dtype=float)
    probabilities = np.empty((len(factors), len(links)))
    for k, factor in enumerate(factors):
        scaled_back = np.where(backward, np.minimum(base * factor[link_proc], 0.95), 0.0)
        delta = np.where(backward, scaled_back - base, 0.0)
        moved = np.bincount(group, weights=delta, minlength=len(forward_count))[group]
        count = forward_count[group]
        forward = base - np.where(count > 0, moved / np.maximum(count, 1), 0.0)
        probabilities[k] = np.clip(np.where(backward, scaled_back, forward), 0.0, 1.0)
    # Every scenario's flow solved at once (each matrix on its own, as one call each).
    return structure.visits_many(probabilities) * share


def _same_flow(a: ProcessTables, b: ProcessTables) -> bool:
    """Whether two tables have the same arrows and shares (measures rarely change them),
    so the executions per case of one serve the other."""
    columns = [c for c in ("procedure_id", "from_step_no", "to_step_no", "probability",
                           "parallel") if c in a.links.columns]
    return (list(a.links.columns) == list(b.links.columns)
            and a.links[columns].equals(b.links[columns])
            and a.steps["share_pct"].equals(b.steps["share_pct"]))


def _side(tables: ProcessTables, unit_costs: UnitCostTable, factors: np.ndarray,
          layout: _Layout, visits: np.ndarray | None = None,
          basis: CostBasis | None = None) -> _Side:
    """One side's arrays; ``basis``: the deterministic costing's of the same tables
    (``cost_model.costs.cost_basis``: the same coefficients and flow, not made again)."""
    if basis is not None:
        steps_coef, proc_coef = basis.coefficients, basis.extra
    else:
        steps_coef = step_coefficients(tables.procedures, tables.steps, unit_costs)
        proc_coef = procedure_coefficients(tables.procedures, unit_costs)
    cases = tables.procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    online = np.minimum(tables.procedures["online_cases"].fillna(0).to_numpy(dtype=float), cases)
    base_offline = np.where(cases > 0, 1 - online / np.maximum(cases, 1e-12), 1.0)
    effects = tables.effects.sort_values("step_row", kind="stable").reset_index(drop=True)
    if visits is None:
        visits = _branch_visits(tables, factors, basis.structure if basis is not None else None)
    executions_sum = np.stack([layout.segment_sum(v[:, None], steps_coef.per_execution)[:, :, 0]
                               for v in visits])
    return _Side(steps_coef.per_hour, steps_coef.per_execution, proc_coef.per_visit,
                 proc_coef.per_mailed, proc_coef.per_case, proc_coef.visit_required,
                 visits, _effect_arrays(effects), tables.channels, base_offline, executions_sum)


def _theta(rng: np.random.Generator, n: int, values: dict[str, float],
           spread: bool) -> np.ndarray:
    """(n, parameters) draws, columns in PARAMETERS order; derived columns computed from
    the drawn ones unless the scenario sets them (then drawn around that value)."""
    keys = list(PARAMETERS)
    means = np.array([float(values.get(k, p.default)) for k, p in PARAMETERS.items()])
    drawn = np.array([p.drawn and spread for p in PARAMETERS.values()])
    lows = np.where(drawn, [p.low for p in PARAMETERS.values()], means)
    highs = np.where(drawn, [p.high for p in PARAMETERS.values()], means)
    theta = beta_draws(rng, means, lows, highs, (n, len(keys)))
    for key, formula in DERIVED.items():
        if key not in values:
            theta[:, PARAM_INDEX[key]] = formula(lambda k: theta[:, PARAM_INDEX[k]])
    return theta


@dataclass
class _EffectArrays:
    """The to-be effects as arrays, grouped by step (sorted by step row).

    A chunk has thousands of effects but a few hundred different ones (a measure's constants
    are the same wherever it applies), and its steps' lists of effects repeat too: each
    different effect's factors (per replication) and each different list's product are
    made once, then given to every step with that list."""

    adoption: np.ndarray  # parameter index, -1 = applies to all cases    (per kind of effect)
    floor: np.ndarray
    param: np.ndarray     # parameter index, -1 = constant k0
    k0: np.ndarray
    k1: np.ndarray
    list_kinds: np.ndarray   # the kinds of each different list of effects, one after another
    list_starts: np.ndarray  # where each list starts in list_kinds
    list_of_step: np.ndarray  # the list of each step with effects
    steps: np.ndarray     # the step row of each step with effects

    def __len__(self) -> int:
        return len(self.steps)


PARAM_INDEX = {key: i for i, key in enumerate(PARAMETERS)}


def _effect_arrays(effects: pd.DataFrame) -> _EffectArrays:
    def index(column: str) -> np.ndarray:
        return np.array([PARAM_INDEX[v] if isinstance(v, str) else -1 for v in effects[column]],
                        dtype=np.int64)
    rows = effects["step_row"].to_numpy(dtype=int)
    starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1] if len(rows) else np.array([], int)
    adoption, param = index("adoption"), index("param")
    floor = effects["floor"].fillna(0).to_numpy(dtype=float)
    k0, k1 = effects["k0"].to_numpy(dtype=float), effects["k1"].to_numpy(dtype=float)
    # Effects are the same kind when their constants are the same to the bit.
    keys = np.column_stack([adoption, floor.view(np.int64), param, k0.view(np.int64),
                            k1.view(np.int64)])
    if len(keys):
        unique, kind_of = np.unique(keys, axis=0, return_index=True, return_inverse=True)[1:]
    else:
        unique, kind_of = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    kind_of = kind_of.ravel()
    lists: dict[tuple[int, ...], int] = {}
    list_of_step = np.empty(len(starts), dtype=np.int64)
    kinds = kind_of.tolist()
    ends = [*starts[1:].tolist(), len(kinds)] if len(kinds) else []
    for g, (first, last) in enumerate(zip(starts.tolist(), ends, strict=True)):
        list_of_step[g] = lists.setdefault(tuple(kinds[first:last]), len(lists))
    list_kinds = np.array([kind for kinds_of_list in lists for kind in kinds_of_list],
                          dtype=np.int64)
    list_starts = np.r_[0, np.cumsum([len(k) for k in lists])[:-1]].astype(np.int64) \
        if lists else np.zeros(0, dtype=np.int64)
    return _EffectArrays(adoption[unique], floor[unique], param[unique], k0[unique], k1[unique],
                         list_kinds, list_starts, list_of_step, rows[starts])


def _effect_products(effects: _EffectArrays, theta: np.ndarray) -> np.ndarray:
    """(lists, n): the product of each different list of effects' time multipliers at the
    drawn θ (n, params), in the list's order of effects."""
    padded = np.concatenate([theta, np.zeros((theta.shape[0], 1))], axis=1).T  # −1 → 0
    a = np.where(effects.adoption[:, None] >= 0,
                 np.maximum(effects.floor[:, None], padded[effects.adoption]), 1.0)
    m = effects.k0[:, None] + effects.k1[:, None] * np.where(effects.param[:, None] >= 0,
                                                            padded[effects.param], 0.0)
    factors = np.maximum(1.0 - a * (1.0 - m), 0.0)                 # (kinds, n)
    return np.multiply.reduceat(factors[effects.list_kinds], effects.list_starts, axis=0)


def _multiply_effects(values: np.ndarray, effects: _EffectArrays, theta: np.ndarray) -> None:
    """Multiply the rows of values (S, n) of the steps with effects by their time
    multipliers: the product of each step's effects at the drawn θ (n, params), in the
    step's order of effects."""
    if len(effects) == 0:
        return
    values[effects.steps] *= _effect_products(effects, theta)[effects.list_of_step]


def _offline(side: _Side, theta: np.ndarray, n: int) -> np.ndarray:
    offline = np.tile(side.base_offline, (n, 1))
    if side.channels.empty:
        return offline
    channel_offline = np.ones_like(offline)
    has = np.zeros(offline.shape[1], dtype=bool)
    for channel in side.channels.itertuples(index=False):  # a few per procedure at most
        channel_offline[:, channel.procedure_row] *= 1.0 - np.maximum(
            channel.floor, theta[:, PARAM_INDEX[channel.adoption]])
        has[channel.procedure_row] = True
    return np.where(has, np.minimum(channel_offline, offline), offline)


@dataclass
class MonteCarloResult:
    procedure_ids: list[str]
    as_is: np.ndarray     # (R, P, 10) yearly costs, float32
    to_be: np.ndarray
    visits_as_is: np.ndarray  # (R, P)
    visits_to_be: np.ndarray
    replications: int
    seed: int


# Independent streams of one seed: the replication-level draws, and one per procedure.
_THETA_STREAM, _PROCEDURE_STREAM = 0, 1


def procedure_key(procedure_id: str) -> int:
    """A stable 64-bit key of a procedure ID (the same on every machine and Python run,
    unlike ``hash``), which names the procedure's random stream."""
    digest = hashlib.blake2b(str(procedure_id).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def procedure_generator(seed: int, procedure_id: str) -> np.random.Generator:
    """The generator of one procedure's draws: a function of the seed and the procedure's
    ID only, so its figures do not depend on which procedures are simulated with it, in
    which chunk or on which worker."""
    sequence = np.random.SeedSequence(seed, spawn_key=(_PROCEDURE_STREAM,
                                                       procedure_key(procedure_id)))
    return np.random.Generator(np.random.PCG64(sequence))


def draw_theta(seed: int, replications: int, values: dict[str, float] | None = None,
               spread: bool = True) -> np.ndarray:
    """(R, parameters) measure parameters per replication, common to every procedure."""
    sequence = np.random.SeedSequence(seed, spawn_key=(_THETA_STREAM,))
    return _theta(np.random.Generator(np.random.PCG64(sequence)), replications, values or {},
                  spread)


@dataclass
class _ProcedureDraws:
    rework: np.ndarray    # (K, P) factors of the backward probabilities
    volume: np.ndarray    # (R, P) factors of the annual cases
    hours: np.ndarray     # (S, R) minutes of every step / 60


def _procedure_draws(tables: ProcessTables, layout: _Layout, seed: int, replications: int,
                     k: int, values: dict[str, float], spread: bool) -> _ProcedureDraws:
    """Each procedure's own draws from its own generator, in a fixed order: K rework
    factors, R volume factors, then 2 × (its steps) × R uniforms for the step minutes.

    Step-major (S, R) arrays: each procedure's uniforms are one contiguous block, and the
    per-procedure sums read steps × replications. A procedure's minutes are drawn from its
    uniforms as soon as they are made (:class:`analysis.pert.BetaShapes`), while both are
    in the cache, into the chunk's (S, R) array: the same operations on each element as
    :func:`analysis.draws.beta_from_uniforms` of the whole chunk's uniforms, without them (a chunk's
    uniforms were 2 × steps × replications doubles, passed over several times)."""
    steps, n_rep = tables.steps, replications
    rework = values.get("rework_spread", PARAMETERS["rework_spread"].default) if spread else 0.0
    volume = values.get("volume_spread", PARAMETERS["volume_spread"].default) if spread else 0.0
    ids = tables.procedures["procedure_id"].to_numpy()
    typical = steps["typical_minutes"].astype(float).to_numpy()
    low = np.minimum(steps["min_minutes"].astype(float).fillna(steps["typical_minutes"]).to_numpy(),
                     typical) if spread else typical
    high = np.maximum(steps["max_minutes"].astype(float).fillna(steps["typical_minutes"]).to_numpy(),
                      typical) if spread else typical
    shapes, scale, offset = _step_shapes(typical, low, high)
    hours = np.empty((len(steps), n_rep))
    u_rework = np.empty((k, len(ids)))
    u_volume = np.empty((n_rep, len(ids)))
    widest = int(layout.sizes.max()) if len(ids) else 0
    buffer = np.empty(k + n_rep + 2 * n_rep * widest)   # one procedure's uniforms
    for p, procedure_id in enumerate(ids):
        first = int(layout.starts[p])
        size = int(layout.sizes[p])
        last = first + size
        u = buffer[:k + n_rep + 2 * n_rep * size]
        procedure_generator(seed, procedure_id).random(out=u)
        u_rework[:, p] = u[:k]
        u_volume[:, p] = u[k:k + n_rep]
        if size == 0:
            continue
        block = u[k + n_rep:].reshape(2, size, n_rep)
        out = shapes.draw(block[0], block[1], shapes.first_cell[first:last],
                          shapes.weight[first:last], hours[first:last])
        out *= scale[first:last]
        out += offset[first:last]
        out /= 60
    return _ProcedureDraws(triangular_from_uniforms(u_rework, 1 - rework, 1.0, 1 + rework),
                           triangular_from_uniforms(u_volume, 1 - volume, 1.0, 1 + volume), hours)


def _step_shapes(mean: np.ndarray, low: np.ndarray, high: np.ndarray
                 ) -> tuple[BetaShapes, np.ndarray, np.ndarray]:
    """The lookup's shapes of each step's Beta (as columns, (S, 1)), and the scale and
    offset that take a unit draw to the step's range: :func:`analysis.draws.beta_from_uniforms`'s."""
    mean, low, high = (np.asarray(a, dtype=float)[:, None] for a in (mean, low, high))
    alpha, beta = beta_shape(mean, low, high)
    ok = (alpha > 0) & (beta > 0) & (high > low)
    # Where not ok, mean + u × 0: the mean exactly, without a pass to pick it.
    return (BetaShapes.of(np.where(ok, alpha, 0.0), CONCENTRATION),
            np.where(ok, high - low, 0.0), np.where(ok, low, mean))


def simulate_tables(as_is: ProcessTables, to_be: ProcessTables, unit_costs: UnitCostTable,
                    theta: np.ndarray, seed: int, values: dict[str, float] | None = None,
                    spread: bool = True,
                    bases: tuple[CostBasis, CostBasis] | None = None) -> MonteCarloResult:
    """Samples of the procedures of ``as_is``/``to_be`` (the whole project or a chunk of
    it) for replications whose measure parameters are ``theta`` (R, parameters), with
    common random numbers for both sides. Steps must be sorted by procedure as the
    procedures are (``analysis.tabular.graphs_to_tables`` does).

    A procedure's samples depend only on the seed, its ID, its own rows and θ: the same
    whether it is simulated alone, in a chunk or with the whole project. ``bases``: the
    deterministic costing's :class:`cost_model.costs.CostBasis` of as-is and to-be, whose
    coefficients and flows serve here too.
    """
    samples = simulate_by_procedure(as_is, to_be, unit_costs, theta, seed, values, spread,
                                    bases)
    return samples.by_replication()


@dataclass
class ProcedureSamples:
    """:class:`MonteCarloResult`'s samples with the replications last: costs (P, 10, R)
    float32, visits (R, P). What the chunks reduce (``analysis.chunked.run_chunk``): each
    procedure's replications are contiguous for its percentiles' sort, and the costs are
    made in that order, without transposing (P, 10, R) → (R, P, 10) and back again (two
    passes over every sample that read one of the two arrays across, a tenth of a chunk's
    Monte Carlo)."""

    procedure_ids: list[str]
    as_is: np.ndarray     # (P, 10, R) yearly costs, float32
    to_be: np.ndarray
    visits_as_is: np.ndarray  # (R, P)
    visits_to_be: np.ndarray
    replications: int
    seed: int

    def by_replication(self) -> MonteCarloResult:
        """The same samples as (R, P, 10)."""
        def moved(costs: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(costs.transpose(2, 0, 1))
        return MonteCarloResult(self.procedure_ids, moved(self.as_is), moved(self.to_be),
                                self.visits_as_is, self.visits_to_be, self.replications,
                                self.seed)


def simulate_by_procedure(as_is: ProcessTables, to_be: ProcessTables,
                          unit_costs: UnitCostTable, theta: np.ndarray, seed: int,
                          values: dict[str, float] | None = None, spread: bool = True,
                          bases: tuple[CostBasis, CostBasis] | None = None
                          ) -> ProcedureSamples:
    """:func:`simulate_tables`' samples, the replications last (:class:`ProcedureSamples`)."""
    if len(as_is.steps) != len(to_be.steps):
        raise ValueError("as-is and to-be must have the same steps (measures never add steps)")
    values = values or {}
    replications = theta.shape[0]
    k = min(BRANCH_SCENARIOS, max(replications, 1))
    layout = _Layout.of(as_is)
    draws = _procedure_draws(as_is, layout, seed, replications, k, values, spread)
    basis_a, basis_b = bases if bases is not None else (None, None)
    first = _side(as_is, unit_costs, draws.rework, layout, basis=basis_a)
    sides = (first, _side(to_be, unit_costs, draws.rework, layout,
                          first.visits_by_scenario if _same_flow(as_is, to_be) else None,
                          basis_b))
    cases = as_is.procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    year_cases = cases * draws.volume                                 # (R, P)
    scenario = np.arange(replications) % k                            # replication r → r mod K
    # Replication r = i·K + s uses branch scenario s: with R a multiple of K, (R,) axes are
    # (R / K, K) blocks and a scenario's figures broadcast over the blocks (no (S, R) or
    # (R, P, 10) array of them is made); the same products and sums of the same numbers.
    blocks = replications // k if replications % k == 0 else 0
    out, visits_out = [], []
    for s, side in enumerate(sides):
        offline = (_offline(side, theta, replications) if s == 1
                   else np.tile(side.base_offline, (replications, 1)))
        out.append(_side_samples(layout, draws.hours, side, theta if s == 1 else None,
                                 scenario, blocks, offline, year_cases))
        visits_out.append((offline * side.visit * year_cases).astype(np.float32))
    return ProcedureSamples(list(as_is.procedures["procedure_id"]), out[0], out[1],
                            visits_out[0], visits_out[1], replications, seed)


def _side_samples(layout: _Layout, hours: np.ndarray, side: _Side, theta: np.ndarray | None,
                  scenario: np.ndarray, blocks: int, offline: np.ndarray,
                  year_cases: np.ndarray) -> np.ndarray:
    """One side's yearly costs (P, 10, R) float32, a procedure at a time: its steps' hours
    per case (minutes × executions of the replication's branch scenario, times the to-be
    effects' product when ``theta`` is given), their sum by cost (one product of its own
    rows), plus the per-case costs of its scenario and of its offline cases, times the
    replication's cases.

    Each element is the same operations on the same numbers as the whole chunk's arrays
    gave ((S, R) hours per case, (P, 10, R) sums, then a pass for each term), so the same
    bits: only the (size × R) and (10 × R) arrays of one procedure are made, in the cache,
    instead of five passes over arrays of the chunk's size (a sixth of a chunk's CPU)."""
    n = hours.shape[1]
    k = side.visits_by_scenario.shape[0]
    visits = np.ascontiguousarray(side.visits_by_scenario.T)          # (S, K)
    fixed = side.fixed().transpose(1, 2, 0)                           # (P, 10, K)
    contact = side.contact()                                          # (P, 10)
    offline_t = np.ascontiguousarray(offline.T)                       # (P, R)
    cases_t = np.ascontiguousarray(year_cases.T)                      # (P, R)
    per_hour = side.per_hour
    costs = per_hour.shape[1]
    samples = np.empty((layout.n_proc, costs, n), dtype=np.float32)
    widest = int(layout.sizes.max()) if layout.n_proc else 0
    step_hours = np.empty((widest, n))
    totals = np.empty((costs, n))
    contact_part = np.empty((costs, n))
    # The steps with effects, and the rows of their lists' products, by procedure.
    effects = side.effects if theta is not None and len(side.effects) else None
    products, bounds = np.zeros((0, n)), [0] * (layout.n_proc + 1)
    if effects is not None and theta is not None:
        products = _effect_products(effects, theta)
        ends = np.r_[layout.starts, len(hours)].astype(np.int64)
        bounds = np.searchsorted(effects.steps, ends).astype(np.int64).tolist()
    for p, (first, size) in enumerate(zip(layout.starts.tolist(), layout.sizes.tolist(),
                                          strict=True)):
        if size:
            last = first + size
            by_step = step_hours[:size]
            if blocks:
                np.multiply(hours[first:last].reshape(size, blocks, k),
                            visits[first:last, None, :], out=by_step.reshape(size, blocks, k))
            else:
                np.take(visits[first:last], scenario, axis=1, out=by_step)
                by_step *= hours[first:last]
            if effects is not None and bounds[p + 1] > bounds[p]:
                with_effects = slice(bounds[p], bounds[p + 1])
                by_step[effects.steps[with_effects] - first] *= \
                    products[effects.list_of_step[with_effects]]
            np.matmul(per_hour[first:last].T, by_step, out=totals)
        else:
            totals.fill(0.0)
        if blocks:
            totals.reshape(costs, blocks, k)[...] += fixed[p][:, None, :]
        else:
            totals += fixed[p][:, scenario]
        np.multiply(offline_t[p], contact[p][:, None], out=contact_part)
        totals += contact_part
        np.multiply(totals, cases_t[p], out=samples[p], casting="same_kind")
    return samples


def simulate(as_is: ProcessTables, to_be: ProcessTables, unit_costs: UnitCostTable,
             replications: int, seed: int, values: dict[str, float] | None = None,
             spread: bool = True, progress: Progress | None = None,
             cancel: CancelCheck | None = None) -> MonteCarloResult:
    """Every sample of every procedure, as-is and to-be with common random numbers.

    Memory grows with procedures × replications: for small projects and tests.
    ``analysis.chunked`` runs the same computation over chunks of procedures with bounded
    memory (``analysis.simulate.simulate_scenario`` uses it), with identical figures.
    """
    if cancel is not None and cancel():
        raise SimulationCancelled
    if progress:
        progress(0, replications, "準備中")
    theta = draw_theta(seed, replications, values, spread)
    result = simulate_tables(as_is, to_be, unit_costs, theta, seed, values, spread)
    if progress:
        progress(replications, replications, "")
    return result
