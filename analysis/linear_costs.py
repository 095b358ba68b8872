"""One side's yearly costs as a linear function of the parameters and unit costs, re-costed
for only what a changed assumption touches (the sensitivity analysis, issue 16).

Costs are linear in hours and executions (``cost_model.costs``): with the executions per
case fixed, a parameter only changes the time multipliers of the steps whose effects use
it and the offline share of the procedures whose channels do, and a unit cost only the
cost columns whose coefficients it enters. :class:`LinearCosts` keeps the figures at the
values it was made with and re-costs, for changed values, only the procedures those steps
and channels belong to, and, for a changed unit cost, only the columns it enters.

Every figure is the one a whole re-costing gives, to the last digit: a procedure's steps
are summed in the same order by the same ``np.bincount`` (a bin adds its weights in index
order, whatever the other bins hold), a step's multiplier is the product of its effects
in the same order, and the coefficients of a row depend on that row alone (the steps'
coefficients are made once per distinct combination of the columns they read).
``tests/test_report_reuse.py`` checks it against the whole re-costing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.params import value
from analysis.tabular import ProcessTables, offline_shares
from cost_model.costs import (
    COST_COLUMNS,
    ProcedureCoefficients,
    StepCoefficients,
    procedure_coefficients,
    step_coefficients,
)
from cost_model.unit_costs import UnitCostTable

# The step columns ``cost_model.costs.step_coefficients`` reads (with the procedure's
# section), and the procedure columns ``procedure_coefficients`` reads: rows alike in all
# of them have the same coefficients (each row's are computed from that row alone).
COEFFICIENT_COLUMNS = ("actor", "staff_category", "work_kind", "medium", "physical_burden",
                       "cognitive_burden", "psychological_burden", "enjoyment")
PROCEDURE_COEFFICIENT_COLUMNS = ("section", "attachment_kind", "attachment_count",
                                 "attachment_names", "visit_required")


class CoefficientMemo:
    """Coefficient rows of kinds already seen, by unit cost table and kind, in this
    process: a report's workers make the sensitivity part of one chunk after another, each
    with the same few thousand kinds of steps and seven unit cost tables (the project's and
    six scaled); a kind's coefficients depend on its row and the table alone, so each is
    made once. Tables beyond :attr:`TABLES` start it afresh (bounded)."""

    TABLES = 32

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the app may run two analyses at once (threads)
        self._by_table: dict[tuple[object, ...], tuple[dict[tuple[object, ...], int],
                                                       list[np.ndarray]]] = {}

    @staticmethod
    def fingerprint(unit_costs: UnitCostTable) -> tuple[object, ...]:
        return (tuple(sorted((k, v.value) for k, v in unit_costs.project.items())),
                tuple(sorted((s, tuple(sorted((k, v.value) for k, v in values.items())))
                             for s, values in unit_costs.sections.items())))

    def rows(self, namespace: tuple[object, ...], keys: list[tuple[object, ...]],
             make: Callable[[np.ndarray], list[np.ndarray]]) -> list[np.ndarray]:
        """Each array ``make(rows)`` gives for the rows (of ``keys``) not seen yet, for
        every key, in ``keys``' order."""
        with self._lock:
            return self._rows(namespace, keys, make)

    def _rows(self, namespace: tuple[object, ...], keys: list[tuple[object, ...]],
              make: Callable[[np.ndarray], list[np.ndarray]]) -> list[np.ndarray]:
        if namespace not in self._by_table:
            if len(self._by_table) >= self.TABLES:
                self._by_table.clear()
            self._by_table[namespace] = ({}, [])
        index, arrays = self._by_table[namespace]
        missing = [i for i, key in enumerate(keys) if key not in index]
        if missing:
            made = make(np.asarray(missing))
            start = len(arrays[0]) if arrays else 0
            if arrays:
                arrays[:] = [np.concatenate([old, new]) for old, new in zip(arrays, made,
                                                                             strict=True)]
            else:
                arrays.extend(made)
            for n, i in enumerate(missing):
                index[keys[i]] = start + n
        where = np.fromiter((index[key] for key in keys), dtype=np.int64, count=len(keys))
        return [array[where] for array in arrays]


MEMO = CoefficientMemo()


def _key_value(value: object) -> object:
    # NaN and None are one kind (``kinds``); NaN is not equal to itself as a dict key.
    return None if value is None or value is pd.NA or (isinstance(value, float)
                                                       and value != value) else value


