"""Read queries for the org pages. Every one starts from ``visible_to``."""

from __future__ import annotations

import copy

from django.db.models import Q
from django.shortcuts import get_object_or_404

from core.procache import ProcessCache

from .models import Org, Person, Position
from .scoping import ALL, scope_paths, subtree_q


def _load_tree() -> dict[str, Org]:
    return {org.path: org for org in Org.objects.defer("geometry").order_by()}


# Every org by path (without its boundary; a few thousand rows): intake asks for a case's street and
# community every time, the tree changes rarely. Invalidated by Org's post_save/post_delete
# (apps.py) and by the services that change orgs with ``QuerySet.update`` (move, archive).
ANCESTORS: ProcessCache[dict[str, Org]] = ProcessCache("orgs.ancestors", _load_tree)

# Other apps' per-process copies derived from the org tree (cases: the grid outlines), told
# whenever the tree changes (``tree_changed``). Filled in the apps' ``ready``.
TREE_COPIES: list[ProcessCache] = [ANCESTORS]


def tree_changed(**kwargs) -> None:
    """An org was saved, deleted, moved or archived: every copy of the tree is dropped (in this
    process at once, elsewhere once the change commits). A signal receiver's signature."""
    for process_copy in TREE_COPIES:
        process_copy.changed()


def ancestors(org: Org) -> list[Org]:
    """``Org.objects.get_ancestors(org)`` (root first) from this process's copy of the tree: no
    query while the copy is current. The orgs are copies (change them as you like; ``geometry``
    is deferred)."""
    tree = ANCESTORS.get()
    paths = [org.path[:end] for end in range(Org.steplen, len(org.path), Org.steplen)]
    if any(path not in tree for path in paths):  # a node newer than the copy (or an unsaved org)
        return list(Org.objects.get_ancestors(org))
    return [copy.copy(tree[path]) for path in paths]


def scope_roots(user) -> list[Org]:
    """The top nodes of what ``user`` may see: their grant nodes (or the tree roots)."""
    paths = scope_paths(user, "view")
    if paths is ALL:
        return list(Org.objects.filter(depth=1))
    return list(Org.objects.filter(path__in=paths))


def visible_org(user, pk: int) -> Org:
    return get_object_or_404(Org.objects.visible_to(user), pk=pk)


def children_of(user, org: Org):
    return Org.objects.visible_to(user).filter(subtree_q("path", org.path), depth=org.depth + 1)


def search_orgs(user, text: str, limit: int = 50):
    return Org.objects.visible_to(user).search(text)[:limit]


def current_positions(user, org: Org):
    return (
        Position.objects.visible_to(user)
        .current()
        .filter(org=org)
        .select_related("person")
        .order_by("kind", "start_on")
    )


def people_list(user, *, text: str = "", org: Org | None = None):
    people = Person.objects.visible_to(user).active().select_related("org")
    if org is not None:
        # People of the unit and below, and people holding a post there (a grid's grid worker
        # belongs to the community but works in the grid).
        holders = Position.objects.current().filter(subtree_q("org_path", org.path)).values("person_id")
        people = people.filter(subtree_q("org_path", org.path) | Q(pk__in=holders))
    text = (text or "").strip()
    if text:
        people = people.filter(name__icontains=text)
    return people.order_by("org_path", "name", "pk")


def visible_person(user, pk: int) -> Person:
    return get_object_or_404(Person.objects.visible_to(user).select_related("org"), pk=pk)


def ancestors_for_display(user, org: Org) -> list[tuple[Org, bool]]:
    """Breadcrumb: each ancestor with whether the user may open it."""
    ancestors = list(Org.objects.get_ancestors(org))
    visible = set(
        Org.objects.visible_to(user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    return [(a, a.pk in visible) for a in ancestors]


def is_demo_installation() -> bool:
    """Whether the installation holds the demo district (the demo banner, ``core.health``)."""
    return Org.objects.filter(depth=1, is_demo=True).exists()


def ledger_signature(user) -> tuple[str, str]:
    """(填报单位, 制表人) of a 台账 ``user`` exports: the highest org of their current role grants
    (or "" for none) and their name."""
    from .models import RoleGrant

    grant = (
        RoleGrant.objects.current()
        .filter(user=user, org__archived_at__isnull=True)
        .select_related("org")
        .order_by("org__depth", "pk")
        .first()
    )
    return (grant.org.name if grant else ""), user.display_name()
