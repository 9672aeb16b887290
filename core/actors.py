"""Who performs an action: a user, or the system itself (``SYSTEM``), named as such.

Services take an ``actor``. A user is checked against their roles; ``SYSTEM`` (periodic jobs,
management commands, the demo builder, data migrations) is allowed everything and recorded as
"系统". ``None`` is not an actor: a service that receives it refuses with a ``TypeError`` (pass
``SYSTEM`` for system actions), so a missing actor can never silently skip the permission checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class System:
    """The system acting on its own behalf (one instance: ``SYSTEM``)."""

    _instance: System | None = None

    def __new__(cls) -> System:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = System()

Actor: TypeAlias = "AbstractUser | System"  # the project's user model is orgs.User (an AbstractUser)

NONE_ACTOR = "actor is None: pass SYSTEM for system actions"


def is_system(actor: Actor | None) -> bool:
    """Is ``actor`` the system? ``None`` is refused (it used to mean "system, skip the checks")."""
    if actor is None:
        raise TypeError(NONE_ACTOR)
    return actor is SYSTEM


def user_or_none(actor) -> Any:
    """The user to store in a "who did it" field (created_by, decided_by …): the signed-in user,
    else ``None`` (SYSTEM, or an anonymous resident on the public pages). Typed ``Any``: the fields
    expect the project's user model (``orgs.User``), which core may not import."""
    return actor if getattr(actor, "is_authenticated", False) else None
