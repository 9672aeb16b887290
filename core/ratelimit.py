"""Fixed-window counters in Django's cache: the one implementation behind every rate limit (the
API and Open311 in ``api.ratelimit``, the public ``/report/`` page in ``cases.portal_views``, the
public progress lookups in ``cases.throttle``).

Counting is atomic: ``cache.add`` creates the window's counter (only one of several racing
processes succeeds), everyone else ``cache.incr``s it (an atomic INCR on Redis). If the counter
expired between the failed ``add`` and the ``incr`` (``ValueError``), the loop starts over. So N
parallel requests against a shared cache (``LUOSHI_CACHE_URL``) let exactly ``limit`` through.
With the local-memory default each process counts on its own (the demo: one process).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"600/min"`` → (600, 60); empty or ``"off"`` → None (no limit)."""
    if not rate or rate == "off":
        return None
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()]


def configured_rate(name: str, default: str) -> tuple[int, int] | None:
    """The limit ``"<count>/<period>"`` of the Django setting ``name``, else of the environment
    variable of that name, else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return parse_rate(str(value))


@dataclass(frozen=True)
class Window:
    key: str
    retry_after: int


def _window(scope: str, ident: str, period: int, now: float) -> Window:
    window = int(now // period)
    return Window(
        f"luoshi:rl:{scope}:{period}:{ident}:{window}", max(1, math.ceil((window + 1) * period - now))
    )


def incr(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created with ``timeout``); return the new count."""
    for _ in range(5):
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start the window again
            continue
    raise RuntimeError(f"rate-limit counter {key} keeps expiring")


def hit(scope: str, ident: str, limits: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> list[Window]:
    """Count one request of ``ident`` in every ``(limit, period)`` window; past any limit, take
    the request back out of all of them and raise ``RateLimited`` (a refused request does not
    use up the allowance). Returns the windows counted, for ``release``."""
    now = time.time()
    counted: list[Window] = []
    for limit, period in limits:
        win = _window(scope, ident, period, now)
        count = incr(win.key, period + 1)
        counted.append(win)
        if count > limit:
            release(counted)
            raise RateLimited(win.retry_after)
    return counted


def release(windows: list[Window]) -> None:
    """Give back a counted request (e.g. a report the form then refused)."""
    for win in windows:
        with contextlib.suppress(ValueError):  # the window expired meanwhile: nothing to give back
            cache.decr(win.key)
