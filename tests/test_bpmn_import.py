"""BPMN import: round trip of every sample procedure, files from other tools, bad and hostile files."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import pytest

from bpr_studio.cli import main
from bpr_studio.io.bpmn_export import export_project_bpmn
from bpr_studio.io.bpmn_import import BpmnOptions
from bpr_studio.io.bpmn_read import parse_xml
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.io.workbook_reader import FileProblem
from bpr_studio.pipeline import load_model, run_pipeline
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

DATA = Path(__file__).parent / "data" / "bpmn"
MODELER_FILE = DATA / "building_permit_modeler.bpmn"
STEP_FIELDS = ("name", "actor", "work_kind", "min_minutes", "typical_minutes", "max_minutes",
               "share_pct", "medium", "manual_entry", "seal", "physical_burden",
               "cognitive_burden", "psychological_burden", "enjoyment", "wait_days",
               "staff_category", "notes")
PROCEDURE_FIELDS = ("name", "section", "department", "team", "category", "legal_basis",
                    "legal_basis_name", "legal_form_requirement", "identity_check",
                    "attachment_kind", "attachment_count", "attachment_names", "fee_yen",
                    "fee_payment", "annual_cases", "online_cases", "peak_months",
                    "visit_required", "lead_time_days", "notes")


def _value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()  # numpy scalar
    return round(v, 6) if isinstance(v, float) else v


def graphs_of(path: Path) -> dict:
    with open_project(path) as project:
        return load_model(project).graphs


def contents(path: Path) -> dict:
    """Everything the import writes, comparable across projects."""
    result = {}
    for pid, graph in graphs_of(path).items():
        steps = {n: tuple(_value(graph.nodes[n].get(f)) for f in STEP_FIELDS)
                 for n in graph if n != "END"}
        links = {(u, v): round(p, 9) for u, v, p in graph.edges(data="probability")}
        result[pid] = (tuple(_value(graph.graph.get(f)) for f in PROCEDURE_FIELDS), steps, links)
    return result


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bpmn_import") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_round_trip_of_every_sample_procedure_gives_the_same_graphs(sample_project: Path,
                                                                   tmp_path: Path) -> None:
    exported = tmp_path / "city.bpmn"
    with open_project(sample_project) as project:
        export_project_bpmn(project, exported)
    target = tmp_path / "round_trip.bprproj"
    report = import_surveys(target, [exported])
    assert report.ok, report.format_text("en")
    assert not report.warnings
    before, after = contents(sample_project), contents(target)
    assert set(before) == set(after)
    assert len(before) > 50
    for pid in before:
        assert after[pid] == before[pid], pid


def test_a_bpmn_file_replaces_its_own_procedures_and_keeps_the_rest_of_the_section(
        sample_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "p.bprproj"
    shutil.copy(sample_project, project)
    one = tmp_path / "one.bpmn"
    assert main(["export-bpmn", "--project", str(project), "--procedure", "KH-001",
                 "-o", str(one)]) == 0
    section = graphs_of(project)["KH-001"].graph["section"]
    before = {pid for pid, g in graphs_of(project).items() if g.graph["section"] == section}
    assert len(before) > 1
    text = one.read_text(encoding="utf-8").replace('name="要介護・要支援認定の申請"',
                                                   'name="要介護認定の申請（改訂）"')
    one.write_text(text, encoding="utf-8")
    report = import_surveys(project, [one])
    assert report.ok, report.format_text("en")
    [change] = report.changes
    assert (change.before_procedures, change.after_procedures, change.removed) == (
        len(before), len(before), [])
    graphs = graphs_of(project)
    assert {pid for pid, g in graphs.items() if g.graph["section"] == section} == before
    assert graphs["KH-001"].graph["name"] == "要介護認定の申請（改訂）"


def test_a_file_from_another_modeler_imports_and_simulates(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.bprproj"
    # Its lane 審査係 is not an actor: refused, naming the lane and the way to map it.
    code = main(["import", "--project", str(project), "--section", "建築指導課",
                 str(MODELER_FILE)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Process_kenchiku!Activity_check" in out
    assert "審査係" in out
    assert "--lane-map" in out
    assert not project.exists()
    code = main(["import", "--project", str(project), "--section", "建築指導課",
                 "--lane-map", "審査係=担当職員", str(MODELER_FILE)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Gateway_site" in out  # no probabilities there: equal split, said
    assert "Activity_notify" in out  # no time: 0 minutes, said
    graph = graphs_of(project)["Process_kenchiku"]
    steps = {n: graph.nodes[n] for n in graph if n != "END"}
    assert [(s["name"], s["actor"]) for _n, s in sorted(steps.items())] == [
        ("申請書の作成", "citizen"), ("書類審査", "clerk"), ("現地確認", "clerk"),
        ("決裁", "approver"), ("確認済証の交付", "clerk")]
    # BPSim in hours → minutes; triangular, uniform, normal (mean), constant.
    assert [(s["min_minutes"], s["typical_minutes"], s["max_minutes"])
            for _n, s in sorted(steps.items())] == [
        (30, 60, 180), (60, 90, 120), (120, 120, 120), (15, 15, 15), (0, 0, 0)]
    assert steps[3]["wait_days"] == 3  # the timer after 現地確認
    links = {(u, v): p for u, v, p in graph.edges(data="probability")}
    assert links == {(1, 2): 1.0, (2, 3): 0.8, (2, 1): 0.2, (3, 4): 0.5, (3, 5): 0.5,
                     (4, 5): 1.0, (5, "END"): 1.0}  # the rework loop back to 1 is kept
    assert graph.graph["annual_cases"] == 400  # 21.9 h between arrivals
    with open_project(project) as opened:
        result = run_pipeline(opened, "DX標準", replications=20, seed=1, counter=False)
    assert result.city is not None


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def bpmn(body: str, simulation: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:bpsim="http://www.bpsim.org/schemas/1.0" id="D" targetNamespace="x">'
            f'<process id="P1" name="手続">{body}</process>{simulation}</definitions>')


CHAIN = ('<laneSet><lane id="L" name="担当職員"><flowNodeRef>S</flowNodeRef>'
         '<flowNodeRef>A</flowNodeRef><flowNodeRef>B</flowNodeRef><flowNodeRef>E</flowNodeRef>'
         '</lane></laneSet><startEvent id="S"/><task id="A" name="受付"/><task id="B" name="審査"/>'
         '<endEvent id="E"/>')


@pytest.mark.parametrize(("body", "key", "place"), [
    (CHAIN + '<sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
     '<sequenceFlow id="F2" sourceRef="A" targetRef="Nowhere"/>', "bpmn_dangling_flow", "P1!F2"),
    (CHAIN + '<eventBasedGateway id="G"/><sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
     '<sequenceFlow id="F2" sourceRef="A" targetRef="G"/><sequenceFlow id="F3" sourceRef="G" '
     'targetRef="B"/><sequenceFlow id="F4" sourceRef="G" targetRef="E"/>'
     '<sequenceFlow id="F5" sourceRef="B" targetRef="E"/>', "bpmn_event_gateway", "P1!G"),
    (CHAIN.replace('name="担当職員"', 'name="謎の係"') +
     '<sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
     '<sequenceFlow id="F2" sourceRef="A" targetRef="B"/>'
     '<sequenceFlow id="F3" sourceRef="B" targetRef="E"/>', "bpmn_lane_unknown", "P1!A"),
])
def test_bad_bpmn_is_refused_at_the_element_and_nothing_is_written(
        tmp_path: Path, sample_project: Path, body: str, key: str, place: str) -> None:
    project = tmp_path / "p.bprproj"
    shutil.copy(sample_project, project)
    before = contents(project)
    path = write(tmp_path, "bad.bpmn", bpmn(body))
    report = import_surveys(project, [path], bpmn=BpmnOptions("市民課"))
    assert not report.ok
    assert [(i.key, i.place) for i in report.errors] == [(key, place)]
    assert contents(project) == before


def test_a_gateway_without_probabilities_is_an_equal_split_with_a_warning(tmp_path: Path) -> None:
    body = (CHAIN + '<exclusiveGateway id="G"/><sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
            '<sequenceFlow id="F2" sourceRef="A" targetRef="G"/>'
            '<sequenceFlow id="F3" sourceRef="G" targetRef="B"/>'
            '<sequenceFlow id="F4" sourceRef="G" targetRef="E"/>'
            '<sequenceFlow id="F5" sourceRef="B" targetRef="E"/>')
    times = ('<bpsim:BPSimData><bpsim:Scenario id="s"><bpsim:ScenarioParameters '
             'baseTimeUnit="min"/><bpsim:ElementParameters elementRef="A"><bpsim:TimeParameters>'
             '<bpsim:ProcessingTime><bpsim:FloatingParameter value="2000"/></bpsim:ProcessingTime>'
             '</bpsim:TimeParameters></bpsim:ElementParameters></bpsim:Scenario></bpsim:BPSimData>')
    project = tmp_path / "p.bprproj"
    report = import_surveys(project, [write(tmp_path, "g.bpmn", bpmn(body, times))],
                            bpmn=BpmnOptions("市民課"))
    assert report.ok, report.format_text("en")
    warnings = {(i.key, i.cell) for i in report.warnings}
    assert ("bpmn_branch_equal", "G") in warnings
    assert ("bpmn_time_over_a_day", "A") in warnings  # 2,000 minutes: above the survey's cap
    assert ("bpmn_no_time", "B") in warnings
    graph = graphs_of(project)["P1"]
    assert dict(graph[1]) == {2: {"probability": 0.5}, "END": {"probability": 0.5}}
    assert graph.nodes[1]["typical_minutes"] == 2000


def test_no_section_is_an_error(tmp_path: Path) -> None:
    body = CHAIN + ('<sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
                    '<sequenceFlow id="F2" sourceRef="A" targetRef="B"/>'
                    '<sequenceFlow id="F3" sourceRef="B" targetRef="E"/>')
    report = import_surveys(tmp_path / "p.bprproj", [write(tmp_path, "s.bpmn", bpmn(body))])
    assert [i.key for i in report.errors] == ["bpmn_section_missing"]
    assert not (tmp_path / "p.bprproj").exists()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">
<process id="P"><task id="T" name="&lol9;"/></process></definitions>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">
<process id="P"><task id="T" name="&secret;"/></process></definitions>"""


