"""The report's pictures are drawn in a process of their own while the sheets are built
(issue 16): the same pictures, this process never loads matplotlib, and no process is
left behind, also when the report fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from analysis.scenario import DEFAULT_SCENARIO
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import analyse, load_model
from bpr_studio.report import pictures
from bpr_studio.report.excel import build_report
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def flows(tmp_path_factory):
    path = tmp_path_factory.mktemp("pictures") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        ranking = analyse(project, scenario, model=model, counter=False).ranking.rows
        return path, pictures.top_flows(ranking, scenario, model)


def _children() -> set[int]:
    """Worker processes of this one (not multiprocessing's resource tracker, which stays)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.Error:  # ended meanwhile
            pass
    return found


def test_pictures_drawn_in_another_process_are_those_drawn_here(flows):
    _path, chosen = flows
    assert len(chosen) == pictures.FLOW_PICTURES
    before = _children()
    process = pictures.PictureProcess()
    drawn = process.draw(pictures.draw_flows, chosen)
    assert _children() - before  # started at once, in a process of its own
    made = drawn()
    assert made == pictures.draw_flows(chosen)
    titles = [title for title, _png in made]
    assert titles[0].startswith(f"{chosen[0][0]} — 現状（As-Is）")
    assert any(title.startswith(f"{chosen[0][0]} — {pictures.TO_BE_CAPTION}") for title in titles)
    process.close()
    assert not _children() - before  # the process has ended


def test_without_a_process_the_pictures_are_drawn_here(flows, monkeypatch):
    _path, chosen = flows

    def refused(*_args, **_kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(pictures, "ProcessPoolExecutor", refused)
    process = pictures.PictureProcess()
    assert process.executor is None
    assert process.draw(pictures.draw_flows, chosen[:1])() == pictures.draw_flows(chosen[:1])


def test_the_report_process_never_loads_matplotlib(flows, tmp_path):
    """Every picture of the report is drawn in the picture process."""
    path, _chosen = flows
    code = (
        "import sys\n"
        "from bpr_studio.report.excel import build_report\n"
        "from bpr_studio.store import open_project\n"
        f"with open_project({str(path)!r}) as p:\n"
        f"    build_report(p, 'DX標準', {str(tmp_path / 'r.xlsx')!r}, replications=20)\n"
        "print('matplotlib' in sys.modules)\n")
    # -c: spawned workers do not import a main module (this one is imported here only)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=600, cwd=Path(__file__).parents[1])
    assert out.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "r.xlsx").exists()


def test_a_report_that_fails_leaves_no_drawing_process(flows, tmp_path, monkeypatch):
    from bpr_studio.report import sheets

    path, _chosen = flows
    started: list[pictures.PictureProcess] = []
    original = pictures.PictureProcess.__init__

    def recorded(self):
        original(self)
        started.append(self)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a sheet failed")

    monkeypatch.setattr(pictures.PictureProcess, "__init__", recorded)
    monkeypatch.setattr(sheets, "procedure_sheet", broken)
    before = _children()
    with open_project(path) as project, pytest.raises(RuntimeError, match="sheet failed"):
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert started
    assert started[0].executor is None
    assert not _children() - before
    assert not (tmp_path / "r.xlsx").exists()


def test_long_flows_fill_the_page_budget_in_rank_order(flows):
    """Five 40-step flows would print some 80 pages: the sheet takes procedures from
    the top of the ranking while their pictures fit FLOW_PAGES, never skipping one for a
    shorter one below it, and always has the first."""
    from types import SimpleNamespace

    from analysis.flow_print import part_bounds, print_layout
    from analysis.graph import build_graph

    def flow(pid: str, steps: int):
        rows = [{"step_no": i, "name": f"確認{i}", "actor": ("citizen", "counter", "clerk")[i % 3],
                 "work_kind": "checking", "typical_minutes": 5.0} for i in range(1, steps + 1)]
        links = [(i, i + 1, 1.0) for i in range(1, steps)] + [(steps, None, 1.0)]
        return build_graph({"procedure_id": pid, "name": pid}, rows, links)

    sizes = {"A": 40, "B": 40, "C": 3, "D": 40, "E": 3}
    graphs = {pid: flow(pid, steps) for pid, steps in sizes.items()}
    path, _chosen = flows
    with open_project(path) as project:
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        rubric = load_model(project).rubric
    model = SimpleNamespace(graphs=graphs, rubric=rubric)
    ranking = [SimpleNamespace(procedure_id=pid) for pid in sizes]

    def pages(pid: str) -> int:
        return 2 * len(part_bounds(print_layout(graphs[pid]))[1])

    assert pages("A") + pages("B") > pictures.FLOW_PAGES  # the budget binds here
    chosen = [graph.graph["procedure_id"] for _c, graph, _t in
              pictures.top_flows(ranking, scenario, model)]
    assert chosen == ["A"]  # not A, C: C is below B, which does not fit
    drawn = pictures.draw_flows(pictures.top_flows(ranking, scenario, model))
    assert len(drawn) == pages("A") <= pictures.FLOW_PAGES
    alone = pictures.top_flows([SimpleNamespace(procedure_id="C"),
                                SimpleNamespace(procedure_id="E")], scenario, model)
    assert len(alone) == 2  # short flows: both fit