def _keys(columns: list[pd.Series], first: np.ndarray) -> list[tuple[object, ...]]:
    """The values of the representative rows ``first``, one tuple per kind."""
    picked = [[_key_value(v) for v in column.to_numpy(dtype=object)[first]]
              for column in columns]
    return list(zip(*picked, strict=True)) if picked else [() for _ in first]


def _by_overrides(keys: list[tuple[object, ...]], unit_costs: UnitCostTable,
                  sectioned: bool = True) -> list[tuple[object, ...]]:
    """``keys`` (the section first) with every section that has no values of its own in
    ``unit_costs`` read as one: its rows' coefficients are those of the project's values
    (``UnitCostTable.value``), so kinds of different such sections share them."""
    own = unit_costs.sections
    if not sectioned:
        return keys
    return [key if key and key[0] in own else (_PROJECT_VALUES, *key[1:]) for key in keys]


_PROJECT_VALUES = "\0project"  # no section is named so (a control character)


def kinds(columns: list[pd.Series], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each kind, each row's kind) of rows alike in every column."""
    codes = np.zeros(rows, dtype=np.int64)
    for column in columns:
        # NaN and None get one code of their own (both read as missing).
        found, _uniques = pd.factorize(column, use_na_sentinel=False)
        codes = codes * (int(found.max()) + 1 if len(found) else 1) + found
        # Renumbered after each column, so the combined code never overflows.
        _, codes = np.unique(codes, return_inverse=True)
    _, first, kind = np.unique(codes, return_index=True, return_inverse=True)
    return first, kind.reshape(-1)


class StepKinds:
    """The steps grouped by what their coefficients depend on: one representative row
    per group, and each step's group. ``step_coefficients`` of the representatives,
    spread over the steps, is ``step_coefficients`` of every step (a city's 450,000
    steps fall into a few thousand groups)."""

    def __init__(self, procedures: pd.DataFrame, steps: pd.DataFrame,
                 step_procedure: np.ndarray) -> None:
        sections = procedures["section"].to_numpy(dtype=object)
        columns = [pd.Series(sections[step_procedure]) if len(steps) else pd.Series([], dtype=object)]
        columns += [steps[c].reset_index(drop=True) for c in COEFFICIENT_COLUMNS if c in steps]
        first, self.kind = kinds(columns, len(steps))
        representatives = steps.iloc[first].reset_index(drop=True)
        used = representatives["procedure_id"].unique()
        self.procedures = procedures[procedures["procedure_id"].isin(used)]
        self.steps = representatives
        self.keys = _keys(columns, first)
        self.columns = ("steps", *(c for c in COEFFICIENT_COLUMNS if c in steps))

    def coefficients(self, unit_costs: UnitCostTable) -> StepCoefficients:
        """The coefficients of each group (index them with :attr:`kind`)."""
        def make(rows: np.ndarray) -> list[np.ndarray]:
            made = step_coefficients(self.procedures,
                                     self.steps.iloc[rows].reset_index(drop=True), unit_costs)
            return [made.per_hour, made.per_execution]

        per_hour, per_execution = MEMO.rows((self.columns, MEMO.fingerprint(unit_costs)),
                                            _by_overrides(self.keys, unit_costs), make)
        return StepCoefficients(per_hour, per_execution)


class ProcedureKinds:
    """The procedures grouped likewise for ``procedure_coefficients`` (its attachment
    fees are a Python loop over the procedures: once per kind, not per procedure)."""

    def __init__(self, procedures: pd.DataFrame) -> None:
        columns = [procedures[c].reset_index(drop=True) for c in PROCEDURE_COEFFICIENT_COLUMNS
                   if c in procedures]
        first, self.kind = kinds(columns, len(procedures))
        self.procedures = procedures.iloc[first].reset_index(drop=True)
        self.keys = _keys(columns, first)
        self.columns = ("procedures", *(c for c in PROCEDURE_COEFFICIENT_COLUMNS
                                        if c in procedures))

    def coefficients(self, unit_costs: UnitCostTable) -> ProcedureCoefficients:
        """Every procedure's coefficients (the representatives', spread)."""
        def make(rows: np.ndarray) -> list[np.ndarray]:
            made = procedure_coefficients(self.procedures.iloc[rows].reset_index(drop=True),
                                          unit_costs)
            return [made.per_visit, made.per_mailed, made.per_case, made.visit_required]

        per_visit, per_mailed, per_case, visit_required = MEMO.rows(
            (self.columns, MEMO.fingerprint(unit_costs)),
            _by_overrides(self.keys, unit_costs, self.columns[1:2] == ("section",)), make)
        return ProcedureCoefficients(per_visit[self.kind], per_mailed[self.kind],
                                     per_case[self.kind], visit_required[self.kind])


class LinearCosts:
    """One side's yearly costs per procedure (the saving columns: yen, hours, visits),
    re-costed for changed parameter values or a changed unit cost table."""

    def __init__(self, tables: ProcessTables, executions_per_case: np.ndarray,
                 unit_costs: UnitCostTable, values: dict[str, float] | None = None) -> None:
        self.tables = tables
        procedures, steps = tables.procedures, tables.steps
        self.cases = procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
        row_of = pd.Series(np.arange(len(procedures)), index=procedures["procedure_id"].to_numpy())
        self.step_proc = row_of.reindex(steps["procedure_id"].to_numpy()).to_numpy().astype(int)
        self.executions = executions_per_case * self.cases[self.step_proc]
        self.minutes = steps["typical_minutes"].astype(float).to_numpy()
        effects = tables.effects
        self.effect_rows = effects["step_row"].to_numpy(dtype=int)
        # The effects' parameters by index into a value vector (the last slot: 0 for "no
        # parameter"), so re-costing is array indexing, not a loop over effects. Keys come
        # from the effects themselves, so derived parameters resolve through params.value.
        self.keys = sorted(_names(effects["adoption"]) | _names(effects["param"]))
        index = {k: i for i, k in enumerate(self.keys)}
        self.adoption = _indices(effects["adoption"], index)
        self.floor = effects["floor"].fillna(0).to_numpy(dtype=float)
        self.param = _indices(effects["param"], index)
        self.k0 = effects["k0"].to_numpy(dtype=float)
        self.k1 = effects["k1"].to_numpy(dtype=float)
        self.kinds = StepKinds(procedures, steps, self.step_proc)
        self.unit_costs = unit_costs
        self.step_coef = self.kinds.coefficients(unit_costs)
        self.procedure_kinds = ProcedureKinds(procedures)
        self.proc_coef = self.procedure_kinds.coefficients(unit_costs)
        # The offline shares move only with the channels' uptake: kept by those values, so
        # the other bars do not compute them again.
        self.channel_keys = sorted(_names(tables.channels["adoption"]))
        self._offline: dict[tuple[float, ...], np.ndarray] = {}
        # The figures at ``values``, which every re-costing starts from.
        self.values = dict(values or {})
        self.theta = self._theta(self.values)
        self.multipliers = self._multipliers(self.theta, self.effect_rows, len(self.minutes))
        self.hours = self.executions * self.minutes * self.multipliers / 60
        self.offline = self._offline_cases(self.values)
        self.base = self._procedure_costs(np.arange(len(self.cases)), self.hours, self.offline,
                                          self.step_coef, self.proc_coef)

    def _theta(self, values: dict[str, float]) -> np.ndarray:
        return np.array([value(k, values) for k in self.keys] + [0.0])

    def _factors(self, theta: np.ndarray, chosen: np.ndarray | slice) -> np.ndarray:
        """The time factor of each chosen effect."""
        adoption = self.adoption[chosen]
        a = np.where(adoption >= 0, np.maximum(self.floor[chosen], theta[adoption]), 1.0)
        m = self.k0[chosen] + self.k1[chosen] * theta[self.param[chosen]]
        return np.maximum(1.0 - a * (1.0 - m), 0.0)

    def _multipliers(self, theta: np.ndarray, rows: np.ndarray, size: int,
                     chosen: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Each step's product of its chosen effects' factors, in the effects' order
        (``rows``: the chosen effects' steps, numbered 0..size)."""
        multipliers = np.ones(size)
        np.multiply.at(multipliers, rows, self._factors(theta, chosen))
        return multipliers

    def _offline_cases(self, values: dict[str, float]) -> np.ndarray:
        key = tuple(value(k, values) for k in self.channel_keys)
        found = self._offline.get(key)
        if found is None:
            found = self._offline[key] = offline_shares(self.tables, values) * self.cases
        return found

    def _procedure_costs(self, chosen: np.ndarray, hours: np.ndarray, offline: np.ndarray,
                         step_coef: StepCoefficients, proc_coef: ProcedureCoefficients,
                         columns: list[int] | None = None) -> np.ndarray:
        """Costs (procedures × COST_COLUMNS) of the ``chosen`` procedures (ascending), from
        the hours of their steps (``hours``: of every step); ``columns``: only these."""
        steps: slice | np.ndarray
        if len(chosen) == len(self.cases):
            steps, bins = slice(None), self.step_proc
        else:
            position = np.full(len(self.cases), -1)
            position[chosen] = np.arange(len(chosen))
            step_bins = position[self.step_proc]
            steps = np.flatnonzero(step_bins >= 0)
            bins = step_bins[steps]
        kind = self.kinds.kind[steps]
        step_hours, executions = hours[steps], self.executions[steps]
        columns = list(range(len(COST_COLUMNS))) if columns is None else columns
        out = np.zeros((len(chosen), len(COST_COLUMNS)))
        for j in columns:
            per_step = (step_hours * step_coef.per_hour[kind, j]
                        + executions * step_coef.per_execution[kind, j])
            out[:, j] = np.bincount(bins, weights=per_step, minlength=len(chosen))
        offline = offline[chosen]
        visit = proc_coef.visit_required[chosen]
        visits = offline * visit
        mailed = offline * ~visit
        cases = self.cases[chosen]
        for j in columns:
            out[:, j] += (visits * proc_coef.per_visit[chosen, j]
                          + mailed * proc_coef.per_mailed[chosen, j]
                          + cases * proc_coef.per_case[chosen, j])
        return out

    def _frame(self, costs: np.ndarray, visits: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(costs, columns=COST_COLUMNS)
        frame["citizen_visits"] = visits
        return frame

    def costs(self, values: dict[str, float]) -> pd.DataFrame:
        """Per procedure: the saving columns (yen, hours, visits a year) at ``values``;
        only the procedures whose steps or channels the changed values reach are costed
        again."""
        return self._frame(*self.cost_arrays(values))

    def with_unit_costs(self, unit_costs: UnitCostTable) -> pd.DataFrame:
        """Per procedure: the saving columns at the values it was made with, costed with
        ``unit_costs``; only the cost columns whose coefficients change are summed again."""
        return self._frame(*self.unit_cost_arrays(unit_costs))

    def cost_arrays(self, values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`costs` as arrays: (procedures × COST_COLUMNS, citizen visits) — no
        frame is made (the sensitivity analysis of a chunk makes dozens)."""
        theta = self._theta(values)
        offline = self._offline_cases(values)
        changed = theta != self.theta
        touched_effects = np.flatnonzero(changed[self.adoption] | changed[self.param])
        steps = np.unique(self.effect_rows[touched_effects])
        moved = np.flatnonzero(offline != self.offline)
        if not len(steps) and not len(moved):
            return self.base.copy(), offline * self.proc_coef.visit_required
        # Every effect of a touched step, in order: its product is made again whole.
        chosen = np.flatnonzero(np.isin(self.effect_rows, steps))
        hours = self.hours.copy()
        again = self._multipliers(theta, np.searchsorted(steps, self.effect_rows[chosen]),
                                  len(steps), chosen)
        hours[steps] = self.executions[steps] * self.minutes[steps] * again / 60
        procedures = np.union1d(np.unique(self.step_proc[steps]), moved)
        out = self.base.copy()
        out[procedures] = self._procedure_costs(procedures, hours, offline, self.step_coef,
                                                self.proc_coef)
        return out, offline * self.proc_coef.visit_required

    def unit_cost_arrays(self, unit_costs: UnitCostTable) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`with_unit_costs` as arrays (see :meth:`cost_arrays`)."""
        step_coef = self.kinds.coefficients(unit_costs)
        proc_coef = self.procedure_kinds.coefficients(unit_costs)
        columns = [j for j in range(len(COST_COLUMNS)) if not (
            np.array_equal(step_coef.per_hour[:, j], self.step_coef.per_hour[:, j])
            and np.array_equal(step_coef.per_execution[:, j], self.step_coef.per_execution[:, j])
            and all(np.array_equal(getattr(proc_coef, name)[:, j],
                                   getattr(self.proc_coef, name)[:, j])
                    for name in ("per_visit", "per_mailed", "per_case")))]
        out = self.base.copy()
        if columns:
            out[:, columns] = self._procedure_costs(
                np.arange(len(self.cases)), self.hours, self.offline, step_coef, proc_coef,
                columns)[:, columns]
        return out, self.offline * self.proc_coef.visit_required


def _names(column: pd.Series) -> set[str]:
    return {k for k in column.unique() if isinstance(k, str)}


def _indices(column: pd.Series, index: dict[str, int]) -> np.ndarray:
    """Each row's key as its index (−1: no key, the value vector's last slot)."""
    codes, uniques = pd.factorize(column)
    lookup = np.array([index[k] if isinstance(k, str) else -1 for k in uniques] + [-1], dtype=int)
    return lookup[codes]
