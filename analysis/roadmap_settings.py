"""Settings of a fiscal-year roadmap, stored with the scenario, and the plan's milestones.

Fiscal years (年度) start on 1 April: FY2027 is 令和9年度, April 2027 – March 2028. The
roadmap's settings live in the scenario's ``params`` like every other scenario setting
(numbers only), under these keys:

* ``roadmap.start_fy``            — first fiscal year (default: the next one from today)
* ``roadmap.years``               — fiscal years shown (default 10)
* ``roadmap.budget_cap_yen``      — most initial cost that may start in one fiscal year
* ``roadmap.order``               — default order of the measures: 1 NPV (default), 2 payback
* ``roadmap.start.<measure>``     — a measure's start year, chosen by hand
* ``roadmap.milestone.<key>``     — a milestone's target fiscal year

Bad values are refused with the key named (:class:`RoadmapSettingError`).

>>> fiscal_year_label(2027)
'令和9年度（2027）'
>>> fiscal_year_label(2019, "en")
'FY2019 (Reiwa 1)'
>>> next_fiscal_year(date(2026, 11, 27)), next_fiscal_year(date(2027, 3, 31))
(2027, 2027)
>>> settings = roadmap_settings({"roadmap.start.rpa_ocr": 2029}, today=date(2026, 11, 27))
>>> settings.start_fy, settings.years, settings.starts
(2027, 10, {'rpa_ocr': 2029})
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analysis.sources import PROPOSAL, Source
from bpr_studio.messages import BilingualError

PREFIX = "roadmap."
START_FY_KEY = "roadmap.start_fy"
YEARS_KEY = "roadmap.years"
BUDGET_KEY = "roadmap.budget_cap_yen"
ORDER_KEY = "roadmap.order"
START_PREFIX = "roadmap.start."
MILESTONE_PREFIX = "roadmap.milestone."
ORDER_NPV, ORDER_PAYBACK = 1, 2
ORDER_NAMES = {ORDER_NPV: "npv", ORDER_PAYBACK: "payback"}
DEFAULT_YEARS = 10
MAX_YEARS = 30
REIWA_FIRST_YEAR = 2019   # 令和元年


def fiscal_year_of(day: date) -> int:
    """The fiscal year a day falls in (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


def next_fiscal_year(day: date | None = None) -> int:
    """The fiscal year after the one ``day`` (today by default) falls in."""
    return fiscal_year_of(day or date.today()) + 1


def reiwa(fy: int) -> str:
    """'令和9' for 2027, '令和元' for 2019 (the years before 令和 are not named here)."""
    n = fy - REIWA_FIRST_YEAR + 1
    return "令和元" if n == 1 else f"令和{n}"


def fiscal_year_label(fy: int, lang: str = "ja") -> str:
    """'令和9年度（2027）' / 'FY2027 (Reiwa 9)'."""
    n = fy - REIWA_FIRST_YEAR + 1
    if lang == "ja":
        return f"{reiwa(fy)}年度（{fy}）" if n >= 1 else f"{fy}年度"
    return f"FY{fy} (Reiwa {n})" if n >= 1 else f"FY{fy}"


def short_fiscal_year(fy: int, lang: str = "ja") -> str:
    """'R9（2027）' for narrow columns / 'FY2027'."""
    n = fy - REIWA_FIRST_YEAR + 1
    return f"R{n}\n{fy}" if lang == "ja" and n >= 1 else f"FY{fy}"


# --- the plan's milestones ------------------------------------------------------------

SOUMU_DX_PLAN = Source(
    "自治体デジタル・トランスフォーメーション（DX）推進計画【第2.3版】", "総務省", 2024,
    "https://www.soumu.go.jp/main_content/000919516.pdf",
    "重点取組事項: 自治体フロントヤード改革（オンライン申請・書かない窓口）、自治体のAI・RPAの利用推進")


@dataclass(frozen=True)
class Milestone:
    """A pillar of the plan, the measures that serve it, and its target fiscal year:
    ``offset`` years after the roadmap's first year unless a scenario sets the year."""

    key: str
    ja: str
    en: str
    measures: tuple[str, ...]
    offset: int
    sources: tuple[Source, ...]
    reasoning: str

    def target(self, start_fy: int, overrides: dict[str, int]) -> int:
        return overrides.get(self.key, start_fy + self.offset)


_YEARS_REASON = (f"{PROPOSAL}: 市のDX推進計画（2022年・2024年改定）の柱。計画に目標年度の記載が"
                 "ないため、開始年度から{n}年目を目標とした")
MILESTONES: tuple[Milestone, ...] = (
    Milestone("online", "オンライン申請", "online application",
              ("online_application", "abolish_seals", "drop_attachments", "cashless"), 2,
              (SOUMU_DX_PLAN,), _YEARS_REASON.format(n=3)),
    Milestone("smartphone", "スマホ窓口・窓口改革", "smartphone counter and counter reform",
              ("line_counter", "no_form_counter"), 2, (SOUMU_DX_PLAN,),
              _YEARS_REASON.format(n=3)),
    Milestone("paperless", "ペーパーレス・電子決裁", "paperless and e-approval",
              ("e_approval", "paperless"), 3, (SOUMU_DX_PLAN,), _YEARS_REASON.format(n=4)),
    Milestone("bpr", "BPR（業務改革）", "BPR (business process re-engineering)",
              ("rpa_ocr", "remove_step", "merge_steps", "automate_step"), 4, (SOUMU_DX_PLAN,),
              _YEARS_REASON.format(n=5)),
)
MILESTONES_BY_KEY = {m.key: m for m in MILESTONES}


def milestone_of(measure: str) -> Milestone | None:
    for milestone in MILESTONES:
        if measure in milestone.measures:
            return milestone
    return None


# --- settings -------------------------------------------------------------------------

class RoadmapSettingError(BilingualError, ValueError):
    """A roadmap setting that cannot be used; ``field`` names its key."""

    def __init__(self, field: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.field = field


@dataclass(frozen=True)
class RoadmapSettings:
    start_fy: int
    years: int = DEFAULT_YEARS
    budget_cap_yen: float | None = None
    order: int = ORDER_NPV
    starts: dict[str, int] = field(default_factory=dict)
    milestones: dict[str, int] = field(default_factory=dict)

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.start_fy, self.start_fy + self.years))

    @property
    def order_name(self) -> str:
        return ORDER_NAMES[self.order]


