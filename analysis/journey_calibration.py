"""Published journey results against the model, row by row (issue 14, item 3).

Each :class:`PublishedJourney` is a before/after figure a municipality published for a
life event or a counter measure, with its publication. :func:`comparison_rows` puts the
model's figure for the same event, metric and measures next to it. The comparison is
shown, not fitted: the defaults are not tuned to any one row (the rows disagree with each
other, and a model city is not the city that published), and docs/life-events.md says
where and why the model lands differently.

"半日" (half a day) is read as 180–240 minutes, the midpoint 210: a morning or an
afternoon of the city hall's opening hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis import journey_sources as J
from analysis.journey_result import JourneyResult, JourneySide
from analysis.sources import Source

HALF_DAY_MIN = 210.0
# The model runs the comparison needs: measures of each (analysis.journey.MEASURES).
RUNS = {"to_be": ("one_stop", "no_form"), "okuyami": ("okuyami", "no_form"),
        "no_form": ("no_form",), "reservation": ("reservation",)}


@dataclass(frozen=True)
class PublishedJourney:
    key: str
    municipality: str
    event: str               # the model event it compares with (key)
    metric: str              # minutes | counters | name_writes | wait | max_wait | form_minutes
    measures: str            # the model run: to_be (ワンストップ＋書かない), okuyami, reservation
    before: float | None
    after: float | None
    unit: str
    source: Source
    reading: str             # how the published words became numbers


PUBLISHED: tuple[PublishedJourney, ...] = (
    PublishedJourney("nara", "奈良市", "death", "minutes", "okuyami", HALF_DAY_MIN, 45.0, "分",
                     J.NARA_OKUYAMI, "半日 → 平均40～50分"),
    PublishedJourney("omitama", "小美玉市", "death", "minutes", "okuyami", HALF_DAY_MIN, 75.0, "分",
                     J.OMITAMA_OKUYAMI, "半日 → 約1時間～1時間半"),
    PublishedJourney("gifu", "岐阜市", "death", "minutes", "okuyami", HALF_DAY_MIN, 60.0, "分",
                     J.GIFU_OKUYAMI, "半日がかり → 1時間かからず（上限として60分）"),
    PublishedJourney("beppu", "別府市", "death", "minutes", "to_be", None, 60.0, "分",
                     J.BEPPU_OKUYAMI, "コーナー約20分＋各窓口を回ってトータル約1時間（窓口は回る）"),
    PublishedJourney("takayama", "高山市", "death", "wait", "to_be", 1.0, 0.6, "比",
                     J.TAKAYAMA_OKUYAMI, "待ち時間を最大約4割削減（比で表示）"),
    PublishedJourney("joetsu", "上越市", "death", "counters", "okuyami", 15.0, 1.0, "か所",
                     J.JOETSU_OKUYAMI, "最大15課 → 1か所（最大値）"),
    PublishedJourney("gifu_counters", "岐阜市", "death", "counters", "okuyami", 10.0, 1.0, "か所",
                     J.GIFU_OKUYAMI, "多いと各課10カ所以上 → 1か所"),
    PublishedJourney("beppu_writes", "別府市", "death", "name_writes", "okuyami", None, 1.0, "回",
                     J.BEPPU_WRITE_ONCE, "何回も同じように書く → 書くことが一回で終わる"),
    PublishedJourney("yokohama", "横浜市神奈川区", "moving_in", "minutes", "as_is", 60.0, None, "分",
                     J.YOKOHAMA_KANAGAWA, "転入は複数の手続で平均約1時間（現状のみ）"),
    PublishedJourney("kyoto", "京都市", "moving_in", "form_minutes", "no_form", 7.0, 2.0, "分",
                     J.KYOTO_NO_FORM, "書かない窓口で転入の手続に要した時間 7分 → 2分"),
    PublishedJourney("iwamizawa", "岩見沢市", "moving_in", "form_minutes", "no_form", 18.0, 10.0, "分",
                     J.IWAMIZAWA_NO_FORM_VISIT, "証明書交付 18分 → 10分（比を転入届の記入＋受付に当てる）"),
    PublishedJourney("sapporo", "札幌市中央区", "moving_in", "max_wait", "reservation", 120.0, 40.0,
                     "分", J.SAPPORO_PRE_RECEPTION_MAX, "繁忙期の事前受付で最大待ち 約2時間 → 約40分"),
)


def _side_value(side: JourneySide, metric: str) -> float:
    return {"minutes": side.minutes.mean, "counters": side.counters.mean,
            "name_writes": side.name_writes.mean, "wait": side.wait_minutes.mean}[metric]


def _anchor_counter(result: JourneyResult, event: str) -> str:
    journey = result.event(event)
    return journey.as_is.stops[0].counter if journey.as_is.stops else ""


def _max_wait(result: JourneyResult, side: str, counter: str) -> float | None:
    for row in result.counters:
        if row["side"] == side and row["counter"] == counter:
            return float(row["max_wait_min"])
    return None


def model_figures(row: PublishedJourney, runs: dict[str, JourneyResult]
                  ) -> tuple[float | None, float | None]:
    """The model's (before, after) for a published row, from the runs keyed by measures
    ("to_be": ワンストップ＋書かない窓口, "okuyami": おくやみコーナー＋書かない窓口,
    "no_form": 書かない窓口 only, "reservation": 予約 only)."""
    run = runs["to_be" if row.measures == "as_is" else row.measures]
    try:
        journey = run.event(row.event)
    except KeyError:
        return None, None
    if row.metric == "max_wait":
        counter = _anchor_counter(run, row.event)
        return _max_wait(run, "as_is", counter), _max_wait(run, "to_be", counter)
    if row.metric == "form_minutes":
        stop = journey.as_is.stops[0] if journey.as_is.stops else None
        to_stop = journey.to_be.stops[0] if journey.to_be.stops else None
        if stop is None or to_stop is None:
            return None, None
        return stop.write_min + stop.service_min, to_stop.write_min + to_stop.service_min
    before = _side_value(journey.as_is, row.metric)
    after = _side_value(journey.to_be, row.metric)
    if row.metric == "wait":
        return 1.0, after / before if before > 0 else None
    return before, after


def comparison_rows(runs: dict[str, JourneyResult]) -> list[dict[str, Any]]:
    """One row per published figure: published before → after, the model's, their ratios."""
    rows = []
    for row in PUBLISHED:
        model_before, model_after = model_figures(row, runs)

        def ratio(before: float | None, after: float | None) -> float | None:
            return after / before if before and after is not None else None

        rows.append({"key": row.key, "municipality": row.municipality, "event": row.event,
                     "metric": row.metric, "measures": row.measures, "unit": row.unit,
                     "published_before": row.before, "published_after": row.after,
                     "published_ratio": ratio(row.before, row.after),
                     "model_before": model_before, "model_after": model_after,
                     "model_ratio": ratio(model_before, model_after),
                     "reading": row.reading, "source": row.source.cite()})
    return rows
