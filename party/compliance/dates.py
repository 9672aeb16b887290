"""Periods and days of the compliance engine: quarters, the months / quarters / years of a window,
calendar-month arithmetic, the default window."""

from __future__ import annotations

import datetime as dt
import functools

from dateutil.relativedelta import relativedelta

from party.rules.models import Period

CST = dt.timezone(dt.timedelta(hours=8))


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, first + relativedelta(months=3) - dt.timedelta(days=1)


def quarter_label(start: dt.date) -> str:
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"


def _label(kind: str, first: dt.date) -> str:
    if kind == Period.MONTH:
        return f"{first.year}年{first.month}月"
    if kind == Period.QUARTER:
        return quarter_label(first)
    return f"{first.year}年度"


@functools.lru_cache(maxsize=256)
def periods(kind: str, start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date, str], ...]:
    """The months / quarters / years of type ``kind`` that overlap [start, end]."""
    if kind == Period.MONTH:
        first, step = dt.date(start.year, start.month, 1), relativedelta(months=1)
    elif kind == Period.QUARTER:
        first, step = quarter_of(start)[0], relativedelta(months=3)
    elif kind == Period.YEAR:
        first, step = dt.date(start.year, 1, 1), relativedelta(years=1)
    else:
        return ()
    result = []
    while first <= end:
        last = first + step - dt.timedelta(days=1)
        result.append((first, last, _label(kind, first)))
        first += step
    return tuple(result)


def months_between(first: dt.date, last: dt.date) -> frozenset[int]:
    """Every month from ``first`` to ``last``, as year * 12 + month - 1."""
    return frozenset(range(first.year * 12 + first.month - 1, last.year * 12 + last.month))


@functools.lru_cache(maxsize=4096)
def plus_months(day: dt.date, months: int) -> dt.date:
    """``day`` + ``months`` calendar months (clipped to the month's end), memoized: the lapse rules
    ask it for every member and there are only a few hundred distinct days."""
    return day + relativedelta(months=months)


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today."""
    return today - relativedelta(years=1) + dt.timedelta(days=1), today


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"
