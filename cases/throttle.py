"""Per-address limit on the public progress lookup (``/track/`` and ``/track/<number>/``), so
that tracking codes cannot be tried at speed: ``LUOSHI_TRACK_RATE`` (default ``30/min``,
``off`` to disable) lookups per client address, counted like every other rate limit
(``core.ratelimit``, in the shared cache when there is one)."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render

from core.http import client_ip
from core.ratelimit import RateLimited, configured_rate, hit

from .forms import TrackForm

TRACK_RATE = "LUOSHI_TRACK_RATE"
TRACK_DEFAULT = "30/min"
THROTTLED = "查询过于频繁:同一网络每分钟最多查询 {limit} 次,请 {wait} 秒后再试。"


def track_rate() -> tuple[int, int] | None:
    return configured_rate(TRACK_RATE, TRACK_DEFAULT)


def throttle_lookups(only_with=()):
    """Count each request of the view against ``LUOSHI_TRACK_RATE``; past it, answer the lookup
    page with a Chinese message, HTTP 429 and ``Retry-After``. With ``only_with``, only requests
    carrying one of these query parameters count (an empty lookup form is not a lookup)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not only_with or any(request.GET.get(name) for name in only_with):
                rate = track_rate()
                try:
                    if rate is not None:
                        hit("portal-track", client_ip(request), [rate])
                except RateLimited as limited:
                    return throttled(request, limited.retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def throttled(request, retry_after: int):
    limit = (track_rate() or (0, 0))[0]
    form = TrackForm(initial={"number": request.GET.get("number", "")})
    message = THROTTLED.format(limit=limit, wait=retry_after)
    response = render(
        request, "portal/track.html", {"form": form, "portal_tab": "track", "throttled": message}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
