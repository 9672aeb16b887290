"""Who may see cadre supervision records (干部监督): holders of an explicit 干部监督人员 grant.

Not ``core.scoping``: that rule gives superusers everything and lets broad roles through. Here
only a current grant of a role allowing ``cadre_supervise`` (``orgs.roles``: the 干部监督人员 role
alone) counts, at a live org; ``is_superuser`` and ``is_staff`` count for nothing. Every query of
the app starts from ``holder_paths`` (the models' ``visible_to``), every service checks
``require_holder``.
"""

from __future__ import annotations

from core import kit
from core.actors import Actor, is_system
from core.errors import PermissionDenied
from orgs.models import RoleGrant
from orgs.roles import roles_with

ACTION = "cadre_supervise"


def holder_paths(user) -> list[str]:
    """Org paths of the subtrees ``user`` supervises (empty for everyone without the grant)."""
    if user is None or is_system(user) or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    rows = RoleGrant.objects.current(kit.today()).filter(
        user=user, role__in=roles_with(ACTION), org__archived_at__isnull=True
    )
    kept: list[str] = []
    for path in sorted(set(rows.values_list("org_path", flat=True))):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def is_holder(user) -> bool:
    return bool(holder_paths(user))


def covers(user, org_path: str) -> bool:
    return any(org_path.startswith(path) for path in holder_paths(user))


def require_holder(actor: Actor, org_path: str | None, message: str = "您没有干部监督权限") -> None:
    """``PermissionDenied`` unless ``actor`` is SYSTEM or holds the grant over ``org_path``."""
    if is_system(actor):
        return
    if org_path is None or not covers(actor, org_path):
        raise PermissionDenied(message)
