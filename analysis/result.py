"""The typed result of one scenario run: what the CLI, the GUI and the report all read.

:func:`bpr_studio.pipeline.run_pipeline` produces a :class:`SimulationResult`; the JSON
written by ``bpr-studio simulate --json`` is :meth:`SimulationResult.to_json_dict` (schema
in ``docs/simulation.md``) and :meth:`SimulationResult.from_json_dict` reads it back (the
report can be built from a saved run). Units are in the field names: ``*_yen`` yen a year,
``*_h``/``*_hours`` hours a year, ``*_bh`` burden-hours a year, ``fte`` person-years,
``visits`` visits a year.

Examples
--------
>>> e = Estimate(10.0, 8.0, 10.5, 13.0)
>>> e.p5 <= e.p50 <= e.p95
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from analysis.economics_result import EconomicsResult
from analysis.roadmap_result import RoadmapResult
from cost_model.costs import COST_COLUMNS

SCHEMA = "bpr-studio.simulation/3"
# Older results still read: /2 has no potential savings or band (both read as None).
READABLE_SCHEMAS = ("bpr-studio.simulation/2", SCHEMA)
METRICS: list[str] = [*COST_COLUMNS, "staff_fte", "citizen_visits"]
# How the result's JSON is written (analysis.simulate.write_json): numpy scalars as numbers,
# a non-string key as its text (as the standard json module did).
JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class Estimate(NamedTuple):
    """One figure: the deterministic estimate (survey typical values, default parameters)
    and the Monte Carlo P5 / P50 / P95 (nearest rank).

    A named tuple (immutable, as the frozen dataclass it was): a run makes three
    readings × ten figures of every procedure (900,000 at 30,000 procedures) in its main
    process while the workers run, and a tuple is made in C (``Estimate._make``), about
    twice as fast."""

    deterministic: float
    p5: float
    p50: float
    p95: float


Metrics = dict[str, Estimate]   # keyed by METRICS


def _metrics_from(data: dict[str, dict[str, float]]) -> Metrics:
    return {key: Estimate(**value) for key, value in data.items()}


def _metrics_json(metrics: Metrics) -> dict[str, dict[str, float]]:
    # Not dataclasses.asdict: it deep-copies each figure (a million at 30,000 procedures).
    return {key: {"deterministic": value.deterministic, "p5": value.p5, "p50": value.p50,
                  "p95": value.p95} for key, value in metrics.items()}


@dataclass(slots=True)
class AreaResult:
    """The city or one section: as-is, to-be and savings (as-is − to-be) for every metric."""

    name: str
    as_is: Metrics
    to_be: Metrics
    savings: Metrics

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "as_is": _metrics_json(self.as_is),
                "to_be": _metrics_json(self.to_be), "savings": _metrics_json(self.savings)}

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> AreaResult:
        return cls(data.get("name", "city"), _metrics_from(data["as_is"]),
                   _metrics_from(data["to_be"]), _metrics_from(data["savings"]))


@dataclass(slots=True)
class ProcedureResult:
    procedure_id: str
    name: str
    section: str
    annual_cases: float
    level: int
    level_reasons_ja: str
    level_reasons_en: str
    level_to_be: int
    measures_applied: list[str]
    as_is: Metrics
    to_be: Metrics
    savings: Metrics

    def to_json_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("as_is", "to_be", "savings"):
            out[key] = _metrics_json(out[key])
        return out

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> ProcedureResult:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        for key in ("as_is", "to_be", "savings"):
            values[key] = _metrics_from(data[key])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class MeasureSummary:
    """A measure of the scenario and the rule choosing its procedures."""

    measure: str
    label_ja: str
    label_en: str
    params: dict[str, Any]
    rule_ja: str
    rule_en: str


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    name: str
    description: str
    measures: list[MeasureSummary]

    def label(self, measure: str, lang: str = "ja") -> str:
        for m in self.measures:
            if m.measure == measure:
                return m.label_ja if lang == "ja" else m.label_en
        return measure


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """A measure parameter as used in this run, with its published range and source."""

    key: str
    ja: str
    en: str
    value: float
    default: float
    low: float
    high: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class UnitCostRow:
    key: str
    ja: str
    value: float
    unit: str
    source: str
    changed: bool


@dataclass(frozen=True, slots=True)
class NotApplied:
    """A measure the scenario's rule chose for a procedure but that could not apply."""

    procedure_id: str
    measure: str
    reason_ja: str
    reason_en: str


