"""Status on the working-day calendar: lagging is measured in working days, so the Spring
Festival holiday (2026-02-15 … 02-23) does not make a task fall behind."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.factories import CalendarOverrideFactory, SupervisionRuleFactory
from workplan import services, status
from workplan.models import Task, TaskStatus

from .conftest import at, make_task

pytestmark = pytest.mark.django_db


def board_status(task, day):
    return Task.objects.with_status(day).get(pk=task.pk).status_code


def test_lags_from_counts_working_days_only(wp):
    start, deadline = dt.date(2026, 2, 2), dt.date(2026, 3, 13)
    # 26 working days (Feb 14 and 28 are make-up Saturdays; Feb 15–23 are off).
    assert status.total_workdays(start, deadline) == 26
    # 40% done + 10-point margin: behind once more than 50% of the working days are over,
    # i.e. after the 14th working day (Feb 26) — not on Feb 21 as calendar days would say.
    assert status.lags_from(start, deadline, Decimal(40), 10) == dt.date(2026, 2, 27)
    assert status.lags_from(start, deadline, Decimal(95), 10) is None
    assert status.lags_from(start, deadline, Decimal(0), 10) == dt.date(2026, 2, 5)


def test_expected_progress_stands_still_over_the_holiday(wp, plan):
    task = make_task(plan, wp, start_on=dt.date(2026, 2, 2), deadline=dt.date(2026, 3, 13))
    before = status.expected_progress(task, dt.date(2026, 2, 15))
    assert (
        before
        == status.expected_progress(task, dt.date(2026, 2, 23))
        == status.expected_progress(task, dt.date(2026, 2, 24))
    )
    assert before == round(100 * 11 / 26, 1)
    assert status.expected_progress(task, dt.date(2026, 2, 2)) == 0
    assert status.expected_progress(task, dt.date(2026, 3, 14)) == 100


def test_status_across_the_holiday(wp, plan):
    task = make_task(plan, wp, start_on=dt.date(2026, 2, 2), deadline=dt.date(2026, 3, 13), cadence="weekly")
    services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 2, 13, 16), tick=False):
        services.report_progress(task, actor=wp.users["bumen"], percent=40, done_text="完成方案和摸排")
    task.refresh_from_db()
    assert task.lags_from == dt.date(2026, 2, 27)
    expected = {
        dt.date(2026, 2, 13): TaskStatus.IN_PROGRESS,
        dt.date(2026, 2, 23): TaskStatus.IN_PROGRESS,  # last day of the holiday
        dt.date(2026, 2, 26): TaskStatus.IN_PROGRESS,
        dt.date(2026, 2, 27): TaskStatus.LAGGING,
        dt.date(2026, 3, 13): TaskStatus.LAGGING,
        dt.date(2026, 3, 14): TaskStatus.OVERDUE,
    }
    for day, code in expected.items():
        assert status.task_status(task, day) == code, day
        assert board_status(task, day) == code, day  # the SQL CASE agrees with Python


def test_margin_is_data(wp, plan):
    SupervisionRuleFactory(effective_from=dt.date(2026, 1, 1), lag_margin=30)
    task = make_task(plan, wp, start_on=dt.date(2026, 2, 2), deadline=dt.date(2026, 3, 13))
    services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 2, 13, 16), tick=False):
        services.report_progress(task, actor=wp.users["bumen"], percent=40, done_text="完成方案")
    task.refresh_from_db()
    # 40 + 30 = 70% of 26 working days → behind after the 19th working day (Mar 4).
    assert task.lags_from == dt.date(2026, 3, 5)


def test_not_started_pending_done_and_cancelled(wp, plan):
    task = make_task(plan, wp, start_on=dt.date(2026, 3, 2), deadline=dt.date(2026, 12, 31))
    day = dt.date(2026, 3, 3)
    assert status.task_status(task, day) == TaskStatus.NOT_STARTED == board_status(task, day)
    for state, code in [
        ("submitted", TaskStatus.PENDING_VERIFY),
        ("done", TaskStatus.DONE),
        ("closed", TaskStatus.CLOSED),
        ("cancelled", TaskStatus.CANCELLED),
    ]:
        Task.objects.filter(pk=task.pk).update(state=state)
        task.refresh_from_db()
        assert (
            status.task_status(task, dt.date(2027, 1, 5)) == code == board_status(task, dt.date(2027, 1, 5))
        )


def test_fast_counts_agree_with_the_calendar(wp):
    import random

    from workdays.calendar import WorkCalendar, add_workdays, workdays_between

    rng = random.Random(7)
    calendar = WorkCalendar()
    for _ in range(300):
        first = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
        last = first + dt.timedelta(days=rng.randint(0, 500))
        assert status.workdays_in(first, last) == workdays_between(
            first - dt.timedelta(days=1), last, calendar=calendar
        )
        n = rng.randint(1, 300)
        assert status.nth_workday(first, n) == add_workdays(
            first - dt.timedelta(days=1), n, calendar=calendar
        )
    assert status.workdays_in(dt.date(2026, 3, 2), dt.date(2026, 3, 1)) == 0


def test_an_administrators_override_moves_the_lag_day(wp):
    start, deadline = dt.date(2026, 2, 2), dt.date(2026, 3, 13)
    # 50% + 10 points of 26 working days: behind after the 16th (the make-up Saturday Feb 28).
    assert status.lags_from(start, deadline, Decimal(50), 10) == dt.date(2026, 3, 1)
    # A local extra day off on Feb 24 (a working day in the national schedule) …
    CalendarOverrideFactory(date=dt.date(2026, 2, 24), kind="holiday", name="本地调整")
    assert status.total_workdays(start, deadline) == 25
    # … leaves 25 working days: behind after the 16th, now Monday Mar 2.
    assert status.lags_from(start, deadline, Decimal(50), 10) == dt.date(2026, 3, 3)
