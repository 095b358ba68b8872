"""Parallel branches (issue 13): '4&5' in 次工程, parallel links in the model.

Work in parallel branches adds up, the join is done once per case, the lead time takes
the longer branch; the cost model, the graph metrics and the Monte Carlo agree.
"""

from __future__ import annotations

import pytest

from analysis.graph import metrics, validate_graph
from bpr_studio.io import normalize as nz
from bpr_studio.io.survey_import import import_surveys, parse_batch
from bpr_studio.loading import score_project
from bpr_studio.pipeline import load_model, run_pipeline
from bpr_studio.queries import steps_frame
from bpr_studio.store import open_project
from tests.conftest import small_procedure


def parallel_steps(pid: str = "T-001", next_of_2: str = "3&4") -> list[dict]:
    """1 受付 → 2 確認 → (3 審査 60 min, 2 days wait ‖ 4 照会 30 min, 5 days wait) → 5 交付."""
    def step(no: int, name: str, actor: str, kind: str, minutes: float, **more) -> dict:
        return {"procedure_id": pid, "step_no": no, "name": name, "actor": actor,
                "work_kind": kind, "typical_minutes": minutes, **more}
    return [
        step(1, "受付", "窓口職員", "受付", 10),
        step(2, "確認", "担当職員", "確認・審査", 20, next_steps=next_of_2),
        step(3, "審査", "担当職員", "確認・審査", 60, next_steps="5", wait_days=2),
        step(4, "他課照会", "担当職員", "その他", 30, next_steps="5", wait_days=5),
        step(5, "交付", "窓口職員", "交付・通知", 5),
    ]


@pytest.fixture
def parallel_project(tmp_path, make_workbook):
    path = tmp_path / "p.bprproj"
    book = make_workbook(procedures=[small_procedure(annual_cases=1000, online_cases=0)],
                         steps=parallel_steps())
    report = import_surveys(path, [book])
    assert report.ok, report.format_text("en")
    return path


@pytest.mark.parametrize(("text", "targets"), [
    ("4&5", [(4, None), (5, None)]), ("4＆5", [(4, None), (5, None)]),
    ("4 & 5 & 6", [(4, None), (5, None), (6, None)]), ("4+5", [(4, None), (5, None)]),
    ("4&5(30%)", [(4, None), (5, 30.0)]),
])
def test_parallel_notation_is_read(text, targets):
    parsed = nz.parse_next_steps(text)
    assert parsed == targets
    assert parsed.parallel
    assert not nz.parse_next_steps("4(85%); 2(15%)").parallel


@pytest.mark.parametrize("text", ["4&", "4&4", "4&終了", "4&5(0%)", "4&5(120%)"])
def test_bad_parallel_notation_is_refused(text):
    with pytest.raises(nz.CellProblem) as info:
        nz.parse_next_steps(text)
    assert info.value.key in {"bad_parallel_steps", "bad_next_steps"}


def test_a_parallel_branch_back_to_an_earlier_step_is_an_error(make_workbook):
    steps = parallel_steps(next_of_2="1&4")
    report = parse_batch([make_workbook(steps=steps)]).report
    assert [(i.key, i.place) for i in report.errors] == [("parallel_backward", "工程!J3")]


def test_parallel_work_adds_up_the_join_counts_once_and_lead_time_takes_the_longer_branch(
        parallel_project):
    with open_project(parallel_project) as project:
        costs = score_project(project)
        model = load_model(project)
        text = steps_frame(project, "T-001").set_index("step_no")["next_steps"].to_dict()
    per_step = costs.steps.set_index("step_no")
    # Every step once per case: 3 and 4 both run, 5 (the join) once, not twice.
    assert per_step["executions_per_case"].to_dict() == pytest.approx(
        {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0})
    staff_minutes = (10 + 20 + 60 + 30 + 5)
    assert costs.procedures["staff_time_h"].iloc[0] == pytest.approx(1000 * staff_minutes / 60)
    # Elapsed time: the branches overlap, the longer one (5 days) counts, not 2 + 5.
    assert costs.procedures["expected_lead_time_days"].iloc[0] == pytest.approx(5.0)
    graph = model.graphs["T-001"]
    assert not validate_graph(graph)
    figures = metrics(graph)
    assert figures["staff_minutes_per_case"] == pytest.approx(staff_minutes)
    assert figures["lead_time_days"] == pytest.approx(5.0)
    assert figures["critical_path"] == [1, 2, 3, 5]  # the 60-minute branch
    assert figures["critical_path_minutes"] == pytest.approx(10 + 20 + 60 + 5)
    assert text[2] == "3&4"  # shown (and exported to a survey) as typed


def test_the_monte_carlo_counts_parallel_branches_like_the_cost_model(parallel_project):
    with open_project(parallel_project) as project:
        result = run_pipeline(project, "DX標準", replications=200, seed=3, counter=False)
    staff = result.city.as_is["staff_time_h"]
    expected = 1000 * (10 + 20 + 60 + 30 + 5) / 60
    assert staff.deterministic == pytest.approx(expected, rel=1e-9)
    # The draws spread the survey's uncertainty around the same figure; a join counted
    # twice would put all of them about 5 minutes a case (83 h) higher.
    assert staff.p5 < expected * 1.05
    assert staff.p50 == pytest.approx(expected, rel=0.1)


def test_an_inclusive_split_counts_each_branch_by_its_chance(tmp_path, make_workbook):
    path = tmp_path / "p.bprproj"
    book = make_workbook(procedures=[small_procedure(annual_cases=1000, online_cases=0)],
                         steps=parallel_steps(next_of_2="3&4(40%)"))
    assert import_surveys(path, [book]).ok
    with open_project(path) as project:
        per_step = score_project(project).steps.set_index("step_no")
    assert per_step["executions_per_case"].to_dict() == pytest.approx(
        {1: 1.0, 2: 1.0, 3: 1.0, 4: 0.4, 5: 1.0})
