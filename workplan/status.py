"""Status of a task on the working-day calendar (未启动 / 推进中 / 滞后 / 逾期 / 待核验 / 已办结 / 已销号).

The plan of a task is time-proportional over its working days: on a day ``d`` the expected
progress is the share of the task's working days (``start_on`` … ``deadline``, both included) that
lie before ``d``. A task lags when its progress is below that by more than the margin of the
``SupervisionRule`` in force. Since progress only changes with a report, the first lagging day is
computed once per change and stored (``Task.lags_from``); "lagging" is then ``lags_from <= today``
— a query, like "overdue" (``deadline < today``).
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime as dt
import functools
import math
from decimal import Decimal

from workdays.calendar import WorkCalendar

from .models import STATUS_LIGHT, SupervisionRule, Task, TaskState, TaskStatus

ONE_DAY = dt.timedelta(days=1)


def rule_in_force(day: dt.date) -> SupervisionRule:
    rule = SupervisionRule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if rule is None:  # a database without the seed migration's row (e.g. after a test flush)
        from .defaults import DEFAULT_RULE

        rule = SupervisionRule(**DEFAULT_RULE)
    return rule


# -- fast working-day counts ------------------------------------------------------------------
#
# The board, the ladder and the demo replay ask the same calendar questions thousands of times.
# ``workdays.calendar`` answers one day at a time; here each year is counted once per calendar
# (cumulative working days per day of the year), so a count over any range is two look-ups. A
# calendar can be shared for a block of work (``shared_calendar``); otherwise every call gets a
# fresh one, which reads the administrators' overrides anew.

_shared: contextvars.ContextVar[WorkCalendar | None] = contextvars.ContextVar(
    "workplan_calendar", default=None
)


@contextlib.contextmanager
def shared_calendar(calendar: WorkCalendar | None = None):
    token = _shared.set(calendar or WorkCalendar())
    try:
        yield _shared.get()
    finally:
        _shared.reset(token)


def calendar_for(calendar: WorkCalendar | None = None) -> WorkCalendar:
    return calendar or _shared.get() or WorkCalendar()


@functools.lru_cache(maxsize=64)
def _base_flags(year: int, confirmed: bool) -> tuple[bool, ...]:
    """Each day of ``year`` without overrides (chinesecalendar or the fallback rules): static data,
    so cached for the process."""
    probe = WorkCalendar.without_overrides(frozenset({year}) if confirmed else frozenset())
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    return tuple(probe.base_day_info(first + dt.timedelta(days=i)).is_workday for i in range(days))


def _year_counts(calendar: WorkCalendar, year: int) -> list[int]:
    cache = calendar.__dict__.setdefault("_workplan_counts", {})
    counts = cache.get(year)
    if counts is None:
        flags = list(_base_flags(year, calendar.is_confirmed(year)))
        for day, override in calendar._year_overrides(year).items():  # the administrators' days
            flags[day.timetuple().tm_yday - 1] = override.is_workday
        counts, total = [], 0
        for flag in flags:
            total += flag
            counts.append(total)
        cache[year] = counts
    return counts


def _through(calendar: WorkCalendar, day: dt.date) -> int:
    """Working days from 1 January of ``day``'s year up to and including ``day``."""
    return _year_counts(calendar, day.year)[day.timetuple().tm_yday - 1]


def workdays_in(first: dt.date, last: dt.date, calendar: WorkCalendar | None = None) -> int:
    """The number of working days from ``first`` to ``last``, both included (0 if empty)."""
    if last < first:
        return 0
    cal = calendar_for(calendar)
    count = -_through(cal, first) + cal.is_workday(first)
    for year in range(first.year, last.year):
        count += _year_counts(cal, year)[-1]
    return count + _through(cal, last)


def nth_workday(first: dt.date, n: int, calendar: WorkCalendar | None = None) -> dt.date:
    """The ``n``-th working day counting from ``first`` (included), ``n >= 1``."""
    cal = calendar_for(calendar)
    wanted = _through(cal, first) - cal.is_workday(first) + n  # within ``first``'s year numbering
    year = first.year
    while True:
        counts = _year_counts(cal, year)
        if wanted <= counts[-1]:
            return dt.date(year, 1, 1) + dt.timedelta(days=bisect.bisect_left(counts, wanted))
        wanted -= counts[-1]
        year += 1


def total_workdays(start: dt.date, deadline: dt.date, calendar: WorkCalendar | None = None) -> int:
    """Working days from ``start`` to ``deadline``, both included (at least 1)."""
    return max(workdays_in(start, deadline, calendar), 1)


def expected_progress(task: Task, today: dt.date, calendar: WorkCalendar | None = None) -> float:
    """The time-proportional planned progress (0–100) at the start of ``today``."""
    if today <= task.start_on:
        return 0.0
    if today > task.deadline:
        return 100.0
    calendar = calendar_for(calendar)
    done = workdays_in(task.start_on, today - ONE_DAY, calendar)
    return round(100.0 * done / total_workdays(task.start_on, task.deadline, calendar), 1)


def lags_from(
    start: dt.date,
    deadline: dt.date,
    progress: Decimal | float,
    margin: int,
    calendar: WorkCalendar | None = None,
) -> dt.date | None:
    """The first day on which ``progress`` is behind plan by more than ``margin`` points, or None
    when that never happens before the deadline (after it, the task is overdue instead)."""
    threshold = float(progress) + margin
    if threshold >= 100:
        return None
    calendar = calendar_for(calendar)
    total = total_workdays(start, deadline, calendar)
    # The smallest number of elapsed working days k with 100·k/total > threshold.
    k = math.floor(threshold * total / 100) + 1
    if k > total:
        return None
    kth_workday = nth_workday(start, k, calendar)
    day = kth_workday + ONE_DAY
    return day if day <= deadline else None


def task_status(task: Task, today: dt.date) -> str:
    """The same decision as ``TaskQuerySet.with_status`` for one loaded task."""
    if task.state == TaskState.CANCELLED:
        return TaskStatus.CANCELLED
    if task.state == TaskState.CLOSED:
        return TaskStatus.CLOSED
    if task.state == TaskState.DONE:
        return TaskStatus.DONE
    if task.state == TaskState.SUBMITTED:
        return TaskStatus.PENDING_VERIFY
    if task.deadline < today:
        return TaskStatus.OVERDUE
    if task.lags_from is not None and task.lags_from <= today:
        return TaskStatus.LAGGING
    if task.progress == 0:
        return TaskStatus.NOT_STARTED
    return TaskStatus.IN_PROGRESS


def status_label(code: str) -> str:
    return TaskStatus(code).label


def light(code: str) -> str:
    return STATUS_LIGHT.get(code, "grey")
