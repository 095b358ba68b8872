"""The counters' opening days of a fiscal year: seasonality for the journey simulation.

A Japanese city hall's fiscal year runs April to March. Its counters are closed on
Saturdays, Sundays, the national public holidays (振替休日 and 国民の休日 included) and
over the year end, 12/29–1/3 (地方自治法 第4条の2; the holiday rules come from the
``holidays`` package, so they are kept data, not a table of ours). A day's share of its
month's visits follows the weekday profile of ``analysis.counter`` (Monday busiest), and
the first opening day after a closed weekday (a Monday holiday, Golden Week, the year end)
counts as a Monday: the visits of the closed day come on the next.

>>> cal = fiscal_calendar(2025)
>>> str(cal.dates[0]), int(cal.month[0])
('2025-04-01', 4)
>>> '2025-05-05' in {str(d) for d in cal.dates}   # こどもの日
False
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.counter import WEEKDAY_WEIGHTS

FISCAL_YEAR_START_MONTH = 4
DEFAULT_FISCAL_YEAR = 2025
YEAR_END_CLOSED = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))


@dataclass(frozen=True)
class FiscalCalendar:
    fiscal_year: int
    dates: np.ndarray        # datetime64[D] of each opening day, in order
    month: np.ndarray        # calendar month (1–12) of each opening day
    weight: np.ndarray       # relative visits of each opening day within its month
    closed_weekdays: tuple[tuple[str, str], ...]   # (date, name) of weekday holidays

    @property
    def days(self) -> int:
        return len(self.dates)

    def day_shares(self, visits_by_month: np.ndarray, even: bool = False) -> np.ndarray:
        """(days,) expected visits of each opening day, from (12,) visits per calendar month
        (January first): each month's visits spread over its opening days by weight (or
        ``even``ly: booked visits go to the days with free slots, not to Mondays).

        >>> cal = fiscal_calendar(2025)
        >>> round(float(cal.day_shares(np.full(12, 100.0)).sum()), 6)
        1200.0
        """
        index = self.month - 1
        weight = np.ones_like(self.weight) if even else self.weight
        month_weight = np.bincount(index, weights=weight, minlength=12)
        return np.asarray(visits_by_month, dtype=float)[index] * weight / month_weight[index]


@lru_cache(maxsize=4)
def fiscal_calendar(fiscal_year: int = DEFAULT_FISCAL_YEAR) -> FiscalCalendar:
    """Opening days of fiscal year ``fiscal_year`` (April ``fiscal_year`` – March next)."""
    import holidays

    national = holidays.country_holidays("JP", years=[fiscal_year, fiscal_year + 1])
    start = dt.date(fiscal_year, FISCAL_YEAR_START_MONTH, 1)
    end = dt.date(fiscal_year + 1, FISCAL_YEAR_START_MONTH, 1)
    dates, months, weights, closed = [], [], [], []
    after_closure = False
    day = start
    while day < end:
        weekday = day.weekday()
        year_end = (day.month, day.day) in YEAR_END_CLOSED
        if weekday < 5 and day not in national and not year_end:
            dates.append(day)
            months.append(day.month)
            weights.append(WEEKDAY_WEIGHTS[0] if after_closure else WEEKDAY_WEIGHTS[weekday])
            after_closure = False
        else:
            if weekday < 5:
                closed.append((day.isoformat(), national.get(day) or "年末年始"))
                after_closure = True
            elif weekday == 6:
                after_closure = True  # the next opening day is a Monday (or later)
        day += dt.timedelta(days=1)
    return FiscalCalendar(fiscal_year, np.array(dates, dtype="datetime64[D]"),
                          np.array(months), np.array(weights, dtype=float), tuple(closed))
