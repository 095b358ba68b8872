import datetime as dt

import pytest

from bpr_studio.io import normalize as nz


@pytest.mark.parametrize(("raw", "minutes"), [
    (30, 30.0), ("30", 30.0), ("30分", 30.0), ("３０分", 30.0), ("1時間30分", 90.0),
    ("1時間", 60.0), ("1.5h", 90.0), ("90min", 90.0), ("1:30", 90.0), (" 45 分 ", 45.0),
    ("約10分", 10.0), (dt.time(0, 30), 30.0), (dt.timedelta(hours=2), 120.0), ("30秒", 0.5),
    # A day is a working day of 7 h 45 min (465 minutes), not 24 hours: work time is costed.
    ("3日", 1395.0), ("1日4時間", 705.0), ("2.5時間", 150.0), ("0.5日", 232.5), ("2d", 930.0),
    ("1～2日", 697.5),
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


@pytest.mark.parametrize(("raw", "number", "note"), [
    ("約5.8万件", 58000, "read_approximate"), ("約1,200件", 1200, "read_approximate"),
    ("2,400件程度", 2400, "read_approximate"), ("1,200件～", 1200, "read_approximate"),
    ("5万件強", 50000, "read_approximate"), ("1,000～1,500件", 1250, "read_range_number"),
    ("1～2万件", 15000, "read_range_number"), ("1,200", 1200, None),
])
def test_approximate_counts_are_read_and_noted(raw, number, note):
    notes: nz.Notes = []
    assert nz.parse_int(raw, notes) == number
    assert [key for key, _params in notes] == ([note] if note else [])


@pytest.mark.parametrize(("raw", "ends"), [
    ("10～15分", (10, 15)), ("１０〜１５分", (10, 15)), ("1～2時間", (60, 120)),
    ("10-15", (10, 15)), ("約10～15分", (10, 15)), ("30分", None), ("1:30", None),
])
def test_minute_ranges(raw, ends):
    assert nz.minutes_range(raw) == ends


def test_reversed_range_is_refused():
    with pytest.raises(nz.CellProblem) as info:
        nz.minutes_range("15～10分")
    assert info.value.key == "range_reversed"


def test_dates_excel_made_of_typed_values():
    with pytest.raises(nz.CellProblem) as info:
        nz.parse_minutes(dt.date(2025, 10, 15))
    assert info.value.key == "stored_as_date"
    assert info.value.params["shown"] == "2025/10/15"
    notes: nz.Notes = []
    assert nz.parse_months(dt.date(2025, 3, 4), notes) == [3, 4]
    assert notes[0][0] == "read_date_as_months"
    with pytest.raises(nz.CellProblem):
        nz.clean_id(dt.date(2025, 1, 2))  # an ID 1-2 that Excel made a date


@pytest.mark.parametrize("mark", ["〃", "同上", "″", "〃 "])
def test_ditto_marks(mark):
    assert nz.is_ditto(mark)
    assert not nz.is_ditto("同上課")
