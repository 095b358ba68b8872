"""A roadmap by fiscal year: which measure starts when, how its effect ramps, what the
programme costs and saves each year, and the fiscal year it breaks even.

Read from the scenario's economics (:mod:`analysis.economics`: each measure's yearly
saving in the reference year — 3年目 of the adoption curve — its initial, running and
cost rows) and the Monte Carlo replications of the same run. Per measure and fiscal year:

* **start**: the year chosen by hand (``roadmap.start.<measure>``), else the default: the
  measures in the order of the economics ranking (NPV, highest first, or payback,
  shortest first; ``roadmap.order``), each in the first year whose initial costs so far
  leave room under the yearly budget cap (``roadmap.budget_cap_yen``). A measure whose
  initial cost alone exceeds the cap starts in the first year with no other start, and
  is flagged; one for which no year is left does not start within the roadmap.
* **effect**: in its k-th year (k = 1 in the start year) a channel measure (online
  application, LINE) saves its reference-year saving × uptake(k) / uptake(reference
  year), the simulation's own adoption curve (:func:`analysis.params.uptake`, with the
  scenario's ceiling and growth; a constant uptake set in the scenario stays constant).
  The other measures save their reference-year saving from their first year: the
  simulation models them with a constant implementation share, not a curve.
* **cost**: the initial cost (after subsidy, staff time included) in the start year, the
  running cost every year from then, and each cost row's set-up again (no subsidy: the
  grant pays the launch only) in the year after its useful life ends.
* **Monte Carlo**: each replication's saving is the deterministic saving × that
  replication's city saving ratio (as in :mod:`analysis.economics`: same run, same
  seed); costs are certain. P5/P95 of yearly and cumulative figures follow, and the
  break-even year at the P95 and P5 savings.

Savings of measures are the reference year's attributed savings (measures acting in the
scenario's order); when one measure starts before another, their overlap is not
re-attributed year by year (docs/roadmap.md says so).

>>> uptake_ratio(1, 3, {}, "online_adoption") < 1 < uptake_ratio(5, 3, {}, "online_adoption")
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.economics_result import EconomicsResult, MeasureEconomics
from analysis.params import value
from analysis.roadmap_result import MilestoneRow, RoadmapMeasure, RoadmapResult, RoadmapYear
from analysis.roadmap_settings import (
    MILESTONES,
    ORDER_PAYBACK,
    RoadmapSettings,
    fiscal_year_label,
    milestone_of,
)
from analysis.sources import PROPOSAL, Source

# The uptake each channel measure's effects use (analysis.measures._online / _line).
CHANNEL_ADOPTION = {"online_application": "online_adoption", "line_counter": "line_adoption"}
RENEWAL_SOURCE = Source(
    "デジタル田園都市国家構想交付金（デジタル実装タイプ）", "独立行政法人中小企業基盤整備機構（内閣府の交付金の解説）",
    None, "https://machi.smrj.go.jp/support/4_0016.html",
    "事業の立ち上げに必要な経費を単年度に限り支援（更新は対象外とした）")


def uptake_ratio(year: int, reference: int, values: dict[str, float], adoption_key: str) -> float:
    """Uptake in the measure's ``year``-th year / uptake in the reference year, with the
    scenario's parameter ``values``; 1 when the scenario sets the uptake as a constant."""
    if adoption_key in values:
        return 1.0
    at_reference = value(adoption_key, {**values, "adoption_year": reference})
    if at_reference <= 0:
        return 0.0
    return float(value(adoption_key, {**values, "adoption_year": year}) / at_reference)


def ranked(measures: list[MeasureEconomics], order: int) -> list[MeasureEconomics]:
    """The economics ranking: NPV highest first, or payback shortest first (never last,
    ties by NPV)."""
    if order == ORDER_PAYBACK:
        return sorted(measures, key=lambda m: (m.payback_years is None,
                                               m.payback_years or 0.0, -m.npv_yen))
    return sorted(measures, key=lambda m: -m.npv_yen)


