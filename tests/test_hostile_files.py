"""The regression corpus of hostile files (tests/hostile/corpus, made by make_corpus.py):
each is refused or imported with a message, never a traceback, quickly, and a refused
import leaves the project as it was."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bpr_studio import cli
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.model import tables
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

CORPUS = Path(__file__).with_name("hostile") / "corpus"


@pytest.fixture(scope="module")
def base_project(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("base") / "city.bprproj"
    assert import_surveys(path, sample_files()[:2]).written
    return path


def project_state(path: Path) -> dict[str, list]:
    with open_project(path) as project, project.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(select(t)).all()))
                for t in (tables.Procedure.__table__, tables.Step.__table__,
                          tables.StepLink.__table__, tables.UnitCost.__table__)}


def run_import(tmp_path: Path, base: Path, name: str, capsys) -> tuple[int, dict, Path, float]:
    project = tmp_path / "p.bprproj"
    shutil.copy(base, project)
    start = time.perf_counter()
    code = cli.main(["import", "--json", "--project", str(project), str(CORPUS / name)])
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    return code, json.loads(out), project, elapsed


def _error_keys(result: dict) -> set[tuple[str, str]]:
    return {(i["key"], f"{i['sheet']}!{i['cell']}" if i["sheet"] else "")
            for i in result.get("issues", []) if i["severity"] == "error"}


REFUSED = {  # file → the error key it must give (exit 1, project unchanged)
    "deflate_flip.xlsx": "file_not_workbook",
    "rels_entity_bomb.xlsx": "file_not_workbook",
    "far_blank_cell.xlsx": "sheet_too_large",
    "zip_bomb.xlsx": "file_too_large",
    "xls_truncated.xls": "file_not_workbook",
    "nan_share.xlsx": "not_a_number",
    "nan_wait_days.xlsx": "not_a_number",
    "unit_cost_nan.xlsx": "not_a_number",
    "unit_cost_inf.xlsx": "not_a_number",
    "unit_cost_1e308.xlsx": "above_max",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_file_is_refused_with_a_message(tmp_path, base_project, capsys, name):
    before = project_state(base_project)
    code, result, project, elapsed = run_import(tmp_path, base_project, name, capsys)
    assert code == cli.EXIT_INPUT_ERRORS
    assert REFUSED[name] in {key for key, _place in _error_keys(result)}, result["issues"]
    assert not result["written"]
    assert project_state(project) == before
    assert elapsed < 2.0, f"{name} took {elapsed:.1f} s"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("xls_*.xls")), ids=lambda p: p.name)
def test_corrupt_xls_is_refused(tmp_path, base_project, capsys, path):
    code, result, project, _elapsed = run_import(tmp_path, base_project, path.name, capsys)
    assert code in (cli.EXIT_OK, cli.EXIT_INPUT_ERRORS)
    if code == cli.EXIT_INPUT_ERRORS:
        assert project_state(project) == project_state(base_project)


def test_cells_naming_nan_point_at_the_cell(tmp_path, base_project, capsys):
    _code, result, _project, _elapsed = run_import(tmp_path, base_project, "nan_share.xlsx",
                                                   capsys)
    assert any(place.startswith("工程!") and place.endswith("2")
               for key, place in _error_keys(result) if key == "not_a_number")


def test_run_of_error_cells_is_scanned_in_linear_time(tmp_path, base_project, capsys):
    code, _result, _project, elapsed = run_import(tmp_path, base_project,
                                                  "error_cells_quadratic.xlsx", capsys)
    assert code in (cli.EXIT_OK, cli.EXIT_INPUT_ERRORS)
    assert elapsed < 2.0


def test_unknown_unit_cost_key_is_a_warning_not_a_crash(tmp_path, base_project, capsys):
    code, result, _project, _elapsed = run_import(tmp_path, base_project,
                                                  "unit_cost_unknown_key.xlsx", capsys)
    assert code == cli.EXIT_OK
    assert any(i["key"] == "unit_cost_unknown" for i in result["issues"])


def test_control_character_is_removed_with_the_cell_named(tmp_path, base_project, capsys):
    code, result, project, _elapsed = run_import(tmp_path, base_project, "bel_in_name.xlsx",
                                                 capsys)
    assert code == cli.EXIT_OK
    issue = next(i for i in result["issues"] if i["key"] == "control_chars_removed")
    assert (issue["sheet"], issue["cell"]) == ("手続", "B2")
    with open_project(project) as opened, opened.engine.connect() as conn:
        names = conn.execute(select(tables.Procedure.__table__.c.name)).scalars().all()
    assert not any("\x07" in name for name in names)
    assert "住民票の交付" in names


def test_leading_tab_before_a_formula_is_kept(tmp_path, base_project, capsys):
    code, _result, project, _elapsed = run_import(tmp_path, base_project, "tab_formula.csv",
                                                  capsys)
    assert code == cli.EXIT_OK
    with open_project(project) as opened, opened.session() as session:
        assert session.get(tables.Procedure, "C-1").name == "\t=1+1"


@pytest.fixture(scope="module")
def bpmn_bombs(tmp_path_factory) -> dict[str, Path]:
    from benchmarks.bpmn_bombs import write_bombs

    return write_bombs(tmp_path_factory.mktemp("bpmn_bombs"))


@pytest.mark.parametrize("name", ["billion_laughs.bpmn", "external_entity.bpmn",
                                  "deep_nesting.bpmn", "many_elements.bpmn", "many_tasks.bpmn",
                                  "gateway_chain.bpmn", "gateway_lattice.bpmn"])
def test_bpmn_bomb_is_refused_with_a_message_in_bounded_time(tmp_path, base_project, capsys,
                                                              bpmn_bombs, name):
    """Each BPMN bomb (benchmarks/bpmn_bombs.py) is refused naming why, quickly (the limit
    allows for a shared machine: benchmarks.fuzz --bombs times them in fresh processes),
    and the project is left as it was. The lattice is legal and imports: its 2^30 paths
    are not walked one by one."""
    from benchmarks.bpmn_bombs import BOMBS

    project = tmp_path / "p.bprproj"
    shutil.copy(base_project, project)
    before = project_state(project)
    start = time.perf_counter()
    code = cli.main(["import", "--json", "--project", str(project), "--section", "市民課",
                     "--dry-run", str(bpmn_bombs[name])])
    elapsed = time.perf_counter() - start
    result = json.loads(capsys.readouterr().out)
    expected = BOMBS[name][1]
    keys = [i["key"] for i in result["issues"] if i["severity"] == "error"]
    if expected:
        assert (code, keys) == (1, [expected])
        assert "passwd" not in json.dumps(result).replace("file:///etc/passwd", "")
    else:
        assert (code, keys) == (0, [])
    assert elapsed < 15
    assert project_state(project) == before


def _sheet_parts(paths):
    """(file, sheet name, sheet XML) of every readable .xlsx among ``paths``."""
    import zipfile

    from bpr_studio.io.sheet_scan import sheet_members

    for path in paths:
        if path.suffix != ".xlsx":
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                parts = [(name, archive.read(member))
                         for name, member in sheet_members(archive).items()]
        except Exception:  # noqa: BLE001 — a broken archive is the reader's test, not this one
            continue
        for name, data in parts:
            yield path.name, name, data


def test_the_declared_range_scan_agrees_with_the_exact_scan(tmp_path):
    """check_xlsx checks a sheet against its declared range (<dimension>) when it can, else
    cell by cell: on every sheet of the samples and the corpora the quick scans find the
    exact scan's hidden rows, bound every cell, and hand over a sheet they cannot vouch
    for — one holding more than it declares (far_blank_cell.xlsx), error cells."""
    import io

    from bpr_studio.io.sheet_scan import LimitExceeded, scan_sheet_xml
    from tests.data.messy.make_corpus import write_corpus

    paths = [*sample_files(), *write_corpus(tmp_path / "messy"), *sorted(CORPUS.iterdir())]
    bounded = handed_over = 0
    for file, sheet, data in _sheet_parts(paths):
        try:
            exact = scan_sheet_xml(io.BytesIO(data), sheet)
        except LimitExceeded:
            exact = None  # over a limit: no quick scan may vouch for the sheet
        for quick in ({"bound": True}, {"fast": True}):
            found = scan_sheet_xml(io.BytesIO(data), sheet, **quick)
            if found is None:
                handed_over += 1
                continue
            assert exact is not None, (file, sheet, quick)
            assert found.hidden_rows == exact.hidden_rows, (file, sheet)
            assert found.error_cells == exact.error_cells == {}, (file, sheet)
            assert found.max_row >= exact.max_row, (file, sheet)
            assert found.max_col >= exact.max_col, (file, sheet)
            bounded += "bound" in quick
    assert bounded > 20
    assert handed_over > 0
    lying = next(data for file, sheet, data in _sheet_parts([CORPUS / "far_blank_cell.xlsx"])
                 if b"XFD1048576" in data)
    assert b'<dimension ref="A1:T89" />' in lying  # declares 89 rows, holds a cell far below
    assert scan_sheet_xml(io.BytesIO(lying), "工程", bound=True) is None


def test_a_declared_range_with_leading_zeros_is_not_taken_as_a_bound():
    """<dimension ref="A1:T0000089"/> once let every shorter row number through the bound
    scan (row 999999 of a sheet 'declaring' 89 rows), and the reader then sized a grid of
    a million rows: such a sheet goes to the exact scan, which refuses it."""
    import io

    from bpr_studio.io.sheet_scan import LimitExceeded, scan_sheet_xml

    data = (b'<worksheet><dimension ref="A1:T0000089"/><sheetData>'
            b'<row r="1"><c r="A1"><v>1</v></c></row>'
            b'<row r="999999"><c r="T999999"><v>1</v></c></row></sheetData></worksheet>')
    assert scan_sheet_xml(io.BytesIO(data), "工程", bound=True) is None
    with pytest.raises(LimitExceeded) as refused:
        scan_sheet_xml(io.BytesIO(data), "工程")
    assert refused.value.key == "sheet_too_large"


def test_the_bound_patterns_take_exactly_the_references_within_the_declared_range():
    """The bound scan's patterns (up_to_letters, up_to_number) accept a reference exactly
    when its column and row lie within the declared corner, for every reference written
    without leading zeros, and never accept one beyond it."""
    import random
    import re

    from bpr_studio.io.sheet_scan import _column_label, column_number, up_to_letters, up_to_number

    rng = random.Random(3)
    for _case in range(400):
        corner_col, corner_row = rng.randint(1, 1000), rng.randint(1, 300_000)
        letters, digits = _column_label(corner_col), str(corner_row)
        within = re.compile(up_to_letters(letters) + up_to_number(digits))
        for _ref in range(30):
            col = rng.choice([rng.randint(1, 1100), corner_col + rng.randint(-2, 2)])
            row = rng.choice([rng.randint(1, 400_000), corner_row + rng.randint(-2, 2),
                              rng.randint(1, 99)])
            if col < 1 or row < 1:
                continue
            zeros = "0" * rng.choice([0, 0, 0, 1, 3])
            ref = f"{_column_label(col)}{zeros}{row}"
            accepted = within.fullmatch(ref.encode()) is not None
            if col <= corner_col and row <= corner_row and not zeros:
                assert accepted, (letters, digits, ref)
            if accepted:
                match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
                assert match is not None
                assert column_number(match.group(1)) <= corner_col, (letters, digits, ref)
                assert int(match.group(2)) <= corner_row, (letters, digits, ref)
