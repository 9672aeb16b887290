"""The navigation menu, filtered by what the signed-in user's roles allow."""

from django.urls import reverse

from orgs.scoping import has_scope


def nav_for(user) -> list[dict]:
    items = [{"label": "工作台", "url": reverse("home"), "key": "home"}]
    if has_scope(user, "view"):
        items.append({"label": "组织架构", "url": reverse("orgs:tree"), "key": "orgs"})
        items.append({"label": "人员", "url": reverse("orgs:people"), "key": "people"})
    if has_scope(user, "import"):
        items.append({"label": "批量导入", "url": reverse("orgs:import"), "key": "import"})
    if user.is_staff:
        items.append({"label": "管理后台", "url": reverse("admin:index"), "key": "admin"})
    return items
