"""Fixed-window rate limits in Django's cache (per API token, per user, per client key, per IP),
counted by ``core.ratelimit`` (atomic increments; the same code as ``/report/``'s limit).

The cache must be shared by all web processes for the limits to hold across them
(``LUOSHI_CACHE_URL``, Redis); with the default local-memory cache each process counts on its
own, which still bounds abuse per process.

Rates are settings ``"<count>/<period>"`` with period ``s``, ``min``, ``h`` or ``d``:
``LUOSHI_API_RATE`` (per token / session user, default 600/min), ``LUOSHI_API_ANON_RATE`` (per IP
before authentication, default 120/min), ``LUOSHI_OPEN311_RATE`` (per IP on public Open311 reads,
default 120/min) and ``LUOSHI_OPEN311_POST_RATE`` (per client key, default 60/min).
"""

from __future__ import annotations

from core.ratelimit import RateLimited, parse_rate
from core.ratelimit import hit as count

from . import conf

__all__ = ["RateLimited", "hit", "parse_rate", "rate_for"]

DEFAULTS = {
    "LUOSHI_API_RATE": "600/min",
    "LUOSHI_API_ANON_RATE": "120/min",
    "LUOSHI_OPEN311_RATE": "120/min",
    "LUOSHI_OPEN311_POST_RATE": "60/min",
}


def rate_for(setting: str) -> tuple[int, int] | None:
    return parse_rate(conf.setting(setting, DEFAULTS[setting]))


def hit(scope: str, ident: str, setting: str) -> None:
    """Count one request of ``ident`` in ``scope``; raise ``RateLimited`` past the limit."""
    rate = rate_for(setting)
    if rate is None:
        return
    count(scope, ident, [rate])
