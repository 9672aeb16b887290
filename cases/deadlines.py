"""Stage clocks on the working-day calendar: which limit applies, and when a stage is due."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.procache import ProcessCache
from workdays import calendar as workcal

from .models import LimitUnit, SlaRule

# Used when no rule is configured at all (a fresh deployment before the seed data): generous
# defaults so nothing is due "immediately" by mistake.
FALLBACK_LIMIT = (5, LimitUnit.WORK_DAYS)


def _load_rules() -> dict[tuple[str, str], list[SlaRule]]:
    rules: dict[tuple[str, str], list[SlaRule]] = {}
    for rule in SlaRule.objects.order_by("-effective_from", "pk"):
        rules.setdefault((rule.urgency, rule.stage), []).append(rule)
    return rules


# Every rule (a few hundred rows at most) by (urgency, stage), newest first: read on every stage
# clock, changed a few times a year. Invalidated by SlaRule's post_save/post_delete (apps.py).
RULES = ProcessCache("cases.sla_rules", _load_rules)


def rule_for(category, urgency: str, stage: str, on: dt.date) -> SlaRule | None:
    """The rule in force on ``on``: 小类 first, then its 大类, then the all-categories rule.

    The rule comes from this process's copy of the table (``RULES``): read it, never change it."""
    candidates = [pk for pk in ((category.pk, category.parent_id) if category is not None else ()) if pk]
    specificity = {pk: i for i, pk in enumerate(candidates)}
    fallback = len(candidates)
    best, best_rank = None, None
    for rule in RULES.get().get((urgency, stage), ()):
        if rule.effective_from > on:
            continue
        if rule.category_id is None:
            rank = fallback
        elif rule.category_id in specificity:
            rank = specificity[rule.category_id]
        else:
            continue
        # newest first: the first rule of each specificity is its latest version in force
        if best_rank is None or rank < best_rank:
            best, best_rank = rule, rank
    return best


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
