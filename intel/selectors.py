"""Read-side helpers of 智能辅助 for pages: suggestions for a case, hot spots (热点) of a month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

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


def model_versions(user, limit: int = 20) -> list[dict[str, Any]]:
    """分类模型版本 with their guard decision and the acceptance of their category suggestions
    (建议采纳率) over the feedback ``user`` may see: newest first, numbered 第N版 in training order.
    Keyword-rule suggestions (before any model) come last as their own row."""
    from .models import FeedbackKind, ModelVersion, SuggestionFeedback

    rows = (
        SuggestionFeedback.objects.visible_to(user, "view")
        .filter(kind=FeedbackKind.CATEGORY)
        .values("model_version_id")
        .annotate(
            n=Count("id"),
            accepted_n=Count("id", filter=Q(accepted=True)),
            top3_n=Count("id", filter=Q(in_top3=True)),
        )
    )
    rates = {r["model_version_id"]: r for r in rows}
    ordinal = {
        pk: i + 1
        for i, pk in enumerate(ModelVersion.objects.order_by("created_at", "id").values_list("pk", flat=True))
    }
    out: list[dict[str, Any]] = []
    for v in ModelVersion.objects.select_related("baseline").order_by("-created_at", "-id")[:limit]:
        r = rates.get(v.pk, {})
        n = r.get("n", 0)
        out.append(
            {
                "label": f"第{ordinal[v.pk]}版",
                "version": v,
                "baseline": f"第{ordinal[v.baseline_id]}版" if v.baseline_id in ordinal else "",
                "n": n,
                "rate": r.get("accepted_n", 0) / n if n else None,
                "top3_rate": r.get("top3_n", 0) / n if n else None,
            }
        )
    keywords = rates.get(None)
    if keywords:
        n = keywords["n"]
        out.append(
            {
                "label": "关键词规则",
                "version": None,
                "baseline": "",
                "n": n,
                "rate": keywords["accepted_n"] / n,
                "top3_rate": keywords["top3_n"] / n,
            }
        )
    return out


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


def day_bounds(first: datetime.date, last_exclusive: datetime.date):
    tz = clock.now().tzinfo
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(last_exclusive, datetime.time.min, tzinfo=tz),
    )


@dataclass
class Rising:
    category: Any  # a cases Category
    count: int
    previous_avg: float

    @property
    def ratio(self) -> float | None:
        return None if not self.previous_avg else self.count / self.previous_avg


TOPIC_SIMILARITY = 0.2  # estimated Jaccard of 3-character shingles (duplicates use 0.10 for one pair)
TOPIC_CASES = 200


@dataclass
class Topic:
    title: str  # the most frequent (masked) title of the cluster
    count: int


def topics(cases, *, min_size: int = 2) -> list[Topic]:
    """Clusters of similar texts among ``cases`` (a queryset: a hot spot's cell)."""
    return cluster_topics(
        list(cases.order_by("pk").values_list("title", "description")[:TOPIC_CASES]), min_size
    )


def cluster_topics(rows: list[tuple[str, str]], min_size: int = 2) -> list[Topic]:
    """Clusters of similar (title, description) rows: MinHash similarity ≥ ``TOPIC_SIMILARITY``,
    joined transitively (connected components) — e.g. 路灯不亮 at one building versus the same
    category's 灯杆倾斜 elsewhere in the community. The three largest, largest first."""
    from collections import Counter

    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from .duplicates import signature
    from .text import mask

    if len(rows) < min_size:
        return []
    matrix = np.stack([signature(mask(f"{title}。{description}")) for title, description in rows])
    similar = (matrix[:, None, :] == matrix[None, :, :]).mean(axis=2) >= TOPIC_SIMILARITY
    _count, labels = connected_components(csr_matrix(similar), directed=False)
    found = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) >= min_size:
            titles = Counter(mask(rows[i][0] or rows[i][1][:30]) for i in members)
            found.append(Topic(titles.most_common(1)[0][0], len(members)))
    return sorted(found, key=lambda topic: (-topic.count, topic.title))[:3]


def hot_spots(user, month: datetime.date, *, top: int = 15, min_count: int = 2) -> dict:
    """Counts of cases by category × community for ``month`` (cases reported that month, in the
    user's supervise scope), and categories rising against the average of the previous 3 months."""
    from cases.models import Case, Category

    month = month_start(month)
    cases = Case.objects.visible_to(user, "supervise").filter(category__isnull=False)
    start, end = day_bounds(month, add_months(month, 1))
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
    p_start, _ = day_bounds(add_months(month, -3), month)
    prev_counts = dict(
        cases.filter(created_at__gte=p_start, created_at__lt=start)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    from orgs.models import Org

    # The hot spots' texts for 相似诉求, in one query (at most TOPIC_CASES per cell).
    texts: dict[tuple, list] = {}
    if cells:
        in_cells = Q()
        for c in cells:
            in_cells |= Q(category_id=c["category_id"], community_id=c["community_id"])
        for category_id, community_id, title, description in (
            this_month.filter(in_cells)
            .order_by("pk")
            .values_list("category_id", "community_id", "title", "description")
        ):
            cell = texts.setdefault((category_id, community_id), [])
            if len(cell) < TOPIC_CASES:
                cell.append((title, description))
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
                "topics": cluster_topics(texts.get((c["category_id"], c["community_id"]), [])),
            }
            for c in cells
        ],
        "rising": rising[:top],
    }
