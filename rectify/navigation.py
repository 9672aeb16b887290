"""Menu item of the rectify app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=510)
def rectify_nav(user) -> list[dict]:
    if has_scope(user, "rectify_issue") or has_scope(user, "rectify_report"):
        return [{"label": "巡视巡察整改", "url": reverse("rectify:index"), "key": "rectify"}]
    return []
