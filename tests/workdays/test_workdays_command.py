"""``luoshi workdays …`` management command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CalendarOverrideFactory, OfficialYearFactory


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_add_within_official_years():
    out, err = run("add", "2026-09-30", "3")
    assert out == "2026-10-10\n"
    assert err == ""


@pytest.mark.django_db
def test_add_into_fallback_year_warns_on_stderr():
    out, err = run("add", "2026-12-30", "3")
    assert out == "2027-01-05\n"
    assert err == "注意: 2027 年使用推算日历(未录入官方放假安排)\n"


@pytest.mark.django_db
def test_add_negative_and_zero():
    assert run("add", "2026-10-10", "-3")[0] == "2026-09-30\n"
    assert run("add", "2026-10-01", "0")[0] == "2026-10-08\n"


@pytest.mark.django_db
def test_add_sees_overrides_and_confirmed_years():
    CalendarOverrideFactory(date="2027-01-04", kind="holiday")
    OfficialYearFactory(year=2027)
    out, err = run("add", "2026-12-30", "3")
    assert out == "2027-01-06\n"
    assert err == ""


@pytest.mark.django_db
def test_check():
    assert run("check", "2026")[0] == "2026: official (chinesecalendar)\n"
    out, _ = run("check", "2027")
    assert out.startswith("2027: fallback (")
    OfficialYearFactory(year=2027)
    assert run("check", "2027")[0] == "2027: official (entered by admin)\n"


@pytest.mark.django_db
def test_hours():
    out, err = run("hours", "2026-09-30T16:00", "4")
    assert out == "2026-10-08T11:00:00+08:00\n"
    assert err == ""
    out, err = run("hours", "2026-12-31T17:00:00+08:00", "1.5")
    assert out == "2027-01-04T09:30:00+08:00\n"
    assert "2027" in err


@pytest.mark.django_db
def test_day():
    assert run("day", "2026-10-10")[0] == "2026-10-10 周六 工作日 国庆节(官方安排)\n"
    assert run("day", "2027-02-05")[0] == "2027-02-05 周五 休息日 春节(推算)\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-13-01", "3"), "日期格式错误"),
        (("add", "30/09/2026", "3"), "日期格式错误"),
        (("add", "2026-09-30", "three"), "工作日数必须是整数"),
        (("add", "2026-09-30", "1.5"), "工作日数必须是整数"),
        (("check", "27"), "年份必须是四位数字"),
        (("check", "2100"), "超出工作日历支持的范围"),
        (("hours", "2026-09-30 4pm", "4"), "时间格式错误"),
        (("hours", "2026-09-30T16:00", "four"), "小时数必须是数字"),
        (("hours", "2026-09-30T16:00", "NaN"), "小时数必须是数字"),
        (("add", "2099-12-30", "5"), "超出工作日历支持的范围"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_missing_subcommand():
    with pytest.raises(CommandError):
        run()