@dataclass(frozen=True, slots=True)
class MeasureSavings:
    """Yearly savings of one measure (scenario order, attributed in sequence; 'other' last)."""

    measure: str
    label_ja: str
    label_en: str
    procedures: int
    saved: dict[str, float]   # COST_COLUMNS + citizen_visits + staff_fte

    def to_json_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "label_ja": self.label_ja, "label_en": self.label_en,
                "procedures": self.procedures, **self.saved}

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> MeasureSavings:
        named = {"measure", "label_ja", "label_en", "procedures"}
        return cls(data["measure"], data["label_ja"], data["label_en"], int(data["procedures"]),
                   {k: float(v) for k, v in data.items() if k not in named})


@dataclass(frozen=True, slots=True)
class CounterSide:
    """One year of a section's counter queue (``analysis.counter``)."""

    values: dict[str, Any]   # mean_wait_min, p90_wait_min, utilization, visits, servers …

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass(frozen=True, slots=True)
class SectionCounter:
    """A section's counter as-is and to-be, and the staffing story (analysis.counter)."""

    section: str
    servers: int | None
    as_is: CounterSide | None
    to_be: CounterSide | None
    servers_to_be: int | None = None
    staffing: str = ""
    story_ja: str = ""
    story_en: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SectionCounter:
        def side(value: Any) -> CounterSide | None:
            return CounterSide(dict(value)) if value else None
        return cls(data["section"], data.get("servers"), side(data.get("as_is")),
                   side(data.get("to_be")), data.get("servers_to_be"),
                   data.get("staffing") or "", data.get("story_ja") or "",
                   data.get("story_en") or "")

    def story(self, lang: str = "ja") -> str:
        return self.story_ja if lang == "ja" else self.story_en

    def to_json_dict(self) -> dict[str, Any]:
        return {"section": self.section, "servers": self.servers,
                "servers_to_be": self.servers_to_be, "staffing": self.staffing,
                "story_ja": self.story_ja, "story_en": self.story_en,
                "as_is": self.as_is.values if self.as_is else None,
                "to_be": self.to_be.values if self.to_be else None}


@dataclass(frozen=True, slots=True)
class MeasureShare:
    """Part of a procedure's package savings attributed to one of its measures."""

    measure: str
    label_ja: str
    label_en: str
    staff_hours_saved: float
    staff_yen_saved: float
    citizen_hours_saved: float
    visits_avoided: float


@dataclass(slots=True)
class RankedProcedure:
    """One row of 何から手をつければ良いのか: a procedure with its package of measures.

    Staff savings (cash and hours the city can redeploy) and citizen benefit are separate;
    ``citizen_time_yen`` is the citizens' hours at the stated value of time, and
    ``benefit_yen`` the weighted sum the list is ranked by (see :class:`RankingWeights`).
    """

    rank: int
    procedure_id: str
    name: str
    section: str
    annual_cases: float
    level: int
    level_reasons_ja: str
    level_reasons_en: str
    measures: list[str]
    measures_ja: str
    measures_en: str
    staff_hours_saved: float
    staff_yen_saved: float
    fte_saved: float
    citizen_hours_saved: float
    citizen_yen_saved: float
    visits_avoided: float
    citizen_time_yen: float
    citizen_share: float          # share of benefit_yen that is citizens' time valued in yen
    benefit_yen: float
    effort: float
    effort_reason_ja: str
    effort_reason_en: str
    priority: float               # benefit_yen / effort
    rank_staff_only: int | None   # rank if citizen benefit counted 0 (None: no staff saving)
    attribution: list[MeasureShare] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict (a deep copy through every field): a row per procedure.
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["measures"] = list(self.measures)
        out["attribution"] = [{f.name: getattr(share, f.name) for f in fields(share)}
                              for share in self.attribution]
        return out

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> RankedProcedure:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        values["attribution"] = [MeasureShare(**m) for m in data.get("attribution") or []]
        return cls(**values)


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """How the list is ranked: editable assumptions stored with the project's unit costs."""

    citizen_hourly_value: float       # yen per citizen hour (stated value of time)
    citizen_weight: float             # weight of citizen benefit against staff yen (1 = equal)
    citizen_hourly_value_source: str
    citizen_weight_source: str


