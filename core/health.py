"""Checks other apps add to ``/healthz``'s warnings (``core.views.healthz``), registered when their
app is ready so core imports none of them — as ``@periodic`` registers jobs.

A check is ``check(checks, warnings, now)``: it adds its entry to ``checks`` and its name to
``warnings`` when it warns (``workdays.health``: the calendar year running on fallback rules).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WarningCheck = Callable[[dict, list, Any], None]

WARNING_CHECKS: list[WarningCheck] = []


def warning_check(check: WarningCheck) -> WarningCheck:
    """Register ``check`` (a decorator); registering a function twice keeps one."""
    if check not in WARNING_CHECKS:
        WARNING_CHECKS.append(check)
    return check
