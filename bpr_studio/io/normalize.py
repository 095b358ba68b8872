"""Turn what people really type into Excel into clean values.

Each parser takes a raw cell value (as the workbook reader returns it: str, float,
int, bool, datetime.time/timedelta or None) and returns the clean value, or raises
:class:`CellProblem` with a message key from :mod:`bpr_studio.messages`.

>>> parse_minutes("1時間30分")
90.0
>>> parse_minutes("1日4時間")  # a working day is 7 h 45 min
705.0
>>> parse_number("１，２００件")
1200.0
>>> parse_bool("○")
True
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any


class CellProblem(Exception):
    """A cell whose content cannot be used; ``key`` names the message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


_SPACES = re.compile(r"\s+")
_FORMULA_STARTS = ("=", "+", "-", "@")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().replace("\u3000", "") == ""
    return False


def nfkc(text: str) -> str:
    """Full-width digits, letters and spaces to half-width; trimmed, inner spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def clean_text(value: Any) -> str | None:
    """Text with stray and full-width spaces tidied; numbers typed as IDs lose '.0'."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        # Keep full-width kana/kanji as typed; only fold spaces.
        text = _SPACES.sub(" ", value.replace("\u3000", " ")).strip()
        if value[0] in "\t\r" and text.startswith(_FORMULA_STARTS):
            # "\t=1+1" stays inert text: trimming the tab would make it a live formula.
            return value[0] + text
        return text
    return str(value).strip()


def clean_id(value: Any) -> str | None:
    """An identifier: like text, but NFKC-folded so 'ＳＭ－００１' equals 'SM-001'."""
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        # An ID such as 1-2 or 3/4 that Excel turned into a date when it was typed.
        raise CellProblem("stored_as_date", shown=show_date(value))
    text = clean_text(value)
    if text is None:
        return None
    return nfkc(text)


_NUMBER_UNITS = re.compile(r"(円|件|日|人|回|枚|通|か所|箇所|ヶ所|カ所|%|yen|cases|days)$", re.I)
# "About" words people put around a count: 約5.8万件, 1,200件程度, 5万件強, 1,200件～.
_APPROX_PREFIX = re.compile(r"^(?:約|およそ|凡そ|概ね|おおむね|大体|だいたい|ほぼ|approx\.?|ca\.)\s*",
                            re.I)
_APPROX_SUFFIX = re.compile(r"\s*(?:程度|くらい|ぐらい|位|前後|ほど|強|弱|余り|あまり|超|[~〜～])$")
# A range: 10～15分, 1,000-1,500件, 1〜2時間 (after NFKC the full-width tilde is "~").
_RANGE = re.compile(r"^(?P<low>[^~〜\-－―‐]+?)\s*[~〜\-－―‐]\s*(?P<high>[^~〜\-－―‐]+)$")
_APPROX_FIRST = set("約お凡概大だほaAcC")  # first characters of the words above
_APPROX_LAST = set("度い位後ど強弱り超~〜～")  # last characters of the suffixes above
_TRAILING_UNIT = re.compile(r"[^\d.]+$")
_RANGE_MARK = re.compile(r"[~〜～\-－―‐]")

Notes = list[tuple[str, dict[str, Any]]]
"""Readings worth telling the sender: (message key, parameters), e.g. an approximate count."""


def strip_approximate(text: str) -> tuple[str, bool]:
    """'約5.8万件' → ('5.8万件', True); text without an 'about' word comes back unchanged."""
    stripped = text.strip()
    if not stripped or (stripped[0] not in _APPROX_FIRST and stripped[-1] not in _APPROX_LAST):
        return text, False  # the common case, decided without a regular expression
    core = text
    for _ in range(2):  # 約1,200件程度 has both
        core = _APPROX_SUFFIX.sub("", _APPROX_PREFIX.sub("", core)).strip()
    return core, core != text.strip()


def split_range(text: str) -> tuple[str, str] | None:
    """'10～15分' → ('10分', '15分'): the low end borrows the unit written after the high end."""
    match = _RANGE.match(text) if _RANGE_MARK.search(text) else None
    if not match:
        return None
    low, high = match.group("low").strip(), match.group("high").strip()
    if not low or not high or not low[0].isdigit() or not high[0].isdigit():
        return None
    unit = _TRAILING_UNIT.search(high)
    if unit and not _TRAILING_UNIT.search(low):
        low += unit.group(0)
    return low, high


