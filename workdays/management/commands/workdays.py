"""``luoshi workdays …``: working-day arithmetic from the command line.

workdays add 2026-09-30 3           the date 3 working days later (2026-10-10)
workdays check 2027                 whether 2027 follows the official schedule or the fallback rules
workdays hours 2026-09-30T16:00 4   the instant 4 office hours later
workdays day 2026-10-10             what the calendar says about one date
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workdays import calendar as workcal

SOURCE_LABELS = {
    workcal.OVERRIDE: "后台调整",
    workcal.OFFICIAL: "官方安排",
    workcal.FALLBACK: "推算",
}


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"日期格式错误:{value!r},应为 YYYY-MM-DD,例如 2026-09-30") from None


def _parse_int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise CommandError(f"工作日数必须是整数:{value!r}") from None


def _parse_year(value: str) -> int:
    try:
        year = int(value.strip())
    except ValueError:
        raise CommandError(f"年份必须是四位数字:{value!r}") from None
    if not 1000 <= year <= 9999:
        raise CommandError(f"年份必须是四位数字:{value!r}")
    return year


def _parse_datetime(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"时间格式错误:{value!r},应为 YYYY-MM-DDTHH:MM,例如 2026-09-30T16:00") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=workcal.office_timezone())
    return moment


def _parse_hours(value: str) -> Decimal:
    try:
        hours = Decimal(value.strip())
    except InvalidOperation:
        raise CommandError(f"小时数必须是数字:{value!r}") from None
    if not hours.is_finite():
        raise CommandError(f"小时数必须是数字:{value!r}")
    return hours


class Command(BaseCommand):
    help = "工作日历:按工作日/办公时间推算日期,检查某年是否已录入官方放假安排。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{add,check,hours,day}")
        add = sub.add_parser("add", help="起始日期之后第 N 个工作日(N 可为负数)")
        add.add_argument("start", help="起始日期 YYYY-MM-DD(不计入)")
        add.add_argument("n", help="工作日数")
        check = sub.add_parser("check", help="某年使用官方放假安排还是推算日历")
        check.add_argument("year", help="年份 YYYY")
        hours = sub.add_parser("hours", help="起始时间之后 H 个办公小时的时刻")
        hours.add_argument("start", help="起始时间 YYYY-MM-DDTHH:MM(默认北京时间)")
        hours.add_argument("hours", help="办公小时数,可为小数")
        day = sub.add_parser("day", help="某一天是否工作日,以及依据")
        day.add_argument("date", help="日期 YYYY-MM-DD")

    def handle(self, *args, **options):
        handler = getattr(self, f"handle_{options['subcommand']}")
        try:
            handler(options)
        except workcal.CalendarRangeError as exc:
            raise CommandError(str(exc)) from None

    def _warn_fallback(self, cal: workcal.WorkCalendar, first: dt.date, last: dt.date) -> None:
        first, last = min(first, last), max(first, last)
        for year in range(first.year, last.year + 1):
            if cal.year_status(year) == workcal.FALLBACK:
                self.stderr.write(f"注意: {year} 年使用推算日历(未录入官方放假安排)")

    def handle_add(self, options):
        start, n = _parse_date(options["start"]), _parse_int(options["n"])
        cal = workcal.WorkCalendar()
        result = workcal.add_workdays(start, n, calendar=cal)
        self.stdout.write(result.isoformat())
        self._warn_fallback(cal, start, result)

    def handle_check(self, options):
        year = _parse_year(options["year"])
        source = workcal.year_source(year)
        if source == workcal.SOURCE_CHINESECALENDAR:
            self.stdout.write(f"{year}: official (chinesecalendar)")
        elif source == workcal.SOURCE_ADMIN:
            self.stdout.write(f"{year}: official (entered by admin)")
        else:
            self.stdout.write(f"{year}: fallback (未录入官方放假安排,按周末和法定节日推算,无调休)")

    def handle_hours(self, options):
        start, hours = _parse_datetime(options["start"]), _parse_hours(options["hours"])
        cal = workcal.WorkCalendar()
        try:
            result = workcal.add_work_hours(start, hours, calendar=cal)
        except OverflowError:
            raise CommandError(f"小时数过大:{options['hours']!r}") from None
        self.stdout.write(result.isoformat())
        self._warn_fallback(cal, start.astimezone(result.tzinfo).date(), result.date())

    def handle_day(self, options):
        day = _parse_date(options["date"])
        cal = workcal.WorkCalendar()
        info = cal.day_info(day)
        kind = "工作日" if info.is_workday else "休息日"
        name = f" {info.name}" if info.name else ""
        weekday = "一二三四五六日"[day.weekday()]
        self.stdout.write(f"{day.isoformat()} 周{weekday} {kind}{name}({SOURCE_LABELS[info.source]})")
