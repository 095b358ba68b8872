"""Where to start, ranked by money: each procedure's NPV or payback (issue 15 item 2,
"the ranking can be by NPV or payback, said on screen").

A procedure's package saves, per measure, the staff yen of the ranking's attribution
(:class:`analysis.result.MeasureShare`). Its costs are the measures' cost rows
(:mod:`analysis.measure_costs`): a **per-procedure** row counts once for it; a **shared**
row (a licence, a system) is split among the procedures the measure reaches in
proportion to the staff yen the measure saves in each — a proposal (提案値): a shared
cost has no true owner, and this split keeps the sum over procedures equal to the
measure's cost. Per measure, as in :mod:`analysis.economics`: initial = set-up ×
(1 − subsidy) + staff hours × hourly cost; NPV over the measure's life (the shortest of
its rows) at the discount rate; payback = initial / net yearly saving, undiscounted.
'other' savings (rework, paper) carry no cost and are left out.

>>> from analysis.measure_costs import cost_table
>>> from analysis.result import MeasureShare
>>> share = MeasureShare("abolish_seals", "押印廃止", "abolish seals", 10.0, 100_000.0, 0, 0)
>>> money = procedure_economics({"P1": [share]}, cost_table(), 3500.0)["P1"]
>>> round(money.initial_yen), round(money.net_saving_yen)   # 2 h of staff time to change a form
(7000, 100000)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analysis.economics import annuity, payback
from analysis.measure_costs import SHARED, CostTable
from analysis.result import MeasureShare, RankedProcedure, Ranking

ORDERS = ("priority", "npv", "payback")


@dataclass(frozen=True, slots=True)
class ProcedureEconomics:
    procedure_id: str
    initial_yen: float            # after subsidy, staff time included, shared costs split
    running_yen_per_year: float
    net_saving_yen: float         # a year
    payback_years: float | None   # None: never pays back
    npv_yen: float


def procedure_economics(packages: dict[str, list[MeasureShare]], costs: CostTable,
                        hourly_yen: float) -> dict[str, ProcedureEconomics]:
    """Per procedure (its attribution by measure): initial, running, net, payback, NPV."""
    reach: dict[str, float] = {}
    for shares in packages.values():
        for share in shares:
            reach[share.measure] = reach.get(share.measure, 0.0) + max(share.staff_yen_saved, 0.0)
    counted = {m: sum(1 for shares in packages.values() for s in shares if s.measure == m)
               for m in reach}
    out = {}
    for pid, shares in packages.items():
        initial = running = saved = value = 0.0
        for share in shares:
            items = costs.for_measure(share.measure)
            if not items:
                continue
            # A shared row: this procedure's share of the measure's saving (equal shares
            # when the measure saves nothing anywhere).
            split = (max(share.staff_yen_saved, 0.0) / reach[share.measure]
                     if reach[share.measure] > 0 else 1.0 / counted[share.measure])
            m_initial = m_running = 0.0
            for item in items:
                part = split if item.scope == SHARED else 1.0
                m_initial += part * (item.initial_yen * (1 - item.subsidy_share)
                                     + item.staff_hours * hourly_yen)
                m_running += part * item.running_yen_per_year
            life = min(item.life_years for item in items)
            net = share.staff_yen_saved - m_running
            value += -m_initial + net * annuity(costs.discount_rate, life)
            initial += m_initial
            running += m_running
            saved += share.staff_yen_saved
        net_total = saved - running
        out[pid] = ProcedureEconomics(pid, initial, running, net_total,
                                      payback(initial, net_total), value)
    return out


def rank_by_economics(ranking: Ranking, costs: CostTable, hourly_yen: float, order: str
                      ) -> tuple[Ranking, dict[str, ProcedureEconomics]]:
    """The where-to-start list re-ordered by NPV (highest first) or payback (shortest
    first; never last; ties by NPV), renumbered, with the sentence saying so. ``order``
    'priority' returns the list as it is."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    money = procedure_economics({r.procedure_id: r.attribution for r in ranking.rows}, costs,
                                hourly_yen)
    if order == "priority":
        return ranking, money

    def key(row: RankedProcedure) -> tuple[bool, float, float]:
        e = money[row.procedure_id]
        if order == "npv":
            return (False, -e.npv_yen, 0.0)
        return (e.payback_years is None, e.payback_years or 0.0, -e.npv_yen)
    rows = [replace(row, rank=i) for i, row in
            enumerate(sorted(ranking.rows, key=key), start=1)]
    rate = f"{costs.discount_rate:.0%}"
    if order == "npv":
        ja = (f"正味現在価値（NPV: 施策の耐用年数の間、割引率{rate}）の高い順に並べています。")
        en = (f"Ranked by net present value (NPV over the measures' useful lives at {rate}), "
              "highest first.")
    else:
        ja = ("回収年数（初期費用÷年間の純削減、割り引かない）の短い順に並べています"
              "（回収しない手続は最後）。")
        en = ("Ranked by payback (initial cost / net yearly saving, undiscounted), shortest "
              "first (those that never pay back last).")
    ja += ("費用は施策の費用の前提（投資効果）から。手続ごとの費用はその手続に、ライセンスなど共有の費用は"
           "施策の削減額の比で各手続に配分（提案値）。人件費等の削減のみで、市民の便益は含めない。")
    en += (" Costs from the measures' cost assumptions (Economics): per-procedure costs to "
           "the procedure, shared costs (licences, systems) split by each procedure's share of "
           "the measure's saving (a proposal). Staff savings only, no citizen benefit.")
    # The note reads the benefit ranking (citizen time in its top ten): not this one.
    return replace(ranking, rows=rows, explanation_ja=ja, explanation_en=en, note_ja="",
                   note_en=""), money