def _plain_number(text: str) -> float:
    text = text.replace(",", "").replace(" ", "").replace("¥", "").replace("\\", "")
    text = _NUMBER_UNITS.sub("", text)
    scale = 1.0
    if text.endswith("万"):  # 6万 = 60,000, as people write large counts
        text, scale = text[:-1], 10_000.0
    elif text.endswith("千"):
        text, scale = text[:-1], 1_000.0
    try:
        return float(text) * scale
    except ValueError:
        raise CellProblem("not_a_number") from None


# No stored number may be NaN, infinite or beyond any count or yen amount a city has:
# "nan" and "inf" parse as floats, and 1e308 overflows every sum it enters.
MAX_MAGNITUDE = 1e15


def _finite(number: float, key: str) -> float:
    if number != number or number in (float("inf"), float("-inf")):
        raise CellProblem(key)
    if abs(number) > MAX_MAGNITUDE:
        raise CellProblem("above_max", max=f"{MAX_MAGNITUDE:g}")
    return number


def parse_number(value: Any, notes: Notes | None = None) -> float:
    """A finite number; thousands separators, full-width digits and trailing units are accepted.

    Approximate counts (約5.8万件, 1,200件程度) and ranges (1,000～1,500件, read as the
    midpoint) are accepted too; each adds an entry to ``notes`` so the sender can confirm.
    """
    return _finite(_parse_number(value, notes), "not_a_number")


