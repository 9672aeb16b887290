"""Working days: overrides, chinesecalendar, fallback rules, Qingming, year status."""

import datetime as dt

import chinese_calendar
import pytest
from lunardate import LunarDate

from tests.factories import CalendarOverrideFactory, OfficialYearFactory
from workdays import calendar as workcal

D = dt.date


# --- the required vectors -------------------------------------------------------------------------


@pytest.mark.django_db
def test_vector_national_day_make_up_saturday():
    # 10-01..10-07 off; 10-08 (1), 10-09 (2), Saturday 10-10 is a make-up working day (3).
    assert workcal.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workcal.day_info(D(2026, 10, 10)) == workcal.DayInfo(D(2026, 10, 10), True, "国庆节", "official")


@pytest.mark.django_db
def test_vector_crossing_into_fallback_year():
    # 12-31 (1); 2027-01-01 元旦 (fallback); 01-02/03 weekend; 01-04 (2); 01-05 (3).
    assert workcal.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert workcal.day_info(D(2027, 1, 1)) == workcal.DayInfo(D(2027, 1, 1), False, "元旦", "fallback")


# --- add_workdays / workdays_between --------------------------------------------------------------


@pytest.mark.django_db
def test_add_zero_workdays():
    assert workcal.add_workdays(D(2026, 11, 27), 0) == D(2026, 11, 27)  # a Friday
    assert workcal.add_workdays(D(2026, 11, 28), 0) == D(2026, 11, 30)  # Saturday → Monday
    assert workcal.add_workdays(D(2026, 10, 1), 0) == D(2026, 10, 8)  # holiday → next working day


@pytest.mark.django_db
def test_add_negative_workdays():
    assert workcal.add_workdays(D(2026, 10, 10), -3) == D(2026, 9, 30)
    assert workcal.add_workdays(D(2027, 1, 5), -3) == D(2026, 12, 30)
    assert workcal.add_workdays(D(2026, 11, 30), -1) == D(2026, 11, 27)
    assert workcal.add_workdays(D(2026, 11, 29), -1) == D(2026, 11, 27)  # from a Sunday


@pytest.mark.django_db
def test_workdays_between_inverts_add_workdays():
    cal = workcal.WorkCalendar()
    assert workcal.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert workcal.workdays_between(D(2026, 10, 10), D(2026, 10, 10)) == 0
    assert workcal.workdays_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    for start in (D(2026, 9, 26), D(2026, 9, 30), D(2026, 10, 3), D(2026, 12, 31), D(2027, 2, 6)):
        for n in (-25, -7, -1, 1, 2, 5, 30):
            end = workcal.add_workdays(start, n, calendar=cal)
            assert workcal.workdays_between(start, end, calendar=cal) == n, (start, n)


@pytest.mark.django_db
def test_add_workdays_over_many_days_queries_per_year_not_per_day(django_assert_max_num_queries):
    # 2026 overrides, 2027 overrides, 2027 confirmation: one query each, not one per day.
    with django_assert_max_num_queries(3):
        result = workcal.add_workdays(D(2026, 11, 1), 150)
    assert result.year == 2027
    with django_assert_max_num_queries(3):
        assert workcal.workdays_between(D(2026, 1, 1), D(2027, 12, 31)) > 450


@pytest.mark.django_db
def test_add_workdays_rejects_bad_arguments():
    with pytest.raises(TypeError):
        workcal.add_workdays(dt.datetime(2026, 9, 30, 9, 0, tzinfo=dt.UTC), 1)
    with pytest.raises(TypeError):
        workcal.add_workdays(D(2026, 9, 30), 1.5)
    with pytest.raises(TypeError):
        workcal.add_workdays(D(2026, 9, 30), True)
    with pytest.raises(TypeError):
        workcal.is_workday("2026-09-30")


# --- overrides ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_holiday_override_takes_effect():
    assert workcal.add_workdays(D(2026, 11, 27), 1) == D(2026, 11, 30)
    CalendarOverrideFactory(date=D(2026, 11, 30), kind="holiday", name="临时放假")
    assert workcal.add_workdays(D(2026, 11, 27), 1) == D(2026, 12, 1)
    info = workcal.day_info(D(2026, 11, 30))
    assert info == workcal.DayInfo(D(2026, 11, 30), False, "临时放假", "override")
    # base_day_info ignores the override
    assert workcal.WorkCalendar().base_day_info(D(2026, 11, 30)).is_workday


@pytest.mark.django_db
def test_workday_override_on_sunday():
    sunday = D(2026, 11, 29)
    assert not workcal.is_workday(sunday)
    CalendarOverrideFactory(date=sunday, kind="workday")
    assert workcal.is_workday(sunday)
    assert workcal.day_info(sunday) == workcal.DayInfo(sunday, True, "调休上班", "override")
    assert workcal.add_workdays(D(2026, 11, 27), 1) == sunday
    assert workcal.add_workdays(D(2026, 11, 28), 0) == sunday


