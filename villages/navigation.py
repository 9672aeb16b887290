"""Menu item of the villages app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope

from . import selectors


@entries(order=500)
def village_nav(user) -> list[dict]:
    if not has_scope(user, "view"):
        return []
    if selectors.villages_for(user, "view").exists():
        return [{"label": "四议两公开", "url": reverse("villages:index"), "key": "villages"}]
    return []
