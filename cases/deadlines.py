"""Stage clocks on the working-day calendar: which limit applies, and when a stage is due."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from workdays import calendar as workcal

from .models import LimitUnit, SlaRule

# Used when no rule is configured at all (a fresh deployment before the seed data): generous
# defaults so nothing is due "immediately" by mistake.
FALLBACK_LIMIT = (5, LimitUnit.WORK_DAYS)


def rule_for(category, urgency: str, stage: str, on: dt.date) -> SlaRule | None:
    """The rule in force on ``on``: 小类 first, then its 大类, then the all-categories rule."""
    candidates = [pk for pk in ((category.pk, category.parent_id) if category is not None else ()) if pk]
    rules = SlaRule.objects.filter(urgency=urgency, stage=stage, effective_from__lte=on).filter(
        Q(category__isnull=True) | Q(category_id__in=candidates)
    )
    specificity = {pk: i for i, pk in enumerate(candidates)}

    def rank(rule: SlaRule):
        return (specificity.get(rule.category_id, len(candidates)), -rule.effective_from.toordinal())

    return min(rules, key=rank, default=None)


def due_after(
    start: dt.datetime, limit, unit: str, *, calendar: workcal.WorkCalendar | None = None
) -> dt.datetime:
    """When a stage started at ``start`` with ``limit`` ``unit`` is due.

    Working hours count office time only. Working days end at the close of office hours on the
    N-th working day after the start day ("3个工作日内" from Monday 10:00 → Thursday 17:30).
    """
    if unit == LimitUnit.WORK_HOURS:
        return workcal.add_work_hours(start, dt.timedelta(hours=float(limit)), calendar=calendar)
    days = int(limit)
    local = timezone.localtime(start, workcal.office_timezone())
    day = workcal.add_workdays(local.date(), days, calendar=calendar)
    closing = workcal.office_hours()[-1][1]
    return dt.datetime.combine(day, closing, tzinfo=workcal.office_timezone())


def stage_due(category, urgency: str, stage: str, start: dt.datetime) -> dt.datetime:
    rule = rule_for(category, urgency, stage, timezone.localtime(start).date())
    limit, unit = (rule.limit, rule.unit) if rule else FALLBACK_LIMIT
    return due_after(start, limit, unit)


def extend(due: dt.datetime, days: int) -> dt.datetime:
    """``due`` moved ``days`` working days later, at the same time of day (延期)."""
    local = timezone.localtime(due, workcal.office_timezone())
    day = workcal.add_workdays(local.date(), days)
    return dt.datetime.combine(day, local.timetz())


def end_of_day(day: dt.date) -> dt.datetime:
    """Office closing time on ``day`` (挂账至 a date)."""
    closing = workcal.office_hours()[-1][1]
    return dt.datetime.combine(day, closing, tzinfo=workcal.office_timezone())