def schedule(measures: list[MeasureEconomics], settings: RoadmapSettings
             ) -> tuple[dict[str, int | None], set[str]]:
    """Start year of every measure (None: none left within the roadmap), and the measures
    whose initial cost alone exceeds the cap."""
    years = settings.fiscal_years
    spent = dict.fromkeys(years, 0.0)
    starts: dict[str, int | None] = {}
    over: set[str] = set()
    cap = settings.budget_cap_yen
    for m in measures:
        if m.measure in settings.starts:
            starts[m.measure] = settings.starts[m.measure]
            spent[settings.starts[m.measure]] += m.initial_yen
            if cap is not None and m.initial_yen > cap:
                over.add(m.measure)
    for m in ranked([m for m in measures if m.measure not in settings.starts], settings.order):
        chosen: int | None = None
        if cap is None:
            chosen = years[0]
        elif m.initial_yen > cap:
            over.add(m.measure)
            chosen = next((fy for fy in years if spent[fy] == 0), None)
        else:
            chosen = next((fy for fy in years if spent[fy] + m.initial_yen <= cap + 1e-6), None)
        starts[m.measure] = chosen
        if chosen is not None:
            spent[chosen] += m.initial_yen
    return starts, over


def _p(values: np.ndarray, q: float) -> np.ndarray:
    return np.percentile(values, q, axis=0, method="nearest")


def _first_at_or_above(cumulative_net: np.ndarray, cumulative_cost: np.ndarray,
                       years: list[int]) -> int | None:
    for i, fy in enumerate(years):
        if cumulative_cost[i] > 0 and cumulative_net[i] >= 0:
            return fy
    return None


def compute_roadmap(economics: EconomicsResult, settings: RoadmapSettings,
                    values: dict[str, float] | None = None,
                    yen_ratios: np.ndarray | None = None,
                    hour_ratios: np.ndarray | None = None) -> RoadmapResult:
    """The roadmap of a scenario's measures (see the module docstring).

    ``values``: the scenario's parameter values (``analysis.compare.parameter_values``);
    ``yen_ratios`` / ``hour_ratios``: each replication's city staff-cost / staff-hour
    saving over the deterministic one (:func:`roadmap_of_result` takes them from a run).
    """
    values = values or {}
    years = settings.fiscal_years
    n = len(years)
    reference = int(round(value("adoption_year", values)))
    starts, over = schedule(economics.measures, settings)
    targets = {m.key: m.target(settings.start_fy, settings.milestones) for m in MILESTONES}
    rows: list[RoadmapMeasure] = []
    for m in economics.measures:
        rows.append(_measure_row(m, starts[m.measure], m.measure in settings.starts,
                                 m.measure in over, years, reference, values, targets))
    yen_ratios = np.ones(1) if yen_ratios is None or len(yen_ratios) == 0 else yen_ratios
    hour_ratios = np.ones(1) if hour_ratios is None or len(hour_ratios) == 0 else hour_ratios
    saving = np.array([sum(r.yen_saved[i] for r in rows) for i in range(n)])
    hours = np.array([sum(r.staff_hours_saved[i] for r in rows) for i in range(n)])
    initial = np.array([sum(r.initial_yen for r in rows if r.start_fy == fy) for fy in years])
    running = np.array([sum(r.running_yen_per_year for r in rows
                            if r.start_fy is not None and r.start_fy <= fy) for fy in years])
    cost = np.array([sum(r.cost_yen[i] for r in rows) for i in range(n)])
    renewal = cost - initial - running
    samples = yen_ratios[:, None] * saving[None, :]                 # (R, years)
    hour_samples = hour_ratios[:, None] * hours[None, :]
    cum_cost = np.cumsum(cost)
    cum_saving = np.cumsum(saving)
    cum_samples = np.cumsum(samples, axis=1)
    net_samples = cum_samples - cum_cost[None, :]
    cap = settings.budget_cap_yen
    year_rows = []
    for i, fy in enumerate(years):
        year_rows.append(RoadmapYear(
            fy, fiscal_year_label(fy, "ja"), fiscal_year_label(fy, "en"),
            [r.measure for r in rows if r.start_fy == fy], float(initial[i]), float(initial[i]),
            float(running[i]), float(renewal[i]), float(cost[i]), float(hours[i]),
            float(_p(hour_samples[:, i], 5)), float(_p(hour_samples[:, i], 95)),
            float(saving[i]), float(_p(samples[:, i], 5)), float(_p(samples[:, i], 95)),
            float(cum_cost[i]), float(cum_saving[i]), float(_p(cum_samples[:, i], 5)),
            float(_p(cum_samples[:, i], 95)), float(cum_saving[i] - cum_cost[i]),
            float(_p(net_samples[:, i], 5)), float(_p(net_samples[:, i], 95)),
            cap is not None and initial[i] > cap + 1e-6))
    # Break-even of every replication: the first year its cumulative net is ≥ 0.
    even = np.full(len(yen_ratios), np.inf)
    for i in range(n - 1, -1, -1):
        if cum_cost[i] > 0:
            even = np.where(net_samples[:, i] >= 0, years[i], even)
    within = np.isfinite(even)
    early = float(_p(even, 5)) if within.any() else np.inf
    late = float(_p(even, 95)) if within.any() else np.inf
    milestones = [MilestoneRow(
        ms.key, ms.ja, ms.en, targets[ms.key],
        [r.measure for r in rows if r.milestone == ms.key],
        [r.measure for r in rows if r.milestone == ms.key and r.late],
        "; ".join([ms.reasoning, *(s.cite() for s in ms.sources)]),
        ms.reasoning.startswith(PROPOSAL)) for ms in MILESTONES]
    return RoadmapResult(
        settings.start_fy, years, cap, settings.order_name, rows, year_rows,
        _first_at_or_above(cum_saving - cum_cost, cum_cost, years),
        int(early) if np.isfinite(early) else None, int(late) if np.isfinite(late) else None,
        float(within.mean()), milestones, _assumptions(settings, reference, values, economics),
        _NOTE_JA, _NOTE_EN)


