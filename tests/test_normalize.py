import datetime as dt

import pytest

from bpr_studio.io import normalize as nz


@pytest.mark.parametrize(("raw", "minutes"), [
    (30, 30.0), ("30", 30.0), ("30分", 30.0), ("３０分", 30.0), ("1時間30分", 90.0),
    ("1時間", 60.0), ("1.5h", 90.0), ("90min", 90.0), ("1:30", 90.0), (" 45 分 ", 45.0),
    ("約10分", 10.0), (dt.time(0, 30), 30.0), (dt.timedelta(hours=2), 120.0), ("30秒", 0.5),
])
def test_minutes_accept_what_people_type(raw, minutes):
    assert nz.parse_minutes(raw) == pytest.approx(minutes)


@pytest.mark.parametrize("raw", ["すぐ", "30分くらい?", "", "h", True])
def test_minutes_refuse_text_that_is_not_a_duration(raw):
    with pytest.raises(nz.CellProblem) as info:
        nz.parse_minutes(raw)
    assert info.value.key == "not_a_duration"


@pytest.mark.parametrize(("raw", "number"), [
    ("1,200", 1200.0), ("１，２００件", 1200.0), ("￥300", 300.0), ("300円", 300.0),
    (42.0, 42.0), ("　12 ", 12.0), ("50%", 50.0), ("６万件", 60000.0), ("1.2万", 12000.0),
])
def test_numbers_accept_separators_units_and_full_width(raw, number):
    assert nz.parse_number(raw) == number


def test_text_in_a_number_cell_is_refused():
    with pytest.raises(nz.CellProblem):
        nz.parse_number("多数")


@pytest.mark.parametrize(("raw", "value"), [
    ("○", True), ("◯", True), ("有", True), ("はい", True), ("Y", True), (1, True),
    ("×", False), ("無", False), ("いいえ", False), ("ｎ", False), (0, False), ("不要", False),
])
def test_yes_no_marks(raw, value):
    assert nz.parse_bool(raw) is value


def test_next_steps_with_branches_and_end():
    assert nz.parse_next_steps("4(85%); 2(15%)") == [(4, 85.0), (2, 15.0)]
    assert nz.parse_next_steps("４（８５％）、２（１５％）") == [(4, 85.0), (2, 15.0)]
    assert nz.parse_next_steps("3:90, 終了:10") == [(3, 90.0), (None, 10.0)]
    assert nz.parse_next_steps(3.0) == [(3, None)]
    assert nz.parse_next_steps("終了") == [(None, None)]
    with pytest.raises(nz.CellProblem):
        nz.parse_next_steps("次へ")


def test_next_steps_round_trip():
    links = [(4, 85.0), (None, 15.0)]
    assert nz.parse_next_steps(nz.format_next_steps(links)) == links


@pytest.mark.parametrize(("raw", "months"), [
    ("3,4", [3, 4]), ("3月・4月", [3, 4]), ("3～5月", [3, 4, 5]), ("12-1", [12, 1]), (3.0, [3]),
])
def test_peak_months(raw, months):
    assert nz.parse_months(raw) == months


def test_months_out_of_range_are_refused():
    with pytest.raises(nz.CellProblem):
        nz.parse_months("13")


def test_ids_fold_full_width_and_drop_float_tail():
    assert nz.clean_id("ＳＭ-００１") == "SM-001"
    assert nz.clean_id(10288.0) == "10288"
    assert nz.clean_text("　住民票の写し　 交付 ") == "住民票の写し 交付"
