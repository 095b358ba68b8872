"""Import at prefecture scale (issue 16): the fast paths and the process pool change nothing.

The fast cell readers, the pool of reading processes and the bulk inserts exist for
speed only: the project and every message must be what the general path gives, and a
refused or cancelled batch must leave the project as it was.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bpr_studio.io import fast_cells
from bpr_studio.io.step_rows import STEP_ROW_COLUMNS, step_values
from bpr_studio.io.survey_import import ImportCancelled, import_surveys, parse_batch
from tests.conftest import small_procedure, small_steps
from tests.data.messy.make_corpus import write_corpus

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "sample_surveys").glob("*.xlsx"))
HOSTILE = Path(__file__).resolve().parent / "hostile" / "corpus"
_NOT_CONTENT = {"id", "imported_at", "created_at", "batch_id"}


def project_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (without row IDs and clock times), sorted: the project's content."""
    with sqlite3.connect(path) as con:
        names = [n for (n,) in con.execute(
            "select name from sqlite_master where type='table' order by name")]
        result = {}
        for name in names:
            columns = [c[1] for c in con.execute(f"pragma table_info('{name}')")
                       if c[1] not in _NOT_CONTENT]
            if name == "meta" or not columns:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {quoted} from "{name}"').fetchall()
            result[name] = sorted(rows, key=repr)
    return result


def issue_lines(report) -> list[tuple]:
    return [(i.severity, i.key, i.file, i.sheet, i.cell, i.value, repr(sorted(i.params.items())),
             i.section, i.message("ja")) for i in report.issues]


def test_fast_cell_readers_change_no_value_and_no_message(tmp_path, monkeypatch):
    messy = write_corpus(tmp_path / "messy")
    inputs = [*SAMPLES, *messy, *sorted(HOSTILE.iterdir())]
    results = {}
    for enabled in (False, True):
        monkeypatch.setattr(fast_cells, "ENABLED", enabled)
        samples = import_surveys(tmp_path / f"samples_{enabled}.bprproj", SAMPLES, workers=1)
        assert samples.ok
        assert samples.written
        everything = import_surveys(tmp_path / f"all_{enabled}.bprproj", inputs, dry_run=True,
                                    workers=1)
        assert not everything.ok  # the corpus holds errors on purpose
        results[enabled] = (project_rows(tmp_path / f"samples_{enabled}.bprproj"),
                            issue_lines(samples), issue_lines(everything))
    assert len(results[True][2]) > 50
    assert results[True] == results[False]


def test_one_and_two_reading_processes_give_the_same_project(tmp_path):
    reports = {w: import_surveys(tmp_path / f"w{w}.bprproj", SAMPLES, workers=w) for w in (1, 2)}
    assert reports[1].written
    assert reports[2].written
    assert issue_lines(reports[1]) == issue_lines(reports[2])
    assert project_rows(tmp_path / "w1.bprproj") == project_rows(tmp_path / "w2.bprproj")
    assert reports[2].procedures == reports[1].procedures > 20


def _plain(value):
    return None if isinstance(value, float) and value != value else value  # NaN: blank


def _rows_from_records(batch, sqlite: bool) -> tuple[list, list]:
    flag = int if sqlite else bool
    steps = [[_plain(v) for v in (*step_values(s, flag), 1, None)] for s in batch.steps]
    links = [[s["procedure_id"], s["step_no"], target, probability,
              flag(bool(s.get("_parallel")))]
             for s in batch.steps for target, probability in s.get("_links", [])]
    return steps, links


def _batch_outputs(batch, sqlite: bool):
    if batch.step_rows is None:
        steps, links = _rows_from_records(batch, sqlite)
    elif batch.parked is not None:  # SQLite rows wait in the reading processes' files
        assert not batch.step_rows.rows
        parked_steps, parked_links = batch.parked.rows(batch.parked.segments)
        steps, links = list(parked_steps), list(parked_links)
    else:
        steps = [[_plain(v) for v in row] for row in batch.step_rows.rows]
        links = [[_plain(v) for v in row] for row in batch.step_rows.links]
    return (issue_lines(batch.report), batch.report.steps, dict(batch.step_counts()),
            sorted(batch.keep_steps), steps, links, [p["procedure_id"] for p in batch.procedures])


