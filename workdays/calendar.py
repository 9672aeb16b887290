"""Working days and office hours (工作日 / 办公时间): the one place that decides them.

Whether a date is a working day is decided by the first of these that knows the date:

1. a ``CalendarOverride`` row (entered by an administrator) — source ``"override"``;
2. the bundled ``chinesecalendar`` data, the State Council's published schedules for 2004–2026
   including make-up working days (调休上班) — source ``"official"``;
3. the fallback rules — weekends off plus the fixed statutory holidays of the current national rules
   (《全国年节及纪念日放假办法》 as amended in 2024, in force from 2025). No make-up working days: those
   exist only in the official schedule. Source ``"fallback"``, or ``"official"`` when an administrator
   has confirmed (``OfficialYear``) that the year's official schedule is entered as overrides.

Office hours come from ``settings.LUOSHI_OFFICE_HOURS`` (``"08:30-12:00,14:00-17:30"``) and are read
in the site's default time zone (``settings.TIME_ZONE``, Asia/Shanghai), whatever time zone a request
has activated: a deadline must not depend on who looks at it.

Database overrides and confirmed years are read from a per-process copy (``CONFIGURATION``, a
``core.procache.ProcessCache``: loaded once, read again when a row changes — at once in the process
that changed it, within a second elsewhere), so a deadline costs no query. Each ``WorkCalendar``
takes the copy once; the module-level functions create a fresh ``WorkCalendar`` per call.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from lunardate import LunarDate

from core.procache import ProcessCache

OVERRIDE = "override"
OFFICIAL = "official"
FALLBACK = "fallback"

# Where an official year's schedule comes from (``year_source``).
SOURCE_CHINESECALENDAR = "chinesecalendar"
SOURCE_ADMIN = "admin"

DEFAULT_OFFICE_HOURS = "08:30-12:00,14:00-17:30"

# The fallback rules need lunar dates (lunardate: 1900–2099) and the Qingming formula (2000–2099).
FALLBACK_MIN_YEAR = 2000
FALLBACK_MAX_YEAR = 2099

_ONE_DAY = dt.timedelta(days=1)
_H = chinese_calendar.Holiday
_CC_NAMES = {holiday.value: holiday.chinese for holiday in _H}
_CC_MIN_YEAR = min(day.year for day in chinese_calendar.holidays)
_CC_MAX_YEAR = max(day.year for day in chinese_calendar.holidays)


class CalendarRangeError(ValueError):
    """The date lies in a year that neither chinesecalendar nor the fallback rules can compute."""


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_workday: bool
    name: str  # the holiday the day belongs to ("春节"; also on its make-up working days), or ""
    source: str  # OVERRIDE / OFFICIAL / FALLBACK


# --- the fixed rules ------------------------------------------------------------------------------


def chinesecalendar_covers(year: int) -> bool:
    """Does the bundled chinesecalendar data hold the official schedule of ``year``?"""
    return _CC_MIN_YEAR <= year <= _CC_MAX_YEAR


def _check_fallback_year(year: int) -> None:
    if not FALLBACK_MIN_YEAR <= year <= FALLBACK_MAX_YEAR:
        raise CalendarRangeError(f"{year}年超出工作日历支持的范围({FALLBACK_MIN_YEAR}–{FALLBACK_MAX_YEAR}年)")


def qingming_day(year: int) -> dt.date:
    """The date of the Qingming solar term (清明) in China Standard Time, 2000–2099.

    寿星公式 with the 21st-century constant: day = ⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋, Y = year % 100 (integer
    arithmetic, so no float rounding). The leap-year correction for Qingming is ⌊Y/4⌋, not ⌊(Y−1)/4⌋
    (that one is for 小寒/大寒/立春/雨水 only); checked against an astronomical computation for every
    year of the range in the tests.
    """
    _check_fallback_year(year)
    y = year % 100
    return dt.date(year, 4, (y * 2422 + 48100) // 10000 - y // 4)


def _lunar(year: int, month: int, day: int) -> dt.date:
    return LunarDate(year, month, day).to_solar_date()


@lru_cache(maxsize=128)
def fallback_holidays(year: int, *, substitutes: bool = True) -> MappingProxyType:
    """The statutory holidays (法定节假日) of ``year`` under the 2025 rules: ``{date: name}``.

    元旦 1/1; 春节 除夕 + lunar 1/1–1/3; 清明 (solar term); 劳动节 5/1–5/2; 端午 lunar 5/5;
    中秋 lunar 8/15; 国庆节 10/1–10/3. 除夕 is the day before lunar new year, so it is right whether
    lunar month 12 has 29 or 30 days. A holiday on a weekend gets a substitute day off on the next
    working day (补假, Art. 6) unless ``substitutes`` is false (a confirmed year, whose days off
    beyond the statutory ones are entered as overrides). Make-up working days (调休) are left to
    the official schedule.
    """
    _check_fallback_year(year)
    days: dict[dt.date, str] = {}

    def add(day: dt.date, holiday: chinese_calendar.Holiday) -> None:
        days[day] = f"{days[day]}、{holiday.chinese}" if day in days else holiday.chinese

    add(dt.date(year, 1, 1), _H.new_years_day)
    lunar_new_year = _lunar(year, 1, 1)
    for offset in range(-1, 3):
        add(lunar_new_year + offset * _ONE_DAY, _H.spring_festival)
    add(qingming_day(year), _H.tomb_sweeping_day)
    add(dt.date(year, 5, 1), _H.labour_day)
    add(dt.date(year, 5, 2), _H.labour_day)
    add(_lunar(year, 5, 5), _H.dragon_boat_festival)
    add(_lunar(year, 8, 15), _H.mid_autumn_festival)
    for day in (1, 2, 3):
        add(dt.date(year, 10, day), _H.national_day)
    statutory = dict(sorted(days.items()))
    if not substitutes:
        return MappingProxyType(statutory)
    # 补假 (放假办法 Art. 6): a holiday falling on a Saturday or Sunday is made up on the next
    # working day, so a year keeps its 13 days off work.
    for day, name in statutory.items():
        if day.weekday() < 5:
            continue
        substitute = day + _ONE_DAY
        while substitute.weekday() >= 5 or substitute in days:
            substitute += _ONE_DAY
        days[substitute] = f"{name}(补假)"
    return MappingProxyType(dict(sorted(days.items())))


def _check_date(day) -> None:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")


# --- the calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Configuration:
    overrides: dict[int, dict[dt.date, object]]  # year → date → CalendarOverride
    confirmed: frozenset[int]  # years with an OfficialYear


def _load_configuration() -> _Configuration:
    from .models import CalendarOverride, OfficialYear

    overrides: dict[int, dict[dt.date, object]] = {}
    for row in CalendarOverride.objects.all():
        overrides.setdefault(row.date.year, {})[row.date] = row
    return _Configuration(overrides, frozenset(OfficialYear.objects.values_list("year", flat=True)))


# The administrators' rows (a few dozen a year), kept per process: every deadline reads them.
# Invalidated by CalendarOverride's and OfficialYear's post_save/post_delete (workdays/apps.py).
CONFIGURATION = ProcessCache("workdays.configuration", _load_configuration)


class WorkCalendar:
    """Answers questions about days. The database rows come from this process's copy
    (``CONFIGURATION``), taken once per ``WorkCalendar``: one calendar answers consistently."""

    def __init__(self) -> None:
        self._configuration: _Configuration | None = None

    @classmethod
    def without_overrides(cls, confirmed_years: frozenset[int] = frozenset()) -> WorkCalendar:
        """A calendar that reads no database rows: chinesecalendar or the fallback rules only, with
        ``confirmed_years`` taken as confirmed (callers that cache each year's base days)."""
        calendar = cls()
        calendar._configuration = _Configuration({}, frozenset(confirmed_years))
        return calendar

    def _rows(self) -> _Configuration:
        if self._configuration is None:
            self._configuration = CONFIGURATION.get()
        return self._configuration

    def _year_overrides(self, year: int) -> dict:
        return self._rows().overrides.get(year, {})

    def is_confirmed(self, year: int) -> bool:
        """Has an administrator confirmed entering ``year``'s official schedule?"""
        return year in self._rows().confirmed

    def year_source(self, year: int) -> str | None:
        """``"chinesecalendar"`` or ``"admin"`` for an official year, ``None`` for a fallback year."""
        if chinesecalendar_covers(year):
            return SOURCE_CHINESECALENDAR
        _check_fallback_year(year)
        return SOURCE_ADMIN if self.is_confirmed(year) else None

    def year_status(self, year: int) -> str:
        return OFFICIAL if self.year_source(year) else FALLBACK

    def day_info(self, day: dt.date) -> DayInfo:
        _check_date(day)
        override = self._year_overrides(day.year).get(day)
        if override is not None:
            name = override.name or override.get_kind_display()
            return DayInfo(day, override.is_workday, name, OVERRIDE)
        return self.base_day_info(day)

    def base_day_info(self, day: dt.date) -> DayInfo:
        """What the day would be without an override (chinesecalendar, else the fallback rules)."""
        _check_date(day)
        if chinesecalendar_covers(day.year):
            try:
                on_holiday, name = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:  # pragma: no cover - the range check above makes this unreachable
                pass
            else:
                return DayInfo(day, not on_holiday, _CC_NAMES.get(name, name or ""), OFFICIAL)
        confirmed = self.is_confirmed(day.year)
        name = fallback_holidays(day.year, substitutes=not confirmed).get(day, "")
        source = OFFICIAL if confirmed else FALLBACK
        return DayInfo(day, not name and day.weekday() < 5, name, source)

    def is_workday(self, day: dt.date) -> bool:
        return self.day_info(day).is_workday

    def office_periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The office periods of ``day`` as UTC instants; empty on a day off."""
        if not self.is_workday(day):
            return []
        tz = office_timezone()
        return [
            (
                dt.datetime.combine(day, start, tzinfo=tz).astimezone(dt.UTC),
                dt.datetime.combine(day, end, tzinfo=tz).astimezone(dt.UTC),
            )
            for start, end in office_hours()
        ]


def _cal(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else WorkCalendar()


def day_info(day: dt.date, *, calendar: WorkCalendar | None = None) -> DayInfo:
    return _cal(calendar).day_info(day)


def is_workday(day: dt.date, *, calendar: WorkCalendar | None = None) -> bool:
    return _cal(calendar).is_workday(day)


def year_status(year: int, *, calendar: WorkCalendar | None = None) -> str:
    """``"official"`` if chinesecalendar covers ``year`` or an administrator confirmed it, else
    ``"fallback"``."""
    return _cal(calendar).year_status(year)


def year_source(year: int, *, calendar: WorkCalendar | None = None) -> str | None:
    return _cal(calendar).year_source(year)


def add_workdays(start: dt.date, n: int, *, calendar: WorkCalendar | None = None) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted).

    ``n == 0``: ``start`` if it is a working day, else the next working day. ``n < 0``: the
    ``|n|``-th working day before ``start``.
    """
    _check_date(start)
    if isinstance(n, bool):
        raise TypeError("n must be an integer")
    n = operator.index(n)
    cal = _cal(calendar)
    day = start
    if n == 0:
        while not cal.is_workday(day):
            day += _ONE_DAY
        return day
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if cal.is_workday(day):
            remaining -= 1
    return day


def workdays_between(d1: dt.date, d2: dt.date, *, calendar: WorkCalendar | None = None) -> int:
    """The number of working days after ``d1`` up to and including ``d2``.

    For ``d2 < d1`` the result is minus the number of working days from ``d2`` (included) up to ``d1``
    (excluded), so that ``workdays_between(d, add_workdays(d, n)) == n`` for every ``n != 0``.
    """
    _check_date(d1)
    _check_date(d2)
    cal = _cal(calendar)
    if d2 >= d1:
        first, last, sign = d1 + _ONE_DAY, d2, 1
    else:
        first, last, sign = d2, d1 - _ONE_DAY, -1
    count = 0
    day = first
    while day <= last:
        count += cal.is_workday(day)
        day += _ONE_DAY
    return sign * count


# --- office hours ---------------------------------------------------------------------------------

_PERIOD_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@lru_cache(maxsize=16)
def parse_office_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """Parse ``"08:30-12:00,14:00-17:30"`` into ordered, non-overlapping ``(start, end)`` periods."""
    example = f"应为“{DEFAULT_OFFICE_HOURS}”这样的格式:若干个“开始-结束”时段,以逗号分隔,按时间先后排列"

    def fail(problem: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"LUOSHI_OFFICE_HOURS 设置有误({problem}):{spec!r}。{example}。")

    if not isinstance(spec, str) or not spec.strip():
        raise fail("为空")
    periods: list[tuple[dt.time, dt.time]] = []
    for part in spec.split(","):
        match = _PERIOD_RE.match(part.replace(" ", ""))
        if not match:
            raise fail(f"无法识别时段“{part.strip()}”")
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise fail(f"时段“{part.strip()}”中的时间无效")
        start, end = dt.time(h1, m1), dt.time(h2, m2)
        if start >= end:
            raise fail(f"时段“{part.strip()}”的结束时间不晚于开始时间")
        if periods and start < periods[-1][1]:
            raise fail(f"时段“{part.strip()}”与前一时段重叠或未按先后排列")
        periods.append((start, end))
    return tuple(periods)


def office_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    """The configured office periods of a working day (办公时间)."""
    return parse_office_hours(getattr(settings, "LUOSHI_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


def office_timezone() -> dt.tzinfo:
    """The time zone office hours are read in: the site's (Asia/Shanghai), not the request's."""
    return timezone.get_default_timezone()


def _check_aware(moment, name: str) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{name} must be a datetime.datetime, got {type(moment).__name__}")
    if timezone.is_naive(moment):
        raise ValueError(f"{name} must be an aware datetime (got naive {moment.isoformat()})")


def _as_timedelta(hours: float | Decimal | dt.timedelta) -> dt.timedelta:
    if isinstance(hours, dt.timedelta):
        return hours
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(f"hours must be a number or a timedelta, got {type(hours).__name__}")
    value = Decimal(repr(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite():
        raise ValueError(f"hours must be finite, got {hours}")
    return dt.timedelta(microseconds=int((value * 3_600_000_000).to_integral_value()))


def add_work_hours(
    start: dt.datetime, hours: float | Decimal | dt.timedelta, *, calendar: WorkCalendar | None = None
) -> dt.datetime:
    """The instant ``hours`` of office time after ``start`` (before it for negative ``hours``).

    Only office hours on working days count. Work that ends exactly at the end of an office period
    ends there (Friday 16:30 + 1 h = Friday 17:30, not Monday 08:30). Returns an aware datetime in
    the office time zone.
    """
    _check_aware(start, "start")
    remaining = _as_timedelta(hours)
    tz = office_timezone()
    cursor = start.astimezone(dt.UTC)
    if not remaining:
        return cursor.astimezone(tz)
    cal = _cal(calendar)
    day = start.astimezone(tz).date()
    if remaining > dt.timedelta(0):
        while True:
            for begin, end in cal.office_periods(day):
                if end <= cursor:
                    continue
                begin = max(begin, cursor)
                if remaining <= end - begin:
                    return (begin + remaining).astimezone(tz)
                remaining -= end - begin
            day += _ONE_DAY
    remaining = -remaining
    while True:
        for begin, end in reversed(cal.office_periods(day)):
            if begin >= cursor:
                continue
            end = min(end, cursor)
            if remaining <= end - begin:
                return (end - remaining).astimezone(tz)
            remaining -= end - begin
        day -= _ONE_DAY


def work_time_between(
    start: dt.datetime, end: dt.datetime, *, calendar: WorkCalendar | None = None
) -> dt.timedelta:
    """The office time between two instants; ``timedelta(0)`` if ``end <= start``."""
    _check_aware(start, "start")
    _check_aware(end, "end")
    if end <= start:
        return dt.timedelta(0)
    cal = _cal(calendar)
    tz = office_timezone()
    total = dt.timedelta(0)
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    while day <= last:
        for begin, finish in cal.office_periods(day):
            overlap = min(finish, end) - max(begin, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += _ONE_DAY
    return total


# --- status for administrators -------------------------------------------------------------------


def fallback_years_warning(today: dt.date | None = None) -> str | None:
    """A warning for administrators when this year — or, from October on, next year — has no
    official holiday schedule yet and working days are being estimated; ``None`` otherwise."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    cal = WorkCalendar()
    missing = [year for year in years if cal.year_status(year) == FALLBACK]
    if not missing:
        return None
    years_text = "、".join(f"{year}年" for year in missing)
    return (
        f"{years_text}的节假日安排尚未录入,系统暂按周末和法定节日推算工作日。"
        "请在“工作日历”中录入国务院公布的放假安排并确认。"
    )