@pytest.mark.django_db
def test_override_beats_chinesecalendar_and_fallback():
    CalendarOverrideFactory(date=D(2026, 10, 10), kind="holiday")  # official make-up day
    CalendarOverrideFactory(date=D(2027, 1, 1), kind="workday")  # fallback holiday
    assert not workcal.is_workday(D(2026, 10, 10))
    assert workcal.is_workday(D(2027, 1, 1))
    assert workcal.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 12)


@pytest.mark.django_db
def test_calendar_instance_caches_until_recreated():
    cal = workcal.WorkCalendar()
    assert cal.is_workday(D(2026, 11, 30))
    CalendarOverrideFactory(date=D(2026, 11, 30), kind="holiday")
    assert cal.is_workday(D(2026, 11, 30))  # loaded once per instance
    assert not workcal.is_workday(D(2026, 11, 30))  # a fresh call chain sees the new row


# --- fallback rules -------------------------------------------------------------------------------


def test_fallback_holidays_2027():
    expected = {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",  # 除夕
        D(2027, 2, 6): "春节",  # lunar new year
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午",
        D(2027, 9, 15): "中秋",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
        # 补假: the weekend holidays are made up on the next working days
        D(2027, 2, 9): "春节(补假)",
        D(2027, 2, 10): "春节(补假)",
        D(2027, 5, 3): "劳动节(补假)",
        D(2027, 5, 4): "劳动节(补假)",
        D(2027, 10, 4): "国庆节(补假)",
        D(2027, 10, 5): "国庆节(补假)",
    }
    assert dict(workcal.fallback_holidays(2027)) == expected


@pytest.mark.django_db
def test_fallback_days_2027():
    cal = workcal.WorkCalendar()
    for day in (D(2027, 2, 5), D(2027, 2, 8), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)):
        info = cal.day_info(day)
        assert not info.is_workday and info.source == "fallback", day
    # the two spring-festival days at the weekend are made up on Tue/Wed, then work resumes
    assert cal.day_info(D(2027, 2, 9)) == workcal.DayInfo(D(2027, 2, 9), False, "春节(补假)", "fallback")
    assert cal.day_info(D(2027, 2, 11)) == workcal.DayInfo(D(2027, 2, 11), True, "", "fallback")
    # weekends stay off, and no weekend becomes a make-up working day
    saturdays = [D(2027, 1, 2) + dt.timedelta(weeks=w) for w in range(52)]
    assert not any(cal.is_workday(day) for day in saturdays)
    # 2027: 261 weekdays; of the 13 statutory days, 02-06, 02-07, 05-01, 05-02, 10-02, 10-03 are at
    # weekends and made up on weekdays, so all 13 cost a working day: 261 - 13 = 248 working days.
    weekend_holidays = [day for day in workcal.fallback_holidays(2027) if day.weekday() >= 5]
    assert len(weekend_holidays) == 6
    assert workcal.workdays_between(D(2026, 12, 31), D(2027, 12, 31), calendar=cal) == 248


def test_fallback_new_years_eve_is_last_day_of_lunar_month_12():
    # Lunar month 12 has 29 or 30 days; 除夕 is its last day, whichever it is.
    lengths = set()
    for year in range(2027, 2100):
        holidays = workcal.fallback_holidays(year)
        new_year = LunarDate(year, 1, 1).to_solar_date()
        eve = new_year - dt.timedelta(days=1)
        assert holidays[eve] == "春节"
        lunar_eve = LunarDate.from_solar_date(eve.year, eve.month, eve.day)
        assert lunar_eve.month == 12, year
        lengths.add(lunar_eve.day)
        assert [day for day, name in holidays.items() if "春节" in name and "补假" not in name] == [
            eve + dt.timedelta(days=i) for i in range(4)
        ]
    assert lengths == {29, 30}


def test_fallback_holidays_count_and_coinciding_festivals():
    for year in range(2000, 2100):
        holidays = workcal.fallback_holidays(year)
        assert all(day.year == year for day in holidays)
        named = sum(len(name.split("、")) for name in holidays.values() if "补假" not in name)
        assert named == 13, year
        assert workcal.fallback_holidays(year, substitutes=False).keys() <= holidays.keys()
    # 2001: 中秋 fell on 10-01; the day carries both names
    assert workcal.fallback_holidays(2001)[D(2001, 10, 1)] == "中秋、国庆节"


def test_fallback_agrees_with_chinesecalendar_under_current_rules():
    # 2025 and 2026 were scheduled under the amended rules: every statutory day is a holiday there.
    for year in (2025, 2026):
        for day in workcal.fallback_holidays(year):
            assert chinese_calendar.is_holiday(day), day
    # 端午 and 中秋 (lunar dates) have been statutory since 2008.
    for year in range(2008, 2027):
        for day, name in workcal.fallback_holidays(year).items():
            if name in ("端午", "中秋", "清明"):
                assert chinese_calendar.is_holiday(day), day


