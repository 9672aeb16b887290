"""Menu entry of the intel app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=210)
def intel_nav(user) -> list[dict]:
    if has_scope(user, "supervise"):
        return [{"label": "热点分析", "url": reverse("intel:hot_spots"), "key": "intel_hot_spots"}]
    return []
