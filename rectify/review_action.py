"""转整改: the action rectify offers on a published 述职评议 round's 问题清单
(``party.review_actions``), one per organization."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from orgs.scoping import path_in_scope, scope_paths
from party.duty_review import selectors as duty_review
from party.finding_actions import FindingAction
from party.review_actions import register

from .services import open_problems_for_review


@register
def to_rectification(user, round_, org) -> FindingAction | None:
    """Users who may issue problem lists over the organization (组织部, 督查室), once published:
    转整改, or 已转整改 (the list) when every problem of the organization is an open problem."""
    if round_.published_at is None or not path_in_scope(org.path, scope_paths(user, "rectify_issue")):
        return None
    ids = list(
        duty_review.published_problems(user).filter(round=round_, org=org).values_list("pk", flat=True)
    )
    taken = open_problems_for_review(ids)
    if ids and len(taken) == len(ids):
        return FindingAction(
            "已转整改", reverse("rectify:detail", args=[next(iter(taken.values())).problem_list_id])
        )
    query = urlencode({"round": round_.pk, "org": org.pk})
    return FindingAction("转整改", f"{reverse('rectify:from_review')}?{query}")
