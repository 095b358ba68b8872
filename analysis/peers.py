"""Comparing municipalities (issue 16, item 5): the same procedure in several cities.

Cities doing the same national procedure (matched on the 手続ID, which a survey carries
when the city used the national inventory's ID) can learn from each other: where a city
spends far more staff minutes per case than its peers, another city's process shows that
less is possible. For every procedure found in at least two cities this module puts side
by side, per city: staff minutes per case, online share, the online-readiness level and
the scenario's expected saving as a share of the procedure's staff hours; and it sets
each city against the median of all the cities that have the procedure (the city
included; with two cities the median is their mean). A city analysed with a scenario also
sets its to-be minutes per case against the peers' as-is median: would the reform bring
it to its peers' level? (A city read from an export has no scenario: its saving and
to-be are blank, not zero.)

"Slower than its peers" means more than ``SLOWER_AT`` times the median minutes per case:
a quarter more is beyond what differences in counting alone explain in the surveys we
have seen (a proposal, not a published threshold; the command line can change it). The
hours a city would free by working its slower procedures at the median are a gap to look
into, not a saving: a city's cases may be harder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Any

import pandas as pd

SLOWER_AT = 1.25  # × the peers' median minutes per case (提案値)
METRICS = ("minutes_per_case", "online_share", "level", "saving_share")


@dataclass(frozen=True)
class CityFigures:
    """One city's figures per procedure, indexed by 手続ID."""

    city: str
    procedures: pd.DataFrame  # name, section, annual_cases, staff_hours + METRICS


@dataclass
class CitySummary:
    city: str
    procedures: int  # in the city's project
    matched: int  # found in at least one other city
    slower: int  # matched and slower than SLOWER_AT × the median
    gap_hours: float  # staff hours a year if the slower ones ran at the median
    slower_after: int | None = None  # still slower after the scenario (None: no to-be)


@dataclass
class PeerComparison:
    cities: list[str]
    slower_at: float
    rows: pd.DataFrame  # one row per matched procedure: per-city METRICS, medians, ratios
    summaries: list[CitySummary] = field(default_factory=list)

    def slowest(self, city: str, top: int = 10) -> pd.DataFrame:
        """The city's procedures furthest above the peers' median minutes per case."""
        ratio = f"ratio_{city}"
        found = self.rows[self.rows[ratio].notna()]
        return found.sort_values(ratio, ascending=False).head(top)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "bpr-studio.peers/1",
            "cities": self.cities,
            "slower_at": self.slower_at,
            "summaries": [vars(s) for s in self.summaries],
            "procedures": [
                {key: (None if isinstance(value, float) and pd.isna(value) else value)
                 for key, value in record.items()}
                for record in self.rows.reset_index().to_dict("records")],
        }


def city_figures(city: str, as_is: pd.DataFrame, saved_hours: dict[str, float] | None,
                 to_be: pd.DataFrame | None = None) -> CityFigures:
    """From a city's scored as-is procedures (``cost_model`` columns), the scenario's
    expected staff hours saved per procedure (the ranking's ``staff_hours_saved``) and its
    scored to-be procedures; ``saved_hours`` and ``to_be`` None when the city has no
    scenario (read from an export): those figures are then blank."""
    frame = as_is.set_index("procedure_id")
    cases = frame["annual_cases"].astype(float)
    hours = frame["staff_time_h"].astype(float)
    with_cases = cases > 0
    saved = (pd.Series(saved_hours, dtype=float).reindex(frame.index).fillna(0.0)
             if saved_hours is not None else pd.Series(float("nan"), index=frame.index))
    after = (to_be.set_index("procedure_id")["staff_time_h"].astype(float).reindex(frame.index)
             if to_be is not None else pd.Series(float("nan"), index=frame.index))
    figures = pd.DataFrame({
        "name": frame["name"],
        "section": frame["section"],
        "annual_cases": cases,
        "staff_hours": hours,
        "minutes_per_case": (hours * 60 / cases).where(with_cases),
        "online_share": frame["online_share"].astype(float).where(with_cases),
        "level": frame["level"],
        "saving_share": (saved / hours).where(hours > 0),
        "to_be_minutes_per_case": (after * 60 / cases).where(with_cases),
    })
    return CityFigures(city, figures)


def compare_cities(cities: list[CityFigures], slower_at: float = SLOWER_AT) -> PeerComparison:
    """Side by side, per procedure found in two or more cities; raises ValueError for fewer
    than two cities or two cities of one name."""
    names = [c.city for c in cities]
    if len(cities) < 2:
        raise ValueError("比較には2つ以上の自治体（プロジェクト）が必要です。")
    if len(set(names)) != len(names):
        raise ValueError(f"同じ名前の自治体があります: {names}。名前を付け分けてください。")
    if slower_at <= 1:
        raise ValueError(f"「遅い」の基準は中央値の1倍より大きくしてください（値: {slower_at}）。")
    present: dict[str, int] = {}
    for c in cities:
        for pid in c.procedures.index:
            present[pid] = present.get(pid, 0) + 1
    shared = sorted(pid for pid, count in present.items() if count >= 2)
    table = pd.DataFrame(index=pd.Index(shared, name="procedure_id"))
    table["name"] = [next(str(c.procedures.at[pid, "name"]) for c in cities
                          if pid in c.procedures.index) for pid in shared]
    table["cities"] = [present[pid] for pid in shared]
    for c in cities:
        own = c.procedures.reindex(shared)
        for metric in METRICS:
            table[f"{metric}_{c.city}"] = own[metric]
        table[f"to_be_minutes_per_case_{c.city}"] = (
            own["to_be_minutes_per_case"] if "to_be_minutes_per_case" in own
            else float("nan"))
    for metric in METRICS:
        columns = [f"{metric}_{c.city}" for c in cities]
        table[f"{metric}_median"] = [
            _median(values) for values in table[columns].itertuples(index=False)]
    summaries = []
    for c in cities:
        minutes = table[f"minutes_per_case_{c.city}"]
        ratio = minutes / table["minutes_per_case_median"]
        table[f"ratio_{c.city}"] = ratio.where(table["minutes_per_case_median"] > 0)
        slower = table[f"ratio_{c.city}"] > slower_at
        cases = c.procedures["annual_cases"].reindex(shared)
        gap = ((minutes - table["minutes_per_case_median"]) * cases / 60)[slower].sum()
        # The to-be against the peers' as-is median: where the reform leaves the city.
        after = table[f"to_be_minutes_per_case_{c.city}"]
        table[f"to_be_ratio_{c.city}"] = (after / table["minutes_per_case_median"]).where(
            table["minutes_per_case_median"] > 0)
        has_to_be = bool(after.notna().any())
        summaries.append(CitySummary(
            c.city, len(c.procedures), int(minutes.notna().sum()), int(slower.sum()), float(gap),
            int((table[f"to_be_ratio_{c.city}"] > slower_at).sum()) if has_to_be else None))
    return PeerComparison(names, slower_at, table, summaries)


def _median(values: Any) -> float:
    found = [float(v) for v in values if v is not None and not pd.isna(v)]
    return median(found) if found else float("nan")
