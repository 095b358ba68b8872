"""As-is versus to-be, deterministically: the figures a scenario edit updates at once."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from analysis.graph import build_graphs
from analysis.scenario import Application, Scenario, apply_scenario
from analysis.tabular import ProcessTables, graphs_to_tables, tables_for_costing
from bpr_studio.store import Project
from cost_model.costs import COST_COLUMNS, CostResult, compute_costs
from cost_model.readiness import ReadinessRubric
from cost_model.scoring import load_frames, load_rubric
from cost_model.unit_costs import UnitCostTable, load_unit_costs

DELTA_COLUMNS = [*COST_COLUMNS, "staff_fte", "citizen_visits"]


@dataclass
class Comparison:
    as_is: CostResult
    to_be: CostResult
    applications: list[Application]
    as_is_tables: ProcessTables
    to_be_tables: ProcessTables

    def savings(self) -> pd.DataFrame:
        """Per procedure: as-is minus to-be for every cost (positive = saved)."""
        a = self.as_is.procedures.set_index("procedure_id")
        b = self.to_be.procedures.set_index("procedure_id")
        out = a[["name", "section"]].copy()
        for column in DELTA_COLUMNS:
            out[column] = a[column] - b[column]
        out["level"] = a["level"]
        out["level_to_be"] = b["level"]
        return out.reset_index()

    def city(self) -> pd.DataFrame:
        a, b = self.as_is.city(), self.to_be.city()
        frame = pd.DataFrame({"as_is": a[DELTA_COLUMNS], "to_be": b[DELTA_COLUMNS]})
        frame["saved"] = frame["as_is"] - frame["to_be"]
        return frame


@dataclass
class ProjectModel:
    """Everything a comparison needs, loaded once: graphs, unit costs, rubric."""

    graphs: dict[str, nx.DiGraph]
    unit_costs: UnitCostTable
    rubric: ReadinessRubric

    @classmethod
    def load(cls, project: Project) -> ProjectModel:
        procedures, steps, links = load_frames(project)
        return cls(build_graphs(procedures, steps, links), load_unit_costs(project),
                   load_rubric(project))


def parameter_values(scenario: Scenario) -> dict[str, float]:
    """Scenario-wide parameter overrides (a measure's params apply to its parameters)."""
    values: dict[str, float] = {}
    for use in scenario.measures:
        values.update({k: float(v) for k, v in use.params.items() if k != "steps"})
    return values


def compare(model: ProjectModel, scenario: Scenario) -> Comparison:
    to_be_graphs, log = apply_scenario(model.graphs, scenario, model.rubric)
    as_is_tables = graphs_to_tables(model.graphs)
    to_be_tables = graphs_to_tables(to_be_graphs)
    values = parameter_values(scenario)
    as_is = compute_costs(*tables_for_costing(as_is_tables), model.unit_costs, model.rubric)
    to_be = compute_costs(*tables_for_costing(to_be_tables, values), model.unit_costs, model.rubric)
    return Comparison(as_is, to_be, log, as_is_tables, to_be_tables)