@pytest.mark.parametrize(("text", "key"), [
    (BILLION_LAUGHS, "bpmn_dtd_forbidden"),
    (EXTERNAL_ENTITY, "bpmn_dtd_forbidden"),
    ("<definitions><process>", "bpmn_not_xml"),
    ('<?xml version="1.0"?><workbook/>', "bpmn_not_bpmn"),
    ("<a>" * 5000 + "</a>" * 5000, "file_too_large"),  # nesting far beyond any BPMN
])
def test_hostile_xml_is_refused_quickly_and_nothing_is_written(
        tmp_path: Path, sample_project: Path, text: str, key: str) -> None:
    project = tmp_path / "p.bprproj"
    shutil.copy(sample_project, project)
    before = contents(project)
    # CPU seconds, not wall time: an expanded entity bomb costs many CPU-seconds, and a
    # busy machine must not fail the test by stretching the wall clock.
    start = time.process_time()
    report = import_surveys(project, [write(tmp_path, "h.bpmn", text)],
                            bpmn=BpmnOptions("市民課"))
    assert time.process_time() - start < 2
    assert [i.key for i in report.errors] == [key]
    assert "passwd" not in report.format_text("ja").replace("file:///etc/passwd", "")
    assert contents(project) == before


def test_a_file_above_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.bpmn", bpmn(CHAIN) + " " * 5000)
    with pytest.raises(FileProblem) as refused:
        parse_xml(path, max_bytes=4000)
    assert refused.value.key == "file_too_large"


