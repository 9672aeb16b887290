"""Read-side helpers of 智能辅助 for pages: suggestions for a case, hot spots (热点) of a month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count

from core import clock

from .classify import suggest_case
from .duplicates import find_duplicates

# The form field a one-click "填入" fills on the case page, by case status (cases/views.py _ids).
FILL_TARGETS = {
    "reported": ("register_category", None),
    "verifying": (None, None),
    "registered": (None, "dispatch_lead_unit"),
    "returned": (None, "adjudicate_lead_unit"),
}


def suggest_for_case(case, user=None) -> dict:
    """What the dispatcher sees beside a case: top-3 categories with the words that drove them,
    top-3 units with their reasons (责任清单 and who finally handled similar cases), and open
    cases that may be duplicates (only those ``user`` may see, when given)."""
    from cases.models import Case

    from .units import suggest_units

    queryset = Case.objects.visible_to(user, "view") if user is not None else None
    category_target, unit_target = FILL_TARGETS.get(case.status, (None, None))
    suggestions = suggest_case(case)
    return {
        "suggestions": suggestions,
        "units": suggest_units(case, user),
        "duplicates": find_duplicates(case, queryset=queryset),
        "category_target": category_target,
        "unit_target": unit_target,
    }


def model_status():
    """The active category model (for the admins' view of its quality), or None."""
    from .models import ModelVersion

    return ModelVersion.objects.filter(active=True).first()


# ---------------------------------------------------------------------------------------------
# 热点 (hot spots) by month


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _bounds(first: datetime.date, last_exclusive: datetime.date):
    tz = clock.now().tzinfo
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(last_exclusive, datetime.time.min, tzinfo=tz),
    )


@dataclass
class Rising:
    category: object
    count: int
    previous_avg: float

    @property
    def ratio(self) -> float | None:
        return None if not self.previous_avg else self.count / self.previous_avg


def hot_spots(user, month: datetime.date, *, top: int = 15, min_count: int = 2) -> dict:
    """Counts of cases by category × community for ``month`` (cases reported that month, in the
    user's supervise scope), and categories rising against the average of the previous 3 months."""
    from cases.models import Case, Category

    month = month_start(month)
    cases = Case.objects.visible_to(user, "supervise").filter(category__isnull=False)
    start, end = _bounds(month, add_months(month, 1))
    this_month = cases.filter(created_at__gte=start, created_at__lt=end)
    cells = list(
        this_month.values("category_id", "community_id")
        .annotate(n=Count("id"))
        .filter(n__gte=min_count)
        .order_by("-n", "category_id", "community_id")[:top]
    )
    now_counts = dict(
        this_month.values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n")
    )
    p_start, _ = _bounds(add_months(month, -3), month)
    prev_counts = dict(
        cases.filter(created_at__gte=p_start, created_at__lt=start)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    from orgs.models import Org

    categories = Category.objects.select_related("parent").in_bulk(
        set(now_counts) | {c["category_id"] for c in cells}
    )
    communities = Org.objects.in_bulk({c["community_id"] for c in cells if c["community_id"]})
    rising = []
    for cat_id, n in now_counts.items():
        avg = prev_counts.get(cat_id, 0) / 3
        if n >= min_count and n >= 1.5 * avg + 1:
            rising.append(Rising(categories[cat_id], n, round(avg, 1)))
    rising.sort(key=lambda r: (-(r.count - r.previous_avg), r.category.code))
    return {
        "month": month,
        "total": sum(now_counts.values()),
        "cells": [
            {
                "category": categories[c["category_id"]],
                "community": communities.get(c["community_id"]),
                "count": c["n"],
            }
            for c in cells
        ],
        "rising": rising[:top],
    }
