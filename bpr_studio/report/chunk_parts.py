"""What the report asks of every chunk of procedures where the run applies the scenario to
it (``analysis.simulate.ChunkWork``): the sensitivity analysis's per-procedure savings and,
for a project with a re-survey round, the effect measurement's paper sheets.

So the report takes `simulate`'s path (the workers apply, cost and simulate their chunks;
this process keeps per-procedure figures only) instead of applying the whole scenario in
its own process to keep the step tables these two parts read (issue 16: a
30,000-procedure report held 2.2 GB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.compare import Comparison, ProjectModel
from analysis.effect import paper_sheets
from analysis.scenario import Scenario
from analysis.sensitivity_part import SensitivityPart, sensitivity_part
from analysis.tabular import tables_for_costing


@dataclass
class ReportPart:
    sensitivity: SensitivityPart
    paper: tuple[np.ndarray, np.ndarray] | None  # as-is and to-be sheets a year per procedure


@dataclass(frozen=True)
class ReportChunk:
    """The report's ``ChunkWork.each`` (picklable: the chunks' workers call it)."""

    effect: bool  # the project has a re-survey round: its 効果測定 sheet needs paper sheets

    def __call__(self, model: ProjectModel, scenario: Scenario, comparison: Comparison
                 ) -> ReportPart:
        paper = None
        if self.effect:
            paper = (paper_sheets(comparison.as_is, tables_for_costing(comparison.as_is_tables)[1]),
                     paper_sheets(comparison.to_be, tables_for_costing(
                         comparison.to_be_tables, comparison.values)[1]))
        return ReportPart(sensitivity_part(model, scenario, comparison), paper)


def joined_paper(parts: list[ReportPart]) -> tuple[np.ndarray, np.ndarray] | None:
    """The chunks' paper sheets in the procedures' order (None: not asked for)."""
    papers = [part.paper for part in parts]
    if not papers or any(paper is None for paper in papers):
        return None
    return (np.concatenate([paper[0] for paper in papers if paper is not None]),
            np.concatenate([paper[1] for paper in papers if paper is not None]))
