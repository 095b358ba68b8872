"""Life events (issue 14): membership from the inventory, journeys hand-checked on a tiny
event, the measures, reproducibility, bad event data, the schema migration, seasonality."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from analysis.journey import simulate_journeys
from analysis.journey_calendar import fiscal_calendar
from analysis.journey_data import journey_inputs
from analysis.journey_queue import CounterLoad, simulate_counters
from analysis.life_events import (
    EventDataError,
    EventMember,
    LifeEvent,
    form_fields,
    resolve_default_events,
    validate_events,
)
from bpr_studio import store
from bpr_studio.cli import main
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.life_event_store import load_events, read_events_csv, save_events
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files

# --- a tiny city, as frames ------------------------------------------------------------


def _frames(counters: dict[str, str], attachment: str = "none"
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One procedure per entry (procedure ID → counter): the citizen writes 6 minutes, the
    counter serves 4 (2 of them reception), 300 cases a year, no peak month."""
    procedures = pd.DataFrame([{
        "procedure_id": pid, "name": f"手続{pid}", "section": "市民課", "counter": counter,
        "national_id": None, "form_fields": "氏名; 住所; 生年月日", "annual_cases": 300,
        "online_cases": 0, "visit_required": True, "attachment_kind": attachment,
        "peak_months": None} for pid, counter in counters.items()])
    steps = pd.DataFrame([
        row for pid in counters for row in (
            {"procedure_id": pid, "step_no": 1, "actor": "citizen", "work_kind": "filling_in",
             "typical_minutes": 6.0, "share_pct": 100.0},
            {"procedure_id": pid, "step_no": 2, "actor": "counter", "work_kind": "reception",
             "typical_minutes": 2.0, "share_pct": 100.0},
            {"procedure_id": pid, "step_no": 3, "actor": "counter", "work_kind": "issuing",
             "typical_minutes": 2.0, "share_pct": 100.0})])
    links = pd.DataFrame(columns=["procedure_id", "from_step_no", "to_step_no", "probability"])
    return procedures, steps, links


def _event(*pids: str) -> LifeEvent:
    return LifeEvent("tiny", "小さなイベント", "tiny", 300.0,
                     tuple(EventMember(p, 1.0, "test") for p in pids), pids[0])


def test_two_procedures_at_one_counter_are_one_queue_and_one_visit():
    inputs = journey_inputs(*_frames({"A": "窓口1", "B": "窓口1"}))
    result = simulate_journeys(inputs, [_event("A", "B")], (), seed=3, replications=200)
    as_is = result.events[0].as_is
    assert as_is.counters.p5 == as_is.counters.p95 == 1       # one counter, one queue
    assert as_is.visits.mean == 1                              # no attachment to forget
    assert as_is.name_writes.mean == as_is.address_writes.mean == 2   # two forms
    assert [stop.counter for stop in as_is.stops] == ["窓口1"]
    # Minutes in the building: writing 12 + serving 8 on average, plus the queue.
    assert as_is.minutes.mean == pytest.approx(20 + as_is.wait_minutes.mean, rel=0.15)


def test_a_journey_is_counted_by_hand_and_the_measures_cut_it():
    inputs = journey_inputs(*_frames({"A": "窓口1", "B": "窓口2", "C": "窓口3"}))
    event = _event("A", "B", "C")
    as_is_only = simulate_journeys(inputs, [event], (), seed=1, replications=300).events[0]
    assert as_is_only.as_is.counters.mean == 3
    assert as_is_only.as_is.name_writes.mean == 3
    assert as_is_only.as_is.birth_writes.mean == 3
    # Walking: two moves between three counters (the 3-minute proposal, drawn around it).
    assert as_is_only.as_is.walk_minutes.mean == pytest.approx(2 * 3.0, rel=0.1)

    one_stop = simulate_journeys(inputs, [event], ("one_stop",), seed=1, replications=300)
    assert one_stop.events[0].to_be.counters.p95 == 1
    assert one_stop.events[0].to_be.walk_minutes.mean == 0
    no_form = simulate_journeys(inputs, [event], ("no_form",), seed=1, replications=300)
    to_be = no_form.events[0].to_be
    assert max(to_be.name_writes.p95, to_be.address_writes.p95) <= 1
    assert to_be.minutes.mean < no_form.events[0].as_is.minutes.mean


def test_a_missing_attachment_means_another_visit():
    inputs = journey_inputs(*_frames({"A": "窓口1"}, attachment="certificate"))
    side = simulate_journeys(inputs, [_event("A")], (), seed=2, replications=2000).events[0].as_is
    assert 0.02 < side.revisit_share < 0.2                    # around the 8 % proposal
    assert side.visits.mean == pytest.approx(1 + side.revisit_share)


