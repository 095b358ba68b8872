"""Comparing municipalities on their shared 手続ID (issue 16, item 5)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.peers import CityFigures, compare_cities
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.pipeline import compare_projects
from tests.conftest import small_procedure, small_steps


def _city(name: str, minutes: dict[str, float], cases: float = 600.0) -> CityFigures:
    frame = pd.DataFrame({
        "name": [f"手続{pid}" for pid in minutes], "section": "市民課",
        "annual_cases": cases, "staff_hours": [m * cases / 60 for m in minutes.values()],
        "minutes_per_case": list(minutes.values()), "online_share": 0.1, "level": 2,
        "saving_share": 0.2}, index=pd.Index(list(minutes), name="procedure_id"))
    return CityFigures(name, frame)


def test_each_city_against_the_median_of_the_cities_that_have_the_procedure():
    a = _city("A市", {"P1": 10.0, "P2": 30.0, "ONLY-A": 5.0})
    b = _city("B市", {"P1": 20.0, "P2": 30.0})
    c = _city("C市", {"P1": 40.0})
    peers = compare_cities([a, b, c])
    assert list(peers.rows.index) == ["P1", "P2"]  # ONLY-A has no peer
    assert peers.rows.at["P1", "minutes_per_case_median"] == 20.0  # of 10, 20, 40
    assert peers.rows.at["P2", "minutes_per_case_median"] == 30.0
    assert peers.rows.at["P1", "ratio_C市"] == pytest.approx(2.0)
    assert pd.isna(peers.rows.at["P2", "ratio_C市"])  # C has no P2
    by_city = {s.city: s for s in peers.summaries}
    assert (by_city["A市"].matched, by_city["A市"].slower) == (2, 0)
    assert (by_city["C市"].matched, by_city["C市"].slower) == (1, 1)
    # C would free (40 − 20) minutes × 600 cases = 200 hours at the median.
    assert by_city["C市"].gap_hours == pytest.approx(200.0)
    assert [pid for pid in peers.slowest("C市").index] == ["P1"]


def test_fewer_than_two_cities_or_a_name_twice_is_refused():
    a = _city("A市", {"P1": 10.0})
    with pytest.raises(ValueError, match="2つ以上"):
        compare_cities([a])
    with pytest.raises(ValueError, match="同じ名前"):
        compare_cities([a, _city("A市", {"P1": 12.0})])


def _project(tmp_path, make_workbook, name: str, input_minutes) -> str:
    steps = small_steps("T-001")
    steps[2]["typical_minutes"] = input_minutes  # 担当職員の入力
    book = make_workbook(f"{name}.xlsx", [small_procedure("T-001")], steps)
    path = tmp_path / f"{name}.bprproj"
    assert import_surveys(path, [book]).ok
    return str(path)


def test_two_city_projects_compared_from_the_command_line(tmp_path, make_workbook, capsys):
    fast = _project(tmp_path, make_workbook, "早い市", 30)
    slow = _project(tmp_path, make_workbook, "遅い市", 150)
    peers = compare_projects([fast, slow], "DX標準", ["早い市", "遅い市"])
    row = peers.rows.loc["T-001"]
    assert row["minutes_per_case_遅い市"] > row["minutes_per_case_早い市"]
    assert row["ratio_遅い市"] > 1.25 > row["ratio_早い市"]
    out = tmp_path / "比較.xlsx"
    assert main(["compare-cities", "--project", fast, "--project", slow, "--name", "早い市",
                 "--name", "遅い市", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "遅い市: 手続 1、共通 1、中央値の1.25倍より遅い 1 件" in printed
    assert "T-001" in printed
    import openpyxl

    sheet = openpyxl.load_workbook(out)["自治体比較"]
    values = [c.value for row_cells in sheet.iter_rows() for c in row_cells if c.value]
    assert "T-001" in values
    assert "遅い市" in values
    assert main(["compare-cities", "--project", fast, "--project", slow, "--name", "早い市",
                 "--name", "遅い市", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["procedures"][0]["procedure_id"] == "T-001"


def test_one_project_only_is_a_clear_error(tmp_path, make_workbook, capsys):
    fast = _project(tmp_path, make_workbook, "早い市", 30)
    assert main(["compare-cities", "--project", fast]) == 1
    assert "2つ以上" in capsys.readouterr().err


def test_a_city_read_from_its_export_compares_as_its_project(tmp_path, make_workbook):
    """A city that cannot share its project shares `bpr-studio export`: the same minutes
    and ratios; its saving and to-be are blank (no scenario), never 0."""
    fast = _project(tmp_path, make_workbook, "早い市", 30)
    slow = _project(tmp_path, make_workbook, "遅い市", 150)
    exported = tmp_path / "遅い市.csv"
    assert main(["export", "--project", slow, "--what", "procedures", "-o", str(exported)]) == 0
    from_projects = compare_projects([fast, slow], "DX標準", ["早い市", "遅い市"]).rows
    from_csv = compare_projects([fast, str(exported)], "DX標準", ["早い市"]).rows
    for column in ("minutes_per_case_遅い市", "ratio_遅い市", "ratio_早い市",
                   "online_share_遅い市", "level_遅い市"):
        assert from_csv.at["T-001", column] == pytest.approx(
            from_projects.at["T-001", column], rel=1e-3), column
    assert pd.isna(from_csv.at["T-001", "saving_share_遅い市"])
    assert pd.isna(from_csv.at["T-001", "to_be_ratio_遅い市"])
    # Excel on a Japanese PC re-saves a CSV as Shift_JIS: still read.
    resaved = tmp_path / "遅い市_sjis.csv"
    resaved.write_bytes(exported.read_text(encoding="utf-8-sig").encode("cp932"))
    again = compare_projects([fast, str(resaved)], "DX標準", ["早い市", "遅い市"]).rows
    assert again.at["T-001", "ratio_遅い市"] == pytest.approx(from_csv.at["T-001", "ratio_遅い市"])


def test_a_csv_that_is_not_our_export_names_the_file_row_and_column(tmp_path, make_workbook,
                                                                    capsys):
    fast = _project(tmp_path, make_workbook, "早い市", 30)
    other = tmp_path / "他市.csv"
    other.write_text("手続ID,手続名\nT-001,住民票\n", encoding="utf-8")
    assert main(["compare-cities", "--project", fast, "--project", str(other)]) == 1
    err = capsys.readouterr().err
    assert "他市.csv 1行目" in err
    assert "年間件数" in err
    broken = tmp_path / "壊れ市.csv"
    slow = _project(tmp_path, make_workbook, "遅い市", 150)
    assert main(["export", "--project", slow, "--what", "procedures", "-o", str(broken)]) == 0
    lines = broken.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("年間件数")] = "たくさん"
    broken.write_text("\n".join([lines[0], ",".join(cells)]), encoding="utf-8-sig")
    assert main(["compare-cities", "--project", fast, "--project", str(broken)]) == 1
    assert "壊れ市.csv 2行目 列「年間件数」: 数値ではありません（値: たくさん）" in capsys.readouterr().err


def test_the_to_be_is_set_against_the_peers_as_is_median():
    """A city with a scenario: would the reform bring it to its peers' level?"""
    before = pd.DataFrame({"procedure_id": ["P1"], "name": ["住民票"], "section": ["市民課"],
                           "annual_cases": [600.0], "staff_time_h": [400.0],  # 40 min a case
                           "online_share": [0.0], "level": [2]})
    after = before.assign(staff_time_h=[150.0])  # 15 min a case
    from analysis.peers import city_figures

    slow = city_figures("遅い市", before, {"P1": 250.0}, after)
    peer = _city("早い市", {"P1": 20.0})
    peers = compare_cities([slow, peer])
    # Median of 40 and 20 = 30: 40/30 before, 15/30 after.
    assert peers.rows.at["P1", "ratio_遅い市"] == pytest.approx(40 / 30)
    assert peers.rows.at["P1", "to_be_ratio_遅い市"] == pytest.approx(15 / 30)
    by_city = {s.city: s for s in peers.summaries}
    assert (by_city["遅い市"].slower, by_city["遅い市"].slower_after) == (1, 0)
    assert by_city["早い市"].slower_after is None  # no scenario for that city
