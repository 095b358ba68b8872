"""Where to start (何から手をつければ良いのか): one row per procedure, its package of measures.

A procedure's savings are those of the scenario's measures applied together (the
comparison's as-is minus to-be), so measures that act on the same step are counted once;
how the package splits among its measures is a detail (``attribution``). Staff savings
(yen, hours, FTE: what the city can redeploy) and citizen benefit (visits, hours, and
yen only at the stated value of time) stay separate columns. The list is ranked by

    priority = (staff yen + w × (citizen yen + citizen hours × value of time)) / effort

with w = ``ranking_citizen_weight`` and the value of time = ``citizen_hourly_value``,
both unit costs stored in the project with their sources (editable like any other).
Effort = the sum of the package's measure efforts (1–3 each) + (level − 1) when the
package puts the procedure online (a level-4 procedure needs a change of law first).

Examples
--------
>>> effort_of(["online_application", "abolish_seals"], level=2)
(4, 'オンライン申請 2 + 押印廃止 1 + (レベル2 − 1)', 'online application 2 + abolish seals 1 + (level 2 − 1)')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.attribution import OTHER
from analysis.compare import Comparison
from analysis.measures import MEASURES
from analysis.result import MeasureShare, RankedProcedure, Ranking, RankingWeights
from cost_model.unit_costs import UnitCostTable

LEVEL_SENSITIVE = ("online_application", "line_counter", "drop_attachments")
TOP = 10
# Columns of the attribution arrays (analysis.attribution.COLUMNS) the ranking reads.
_STAFF_YEN, _STAFF_H, _CITIZEN_YEN, _CITIZEN_H, _VISITS = (
    "staff_economic_yen", "staff_time_h", "citizen_economic_yen", "citizen_time_h",
    "citizen_visits")


def ranking_weights(unit_costs: UnitCostTable) -> RankingWeights:
    """The weights in force (project values, or the defaults) with their sources."""
    return RankingWeights(
        unit_costs.value("citizen_hourly_value"), unit_costs.value("ranking_citizen_weight"),
        unit_costs.entry("citizen_hourly_value").source,
        unit_costs.entry("ranking_citizen_weight").source)


def effort_of(measures: list[str], level: int) -> tuple[int, str, str]:
    """Effort of a package (sum of measure efforts, + level − 1 when it goes online)."""
    parts_ja = [f"{MEASURES[m].ja} {MEASURES[m].effort}" for m in measures if m in MEASURES]
    parts_en = [f"{MEASURES[m].en} {MEASURES[m].effort}" for m in measures if m in MEASURES]
    effort = sum(MEASURES[m].effort for m in measures if m in MEASURES)
    if any(m in LEVEL_SENSITIVE for m in measures):
        effort += level - 1
        parts_ja.append(f"(レベル{level} − 1)")
        parts_en.append(f"(level {level} − 1)")
    return max(effort, 1), " + ".join(parts_ja), " + ".join(parts_en)


def applied_measures(comparison: Comparison, measure_order: list[str] | None = None
                     ) -> dict[str, list[str]]:
    """Per procedure, the measures of its package (scenario order, each once)."""
    order = {m: i for i, m in enumerate(dict.fromkeys(measure_order or []))}
    applied: dict[str, list[str]] = {}
    for application in comparison.applications:
        if application.applied and application.measure not in applied.get(
                application.procedure_id, []):
            applied.setdefault(application.procedure_id, []).append(application.measure)
    return {pid: sorted(ms, key=lambda m: order.get(m, len(order))) for pid, ms in applied.items()}


def package_efforts(comparison: Comparison) -> pd.Series:
    """Effort of each procedure's package (NaN: no measure applies), as-is procedure order."""
    applied = applied_measures(comparison)
    procedures = comparison.as_is.procedures
    return pd.Series([float(effort_of(applied[pid], int(level))[0]) if pid in applied else np.nan
                      for pid, level in zip(procedures["procedure_id"], procedures["level"],
                                            strict=True)])


