"""What each measure of a scenario costs, what it saves net, and when it pays back.

Read from the typed result of a run (:class:`analysis.result.SimulationResult`): the
yearly staff-cost saving of each measure (``measures``, attributed in scenario order) and
the Monte Carlo city savings of every replication (``city_samples``), with the cost rows
of :mod:`analysis.measure_costs`. Per measure:

* cost rows: a **shared** row counts once if the measure reaches any procedure, a
  **per-procedure** row once for each procedure it reaches;
* ``initial_yen``   = set-up × (1 − subsidy share) + staff hours to introduce × the staff
  hourly cost (``hourly_cost_regular`` of the project's unit costs);
* ``net_saving_yen`` (a year) = staff cost saved − running costs;
* ``payback_years`` = initial / net yearly saving, undiscounted; None when the net
  saving is zero or negative (回収しない);
* ``npv_yen`` = −initial + Σ_{t=1..L} net saving / (1 + r)^t over the useful life L (the
  shortest life of the measure's cost rows: renewal is not modelled) at the discount rate
  r (4 %, 国土交通省 技術指針);
* ``yen_per_staff_hour`` = equivalent annual cost (initial × r / (1 − (1 + r)^−L) +
  running) / staff hours saved a year.

Monte Carlo: per-measure savings are not kept per replication, so each replication's
saving of a measure is its deterministic saving × (that replication's city staff-cost
saving / the deterministic city saving); P5/P95 of net saving and NPV follow.

>>> round(npv(-100.0, 30.0, 5, 0.04), 2)   # 30 a year for 5 years, 100 up front
33.55
>>> payback(100.0, 30.0), payback(100.0, -5.0)
(3.3333333333333335, None)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.economics_result import CostLine, EconomicsResult, MeasureEconomics
from analysis.measure_costs import SHARED, CostItem, CostTable
from analysis.result import MeasureSavings, SimulationResult
from analysis.sources import Source

HOURLY_KEY = "hourly_cost_regular"
OTHER = "other"


def annuity(rate: float, years: float) -> float:
    """Σ_{t=1..years} 1/(1+rate)^t: present value of 1 yen a year (whole years)."""
    n = int(round(years))
    if rate == 0:
        return float(n)
    return float((1 - (1 + rate) ** -n) / rate)


def npv(initial: float, net_yearly: Any, years: float, rate: float) -> Any:
    """``initial`` (negative: money out at year 0) + the net yearly flow over ``years``."""
    return initial + net_yearly * annuity(rate, years)


def payback(initial: float, net_yearly: float) -> float | None:
    """Years until the net savings repay ``initial`` (undiscounted); None if never."""
    if net_yearly <= 0:
        return None
    return initial / net_yearly


def _p(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q, method="nearest")) if values.size else float("nan")


def _lines(items: list[CostItem], procedures: int) -> list[CostLine]:
    if procedures <= 0:
        return []   # a measure that reaches no procedure buys nothing
    lines = []
    for item in items:
        count = 1 if item.scope == SHARED else procedures
        # Organisation, title, year and URL: the figure taken is in the reasoning.
        sources = [Source(s.title, s.organisation, s.year, s.url).cite() for s in item.sources]
        lines.append(CostLine(
            item.key, item.ja, item.scope, count, item.initial_yen * count,
            item.initial_yen * count * item.subsidy_share, item.staff_hours * count,
            item.running_yen_per_year * count, float(item.life_years), item.proposal,
            "; ".join([item.reasoning, *sources]) if item.reasoning else "; ".join(sources)))
    return lines


def _economics(measure: str, label_ja: str, label_en: str, procedures: int, hours_saved: float,
               yen_saved: float, lines: list[CostLine], hourly: float, rate: float,
               ratios: np.ndarray, life: float | None = None) -> MeasureEconomics:
    subsidy = sum(line.subsidy_yen for line in lines)
    intro_hours = sum(line.staff_hours for line in lines)
    initial = sum(line.initial_yen for line in lines) - subsidy + intro_hours * hourly
    running = sum(line.running_yen_per_year for line in lines)
    if life is None:
        life = min((line.life_years for line in lines), default=0.0)
    net = yen_saved - running
    value = npv(-initial, net, life, rate) if life > 0 else -initial
    annual_cost = (initial / annuity(rate, life) if life > 0 and annuity(rate, life) > 0
                   else initial) + running
    nets = yen_saved * ratios - running
    npvs = npv(-initial, nets, life, rate) if life > 0 else np.full_like(nets, -initial)
    return MeasureEconomics(
        measure, label_ja, label_en, procedures, hours_saved, yen_saved, initial, subsidy,
        intro_hours, running, net, life, payback(initial, net), float(value),
        annual_cost / hours_saved if hours_saved > 0 else None,
        _p(nets, 5), _p(nets, 95), _p(npvs, 5), _p(npvs, 95), lines)


def replication_ratios(result: SimulationResult) -> np.ndarray:
    """Each replication's city staff-cost saving / the deterministic city saving."""
    samples = np.asarray(result.city_samples.get("staff_economic_yen") or [], dtype=float)
    deterministic = result.city.savings["staff_economic_yen"].deterministic
    if samples.size == 0 or deterministic == 0:
        return np.ones(1)
    return samples / deterministic


