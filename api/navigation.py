"""Menu entry of the api app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=900)
def api_nav(user) -> list[dict]:
    if has_scope(user, "view"):
        return [{"label": "接口令牌", "url": reverse("api:tokens"), "key": "api_tokens"}]
    return []