def test_fallback_year_range():
    with pytest.raises(workcal.CalendarRangeError):
        workcal.fallback_holidays(2100)
    with pytest.raises(workcal.CalendarRangeError):
        workcal.qingming_day(1999)


@pytest.mark.django_db
def test_out_of_range_dates_raise():
    with pytest.raises(workcal.CalendarRangeError):
        workcal.is_workday(D(2100, 1, 4))
    with pytest.raises(workcal.CalendarRangeError):
        workcal.year_status(1999)
    assert workcal.is_workday(D(2099, 12, 31))


# --- Qingming -------------------------------------------------------------------------------------


def test_qingming_formula_matches_chinesecalendar_solar_terms():
    for year in range(2000, 2100):
        terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 30))
        qingming = [day for day, name in terms if name == "清明"]
        assert qingming == [workcal.qingming_day(year)], year


def test_qingming_formula_date_is_a_holiday_in_chinesecalendar():
    # 清明 has been a public holiday since 2008 (2004–2007 it was an ordinary day).
    for year in range(2008, 2027):
        day = workcal.qingming_day(year)
        assert chinese_calendar.get_holiday_detail(day) == (True, "Tomb-sweeping Day"), year


def test_qingming_leap_year_correction():
    # The correction is ⌊Y/4⌋; ⌊(Y−1)/4⌋ would give April 5 in 2024 and 2028.
    assert workcal.qingming_day(2024) == D(2024, 4, 4)
    assert workcal.qingming_day(2026) == D(2026, 4, 5)
    assert workcal.qingming_day(2027) == D(2027, 4, 5)
    assert workcal.qingming_day(2028) == D(2028, 4, 4)


# The April day of 清明 for 2000–2099 (China Standard Time): the instant the sun's apparent geocentric
# ecliptic longitude reaches 15°, computed with PyEphem 4.2.1 (agrees with published times to ~10 s,
# e.g. 2024-04-04 15:02, 2025-04-04 20:48). The closest calls are 2071 (04-05 00:09), 2009 (04-04
# 23:33), 2038 (04-05 00:29) and 2005 (04-05 00:34).
QINGMING_APRIL_DAYS = (
    "4555455544554455445544554"  # 2000–2024
    "4554455445544554445444544"  # 2025–2049
    "4544454445444544454445444"  # 2050–2074
    "4444444444444444444444444"  # 2075–2099
)


def test_qingming_formula_matches_astronomy_2000_2099():
    for offset, day in enumerate(QINGMING_APRIL_DAYS):
        year = 2000 + offset
        assert workcal.qingming_day(year) == D(year, 4, int(day)), year


# --- year status ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_year_status():
    assert workcal.year_status(2004) == "official"
    assert workcal.year_status(2026) == "official"
    assert workcal.year_source(2026) == "chinesecalendar"
    assert workcal.year_status(2027) == "fallback"
    assert workcal.year_source(2027) is None
    assert workcal.year_status(2003) == "fallback"


@pytest.mark.django_db
def test_official_year_makes_2027_official():
    OfficialYearFactory(year=2027)
    assert workcal.year_status(2027) == "official"
    assert workcal.year_source(2027) == "admin"
    assert workcal.year_status(2028) == "fallback"
    # days not overridden follow the statutory rules and count as official
    assert workcal.day_info(D(2027, 2, 5)) == workcal.DayInfo(D(2027, 2, 5), False, "春节", "official")
    assert workcal.day_info(D(2027, 2, 9)).source == "official"


@pytest.mark.django_db
def test_entered_official_schedule_with_make_up_days():
    # e.g. an administrator enters a 2027 spring festival schedule: 02-09 off, Sunday 02-14 worked
    CalendarOverrideFactory(date=D(2027, 2, 9), kind="holiday", name="春节")
    CalendarOverrideFactory(date=D(2027, 2, 14), kind="workday", name="春节")
    OfficialYearFactory(year=2027)
    assert workcal.add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 10)
    assert workcal.day_info(D(2027, 2, 14)) == workcal.DayInfo(D(2027, 2, 14), True, "春节", "override")
    assert workcal.workdays_between(D(2027, 2, 4), D(2027, 2, 14)) == 4  # 10, 11, 12, 14


# --- warning --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fallback_years_warning():
    assert workcal.fallback_years_warning(D(2026, 9, 30)) is None
    message = workcal.fallback_years_warning(D(2026, 10, 1))
    assert message == (
        "2027年的节假日安排尚未录入,系统暂按周末和法定节日推算工作日。"
        "请在“工作日历”中录入国务院公布的放假安排并确认。"
    )
    assert workcal.fallback_years_warning(D(2027, 3, 1)).startswith("2027年的节假日安排尚未录入")
    assert workcal.fallback_years_warning(D(2027, 11, 1)).startswith("2027年、2028年的节假日安排")
    OfficialYearFactory(year=2027)
    assert workcal.fallback_years_warning(D(2027, 3, 1)) is None
    assert workcal.fallback_years_warning(D(2027, 11, 1)).startswith("2028年的")
