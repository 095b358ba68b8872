"""Sensitivity analysis: what each assumption does to the city-wide saving and the ranking.

- **Tornado**: the deterministic city-wide savings with one assumption at its low, then
  its high end, every other at its value — each measure parameter over its published
  range (``analysis.params``) and key unit costs over :data:`UNIT_COST_RANGES`. Bars are
  ordered by swing; each bar brackets the base (its ends are the min and max of the
  figure at low, base and high).
- **Stability of the top 20** of the where-to-start list when the value of citizen time
  and the uptake (every ``*_adoption`` parameter together) vary: Spearman rank correlation
  over the procedures in either top 20, and how many stay in the top 20 (and top 10).

Every figure is the same deterministic pipeline as the headline (``analysis.compare``,
``analysis.ranking``), re-run with the changed assumption, to the last digit:

- parameters that act through the to-be tables (multipliers, uptake) re-cost, without
  re-applying the measures, only the procedures whose effects or channels use them, and
  a unit cost only the cost columns it enters (``analysis.linear_costs``);
- a parameter a measure bakes into its effects' k0 (``measures.K0_PARAMETERS``:
  ``rpa_check_minutes``) sets that k0 again in the to-be tables of the procedures the
  measure changed and costs only their to-be (their as-is is the comparison's);
- any other parameter used by the scenario's measures is probed on a few procedures
  (``e_approval_wait_retained`` changes waiting days only, never a cost) and, if it
  changes a cost, the scenario is applied again to the procedures its measures changed,
  building each graph once for both ends of the bar.

Examples
--------
>>> spearman([1, 2, 3, 4], [1, 2, 4, 3])
0.8
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.compare import COMPARE_BATCH, Comparison, ProjectModel, compare, parameter_values
from analysis.graph import graph_batches
from analysis.linear_costs import LinearCosts
from analysis.measures import K0_PARAMETERS, MEASURES
from analysis.params import PARAMETERS, value
from analysis.ranking import effort_of, priorities
from analysis.scenario import MeasureUse, Scenario, apply_to_procedure
from analysis.tabular import ProcessTables, TableBuilder, tables_for_costing
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from cost_model.costs import COST_COLUMNS, compute_costs
from cost_model.unit_costs import UnitCostTable, UnitCostValue

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

METRICS = ("staff_economic_yen", "staff_time_h", "citizen_time_h", "citizen_visits")
TOP = 20
# Monte Carlo spreads: they widen P5–P95 but do not move the deterministic figure.
SPREAD_ONLY = ("volume_spread", "rework_spread")
_RANGE_SOURCE_JA = "提案値: 単価の不確かさの幅（{low:.0%}～{high:.0%}）"
_RANGE_SOURCE_EN = "proposal: uncertainty of a unit cost ({low:.0%}–{high:.0%})"
# Key unit costs and the factor range they are varied over (low, high), with why.
UNIT_COST_RANGES: dict[str, tuple[float, float, str]] = {
    "hourly_cost_regular": (0.8, 1.2, "自治体・職層による人件費単価の差（±20%）"),
    "hourly_cost_fiscal_year": (0.8, 1.2, "最低賃金・社会保険料の地域差（±20%）"),
    "citizen_travel_minutes": (0.5, 1.5, "中心部と郊外の移動時間の差（±50%）"),
    "citizen_counter_wait_minutes": (0.5, 1.5, "繁忙期と閑散期の待ち時間の差（±50%）"),
    "attachment_fetch_minutes": (0.5, 1.5, "コンビニ交付と窓口取得の差（±50%）"),
    "paper_cost_per_sheet_yen": (0.5, 2.0, "用紙・トナー・複合機契約の差"),
}
CITIZEN_TIME_FACTORS = (0.0, 0.5, 2.0)
PROBE = 40  # procedures re-applied to see whether a baked-in parameter changes any cost


@dataclass(frozen=True, slots=True)
class TornadoBar:
    """One assumption at its low and high end: the city-wide savings at each end."""

    key: str
    kind: str                  # "parameter" or "unit_cost"
    label_ja: str
    label_en: str
    unit: str
    base_input: float
    low_input: float
    high_input: float
    at_low: dict[str, float]   # METRICS → city-wide saving with the input at its low end
    at_high: dict[str, float]
    source: str

    def ends(self, metric: str, base: float) -> tuple[float, float]:
        """(left, right) of the bar: it always brackets the base figure."""
        values = (self.at_low[metric], base, self.at_high[metric])
        return min(values), max(values)

    def swing(self, metric: str) -> float:
        return abs(self.at_high[metric] - self.at_low[metric])

    def label(self, lang: str = "ja") -> str:
        return self.label_ja if lang == "ja" else self.label_en


@dataclass(frozen=True, slots=True)
class RankStability:
    """The top 20 under a changed assumption, against the base list."""

    key: str
    label_ja: str
    label_en: str
    spearman: float            # over the procedures in either top 20 (1 = same order)
    overlap: int               # procedures of the base top 20 still in the top 20
    overlap_top10: int
    top: int
    entered: list[str]         # names that enter the top 10
    left: list[str]            # names that leave the top 10

    def label(self, lang: str = "ja") -> str:
        return self.label_ja if lang == "ja" else self.label_en


@dataclass(slots=True)
class SensitivityResult:
    base: dict[str, float]           # METRICS → the deterministic city-wide saving
    bars: list[TornadoBar]           # ordered by swing of ``metric``, largest first
    no_effect: list[str]             # assumptions that do not move the figures here
    stability: list[RankStability]
    metric: str = "staff_economic_yen"
    metrics: list[str] = field(default_factory=lambda: list(METRICS))

    def ordered(self, metric: str) -> list[TornadoBar]:
        return sorted(self.bars, key=lambda b: -b.swing(metric))


def spearman(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    """Spearman rank correlation of two equally long sequences (ties get mean ranks)."""
    ra = pd.Series(np.asarray(a, dtype=float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, dtype=float)).rank().to_numpy()
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return 1.0
    return round(float(np.corrcoef(ra, rb)[0, 1]), 6)


SAVING_COLUMNS = ["staff_economic_yen", "staff_time_h", "citizen_economic_yen", "citizen_time_h",
                  "citizen_visits"]


def _savings(as_is: pd.DataFrame, to_be: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: as_is[c].to_numpy(float) - to_be[c].to_numpy(float)
                         for c in SAVING_COLUMNS})


def _scaled(table: UnitCostTable, key: str, factor: float) -> UnitCostTable:
    """A copy with one unit cost (project value and every section's) multiplied."""
    entry = table.project[key]
    project = {**table.project, key: UnitCostValue(key, entry.value * factor, entry.source, False)}
    sections = {s: {**v, key: UnitCostValue(key, v[key].value * factor, v[key].source, False)}
                if key in v else v for s, v in table.sections.items()}
    return UnitCostTable(project, sections)


def _with_value(table: UnitCostTable, key: str, value: float) -> UnitCostTable:
    entry = table.project[key]
    return UnitCostTable({**table.project, key: UnitCostValue(key, value, entry.source, False)},
                         table.sections)


def _scenario_with(scenario: Scenario, key: str, value: float) -> Scenario:
    """The scenario with a parameter set on every measure that uses it."""
    uses = [MeasureUse(u.measure, {**u.params, key: value}, u.rule)
            if key in MEASURES[u.measure].parameters else u for u in scenario.measures]
    return replace(scenario, measures=uses)


class _Evaluator:
    """Deterministic re-costing of one comparison under changed assumptions."""

    def __init__(self, model: ProjectModel, scenario: Scenario, comparison: Comparison) -> None:
        self.model, self.scenario, self.comparison = model, scenario, comparison
        self.values = parameter_values(scenario)
        tables = comparison.to_be_tables
        self.table_params = (_names(tables.effects["param"]) | _names(tables.effects["adoption"])
                             | _names(tables.channels["adoption"]))
        self.used_params = {k for u in scenario.measures for k in MEASURES[u.measure].parameters}
        self.applied: dict[str, list[str]] = {}  # measure → procedures, in the log's order
        package: dict[str, dict[str, None]] = {}  # procedure → its measures, each once
        for application in comparison.applications:
            if application.applied:
                self.applied.setdefault(application.measure, []).append(application.procedure_id)
                package.setdefault(application.procedure_id, {})[application.measure] = None
        self.efforts = _efforts(comparison, package)
        self.as_is_linear = LinearCosts(
            comparison.as_is_tables, comparison.as_is.steps["executions_per_case"].to_numpy(),
            model.unit_costs)
        self.to_be_linear = LinearCosts(
            tables, comparison.to_be.steps["executions_per_case"].to_numpy(), model.unit_costs,
            self.values)
        self.base_as_is = self.as_is_linear.costs({})
        self.probed: dict[str, bool] = {}

    def to_be(self, values: dict[str, float]) -> pd.DataFrame:
        return self.to_be_linear.costs(values)

    def parameter(self, key: str, ends: tuple[float, ...]) -> list[pd.DataFrame | None]:
        """Per-procedure savings with one parameter at each of ``ends`` (None: no effect
        here at that end)."""
        out: list[pd.DataFrame | None] = [None] * len(ends)
        baked = []
        for i, value_ in enumerate(ends):
            values = {**self.values, key: value_}
            # Through the tables: the parameter itself, or one the effects' parameters are
            # derived from (an uptake from its adoption curve).
            if key in self.table_params or any(
                    value(k, values) != value(k, self.values) for k in self.table_params):
                out[i] = _savings(self.base_as_is, self.to_be(values))
            else:
                baked.append(i)
        if not baked or key not in self.used_params:
            return out
        # Baked into the to-be graphs when the measures apply (e.g. rpa_check_minutes):
        # the procedures those measures changed are costed again with the parameter at
        # each end, the others keep their figures.
        ids = sorted({pid for u in self.scenario.measures if key in MEASURES[u.measure].parameters
                      for pid in self.applied.get(u.measure, [])})
        if not ids:
            return out
        if key in K0_PARAMETERS:  # set again in the to-be tables: no graph is built
            again = self._k0_again(key, [ends[i] for i in baked], ids)
        else:
            if key not in self.probed:
                # Some such parameters change only waiting days (lead time), never a cost:
                # a probe on a few of the procedures tells, before re-applying to all.
                self.probed[key] = self._changes_costs(key, ends[baked[0]], ids[:PROBE])
            if not self.probed[key]:
                return out
            again = self._to_be_again(key, [ends[i] for i in baked], ids)
        saved = _savings(self.base_as_is, self.to_be(self.values))
        rows = pd.Series(np.arange(len(saved)),
                         index=self.comparison.as_is.procedures["procedure_id"].to_numpy())
        for i, to_be in zip(baked, again, strict=True):
            where = rows.reindex(to_be["procedure_id"].to_numpy()).to_numpy()
            changed = saved.copy()
            changed.iloc[where] = _savings(self.comparison.as_is.procedures.iloc[where],
                                           to_be).to_numpy()
            out[i] = changed
        return out

    def _to_be_again(self, key: str, ends: list[float], ids: list[str]) -> list[pd.DataFrame]:
        """The costed to-be procedures of ``ids`` with the scenario applied again with
        ``key`` at each of ``ends``: each graph is built once (a batch at a time) and
        changed for every end (copied for all but the last), and only the to-be is costed —
        the as-is of these procedures is the comparison's."""
        scenarios = [_scenario_with(self.scenario, key, end) for end in ends]
        builders = [TableBuilder() for _ in ends]
        rubric = self.model.rubric
        for batch in graph_batches(self.model.graphs, COMPARE_BATCH, ids):
            for n, (scenario, builder) in enumerate(zip(scenarios, builders, strict=True)):
                last = n == len(scenarios) - 1
                builder.add({pid: apply_to_procedure(pid, graph, scenario, rubric,
                                                     owned and last)[0]
                             for pid, graph, owned in batch})
            del batch
        return [self._cost(builder.tables(), scenario)
                for scenario, builder in zip(scenarios, builders, strict=True)]

    def _k0_again(self, key: str, ends: list[float], ids: list[str]) -> list[pd.DataFrame]:
        """What :meth:`_to_be_again` gives for a parameter the measure bakes into its
        effects' k0 (``measures.K0_PARAMETERS``): the to-be tables of ``ids`` with those
        effects' k0 set for each end — the tables applying the scenario again makes, as
        applying it changes nothing else — without building a graph (a 30,000-procedure
        report spent 8.5 s building and changing the RPA procedures' graphs)."""
        measure, k0_of = K0_PARAMETERS[key]
        tables = procedure_tables(self.comparison.to_be_tables, ids)
        effects = tables.effects
        mine = np.flatnonzero((effects["measure"] == measure).to_numpy())
        minutes = tables.steps["typical_minutes"].to_numpy()[
            effects["step_row"].to_numpy()[mine]].tolist()
        out = []
        for end in ends:
            k0 = effects["k0"].to_numpy(dtype=float).copy()
            k0[mine] = [k0_of(end, m) for m in minutes]
            changed = replace(tables, effects=effects.assign(k0=k0))
            out.append(self._cost(changed, _scenario_with(self.scenario, key, end)))
        return out

    def _cost(self, tables: ProcessTables, scenario: Scenario) -> pd.DataFrame:
        return compute_costs(*tables_for_costing(tables, parameter_values(scenario)),
                             self.model.unit_costs, self.model.rubric).procedures

    def _changes_costs(self, key: str, value_: float, ids: list[str]) -> bool:
        after = self._to_be_again(key, [value_], ids)[0].set_index("procedure_id")
        before = self.comparison.to_be.procedures.set_index("procedure_id").loc[ids, COST_COLUMNS]
        return not np.allclose(before.to_numpy(float), after.loc[ids, COST_COLUMNS].to_numpy(float),
                               rtol=1e-12)

    def unit_cost(self, key: str, factor: float) -> pd.DataFrame:
        """Per-procedure savings with one unit cost (and every section's) × ``factor``."""
        table = _scaled(self.model.unit_costs, key, factor)
        return _savings(self.as_is_linear.with_unit_costs(table),
                        self.to_be_linear.with_unit_costs(table))


def procedure_tables(tables: ProcessTables, ids: list[str]) -> ProcessTables:
    """The tables of some procedures only (rows numbered from 0, in the tables' order):
    those :class:`analysis.tabular.TableBuilder` makes of their graphs alone."""
    chosen = set(ids)
    procedures = np.flatnonzero(tables.procedures["procedure_id"].isin(chosen).to_numpy())
    steps = np.flatnonzero(tables.steps["procedure_id"].isin(chosen).to_numpy())
    links = tables.links["procedure_id"].isin(chosen).to_numpy()
    effects = tables.effects[tables.effects["step_row"].isin(steps).to_numpy()]
    channels = tables.channels[tables.channels["procedure_row"].isin(procedures).to_numpy()]
    return ProcessTables(
        tables.procedures.iloc[procedures].reset_index(drop=True),
        tables.steps.iloc[steps].reset_index(drop=True),
        tables.links[links].reset_index(drop=True),
        effects.assign(step_row=np.searchsorted(steps, effects["step_row"].to_numpy()))
        .reset_index(drop=True),
        channels.assign(procedure_row=np.searchsorted(
            procedures, channels["procedure_row"].to_numpy())).reset_index(drop=True))


def _names(column: pd.Series) -> set[str]:
    return {k for k in column.unique() if isinstance(k, str)}


def _efforts(comparison: Comparison, package: dict[str, dict[str, None]]) -> pd.Series:
    """``ranking.package_efforts`` from the packages already gathered (one pass over the
    log, not two)."""
    procedures = comparison.as_is.procedures
    return pd.Series([float(effort_of(list(package[pid]), int(level))[0]) if pid in package
                      else np.nan
                      for pid, level in zip(procedures["procedure_id"], procedures["level"],
                                            strict=True)])


def _city(saved: pd.DataFrame) -> dict[str, float]:
    return {m: float(saved[m].sum()) for m in METRICS}


def _order(saved: pd.DataFrame, efforts: pd.Series, unit_costs: UnitCostTable,
           procedure_ids: np.ndarray) -> list[str]:
    """Procedure IDs in ranking order (the list the app shows, without the detail)."""
    priority = priorities(saved, efforts.to_numpy(), unit_costs)
    frame = pd.DataFrame({"pid": procedure_ids, "priority": priority})
    frame = frame[np.isfinite(frame["priority"]) & (frame["priority"] > 0)]
    return frame.sort_values(["priority", "pid"], ascending=[False, True])["pid"].tolist()


def _stability(key: str, ja: str, en: str, base: list[str], other: list[str],
               names: dict[str, str]) -> RankStability:
    union = list(dict.fromkeys(base[:TOP] + other[:TOP]))
    position_base = {pid: i for i, pid in enumerate(base)}
    position_other = {pid: i for i, pid in enumerate(other)}
    missing_base, missing_other = len(base), len(other)
    rho = spearman([position_base.get(p, missing_base) for p in union],
                   [position_other.get(p, missing_other) for p in union])
    top10_base, top10_other = base[:10], other[:10]
    return RankStability(
        key, ja, en, rho, len(set(base[:TOP]) & set(other[:TOP])),
        len(set(top10_base) & set(top10_other)), TOP,
        [names.get(p, p) for p in top10_other if p not in top10_base],
        [names.get(p, p) for p in top10_base if p not in top10_other])


def sensitivity(model: ProjectModel, scenario: Scenario, comparison: Comparison | None = None,
                progress: Progress | None = None, cancel: CancelCheck | None = None
                ) -> SensitivityResult:
    """Tornado of the city-wide savings and stability of the top 20 (deterministic).

    Raises :class:`analysis.montecarlo.SimulationCancelled` when ``cancel()`` turns true.
    """
    from analysis.montecarlo import SimulationCancelled

    comparison = comparison or compare(model, scenario)
    evaluator = _Evaluator(model, scenario, comparison)
    base_saved = _savings(evaluator.base_as_is, evaluator.to_be(evaluator.values))
    base = _city(base_saved)
    # Derived parameters (computed from others, e.g. an uptake from its adoption curve)
    # move with the parameters they come from, so only those get a bar.
    jobs: list[tuple[str, str]] = [("parameter", k) for k, p in PARAMETERS.items()
                                   if k not in SPREAD_ONLY and not getattr(p, "derived", False)]
    jobs += [("unit_cost", k) for k in UNIT_COST_RANGES if k in model.unit_costs.project]
    total = len(jobs) + 2
    bars: list[TornadoBar] = []
    no_effect: list[str] = list(SPREAD_ONLY)
    variants: dict[str, pd.DataFrame] = {}
    for done, (kind, key) in enumerate(jobs):
        if cancel is not None and cancel():
            raise SimulationCancelled
        if progress is not None:
            progress(done, total, key)
        if kind == "parameter":
            p = PARAMETERS[key]
            current = float(np.clip(evaluator.values.get(key, p.default), p.low, p.high))
            low, high = evaluator.parameter(key, (p.low, p.high))
            if low is None or high is None:
                no_effect.append(key)
                continue
            variants[f"{key}:low"], variants[f"{key}:high"] = low, high
            bar = TornadoBar(key, kind, p.ja, p.en, p.unit, current, p.low, p.high,
                             _city(low), _city(high), p.source)
        else:
            f_low, f_high, why = UNIT_COST_RANGES[key]
            default = DEFAULTS_BY_KEY[key]
            current = model.unit_costs.value(key)
            # Every cost is linear in each unit cost, so the low end follows from the high.
            high = evaluator.unit_cost(key, f_high)
            low = base_saved + (high - base_saved) * ((f_low - 1) / (f_high - 1))
            bar = TornadoBar(key, kind, default.ja, default.en, default.unit, current,
                             current * f_low, current * f_high, _city(low), _city(high),
                             f"提案値: {why}")
        if max(bar.swing(m) for m in METRICS) <= 1e-9 * max(1.0, abs(base["staff_time_h"])):
            no_effect.append(key)
        else:
            bars.append(bar)
    bars.sort(key=lambda b: (-b.swing("staff_economic_yen"), b.key))

    if progress is not None:
        progress(len(jobs), total, "順位の安定性")
    ids = comparison.as_is.procedures["procedure_id"].to_numpy()
    names = dict(zip(ids, comparison.as_is.procedures["name"], strict=True))
    efforts = evaluator.efforts
    unit_costs = model.unit_costs
    base_order = _order(base_saved, efforts, unit_costs, ids)
    stability: list[RankStability] = []
    hourly = unit_costs.value("citizen_hourly_value")
    for factor in CITIZEN_TIME_FACTORS:
        changed = _with_value(unit_costs, "citizen_hourly_value", hourly * factor)
        order = _order(base_saved, efforts, changed, ids)
        stability.append(_stability(
            f"citizen_hourly_value={hourly * factor:g}",
            f"市民の時間価値 {hourly * factor:,.0f}円/時（基準 {hourly:,.0f}円）",
            f"value of citizen time ¥{hourly * factor:,.0f}/h (base ¥{hourly:,.0f})",
            base_order, order, names))
    changed = _with_value(unit_costs, "ranking_citizen_weight", 0.0)
    stability.append(_stability(
        "ranking_citizen_weight=0", "市民の便益を数えない（職員の削減額だけ）",
        "citizen benefit not counted (staff savings only)",
        base_order, _order(base_saved, efforts, changed, ids), names))
    adoption = [k for k in PARAMETERS if k.endswith("_adoption")
                and (k in evaluator.table_params or k in evaluator.used_params)]
    if adoption:
        for end, ja, en in (("low", "低い", "low"), ("high", "高い", "high")):
            values = {**evaluator.values,
                      **{k: getattr(PARAMETERS[k], end) for k in adoption}}
            saved = _savings(evaluator.base_as_is, evaluator.to_be(values))
            stability.append(_stability(
                f"uptake={end}", f"利用率が{ja}場合（{'・'.join(PARAMETERS[k].ja for k in adoption)}）",
                f"{en} uptake ({', '.join(PARAMETERS[k].en for k in adoption)})",
                base_order, _order(saved, efforts, unit_costs, ids), names))
    if adoption and "adoption_year" in PARAMETERS:  # uptake as a curve over fiscal years
        for year in (1, 5):
            values = {**evaluator.values, "adoption_year": float(year)}
            saved = _savings(evaluator.base_as_is, evaluator.to_be(values))
            stability.append(_stability(
                f"adoption_year={year}", f"利用率の曲線の{year}年目", f"uptake curve, year {year}",
                base_order, _order(saved, efforts, unit_costs, ids), names))
    if progress is not None:
        progress(total, total, "完了")
    return SensitivityResult(base, bars, no_effect, stability)