def test_a_bad_lane_map_entry_is_an_error(tmp_path: Path, capsys) -> None:
    code = main(["import", "--project", str(tmp_path / "p.bprproj"), "--section", "建築指導課",
                 "--lane-map", "審査係=係員さん", str(MODELER_FILE)])
    assert code == 1
    assert "審査係=係員さん" in capsys.readouterr().out


def test_a_task_of_days_goes_from_bpmn_to_a_survey_workbook_and_back(tmp_path: Path) -> None:
    """Padua's tasks take up to 18,843 minutes: the survey takes them (the old cap of 1,440
    refused the exported workbook), with the same figures after the round trip."""
    from bpr_studio.io.survey_export import export_section

    body = CHAIN + ('<sequenceFlow id="F1" sourceRef="S" targetRef="A"/>'
                    '<sequenceFlow id="F2" sourceRef="A" targetRef="B"/>'
                    '<sequenceFlow id="F3" sourceRef="B" targetRef="E"/>')
    times = ('<bpsim:BPSimData><bpsim:Scenario id="s"><bpsim:ScenarioParameters '
             'baseTimeUnit="min"/><bpsim:ElementParameters elementRef="A"><bpsim:TimeParameters>'
             '<bpsim:ProcessingTime><bpsim:TriangularDistribution min="290" mode="5000" '
             'max="18843"/></bpsim:ProcessingTime></bpsim:TimeParameters>'
             '</bpsim:ElementParameters><bpsim:ElementParameters elementRef="B">'
             '<bpsim:TimeParameters><bpsim:ProcessingTime><bpsim:FloatingParameter value="30"/>'
             '</bpsim:ProcessingTime></bpsim:TimeParameters></bpsim:ElementParameters>'
             '</bpsim:Scenario></bpsim:BPSimData>')
    first = tmp_path / "from_bpmn.bprproj"
    report = import_surveys(first, [write(tmp_path, "long.bpmn", bpmn(body, times))],
                            bpmn=BpmnOptions("市民課"))
    assert report.ok, report.format_text("en")
    workbook = tmp_path / "市民課.xlsx"
    with open_project(first) as project:
        export_section(project, "市民課", workbook)
    second = tmp_path / "from_survey.bprproj"
    report = import_surveys(second, [workbook])
    assert report.ok, report.format_text("en")
    assert contents(second) == contents(first)
    assert graphs_of(second)["P1"].nodes[1]["max_minutes"] == 18_843
