"""The sensitivity analysis's per-procedure work on some consecutive procedures: a run's
chunk, where its tables are (``analysis.simulate.ChunkWork``), or the whole project.

:func:`sensitivity_part` re-costs one comparison's procedures under every changed
assumption of the tornado and of the top-20 stability (``analysis.sensitivity``) and keeps
their savings per procedure: what the whole analysis needs of the step tables. A
procedure's costs depend on its own rows alone (``analysis.linear_costs``), so the parts
of a project's chunks, joined in procedure order, are the part of the whole project, to
the last digit; ``analysis.sensitivity`` makes the city figures and the rankings of the
joined rows. The 30,000-procedure report needed the whole to-be tables in its own process
for this alone (2.2 GB, the scenario applied there).

Whether a parameter acts through the to-be tables is decided for the whole project (the
parameters of every chunk's effects and channels): a part re-costs through its tables
every change that reaches them (elsewhere the figures are its base ones) and, for a
parameter a measure bakes into k0 (``measures.K0_PARAMETERS``) that its tables do not
use, sets that k0 again; any other baked-in parameter needs the process graphs and is
left to ``analysis.sensitivity``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, cast, overload

import numpy as np
import pandas as pd

from analysis.compare import Comparison, ProjectModel, parameter_values
from analysis.linear_costs import LinearCosts
from analysis.measures import K0_PARAMETERS, MEASURES
from analysis.params import PARAMETERS, value
from analysis.scenario import MeasureUse, Scenario
from analysis.tabular import ProcessTables, tables_for_costing
from cost_model.costs import (
    COST_COLUMNS,
    CostBasis,
    ProcedureCoefficients,
    StepCoefficients,
    compute_costs,
)
from cost_model.flow import FlowStructure
from cost_model.unit_costs import UnitCostTable, UnitCostValue

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

METRICS = ("staff_economic_yen", "staff_time_h", "citizen_time_h", "citizen_visits")
SAVING_COLUMNS = ["staff_economic_yen", "staff_time_h", "citizen_economic_yen", "citizen_time_h",
                  "citizen_visits"]
# Monte Carlo spreads: they widen P5–P95 but do not move the deterministic figure.
SPREAD_ONLY = ("volume_spread", "rework_spread")
# Key unit costs and the factor range they are varied over (low, high), with why.
UNIT_COST_RANGES: dict[str, tuple[float, float, str]] = {
    "hourly_cost_regular": (0.8, 1.2, "自治体・職層による人件費単価の差（±20%）"),
    "hourly_cost_fiscal_year": (0.8, 1.2, "最低賃金・社会保険料の地域差（±20%）"),
    "citizen_travel_minutes": (0.5, 1.5, "中心部と郊外の移動時間の差（±50%）"),
    "citizen_counter_wait_minutes": (0.5, 1.5, "繁忙期と閑散期の待ち時間の差（±50%）"),
    "attachment_fetch_minutes": (0.5, 1.5, "コンビニ交付と窓口取得の差（±50%）"),
    "paper_cost_per_sheet_yen": (0.5, 2.0, "用紙・トナー・複合機契約の差"),
}
# Derived parameters (computed from others, e.g. an uptake from its adoption curve) move
# with the parameters they come from, so only those get a bar.
TORNADO_PARAMETERS = [k for k, p in PARAMETERS.items()
                      if k not in SPREAD_ONLY and not getattr(p, "derived", False)]
ADOPTION_YEARS = (1, 5)  # the uptake curve read in these fiscal years (top-20 stability)

# Savings of some procedures that differ from the part's base: (rows, their values).
Rows = tuple[np.ndarray, np.ndarray]


def adoption_parameters(table_params: set[str], used_params: set[str]) -> list[str]:
    """The uptake parameters the stability's low / high uptake sets together."""
    return [k for k in PARAMETERS if k.endswith("_adoption")
            and (k in table_params or k in used_params)]


def used_parameters(scenario: Scenario) -> set[str]:
    return {k for u in scenario.measures for k in MEASURES[u.measure].parameters}


def changed_by(scenario: Scenario, applied: dict[str, list[str]], key: str) -> list[str]:
    """The procedures the measures that use ``key`` changed, ascending."""
    return sorted({pid for u in scenario.measures if key in MEASURES[u.measure].parameters
                   for pid in applied.get(u.measure, [])})


def applied_measures(comparison: Comparison) -> dict[str, list[str]]:
    """Measure → the procedures it changed, in the log's order."""
    applied: dict[str, list[str]] = {}
    for application in comparison.applications:
        if application.applied:
            applied.setdefault(application.measure, []).append(application.procedure_id)
    return applied


