"""BPMN export: valid against the OMG schema, a shape for every node, an edge for every flow."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from analysis.graph import build_graph
from bpr_studio.cli import main
from bpr_studio.io.bpmn_export import bpmn_document, export_project_bpmn
from bpr_studio.io.bpmn_format import NAMESPACES
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

XSD = Path(__file__).parent / "data" / "bpmn_xsd" / "BPMN20.xsd"
NS = NAMESPACES
FLOW_NODES = ("startEvent", "endEvent", "task", "exclusiveGateway", "intermediateCatchEvent",
              "parallelGateway", "inclusiveGateway")


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bpmn") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(XSD))


def rework_graph():
    """記入 → 受付 → (90 % 審査, 10 % back to 記入); 審査 waits 2.5 days; ends."""
    return build_graph(
        {"procedure_id": "T/01", "name": "テスト<手続>&", "section": "市民課", "annual_cases": 1200},
        [{"step_no": 1, "name": "記入", "actor": "citizen", "work_kind": "filling_in",
          "min_minutes": 3.0, "typical_minutes": 5.0, "max_minutes": 10.0, "seal": True},
         {"step_no": 2, "name": "受付\x07", "actor": "counter", "work_kind": "reception",
          "typical_minutes": 3.0, "medium": "paper"},
         {"step_no": 3, "name": "審査", "actor": "clerk", "work_kind": "checking",
          "typical_minutes": 2000.0, "wait_days": 2.5}],
        [(1, 2, 1.0), (2, 3, 0.9), (2, 1, 0.1), (3, None, 1.0)])


def check_structure(root: ElementTree.Element) -> dict[str, int]:
    """What bpmn.io needs to draw a file, and what a simulator needs to run it."""
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    sim = {p.get("elementRef"): p for p in root.iter(f"{{{NS['bpsim']}}}ElementParameters")}
    counts = {"nodes": 0, "flows": 0}
    for participant in root.iter(f"{{{NS['bpmn']}}}participant"):
        assert participant.get("id") in shapes
    for process in root.iter(f"{{{NS['bpmn']}}}process"):
        nodes = {n.get("id"): n for kind in FLOW_NODES
                 for n in process.findall(f"bpmn:{kind}", NS)}
        assert nodes, process.get("id")
        for node_id in nodes:
            assert node_id in shapes, f"no BPMNShape for {node_id}"
        in_lanes = [r.text for r in process.iter(f"{{{NS['bpmn']}}}flowNodeRef")]
        assert sorted(in_lanes) == sorted(nodes), "every node in exactly one lane"
        for lane in process.iter(f"{{{NS['bpmn']}}}lane"):
            assert lane.get("id") in shapes
        for flow in process.findall("bpmn:sequenceFlow", NS):
            flow_id = flow.get("id")
            assert flow.get("sourceRef") in nodes, flow_id
            assert flow.get("targetRef") in nodes, flow_id
            source, target = nodes[flow.get("sourceRef")], nodes[flow.get("targetRef")]
            assert flow_id in [o.text for o in source.findall("bpmn:outgoing", NS)]
            assert flow_id in [i.text for i in target.findall("bpmn:incoming", NS)]
            assert len(edges[flow_id].findall("di:waypoint", NS)) >= 2
            counts["flows"] += 1
        for gateway in process.findall("bpmn:exclusiveGateway", NS):
            shares = [float(sim[o.text].find(".//bpsim:FloatingParameter", NS).get("value"))
                      for o in gateway.findall("bpmn:outgoing", NS)]
            assert len(shares) >= 2
            assert sum(shares) == pytest.approx(1.0)
        for task in process.findall("bpmn:task", NS):
            assert sim[task.get("id")].find(".//bpsim:ProcessingTime", NS) is not None
        counts["nodes"] += len(nodes)
    return counts


def test_rework_loop_timer_and_gateway_are_bpmn_elements(schema) -> None:
    xml, tasks, flows = bpmn_document([rework_graph()])
    assert not list(schema.iter_errors(xml))
    root = ElementTree.fromstring(xml)
    counts = check_structure(root)
    assert (tasks, counts["flows"]) == (3, flows)
    process = root.find("bpmn:process", NS)
    # The procedure ID has a character XML IDs cannot hold; the element IDs replace it.
    assert process.get("id") == "Process_T_01"
    assert process.find("bpmn:extensionElements/bpr:procedure", NS).get("procedure_id") == "T/01"
    assert process.get("name") == "テスト<手続>&"
    names = {t.get("name") for t in process.findall("bpmn:task", NS)}
    assert names == {"記入", "受付", "審査"}  # the BEL is dropped: XML 1.0 cannot hold it
    lanes = [lane.get("name") for lane in process.iter(f"{{{NS['bpmn']}}}lane")]
    assert lanes == ["市民", "窓口職員", "担当職員"]
    timer = process.find("bpmn:intermediateCatchEvent", NS)
    assert timer.find(".//bpmn:timeDuration", NS).text == "P2DT12H"
    gateway = process.find("bpmn:exclusiveGateway", NS)
    targets = {f.get("targetRef"): f.get("name") for f in process.findall("bpmn:sequenceFlow", NS)
               if f.get("sourceRef") == gateway.get("id")}
    assert targets == {"Task_T_01_3": "90%", "Task_T_01_1": "差戻し 10%"}
    time = root.find(".//bpsim:ElementParameters[@elementRef='Task_T_01_1']"
                     "//bpsim:TriangularDistribution", NS)
    assert (time.get("min"), time.get("mode"), time.get("max")) == ("3", "5", "10")
    long_task = root.find(".//bpsim:ElementParameters[@elementRef='Task_T_01_3']"
                          "//bpsim:FloatingParameter", NS)
    assert long_task.get("value") == "2000"  # more than a day: kept as it is
    step = process.find("bpmn:task[@id='Task_T_01_1']/bpmn:extensionElements/bpr:step", NS)
    assert (step.get("actor"), step.get("seal"), step.get("work_kind")) == (
        "citizen", "true", "filling_in")


def test_every_sample_procedure_exports_valid_and_drawable(sample_project: Path, schema,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "all.bpmn"
    with open_project(sample_project) as project:
        result = export_project_bpmn(project, out)
        procedures = len(project.engine.connect().exec_driver_sql(
            "select procedure_id from procedure").all())
    assert result.procedures == procedures > 50
    assert not list(schema.iter_errors(str(out)))
    counts = check_structure(ElementTree.parse(out).getroot())
    assert counts["flows"] == result.flows
    # Pools are stacked: no two participants overlap.
    root = ElementTree.parse(out).getroot()
    pools = sorted((float(b.get("y")), float(b.get("height"))) for s in root.iter(
        f"{{{NS['bpmndi']}}}BPMNShape") if s.get("bpmnElement", "").startswith("Participant_")
        for b in s.findall("dc:Bounds", NS))
    assert all(y0 + h0 <= y1 for (y0, h0), (y1, _h1) in zip(pools, pools[1:], strict=False))


def test_scenario_export_writes_to_be_times(sample_project: Path, tmp_path: Path) -> None:
    def typical(path: Path, task: str) -> float:
        root = ElementTree.parse(path).getroot()
        param = root.find(f".//bpsim:ElementParameters[@elementRef='{task}']"
                          "//bpsim:ProcessingTime/*", NS)
        return float(param.get("mode") or param.get("value"))

    as_is, to_be = tmp_path / "as_is.bpmn", tmp_path / "to_be.bpmn"
    assert main(["export-bpmn", "--project", str(sample_project), "--procedure", "KH-001",
                 "-o", str(as_is)]) == 0
    assert main(["export-bpmn", "--project", str(sample_project), "--procedure", "KH-001",
                 "--scenario", "DX標準", "-o", str(to_be)]) == 0
    times = [(typical(as_is, f"Task_KH-001_{n}"), typical(to_be, f"Task_KH-001_{n}"))
             for n in range(1, 11)]
    assert all(after <= before + 1e-9 for before, after in times)
    assert any(after < before - 0.1 for before, after in times)


def test_unknown_procedure_or_section_is_refused_and_nothing_written(sample_project: Path,
                                                                    tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.bpmn"
    assert main(["export-bpmn", "--project", str(sample_project), "--section", "存在しない課",
                 "-o", str(out)]) == 1
    assert "存在しない課" in capsys.readouterr().err
    assert not out.exists()


def test_prosimos_parameters_carry_the_same_times_and_shares(sample_project: Path,
                                                             tmp_path: Path, capsys) -> None:
    import json

    out, params = tmp_path / "one.bpmn", tmp_path / "one.json"
    assert main(["export-bpmn", "--project", str(sample_project), "--procedure", "KH-001",
                 "-o", str(out), "--prosimos-json", str(params)]) == 0
    data = json.loads(params.read_text(encoding="utf-8"))
    root = ElementTree.parse(out).getroot()
    tasks = {t.get("id") for t in root.iter(f"{{{NS['bpmn']}}}task")}
    assert {d["task_id"] for d in data["task_resource_distribution"]} == tasks
    lanes = {r["id"] for r in data["resource_profiles"][0]["resource_list"]}
    for entry in data["task_resource_distribution"]:
        [resource] = entry["resources"]
        assert resource["resource_id"] in lanes
        triangle = root.find(f".//bpsim:ElementParameters[@elementRef='{entry['task_id']}']"
                             "//bpsim:TriangularDistribution", NS)
        if triangle is not None:  # 標準 is the mean (what our cost model takes), in seconds,
            # cut at 最短 and 最長
            params = [p["value"] for p in resource["distribution_params"]]
            assert params[0] == pytest.approx(float(triangle.get("mode")) * 60)
            assert params[2:] == pytest.approx([float(triangle.get("min")) * 60,
                                                float(triangle.get("max")) * 60])
    for gateway in data["gateway_branching_probabilities"]:
        assert sum(p["value"] for p in gateway["probabilities"]) == pytest.approx(1.0)
    waits = {e["event_id"]: e["distribution_params"][0]["value"] for e in data["event_distribution"]}
    assert waits["Wait_KH-001_6"] == 5 * 86400  # 待ち 5日
    # Prosimos simulates one process: a section is refused, with the way out.
    assert main(["export-bpmn", "--project", str(sample_project), "--section", "市民課",
                 "-o", str(tmp_path / "s.bpmn"), "--prosimos-json", str(tmp_path / "s.json")]) == 1
    assert "--procedure" in capsys.readouterr().err
    assert not (tmp_path / "s.json").exists()


def parallel_graph(chance: float = 1.0):
    """受付 → 確認 → (審査 ‖ 他課照会, a 10 % rework inside the first branch) → 交付."""
    step = lambda no, actor, minutes: {  # noqa: E731
        "step_no": no, "name": f"工程{no}", "actor": actor, "work_kind": "checking",
        "typical_minutes": minutes}
    return build_graph(
        {"procedure_id": "PAR-1", "name": "並行", "section": "市民課", "annual_cases": 100},
        [step(1, "counter", 10.0), step(2, "clerk", 20.0), step(3, "clerk", 60.0),
         step(4, "external", 30.0), step(5, "counter", 5.0)],
        [(1, 2, 1.0), (2, 3, 1.0, True), (2, 4, chance, True), (3, 5, 0.9), (3, 3 - 1, 0.1),
         (4, 5, 1.0), (5, None, 1.0)])


@pytest.mark.parametrize(("chance", "tag"), [(1.0, "parallelGateway"), (0.4, "inclusiveGateway")])
def test_parallel_branches_export_as_a_split_and_join_pair(schema, tmp_path: Path, chance: float,
                                                           tag: str) -> None:
    from bpr_studio.io.bpmn_import import BpmnOptions
    from bpr_studio.pipeline import load_model

    xml, _tasks, _flows = bpmn_document([parallel_graph(chance)])
    assert not list(schema.iter_errors(xml))
    root = ElementTree.fromstring(xml)
    check_structure(root)
    process = root.find("bpmn:process", NS)
    gateways = {g.get("id") for g in process.findall(f"bpmn:{tag}", NS)}
    assert gateways == {"Gateway_PAR-1_2", "Join_PAR-1_5"}
    into_join = [f.get("sourceRef") for f in process.findall("bpmn:sequenceFlow", NS)
                 if f.get("targetRef") == "Join_PAR-1_5"]
    assert sorted(into_join) == ["Gateway_PAR-1_3", "Task_PAR-1_4"]
    path = tmp_path / "par.bpmn"
    path.write_text(xml, encoding="utf-8")
    project = tmp_path / "p.bprproj"
    report = import_surveys(project, [path], bpmn=BpmnOptions("市民課"))
    assert report.ok, report.format_text("en")
    with open_project(project) as opened:
        graph = load_model(opened).graphs["PAR-1"]
    links = {(u, v): (p, bool(d)) for u, v, p, d in
             ((u, v, d["probability"], d.get("parallel")) for u, v, d in graph.edges(data=True))}
    assert links == {(1, 2): (1.0, False), (2, 3): (1.0, True), (2, 4): (chance, True),
                     (3, 5): (0.9, False), (3, 2): (0.1, False), (4, 5): (1.0, False),
                     (5, "END"): (1.0, False)}
