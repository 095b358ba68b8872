"""The analysis core takes plain data: loading from the store lives in bpr_studio.loading."""

from __future__ import annotations

from analysis.graph import build_graph, validate_graph
from bpr_studio.io.report import column_letter
from bpr_studio.io.survey_format import STEPS
from bpr_studio.model.survey_layout import NEXT_STEPS_COLUMN, STEP_NO_COLUMN


def test_flow_messages_name_the_template_columns_of_the_steps_sheet():
    keys = [c.key for c in STEPS.columns]
    assert column_letter(keys.index("step_no")) == STEP_NO_COLUMN
    assert column_letter(keys.index("next_steps")) == NEXT_STEPS_COLUMN


def test_a_dead_end_points_to_the_next_steps_cell_of_its_row():
    graph = build_graph({"procedure_id": "P"},
                        [{"step_no": 1, "name": "a", "actor": "clerk", "work_kind": "checking",
                          "typical_minutes": 3.0, "source_sheet": "工程", "source_row": 12,
                          "source_file": "市民課.xlsx"},
                         {"step_no": 2, "name": "b", "actor": "clerk", "work_kind": "checking",
                          "typical_minutes": 3.0, "source_sheet": "工程", "source_row": 13,
                          "source_file": "市民課.xlsx"}],
                        [(1, 2, 1.0)])
    dead_end = next(i for i in validate_graph(graph) if i.key == "dead_end")
    assert dead_end.place == "市民課.xlsx 工程!J13"