def _number(key: str, raw: Any) -> float:
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise RoadmapSettingError(key, f"{key}: 数値ではありません（値: {raw!r}）",
                                  f"{key}: not a number (value: {raw!r})") from None
    if math.isnan(number) or math.isinf(number):
        raise RoadmapSettingError(key, f"{key}: 値がありません（値: {raw!r}）",
                                  f"{key}: missing value (value: {raw!r})")
    return number


def _whole(key: str, raw: Any, low: int, high: int, what_ja: str, what_en: str) -> int:
    number = _number(key, raw)
    if number != int(number) or not low <= number <= high:
        raise RoadmapSettingError(
            key, f"{key}（{what_ja}）は{low}～{high}の整数にしてください（値: {raw!r}）",
            f"{key} ({what_en}) must be a whole number from {low} to {high} (value: {raw!r})")
    return int(number)


def roadmap_settings(params: dict[str, Any] | None = None, measures: list[str] | None = None,
                     today: date | None = None) -> RoadmapSettings:
    """The roadmap settings in a scenario's ``params`` (other keys are ignored), checked.

    ``measures``: the scenario's costed measures; a start year for another measure is
    refused. Raises :class:`RoadmapSettingError` naming the key.
    """
    params = params or {}
    start_fy = (_whole(START_FY_KEY, params[START_FY_KEY], 2000, 2100, "開始年度", "first fiscal year")
                if START_FY_KEY in params else next_fiscal_year(today))
    years = (_whole(YEARS_KEY, params[YEARS_KEY], 1, MAX_YEARS, "年数", "number of years")
             if YEARS_KEY in params else DEFAULT_YEARS)
    cap = None
    if BUDGET_KEY in params:
        cap = _number(BUDGET_KEY, params[BUDGET_KEY])
        if cap <= 0:
            raise RoadmapSettingError(
                BUDGET_KEY, f"{BUDGET_KEY}（年度の予算上限）は0より大きい金額にしてください（値: {cap:g}）",
                f"{BUDGET_KEY} (yearly budget cap) must be more than 0 yen (value: {cap:g})")
    order = (_whole(ORDER_KEY, params[ORDER_KEY], 1, 2, "並べ方 1=NPV 2=回収年数",
                    "order 1=NPV 2=payback") if ORDER_KEY in params else ORDER_NPV)
    last = start_fy + years - 1
    starts: dict[str, int] = {}
    milestones: dict[str, int] = {}
    for key, raw in params.items():
        if key.startswith(START_PREFIX):
            measure = key[len(START_PREFIX):]
            if measures is not None and measure not in measures:
                raise RoadmapSettingError(
                    key, f"{key}: 施策「{measure}」はこのシナリオにありません（あるもの: "
                    f"{', '.join(measures)}）",
                    f"{key}: measure '{measure}' is not in this scenario (known: "
                    f"{', '.join(measures)})")
            starts[measure] = _whole(key, raw, start_fy, last, "開始年度", "start fiscal year")
        elif key.startswith(MILESTONE_PREFIX):
            name = key[len(MILESTONE_PREFIX):]
            if name not in MILESTONES_BY_KEY:
                raise RoadmapSettingError(
                    key, f"{key}: 目標「{name}」はありません（{', '.join(MILESTONES_BY_KEY)}）",
                    f"{key}: no milestone '{name}' (known: {', '.join(MILESTONES_BY_KEY)})")
            milestones[name] = _whole(key, raw, 2000, 2100, "目標年度", "target fiscal year")
        elif key.startswith(PREFIX) and key not in (START_FY_KEY, YEARS_KEY, BUDGET_KEY,
                                                      ORDER_KEY):
            raise RoadmapSettingError(
                key, f"{key}: 工程表の設定にありません（start_fy, years, budget_cap_yen, order, "
                "start.<施策>, milestone.<目標>）",
                f"{key}: not a roadmap setting (start_fy, years, budget_cap_yen, order, "
                "start.<measure>, milestone.<key>)")
    return RoadmapSettings(start_fy, years, cap, order, starts, milestones)