def _measure_row(m: MeasureEconomics, start: int | None, by_hand: bool, over: bool,
                 years: list[int], reference: int, values: dict[str, float],
                 targets: dict[str, int]) -> RoadmapMeasure:
    adoption = CHANNEL_ADOPTION.get(m.measure)
    share: list[float] = []
    uptakes: list[float | None] = []
    cost: list[float] = []
    renewal_total = sum(line.initial_yen for line in m.lines)
    for fy in years:
        k = fy - start + 1 if start is not None else 0
        if k < 1:
            share.append(0.0)
            uptakes.append(None)
            cost.append(0.0)
            continue
        if adoption is not None:
            share.append(uptake_ratio(k, reference, values, adoption))
            uptakes.append(float(value(adoption, {**values, "adoption_year": k})
                                 if adoption not in values else values[adoption]))
        else:
            share.append(1.0)
            uptakes.append(None)
        spent = m.running_yen_per_year + (m.initial_yen if k == 1 else 0.0)
        for line in m.lines:
            life = max(int(round(line.life_years)), 1)
            if k > 1 and (k - 1) % life == 0:   # the year after each life ends
                spent += line.initial_yen
        cost.append(spent)
    milestone = milestone_of(m.measure)
    target = targets[milestone.key] if milestone else None
    late = target is not None and (start is None or start > target)
    return RoadmapMeasure(
        m.measure, m.label_ja, m.label_en, milestone.key if milestone else "", target, start,
        by_hand, over, late, m.initial_yen, m.running_yen_per_year, renewal_total, m.life_years,
        m.npv_yen, m.payback_years, share, uptakes,
        [m.staff_hours_saved * s for s in share], [m.staff_yen_saved * s for s in share], cost)


def gantt_cell(measure: RoadmapMeasure, index: int, fy: int) -> str:
    """What the Gantt of the app and of the report prints for a measure in a fiscal year:
    開始 / 更新 and the year's effect as a share of the 投資効果 (3rd-year) saving; ''
    before it starts."""
    if measure.start_fy is None or fy < measure.start_fy:
        return ""
    share = f"{measure.effect_share[index]:.0%}"
    k = fy - measure.start_fy
    renewed = k > 0 and k % max(int(round(measure.life_years)), 1) == 0
    if fy == measure.start_fy:
        return f"開始\n{share}"
    return f"更新\n{share}" if renewed else share


