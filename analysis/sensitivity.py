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
``analysis.ranking``), re-run with the changed assumption, to the last digit. The
re-costing per procedure is :func:`analysis.sensitivity_part.sensitivity_part`'s, made of
the whole comparison here or, in the report, of each chunk of procedures where the run
applies the scenario to it (``analysis.simulate.ChunkWork``); this module joins the parts
and makes the city figures and the rankings:

- parameters that act through the to-be tables (multipliers, uptake) re-cost, without
  re-applying the measures, only the procedures whose effects or channels use them, and
  a unit cost only the cost columns it enters (``analysis.linear_costs``);
- a parameter a measure bakes into its effects' k0 (``measures.K0_PARAMETERS``:
  ``rpa_check_minutes``) sets that k0 again in the to-be tables of the procedures the
  measure changed and costs only their to-be (their as-is is the comparison's);
- any other parameter used by the scenario's measures is probed on a few procedures
  (``e_approval_wait_retained`` changes waiting days only, never a cost) and, if it
  changes a cost, the scenario is applied again to the procedures its measures changed,
  building each graph once for both ends of the bar (here: it needs the process graphs).

Examples
--------
>>> spearman([1, 2, 3, 4], [1, 2, 4, 3])
0.8
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.compare import COMPARE_BATCH, Comparison, ProjectModel, compare, parameter_values
from analysis.graph import graph_batches
from analysis.measures import K0_PARAMETERS
from analysis.params import PARAMETERS
from analysis.ranking import effort_of, priorities
from analysis.scenario import Scenario, apply_to_procedure
from analysis.sensitivity_part import (
    ADOPTION_YEARS,
    METRICS,
    SAVING_COLUMNS,
    SPREAD_ONLY,
    TORNADO_PARAMETERS,
    UNIT_COST_RANGES,
    Rows,
    SensitivityPart,
    adoption_parameters,
    applied_measures,
    as_frame,
    changed_by,
    cost_to_be,
    savings_frame,
    scenario_with,
    sensitivity_part,
    used_parameters,
)
from analysis.tabular import TableBuilder
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from cost_model.costs import COST_COLUMNS
from cost_model.unit_costs import UnitCostTable, UnitCostValue

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

__all__ = ["METRICS", "UNIT_COST_RANGES", "RankStability", "SensitivityPart", "SensitivityResult",
           "TornadoBar", "sensitivity", "sensitivity_from_parts", "sensitivity_part", "spearman"]

TOP = 20
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


def _with_value(table: UnitCostTable, key: str, value: float) -> UnitCostTable:
    entry = table.project[key]
    return UnitCostTable({**table.project, key: UnitCostValue(key, value, entry.source, False)},
                         table.sections)


class _Joined:
    """The parts of a project's procedures joined in their order, and what needs the
    process graphs: a baked-in parameter other than a k0 one, applied again."""

    def __init__(self, model: ProjectModel, scenario: Scenario, comparison: Comparison,
                 parts: list[SensitivityPart]) -> None:
        self.model, self.scenario, self.comparison, self.parts = model, scenario, comparison, parts
        ids = comparison.as_is.procedures["procedure_id"].tolist()
        if [pid for part in parts for pid in part.procedure_ids] != ids:
            raise RuntimeError("the sensitivity parts are not the comparison's procedures")
        self.values = parameter_values(scenario)
        self.table_params: set[str] = set().union(*(part.table_params for part in parts))
        self.used_params = used_parameters(scenario)
        self.applied = applied_measures(comparison)
        package: dict[str, dict[str, None]] = {}  # procedure → its measures, each once
        for application in comparison.applications:
            if application.applied:
                package.setdefault(application.procedure_id, {})[application.measure] = None
        self.efforts = _efforts(comparison, package)
        self.base = self.join(lambda _part: None)
        self.probed: dict[str, bool] = {}

    def join(self, rows_of: Callable[[SensitivityPart], Rows | None]) -> pd.DataFrame:
        """Every procedure's savings: each part's base with its rows ``rows_of`` gives."""
        if not self.parts:
            return as_frame(np.zeros((0, len(SAVING_COLUMNS))))
        return as_frame(np.concatenate([part.saved(rows_of(part)) for part in self.parts]))

    def join_at(self, kind: str, at: object) -> pd.DataFrame:
        """:meth:`join` of the rows each part keeps at ``at`` in its dict ``kind``
        (``by_tables``, ``baked``, ``unit_costs``, ``uptake``; none: the base's)."""
        return self.join(lambda part: getattr(part, kind).get(at))

    def parameter(self, key: str, ends: tuple[float, ...]) -> list[pd.DataFrame | None]:
        """Per-procedure savings with one parameter at each of ``ends`` (None: no effect
        here at that end)."""
        out: list[pd.DataFrame | None] = [None] * len(ends)
        baked = []
        for i in range(len(ends)):
            # Through the tables where any part's tables use the change (elsewhere the
            # figures are the base's).
            if any((key, i) in part.by_tables for part in self.parts):
                out[i] = self.join_at("by_tables", (key, i))
            else:
                baked.append(i)
        if not baked or key not in self.used_params:
            return out
        # Baked into the to-be graphs when the measures apply (e.g. rpa_check_minutes):
        # the procedures those measures changed are costed again with the parameter at
        # each end, the others keep their figures.
        ids = changed_by(self.scenario, self.applied, key)
        if not ids:
            return out
        if key in K0_PARAMETERS:  # set again in the parts' to-be tables
            for i in baked:
                out[i] = self.join_at("baked", (key, i))
            return out
        if key not in self.probed:
            # Some such parameters change only waiting days (lead time), never a cost: a
            # probe on a few of the procedures tells, before re-applying to all.
            self.probed[key] = self._changes_costs(key, ends[baked[0]], ids[:PROBE])
        if not self.probed[key]:
            return out
        again = self._to_be_again(key, [ends[i] for i in baked], ids)
        rows = pd.Series(np.arange(len(self.base)),
                         index=self.comparison.as_is.procedures["procedure_id"].to_numpy())
        for i, to_be in zip(baked, again, strict=True):
            where = rows.reindex(to_be["procedure_id"].to_numpy()).to_numpy()
            changed = self.base.copy()
            changed.iloc[where] = savings_frame(self.comparison.as_is.procedures.iloc[where],
                                                to_be).to_numpy()
            out[i] = changed
        return out

    def _to_be_again(self, key: str, ends: list[float], ids: list[str]) -> list[pd.DataFrame]:
        """The costed to-be procedures of ``ids`` with the scenario applied again with
        ``key`` at each of ``ends``: each graph is built once (a batch at a time) and
        changed for every end (copied for all but the last), and only the to-be is costed —
        the as-is of these procedures is the comparison's."""
        scenarios = [scenario_with(self.scenario, key, end) for end in ends]
        builders = [TableBuilder() for _ in ends]
        rubric = self.model.rubric
        for batch in graph_batches(self.model.graphs, COMPARE_BATCH, ids):
            for n, (scenario, builder) in enumerate(zip(scenarios, builders, strict=True)):
                last = n == len(scenarios) - 1
                builder.add({pid: apply_to_procedure(pid, graph, scenario, rubric,
                                                     owned and last)[0]
                             for pid, graph, owned in batch})
            del batch
        return [cost_to_be(self.model, builder.tables(), scenario)
                for scenario, builder in zip(scenarios, builders, strict=True)]

    def _changes_costs(self, key: str, value_: float, ids: list[str]) -> bool:
        after = self._to_be_again(key, [value_], ids)[0].set_index("procedure_id")
        before = self.comparison.to_be.procedures.set_index("procedure_id").loc[ids, COST_COLUMNS]
        return not np.allclose(before.to_numpy(float), after.loc[ids, COST_COLUMNS].to_numpy(float),
                               rtol=1e-12)


def sensitivity(model: ProjectModel, scenario: Scenario, comparison: Comparison | None = None,
                progress: Progress | None = None, cancel: CancelCheck | None = None
                ) -> SensitivityResult:
    """Tornado of the city-wide savings and stability of the top 20 (deterministic).

    Raises :class:`analysis.montecarlo.SimulationCancelled` when ``cancel()`` turns true.
    """
    comparison = comparison or compare(model, scenario)
    total = len(TORNADO_PARAMETERS) + sum(k in model.unit_costs.project
                                          for k in UNIT_COST_RANGES) + 2
    part = sensitivity_part(model, scenario, comparison, progress, cancel, total)
    return sensitivity_from_parts(model, scenario, comparison, [part], progress, cancel)


def sensitivity_from_parts(model: ProjectModel, scenario: Scenario, comparison: Comparison,
                           parts: list[SensitivityPart], progress: Progress | None = None,
                           cancel: CancelCheck | None = None) -> SensitivityResult:
    """:func:`sensitivity` of the parts of the project's procedures, in their order
    (``sensitivity_part`` of each chunk's comparison); ``comparison`` needs per-procedure
    costs and the log of applications only (no tables), as the run's joined analysis
    holds. The figures are those of the whole comparison's one part, to the last digit."""
    from analysis.montecarlo import SimulationCancelled

    joined = _Joined(model, scenario, comparison, parts)
    base_saved = joined.base
    base = _city(base_saved)
    jobs: list[tuple[str, str]] = [("parameter", k) for k in TORNADO_PARAMETERS]
    jobs += [("unit_cost", k) for k in UNIT_COST_RANGES if k in model.unit_costs.project]
    total = len(jobs) + 2
    bars: list[TornadoBar] = []
    no_effect: list[str] = list(SPREAD_ONLY)
    for kind, key in jobs:
        if cancel is not None and cancel():
            raise SimulationCancelled
        if kind == "parameter":
            p = PARAMETERS[key]
            current = float(np.clip(joined.values.get(key, p.default), p.low, p.high))
            low, high = joined.parameter(key, (p.low, p.high))
            if low is None or high is None:
                no_effect.append(key)
                continue
            bar = TornadoBar(key, kind, p.ja, p.en, p.unit, current, p.low, p.high,
                             _city(low), _city(high), p.source)
        else:
            f_low, f_high, why = UNIT_COST_RANGES[key]
            default = DEFAULTS_BY_KEY[key]
            current = model.unit_costs.value(key)
            # Every cost is linear in each unit cost, so the low end follows from the high.
            high = joined.join_at("unit_costs", key)
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
    efforts = joined.efforts
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
    adoption = adoption_parameters(joined.table_params, joined.used_params)
    if adoption:
        for end, ja, en in (("low", "低い", "low"), ("high", "高い", "high")):
            saved = joined.join_at("uptake", end)
            stability.append(_stability(
                f"uptake={end}", f"利用率が{ja}場合（{'・'.join(PARAMETERS[k].ja for k in adoption)}）",
                f"{en} uptake ({', '.join(PARAMETERS[k].en for k in adoption)})",
                base_order, _order(saved, efforts, unit_costs, ids), names))
    if adoption and "adoption_year" in PARAMETERS:  # uptake as a curve over fiscal years
        for year in ADOPTION_YEARS:
            saved = joined.join_at("uptake", f"year{year}")
            stability.append(_stability(
                f"adoption_year={year}", f"利用率の曲線の{year}年目", f"uptake curve, year {year}",
                base_order, _order(saved, efforts, unit_costs, ids), names))
    if progress is not None:
        progress(total, total, "完了")
    return SensitivityResult(base, bars, no_effect, stability)
