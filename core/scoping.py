"""The one scoping rule: a user sees records whose org lies in a subtree where they hold a role
that allows the action.

Every record-bearing model's queryset offers ``.visible_to(user, action)`` (NetBox's
``restrict()``). Lists, detail pages, form choices, exports, the admin and the API call it; a
model adds its own "also visible" rule (e.g. a person sees their own record) with ``own_q``.

The rule lives in ``core`` so that every layer can scope its rows (``audit``, below ``orgs``, scopes
its log); where the grants come from is ``orgs``' business: it registers the source of a user's
(action, org path) pairs with ``register_grant_source`` (``orgs.scoping``, imported when the app is
ready). ``orgs.scoping`` re-exports these names; apps above ``orgs`` keep importing them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

ALL = None  # sentinel: unrestricted (superuser)
_CACHE_ATTR = "_luoshi_scope_cache"

GrantSource = Callable[[Any], Iterable[tuple[str, str]]]
_grant_source: GrantSource | None = None


def register_grant_source(source: GrantSource) -> None:
    """Set where grants come from: ``source(user)`` yields (action, org path) for each action the
    user's current grants allow (``orgs.scoping.granted``)."""
    global _grant_source
    _grant_source = source


def _collapse(paths: list[str]) -> list[str]:
    """Drop paths already covered by a shorter prefix: ['0001', '00010002'] → ['0001']."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def scope_paths(user, action: str = "view") -> list[str] | None:
    """Org paths whose subtrees ``user`` may act on with ``action``; ``ALL`` for superusers.

    Cached on the user object for the length of a request.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        if _grant_source is None:
            raise RuntimeError("no grant source registered (orgs.scoping registers it when orgs is ready)")
        cache = {}
        for granted_action, path in _grant_source(user):
            cache.setdefault(granted_action, []).append(path)
        cache = {key: _collapse(value) for key, value in cache.items()}
        setattr(user, _CACHE_ATTR, cache)
    return cache.get(action, [])


def has_scope(user, action: str = "view") -> bool:
    """Does ``user`` hold ``action`` anywhere (superusers: everywhere)?"""
    return scope_paths(user, action) != []


def forget_scopes(user) -> None:
    """Drop the cached scope after the user's grants changed."""
    for attr in (_CACHE_ATTR, "_luoshi_actor_org"):
        if hasattr(user, attr):
            delattr(user, attr)


def path_in_scope(path: str, paths: list[str] | None) -> bool:
    if paths is ALL:
        return True
    return any(path.startswith(prefix) for prefix in paths)


def can(user, action: str, org) -> bool:
    """May ``user`` perform ``action`` on records owned by ``org``?"""
    return path_in_scope(org.path, scope_paths(user, action))


NOTHING = Q(pk__in=[])
PATH_MAX = 255


def subtree_q(field: str, path: str) -> Q:
    """``field`` lies in the subtree at ``path``: a range on the materialized path.

    Equivalent to ``startswith`` (path steps use only 0-9A-Z, which sort below "Z" in every
    collation), but a range uses the B-tree index on SQLite and PostgreSQL alike, where
    ``LIKE 'p%'`` does not (SQLite's LIKE is case-insensitive; PostgreSQL needs C collation).
    """
    return Q(**{f"{field}__range": (path, path + "Z" * (PATH_MAX - len(path)))})


def under_paths(paths, field: str = "org_path") -> Q:
    """Any of the subtrees at ``paths``."""
    q = NOTHING
    for path in paths:
        q |= subtree_q(field, path)
    return q


if TYPE_CHECKING:  # the mixins are used on QuerySet subclasses only
    QuerySetMixinBase = models.QuerySet[Any]
else:
    QuerySetMixinBase = object


class ScopedQuerySetMixin(QuerySetMixinBase):
    scope_field = "org_path"

    def own_q(self, user, action: str, paths: list[str]) -> Q | None:
        """Records visible to ``user`` beyond their role subtrees (e.g. their own). Override."""
        return None

    def scope_q(self, user, action: str, paths: list[str], where: Q | None) -> Q:
        """The rows ``user`` may see (their subtrees, then ``own_q``), restricted to ``where``.

        A model whose visibility has several branches may override this to filter each branch
        with ``where`` on its own index (``cases.models.CaseQuerySet``: scope first).
        """
        q = under_paths(paths, self.scope_field)
        extra = self.own_q(user, action, paths)
        if extra is not None:
            q |= extra
        return q if where is None else q & where

    def visible_to(self, user, action: str = "view", where: Q | None = None):
        """Rows ``user`` may act on with ``action``; ``where`` (conditions on the model's own
        fields) is applied with the scope, so a model can push it into each visibility branch."""
        paths = scope_paths(user, action)
        if paths is ALL:
            return self if where is None else self.filter(where)
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(self.scope_q(user, action, paths, where))


class ScopedQuerySet(ScopedQuerySetMixin, models.QuerySet):
    pass
