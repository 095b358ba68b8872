"""The typed result of an effect measurement (効果測定): planned versus actual.

Computed by :mod:`analysis.effect`. Units are in the KPI table (:data:`KPIS`): yearly
figures are a year at the baseline's case volume, per-case figures per case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from analysis.sources import Source


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    ja: str
    en: str
    unit_ja: str
    unit_en: str
    # +1: lower is better (hours, visits, paper); −1: higher is better (online share).
    direction: int = 1
    yearly: bool = True   # a yearly total (volume-adjusted) rather than a per-case figure


# What municipalities measure after a reform (総務省's survey of counter reforms, domain
# guide): time per case, staff, staff cost, waiting, citizens' visits and time, online
# share, paper. Overtime is not in the survey workbook, so it is not measured here.
KPIS: tuple[Kpi, ...] = (
    Kpi("staff_time_h", "職員の作業時間", "staff hours", "時間/年", "h/yr"),
    Kpi("staff_minutes_per_case", "1件当たり職員時間", "staff minutes per case", "分/件", "min/case",
        yearly=False),
    Kpi("staff_fte", "職員数", "staff", "人工", "FTE"),
    Kpi("staff_economic_yen", "人件費等", "staff cost", "円/年", "yen/yr"),
    Kpi("citizen_visits", "市民の来庁", "citizens' visits", "回/年", "visits/yr"),
    Kpi("citizen_time_h", "市民の時間", "citizens' time", "時間/年", "h/yr"),
    Kpi("online_share", "オンライン利用率", "online share", "%", "%", direction=-1, yearly=False),
    Kpi("lead_time_days", "待ち日数", "waiting days", "日/件", "days/case",
        yearly=False),
    Kpi("paper_sheets", "紙", "paper", "枚/年", "sheets/yr"),
)
KPI_BY_KEY = {k.key: k for k in KPIS}

MEASURED, NOT_MEASURED, NEW = "measured", "not_measured", "new"
STATUS_JA = {MEASURED: "測定済", NOT_MEASURED: "未測定", NEW: "新規（比較対象なし）"}
STATUS_EN = {MEASURED: "measured", NOT_MEASURED: "not measured", NEW: "new (nothing to compare)"}


@dataclass(slots=True)
class Figure:
    """One KPI of one procedure, section or the city. ``None`` where not measured."""

    baseline: float
    planned: float                 # the scenario's to-be
    resurveyed: float | None       # the re-survey as surveyed (its own case volume)
    planned_saving: float          # improvement planned (positive = better)
    actual_saving: float | None    # improvement achieved (yearly: at baseline volume)
    achievement: float | None      # actual / planned saving (None: nothing planned)


@dataclass(slots=True)
class AreaEffect:
    """A procedure, a section or the city: its status and every KPI."""

    key: str                       # procedure ID, section name or "city"
    name: str
    section: str
    status: str                    # MEASURED / NOT_MEASURED / NEW (sections: MEASURED)
    procedures: int
    measured: int
    figures: dict[str, Figure]
    measures: list[str] = field(default_factory=list)   # planned measures (procedures)
    source: str = ""               # the survey files behind the figures

    def achievement(self, kpi: str = "staff_time_h") -> float | None:
        figure = self.figures.get(kpi)
        return None if figure is None else figure.achievement


@dataclass(slots=True)
class MeasureEffect:
    """A measure's planned and achieved savings on the re-surveyed procedures.

    Achieved savings are split among measures by each procedure's PLANNED shares
    (analysis.effect docstring); ``planned_unmeasured_h`` is planned where nobody
    re-surveyed, counted neither as achieved nor as missed."""

    measure: str
    label_ja: str
    label_en: str
    procedures: int
    planned_h: float
    actual_h: float
    planned_yen: float
    actual_yen: float
    planned_visits: float
    actual_visits: float
    planned_unmeasured_h: float

    @property
    def achievement(self) -> float | None:
        return self.actual_h / self.planned_h if abs(self.planned_h) > 1e-9 else None

    @property
    def shortfall_h(self) -> float:
        return self.planned_h - self.actual_h


@dataclass(slots=True)
class ChainStep:
    key: str          # surveyed / proposed / proposed_measured / achieved
    ja: str
    en: str
    hours: float
    share_of_surveyed: float


@dataclass(slots=True)
class EffectResult:
    scenario: str
    round_name: str
    round_surveyed_on: str
    round_fiscal_year: int | None
    adoption_year: int
    city: AreaEffect
    sections: list[AreaEffect]
    procedures: list[AreaEffect]
    measures: list[MeasureEffect]
    chain: list[ChainStep]
    reference: Source
    reference_chain: list[ChainStep]
    sources: dict[str, str]       # what each column rests on, for the report and the view
    note_ja: str = ""
    note_en: str = ""
    sources_en: dict[str, str] = field(default_factory=dict)  # the same lines in English

    @property
    def measured(self) -> list[AreaEffect]:
        return [p for p in self.procedures if p.status == MEASURED]

    def to_json_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = "bpr-studio.effect/1"
        data["kpis"] = [asdict(k) for k in KPIS]
        for row, measure in zip(data["measures"], self.measures, strict=True):
            row["achievement"] = measure.achievement
            row["shortfall_h"] = measure.shortfall_h
        return data