def parse_roadmap_setting(assignment: str) -> tuple[str, float]:
    """``"rpa_ocr.start=2029"`` → ('roadmap.start.rpa_ocr', 2029.0); also
    ``budget_cap=30000000``, ``start_fy=2027``, ``years=10``, ``order=payback``,
    ``milestone.online=2029`` (with or without the ``roadmap.`` prefix).

    >>> parse_roadmap_setting("rpa_ocr.start=2029")
    ('roadmap.start.rpa_ocr', 2029.0)
    >>> parse_roadmap_setting("order=payback")
    ('roadmap.order', 2.0)
    """
    name, sep, raw = assignment.partition("=")
    name, raw = name.strip(), raw.strip().replace(",", "").replace("，", "")
    if not sep:
        raise RoadmapSettingError(name, f"{name}: 「施策.start=年度」の形で指定してください",
                                  f"{name}: use MEASURE.start=FY")
    name = name[len(PREFIX):] if name.startswith(PREFIX) else name
    if name.endswith(".start"):
        key = START_PREFIX + name[:-len(".start")]
    elif name == "budget_cap":
        key = BUDGET_KEY
    else:
        key = PREFIX + name
    if key == ORDER_KEY and raw.lower() in ("npv", "payback"):
        return key, float(ORDER_NPV if raw.lower() == "npv" else ORDER_PAYBACK)
    value = _number(key, raw)
    # Checked alone (a start year is checked against the horizon when the roadmap is made).
    roadmap_settings({key: value} if not key.startswith(START_PREFIX) else {})
    return key, value
