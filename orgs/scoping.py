"""The one scoping rule (``core.scoping``) fed with orgs' role grants.

A user sees records whose org lies in a subtree where they hold a role that allows the action.
The rule itself (``scope_paths``, ``visible_to`` …) lives in ``core.scoping`` so the lower layers
can use it; this module says where grants come from — current ``RoleGrant`` rows of live orgs,
each role allowing the actions of ``roles.ROLE_ACTIONS`` — and re-exports the rule's names, which
every app above ``orgs`` imports from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.scoping import (
    ALL,
    NOTHING,
    PATH_MAX,
    ScopedQuerySet,
    ScopedQuerySetMixin,
    can,
    forget_scopes,
    has_scope,
    path_in_scope,
    register_grant_source,
    scope_paths,
    subtree_q,
    under_paths,
)

from .models import RoleGrant
from .roles import ROLE_ACTIONS

__all__ = [
    "ALL",
    "NOTHING",
    "PATH_MAX",
    "ScopedQuerySet",
    "ScopedQuerySetMixin",
    "can",
    "forget_scopes",
    "granted",
    "has_scope",
    "path_in_scope",
    "scope_paths",
    "subtree_q",
    "under_paths",
]


def granted(user) -> Iterator[tuple[str, str]]:
    """(action, org path) for every action ``user``'s current grants at live orgs allow."""
    grants = RoleGrant.objects.current().filter(user=user, org__archived_at__isnull=True)
    for role, path in grants.values_list("role", "org_path"):
        for action in ROLE_ACTIONS.get(role, ()):
            yield action, path


register_grant_source(granted)
