"""Menu item of 领导干部走流程 (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries

from . import selectors


@entries(order=520)
def walk_nav(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    if selectors.may_see_walks(user):
        return [{"label": "领导走流程", "url": reverse("walks:index"), "key": "walks"}]
    return []