def _assumptions(settings: RoadmapSettings, reference: int, values: dict[str, float],
                 economics: EconomicsResult) -> list[dict[str, Any]]:
    from analysis.params import PARAMETERS

    def param(key: str) -> dict[str, Any]:
        p = PARAMETERS[key]
        # The publication (title, organisation, year, URL); the figure taken is in the
        # reasoning (the details of some sources run to a paragraph).
        return {"label": p.ja, "value": f"{value(key, values):g}", "proposal": p.proposal,
                "source": "; ".join([p.reasoning, *(Source(s.title, s.organisation, s.year,
                                                           s.url).cite() for s in p.sources)])}
    cap = settings.budget_cap_yen
    return [
        {"label": "予算上限（年度ごとの初期費用）", "value": f"{cap:,.0f} 円" if cap else "なし",
         "proposal": False, "source": "シナリオの設定（roadmap.budget_cap_yen）"},
        {"label": "既定の開始順", "value": "NPVの高い順" if settings.order_name == "npv"
         else "回収年数の短い順", "proposal": False,
         "source": "投資効果の順位（roadmap.order）"},
        {"label": "採用曲線の基準年（投資効果の年）", "value": f"{reference}年目", "proposal": True,
         "source": param("adoption_year")["source"]},
        param("online_uptake_ceiling"), param("online_uptake_growth"),
        param("line_uptake_ceiling"), param("implementation_share"),
        {"label": "更新費（耐用年数の翌年度に初期費用を補助なしで再計上）", "value": "初期費用（補助前）",
         "proposal": True, "source": f"{PROPOSAL}: 交付金は立ち上げの単年度のみ; "
         + RENEWAL_SOURCE.cite()},
        {"label": "割引率（NPVの順位）", "value": f"{economics.discount_rate:.1%}", "proposal": False,
         "source": economics.discount_source},
    ]


_NOTE_JA = ("金額は割り引かない各年度の値。削減は投資効果の基準年（採用曲線の3年目）の削減額に、"
            "オンライン申請・スマホ窓口は採用曲線の比、その他の施策は開始年度から同じ値。"
            "費用は開始年度に初期費用（補助後・職員時間を含む）、以後毎年の運用費、耐用年数の翌年度に"
            "更新費（補助なし）。P5–P95は同じシミュレーションの各試行の市全体の削減額の比による。"
            "予算上限は各年度に開始する施策の初期費用の合計に適用（運用費・更新費は含めない）。")
_NOTE_EN = ("Undiscounted yen in each fiscal year. Savings: each measure's reference-year "
            "saving (year 3 of the adoption curve) scaled by the adoption curve for online "
            "application and the LINE counter, constant from the start year for the others. "
            "Costs: initial (after subsidy, staff time included) in the start year, running "
            "every year, set-up again without subsidy the year after the useful life ends. "
            "P5-P95 from each replication's city saving ratio in the same run. The budget cap "
            "limits the initial costs of the measures starting in a year (not running or "
            "renewal costs).")


def roadmap_of_result(result: Any, economics: EconomicsResult, settings: RoadmapSettings,
                      values: dict[str, float] | None = None) -> RoadmapResult:
    """:func:`compute_roadmap` with the replication ratios of a run
    (:class:`analysis.result.SimulationResult`)."""
    from analysis.economics import replication_ratios

    return compute_roadmap(economics, settings, values, replication_ratios(result),
                           _hour_ratios(result))


def _hour_ratios(result: Any) -> np.ndarray:
    samples = np.asarray(result.city_samples.get("staff_time_h") or [], dtype=float)
    deterministic = result.city.savings["staff_time_h"].deterministic
    if samples.size == 0 or deterministic == 0:
        return np.ones(1)
    return samples / deterministic