@dataclass(slots=True)
class Ranking:
    rows: list[RankedProcedure]
    weights: RankingWeights
    explanation_ja: str
    explanation_en: str
    # What the value of citizen time does to the list (issue 9): shown, not hidden.
    citizen_time_share_top10: float
    top10_changed_without_citizen_time: int
    note_ja: str
    note_en: str

    def explanation(self, lang: str = "ja") -> str:
        return self.explanation_ja if lang == "ja" else self.explanation_en

    def note(self, lang: str = "ja") -> str:
        return self.note_ja if lang == "ja" else self.note_en

    def to_json_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rows"}
        out["weights"] = asdict(self.weights)
        return out

    @classmethod
    def from_json_dict(cls, data: dict[str, Any], rows: list[dict[str, Any]]) -> Ranking:
        values: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls)}
        values["weights"] = RankingWeights(**data["weights"])
        values["rows"] = [RankedProcedure.from_json_dict(r) for r in rows]
        return cls(**values)


@dataclass(slots=True)
class PotentialSavings:
    """The scenario's POTENTIAL savings, next to the EXPECTED ones the rest of the result holds.

    Potential: every measure in place wherever it applies and every eligible case moved to
    the new channels (``analysis.compare.compare_potential``). Expected: uptake on the
    adoption curve in fiscal year ``adoption_year`` and the published share of planned work
    municipalities deliver. Potential figures are deterministic upper bounds (savings,
    as-is − to-be, by metric): they carry no P5–P95 of their own.
    """

    adoption_year: int
    city: dict[str, float]
    sections: dict[str, dict[str, float]]
    procedures: dict[str, dict[str, float]]

    def to_json_dict(self) -> dict[str, Any]:
        # Copies of the dicts, not dataclasses.asdict's deep walk (30,000 procedures' rows).
        return {"adoption_year": self.adoption_year, "city": dict(self.city),
                "sections": {k: dict(v) for k, v in self.sections.items()},
                "procedures": {k: dict(v) for k, v in self.procedures.items()}}

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> PotentialSavings:
        return cls(int(data["adoption_year"]), dict(data["city"]), dict(data["sections"]),
                   dict(data["procedures"]))


@dataclass(frozen=True, slots=True)
class SavingBandReading:
    """Where the whole-office staff-hour saving falls among published outcomes
    (``analysis.calibration.SAVING_BANDS``): shares of all as-is staff hours."""

    expected_share: float
    expected_share_p5: float
    expected_share_p95: float
    potential_share: float
    band: str                  # key of the expected share's band
    text_ja: str               # one sentence each: the share, its band, and why
    text_en: str
    potential_text_ja: str
    potential_text_en: str

    def text(self, lang: str = "ja") -> str:
        return self.text_ja if lang == "ja" else self.text_en

    def potential_text(self, lang: str = "ja") -> str:
        return self.potential_text_ja if lang == "ja" else self.potential_text_en