def test_same_seed_same_figures():
    inputs = journey_inputs(*_frames({"A": "窓口1", "B": "窓口2"}))
    first = simulate_journeys(inputs, [_event("A", "B")], ("one_stop",), seed=5, replications=100)
    again = simulate_journeys(inputs, [_event("A", "B")], ("one_stop",), seed=5, replications=100)
    other = simulate_journeys(inputs, [_event("A", "B")], ("one_stop",), seed=6, replications=100)
    assert first.table() == again.table()
    assert first.table() != other.table()


# --- membership, fields and bad data ------------------------------------------------------


def test_membership_is_read_from_the_inventory_event_codes():
    procedures = [
        {"procedure_id": "X-1", "name": "資格取得の届出", "national_id": "48398", "annual_cases": 10},
        {"procedure_id": "X-2", "name": "転出に伴う手続", "national_id": "48398", "annual_cases": 10},
        {"procedure_id": "48893", "name": "犬の届出", "annual_cases": 5},   # an inventory import
    ]
    events = {e.key: e for e in resolve_default_events(procedures)}
    members = {m.procedure_id: m for m in events["moving_in"].members}
    assert members["X-1"].matched == "全国手続ID 48398: 引越し"   # 妊娠; 出生・こども; 引越し
    assert "提案値" in members["X-1"].source
    assert "X-2" not in members          # 引越し also codes moving out: left out of 転入
    assert "48893" in members            # the procedure ID itself is the 手続ID
    assert {m.procedure_id for m in events["birth"].members} >= {"X-1", "X-2"}
    assert "48893" in {m.procedure_id for m in events["death"].members}


def test_form_fields_default_from_the_inventory():
    assert form_fields("48398") == ("氏名", "住所", "生年月日", "マイナンバー")
    assert form_fields(None, "氏名、住所") == ("氏名", "住所")


def test_bad_event_data_is_refused_with_the_field_named(tmp_path):
    with pytest.raises(EventDataError, match="P1.*150%"):
        validate_events([LifeEvent("x", "転入", "x", 1, (EventMember("P1", 1.5, "u"),))], {"P1"})
    with pytest.raises(EventDataError, match="Z9"):
        validate_events([LifeEvent("x", "転入", "x", 1, (EventMember("Z9", 0.5, "u"),))], {"P1"})
    path = tmp_path / "events.csv"
    path.write_text("イベント,手続ID,割合(%)\n転入,P1,50\n転入,P2,120\n", encoding="utf-8")
    with pytest.raises(EventDataError) as error:
        read_events_csv(path, {"P1", "P2"})
    assert "events.csv C3" in error.value.message("ja")
    assert "120" in error.value.message("en")
    path.write_text("イベント,手続ID,割合(%)\n転入,NOPE,50\n", encoding="cp932")
    with pytest.raises(EventDataError, match="events.csv B2"):
        read_events_csv(path, {"P1"})