def benefits(saved: pd.DataFrame | dict[str, np.ndarray], weights: RankingWeights) -> np.ndarray:
    """Benefit in yen a year that the list is ranked by (staff yen + w × citizen benefit)."""
    citizen = (np.asarray(saved[_CITIZEN_YEN], dtype=float)
               + np.asarray(saved[_CITIZEN_H], dtype=float) * weights.citizen_hourly_value)
    return np.asarray(saved[_STAFF_YEN], dtype=float) + weights.citizen_weight * citizen


def priorities(saved: pd.DataFrame | dict[str, np.ndarray], efforts: np.ndarray,
               unit_costs: UnitCostTable) -> np.ndarray:
    """Benefit ÷ effort per procedure (NaN where no measure applies)."""
    return benefits(saved, ranking_weights(unit_costs)) / efforts


def explanation(weights: RankingWeights) -> tuple[str, str]:
    """The one sentence that says how the list is ranked (JA, EN)."""
    ja = (f"効果額（職員の人件費等の削減 ＋ 市民の便益×{weights.citizen_weight:g}。"
          f"市民の便益＝負担額の削減＋時間の削減×1時間{weights.citizen_hourly_value:,.0f}円）を、"
          "手間（施策の手間の合計、オンライン化ではレベル−1を加算）で割った値の大きい順です。")
    en = (f"Ranked by benefit (staff cost saved + {weights.citizen_weight:g} × citizen benefit, "
          f"citizens' time valued at ¥{weights.citizen_hourly_value:,.0f} an hour) divided by "
          "effort (the measures' efforts added, plus level − 1 when going online).")
    return ja, en