def _parse_number(value: Any, notes: Notes | None) -> float:
    if isinstance(value, bool):
        raise CellProblem("not_a_number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellProblem("stored_as_date", shown=show_date(value))
    if not isinstance(value, str):
        raise CellProblem("not_a_number")
    text = nfkc(value)
    core, approximate = strip_approximate(text)
    ends = split_range(core)
    if ends is not None:
        low, high = _plain_number(ends[0]), _plain_number(ends[1])
        if low > high:
            raise CellProblem("range_reversed", low=f"{low:,g}", high=f"{high:,g}")
        number = (low + high) / 2
        if notes is not None:
            notes.append(("read_range_number", {"low": f"{low:,g}", "high": f"{high:,g}",
                                                "read": f"{number:,g}"}))
        return number
    number = _plain_number(core)
    if approximate and notes is not None:
        notes.append(("read_approximate", {"read": f"{number:,g}"}))
    return number


def parse_int(value: Any, notes: Notes | None = None) -> int:
    local: Notes = []
    number = parse_number(value, local)
    if local:  # an approximate count or a range midpoint: a whole number is what was meant
        if notes is not None:
            notes.extend(local)
        return round(number)
    if not number.is_integer():
        raise CellProblem("not_an_integer")
    return int(number)


def show_date(value: Any) -> str:
    """How Excel shows a date or time cell, to tell the sender what Excel stored."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M").replace(" 00:00", "")
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        minutes = value.total_seconds() / 60
        return f"{int(minutes // 60)}:{int(minutes % 60):02d}"
    return str(value)


# A day typed into a minutes cell ("3日", "1日4時間") is a working day of one clerk:
# 7 hours 45 minutes, the standard working day of public servants (一般職の職員の勤務時間、
# 休暇等に関する法律 (平成6年法律第33号) 第5条; cities set the same in their 勤務時間条例).
# The minutes columns hold work time, which the cost model prices at a clerk's hourly
# cost: a 24-hour day would triple the cost of a task. Elapsed days a case only waits
# belong in 待ち日数, which counts calendar days.
WORKING_DAY_MINUTES = 465.0

_HOURS_MINUTES = re.compile(
    r"^(?:(?P<d>\d+(?:\.\d+)?)\s*(?:日|d|day|days|人日))?\s*"
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*(?:時間|h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分|m|min|mins|minute|minutes))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒|s|sec|secs))?$",
    re.I,
)
_DAY_UNIT = re.compile(r"\d\s*(?:日|d|day)", re.I)
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def parse_minutes(value: Any, notes: Notes | None = None) -> float:
    """Minutes from 30, '30分', '1時間30分', '1.5h', '1:30', '3日', '1日4時間' or an Excel time value.

    A day is a working day of :data:`WORKING_DAY_MINUTES` (7 h 45 min), not 24 hours.

    A range ('10～15分') reads as its midpoint with a note; :func:`minutes_range` gives
    both ends, for the importer to fill the minimum and maximum columns.
    """
    return _finite(_parse_minutes(value, notes), "not_a_duration")


def _parse_minutes(value: Any, notes: Notes | None) -> float:
    if isinstance(value, bool):
        raise CellProblem("not_a_duration")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, dt.date):
        # 10-15 or 10/15 typed into a cell: Excel stored the date 10月15日.
        raise CellProblem("stored_as_date", shown=show_date(value))
    if not isinstance(value, str):
        raise CellProblem("not_a_duration")
    ends = minutes_range(value)
    if ends is not None:
        low, high = ends
        middle = (low + high) / 2
        if notes is not None:
            notes.append(("read_range_minutes", {"low": f"{low:g}", "high": f"{high:g}",
                                                 "read": f"{middle:g}"}))
        return middle
    text = nfkc(value)
    minutes = _one_duration(text)
    if notes is not None and _DAY_UNIT.search(text):
        notes.append(("read_working_days", {"read": f"{minutes:,g}",
                                            "day": f"{WORKING_DAY_MINUTES:g}"}))
    return minutes


def _one_duration(text: str) -> float:
    text, _approximate = strip_approximate(text.replace(",", "").lower())
    try:
        return float(text)
    except ValueError:
        pass
    clock = _CLOCK.match(text)
    if clock:
        h, m, s = clock.groups()
        return int(h) * 60 + int(m) + int(s or 0) / 60
    match = _HOURS_MINUTES.match(text.replace(" ", ""))
    if not match or not text or not any(match.groups()):
        raise CellProblem("not_a_duration")
    d, h, m, s = (float(g) if g else 0.0 for g in match.group("d", "h", "m", "s"))
    return d * WORKING_DAY_MINUTES + h * 60 + m + s / 60


def minutes_range(value: Any) -> tuple[float, float] | None:
    """(low, high) minutes of a range typed as text ('10～15分', '1～2時間'), else None."""
    if not isinstance(value, str) or not _RANGE_MARK.search(value):
        return None
    core, _approximate = strip_approximate(nfkc(value).lower())
    ends = split_range(core)
    if ends is None:
        return None
    try:
        low, high = _one_duration(ends[0]), _one_duration(ends[1])
    except CellProblem:
        return None
    if low > high:
        raise CellProblem("range_reversed", low=f"{low:g}", high=f"{high:g}")
    return low, high


DITTO_MARKS = {"〃", "″", "′′", "同上", "同", "々", "\"", "”", "''", "ditto", "do."}
_DITTO_FIRST = {mark[0] for mark in DITTO_MARKS} | {"＂", "Ｄ", "D", "＇", " ", "\u3000"}


def is_ditto(value: Any) -> bool:
    """True for a mark that means 'the same as the cell above' (〃, 同上)."""
    # Called on every cell: rule most text out by its first character before folding it.
    return (isinstance(value, str) and len(value) <= 8 and value[:1] in _DITTO_FIRST
            and nfkc(value).lower() in DITTO_MARKS)


_TRUE = {"○", "◯", "〇", "●", "有", "あり", "有り", "はい", "要", "必要", "済", "y", "yes", "true", "1", "t"}
_FALSE = {"×", "✕", "✖", "無", "なし", "無し", "いいえ", "不要", "否", "n", "no", "false", "0", "f", "-", "－"}


def parse_bool(value: Any) -> bool:
    """Yes/no from ○/×, 有/無, はい/いいえ, y/n, 1/0, TRUE/FALSE."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = nfkc(str(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem("not_a_yes_no")


_MONTH_TOKEN = re.compile(r"(\d{1,2})\s*(?:月)?\s*(?:[-~〜～]\s*(\d{1,2})\s*(?:月)?)?")


def parse_months(value: Any, notes: Notes | None = None) -> list[int]:
    """Months 1–12 from '3,4', '3月・4月', '3～4月', '12-1' or a number.

    '3-4' typed into a cell is stored by Excel as the date 3月4日: read it as 3～4月, with a
    note (a warning) naming both readings.
    """
    if isinstance(value, dt.date):
        if not 1 <= value.day <= 12:
            raise CellProblem("stored_as_date", shown=show_date(value))
        read = f"{value.month}~{value.day}"
        if notes is not None:
            notes.append(("read_date_as_months", {"shown": show_date(value),
                                                  "read": f"{value.month}～{value.day}"}))
        value = read
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = nfkc(str(value)).replace("〜", "~").replace("～", "~")
    months: list[int] = []
    rest = text
    for match in _MONTH_TOKEN.finditer(text):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        if not (1 <= start <= 12 and 1 <= end <= 12):
            raise CellProblem("bad_months")
        month = start
        while True:
            if month not in months:
                months.append(month)
            if month == end:
                break
            month = month % 12 + 1
        rest = rest.replace(match.group(0), "", 1)
    if not months or re.sub(r"[\s,、・/;]", "", rest):
        raise CellProblem("bad_months")
    return months


END_WORDS = {"終了", "end", "完了", "終", "おわり", "終わり", "-", "なし"}
_NEXT_TOKEN = re.compile(
    r"^(?P<target>\d+|終了|完了|終わり|おわり|end)\s*(?:[(:](?P<pct>\d+(?:\.\d+)?)\s*%?\)?)?$",
    re.I,
)


class NextSteps(list[tuple[int | None, float | None]]):
    """Parsed next steps; ``parallel`` when they were written with ``&`` (all run at once)."""

    parallel: bool = False


_PARALLEL_MARK = re.compile(r"[&＆]|と(?=\d)|\+")


def parse_next_steps(value: Any) -> NextSteps:
    """Next steps with branch percentages, or parallel branches joined by ``&``.

    '3' → [(3, None)]; '4(85%); 2(15%)' → [(4, 85.0), (2, 15.0)]; '終了' → [(None, None)].
    ``None`` as a target means the process ends there. '4&5' (also '4＆5', '4+5') → both
    4 and 5 run in parallel (``.parallel`` is True); a percentage there, '4&5(30%)', is
    the chance that branch runs at all (an inclusive split), not a share.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellProblem("bad_next_steps")
        return NextSteps([(int(value), None)])
    text = nfkc(str(value)).replace("(", "(").replace(")", ")")
    if _PARALLEL_MARK.search(text):
        parallel = _parse_targets([p.strip() for p in _PARALLEL_MARK.split(text)])
        if len(parallel) < 2 or any(t is None for t, _p in parallel) \
                or len({t for t, _p in parallel}) < len(parallel) \
                or any(p is not None and not 0 < p <= 100 for _t, p in parallel):
            raise CellProblem("bad_parallel_steps")
        parallel.parallel = True
        return parallel
    parts = [p.strip() for p in re.split(r"[;,、/]|\s(?=\d)", text) if p.strip()]
    return _parse_targets(parts)


def _parse_targets(parts: list[str]) -> NextSteps:
    result = NextSteps()
    for part in parts:
        match = _NEXT_TOKEN.match(part.replace(" ", ""))
        if not match:
            raise CellProblem("bad_next_steps")
        target_text = match.group("target")
        target = int(target_text) if target_text.isdigit() else None
        pct = float(match.group("pct")) if match.group("pct") else None
        result.append((target, pct))
    if not result:
        raise CellProblem("bad_next_steps")
    return result


def format_next_steps(links: list[tuple[int | None, float | None]], parallel: bool = False) -> str:
    """Inverse of :func:`parse_next_steps` (for export back to the survey format).

    >>> format_next_steps([(4, 100.0), (5, 100.0)], parallel=True)
    '4&5'
    """
    if parallel:
        return "&".join(str(t) if p is None or p >= 100 else f"{t}({p:g}%)" for t, p in links)

    def one(target: int | None, pct: float | None) -> str:
        name = "終了" if target is None else str(target)
        if pct is None or len(links) == 1:
            return name
        return f"{name}({pct:g}%)"
    return "; ".join(one(t, p) for t, p in links)
