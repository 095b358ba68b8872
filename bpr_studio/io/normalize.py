"""Turn what people really type into Excel into clean values.

Each parser takes a raw cell value (as the workbook reader returns it: str, float,
int, bool, datetime.time/timedelta or None) and returns the clean value, or raises
:class:`CellProblem` with a message key from :mod:`bpr_studio.messages`.

>>> parse_minutes("1時間30分")
90.0
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
        return _SPACES.sub(" ", value.replace("\u3000", " ")).strip()
    return str(value).strip()


def clean_id(value: Any) -> str | None:
    """An identifier: like text, but NFKC-folded so 'ＳＭ－００１' equals 'SM-001'."""
    text = clean_text(value)
    if text is None:
        return None
    return nfkc(text)


_NUMBER_UNITS = re.compile(r"(円|件|日|人|回|枚|通|か所|箇所|%|yen|cases|days)$", re.I)


def parse_number(value: Any) -> float:
    """A number; thousands separators, full-width digits and trailing units are accepted."""
    if isinstance(value, bool):
        raise CellProblem("not_a_number")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise CellProblem("not_a_number")
    text = nfkc(value).replace(",", "").replace(" ", "").replace("¥", "").replace("\\", "")
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


def parse_int(value: Any) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise CellProblem("not_an_integer")
    return int(number)


_HOURS_MINUTES = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:時間|h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分|m|min|mins|minute|minutes))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒|s|sec|secs))?$",
    re.I,
)
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def parse_minutes(value: Any) -> float:
    """Minutes from 30, '30分', '1時間30分', '1.5h', '1:30' or an Excel time value."""
    if isinstance(value, bool):
        raise CellProblem("not_a_duration")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if not isinstance(value, str):
        raise CellProblem("not_a_duration")
    text = nfkc(value).replace(",", "").lower().replace("約", "")
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
    h, m, s = (float(g) if g else 0.0 for g in match.group("h", "m", "s"))
    return h * 60 + m + s / 60


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


def parse_months(value: Any) -> list[int]:
    """Months 1–12 from '3,4', '3月・4月', '3～4月', '12-1' or a number."""
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


def parse_next_steps(value: Any) -> list[tuple[int | None, float | None]]:
    """Next steps with branch percentages.

    '3' → [(3, None)]; '4(85%); 2(15%)' → [(4, 85.0), (2, 15.0)]; '終了' → [(None, None)].
    ``None`` as a target means the process ends there.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise CellProblem("bad_next_steps")
        return [(int(value), None)]
    text = nfkc(str(value)).replace("(", "(").replace(")", ")")
    parts = [p.strip() for p in re.split(r"[;,、/]|\s(?=\d)", text) if p.strip()]
    result: list[tuple[int | None, float | None]] = []
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


def format_next_steps(links: list[tuple[int | None, float | None]]) -> str:
    """Inverse of :func:`parse_next_steps` (for export back to the survey format)."""
    def one(target: int | None, pct: float | None) -> str:
        name = "終了" if target is None else str(target)
        if pct is None or len(links) == 1:
            return name
        return f"{name}({pct:g}%)"
    return "; ".join(one(t, p) for t, p in links)
