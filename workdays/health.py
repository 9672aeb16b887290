"""The working-day calendar's health check (registered with ``core.health``): a warning while the
current year's calendar is only estimated (the official holiday arrangement not yet loaded)."""

from django.utils import timezone

from core.health import warning_check

from .calendar import FALLBACK, year_status


@warning_check("calendar")
def calendar_check(now) -> dict:
    year = timezone.localdate(now).year
    status = year_status(year)
    return {"ok": status != FALLBACK, "year": year, "status": status}
