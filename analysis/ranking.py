"""Where to start (何から手をつければ良いのか): procedures × measures ranked by savings per effort.

Each measure of the scenario is applied alone to each procedure it applies to, so the
savings of a pair are its own, not a share of a mix. Benefit in yen counts staff yen,
citizens' out-of-pocket yen and citizens' hours at ``citizen_hourly_value``; effort is
the measure's effort (1–3) plus, for measures that put the procedure online, its
readiness level − 1 (a level-4 procedure needs a change of law first).
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from analysis.measures import MEASURES
from analysis.scenario import Scenario
from analysis.tabular import graphs_to_tables, tables_for_costing
from cost_model.costs import compute_costs
from cost_model.readiness import ReadinessRubric, score_procedure
from cost_model.unit_costs import UnitCostTable

LEVEL_SENSITIVE = ("online_application", "line_counter", "drop_attachments")


def where_to_start(graphs: dict[str, nx.DiGraph], scenario: Scenario, unit_costs: UnitCostTable,
                   rubric: ReadinessRubric, values: dict[str, float] | None = None,
                   as_is: pd.DataFrame | None = None,
                   candidates: list[str] | None = None) -> pd.DataFrame:
    """One row per (procedure, measure) that applies, best first.

    ``as_is`` (the as-is procedure costs, if already computed) saves recomputing them;
    ``candidates`` limits the pairs to those procedures (the simulation passes the ones
    with the largest savings under the whole scenario).
    """
    if candidates is not None:
        graphs = {pid: graphs[pid] for pid in candidates if pid in graphs}
    if as_is is None:
        as_is = compute_costs(*tables_for_costing(graphs_to_tables(graphs)), unit_costs,
                              rubric).procedures
    as_is_by_id = as_is.set_index("procedure_id")
    rows = []
    citizen_hour = unit_costs.value("citizen_hourly_value")
    fte_hours = unit_costs.value("hours_per_fte")
    levels = {pid: score_procedure(rubric, g.graph) for pid, g in graphs.items()}
    for use in scenario.measures:
        measure = MEASURES[use.measure]
        chosen = {pid: g for pid, g in graphs.items()
                  if use.rule.matches(g, levels[pid].level) and measure.applicable(g).ok}
        if not chosen:
            continue
        after_graphs = {pid: measure.apply(g, use.params) for pid, g in chosen.items()}
        after = compute_costs(*tables_for_costing(graphs_to_tables(after_graphs), values),
                              unit_costs, rubric)
        a = as_is_by_id.loc[sorted(chosen)]
        b = after.procedures.set_index("procedure_id").reindex(a.index)
        staff_h = a["staff_time_h"] - b["staff_time_h"]
        citizen_h = a["citizen_time_h"] - b["citizen_time_h"]
        citizen_yen = a["citizen_economic_yen"] - b["citizen_economic_yen"]
        staff_yen = a["staff_economic_yen"] - b["staff_economic_yen"]
        level = a["level"].astype(int)
        effort = measure.effort + ((level - 1) if use.measure in LEVEL_SENSITIVE else 0)
        benefit = staff_yen + citizen_yen + citizen_h * citizen_hour
        rows.append(pd.DataFrame({
            "procedure_id": a.index, "name": a["name"].to_numpy(),
            "section": a["section"].to_numpy(),
            "measure": use.measure, "measure_ja": measure.ja, "measure_en": measure.en,
            "level": level.to_numpy(), "level_reasons_ja": a["level_reasons_ja"].to_numpy(),
            "level_reasons_en": a["level_reasons_en"].to_numpy(),
            "annual_cases": a["annual_cases"].to_numpy(),
            "staff_hours_saved": staff_h.to_numpy(), "staff_yen_saved": staff_yen.to_numpy(),
            "fte_saved": (staff_h / fte_hours).to_numpy(),
            "citizen_hours_saved": citizen_h.to_numpy(), "citizen_yen_saved": citizen_yen.to_numpy(),
            "visits_avoided": (a["citizen_visits"] - b["citizen_visits"]).to_numpy(),
            "benefit_yen": benefit.to_numpy(), "effort": effort.to_numpy() if hasattr(
                effort, "to_numpy") else effort,
            "effort_reason": measure.effort_reason,
            "priority": (benefit / effort).to_numpy(),
        }))
    if not rows:
        return pd.DataFrame()
    frame = pd.concat(rows, ignore_index=True)
    frame = frame[frame["benefit_yen"] > 0].sort_values("priority", ascending=False)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)
