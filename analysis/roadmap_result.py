"""The typed fiscal-year roadmap of a run (``SimulationResult.roadmap``), computed by
:mod:`analysis.roadmap`. Lists run over the roadmap's fiscal years (``fiscal_years``).
Units are in the names: ``*_yen`` yen in that fiscal year, ``*_hours`` staff hours in
that year, ``cumulative_*`` summed from the first year to that year.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RoadmapMeasure:
    """One measure on the roadmap: when it starts, how its effect ramps, what it costs."""

    measure: str
    label_ja: str
    label_en: str
    milestone: str               # key of analysis.roadmap_settings.MILESTONES, '' for none
    milestone_target_fy: int | None
    start_fy: int | None         # None: no year of the roadmap has budget left for it
    chosen_by_hand: bool         # roadmap.start.<measure> in the scenario
    over_cap: bool               # its initial cost alone exceeds the yearly cap
    late: bool                   # starts after its milestone's target year (or never)
    initial_yen: float           # as in 投資効果: after subsidy, staff time included
    running_yen_per_year: float
    renewal_yen: float           # set-up again at each end of a cost row's life
    life_years: float
    npv_yen: float
    payback_years: float | None
    effect_share: list[float]    # each year's saving / the 投資効果 (reference-year) saving
    uptake: list[float | None]   # channel measures: share of cases on the new channel
    staff_hours_saved: list[float]
    yen_saved: list[float]
    cost_yen: list[float]        # initial + running + renewals in that year


@dataclass(frozen=True, slots=True)
class RoadmapYear:
    """The programme in one fiscal year, deterministic and Monte Carlo P5/P95."""

    fiscal_year: int
    label_ja: str
    label_en: str
    starting: list[str]          # measures starting this year
    new_initial_yen: float       # initial costs of the measures starting (what the cap limits)
    initial_yen: float
    running_yen: float
    renewal_yen: float
    cost_yen: float
    staff_hours_saved: float
    staff_hours_p5: float
    staff_hours_p95: float
    saving_yen: float
    saving_p5: float
    saving_p95: float
    cumulative_cost_yen: float
    cumulative_saving_yen: float
    cumulative_saving_p5: float
    cumulative_saving_p95: float
    cumulative_net_yen: float
    cumulative_net_p5: float
    cumulative_net_p95: float
    over_cap: bool


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    key: str
    label_ja: str
    label_en: str
    target_fy: int
    measures: list[str]
    late_measures: list[str]
    source: str
    proposal: bool


@dataclass(slots=True)
class RoadmapResult:
    start_fy: int
    fiscal_years: list[int]
    budget_cap_yen: float | None
    order: str                            # 'npv' or 'payback': the default order
    measures: list[RoadmapMeasure]
    years: list[RoadmapYear]
    break_even_fy: int | None             # None: not within the roadmap
    break_even_fy_early: int | None       # at the P95 savings (None: not within)
    break_even_fy_late: int | None        # at the P5 savings
    share_breaking_even: float            # of the replications, within the roadmap
    milestones: list[MilestoneRow]
    assumptions: list[dict[str, Any]] = field(default_factory=list)   # label, value, source
    note_ja: str = ""
    note_en: str = ""

    def measure(self, key: str) -> RoadmapMeasure:
        for row in self.measures:
            if row.measure == key:
                return row
        raise KeyError(key)

    def year(self, fy: int) -> RoadmapYear:
        return self.years[self.fiscal_years.index(fy)]

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> RoadmapResult:
        values = dict(data)
        values["measures"] = [RoadmapMeasure(**m) for m in data["measures"]]
        values["years"] = [RoadmapYear(**y) for y in data["years"]]
        values["milestones"] = [MilestoneRow(**m) for m in data["milestones"]]
        return cls(**values)
