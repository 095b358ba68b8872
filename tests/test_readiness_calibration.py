"""The readiness level against the national inventory's 1,599-row training half.

The inventory filled 懸念点, 本人確認手法 and 処理期間(オンライン) for one online state only;
a level that used them would restate the outcome. These tests hold the level to what it
should do on real data: the same with those columns blank, ordering real adoption.
"""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.calibrate_readiness import (
    TRAIN,
    Calibration,
    blanked_copy,
    calibrate,
    level_auc,
    main,
)

AUC_FLOOR = 0.58   # the level must tell 実施済 from 未実施 better than chance, both readings


@pytest.fixture(scope="module")
def readings(tmp_path_factory) -> tuple[Calibration, Calibration]:
    folder = tmp_path_factory.mktemp("calibration")
    return calibrate(TRAIN), calibrate(blanked_copy(TRAIN, folder))


def test_the_training_half_ships_with_the_tests():
    head = TRAIN.read_text(encoding="utf-8-sig").splitlines()
    assert len(head) == 1 + 1599
    assert head[0].startswith("手続ID,")


def test_level_is_the_same_with_the_outcome_only_columns_blank(readings):
    published, blank = readings
    assert published.rows["level"].tolist() == blank.rows["level"].tolist()
    assert published.rows["reasons_ja"].tolist() == blank.rows["reasons_ja"].tolist()


def test_level_separates_online_from_not_online_better_than_chance(readings):
    published, blank = readings
    assert published.auc > AUC_FLOOR
    assert blank.auc > AUC_FLOOR


def test_case_weighted_online_use_falls_from_level_to_level(readings):
    by_level = readings[0].by_level
    used = by_level[by_level["cases"] > 0]
    assert len(used) >= 3, by_level
    rates = used["online_use"].tolist()
    assert all(a > b for a, b in zip(rates[:-1], rates[1:], strict=True)), rates
    assert rates[0] > 5 * rates[1], rates   # steeply: the easiest level is where use is


def test_an_online_procedure_is_not_unknown_because_its_identity_cell_is_blank(readings):
    rows = readings[0].rows
    implemented = rows[rows["status"] == "1"]
    assert len(implemented) == 701
    assert not implemented["reasons_ja"].str.contains("本人確認方法が不明").any()
    assert not implemented["reasons_en"].str.contains("identity check unknown").any()


def test_every_level_comes_with_readable_reasons(readings):
    rows = readings[0].rows
    for level, ja, en in zip(rows["level"], rows["reasons_ja"], rows["reasons_en"], strict=True):
        assert ja.startswith(f"レベル{level}（計")
        assert en.startswith(f"level {level} (")
        assert ja.split("：", 1)[1]
        assert en.split(": ", 1)[1]
    # Each reason carries its points: 「本人確認書類が必要 2点」.
    assert rows["reasons_ja"].str.split("：").str[1].str.split("、").map(
        lambda parts: all(p.endswith("点") for p in parts) or parts == ["障壁なし"]).all()
    hard = rows[rows["level"] >= 2]
    # A level above 1 names what makes it hard, in words, not codes.
    assert not hard["reasons_ja"].str.contains("障壁なし").any()
    assert not hard["reasons_ja"].str.contains(r"[a-z_]{4,}").any()


def test_auc_counts_ties_as_half():
    levels = pd.Series([1, 2, 2, 3])
    online = pd.Series([True, True, False, False])
    # pairs (online, not): (1,2) win, (1,3) win, (2,2) tie, (2,3) win → 3.5 / 4
    assert level_auc(levels, online) == pytest.approx(0.875)


def test_calibration_command_prints_both_readings(capsys):
    assert main([str(TRAIN)]) == 0
    out = capsys.readouterr().out
    assert "AS PUBLISHED" in out
    assert "BLANK" in out
    assert out.count("AUC of the level") == 2
    assert "same level in both readings: 1,599 of 1,599" in out


def test_the_rubric_cites_the_publication_it_was_calibrated_on():
    """Shown in the app's assumptions and the report: a publication, never a file name."""
    from cost_model.readiness import ReadinessRubric

    source = ReadinessRubric().source
    assert "行政手続等の悉皆調査結果" in source
    assert "https://www.digital.go.jp/resources/procedures-survey-results" in source
    assert not any(ext in source for ext in (".md", ".py", ".csv"))
