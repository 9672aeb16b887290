"""Which party organizations a user may act on, and where a page about one of them leads:
the helpers every party sub-domain shares (below them all: it imports only orgs)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse

from orgs.models import PARTY_KINDS, Org
from orgs.scoping import ALL, scope_paths, under_paths

# Party organizations with a leading team (党委, 党工委, 领导小组): 班子 members, 民主生活会.
TEAM_KINDS = frozenset({"party_committee", "working_committee", "leading_group"})


def party_orgs(user, action="view"):
    """Party organizations whose records the user may act on: the role subtrees only. (Unlike
    ``Org.visible_to``, a community's staff do not get its branch's organization life.)"""
    paths = scope_paths(user, action)
    orgs = Org.objects.filter(kind__in=PARTY_KINDS, archived_at__isnull=True)
    if paths is ALL:
        return orgs
    return orgs.filter(under_paths(paths, "path"))


def top_orgs(user) -> list[Org]:
    """The highest visible party organizations (the roots of the user's dashboard). Found on the
    paths alone: a district's organization department sees 10,000 branches (1.6 s as models)."""
    paths = party_orgs(user).exclude(kind="group").order_by("path").values_list("pk", "path")
    tops: list[tuple[int, str]] = []
    for pk, path in paths:
        if not any(path.startswith(top) for _, top in tops):
            tops.append((pk, path))
    found = Org.objects.in_bulk([pk for pk, _ in tops])
    return [found[pk] for pk, _ in tops]


def branches_for_secretary(user, limit: int | None = None) -> list[Org]:
    """The branches the user may record for, in path order; ``limit``: the first ones only (the
    menu asks whether there is one or several, not for a district's 10,000)."""
    branches = party_orgs(user, "change").filter(kind="branch").order_by("path")
    return list(branches[:limit] if limit else branches)


def party_org(user, pk, action="view") -> Org:
    return get_object_or_404(party_orgs(user, action), pk=pk)


def party_org_or_404(user, pk, action="view") -> Org:
    org = get_object_or_404(party_orgs(user, action).exclude(kind="group"), pk=pk)
    return org


def back_url(org) -> str:
    if org.kind == "branch":
        return reverse("party:org", args=[org.pk])
    return f"{reverse('party:dashboard')}?org={org.pk}"


def approver_of(org: Org) -> Org | None:
    """The higher party organization that approves ``org``'s election and secretary."""
    parent = Org.objects.get_parent(org) if org.depth > 1 else None
    return parent if parent is not None and parent.is_party else None
