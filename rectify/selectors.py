"""Scoped reads of 巡视巡察整改 for the pages, the API and the printouts (every list starts from
``visible_to``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from orgs.scoping import has_scope, scope_paths

from .models import STATUS_COLOUR, ItemStatus, Problem, ProblemList, RectifyItem, item_status


def lists(user, action: str = "view") -> QuerySet[ProblemList]:
    return ProblemList.objects.visible_to(user, action).select_related("org", "unit", "plan")


def items(user, action: str = "view") -> QuerySet[RectifyItem]:
    """Items of the lists the user may see: the issuing body sees all of a list's items, a
    responsible unit its own."""
    own = RectifyItem.objects.visible_to(user, action)
    issued = RectifyItem.objects.filter(
        problem__problem_list__in=ProblemList.objects.visible_to(user, "rectify_issue")
    )
    return (
        RectifyItem.objects.filter(pk__in=own.values("pk"))
        | RectifyItem.objects.filter(pk__in=issued.values("pk"))
    ).select_related("task", "unit", "problem", "problem__problem_list")


def is_issuer(user) -> bool:
    return has_scope(user, "rectify_issue")


def is_reporter(user) -> bool:
    return has_scope(user, "rectify_report")


def issuers(user) -> list:
    """The orgs the user may issue lists in the name of: the nodes of their rectify_issue grants."""
    from orgs.models import Org

    paths = scope_paths(user, "rectify_issue")
    if paths is None:
        return list(Org.objects.filter(depth=1, archived_at__isnull=True).order_by("path"))
    return list(Org.objects.filter(path__in=paths, archived_at__isnull=True).order_by("path"))


@dataclass
class Row:
    """One rectification item with its computed status (a 台账 row)."""

    item: RectifyItem
    status: str

    @property
    def status_label(self) -> str:
        return ItemStatus(self.status).label

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[ItemStatus(self.status)]


def rows(queryset, today: dt.date) -> list[Row]:
    return [Row(item, item_status(item.task, today)) for item in queryset]


@dataclass
class ProblemRows:
    problem: Problem
    rows: list[Row] = field(default_factory=list)


def ledger(plist: ProblemList, visible, today: dt.date) -> list[ProblemRows]:
    """The list's problems in order, each with its (visible) items."""
    grouped: dict[int, ProblemRows] = {}
    for problem in plist.problems.order_by("pk"):
        grouped[problem.pk] = ProblemRows(problem)
    for row in rows(visible.filter(problem__problem_list=plist).order_by("problem_id", "pk"), today):
        grouped[row.item.problem_id].rows.append(row)
    return list(grouped.values())


@dataclass
class Progress:
    """整改进展情况: counts by status, the overdue items, and counts by responsible unit."""

    total: int
    by_status: dict[str, int]
    overdue: list[Row]
    by_unit: list[tuple[str, dict[str, int]]]
    problems: int
    problems_closed: int

    @property
    def labelled(self) -> list[tuple[str, str, str, int]]:
        """(code, label, colour, count) of every status, in order."""
        return [
            (code, label, STATUS_COLOUR[ItemStatus(code)], self.by_status.get(code, 0))
            for code, label in ItemStatus.choices
        ]

    @property
    def closed_rate(self) -> str:
        done = self.by_status.get(ItemStatus.CLOSED, 0)
        counted = self.total - self.by_status.get(ItemStatus.CANCELLED, 0)
        return f"{done * 100 / counted:.0f}%" if counted else "—"


def progress(plist: ProblemList, visible, today: dt.date) -> Progress:
    found = rows(visible.filter(problem__problem_list=plist).order_by("problem_id", "pk"), today)
    by_status = Counter(r.status for r in found)
    units: dict[str, Counter] = defaultdict(Counter)
    for r in found:
        units[r.item.unit.name][r.status] += 1
    problems = list(plist.problems.all())
    return Progress(
        total=len(found),
        by_status={code: by_status.get(code, 0) for code in ItemStatus.values},
        overdue=[r for r in found if r.status == ItemStatus.OVERDUE],
        by_unit=sorted((name, dict(c)) for name, c in units.items()),
        problems=len(problems),
        problems_closed=sum(1 for p in problems if not p.open),
    )