def savings_frame(as_is: pd.DataFrame, to_be: pd.DataFrame) -> pd.DataFrame:
    """Per procedure: as-is minus to-be of the saving columns."""
    return pd.DataFrame({c: as_is[c].to_numpy(float) - to_be[c].to_numpy(float)
                         for c in SAVING_COLUMNS})


def as_frame(saved: np.ndarray) -> pd.DataFrame:
    """(procedures, SAVING_COLUMNS) as :func:`savings_frame` makes it (a column each)."""
    return pd.DataFrame({c: saved[:, j].copy() for j, c in enumerate(SAVING_COLUMNS)})


def _array(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([frame[c].to_numpy(float) for c in SAVING_COLUMNS]) \
        if len(frame) else np.zeros((0, len(SAVING_COLUMNS)))


_SAVED_COSTS = [COST_COLUMNS.index(c) for c in SAVING_COLUMNS[:-1]]  # the last: visits


def _saved(as_is: tuple[np.ndarray, np.ndarray], to_be: tuple[np.ndarray, np.ndarray]
           ) -> np.ndarray:
    """:func:`savings_frame`'s figures of ``LinearCosts.cost_arrays``' (costs, visits) of
    each side, as an array (procedures × SAVING_COLUMNS): the same subtractions."""
    (a, a_visits), (b, b_visits) = as_is, to_be
    if not len(a):
        return np.zeros((0, len(SAVING_COLUMNS)))
    return np.column_stack([a[:, j] - b[:, j] for j in _SAVED_COSTS] + [a_visits - b_visits])


def _delta(base: np.ndarray, saved: np.ndarray) -> Rows:
    """The rows of ``saved`` that are not bit for bit the base's (NaN rows are kept)."""
    rows = np.flatnonzero((saved != base).any(axis=1))
    return rows, saved[rows]


def scaled(table: UnitCostTable, key: str, factor: float) -> UnitCostTable:
    """A copy with one unit cost (project value and every section's) multiplied."""
    entry = table.project[key]
    project = {**table.project, key: UnitCostValue(key, entry.value * factor, entry.source, False)}
    sections = {s: {**v, key: UnitCostValue(key, v[key].value * factor, v[key].source, False)}
                if key in v else v for s, v in table.sections.items()}
    return UnitCostTable(project, sections)


def scenario_with(scenario: Scenario, key: str, value_: float) -> Scenario:
    """The scenario with a parameter set on every measure that uses it."""
    uses = [MeasureUse(u.measure, {**u.params, key: value_}, u.rule)
            if key in MEASURES[u.measure].parameters else u for u in scenario.measures]
    return replace(scenario, measures=uses)


def cost_to_be(model: ProjectModel, tables: ProcessTables, scenario: Scenario) -> pd.DataFrame:
    """The costed procedures of a scenario's to-be tables."""
    return compute_costs(*tables_for_costing(tables, parameter_values(scenario)),
                         model.unit_costs, model.rubric).procedures


@overload
def procedure_tables(tables: ProcessTables, ids: list[str]) -> ProcessTables: ...


@overload
def procedure_tables(tables: ProcessTables, ids: list[str], rows: Literal[True]
                     ) -> tuple[ProcessTables, tuple[np.ndarray, np.ndarray]]: ...


def procedure_tables(tables: ProcessTables, ids: list[str], rows: bool = False
                     ) -> ProcessTables | tuple[ProcessTables, tuple[np.ndarray, np.ndarray]]:
    """The tables of some procedures only (rows numbered from 0, in the tables' order):
    those :class:`analysis.tabular.TableBuilder` makes of their graphs alone; ``rows``:
    also the rows of ``tables``' procedures and steps they are."""
    chosen = set(ids)
    procedures = np.flatnonzero(tables.procedures["procedure_id"].isin(chosen).to_numpy())
    steps = np.flatnonzero(tables.steps["procedure_id"].isin(chosen).to_numpy())
    links = tables.links["procedure_id"].isin(chosen).to_numpy()
    effects = tables.effects[tables.effects["step_row"].isin(steps).to_numpy()]
    channels = tables.channels[tables.channels["procedure_row"].isin(procedures).to_numpy()]
    chosen_tables = ProcessTables(
        tables.procedures.iloc[procedures].reset_index(drop=True),
        tables.steps.iloc[steps].reset_index(drop=True),
        tables.links[links].reset_index(drop=True),
        effects.assign(step_row=np.searchsorted(steps, effects["step_row"].to_numpy()))
        .reset_index(drop=True),
        channels.assign(procedure_row=np.searchsorted(
            procedures, channels["procedure_row"].to_numpy())).reset_index(drop=True))
    return (chosen_tables, (procedures, steps)) if rows else chosen_tables


def _names(column: pd.Series) -> set[str]:
    return {k for k in column.unique() if isinstance(k, str)}


@dataclass
class SensitivityPart:
    """Per-procedure savings (SAVING_COLUMNS) of some consecutive procedures under each
    changed assumption, each kept as the rows that differ from ``base``."""

    procedure_ids: list[str]
    base: np.ndarray                      # (procedures, SAVING_COLUMNS) at the scenario's values
    table_params: set[str]                # the parameters its to-be effects and channels use
    # (parameter, end index) → re-costed through the tables; present where they use it.
    by_tables: dict[tuple[str, int], Rows] = field(default_factory=dict)
    # (K0 parameter, end index) → k0 set again in the to-be tables of the procedures the
    # measure changed, where the tables do not use the parameter.
    baked: dict[tuple[str, int], Rows] = field(default_factory=dict)
    unit_costs: dict[str, Rows] = field(default_factory=dict)  # unit cost at its high factor
    uptake: dict[str, Rows] = field(default_factory=dict)      # "low", "high", "year1", …

    def saved(self, rows: Rows | None) -> np.ndarray:
        """The savings of every procedure of the part (the base where ``rows`` is None)."""
        out = self.base.copy()
        if rows is not None:
            out[rows[0]] = rows[1]
        return out


class Evaluator:
    """Deterministic re-costing of one comparison (its tables) under changed assumptions."""

    def __init__(self, model: ProjectModel, scenario: Scenario, comparison: Comparison) -> None:
        self.model, self.scenario, self.comparison = model, scenario, comparison
        self.values = parameter_values(scenario)
        tables = comparison.to_be_tables
        self.table_params = (_names(tables.effects["param"]) | _names(tables.effects["adoption"])
                             | _names(tables.channels["adoption"]))
        self.used_params = used_parameters(scenario)
        self.applied = applied_measures(comparison)
        self.as_is_linear = LinearCosts(
            comparison.as_is_tables, comparison.as_is.steps["executions_per_case"].to_numpy(),
            model.unit_costs)
        self.to_be_linear = LinearCosts(
            tables, comparison.to_be.steps["executions_per_case"].to_numpy(), model.unit_costs,
            self.values)
        self.base_as_is = self.as_is_linear.costs({})
        self._as_is_arrays = self.as_is_linear.cost_arrays({})

    def to_be(self, values: dict[str, float]) -> pd.DataFrame:
        return self.to_be_linear.costs(values)

    def saved(self, values: dict[str, float]) -> np.ndarray:
        """Per-procedure savings (procedures × SAVING_COLUMNS) at ``values``."""
        return _saved(self._as_is_arrays, self.to_be_linear.cost_arrays(values))

    def through_tables(self, key: str, values: dict[str, float]) -> bool:
        """Whether ``values`` (the scenario's with ``key`` changed) reach these tables: the
        parameter itself, or one the effects' parameters are derived from (an uptake from
        its adoption curve)."""
        return key in self.table_params or any(
            value(k, values) != value(k, self.values) for k in self.table_params)

    def k0_again(self, key: str, ends: list[float], ids: list[str]) -> list[pd.DataFrame]:
        """The costed to-be procedures of ``ids`` (those the measure changed) with a
        parameter the measure bakes into its effects' k0 (``measures.K0_PARAMETERS``) at
        each of ``ends``: the to-be tables of ``ids`` with those effects' k0 set for each
        end — the tables applying the scenario again makes, as applying it changes
        nothing else — without building a graph (a 30,000-procedure report spent 8.5 s
        building and changing the RPA procedures' graphs). Only the steps' minutes
        differ from the to-be's, so the to-be's costing basis is kept: its flows,
        coefficients and procedure coefficients, for those procedures' rows
        (``cost_model.costs.compute_costs`` with a basis; a third of a chunk's
        sensitivity part solved their flows and scored their readiness again)."""
        measure, k0_of = K0_PARAMETERS[key]
        tables, (procedure_rows, step_rows) = procedure_tables(self.comparison.to_be_tables,
                                                               ids, rows=True)
        basis = self._to_be_basis(procedure_rows, step_rows)
        effects = tables.effects
        mine = np.flatnonzero((effects["measure"] == measure).to_numpy())
        minutes = tables.steps["typical_minutes"].to_numpy()[
            effects["step_row"].to_numpy()[mine]].tolist()
        costed = []
        for end in ends:
            k0 = effects["k0"].to_numpy(dtype=float).copy()
            k0[mine] = [k0_of(end, m) for m in minutes]
            changed = replace(tables, effects=effects.assign(k0=k0))
            costed.append(compute_costs(
                *tables_for_costing(changed, parameter_values(scenario_with(self.scenario, key,
                                                                             end))),
                self.model.unit_costs, self.model.rubric, basis).procedures)
        return costed

    def _to_be_basis(self, procedure_rows: np.ndarray, step_rows: np.ndarray) -> CostBasis:
        """The to-be costing's basis of some of its procedures and their steps (rows of
        its tables): what ``cost_basis`` makes of their tables alone, since a procedure's
        flow, coefficients and visits depend on its own rows (readiness levels left out:
        the savings do not read them)."""
        steps = self.comparison.to_be.steps
        linear = self.to_be_linear
        kind = linear.kinds.kind[step_rows]
        extra = linear.proc_coef

        def column(name: str) -> np.ndarray:
            return steps[name].to_numpy()[step_rows]
        return CostBasis(
            cast(FlowStructure, None), column("executions_per_case"), column("executions"),
            StepCoefficients(linear.step_coef.per_hour[kind], linear.step_coef.per_execution[kind]),
            column("section"), column("wait_days_per_case"),
            ProcedureCoefficients(extra.per_visit[procedure_rows], extra.per_mailed[procedure_rows],
                                  extra.per_case[procedure_rows],
                                  extra.visit_required[procedure_rows]),
            pd.DataFrame(index=pd.RangeIndex(len(procedure_rows))))

    def unit_cost(self, key: str, factor: float) -> np.ndarray:
        """Per-procedure savings (procedures × SAVING_COLUMNS) with one unit cost (and
        every section's) × ``factor``."""
        table = scaled(self.model.unit_costs, key, factor)
        return _saved(self.as_is_linear.unit_cost_arrays(table),
                      self.to_be_linear.unit_cost_arrays(table))


def sensitivity_part(model: ProjectModel, scenario: Scenario, comparison: Comparison,
                     progress: Progress | None = None, cancel: CancelCheck | None = None,
                     total: int = 0) -> SensitivityPart:
    """What ``analysis.sensitivity`` needs of ``comparison``'s procedures (a top-level
    function of picklable data: a run's chunks make it where they run). ``progress``
    counts the tornado's assumptions (of ``total``); raises
    :class:`analysis.montecarlo.SimulationCancelled` when ``cancel()`` turns true."""
    from analysis.montecarlo import SimulationCancelled

    evaluator = Evaluator(model, scenario, comparison)
    base = evaluator.saved(evaluator.values)
    part = SensitivityPart(comparison.as_is.procedures["procedure_id"].tolist(), base,
                           evaluator.table_params)
    jobs = [("parameter", k) for k in TORNADO_PARAMETERS]
    jobs += [("unit_cost", k) for k in UNIT_COST_RANGES if k in model.unit_costs.project]
    for done, (kind, key) in enumerate(jobs):
        if cancel is not None and cancel():
            raise SimulationCancelled
        if progress is not None:
            progress(done, total, key)
        if kind == "unit_cost":
            # Every cost is linear in each unit cost: the low end follows from the high.
            part.unit_costs[key] = _delta(base, evaluator.unit_cost(key,
                                                                    UNIT_COST_RANGES[key][1]))
            continue
        p = PARAMETERS[key]
        baked = []
        for i, end in enumerate((p.low, p.high)):
            values = {**evaluator.values, key: end}
            if evaluator.through_tables(key, values):
                part.by_tables[(key, i)] = _delta(base, evaluator.saved(values))
            else:
                baked.append(i)
        ids = changed_by(scenario, evaluator.applied, key)
        if baked and key in K0_PARAMETERS and key in evaluator.used_params and ids:
            rows = pd.Series(np.arange(len(base)), index=part.procedure_ids)
            again = evaluator.k0_again(key, [(p.low, p.high)[i] for i in baked], ids)
            for i, to_be in zip(baked, again, strict=True):
                where = rows.reindex(to_be["procedure_id"].to_numpy()).to_numpy()
                part.baked[(key, i)] = (where, _array(savings_frame(
                    comparison.as_is.procedures.iloc[where], to_be)))
    # The top-20 stability: uptake low and high, the uptake curve in other years. An uptake
    # parameter these tables do not use changes none of their figures.
    adoption = adoption_parameters(evaluator.table_params, evaluator.used_params)
    for side in ("low", "high"):
        values = {**evaluator.values, **{k: getattr(PARAMETERS[k], side) for k in adoption}}
        part.uptake[side] = _delta(base, evaluator.saved(values))
    if "adoption_year" in PARAMETERS:
        for year in ADOPTION_YEARS:
            values = {**evaluator.values, "adoption_year": float(year)}
            part.uptake[f"year{year}"] = _delta(base, evaluator.saved(values))
    return part
