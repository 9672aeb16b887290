"""The navigation menu, filtered by what the signed-in user's roles allow.

Core knows no domain app: each app registers the entries it contributes, from a module its
``AppConfig.ready()`` imports (by convention ``<app>/navigation.py``)::

    from core.navigation import entries

    @entries(order=300)
    def workplan_nav(user) -> list[dict]:
        if has_scope(user, "supervise"):
            return [{"label": "督查督办", "url": reverse("workplan:board"), "key": "workplan"}]
        return []

``nav_for(user)`` lists 工作台 first, then every provider's entries by ``order`` (ties: in the order
they registered), then 管理后台 for staff. An entry is ``{"label", "url", "key"}``; ``key`` is what
a page's ``active_nav`` names. The orders in use: orgs 100 and 800, cases 200 and 600, intel 210,
workplan 300, party 400, villages 500, the public portal (cases) 700, api 900.

The menu bar groups entries by key (``GROUPS``: plain keys and prefixes, no app imported).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

NavProvider = Callable[[object], list[dict]]

_PROVIDERS: list[tuple[int, int, str, NavProvider]] = []


def entries(*, order: int) -> Callable[[NavProvider], NavProvider]:
    """Register ``fn(user) -> list[dict]`` as menu entries at position ``order``."""

    def register(fn: NavProvider) -> NavProvider:
        name = f"{fn.__module__}.{fn.__qualname__}"
        for i, (_, seq, known, _fn) in enumerate(_PROVIDERS):
            if known == name:  # a module imported again: replace, keep the place
                _PROVIDERS[i] = (order, seq, name, fn)
                return fn
        _PROVIDERS.append((order, len(_PROVIDERS), name, fn))
        return fn

    return register


def providers() -> list[NavProvider]:
    """The registered providers in menu order."""
    return [fn for *_, fn in sorted(_PROVIDERS, key=lambda p: (p[0], p[1]))]


def nav_for(user) -> list[dict]:
    items = [{"label": "工作台", "url": reverse("home"), "key": "home"}]
    for fn in providers():
        items.extend(fn(user))
    if user.is_staff:
        items.append({"label": "管理后台", "url": reverse("admin:index"), "key": "admin"})
    return items


# The menu bar groups the entries so that it fits on one line: (key, label, entry keys or prefixes).
GROUPS = [
    ("cases", "网格事项", ("cases", "case_new", "notices", "rankings", "intel_", "desk_")),
    ("workplan", "督查督办", ("workplan", "walks")),
    ("party", "基层党建", ("party_", "villages", "rectify")),
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