def hourly_yen(result: SimulationResult) -> float:
    for row in result.unit_costs:
        if row.key == HOURLY_KEY:
            return float(row.value)
    raise KeyError(HOURLY_KEY)


def compute_economics(result: SimulationResult, costs: CostTable) -> EconomicsResult:
    """Per measure and for the scenario: costs, net yearly saving, payback, NPV, yen per
    staff hour saved, with Monte Carlo P5–P95 (see the module docstring)."""
    hourly = hourly_yen(result)
    rate = costs.discount_rate
    ratios = replication_ratios(result)
    rows: list[MeasureEconomics] = []
    other = 0.0
    for m in result.measures:
        if m.measure == OTHER or not costs.for_measure(m.measure):
            other += m.saved.get("staff_economic_yen", 0.0)
            continue
        rows.append(_measure_row(m, costs.for_measure(m.measure), hourly, rate, ratios))
    all_lines = [line for row in rows for line in row.lines]
    horizon = max((row.life_years for row in rows), default=0.0)
    total = _economics("total", "シナリオ合計", "scenario total",
                       max((row.procedures for row in rows), default=0),
                       sum(r.staff_hours_saved for r in rows), sum(r.staff_yen_saved for r in rows),
                       all_lines, hourly, rate, ratios, life=horizon)
    # The total's NPV is the sum of the measures' NPVs, each over its own life.
    total_npvs = sum((_npv_samples(r, rate, ratios) for r in rows), np.zeros(ratios.shape))
    total = _replace_npv(total, sum(r.npv_yen for r in rows), total_npvs)
    return EconomicsResult(
        rate, "; ".join(s.cite() for s in costs.discount_source.sources), hourly, rows, total,
        other, sorted(costs.changed),
        "1年あたりの値は開始から既定の年度（採用曲線の3年目）の期待値。共有の費用（ライセンス・"
        "システム）は1回、手続ごとの費用は適用手続数だけ数える。補助は初期費用のみ。"
        "P5–P95は施策ごとの決定論的な削減額に、各試行の市全体の削減額の比を掛けた値"
        "（施策ごとの試行値は保持していないため）。「その他」の削減は費用がなく合計に含めない。",
        "Yearly figures are the expected values in the default year (year 3 of the adoption "
        "curve). Shared costs (licences, systems) count once, per-procedure costs once for "
        "each procedure reached. Subsidies pay set-up only. P5-P95 scale each measure's "
        "deterministic saving by each replication's city saving ratio (per-measure samples "
        "are not kept). 'Other' savings have no cost and are left out of the total.")


def _measure_row(m: MeasureSavings, items: list[CostItem], hourly: float, rate: float,
                 ratios: np.ndarray) -> MeasureEconomics:
    return _economics(m.measure, m.label_ja, m.label_en, m.procedures,
                      m.saved.get("staff_time_h", 0.0), m.saved.get("staff_economic_yen", 0.0),
                      _lines(items, m.procedures), hourly, rate, ratios)


def _npv_samples(row: MeasureEconomics, rate: float, ratios: np.ndarray) -> np.ndarray:
    nets = row.staff_yen_saved * ratios - row.running_yen_per_year
    if row.life_years <= 0:
        return np.full(ratios.shape, -row.initial_yen)
    return np.asarray(npv(-row.initial_yen, nets, row.life_years, rate), dtype=float)


def _replace_npv(row: MeasureEconomics, value: float, samples: np.ndarray) -> MeasureEconomics:
    data = row.to_json_dict()
    data.update(npv_yen=float(value), npv_p5=_p(samples, 5), npv_p95=_p(samples, 95))
    data["lines"] = row.lines
    return MeasureEconomics(**data)
