"""Geocoders for the place search (地名搜索): an interface and 天地图's, used when a key is set.

The district's own names are searched first (``cases.public.search_places``); a geocoder adds one
answer for what they do not know (a building, a shop). It runs on the server (the key is not sent
to browsers) with a short timeout; tests never call it (they pass a fake ``Geocoder``).
天地图 answers in CGCS2000 ≈ WGS-84, what Luoshi stores (docs/map.md).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class GeocodedPlace:
    name: str
    longitude: float  # WGS-84
    latitude: float


class Geocoder(Protocol):
    def locate(self, query: str) -> GeocodedPlace | None: ...


class TiandituGeocoder:
    URL = "https://api.tianditu.gov.cn/geocoder"

    def __init__(self, key: str, *, prefix: str = "", timeout: float = 3.0):
        self.key, self.prefix, self.timeout = key, prefix, timeout

    def locate(self, query: str) -> GeocodedPlace | None:
        params = urllib.parse.urlencode(
            {"ds": json.dumps({"keyWord": self.prefix + query}, ensure_ascii=False), "tk": self.key}
        )
        request = urllib.request.Request(f"{self.URL}?{params}", headers={"User-Agent": "luoshi"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (fixed https URL)
            data = json.loads(response.read().decode("utf-8"))
        location = data.get("location") if str(data.get("status")) == "0" else None
        if not location:
            return None
        return GeocodedPlace(query, float(location["lon"]), float(location["lat"]))


def configured() -> Geocoder | None:
    """The geocoder of the settings: 天地图 when ``LUOSHI_TIANDITU_KEY`` is set and
    ``LUOSHI_GEOCODER`` is not ``off``; None otherwise (and always under tests)."""
    if getattr(settings, "TESTING", False):
        return None
    key = getattr(settings, "LUOSHI_TIANDITU_KEY", "")
    if not key or getattr(settings, "LUOSHI_GEOCODER", "tianditu").strip().lower() != "tianditu":
        return None
    return TiandituGeocoder(key, prefix=getattr(settings, "LUOSHI_GEOCODER_PREFIX", ""))
