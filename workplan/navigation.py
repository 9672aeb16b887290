"""Menu entries of the workplan app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=300)
def workplan_nav(user) -> list[dict]:
    items = []
    if has_scope(user, "supervise"):
        items.append({"label": "督查督办", "url": reverse("workplan:board"), "key": "workplan"})
    if has_scope(user, "workplan_report"):
        items.append({"label": "督办任务", "url": reverse("workplan:workbench"), "key": "workplan_mine"})
    return items