def rank_procedures(comparison: Comparison, attribution: dict[str, np.ndarray],
                    unit_costs: UnitCostTable, measure_order: list[str] | None = None
                    ) -> Ranking:
    """The ranked list of procedures the scenario improves, best first.

    ``attribution`` is :func:`analysis.attribution.attribute_savings`'s first value
    (per measure, procedures × columns, rows in ``comparison.as_is.procedures`` order).
    """
    from analysis.attribution import COLUMNS

    weights = ranking_weights(unit_costs)
    fte_hours = unit_costs.value("hours_per_fte")
    a = comparison.as_is.procedures.reset_index(drop=True)
    b = comparison.to_be.procedures.reset_index(drop=True)
    saved = {c: (a[c] - b[c]).to_numpy(dtype=float)
             for c in (_STAFF_YEN, _STAFF_H, _CITIZEN_YEN, _CITIZEN_H, _VISITS)}
    citizen_time_yen = saved[_CITIZEN_H] * weights.citizen_hourly_value
    benefit = benefits(saved, weights)
    applied = applied_measures(comparison, measure_order)
    column = {c: i for i, c in enumerate(COLUMNS)}

    # Per-procedure figures read as Python floats once (the same doubles, and the same
    # operations on them as on numpy's scalars): this loop ran about 0.1 ms a procedure,
    # on the main process while the workers ran the last counters (issue 16).
    staff_h, staff_yen = saved[_STAFF_H].tolist(), saved[_STAFF_YEN].tolist()
    citizen_h, citizen_yen = saved[_CITIZEN_H].tolist(), saved[_CITIZEN_YEN].tolist()
    visits, time_yen = saved[_VISITS].tolist(), citizen_time_yen.tolist()
    fte = (saved[_STAFF_H] / fte_hours).tolist()
    benefit_of = benefit.tolist()
    shared = [column[c] for c in (_STAFF_H, _STAFF_YEN, _CITIZEN_H, _VISITS)]
    # Each measure's rows: whether any amount is not zero, and the four amounts shown.
    amounts_of = {measure: (np.any(amounts, axis=1).tolist(), amounts[:, shared].tolist())
                  for measure, amounts in attribution.items()}
    efforts: dict[tuple[tuple[str, ...], int], tuple[int, str, str]] = {}

    rows: list[RankedProcedure] = []
    for i, p in enumerate(a.itertuples(index=False)):
        measures = applied.get(p.procedure_id, [])
        if not measures or benefit_of[i] <= 0:
            continue
        level = int(p.level)
        package = (tuple(measures), level)
        if package not in efforts:
            efforts[package] = effort_of(measures, level)
        effort, reason_ja, reason_en = efforts[package]
        shares = []
        for measure in [*measures, OTHER]:
            found = amounts_of.get(measure)
            if found is None or not found[0][i]:
                continue
            known = measure in MEASURES
            hours, yen, citizen_hours, measure_visits = found[1][i]
            shares.append(MeasureShare(
                measure, MEASURES[measure].ja if known else "その他（差し戻し・紙など）",
                MEASURES[measure].en if known else "other (rework, paper …)",
                hours, yen, citizen_hours, measure_visits))
        benefit_i, time_yen_i = benefit_of[i], time_yen[i]
        rows.append(RankedProcedure(
            rank=0, procedure_id=p.procedure_id, name=p.name, section=p.section,
            annual_cases=float(p.annual_cases or 0), level=level,
            level_reasons_ja=p.level_reasons_ja, level_reasons_en=p.level_reasons_en,
            measures=measures, measures_ja="、".join(MEASURES[m].ja for m in measures),
            measures_en=", ".join(MEASURES[m].en for m in measures),
            staff_hours_saved=staff_h[i], staff_yen_saved=staff_yen[i],
            fte_saved=fte[i],
            citizen_hours_saved=citizen_h[i], citizen_yen_saved=citizen_yen[i],
            visits_avoided=visits[i], citizen_time_yen=time_yen_i,
            citizen_share=weights.citizen_weight * time_yen_i / benefit_i,
            benefit_yen=benefit_i, effort=float(effort),
            effort_reason_ja=reason_ja, effort_reason_en=reason_en,
            priority=benefit_i / effort, rank_staff_only=None, attribution=shares))
    # Best first; ties broken by procedure ID so the list never depends on dict order.
    rows.sort(key=lambda r: (-r.priority, r.procedure_id))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    staff_only = sorted((r for r in rows if r.staff_yen_saved > 0),
                        key=lambda r: (-r.staff_yen_saved / r.effort, r.procedure_id))
    for rank, row in enumerate(staff_only, start=1):
        row.rank_staff_only = rank
    top = rows[:TOP]
    top_benefit = sum(r.benefit_yen for r in top)
    share = (sum(weights.citizen_weight * r.citizen_time_yen for r in top) / top_benefit
             if top_benefit > 0 else 0.0)
    staff_top = {r.procedure_id for r in staff_only[:TOP]}
    changed = sum(1 for r in top if r.procedure_id not in staff_top)
    ja, en = explanation(weights)
    note_ja = (f"上位{len(top)}件の効果額のうち {share:.0%} は市民の時間（1時間"
               f"{weights.citizen_hourly_value:,.0f}円で換算）です。市民の便益を数えない"
               f"（職員の削減額だけで並べる）と、上位{len(top)}件のうち {changed} 件が入れ替わります"
               "（「職員のみの順位」列）。")
    note_en = (f"{share:.0%} of the top {len(top)}'s benefit is citizens' time (at "
               f"¥{weights.citizen_hourly_value:,.0f} an hour); ranked by staff savings alone, "
               f"{changed} of the top {len(top)} change (column 'rank, staff only').")
    return Ranking(rows, weights, ja, en, share, changed, note_ja, note_en)


def ranking_frame(ranking: Ranking, lang: str = "ja") -> pd.DataFrame:
    """The list as a table for views (one row per procedure, the columns of RankedProcedure)."""
    columns = [f for f in RankedProcedure.__dataclass_fields__ if f != "attribution"]
    frame = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in ranking.rows],
                         columns=columns)
    frame["measures_text"] = frame[f"measures_{lang}"] if len(frame) else []
    return frame
