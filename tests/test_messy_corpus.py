"""The messy corpus: every tricky cell is read as meant, or the file is refused at that cell
with a message that says what to type (tests/data/messy/make_corpus.py lists the cases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpr_studio.io.survey_import import import_surveys, parse_batch
from bpr_studio.model import tables
from bpr_studio.store import open_project
from tests.data.messy.make_corpus import CASES, FORMATS, Case, write_case

pytest.importorskip("xlwt")

PARAMS = [pytest.param(case, suffix, id=f"{case.name}{suffix}")
          for case in CASES for suffix in FORMATS]


def _assert_issues(case: Case, report) -> None:
    for severity, key, place, words in case.issues:
        found = [i for i in report.issues if (i.severity, i.key, i.place) == (severity, key, place)]
        assert found, f"no {severity} {key} at {place}:\n{report.format_text()}"
        text = found[0].message("ja")
        for word in words:
            assert word in text, f"{key} at {place}: {word!r} not in {text!r}"
        assert found[0].message("en") != text  # an English message exists too


@pytest.mark.parametrize(("case", "suffix"), PARAMS)
def test_case_reads_as_intended(tmp_path, case, suffix):
    path = write_case(case, tmp_path / "in", suffix)
    project = tmp_path / "p.bprproj"
    report = import_surveys(project, [path])
    _assert_issues(case, report)
    if case.refused:
        assert not report.ok
        assert not report.written
        assert not project.exists()
        assert not any(i.key == "procedure_without_steps" for i in report.issues)
        return
    assert report.ok, report.format_text()
    assert report.written
    with open_project(project) as opened, opened.session() as session:
        for pid, expected in case.procedures.items():
            procedure = session.get(tables.Procedure, pid)
            assert procedure is not None, pid
            for name, value in expected.items():
                assert getattr(procedure, name) == value, (pid, name)
        steps = {(s.procedure_id, s.step_no): s
                 for s in session.exec(select(tables.Step)).scalars()}
        for key, expected in case.steps.items():
            for name, value in expected.items():
                stored = getattr(steps[key], name)
                assert stored == (pytest.approx(value) if isinstance(value, float) else value), (
                    key, name, stored)


def test_errors_come_first_in_the_report(tmp_path):
    good = write_case(CASES[0], tmp_path, ".xlsx")
    bad = write_case(next(c for c in CASES if c.refused), tmp_path, ".xlsx")
    report = parse_batch([good, bad]).report
    severities = [i.severity for i in report.issues]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    text = report.format_text()
    assert text.index("エラー") < text.index("情報")


def test_one_line_per_merged_column_not_per_cell(tmp_path):
    case = next(c for c in CASES if c.name.startswith("02_"))
    report = parse_batch([write_case(case, tmp_path, ".xlsx")]).report
    merged = [i for i in report.issues if i.key == "read_merged"]
    assert len(merged) == 1, report.format_text()
    assert "A9:A11" in merged[0].message()
    assert not report.errors
