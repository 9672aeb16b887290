"""Menu entry of the intel app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=210)
def intel_nav(user) -> list[dict]:
    out = []
    if has_scope(user, "supervise"):
        out.append({"label": "热点分析", "url": reverse("intel:hot_spots"), "key": "intel_hot_spots"})
    if has_scope(user, "supervise") or has_scope(user, "dispatch"):
        out.append({"label": "分类模型", "url": reverse("intel:models"), "key": "intel_models"})
    return out
