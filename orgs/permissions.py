"""The permission check every service makes before it changes anything.

``actor`` is a user or ``core.actors.SYSTEM``. SYSTEM may do anything; a user needs a role that
allows ``action`` over ``org`` (``orgs.scoping.can``); ``None`` is refused with a ``TypeError``.
"""

from __future__ import annotations

from core.actors import Actor, is_system
from core.errors import PermissionDenied

from .scoping import ALL, can, scope_paths


def require(actor: Actor, action: str, org, message: str) -> None:
    """Refuse (``PermissionDenied(message)``) unless ``actor`` may ``action`` on ``org``'s records.

    A user is refused when ``org`` is None (nothing to hold a role over)."""
    if is_system(actor):
        return
    if org is None or not can(actor, action, org):
        raise PermissionDenied(message)


def require_everywhere(actor: Actor, action: str, message: str) -> None:
    """Refuse unless ``actor`` may ``action`` everywhere (SYSTEM, or a system administrator)."""
    if is_system(actor):
        return
    if scope_paths(actor, action) is not ALL:
        raise PermissionDenied(message)
