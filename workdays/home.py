"""Home-page section for administrators: the calendar of this or next year has not been entered."""

from __future__ import annotations

from django.urls import reverse

from core.home import HomeItem, HomeSection, provider
from orgs.scoping import ALL, scope_paths

from .calendar import fallback_years_warning


def is_calendar_admin(user) -> bool:
    """Superusers and users whose grant scope is unrestricted maintain the calendar."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or scope_paths(user, "grant") is ALL


@provider
def workdays_section(user) -> HomeSection | None:
    if not is_calendar_admin(user):
        return None
    warning = fallback_years_warning()
    if not warning:
        return None
    item = HomeItem(
        text=warning,
        url=reverse("admin:workdays_calendaroverride_changelist"),
        badge="待录入",
        level="warning",
    )
    return HomeSection(title="工作日历", items=[item], order=20)
