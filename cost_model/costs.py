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
from cost_model.flow import FlowStructure
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
    # The defaults of each distinct kind, spread by the kinds' codes (a dict lookup per
    # step through pandas' string map took seconds at 30,000 procedures); an unknown or
    # blank kind (code -1: the last slot) takes "other"'s.
    codes, kinds = pd.factorize(steps["work_kind"])
    known = [BURDEN_DEFAULTS.get(k, BURDEN_DEFAULTS["other"]) for k in kinds]
    known.append(BURDEN_DEFAULTS["other"])
    defaults = {axis: np.array([float(getattr(b, axis)) for b in known])[codes]
                for axis in ("physical", "cognitive", "psychological")}

    def rating(column: str, axis: str) -> np.ndarray:
        if column not in steps:
            return defaults[axis].copy()
        given = steps[column].astype(float).to_numpy()
        return np.where(np.isnan(given), defaults[axis], given)

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


@dataclass
class StepCoefficients:
    """Cost per hour and per execution of each step, for each of COST_COLUMNS.

    Costs are linear: step cost = hours × per_hour + executions × per_execution. The
    deterministic model and the Monte Carlo share these arrays, so they cannot disagree.
    """

    per_hour: np.ndarray       # (steps, 10)
    per_execution: np.ndarray  # (steps, 10)


# Kinds of work that produce a sheet of paper when done on paper: the form filled in, the
# certificate or notice issued, the letter mailed. Reception, checking, approval, filing
# and carrying handle a sheet already produced and are not counted again (proposal; the
# survey has no sheet count, see docs/cost-model.md).
SHEET_PRODUCING_KINDS = ("filling_in", "issuing", "mailing")


def sheets_per_execution(steps: pd.DataFrame) -> np.ndarray:
    """Sheets of paper produced by one execution of each step (0 or 1)."""
    paper = (steps["medium"] == "paper").to_numpy()
    producing = steps["work_kind"].isin(SHEET_PRODUCING_KINDS).to_numpy()
    return (paper & producing).astype(float)


def step_coefficients(procedures: pd.DataFrame, steps: pd.DataFrame,
                      unit_costs: UnitCostTable) -> StepCoefficients:
    section = steps["procedure_id"].map(procedures.set_index("procedure_id")["section"])
    actor = steps["actor"].to_numpy()
    is_staff = np.isin(actor, STAFF_ACTORS).astype(float)
    is_citizen = np.isin(actor, CITIZEN_ACTORS).astype(float)
    fiscal = (steps["staff_category"] == "fiscal_year").to_numpy()
    hourly = np.where(fiscal, _section_value(unit_costs, "hourly_cost_fiscal_year", section),
                      _section_value(unit_costs, "hourly_cost_regular", section))
    mailing = (steps["work_kind"] == "mailing").to_numpy()
    sheets = sheets_per_execution(steps)
    paper_yen = sheets * _section_value(unit_costs, "paper_cost_per_sheet_yen", section)
    postage_yen = mailing * _section_value(unit_costs, "postage_letter_yen", section)
    physical, cognitive, psychological = _ratings(steps)
    per_hour = np.zeros((len(steps), len(COST_COLUMNS)))
    per_execution = np.zeros_like(per_hour)
    col = {c: i for i, c in enumerate(COST_COLUMNS)}
    for side, mask in (("staff", is_staff), ("citizen", is_citizen)):
        per_hour[:, col[f"{side}_time_h"]] = mask
        per_hour[:, col[f"{side}_physical_bh"]] = mask * physical / RATING_MAX
        per_hour[:, col[f"{side}_cognitive_bh"]] = mask * cognitive / RATING_MAX
        per_hour[:, col[f"{side}_psychological_bh"]] = mask * psychological / RATING_MAX
    per_hour[:, col["staff_economic_yen"]] = is_staff * hourly
    # The city pays for the sheets it produces, also the blank form a citizen fills in.
    per_execution[:, col["staff_economic_yen"]] = paper_yen + postage_yen * is_staff
    per_execution[:, col["citizen_economic_yen"]] = postage_yen * is_citizen
    return StepCoefficients(per_hour, per_execution)


