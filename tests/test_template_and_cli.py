"""The blank template, the command line's exit codes, the samples and the generator."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from bpr_studio.cli import main
from bpr_studio.io.survey_format import PROCEDURES, STEPS
from bpr_studio.io.survey_import import parse_batch
from bpr_studio.io.template import write_template
from sample_surveys.build_samples import build_samples, resurvey_files, sample_files
from sample_surveys.generator import generate_survey


def test_template_has_dropdowns_ranges_and_frozen_headers(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["説明", "手続", "工程", "単価"]
    assert wb["選択肢"].sheet_state == "hidden"
    steps = wb["工程"]
    assert steps.freeze_panes == "B2"
    assert [c.value for c in steps[1]] == [c.ja for c in STEPS.columns]
    by_column = {}
    for dv in steps.data_validations.dataValidation:
        for cell_range in str(dv.sqref).split():
            by_column[cell_range.split(":")[0].rstrip("0123456789")] = dv
    actor = by_column["D"]  # 実施者
    assert actor.type == "list"
    assert "選択肢" in actor.formula1
    assert actor.prompt
    burden = by_column["N"]  # 身体的負担(0-4): a range rule
    assert burden.type == "whole"
    assert (burden.formula1, burden.formula2) == ("0", "4")
    typical = by_column["G"]  # 標準(分): 10～15分 and 0:45 are fine, so a prompt and no rule
    assert typical.type is None
    assert typical.prompt
    procedures = wb["手続"]
    assert sum(1 for dv in procedures.data_validations.dataValidation if dv.type == "list") == \
        sum(1 for c in PROCEDURES.columns if c.code_list is not None or c.kind == "bool")
    assert procedures["A2"].value.startswith("例")
    assert "記入方法" in wb["説明"]["A1"].value


def test_template_imports_as_empty_not_as_data(tmp_path):
    report = parse_batch([write_template(tmp_path / "t.xlsx")]).report
    assert report.ok
    assert report.procedures == 0


def test_import_command_exit_status(tmp_path, make_workbook, capsys):
    project = tmp_path / "p.bprproj"
    assert main(["import", "--project", str(project), str(make_workbook())]) == 0
    assert "取り込みました" in capsys.readouterr().out
    steps = [{"procedure_id": "T-001", "step_no": 1, "name": "x", "actor": "宇宙人",
              "work_kind": "記入", "typical_minutes": 5}]
    bad = make_workbook("bad.xlsx", steps=steps)
    assert main(["--lang", "en", "import", "--project", str(project), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "工程!D2" in out
    assert "not one of the choices" in out
    assert "宇宙人" in out
    assert main(["import", "--json", "--project", str(project), str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["issues"][0]["cell"] == "D2"


def test_import_command_on_a_broken_project(tmp_path, make_workbook, capsys):
    broken = tmp_path / "broken.bprproj"
    broken.write_text("x", encoding="utf-8")
    assert main(["import", "--project", str(broken), str(make_workbook())]) == 2
    assert "壊れている" in capsys.readouterr().err


def test_shipped_samples_match_their_source(tmp_path):
    rebuilt = build_samples(tmp_path)
    for shipped, fresh in zip([*sample_files(), *resurvey_files()], rebuilt, strict=True):
        a = openpyxl.load_workbook(shipped)
        b = openpyxl.load_workbook(fresh)
        for sheet in ("手続", "工程"):
            assert [[c.value for c in r] for r in a[sheet].iter_rows()] == \
                   [[c.value for c in r] for r in b[sheet].iter_rows()], f"{shipped.name} is stale"


def test_generated_survey_has_the_asked_size_and_imports_cleanly(tmp_path):
    files = generate_survey(tmp_path, procedures=120, sections=4, seed=7)
    assert len(files) == 4
    report = parse_batch(files).report
    assert report.ok, report.format_text()
    assert report.procedures == 120
    assert 10 * 120 <= report.steps <= 20 * 120
    assert len(report.sections) == 4


def test_survey_format_doc_is_current():
    from bpr_studio.io.format_doc import render

    doc = Path(__file__).resolve().parents[1] / "docs" / "survey-format.md"
    assert doc.read_text(encoding="utf-8") == render(), \
        "run: python -m bpr_studio.io.format_doc > docs/survey-format.md"
