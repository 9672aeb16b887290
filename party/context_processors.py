"""Template context of the party pages: whether the signed-in user may open the staff-only
"依据" help panels (``templates/party/_sources.html``).

Official pages and printouts carry no internal text (rule sources, their confidence notes, rule
codes, record ids). The sources stay in the data; they are shown only to the staff who maintain
the rules — the organization department, supervisors and administrators — in a collapsed panel
marked ``data-help`` (``tests/test_official_text.py`` skips such panels and nothing else).
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from orgs.roles import Role

SOURCE_ROLES = (Role.ORG_DEPT, Role.SUPERVISOR, Role.ADMIN)


def sees_sources(user) -> bool:
    """True when ``user`` may see rule sources (the help panels): a current org-department,
    supervisor or administrator grant, or a superuser."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    from orgs.models import RoleGrant

    return RoleGrant.objects.current().filter(user=user, role__in=SOURCE_ROLES).exists()


def sources(request) -> dict:
    user = getattr(request, "user", None)
    return {"show_sources": SimpleLazyObject(lambda: sees_sources(user))}
