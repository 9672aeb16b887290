"""Small helpers every service shares: today's local date and clean text input.

The actor type (a user, or ``SYSTEM``) lives in ``core.actors``; the permission check
``require`` needs the roles and lives in ``orgs.permissions``.
"""

from __future__ import annotations

import datetime as dt

from . import clock
from .errors import ServiceError

CST = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai (no daylight saving)


def today() -> dt.date:
    """Today's date in Asia/Shanghai, by the business clock (``core.clock``)."""
    return clock.now().astimezone(CST).date()


def clean_text(value, field: str, label: str, *, required: bool = False, limit: int = 200) -> str:
    """``value`` stripped (None → ""); refuses an empty required value and one over ``limit``."""
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ServiceError(f"{label}不能超过{limit}字", field=field)
    return value
