"""``/healthz`` warns when the running year's calendar comes from the fallback rules (no official
holiday data yet): ``core.health`` runs this check."""

from django.utils import timezone

from core.health import warning_check

from .calendar import FALLBACK, year_status


@warning_check
def calendar(checks: dict, warnings: list, now) -> None:
    year = timezone.localdate(now).year
    status = year_status(year)
    checks["calendar"] = {"ok": status != FALLBACK, "year": year, "status": status}
    if status == FALLBACK:
        warnings.append("calendar")