@dataclass
class CostBasis:
    """What costing procedures, steps and links computes that depends neither on the
    steps' minutes nor on the procedures' online cases: the flow (executions per case),
    the cost coefficients, the waiting days, the procedures' own coefficients and their
    readiness levels. A costing of the same tables at other parameter values (the
    potential reading of a comparison: only minutes and online cases change) reuses it,
    and so does the Monte Carlo of those tables; the figures are the same operations on
    the same numbers, so the same to the last bit."""

    structure: FlowStructure
    per_case: np.ndarray            # (steps,) executions per case
    executions: np.ndarray          # (steps,) executions a year
    coefficients: StepCoefficients
    section: np.ndarray             # (steps,) the step's procedure's section
    wait_days_per_case: np.ndarray  # (steps,) waiting days in the lead time
    extra: ProcedureCoefficients
    levels: pd.DataFrame | None     # readiness level, score and reasons per procedure


def cost_basis(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame,
               unit_costs: UnitCostTable, rubric: ReadinessRubric | None = None,
               structure: FlowStructure | None = None, levels: bool = True) -> CostBasis:
    """The :class:`CostBasis` of a costing (``structure``: the flow of the same steps
    and links, if made already; ``levels``: also score the procedures' readiness)."""
    steps = steps.reset_index(drop=True)
    proc = procedures.set_index("procedure_id")
    cases = steps["procedure_id"].map(proc["annual_cases"]).fillna(0).to_numpy(dtype=float)
    share = steps["share_pct"].astype(float).fillna(100).to_numpy() / 100
    structure = structure or FlowStructure(steps, links)
    per_case = structure.visits(links["probability"].to_numpy(dtype=float)) * share
    executions = cases * per_case
    coefficients = step_coefficients(procedures, steps, unit_costs)
    waits = per_case * steps["wait_days"].astype(float).fillna(0).to_numpy()
    # Waiting days of parallel branches overlap: only the longer branch adds to the lead time.
    wait_days = waits * structure.lead_time_factors(steps, waits)
    return CostBasis(structure, per_case, executions, coefficients,
                     steps["procedure_id"].map(proc["section"]).to_numpy(), wait_days,
                     procedure_coefficients(procedures, unit_costs),
                     score_frame(rubric or ReadinessRubric(), procedures.reset_index(drop=True))
                     if levels else None)


def step_costs(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame,
               unit_costs: UnitCostTable, basis: CostBasis | None = None) -> pd.DataFrame:
    """Five costs per step and year. ``executions_per_case`` counts rework and branches.
    ``basis``: the :func:`cost_basis` of these tables (or of tables that differ from them
    in the steps' minutes alone)."""
    steps = steps.reset_index(drop=True)
    basis = basis or cost_basis(procedures, steps, links, unit_costs, levels=False)
    executions = basis.executions
    hours = executions * steps["typical_minutes"].astype(float).to_numpy() / 60
    coefficients = basis.coefficients
    costs = hours[:, None] * coefficients.per_hour + executions[:, None] * coefficients.per_execution

    out = steps[["procedure_id", "step_no", "name", "actor", "work_kind"]].copy()
    out["section"] = basis.section
    out["executions_per_case"] = basis.per_case
    out["executions"] = executions
    for i, column in enumerate(COST_COLUMNS):
        out[column] = costs[:, i]
    out["wait_days_per_case"] = basis.wait_days_per_case
    return out


@dataclass
class ProcedureCoefficients:
    """Citizen costs outside the steps, per counter visit, per mailed case and per case."""

    per_visit: np.ndarray   # (procedures, 10)
    per_mailed: np.ndarray  # (procedures, 10)
    per_case: np.ndarray    # (procedures, 10)
    visit_required: np.ndarray  # (procedures,) bool


