"""The navigation menu, filtered by what the signed-in user's roles allow."""

from django.urls import reverse

from core.scoping import has_scope


def nav_for(user) -> list[dict]:
    items = [{"label": "工作台", "url": reverse("home"), "key": "home"}]
    if has_scope(user, "view"):
        items.append({"label": "组织架构", "url": reverse("orgs:tree"), "key": "orgs"})
        items.append({"label": "人员", "url": reverse("orgs:people"), "key": "people"})
    if any(has_scope(user, action) for action in ("dispatch", "handle", "check", "supervise", "report")):
        items.append({"label": "网格事项", "url": reverse("cases:list"), "key": "cases"})
    if any(has_scope(user, action) for action in ("supervise", "handle", "dispatch")):
        items.append({"label": "督办通知", "url": reverse("cases:notices"), "key": "notices"})
    if has_scope(user, "supervise"):
        items.append({"label": "考核排名", "url": reverse("rankings"), "key": "rankings"})
        items.append({"label": "热点分析", "url": reverse("intel:hot_spots"), "key": "intel_hot_spots"})
    if has_scope(user, "supervise"):
        items.append({"label": "督查督办", "url": reverse("workplan:board"), "key": "workplan"})
    if has_scope(user, "workplan_report"):
        items.append({"label": "督办任务", "url": reverse("workplan:workbench"), "key": "workplan_mine"})
    items.extend(_party_items(user))
    from villages.navigation import village_nav

    items.extend(village_nav(user))
    if has_scope(user, "report"):
        items.append({"label": "录入事项", "url": reverse("cases:new"), "key": "case_new"})
    items.append({"label": "我要反映", "url": reverse("portal:report"), "key": "portal_report"})
    if not has_scope(user, "view"):
        items.append({"label": "我反映的问题", "url": reverse("portal:mine"), "key": "portal_mine"})
    if has_scope(user, "import"):
        items.append({"label": "批量导入", "url": reverse("orgs:import"), "key": "import"})
    if has_scope(user, "view"):
        items.append({"label": "接口令牌", "url": reverse("api:tokens"), "key": "api_tokens"})
    if user.is_staff:
        items.append({"label": "管理后台", "url": reverse("admin:index"), "key": "admin"})
    return items


def _party_items(user) -> list[dict]:
    """组织生活 for secretaries of a branch, 党建考评 for whoever sees party committees."""
    if not has_scope(user, "view"):
        return []
    from party.navigation import party_nav

    return party_nav(user)


# The menu bar groups the entries so that it fits on one line: (key, label, entry keys or prefixes).
GROUPS = [
    ("cases", "网格事项", ("cases", "case_new", "notices", "rankings", "intel_")),
    ("workplan", "督查督办", ("workplan",)),
    ("party", "基层党建", ("party_", "villages")),
    ("orgs", "组织人员", ("orgs", "people", "import")),
    ("system", "系统", ("api_tokens", "admin")),
]


def _group_of(key: str) -> tuple[str, str] | None:
    for group, label, members in GROUPS:
        if any(key == m or (m.endswith("_") and key.startswith(m)) for m in members):
            return group, label
    return None


def menu_for(user) -> list[dict]:
    """``nav_for`` as the menu bar shows it: entries of one group under a dropdown (in the order
    of their first entry), a group with a single entry as that entry. A group lists its entries'
    keys in ``member_keys`` so the page's ``active_nav`` can mark it."""
    menu: list[dict] = []
    groups: dict[str, dict] = {}
    for item in nav_for(user):
        found = _group_of(item["key"])
        if found is None:
            menu.append(item)
            continue
        key, label = found
        if key not in groups:
            groups[key] = {"key": f"group_{key}", "label": label, "children": [], "member_keys": []}
            menu.append(groups[key])
        groups[key]["children"].append(item)
        groups[key]["member_keys"].append(item["key"])
    return [entry["children"][0] if len(entry.get("children", ())) == 1 else entry for entry in menu]
