"""Changes to the working-day calendar's configuration, each recorded in the audit log."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.services import Subject, record, snapshot
from core.actors import user_or_none

from . import events
from .models import CalendarOverride, OfficialYear


def save_override(override: CalendarOverride, *, actor, reason: str = "") -> CalendarOverride:
    """Create or update an override and record it."""
    with transaction.atomic():
        adding = override._state.adding
        before = None if adding else snapshot(CalendarOverride.objects.get(pk=override.pk))
        if adding and override.created_by_id is None:
            override.created_by = user_or_none(actor)
        override.save()
        code = events.OVERRIDE_CREATED if adding else events.OVERRIDE_CHANGED
        record(override, code, actor=actor, before=before, after=snapshot(override), reason=reason)
    return override


def delete_override(override: CalendarOverride, *, actor, reason: str = "") -> None:
    """Delete an override (it is configuration, not a business record), recording it first."""
    with transaction.atomic():
        subject = Subject(override._meta.label_lower, str(override.pk), label=str(override)[:200])
        record(subject, events.OVERRIDE_DELETED, actor=actor, before=snapshot(override), reason=reason)
        override.delete()


def save_official_year(official: OfficialYear, *, actor, reason: str = "") -> OfficialYear:
    """Confirm a year (or change a confirmation's note) and record it."""
    with transaction.atomic():
        adding = official._state.adding
        before = None if adding else snapshot(OfficialYear.objects.get(pk=official.pk))
        if adding:
            official.confirmed_at = timezone.now()
            official.confirmed_by = user_or_none(actor)
        official.save()
        code = events.YEAR_CONFIRMED if adding else events.YEAR_CHANGED
        record(official, code, actor=actor, before=before, after=snapshot(official), reason=reason)
    return official


def confirm_year(year: int, *, actor, note: str = "", reason: str = "") -> tuple[OfficialYear, bool]:
    """Mark ``year``'s official schedule as entered; ``(row, created)``. Idempotent."""
    with transaction.atomic():
        existing = OfficialYear.objects.select_for_update().filter(year=year).first()
        if existing is not None:
            return existing, False
        return save_official_year(OfficialYear(year=year, note=note), actor=actor, reason=reason), True


def unconfirm_year(official: OfficialYear, *, actor, reason: str = "") -> None:
    """Withdraw a year's confirmation: the year goes back to the fallback rules' warning."""
    with transaction.atomic():
        subject = Subject(official._meta.label_lower, str(official.pk), label=str(official))
        record(subject, events.YEAR_UNCONFIRMED, actor=actor, before=snapshot(official), reason=reason)
        official.delete()
