"""Small request helpers shared by the pages and the API."""

from __future__ import annotations

import os

from django.conf import settings


def client_ip(request) -> str:
    """The client address, for rate limits. Behind reverse proxies set ``LUOSHI_TRUSTED_PROXIES``
    to how many proxies append to X-Forwarded-For; otherwise the header is ignored (the client
    controls it) and REMOTE_ADDR is used."""
    proxies = getattr(settings, "LUOSHI_TRUSTED_PROXIES", None)
    if proxies is None:
        proxies = os.environ.get("LUOSHI_TRUSTED_PROXIES", "0")
    proxies = int(proxies or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
