"""Menu entries of the orgs app (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries

from .scoping import has_scope


@entries(order=100)
def org_nav(user) -> list[dict]:
    if not has_scope(user, "view"):
        return []
    return [
        {"label": "组织架构", "url": reverse("orgs:tree"), "key": "orgs"},
        {"label": "人员", "url": reverse("orgs:people"), "key": "people"},
    ]


@entries(order=800)
def import_nav(user) -> list[dict]:
    if has_scope(user, "import"):
        return [{"label": "批量导入", "url": reverse("orgs:import"), "key": "import"}]
    return []
