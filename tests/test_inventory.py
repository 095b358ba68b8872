"""National inventory import: IDs, scaling, derived factors, warnings, and adoption by level."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from bpr_studio.cli import main
from bpr_studio.io.inventory import ATTRIBUTION, INVENTORY_SECTION, import_inventory
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import score_project
from bpr_studio.queries import procedures_frame
from bpr_studio.store import open_project
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
        scored = score_project(project).procedures
        stored = procedures_frame(project)[["procedure_id", "identity_check", "attachment_kind",
                                            "fee_payment", "notes"]]
        return scored.merge(stored, on="procedure_id", suffixes=("", "_stored")), \
            project.meta("attribution")


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
    # Filed by individuals (5 国民等): an ID document, whatever the row's online state;
    # 在外選挙人名簿 is 実施済, so its 本人確認手法 is blank in the inventory.
    online_individual = by_id.loc["107844"]
    assert online_individual["identity_check"] == "id_document"
    assert "本人確認書類が必要" in online_individual["level_reasons_ja"]
    # Filed by individuals or businesses (7): none; 10376 is 未実施 and says 6 本人確認不要.
    assert by_id.loc["10376", "identity_check"] == "none"


def test_outcome_only_columns_are_kept_as_a_note_not_scored(tmp_path):
    """懸念点 and 本人確認手法 exist only for procedures not yet online: the same
    procedure reported online (those cells blank) gets the same level and reasons."""
    common = {"手続名": "同じ手続", "法令名": "住民基本台帳法", "手続主体": "5 国民等",
              "手数料等の納付有無": "1 手数料等無し", "総手続件数": "1000",
              "申請時に添付させる書類": "住民票"}
    path = _write_inventory(tmp_path / "inv.csv", [
        {**common, "手続ID": "ON", "オンライン化の実施状況": "1 実施済", "オンライン手続件数": "900",
         "処理期間(オンライン)": "1週", "添付書類等の提出方法": "0 電子・原紙を選択可能"},
        {**common, "手続ID": "OFF", "オンライン化の実施状況": "2 未実施", "オンライン手続件数": "0",
         "オンライン化の実施予定及び検討時の懸念点": "4 一部の必要書類の原本が紙",
         "申請等における本人確認手法": "1 押印＋印鑑証明", "添付書類等の提出方法": "2 原紙での提出のみ"},
    ])
    assert import_inventory(tmp_path / "p.bprproj", path, population=NATIONAL).ok
    with open_project(tmp_path / "p.bprproj") as project:
        by_id = score_project(project).procedures.merge(
            procedures_frame(project)[["procedure_id", "identity_check", "notes"]],
            on="procedure_id", suffixes=("", "_stored")).set_index("procedure_id")
    on, off = by_id.loc["ON"], by_id.loc["OFF"]
    assert (on["level"], on["level_reasons_ja"]) == (off["level"], off["level_reasons_ja"])
    assert on["identity_check"] == off["identity_check"] == "id_document"
    assert "不明" not in on["level_reasons_ja"]
    assert "懸念点：4 一部の必要書類の原本が紙" in off["notes"]  # shown to people, not scored
    assert "本人確認は手続主体「5 国民等」から推定" in on["notes"]  # where the ID check came from


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
         "手続主体": "9 不明なコード", "手数料等の納付有無": "",
         "申請時に添付させる書類": ""},
        {"手続ID": "", "手続名": "IDなし", "総手続件数": "10", "オンライン手続件数": "20"},
    ])
    report = import_inventory(tmp_path / "p.bprproj", path, population=NATIONAL)
    assert report.ok
    assert report.procedures == 3
    places = {(i.key, i.cell) for i in report.warnings}
    assert ("inventory_bad_count", "O3") in places            # 総手続件数, row 3
    assert ("inventory_unknown_code", "G3") in places         # 手続主体 (→ identity check)
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