@pytest.mark.parametrize("step_rows", ["sqlite", "plain"])
def test_steps_checked_by_the_reading_processes_are_what_the_batch_check_gives(
        tmp_path, step_rows):
    """parse_batch(step_rows=...) checks each workbook's steps where it is read and sends
    back rows: the same messages, counts and rows as the whole-batch check of the records,
    file by file (every corpus workbook on its own: its errors are then checked per file)
    and for whole batches, including those it must read again the general way."""
    messy = write_corpus(tmp_path / "messy")
    workbooks = [p for p in (*SAMPLES, *messy, *sorted(HOSTILE.iterdir()))
                 if p.suffix in (".xlsx", ".xls")]
    batches = [[p] for p in workbooks] + [SAMPLES, [*SAMPLES, *workbooks]]
    used_rows = 0
    for files in batches:
        for workers in (1, 2) if files is SAMPLES else (1,):
            general = parse_batch(files, workers=workers)
            fast = parse_batch(files, workers=workers, step_rows=step_rows)
            assert general.step_rows is None
            used_rows += fast.step_rows is not None
            sqlite = step_rows == "sqlite"
            assert _batch_outputs(fast, sqlite) == _batch_outputs(general, sqlite), files
    assert used_rows > len(workbooks) // 2  # most single workbooks take the row path
    assert len(STEP_ROW_COLUMNS) == len(step_values(general.steps[0])) + 2


def _refused_middle_batch(make_workbook) -> list[Path]:
    first = make_workbook("01_市民課.xlsx", procedures=[small_procedure("A-1", name="改")],
                          steps=small_steps("A-1"))
    broken_steps = small_steps("B-1")
    broken_steps[1]["typical_minutes"] = "たくさん"  # not a time: refused at that cell
    broken = make_workbook("02_環境課.xlsx",
                           procedures=[small_procedure("B-1", section="環境課")],
                           steps=broken_steps)
    last = make_workbook("03_税務課.xlsx", procedures=[small_procedure("C-1", section="税務課")],
                         steps=small_steps("C-1"))
    return [first, broken, last]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_refused_workbook_in_the_middle_leaves_the_project_as_it_was(tmp_path, make_workbook,
                                                                       workers):
    project = tmp_path / "city.bprproj"
    assert import_surveys(project, SAMPLES, workers=1).written
    before = project_rows(project)
    report = import_surveys(project, _refused_middle_batch(make_workbook), workers=workers)
    assert not report.ok
    assert not report.written
    bad = [i for i in report.errors if i.file.endswith("02_環境課.xlsx")]
    assert bad
    assert bad[0].sheet == "工程"
    assert bad[0].cell == "G3"
    assert project_rows(project) == before


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_while_reading_leaves_the_project_as_it_was(tmp_path, make_workbook, workers):
    project = tmp_path / "city.bprproj"
    assert import_surveys(project, SAMPLES, workers=1).written
    before = project_rows(project)
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append(done)

    with pytest.raises(ImportCancelled):
        import_surveys(project, SAMPLES, workers=workers, progress=progress,
                       cancel=lambda: len(seen) >= 2)
    assert seen[:2] == [0, 1]
    assert project_rows(project) == before


def test_generated_survey_is_the_same_written_by_one_or_two_processes(tmp_path):
    import zipfile

    from sample_surveys.generator import generate_survey

    one = generate_survey(tmp_path / "one", procedures=90, sections=3, workers=1)
    two = generate_survey(tmp_path / "two", procedures=90, sections=3, workers=2)
    assert [p.name for p in one] == [p.name for p in two]
    for a, b in zip(one, two, strict=True):
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            members = [m for m in za.namelist() if m != "docProps/core.xml"]  # its clock time
            assert members == [m for m in zb.namelist() if m != "docProps/core.xml"]
            assert all(za.read(m) == zb.read(m) for m in members)


