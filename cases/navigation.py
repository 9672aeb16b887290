"""Menu entries of the cases app and its public portal (registered with ``core.navigation``)."""

from django.urls import reverse

from core.navigation import entries
from orgs.scoping import has_scope


@entries(order=200)
def case_nav(user) -> list[dict]:
    items = []
    if any(has_scope(user, action) for action in ("dispatch", "handle", "check", "supervise", "report")):
        items.append({"label": "网格事项", "url": reverse("cases:list"), "key": "cases"})
    if any(has_scope(user, action) for action in ("supervise", "handle", "dispatch")):
        items.append({"label": "督办通知", "url": reverse("cases:notices"), "key": "notices"})
    if has_scope(user, "callback"):
        from .selectors import callback_queue

        waiting = callback_queue(user).order_by()[:1000].count()
        label = f"回访队列({waiting if waiting <= 999 else '999+'})" if waiting else "回访队列"
        items.append({"label": label, "url": reverse("cases:callbacks"), "key": "desk_callbacks"})
    if has_scope(user, "hotline"):
        items.append({"label": "来电查询", "url": reverse("cases:lookup"), "key": "desk_lookup"})
    if has_scope(user, "supervise"):
        items.append({"label": "考核排名", "url": reverse("rankings"), "key": "rankings"})
    return items


@entries(order=600)
def new_case_nav(user) -> list[dict]:
    if has_scope(user, "report"):
        return [{"label": "录入事项", "url": reverse("cases:new"), "key": "case_new"}]
    return []


@entries(order=700)
def portal_nav(user) -> list[dict]:
    items = [{"label": "我要反映", "url": reverse("portal:report"), "key": "portal_report"}]
    if not has_scope(user, "view"):
        items.append({"label": "我反映的问题", "url": reverse("portal:mine"), "key": "portal_mine"})
    return items