def procedure_coefficients(procedures: pd.DataFrame, unit_costs: UnitCostTable
                           ) -> ProcedureCoefficients:
    procedures = procedures.reset_index(drop=True)
    sections = procedures["section"]
    col = {c: i for i, c in enumerate(COST_COLUMNS)}
    travel_h = _section_value(unit_costs, "citizen_travel_minutes", sections) / 60
    wait_h = _section_value(unit_costs, "citizen_counter_wait_minutes", sections) / 60
    fees, certificates = _attachment_fees(procedures, unit_costs)
    fetch_h = certificates * _section_value(unit_costs, "attachment_fetch_minutes", sections) / 60
    moving, waiting = BURDEN_DEFAULTS["moving"], BURDEN_DEFAULTS["waiting"]
    per_visit = np.zeros((len(procedures), len(COST_COLUMNS)))
    per_visit[:, col["citizen_time_h"]] = travel_h + wait_h
    per_visit[:, col["citizen_physical_bh"]] = travel_h * moving.physical / RATING_MAX
    per_visit[:, col["citizen_cognitive_bh"]] = wait_h * waiting.cognitive / RATING_MAX
    per_visit[:, col["citizen_psychological_bh"]] = (
        travel_h * moving.psychological + wait_h * waiting.psychological) / RATING_MAX
    per_mailed = np.zeros_like(per_visit)
    per_mailed[:, col["citizen_economic_yen"]] = _section_value(
        unit_costs, "postage_letter_yen", sections)
    per_case = np.zeros_like(per_visit)
    per_case[:, col["citizen_time_h"]] = fetch_h
    per_case[:, col["citizen_economic_yen"]] = fees
    per_case[:, col["citizen_physical_bh"]] = fetch_h * moving.physical / RATING_MAX
    per_case[:, col["citizen_psychological_bh"]] = fetch_h * moving.psychological / RATING_MAX
    visit = procedures["visit_required"].astype(object).where(
        procedures["visit_required"].notna(), False).astype(bool).to_numpy()
    return ProcedureCoefficients(per_visit, per_mailed, per_case, visit)


def _attachment_fees(procedures: pd.DataFrame, unit_costs: UnitCostTable
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per case: yen a citizen pays for certificates to attach (住民票 ¥300, 戸籍 ¥450 …),
    and how many certificates must be fetched."""
    juminhyo = unit_costs.value("fee_juminhyo_yen")
    koseki = unit_costs.value("fee_koseki_yen")
    fees = np.zeros(len(procedures))
    counted = np.zeros(len(procedures))
    kinds = procedures["attachment_kind"].to_numpy()
    counts = procedures["attachment_count"].fillna(0).to_numpy(dtype=float)
    names = procedures["attachment_names"].astype(object).fillna("").to_numpy()
    for i in np.flatnonzero(kinds == "certificate"):
        items = [n for n in str(names[i]).replace("；", ";").split(";") if n.strip()]
        priced = [koseki if "戸籍" in n else juminhyo for n in items
                  if any(w in n for w in ("戸籍", "住民票", "所得", "課税", "納税", "登記", "印鑑"))]
        unnamed = max(0.0, counts[i] - len(items))
        fees[i] = sum(priced) + unnamed * juminhyo
        counted[i] = len(priced) + unnamed
    return fees, counted


def compute_costs(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame,
                  unit_costs: UnitCostTable, rubric: ReadinessRubric | None = None,
                  basis: CostBasis | None = None) -> CostResult:
    """Score every procedure: five costs for staff and citizens, FTE, visits, level.
    ``basis``: the :func:`cost_basis` of these tables with this rubric, or of tables that
    differ from them only in the steps' minutes and the procedures' online cases."""
    basis = basis or cost_basis(procedures, steps, links, unit_costs, rubric)
    per_step = step_costs(procedures, steps, links, unit_costs, basis)
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
    extra = basis.extra
    visits = offline * extra.visit_required
    mailed = offline * ~extra.visit_required
    added = (visits[:, None] * extra.per_visit + mailed[:, None] * extra.per_mailed
             + cases[:, None] * extra.per_case)
    for i, column in enumerate(COST_COLUMNS):
        out[column] = out[column].to_numpy() + added[:, i]
    out["citizen_visits"] = visits
    out["staff_fte"] = out["staff_time_h"] / unit_costs.value("hours_per_fte")
    out["online_share"] = np.divide(online, cases, out=np.zeros_like(cases), where=cases > 0)
    out["expected_lead_time_days"] = out.pop("wait_days_per_case")
    levels = basis.levels if basis.levels is not None else \
        score_frame(rubric or ReadinessRubric(), procedures.reset_index(drop=True))
    for column in levels.columns:
        out[column] = levels[column].to_numpy()
    return CostResult(per_step, out)


def aggregate(procedure_costs: pd.DataFrame, by: str = "section") -> pd.DataFrame:
    """Sum the yearly figures by ``by`` (section, department, level …)."""
    grouped = procedure_costs.groupby(by, sort=True)
    out = grouped[SUM_COLUMNS].sum()
    out["procedures"] = grouped.size()
    return out.reset_index()
