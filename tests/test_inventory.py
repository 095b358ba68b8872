"""National inventory import: IDs, scaling, derived factors, warnings, and adoption by level."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from bpr_studio.cli import main
from bpr_studio.io.inventory import ATTRIBUTION, INVENTORY_SECTION, import_inventory
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.store import open_project
from cost_model.scoring import score_project
from tests.conftest import small_procedure, small_steps

SAMPLE = Path(__file__).parent / "data" / "national_inventory_sample.csv"
NATIONAL = 124_352_000


@pytest.fixture(scope="module")
def inventory_scores(tmp_path_factory):
    path = tmp_path_factory.mktemp("inv") / "inv.bprproj"
    report = import_inventory(path, SAMPLE, population=200_000)
    assert report.ok
    assert report.written
    with open_project(path) as project:
        return score_project(project).procedures, project.meta("attribution")


def test_every_row_becomes_a_procedure_with_its_national_id(inventory_scores):
    procedures, attribution = inventory_scores
    with SAMPLE.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(procedures) == len(rows) == 150
    assert set(procedures["procedure_id"]) == {r["手続ID"] for r in rows}
    assert attribution == ATTRIBUTION
    assert set(procedures["section"]) == {INVENTORY_SECTION}


def test_case_counts_are_scaled_by_population(inventory_scores):
    procedures, _ = inventory_scores
    row = procedures.set_index("procedure_id").loc["10376"]  # 総手続件数 500, オンライン 0
    assert row["annual_cases"] == round(500 * 200_000 / NATIONAL)


def test_online_use_falls_from_level_to_level(inventory_scores):
    """Case-weighted online-use rate: level 1 > 2 > 3 > 4 (among the levels present)."""
    procedures, _ = inventory_scores
    with SAMPLE.open(encoding="utf-8-sig") as handle:
        national = {r["手続ID"]: (float(r["総手続件数"] or 0), float(r["オンライン手続件数"] or 0))
                    for r in csv.DictReader(handle)}
    frame = procedures[["procedure_id", "level"]].copy()
    frame["total"] = [national[p][0] for p in frame["procedure_id"]]
    frame["online"] = [national[p][1] for p in frame["procedure_id"]]
    by_level = frame.groupby("level")[["total", "online"]].sum()
    by_level = by_level[by_level["total"] > 0]
    rates = (by_level["online"] / by_level["total"]).tolist()
    assert len(rates) >= 3
    assert rates == sorted(rates, reverse=True), rates
    assert len(set(rates)) == len(rates), rates


def test_derived_factors_follow_the_codes(inventory_scores):
    procedures, _ = inventory_scores
    by_id = procedures.set_index("procedure_id")
    # 特定入所者の負担限度額: paper original only → level 4 with that reason.
    hard = by_id[by_id["name"].str.contains("特定入所者の負担限度額")].iloc[0]
    assert hard["level"] == 4
    assert "原本" in hard["level_reasons_ja"]


def _write_inventory(path: Path, rows: list[dict[str, str]]) -> Path:
    with SAMPLE.open(encoding="utf-8-sig") as handle:
        headers = next(csv.reader(handle))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, headers)
        writer.writeheader()
        for row in rows:
            writer.writerow({h: row.get(h, "") for h in headers})
    return path


def test_miscoded_rows_import_with_warnings_and_conservative_defaults(tmp_path):
    path = _write_inventory(tmp_path / "inv.csv", [
        {"手続ID": "1", "手続名": "正常", "法令名": "住民基本台帳法", "オンライン化の実施状況": "2 未実施",
         "申請等における本人確認手法": "4 本人確認書類の提示・提出", "手数料等の納付有無": "1 手数料等無し",
         "総手続件数": "1000", "オンライン手続件数": "0", "申請時に添付させる書類": "添付書類なし"},
        {"手続ID": "2", "手続名": "件数が壊れている", "総手続件数": "多数", "オンライン手続件数": "x",
         "申請等における本人確認手法": "9 不明なコード", "手数料等の納付有無": "",
         "申請時に添付させる書類": ""},
        {"手続ID": "", "手続名": "IDなし", "総手続件数": "10", "オンライン手続件数": "20"},
    ])
    report = import_inventory(tmp_path / "p.bprproj", path, population=NATIONAL)
    assert report.ok
    assert report.procedures == 3
    places = {(i.key, i.cell) for i in report.warnings}
    assert ("inventory_bad_count", "O3") in places            # 総手続件数, row 3
    assert ("inventory_unknown_code", "J3") in places         # 本人確認手法
    assert ("inventory_id_missing", "A4") in places
    assert ("online_exceeds_total", "P4") in places
    with open_project(tmp_path / "p.bprproj") as project:
        procedures = score_project(project).procedures.set_index("procedure_id")
    broken = procedures.loc["2"]
    assert broken["annual_cases"] == 0
    assert broken["level"] >= 2  # unknowns are scored on the hard side
    assert procedures.loc["INV-4", "online_cases"] == 10


def test_a_survey_can_claim_an_inventory_procedure(tmp_path, make_workbook):
    project = tmp_path / "p.bprproj"
    assert import_inventory(project, SAMPLE, population=200_000).ok
    survey = make_workbook("a.xlsx", procedures=[small_procedure("10376", section="税務課")],
                           steps=small_steps("10376"))
    report = import_surveys(project, [survey])
    assert report.ok, report.format_text()
    again = import_inventory(project, SAMPLE, population=200_000)  # the catalogue is refreshed
    assert again.ok
    with open_project(project) as opened:
        procedures = score_project(opened).procedures.set_index("procedure_id")
    assert procedures.loc["10376", "section"] == "税務課"
    assert len(procedures) == 150
    assert any(i.key == "inventory_already_surveyed" for i in again.issues)


def test_import_inventory_command(tmp_path, capsys):
    code = main(["import-inventory", "--project", str(tmp_path / "p.bprproj"),
                 "--population", "200000", str(SAMPLE)])
    assert code == 0
    out = capsys.readouterr().out
    assert "レベル1" in out
    assert "デジタル庁" in out
    csv_out = tmp_path / "p.csv"
    assert main(["export", "--project", str(tmp_path / "p.bprproj"), "-o", str(csv_out)]) == 0
    assert len(pd.read_csv(csv_out, encoding="utf-8-sig")) == 150