# --- the sample city, the store, the CLI --------------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("life") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_sample_city_shows_moving_in_and_bereavement(city, capsys):
    out = city.parent / "journeys.json"
    assert main(["journeys", "--project", str(city), "--event", "転入", "--event", "おくやみ",
                 "--replications", "300", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    events = {e["key"]: e for e in data["events"]}
    assert set(events) == {"moving_in", "death"}
    for event in events.values():
        as_is, to_be = event["as_is"], event["to_be"]
        assert as_is["counters"]["mean"] > 2
        assert to_be["counters"]["p95"] == 1
        assert as_is["name_writes"]["mean"] > 2
        assert to_be["name_writes"]["p95"] <= 1
        assert to_be["minutes"]["mean"] < as_is["minutes"]["mean"]
        assert as_is["minutes"]["p5"] < as_is["minutes"]["mean"] < as_is["minutes"]["p95"]
    # The national 手続ID shows what the inventory matched.
    matched = [m["matched"] for m in events["moving_in"]["members"]]
    assert any(text.startswith("全国手続ID") for text in matched)
    assert "窓口" in capsys.readouterr().out


def test_events_are_stored_and_replace_the_defaults(city, tmp_path):
    import shutil

    path = tmp_path / "copy.bprproj"
    shutil.copy(city, path)
    with open_project(path) as project:
        assert load_events(project)[0].origin == "default"
        save_events(project, [LifeEvent("mine", "私の転入", "mine", 0.0,
                                        (EventMember("SM-004", 1.0, "u"),
                                         EventMember("HN-001", 0.4, "u")), "SM-004")])
        events = load_events(project)
    assert [e.name for e in events] == ["私の転入"]
    assert events[0].events_per_year == 7400          # the anchor's cases
    assert main(["events", "--project", str(path), "--reset"]) == 0
    with open_project(path) as project:
        assert load_events(project)[0].origin == "default"


def test_schema_5_file_migrates_to_life_events(city, tmp_path):
    import shutil

    path = tmp_path / "v5.bprproj"
    shutil.copy(city, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE life_event_member")
        conn.execute("DROP TABLE life_event")
        for column in ("national_id", "counter", "form_fields"):
            conn.execute(f"ALTER TABLE procedure DROP COLUMN {column}")
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    conn.close()
    with open_project(path) as project:
        assert project.schema_version == store.SCHEMA_VERSION
        assert load_events(project)          # the defaults, found by name
    assert (tmp_path / "v5.v5.bak.bprproj").exists()


# --- seasonality --------------------------------------------------------------------------


def test_the_march_peak_raises_waits_only_at_the_moving_counters():
    moving = np.ones(12)
    moving[[2, 3]] = 1.8                      # 3,4: the moving season
    loads = [CounterLoad("住民異動", 9000 * moving / moving.sum(), 8.0, 1),
             CounterLoad("税証明", np.full(12, 9000 / 12), 8.0, 1)]
    stats = simulate_counters(loads, seed=1, years=3).stats
    moving_counter, other = (s["wait_by_month"] for s in stats)
    assert moving_counter[2] > 2 * moving_counter[5]          # March vs June
    assert other[2] < 1.5 * other[5]


def test_the_fiscal_calendar_closes_holidays_and_the_year_end():
    calendar = fiscal_calendar(2025)
    days = {str(d) for d in calendar.dates}
    assert {"2025-04-01", "2026-03-31"} <= days
    assert not {"2025-05-05", "2025-12-29", "2026-01-02", "2026-01-12"} & days   # 成人の日
    assert 240 <= calendar.days <= 246


# --- the report sheet ---------------------------------------------------------------------


def test_report_sheet_carries_the_table_and_every_source(city):
    from openpyxl import Workbook

    from bpr_studio.journey_pipeline import run_journeys
    from bpr_studio.report.life_events_sheet import SHEET, event_record, life_events_sheet

    with open_project(city) as project:
        result = run_journeys(project, replications=200)
    wb = Workbook()
    ws = life_events_sheet(wb, result)
    assert ws is not None
    assert ws.title == SHEET
    texts = [str(cell.value) for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert "転入（引越し）" in texts
    assert "おくやみ（死亡・相続）" in texts
    record = event_record(result.event("おくやみ"))
    assert record["counters_to_be"] == 1
    assert record["names_to_be"] <= 1
    assert record["p5_as_is"] <= record["minutes_as_is"] <= record["p95_as_is"]
    joined = "\n".join(texts)
    for expected in ("岩見沢市", "提案値", "PDL1.0", "地方自治法", "全国手続ID"):
        assert expected in joined
    assert len(ws._images) == 2          # the timelines of 転入 and おくやみ


def test_booking_flattens_the_peaks_within_the_day_and_week():
    """予約: booked visits come evenly over the month's days and hours, so the same load
    waits less; the month's total is unchanged (booking moves the hour, not the month)."""
    busy = np.full(12, 21000.0 / 12)           # 2 counters at about 65 % utilisation
    walk_in, booked = (simulate_counters([CounterLoad("住民異動", busy, 8.0, 2, share)], seed=4,
                                          years=2).stats[0] for share in (0.0, 1.0))
    assert booked["mean_wait_min"] < 0.8 * walk_in["mean_wait_min"]
    assert booked["visits_per_year"] == pytest.approx(walk_in["visits_per_year"], rel=0.02)


def test_journeys_in_another_fiscal_year(city, capsys):
    assert main(["journeys", "--project", str(city), "--event", "転入", "--replications", "50",
                 "--fiscal-year", "2026"]) == 0
    assert "2026年度" in capsys.readouterr().out


def test_the_report_timeline_draws_japanese_in_a_fresh_process():
    """The report's timeline PNG is the first chart a report may draw: every label must be
    in the Japanese font (no 'Glyph … missing' boxes), whatever was imported before."""
    import subprocess
    import sys

    code = """
import warnings
warnings.simplefilter("error")
from analysis.journey import simulate_journeys
from analysis.journey_charts import journey_png
from analysis.journey_data import journey_inputs
from tests.test_life_events import _event, _frames
inputs = journey_inputs(*_frames({"A": "窓口1", "B": "窓口2"}))
event = simulate_journeys(inputs, [_event("A", "B")], ("one_stop",), seed=1,
                          replications=50).events[0]
assert journey_png(event)[:4] == b"\\x89PNG"
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
