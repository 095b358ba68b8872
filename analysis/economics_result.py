"""The typed economics of a run (``SimulationResult.economics``): per measure and for the
scenario, costs, net yearly saving, payback, NPV and cost per staff hour saved, with the
Monte Carlo P5/P95. Computed by :mod:`analysis.economics`; kept apart so that
:mod:`analysis.result` can hold it without importing the computation. Units are in the
names: ``*_yen`` yen (``*_per_year`` a year), ``*_years`` years, ``*_hours`` hours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CostLine:
    """One cost row as counted for the scenario (``count`` = 1 shared, else procedures)."""

    item: str
    label_ja: str
    scope: str
    count: int
    initial_yen: float          # set-up before subsidy, all counted
    subsidy_yen: float
    staff_hours: float
    running_yen_per_year: float
    life_years: float
    proposal: bool
    source: str


@dataclass(frozen=True, slots=True)
class MeasureEconomics:
    measure: str
    label_ja: str
    label_en: str
    procedures: int
    staff_hours_saved: float            # a year
    staff_yen_saved: float              # a year
    initial_yen: float                  # after subsidy, staff time to introduce included
    subsidy_yen: float
    staff_hours_to_introduce: float
    running_yen_per_year: float
    net_saving_yen: float               # a year
    life_years: float
    payback_years: float | None
    npv_yen: float
    yen_per_staff_hour: float | None    # None when no staff hour is saved
    net_saving_p5: float
    net_saving_p95: float
    npv_p5: float
    npv_p95: float
    lines: list[CostLine] = field(default_factory=list)

    @property
    def pays_back_within_life(self) -> bool:
        return self.payback_years is not None and self.payback_years <= self.life_years

    def payback_text(self, lang: str = "ja") -> str:
        if self.payback_years is None:
            return "回収しない" if lang == "ja" else "never"
        text = f"{self.payback_years:.1f}"
        if not self.pays_back_within_life:
            text += "（耐用年数超）" if lang == "ja" else " (beyond life)"
        return text

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> MeasureEconomics:
        values = dict(data)
        values["lines"] = [CostLine(**line) for line in data.get("lines") or []]
        return cls(**values)


@dataclass(slots=True)
class EconomicsResult:
    """Economics of every costed measure of a scenario and the scenario total."""

    discount_rate: float
    discount_source: str
    hourly_yen: float
    measures: list[MeasureEconomics]
    total: MeasureEconomics
    unattributed_saving_yen: float      # 'other' savings (rework, paper): no cost, not counted
    changed: list[str]                  # cost keys the scenario overrides
    note_ja: str
    note_en: str

    def to_json_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["measures"] = [m.to_json_dict() for m in self.measures]
        out["total"] = self.total.to_json_dict()
        return out

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> EconomicsResult:
        values = dict(data)
        values["measures"] = [MeasureEconomics.from_json_dict(m) for m in data["measures"]]
        values["total"] = MeasureEconomics.from_json_dict(data["total"])
        return cls(**values)
