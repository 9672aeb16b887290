"""Office hours: parsing, add_work_hours, work_time_between."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.factories import CalendarOverrideFactory
from workdays import calendar as workcal

SH = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)


def at(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


# --- parsing --------------------------------------------------------------------------------------


def test_parse_office_hours():
    assert workcal.parse_office_hours("08:30-12:00,14:00-17:30") == (
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 0), dt.time(17, 30)),
    )
    assert workcal.parse_office_hours(" 9:00 - 17:00 ") == ((dt.time(9), dt.time(17)),)
    assert workcal.parse_office_hours("08:00-12:00,12:00-13:00") == (
        (dt.time(8), dt.time(12)),
        (dt.time(12), dt.time(13)),
    )


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "   ",
        "8-12",
        "08:30-12:00;14:00-17:30",
        "25:00-26:00",
        "08:60-09:00",
        "12:00-08:30",
        "09:00-09:00",
        "14:00-17:30,08:30-12:00",
        "08:30-12:00,11:00-17:30",
        "08:30-12:00,",
    ],
)
def test_parse_office_hours_rejects_bad_specs(spec):
    with pytest.raises(ImproperlyConfigured, match="LUOSHI_OFFICE_HOURS"):
        workcal.parse_office_hours(spec)


def test_office_hours_reads_setting(settings):
    settings.LUOSHI_OFFICE_HOURS = "09:00-17:00"
    assert workcal.office_hours() == ((dt.time(9), dt.time(17)),)
    settings.LUOSHI_OFFICE_HOURS = "nonsense"
    with pytest.raises(ImproperlyConfigured, match="08:30-12:00,14:00-17:30"):
        workcal.office_hours()


# --- add_work_hours -------------------------------------------------------------------------------

CASES = [
    # within the morning
    (at(2026, 11, 27, 9), 2, at(2026, 11, 27, 11)),
    # across the lunch break: 11:00-12:00 (1h), 14:00-15:00 (1h)
    (at(2026, 11, 27, 11), 2, at(2026, 11, 27, 15)),
    # from inside the lunch break
    (at(2026, 11, 26, 12, 30), Decimal("0.5"), at(2026, 11, 26, 14, 30)),
    # work ending exactly at the end of a period ends there
    (at(2026, 11, 26, 16, 30), 1, at(2026, 11, 26, 17, 30)),
    (at(2026, 11, 26, 11), 1, at(2026, 11, 26, 12)),
    # across the evening
    (at(2026, 11, 26, 17), 1, at(2026, 11, 27, 9)),
    (at(2026, 11, 26, 20), 1, at(2026, 11, 27, 9, 30)),
    (at(2026, 11, 26, 6), 1, at(2026, 11, 26, 9, 30)),
    # across a weekend: Friday 17:00 → Monday
    (at(2026, 11, 27, 17), 1, at(2026, 11, 30, 9)),
    (at(2026, 11, 28, 10), 1, at(2026, 11, 30, 9, 30)),
    # across the national day holiday, then the make-up Saturday 10-10 counts
    (at(2026, 9, 30, 16), 4, at(2026, 10, 8, 11)),
    (at(2026, 10, 9, 17), 1.5, at(2026, 10, 10, 9, 30)),
    # a full working day is 7 hours
    (at(2026, 11, 26, 8, 30), 7, at(2026, 11, 26, 17, 30)),
    (at(2026, 11, 26, 8, 30), dt.timedelta(hours=14), at(2026, 11, 27, 17, 30)),
    # into the fallback year: 2027-01-01 元旦, then the weekend
    (at(2026, 12, 31, 17), 1, at(2027, 1, 4, 9)),
    # zero: unchanged
    (at(2026, 11, 28, 10), 0, at(2026, 11, 28, 10)),
    # backwards
    (at(2026, 11, 30, 9), -1, at(2026, 11, 27, 17)),
    (at(2026, 11, 27, 14, 30), -1, at(2026, 11, 27, 11, 30)),
    (at(2026, 11, 27, 14), -1, at(2026, 11, 27, 11)),
    (at(2026, 10, 8, 9, 30), Decimal("-1.5"), at(2026, 9, 30, 17)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "hours", "expected"), CASES)
def test_add_work_hours(start, hours, expected):
    result = workcal.add_work_hours(start, hours)
    assert result == expected
    assert result.tzinfo is not None and result.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "hours", "expected"), CASES)
def test_work_time_between_inverts_add_work_hours(start, hours, expected):
    delta = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=float(hours))
    if delta > dt.timedelta(0):
        assert workcal.work_time_between(start, expected) == delta
    elif delta < dt.timedelta(0):
        assert workcal.work_time_between(expected, start) == -delta


@pytest.mark.django_db
def test_add_work_hours_honours_holiday_override():
    CalendarOverrideFactory(date=dt.date(2026, 11, 30), kind="holiday")
    assert workcal.add_work_hours(at(2026, 11, 27, 17), 1) == at(2026, 12, 1, 9)


@pytest.mark.django_db
def test_add_work_hours_accepts_any_time_zone_and_returns_shanghai_time():
    start_utc = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    result = workcal.add_work_hours(start_utc, 2)
    assert result == at(2026, 11, 27, 11)
    assert result.tzinfo == SH


@pytest.mark.django_db
def test_add_work_hours_uses_site_zone_not_activated_zone():
    from django.utils import timezone

    with timezone.override(ZoneInfo("America/New_York")):
        assert workcal.add_work_hours(at(2026, 11, 27, 11), 2) == at(2026, 11, 27, 15)


@pytest.mark.django_db
def test_add_work_hours_with_custom_office_hours(settings):
    settings.LUOSHI_OFFICE_HOURS = "09:00-17:00"
    assert workcal.add_work_hours(at(2026, 11, 27, 11), 2) == at(2026, 11, 27, 13)
    assert workcal.add_work_hours(at(2026, 11, 27, 16), 2) == at(2026, 11, 30, 10)


def test_naive_datetimes_rejected():
    naive = dt.datetime(2026, 11, 27, 9)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(ValueError, match="aware"):
        workcal.add_work_hours(naive, 1)
    with pytest.raises(ValueError, match="aware"):
        workcal.work_time_between(naive, at(2026, 11, 27, 10))
    with pytest.raises(ValueError, match="aware"):
        workcal.work_time_between(at(2026, 11, 27, 10), naive)
    with pytest.raises(TypeError):
        workcal.add_work_hours(dt.date(2026, 11, 27), 1)


def test_bad_hours_rejected():
    with pytest.raises(TypeError):
        workcal.add_work_hours(at(2026, 11, 27, 9), "1")
    with pytest.raises(ValueError):
        workcal.add_work_hours(at(2026, 11, 27, 9), float("nan"))
    with pytest.raises(ValueError):
        workcal.add_work_hours(at(2026, 11, 27, 9), Decimal("Infinity"))


# --- work_time_between ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_work_time_between():
    assert workcal.work_time_between(at(2026, 11, 26, 0), at(2026, 11, 27, 0)) == 7 * H
    assert workcal.work_time_between(at(2026, 11, 27, 17), at(2026, 11, 30, 9)) == 1 * H
    assert workcal.work_time_between(at(2026, 11, 27, 11), at(2026, 11, 27, 15)) == 2 * H
    assert workcal.work_time_between(at(2026, 11, 28, 0), at(2026, 11, 29, 23)) == dt.timedelta(0)
    # national day week: only 10-08, 10-09 and the make-up Saturday 10-10 are worked
    assert workcal.work_time_between(at(2026, 10, 1, 0), at(2026, 10, 11, 0)) == 21 * H
    # in the fallback year: 02-05 (除夕), 02-08 and the 补假 days 02-09, 02-10 off
    assert workcal.work_time_between(at(2027, 2, 1, 0), at(2027, 2, 13, 0)) == 6 * 7 * H


@pytest.mark.django_db
def test_work_time_between_end_not_after_start_is_zero():
    assert workcal.work_time_between(at(2026, 11, 27, 10), at(2026, 11, 27, 10)) == dt.timedelta(0)
    assert workcal.work_time_between(at(2026, 11, 27, 15), at(2026, 11, 27, 10)) == dt.timedelta(0)
