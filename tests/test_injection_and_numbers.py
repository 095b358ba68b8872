"""CSV export cannot carry a live formula; no NaN/inf or absurd number is stored."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from bpr_studio import cli
from bpr_studio.io.survey_import import import_surveys, parse_batch
from cost_model.export import write_csv
from cost_model.unit_costs import UnitCostError, validate_unit_cost
from tests.conftest import small_procedure, small_steps


def test_csv_cells_that_start_a_formula_are_quoted(tmp_path):
    frame = pd.DataFrame({"name": ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "普通"],
                          "n": [1, -2, 3, 4, 5, 6, 7]})
    path = write_csv(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+1", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1",
                                        "普通"]
    assert rows[2][1] == "-2"  # numbers are data, left alone
    assert not list(tmp_path.glob(".~*"))


def test_export_command_neutralises_procedure_names(tmp_path, make_workbook):
    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook(procedures=[
        small_procedure(name="=HYPERLINK(\"http://x\")")])]).written
    assert cli.main(["export", "--project", str(project), "-o", str(tmp_path / "p.csv")]) == 0
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


@pytest.mark.parametrize(("field", "value", "key"), [
    ("share_pct", "nan", "not_a_number"), ("wait_days", "inf", "not_a_number"),
    ("typical_minutes", "nan", "not_a_duration"), ("share_pct", 1e308, "above_max")])
def test_nan_inf_and_huge_numbers_are_refused_at_the_cell(make_workbook, field, value, key):
    steps = small_steps()
    steps[0][field] = value
    report = parse_batch([make_workbook(steps=steps)]).report
    assert any(i.key == key and i.sheet == "工程" and i.cell.endswith("2") for i in report.errors), \
        report.format_text()


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", 1e308])
def test_unit_cost_command_refuses_non_finite_and_absurd_values(value):
    with pytest.raises(UnitCostError):
        validate_unit_cost("hourly_cost_regular", value)


def test_fee_nan_is_refused_not_stored_as_blank(make_workbook):
    report = parse_batch([make_workbook(procedures=[small_procedure(fee_yen="nan")])]).report
    assert any(i.key == "not_a_number" for i in report.errors)


def test_report_save_uses_a_unique_temporary_and_cleans_up(tmp_path, monkeypatch):
    from bpr_studio import atomic

    target = tmp_path / "report.xlsx"
    stale = tmp_path / ".~report.old.tmp.xlsx"
    stale.write_bytes(b"left by a killed save")
    import os
    os.utime(stale, (0, 0))
    seen = []

    def failing(tmp):
        seen.append(tmp)
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic.atomic_write(target, failing)
    assert not target.exists()
    assert not seen[0].exists()
    assert not stale.exists()  # a stale temporary of the same target is removed
    names = set()
    for _ in range(2):
        atomic.atomic_write(target, lambda tmp: (names.add(tmp.name), tmp.write_bytes(b"ok")))
    assert len(names) == 2
    assert target.read_bytes() == b"ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_read_commands_work_on_a_snapshot_and_never_write(tmp_path, make_workbook):
    from bpr_studio.store import open_snapshot

    project = tmp_path / "p.bprproj"
    assert import_surveys(project, [make_workbook()]).written
    before = project.read_bytes()
    assert cli.main(["export", "--project", str(project), "-o", str(tmp_path / "x.csv")]) == 0
    with open_snapshot(project) as snapshot:
        from bpr_studio.loading import list_scenarios

        assert snapshot.name == "p"
        assert snapshot.read_only
        assert [s.name for s in list_scenarios(snapshot)] == ["DX標準"]
        copy = snapshot.path
        # another user's import while the snapshot is open does not change what it reads
        assert import_surveys(project, [make_workbook(procedures=[small_procedure("Z-9")],
                                                      steps=small_steps("Z-9"))]).written
        from bpr_studio.queries import procedures_frame

        assert list(procedures_frame(snapshot)["procedure_id"]) == ["T-001"]
    assert not copy.exists()
    assert cli.main(["simulate", "--project", str(project), "--replications", "5",
                     "--json", str(tmp_path / "sim.json")]) == 0
    from sqlalchemy import func, select

    from bpr_studio.model import tables
    from bpr_studio.store import open_project

    with open_project(project) as opened, opened.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.Scenario.__table__)
                            ).scalar_one() == 0  # simulate saved no default scenario
    _ = before
