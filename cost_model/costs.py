"""The five costs (5つのコスト) per step, procedure, section and city, per year.

Units (see ``docs/cost-model.md`` for every formula):

- economic: yen / year (``*_economic_yen``)
- time: hours / year (``*_time_h``); lead time in days per case (``lead_time_days``)
- physical, cognitive, psychological: burden-hours / year (``*_physical_bh`` …), where
  burden-hours = hours × rating / 4 and the rating is 0–4 (survey, else the default of the
  kind of work). Enjoyment (0–4) is subtracted from the psychological rating.

Each cost is computed for staff (職員) and citizens (市民). Vectorised over all steps of
all procedures; one call scores a whole city hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cost_model.burden import BURDEN_DEFAULTS, RATING_MAX
from cost_model.flow import expected_visits
from cost_model.readiness import ReadinessRubric, score_frame
from cost_model.unit_costs import UnitCostTable

STAFF_ACTORS = ("counter", "clerk", "approver")
CITIZEN_ACTORS = ("citizen",)
SIDES = ("staff", "citizen")
COSTS = ("economic_yen", "time_h", "physical_bh", "cognitive_bh", "psychological_bh")
COST_COLUMNS = [f"{side}_{cost}" for side in SIDES for cost in COSTS]
COST_LABELS = {
    "economic_yen": ("経済的コスト（円/年）", "economic (yen/yr)"),
    "time_h": ("時間的コスト（時間/年）", "time (h/yr)"),
    "physical_bh": ("肉体的コスト（負担時間/年）", "physical (burden-h/yr)"),
    "cognitive_bh": ("頭脳的コスト（負担時間/年）", "cognitive (burden-h/yr)"),
    "psychological_bh": ("精神的コスト（負担時間/年）", "psychological (burden-h/yr)"),
}


@dataclass
class CostResult:
    steps: pd.DataFrame        # one row per step, with executions and the five costs
    procedures: pd.DataFrame   # one row per procedure: five costs ×2, FTE, visits, level

    def by_section(self) -> pd.DataFrame:
        return aggregate(self.procedures, "section")

    def city(self) -> pd.Series:
        return self.procedures[SUM_COLUMNS].sum()


SUM_COLUMNS = [*COST_COLUMNS, "staff_fte", "citizen_visits", "annual_cases", "online_cases"]


def _ratings(steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kinds = steps["work_kind"].where(steps["work_kind"].isin(list(BURDEN_DEFAULTS)), "other")
    defaults = {axis: kinds.map({k: getattr(b, axis) for k, b in BURDEN_DEFAULTS.items()})
                for axis in ("physical", "cognitive", "psychological")}

    def rating(column: str, axis: str) -> np.ndarray:
        given = steps[column] if column in steps else pd.Series(np.nan, index=steps.index)
        return given.astype(float).fillna(defaults[axis].astype(float)).to_numpy()

    physical = rating("physical_burden", "physical")
    cognitive = rating("cognitive_burden", "cognitive")
    enjoyment = (steps["enjoyment"].astype(float).fillna(0).to_numpy()
                 if "enjoyment" in steps else np.zeros(len(steps)))
    psychological = np.maximum(rating("psychological_burden", "psychological") - enjoyment, 0.0)
    return physical, cognitive, psychological


def _section_value(unit_costs: UnitCostTable, key: str, sections: pd.Series) -> np.ndarray:
    """A unit cost per row, honouring per-section overrides."""
    base = unit_costs.value(key)
    overrides = {s: v[key].value for s, v in unit_costs.sections.items() if key in v}
    if not overrides:
        return np.full(len(sections), base)
    return sections.map(overrides).fillna(base).to_numpy(dtype=float)


def step_costs(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame,
               unit_costs: UnitCostTable) -> pd.DataFrame:
    """Five costs per step and year. ``executions_per_case`` counts rework and branches."""
    steps = steps.reset_index(drop=True)
    proc = procedures.set_index("procedure_id")
    cases = steps["procedure_id"].map(proc["annual_cases"]).fillna(0).to_numpy(dtype=float)
    section = steps["procedure_id"].map(proc["section"])
    share = steps["share_pct"].astype(float).fillna(100).to_numpy() / 100
    per_case = expected_visits(steps, links) * share
    executions = cases * per_case
    hours = executions * steps["typical_minutes"].astype(float).to_numpy() / 60

    actor = steps["actor"].to_numpy()
    is_staff = np.isin(actor, STAFF_ACTORS)
    is_citizen = np.isin(actor, CITIZEN_ACTORS)
    fiscal = (steps["staff_category"] == "fiscal_year").to_numpy()
    hourly = np.where(fiscal, _section_value(unit_costs, "hourly_cost_fiscal_year", section),
                      _section_value(unit_costs, "hourly_cost_regular", section))
    paper = (steps["medium"] == "paper").to_numpy()
    mailing = (steps["work_kind"] == "mailing").to_numpy()
    paper_yen = executions * paper * _section_value(unit_costs, "paper_cost_per_sheet_yen", section)
    postage_yen = executions * mailing * _section_value(unit_costs, "postage_letter_yen", section)
    physical, cognitive, psychological = _ratings(steps)

    out = steps[["procedure_id", "step_no", "name", "actor", "work_kind"]].copy()
    out["section"] = section.to_numpy()
    out["executions_per_case"] = per_case
    out["executions"] = executions
    for side, mask in (("staff", is_staff), ("citizen", is_citizen)):
        side_hours = hours * mask
        out[f"{side}_time_h"] = side_hours
        out[f"{side}_physical_bh"] = side_hours * physical / RATING_MAX
        out[f"{side}_cognitive_bh"] = side_hours * cognitive / RATING_MAX
        out[f"{side}_psychological_bh"] = side_hours * psychological / RATING_MAX
    out["staff_economic_yen"] = hours * is_staff * hourly + (paper_yen + postage_yen) * is_staff
    out["citizen_economic_yen"] = postage_yen * is_citizen
    out["wait_days_per_case"] = per_case * steps["wait_days"].astype(float).fillna(0).to_numpy()
    return out


def _attachment_fees(procedures: pd.DataFrame, unit_costs: UnitCostTable) -> np.ndarray:
    """Yen a citizen pays per case for certificates to attach (住民票 ¥300, 戸籍 ¥450 …)."""
    juminhyo = unit_costs.value("fee_juminhyo_yen")
    koseki = unit_costs.value("fee_koseki_yen")
    fees = np.zeros(len(procedures))
    kinds = procedures["attachment_kind"].to_numpy()
    counts = procedures["attachment_count"].fillna(0).to_numpy(dtype=float)
    names = procedures["attachment_names"].fillna("").to_numpy()
    for i in np.flatnonzero(kinds == "certificate"):
        items = [n for n in str(names[i]).replace("；", ";").split(";") if n.strip()]
        priced = [koseki if "戸籍" in n else juminhyo for n in items
                  if any(w in n for w in ("戸籍", "住民票", "所得", "課税", "納税", "登記", "印鑑"))]
        unnamed = max(0.0, counts[i] - len(items))
        fees[i] = sum(priced) + unnamed * juminhyo
    return fees


def compute_costs(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame,
                  unit_costs: UnitCostTable, rubric: ReadinessRubric | None = None) -> CostResult:
    """Score every procedure: five costs for staff and citizens, FTE, visits, level."""
    per_step = step_costs(procedures, steps, links, unit_costs)
    summed = per_step.groupby("procedure_id", sort=False)[
        [*COST_COLUMNS, "wait_days_per_case"]].sum()
    out = procedures[["procedure_id", "name", "department", "section", "category",
                      "annual_cases", "online_cases", "visit_required", "lead_time_days"]].copy()
    out = out.reset_index(drop=True)
    step_totals = summed.reindex(out["procedure_id"]).fillna(0.0).reset_index(drop=True)
    for column in [*COST_COLUMNS, "wait_days_per_case"]:
        out[column] = step_totals[column].to_numpy()

    cases = out["annual_cases"].fillna(0).to_numpy(dtype=float)
    online = np.minimum(out["online_cases"].fillna(0).to_numpy(dtype=float), cases)
    offline = cases - online
    sections = out["section"]
    visit = out["visit_required"].fillna(False).astype(bool).to_numpy()
    visits = offline * visit
    travel_h = visits * _section_value(unit_costs, "citizen_travel_minutes", sections) / 60
    wait_h = visits * _section_value(unit_costs, "citizen_counter_wait_minutes", sections) / 60
    mailed = offline * ~visit
    postage = mailed * _section_value(unit_costs, "postage_letter_yen", sections)
    fees = _attachment_fees(procedures.reset_index(drop=True), unit_costs) * cases
    certificates = np.where(fees > 0, fees / np.maximum(unit_costs.value("fee_juminhyo_yen"), 1), 0)
    fetch_h = certificates * _section_value(unit_costs, "attachment_fetch_minutes", sections) / 60
    moving, waiting = BURDEN_DEFAULTS["moving"], BURDEN_DEFAULTS["waiting"]

    out["citizen_visits"] = visits
    out["citizen_time_h"] += travel_h + wait_h + fetch_h
    out["citizen_economic_yen"] += postage + fees
    out["citizen_physical_bh"] += (travel_h + fetch_h) * moving.physical / RATING_MAX
    out["citizen_cognitive_bh"] += wait_h * waiting.cognitive / RATING_MAX
    out["citizen_psychological_bh"] += ((travel_h + fetch_h) * moving.psychological
                                        + wait_h * waiting.psychological) / RATING_MAX
    out["staff_fte"] = out["staff_time_h"] / unit_costs.value("hours_per_fte")
    out["online_share"] = np.divide(online, cases, out=np.zeros_like(cases), where=cases > 0)
    out["expected_lead_time_days"] = out.pop("wait_days_per_case")
    levels = score_frame(rubric or ReadinessRubric(), procedures.reset_index(drop=True))
    for column in levels.columns:
        out[column] = levels[column].to_numpy()
    return CostResult(per_step, out)


def aggregate(procedure_costs: pd.DataFrame, by: str = "section") -> pd.DataFrame:
    """Sum the yearly figures by ``by`` (section, department, level …)."""
    grouped = procedure_costs.groupby(by, sort=True)
    out = grouped[SUM_COLUMNS].sum()
    out["procedures"] = grouped.size()
    return out.reset_index()