def _write_records(target: Path, files, workers: int):
    """The general path: step records checked by the whole batch, written by Python."""
    from bpr_studio.io.survey_import import existing_sections, write_batch
    from bpr_studio.store import create_project, open_project

    if not target.exists():
        create_project(target).close()
    with open_project(target) as project:
        batch = parse_batch(files, existing_sections=existing_sections(project),
                            workers=workers)
        assert batch.step_rows is None
        return write_batch(project, batch)


def _rows_in_id_order(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as con:
        return {name: [row[1:] for row in con.execute(f"select * from {name} order by id")]
                for name in ("step", "step_link")}


@pytest.mark.parametrize("workers", [1, 2])
def test_rows_parked_by_the_reading_processes_give_the_project_the_records_give(
        tmp_path, make_workbook, workers):
    """SQLite projects get the step and arrow rows from the reading processes' temporary
    files (parked_rows: INSERT … SELECT from the attached files): every table, the order
    of the rows and the row versions of a re-import are those of the general path."""
    messy = write_corpus(tmp_path / "messy")
    batches = [SAMPLES, SAMPLES, SAMPLES[:2],  # re-imports: the steps' row_version grows
               [p for p in messy if p.suffix == ".xlsx"][:3]]
    for n, files in enumerate(batches):
        parked = import_surveys(tmp_path / "parked.bprproj", files, workers=workers)
        general = _write_records(tmp_path / "general.bprproj", files, workers)
        assert issue_lines(parked) == issue_lines(general), n
        assert parked.written == general.written, n
        assert project_rows(tmp_path / "parked.bprproj") == project_rows(
            tmp_path / "general.bprproj"), n
        assert _rows_in_id_order(tmp_path / "parked.bprproj") == _rows_in_id_order(
            tmp_path / "general.bprproj"), n
    with sqlite3.connect(tmp_path / "parked.bprproj") as con:
        versions = {v for (v,) in con.execute("select distinct row_version from step")}
    assert {2, 3} <= versions


def test_parked_rows_not_attached_are_read_back_with_the_same_result(tmp_path, monkeypatch):
    """SQLite attaches ten databases at most: files beyond parked_rows.MAX_ATTACHED (a pool
    of many processes) are read back and inserted by Python, giving the same rows."""
    from bpr_studio.io import parked_rows

    assert import_surveys(tmp_path / "attached.bprproj", SAMPLES, workers=2).written
    monkeypatch.setattr(parked_rows, "MAX_ATTACHED", 1)
    assert import_surveys(tmp_path / "one.bprproj", SAMPLES, workers=2).written
    monkeypatch.setattr(parked_rows, "MAX_ATTACHED", 0)
    assert import_surveys(tmp_path / "none.bprproj", SAMPLES, workers=2).written
    expected = project_rows(tmp_path / "attached.bprproj")
    assert project_rows(tmp_path / "one.bprproj") == expected
    assert project_rows(tmp_path / "none.bprproj") == expected
    assert _rows_in_id_order(tmp_path / "none.bprproj") == _rows_in_id_order(
        tmp_path / "attached.bprproj")


@pytest.mark.parametrize("workers", [1, 2])
def test_parked_rows_leave_no_temporary_file_and_no_attached_database(
        tmp_path, make_workbook, monkeypatch, workers):
    """The temporary folder of parked rows goes when the import is written, refused or
    cancelled, and the project's connection keeps no attached file."""
    import tempfile

    from bpr_studio.store import open_project

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    project = tmp_path / "city.bprproj"
    assert import_surveys(project, SAMPLES, workers=workers).written
    assert list(scratch.iterdir()) == []
    refused = import_surveys(project, _refused_middle_batch(make_workbook), workers=workers)
    assert not refused.ok
    assert list(scratch.iterdir()) == []
    with pytest.raises(ImportCancelled):
        import_surveys(project, SAMPLES, workers=workers, cancel=lambda: True)
    assert list(scratch.iterdir()) == []
    with open_project(project) as opened, opened.write_transaction() as conn:
        names = [row[1] for row in conn.exec_driver_sql("PRAGMA database_list")]
    assert names == ["main"]
    assert import_surveys(project, SAMPLES[:1], workers=workers).written  # the lock is free


@pytest.mark.parametrize("step_rows", ["sqlite", "plain"])
def test_steps_read_as_columns_give_the_rows_and_records_of_the_record_path(
        tmp_path, make_workbook, step_rows):
    """A reading process keeps a steps sheet's values as columns (sheet_columns) and builds
    the rows from them (step_rows.columns_steps): the rows, arrows, counts and messages are
    those of step records (file_steps); a sheet with control characters to remove, and a
    file whose steps name a procedure it does not define, go back to records, the very
    records parse_file gives."""
    from bpr_studio.io import step_rows as rows_module
    from bpr_studio.io.survey_files import parse_file, read_job

    steps = small_steps("A-1") + small_steps("A-2")
    steps[1]["typical_minutes"] = "10～20分"  # a range: its ends fill the blank bounds
    steps[1]["min_minutes"] = steps[1]["max_minutes"] = None
    steps[4]["next_steps"] = "3(90%); 7(10%)"  # an unknown step: a message, no arrow
    plain = make_workbook("plain.xlsx", procedures=[small_procedure("A-1"),
                                                    small_procedure("A-2")], steps=steps)
    bell = small_steps("B-1")
    bell[0]["name"] = "記入BELL"  # a BEL no writer writes: put in the sheet's XML below
    controls = _with_bell(make_workbook("controls.xlsx", procedures=[small_procedure("B-1")],
                                        steps=bell))
    foreign = make_workbook("foreign.xlsx", procedures=[small_procedure("C-1")],
                            steps=small_steps("C-1") + small_steps("Z-9"))
    sqlite = step_rows == "sqlite"
    for path in (plain, controls, foreign):
        records, issues = parse_file(path)
        expected = rows_module.file_steps(records, sqlite=sqlite)
        got_records, got_issues, got = read_job(path, step_rows=step_rows)
        assert got_issues == issues
        if expected is None:  # the batch reads this file's step records
            assert path == foreign
            assert got is None
            assert got_records == records
            continue
        assert got is not None
        assert got_records == {**records, "steps": []}
        assert [[_plain(v) for v in r] for r in got.rows] == [
            [_plain(v) for v in r] for r in expected.rows]
        assert [[_plain(v) for v in r] for r in got.links] == [
            [_plain(v) for v in r] for r in expected.links]
        assert got.counts == expected.counts
        assert got.issues == expected.issues
        if path == plain:
            assert any(i.key == "next_step_unknown" for i in got.issues)
            row = got.rows[1]
            assert (row[STEP_ROW_COLUMNS.index("min_minutes")],
                    row[STEP_ROW_COLUMNS.index("max_minutes")]) == (10.0, 20.0)
        if path == controls:
            assert any(i.key == "control_chars_removed" and i.sheet == "工程" for i in issues)


def _with_bell(path: Path) -> Path:
    """The workbook with each BELL in a sheet's XML turned into a character reference."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename.startswith("xl/"):
                data = data.replace(b"BELL", b"&#7;")
            target.writestr(info, data)
    return path


def test_one_pass_over_forward_arrows_finds_what_the_two_walks_find():
    """checks._forward_reachability (arrows only forward or to the end) gives the very
    messages of the general walks, on random step graphs with skipped and unreachable
    steps."""
    import random

    from bpr_studio.io import checks
    from bpr_studio.io.fast_cells import CellRefs

    rng = random.Random(7)
    for case in range(300):
        numbers = sorted(rng.sample(range(1, 30), rng.randint(1, 12)))
        by_no = {n: {"step_no": n, "_row": n + 1, "_cells": CellRefs({"step_no": "B"}, n + 1),
                     "_file": "f.xlsx", "_sheet": "工程"} for n in numbers}
        successors: dict[int, list[int | None]] = {}
        for position, n in enumerate(numbers):
            later = numbers[position + 1:]
            targets = rng.sample(later, min(len(later), rng.randint(1, 3))) if later else []
            successors[n] = targets if targets and rng.random() < 0.9 else [None, *targets]
        fast = checks._forward_reachability(by_no, numbers, successors)
        walked = checks._walked_reachability(by_no, numbers, successors)
        assert fast == walked, case


def test_a_whole_column_read_at_once_gives_what_its_cells_read_one_by_one_give():
    """fast_cells.column_reader reads a column in a few C-level passes when its cells allow
    and falls back to the cell reader otherwise: for random columns mixing plain and odd
    cells (spaces, tabs, full-width spaces, ditto marks, non-ASCII IDs, line breaks, NaN,
    infinities, numbers out of range or not whole, texts in number columns, blanks, and
    drop-down labels before and after one is learnt), the values are exactly the cell
    reader's."""
    import math
    import random

    from bpr_studio.io.survey_format import PROCEDURES, STEPS

    texts = ["G00001", "SM-001", "住民票の交付", "a b", "受付（2）", " lead", "trail ",
             "two  spaces", "tab\there", "全角\u3000空白", "〃", "同上", "同意書", "D-1", "ditto",
             "line\nbreak", "ＳＭ－００１", "", None, "x", "\u200bzero", "\x1cfs", 3.0]
    numbers = [0.0, 1.0, 2.5, 4.0, 5.0, 7.3, 480.0, 481.0, 999.0, 1e16, -1.0, math.nan,
               math.inf, -math.inf, 0.5, "", None, "3分", True, 2, 12.0]
    rng = random.Random(11)
    checked = 0
    labels = ["○", "×", "紙", "電子", "", None, " 紙", 1.0, "有"]
    for column in (*PROCEDURES.columns, *STEPS.columns):
        for blank in (False, True):
            seen: dict | None = {} if fast_cells.remembers(column) else None
            fast = fast_cells.fast_reader(column, seen, blank=blank)
            whole = fast_cells.column_reader(column, fast, seen=seen, blank=blank)
            if whole is None:
                continue
            pool = (labels if seen is not None else texts if column.kind in ("text", "id")
                    else numbers)
            plain = [v for v in pool if fast(v) is not fast_cells.SLOW]
            for case in range(60):
                if seen is not None and case == 30:  # a label learnt by the general path
                    fast_cells.remember(seen, "紙", "paper")
                size = rng.randint(0, 12)
                source = plain if rng.random() < 0.5 and plain else pool
                raws = [rng.choice(source) for _ in range(size)]
                got, expected = whole(raws), list(map(fast, raws))
                assert len(got) == len(expected), (column.key, raws)
                for a, b in zip(got, expected, strict=True):
                    assert a is b or a == b or (a != a and b != b), (column.key, blank, raws)
                    assert type(a) is type(b), (column.key, blank, raws)
                checked += 1
    assert checked > 1000


def test_a_first_import_copies_without_key_checks_and_leaves_them_on(tmp_path, monkeypatch):
    """A first import of parked rows copies them with SQLite's foreign-key checks off (the
    batch inserts every procedure its rows name): the same project as with the checks, no
    row without its procedure, and the checks on again for every later statement."""
    from bpr_studio.io import survey_write
    from bpr_studio.store import Project, open_project

    used = []
    original = Project.write_transaction

    def spy(self, attach=None, foreign_keys=True):
        used.append(foreign_keys)
        return original(self, attach, foreign_keys)

    monkeypatch.setattr(Project, "write_transaction", spy)
    assert import_surveys(tmp_path / "first.bprproj", SAMPLES, workers=1).written
    assert used == [False]
    monkeypatch.setattr(survey_write, "_without_key_checks", lambda *_args: False)
    assert import_surveys(tmp_path / "checked.bprproj", SAMPLES, workers=1).written
    assert used == [False, True]
    assert project_rows(tmp_path / "first.bprproj") == project_rows(tmp_path / "checked.bprproj")
    assert _rows_in_id_order(tmp_path / "first.bprproj") == _rows_in_id_order(
        tmp_path / "checked.bprproj")
    with open_project(tmp_path / "first.bprproj") as project, project.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_an_import_that_finds_procedures_after_all_writes_with_key_checks(tmp_path,
                                                                          monkeypatch):
    """Procedures may arrive between the look for them and the write lock (another
    import): the write then starts again with the checks on, so the replaced
    procedures' steps go with them (cascade) as in any re-import."""
    from bpr_studio.io import survey_write
    from bpr_studio.store import open_project

    for name in ("raced", "usual"):
        assert import_surveys(tmp_path / f"{name}.bprproj", SAMPLES, workers=1).written
    monkeypatch.setattr(survey_write, "_without_key_checks", lambda *_args: True)
    assert import_surveys(tmp_path / "raced.bprproj", SAMPLES, workers=1).written
    monkeypatch.undo()
    assert import_surveys(tmp_path / "usual.bprproj", SAMPLES, workers=1).written
    assert project_rows(tmp_path / "raced.bprproj") == project_rows(tmp_path / "usual.bprproj")
    with open_project(tmp_path / "raced.bprproj") as project, project.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_the_garbage_collector_waits_while_importing_and_is_on_again_after(tmp_path):
    """gc_pause: no collector pass over the batch's records while it is read and written;
    the collector is on again afterwards (also after a refused batch)."""
    import gc

    seen = []
    report = import_surveys(tmp_path / "gc.bprproj", SAMPLES, workers=1,
                            progress=lambda *_args: seen.append(gc.isenabled()))
    assert report.written
    assert seen
    assert not any(seen)
    assert gc.isenabled()
    with pytest.raises(ImportCancelled):
        import_surveys(tmp_path / "gc.bprproj", SAMPLES, workers=1, cancel=lambda: True)
    assert gc.isenabled()


def test_procedure_rows_built_as_lists_are_the_rows_of_procedure_row(tmp_path):
    """survey_write.procedure_values (a list per procedure, for the bulk insert) gives the
    values procedure_row's dict gives, with the version and editor, for every procedure of
    the samples and the messy corpus (blank category and cases, peak months, flags)."""
    from bpr_studio.io.survey_write import (
        PROCEDURE_ROW_COLUMNS,
        procedure_row,
        procedure_values,
    )

    messy = write_corpus(tmp_path / "messy")
    batch = parse_batch([*SAMPLES, *messy], workers=1)
    assert len(batch.procedures) > 50
    visits = set()
    for p in batch.procedures:
        expected = {**procedure_row(p, 7), "row_version": 3, "updated_by": "staff"}
        assert dict(zip(PROCEDURE_ROW_COLUMNS, procedure_values(p, 7, 3, "staff"),
                        strict=True)) == expected
        as_int = dict(zip(PROCEDURE_ROW_COLUMNS, procedure_values(p, 7, 3, "staff", int),
                          strict=True))
        visit = expected["visit_required"]
        assert as_int["visit_required"] == (None if visit is None else int(visit))
        visits.add(visit)
    assert {True, False} <= visits


def test_a_reading_process_of_workbooks_does_not_import_the_bpmn_reader():
    """The reading processes start sooner without the BPMN modules (a .bpmn file imports
    them when it is read)."""
    import subprocess
    import sys

    code = ("import sys, bpr_studio.io.survey_files; "
            "print(sorted(m for m in sys.modules if 'bpmn' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
