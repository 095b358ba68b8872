"""Prosimos' simulation parameters read back on import (issue 13, item 3), on the
padua-like model of benchmarks/padua_model.py (our own translation of Prosimos' padua
example: a branch right after the start, three choices, a parallel pair; Prosimos puts
padua's mean work per case at 825.1–827.6 h, the exact mean of these figures is 825.55 h).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.graph import metrics
from benchmarks.padua_model import MEAN_WORK_HOURS, padua_json, write_model
from bpr_studio.cli import main
from bpr_studio.io.bpmn_export import export_project_bpmn
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.prosimos_json import write_prosimos_json
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.pipeline import load_model
from bpr_studio.store import open_project


def test_padua_like_model_imports_with_its_parallel_pair_and_the_same_mean_work(
        tmp_path: Path, capsys) -> None:
    bpmn, parameters = write_model(tmp_path)
    project = tmp_path / "p.bprproj"
    code = main(["import", "--project", str(project), "--section", "購買課",
                 "--lane-map", "購買=担当職員", str(bpmn), str(parameters)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ROLE 1" in out  # the resource pools are said as not modelled
    with open_project(project) as opened:
        graph = load_model(opened).graphs["padua"]
    names = {n: graph.nodes[n]["name"] for n in graph if n != "END"}
    by_name = {v: k for k, v in names.items()}
    # The start's choice became a routing step; the parallel pair is parallel, not sequential.
    assert graph.nodes[1]["typical_minutes"] == 0
    goods, invoice = by_name["Record Goods Receipt"], by_name["Record Invoice Receipt"]
    split = next(u for u, v, d in graph.edges(data=True) if v == goods and d.get("parallel"))
    assert graph.edges[split, invoice].get("parallel")
    assert not graph.has_edge(goods, invoice)
    assert not graph.has_edge(invoice, goods)
    figures = metrics(graph)
    hours = figures["staff_minutes_per_case"] / 60
    assert hours == pytest.approx(MEAN_WORK_HOURS, rel=1e-6)
    assert 825.1 <= hours <= 827.6  # Prosimos' own runs of padua (issue 13)
    visits = figures["expected_executions"]
    assert visits[by_name["Clear Invoice"]] == pytest.approx(1.0)  # the join, once per case
    assert visits[by_name["Create Purchase Requisition"]] == pytest.approx(0.73)
    step = graph.nodes[by_name["Record Invoice Receipt"]]
    assert (step["min_minutes"], step["typical_minutes"], step["max_minutes"]) == pytest.approx(
        (0.0, 1130584 / 60, 3 * 1130584 / 60))
    assert graph.graph["annual_cases"] == round(525_600 / 30)  # one case every 30 minutes


def test_a_model_exported_with_prosimos_json_comes_back_with_the_same_figures(
        tmp_path: Path) -> None:
    bpmn, parameters = write_model(tmp_path)
    first = tmp_path / "first.bprproj"
    assert import_surveys(first, [bpmn, parameters],
                          bpmn=BpmnOptions("購買課", {"購買": "clerk"})).ok
    out_bpmn, out_json = tmp_path / "again.bpmn", tmp_path / "again.json"
    with open_project(first) as opened:
        export_project_bpmn(opened, out_bpmn, procedure_ids=["padua"])
    write_prosimos_json(out_bpmn, out_json)
    # Only the JSON's figures this time: the BPSim of the file is dropped.
    text = out_bpmn.read_text(encoding="utf-8")
    start = text.index('<bpmn:relationship type="BPSimData">')
    out_bpmn.write_text(text[:start] + "</bpmn:definitions>\n", encoding="utf-8")
    second = tmp_path / "second.bprproj"
    report = import_surveys(second, [out_bpmn, out_json], bpmn=BpmnOptions("購買課"))
    assert report.ok, report.format_text("en")

    def figures(path: Path) -> tuple:
        with open_project(path) as opened:
            graph = load_model(opened).graphs["padua"]
        def minutes(value: float | None) -> float | None:  # to 0.0001 min (6 ms)
            return None if value is None or value != value else round(value, 4)
        steps = tuple((graph.nodes[n]["name"], *(minutes(graph.nodes[n][k]) for k in (
            "min_minutes", "typical_minutes", "max_minutes")))
                      for n in sorted(n for n in graph if n != "END"))
        links = sorted((u, str(v), round(p, 9), bool(d)) for u, v, p, d in
                       ((u, v, d["probability"], d.get("parallel")) for u, v, d in
                        graph.edges(data=True)))
        return steps, links, graph.graph["annual_cases"]

    assert figures(second) == figures(first)


@pytest.mark.parametrize(("edit", "key", "cell"), [
    (lambda d: d["task_resource_distribution"][2].update(task_id="Nope"),
     "prosimos_json_unknown_element", "task_resource_distribution[2].task_id"),
    (lambda d: d["task_resource_distribution"][0]["resources"][0].update(distribution_name="weird"),
     "prosimos_json_distribution", "task_resource_distribution[0].resources[0]"),
    (lambda d: d["gateway_branching_probabilities"][1]["probabilities"][0].update(value="-1"),
     "prosimos_json_bad_value", "gateway_branching_probabilities[1].probabilities[0].value"),
])
def test_a_bad_parameter_file_is_refused_at_its_json_path_and_nothing_is_written(
        tmp_path: Path, edit, key: str, cell: str) -> None:
    bpmn, parameters = write_model(tmp_path)
    data = padua_json()
    edit(data)
    parameters.write_text(json.dumps(data), encoding="utf-8")
    project = tmp_path / "p.bprproj"
    report = import_surveys(project, [bpmn, parameters],
                            bpmn=BpmnOptions("購買課", {"購買": "clerk"}))
    assert [(i.key, i.cell) for i in report.errors] == [(key, cell)]
    assert f"■ {parameters.name}" in report.format_text("en")
    assert not project.exists()


def test_a_parameter_file_without_its_bpmn_is_an_error(tmp_path: Path) -> None:
    _bpmn, parameters = write_model(tmp_path)
    report = import_surveys(tmp_path / "p.bprproj", [parameters])
    assert [i.key for i in report.errors] == ["prosimos_json_unpaired"]
