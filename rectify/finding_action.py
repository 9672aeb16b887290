"""转整改: the action rectify offers on party's findings lists (``party.finding_actions``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from orgs.scoping import path_in_scope, scope_paths
from party.finding_actions import FindingAction, register


@register
def to_rectification(user, finding) -> FindingAction | None:
    """Users who may issue problem lists over the finding's organization (组织部, 督查室)."""
    if not path_in_scope(finding.org_path, scope_paths(user, "rectify_issue")):
        return None
    query = urlencode(
        {
            "rule": finding.rule,
            "org": finding.org_id,
            "period": finding.period,
            "reason": finding.reason[:300],
        }
    )
    return FindingAction("转整改", f"{reverse('rectify:from_finding')}?{query}")