@dataclass(slots=True)
class SimulationResult:
    """Everything one run produces; the JSON is derived from it, never assembled apart."""

    generated_at: str
    project: str
    scenario: ScenarioSummary
    replications: int
    seed: int
    parameters: list[ParameterRow]
    unit_costs: list[UnitCostRow]
    city: AreaResult
    sections: list[AreaResult]
    procedures: list[ProcedureResult]
    not_applied: list[NotApplied]
    measures: list[MeasureSavings]
    ranking: Ranking
    counters: list[SectionCounter]
    city_samples: dict[str, list[float]]   # every replication's city savings, by metric
    potential: PotentialSavings | None = None   # None only in results saved by schema /2
    band: SavingBandReading | None = None
    economics: EconomicsResult | None = None   # costs, payback, NPV (analysis.economics)
    roadmap: RoadmapResult | None = None       # by fiscal year (analysis.roadmap)
    schema: str = SCHEMA
    metrics: list[str] = field(default_factory=lambda: list(METRICS))

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema, "generated_at": self.generated_at, "project": self.project,
            "scenario": asdict(self.scenario), "replications": self.replications,
            "seed": self.seed, "metrics": self.metrics,
            "parameters": [asdict(p) for p in self.parameters],
            "unit_costs": [asdict(u) for u in self.unit_costs],
            "city": self.city.to_json_dict(),
            "sections": [s.to_json_dict() for s in self.sections],
            "procedures": [p.to_json_dict() for p in self.procedures],
            "not_applied": [asdict(a) for a in self.not_applied],
            "measures": [m.to_json_dict() for m in self.measures],
            "ranking": self.ranking.to_json_dict(),
            "where_to_start": [r.to_json_dict() for r in self.ranking.rows],
            "counter": [c.to_json_dict() for c in self.counters],
            "city_samples": self.city_samples,
            "potential": self.potential.to_json_dict() if self.potential else None,
            "band": asdict(self.band) if self.band else None,
            "economics": self.economics.to_json_dict() if self.economics else None,
            "roadmap": self.roadmap.to_json_dict() if self.roadmap else None,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> SimulationResult:
        if data.get("schema") not in READABLE_SCHEMAS:
            raise ValueError(f"unsupported simulation result schema {data.get('schema')!r} "
                             f"(expected {SCHEMA})")
        scenario = data["scenario"]
        return cls(
            generated_at=data["generated_at"], project=data["project"],
            scenario=ScenarioSummary(scenario["name"], scenario["description"],
                                     [MeasureSummary(**m) for m in scenario["measures"]]),
            replications=int(data["replications"]), seed=int(data["seed"]),
            parameters=[ParameterRow(**p) for p in data["parameters"]],
            unit_costs=[UnitCostRow(**u) for u in data["unit_costs"]],
            city=AreaResult.from_json_dict(data["city"]),
            sections=[AreaResult.from_json_dict(s) for s in data["sections"]],
            procedures=[ProcedureResult.from_json_dict(p) for p in data["procedures"]],
            not_applied=[NotApplied(**a) for a in data["not_applied"]],
            measures=[MeasureSavings.from_json_dict(m) for m in data["measures"]],
            ranking=Ranking.from_json_dict(data["ranking"], data["where_to_start"]),
            counters=[SectionCounter.from_dict(c) for c in data["counter"]],
            city_samples=data.get("city_samples", {}),
            potential=(PotentialSavings.from_json_dict(data["potential"])
                       if data.get("potential") else None),
            band=SavingBandReading(**data["band"]) if data.get("band") else None,
            economics=(EconomicsResult.from_json_dict(data["economics"])
                       if data.get("economics") else None),
            roadmap=(RoadmapResult.from_json_dict(data["roadmap"])
                     if data.get("roadmap") else None),
            schema=data["schema"], metrics=list(data["metrics"]))


def read_json(path: str | Path) -> SimulationResult:
    """A result written by ``bpr-studio simulate --json`` (the report reuses it)."""
    return SimulationResult.from_json_dict(orjson.loads(Path(path).read_bytes()))
