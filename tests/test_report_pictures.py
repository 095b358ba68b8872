"""The report's flow pictures are drawn in a process of their own while the sheets are
built (issue 16): the same pictures, and no process left behind, also when the report
fails."""

from __future__ import annotations

import psutil
import pytest

from analysis.scenario import DEFAULT_SCENARIO
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import analyse, load_model
from bpr_studio.report import flow_pictures
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
        return path, flow_pictures.top_flows(ranking, scenario, model)


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
    assert len(chosen) == flow_pictures.FLOW_PICTURES
    before = _children()
    drawing = flow_pictures.Drawing(chosen)
    assert drawing.future is not None  # started at once, in a process of its own
    assert _children() - before
    pictures = drawing.result()
    assert pictures == flow_pictures.draw(chosen)
    assert [title for title, _png in pictures][:2] == [
        f"{chosen[0][0]} — 現状（As-Is）", f"{chosen[0][0]} — {flow_pictures.TO_BE_CAPTION}"]
    assert not _children() - before  # the process has ended


def test_without_a_process_the_pictures_are_drawn_here(flows, monkeypatch):
    _path, chosen = flows

    def refused(*_args, **_kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(flow_pictures, "ProcessPoolExecutor", refused)
    drawing = flow_pictures.Drawing(chosen[:1])
    assert drawing.future is None
    assert drawing.result() == flow_pictures.draw(chosen[:1])


def test_a_report_that_fails_leaves_no_drawing_process(flows, tmp_path, monkeypatch):
    import bpr_studio.pipeline as pipeline

    path, _chosen = flows
    started: list[flow_pictures.Drawing] = []
    original = flow_pictures.Drawing.__init__

    def recorded(self, chosen):
        original(self, chosen)
        started.append(self)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the sensitivity analysis failed")

    monkeypatch.setattr(flow_pictures.Drawing, "__init__", recorded)
    monkeypatch.setattr(pipeline, "run_sensitivity", broken)
    before = _children()
    with open_project(path) as project, pytest.raises(RuntimeError, match="sensitivity"):
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert started
    assert started[0].executor is None
    assert not _children() - before
    assert not (tmp_path / "r.xlsx").exists()
