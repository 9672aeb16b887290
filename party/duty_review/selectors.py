"""Scoped reads of 述职评议考核 for the pages, the API and other apps (every list from
``visible_to``).

Integration contract with the rectification (整改) app: ``published_problems(user)`` — the live
problems of published rounds that ``user`` may see (organizers over their subtree, each reporting
organization its own), with ``round`` and ``org`` selected — and ``problem_label(problem)``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from orgs.scoping import can
from party.duty_review.models import (
    ReviewProblem,
    ReviewRater,
    ReviewReporter,
    ReviewRound,
    ReviewSheet,
    RoundStatus,
)


def published_problems(user) -> QuerySet[ReviewProblem]:
    """问题清单 of published rounds visible to ``user`` (withdrawn problems left out)."""
    return (
        ReviewProblem.objects.visible_to(user)
        .live()
        .filter(round__status=RoundStatus.PUBLISHED)
        .select_related("round", "org", "reporter")
        .order_by("-round__year", "org_path", "pk")
    )


def problem_label(problem: ReviewProblem) -> str:
    """A problem as the rectification list names it: source, year, organization and text."""
    org = problem.org.short_name or problem.org.name
    return f"{problem.round.year}年度书记述职评议 · {org}:{problem.text}"


def rounds(user) -> QuerySet[ReviewRound]:
    return (
        ReviewRound.objects.visible_to(user)
        .select_related("org")
        .annotate(
            reporter_count=Count("reporters", filter=Q(reporters__withdrawn_at__isnull=True), distinct=True),
            submitted_count=Count(
                "reporters",
                filter=Q(reporters__withdrawn_at__isnull=True, reporters__submitted_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-year", "org_path")
    )


def is_organizer(user, round_: ReviewRound) -> bool:
    return can(user, "change", round_.org)


def rater_of(user, round_: ReviewRound) -> ReviewRater | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ReviewRater.objects.filter(round=round_, user=user, withdrawn_at__isnull=True).first()


def my_reports(user) -> QuerySet[ReviewReporter]:
    """The reports ``user`` may submit: reporters of rounds past the draft whose organization the
    user may change (its secretary)."""
    return (
        ReviewReporter.objects.visible_to(user, "change")
        .active()
        .exclude(round__status=RoundStatus.DRAFT)
        .select_related("round", "org")
        .order_by("-round__year", "org_path")
    )


def reporters(user, round_: ReviewRound) -> QuerySet[ReviewReporter]:
    return (
        ReviewReporter.objects.visible_to(user)
        .filter(round=round_)
        .select_related("org", "secretary")
        .order_by("withdrawn_at", "org_path")
    )


def sheets_of(rater: ReviewRater) -> dict[int, ReviewSheet]:
    return {s.reporter_id: s for s in ReviewSheet.objects.filter(rater=rater)}


def results_visible(user, round_: ReviewRound, reporter: ReviewReporter) -> bool:
    """The organizer sees results once the round is closed; a reporter only once published."""
    if round_.status == RoundStatus.PUBLISHED:
        return True
    return round_.status == RoundStatus.CLOSED and is_organizer(user, round_)


def result_rows(user, round_: ReviewRound) -> list[dict[str, Any]]:
    """One row per active reporter visible to ``user``: the reporter, each item's score, the
    weighted score, level and rater count (when visible), its live problems."""
    problems: dict[int, list[ReviewProblem]] = {}
    for p in ReviewProblem.objects.visible_to(user).live().filter(round=round_).order_by("pk"):
        problems.setdefault(p.reporter_id, []).append(p)
    rows = []
    for reporter in reporters(user, round_).filter(withdrawn_at__isnull=True):
        shown = results_visible(user, round_, reporter)
        rows.append(
            {
                "reporter": reporter,
                "shown": shown,
                "items": [reporter.item_scores.get(i["code"], "") for i in round_.items] if shown else [],
                "problems": problems.get(reporter.pk, []) if shown or is_organizer(user, round_) else [],
            }
        )
    return rows
