"""The base map (底图) of Luoshi's Leaflet maps, from settings.

``LUOSHI_MAP_TILES``:

- empty (default): no base map. Nothing is fetched from outside; the maps show the grid
  boundaries on a plain background with community labels (the offline demo);
- ``tianditu``: 天地图 (needs ``LUOSHI_TIANDITU_KEY``): the vector map ``vec_w`` with its
  annotation layer ``cva_w`` (Web Mercator WMTS, subdomains t0–t7). 天地图 is in CGCS2000,
  which is WGS-84 to within centimetres: our coordinates are drawn as they are;
- an XYZ URL template (``https://…/{z}/{x}/{y}.png``, ``{s}`` for ``LUOSHI_MAP_SUBDOMAINS``),
  with ``LUOSHI_MAP_CRS`` = ``wgs84`` (default; OpenStreetMap-like providers) or ``gcj02``
  (高德, 腾讯: the browser shifts our WGS-84 points onto the tiles and clicks back, core.coords).

``LUOSHI_MAP_ATTRIBUTION`` overrides the attribution line. Points and boundaries are always
stored in WGS-84 whatever the base map (docs/map.md). The tile hosts are added to the
Content-Security-Policy ``img-src`` of the pages that show a map, only when configured
(``allow_tiles``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TIANDITU = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
TIANDITU_SUBDOMAINS = "01234567"
TIANDITU_ATTRIBUTION = "天地图 © 国家地理信息公共服务平台"


@dataclass(frozen=True)
class TileLayer:
    url: str  # Leaflet template: {s} {z} {x} {y}
    subdomains: str = ""
    attribution: str = ""
    max_zoom: int = 18

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "subdomains": self.subdomains,
            "attribution": self.attribution,
            "maxZoom": self.max_zoom,
        }

    def hosts(self) -> list[str]:
        parts = urlsplit(self.url)
        if "{s}" not in parts.netloc:
            return [f"{parts.scheme}://{parts.netloc}"]
        return [f"{parts.scheme}://{parts.netloc.replace('{s}', s)}" for s in self.subdomains]


@dataclass(frozen=True)
class BaseMap:
    layers: list[TileLayer] = field(default_factory=list)
    crs: str = "wgs84"  # what the tiles are drawn in: wgs84 or gcj02

    @property
    def offline(self) -> bool:
        return not self.layers

    def as_json(self) -> dict:
        return {"tiles": [layer.as_json() for layer in self.layers], "crs": self.crs}

    def hosts(self) -> list[str]:
        hosts: list[str] = []
        for layer in self.layers:
            hosts.extend(h for h in layer.hosts() if h not in hosts)
        return hosts


def base_map(
    tiles: str | None = None,
    *,
    key: str | None = None,
    crs: str | None = None,
    subdomains: str | None = None,
    attribution: str | None = None,
) -> BaseMap:
    """The configured base map (arguments default to the settings). Misconfiguration (tianditu
    without a key, a template that is not http(s)) raises ValueError: ``luoshi check`` shows it."""
    tiles = (getattr(settings, "LUOSHI_MAP_TILES", "") if tiles is None else tiles).strip()
    key = (getattr(settings, "LUOSHI_TIANDITU_KEY", "") if key is None else key).strip()
    crs = (getattr(settings, "LUOSHI_MAP_CRS", "") if crs is None else crs).strip().lower() or "wgs84"
    subdomains = getattr(settings, "LUOSHI_MAP_SUBDOMAINS", "") if subdomains is None else subdomains
    attribution = getattr(settings, "LUOSHI_MAP_ATTRIBUTION", "") if attribution is None else attribution
    if not tiles or tiles.lower() in {"off", "none"}:
        return BaseMap()
    if tiles.lower() == "tianditu":
        if not key:
            raise ValueError("LUOSHI_MAP_TILES=tianditu needs LUOSHI_TIANDITU_KEY (天地图开发者密钥)")
        layers = [
            TileLayer(
                TIANDITU.format(s="{s}", layer=layer, z="{z}", x="{x}", y="{y}", key=key),
                TIANDITU_SUBDOMAINS,
                attribution or TIANDITU_ATTRIBUTION if layer == "vec" else "",
            )
            for layer in ("vec", "cva")
        ]
        return BaseMap(layers, "wgs84")
    if crs not in {"wgs84", "gcj02"}:
        raise ValueError("LUOSHI_MAP_CRS must be wgs84 or gcj02")
    if not tiles.startswith(("https://", "http://")) or not all(p in tiles for p in ("{z}", "{x}", "{y}")):
        raise ValueError("LUOSHI_MAP_TILES must be empty, tianditu or an http(s) URL with {z}, {x} and {y}")
    if "{s}" in tiles and not subdomains:
        subdomains = "abc"
    return BaseMap([TileLayer(tiles, subdomains if "{s}" in tiles else "", attribution)], crs)


def configured() -> BaseMap:
    """The base map of the settings; a misconfiguration (reported by the system check
    luoshi.E010) is logged and the maps are shown without a base map rather than failing."""
    try:
        return base_map()
    except ValueError:
        logger.exception("base map misconfigured: the maps are shown without tiles")
        return BaseMap()


def allow_tiles(response, base: BaseMap | None = None):
    """Let ``response`` load the base map's tiles (its CSP ``img-src``); nothing when offline."""
    hosts = (base or configured()).hosts()
    if hosts:
        update = dict(getattr(response, "_csp_update", None) or {})
        update["img-src"] = [*update.get("img-src", []), *hosts]
        response._csp_update = update
    return response
