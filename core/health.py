"""Health checks that apps contribute to ``/healthz`` (core imports no domain app).

    from core.health import warning_check

    @warning_check("calendar")
    def calendar_check(now) -> dict:
        return {"ok": ..., "year": now.year}

A warning check returns a dict with at least ``ok``; ``/healthz`` shows it under ``checks[name]``
and lists ``name`` among the warnings when ``ok`` is false (``?strict=1`` turns warnings into a
503). Checks run in the order they registered, after core's own (worker, periodic jobs).
"""

from __future__ import annotations

from collections.abc import Callable

WarningCheck = Callable[[object], dict]

_WARNING_CHECKS: dict[str, WarningCheck] = {}


def warning_check(name: str) -> Callable[[WarningCheck], WarningCheck]:
    """Register ``fn(now) -> {"ok": bool, …}`` as the warning check ``name``."""

    def register(fn: WarningCheck) -> WarningCheck:
        _WARNING_CHECKS[name] = fn
        return fn

    return register


def warning_checks() -> list[tuple[str, WarningCheck]]:
    return list(_WARNING_CHECKS.items())


# Whether this installation holds demo data (the banner on every page): apps that know register.
_DEMO_PROBES: list[Callable[[], bool]] = []


def demo_probe(fn: Callable[[], bool]) -> Callable[[], bool]:
    """Register ``fn() -> bool``: true when the installation holds demo data."""
    if fn not in _DEMO_PROBES:
        _DEMO_PROBES.append(fn)
    return fn


def is_demo() -> bool:
    return any(probe() for probe in _DEMO_PROBES)
