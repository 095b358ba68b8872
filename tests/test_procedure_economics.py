"""The where-to-start list by NPV or payback: per-procedure costs and shared costs split
by saving, hand-computed; the order and the sentence that says it."""

from __future__ import annotations

import pytest

from analysis.economics import annuity
from analysis.measure_costs import cost_table
from analysis.procedure_economics import procedure_economics, rank_by_economics
from analysis.result import MeasureShare, RankedProcedure, Ranking, RankingWeights

HOURLY = 3500.0
# RPA: a shared licence (set-up 1,000,000, half subsidised; 400,000 a year) and a
# per-procedure scenario (20 staff hours); both live 5 years; no discounting.
COSTS = {
    "cost.rpa_licence.initial_yen": 1_000_000, "cost.rpa_licence.subsidy_share": 0.5,
    "cost.rpa_licence.running_yen_per_year": 400_000, "cost.rpa_licence.staff_hours": 0,
    "cost.rpa_licence.life_years": 5,
    "cost.rpa_scenarios.initial_yen": 0, "cost.rpa_scenarios.staff_hours": 20,
    "cost.rpa_scenarios.running_yen_per_year": 0, "cost.rpa_scenarios.life_years": 5,
    "economics.discount_rate": 0.0,
}


def _share(measure: str, yen: float) -> MeasureShare:
    return MeasureShare(measure, measure, measure, yen / HOURLY, yen, 0.0, 0.0)


def test_a_shared_licence_is_split_by_saving_and_per_procedure_costs_stay_whole() -> None:
    money = procedure_economics({"A": [_share("rpa_ocr", 600_000)],
                                 "B": [_share("rpa_ocr", 200_000)]}, cost_table(COSTS), HOURLY)
    # A saves 3/4 of RPA's saving: 3/4 of the licence (500,000 after subsidy; 400,000 a
    # year); its own scenario (20 staff hours) whole.
    a_initial = 0.75 * 500_000 + 20 * HOURLY
    assert money["A"].initial_yen == pytest.approx(a_initial)
    assert money["A"].running_yen_per_year == pytest.approx(300_000)
    assert money["A"].net_saving_yen == pytest.approx(300_000)
    assert money["A"].payback_years == pytest.approx(a_initial / 300_000)
    assert money["A"].npv_yen == pytest.approx(-a_initial + 300_000 * annuity(0.0, 5))
    assert money["B"].initial_yen == pytest.approx(0.25 * 500_000 + 20 * HOURLY)
    # The split adds up to the measure's cost: the licence counted once.
    assert money["A"].running_yen_per_year + money["B"].running_yen_per_year == 400_000


def _row(pid: str, priority: float, shares: list[MeasureShare]) -> RankedProcedure:
    return RankedProcedure(0, pid, pid, "課", 100, 1, "", "", [s.measure for s in shares], "", "",
                           0, sum(s.staff_yen_saved for s in shares), 0, 0, 0, 0, 0, 0, 0, 1,
                           "", "", priority, None, shares)


def test_the_list_reorders_by_npv_or_payback_and_says_so() -> None:
    costs = cost_table()
    # A: cheap seals edit, small saving; B: a no-form counter system, large saving.
    a = _row("A", 1.0, [_share("abolish_seals", 200_000)])
    b = _row("B", 2.0, [_share("no_form_counter", 30_000_000)])
    c = _row("C", 3.0, [_share("e_approval", 10_000)])        # never pays back
    ranking = Ranking([c, b, a], RankingWeights(0, 1, "", ""), "benefit", "benefit", 0, 0, "", "")
    by_npv, money = rank_by_economics(ranking, costs, HOURLY, "npv")
    assert [r.procedure_id for r in by_npv.rows] == ["B", "A", "C"]
    assert [r.rank for r in by_npv.rows] == [1, 2, 3]
    assert "NPV" in by_npv.explanation("ja")
    assert "NPV" in by_npv.explanation("en")
    assert money["C"].payback_years is None
    by_payback, _ = rank_by_economics(ranking, costs, HOURLY, "payback")
    assert [r.procedure_id for r in by_payback.rows] == ["A", "B", "C"]   # A repays at once
    assert "回収年数" in by_payback.explanation("ja")
    same, _ = rank_by_economics(ranking, costs, HOURLY, "priority")
    assert same is ranking
    with pytest.raises(ValueError, match="order"):
        rank_by_economics(ranking, costs, HOURLY, "alphabet")
