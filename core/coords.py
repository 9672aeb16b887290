"""WGS-84 ↔ GCJ-02 (the "Mars" coordinates of Chinese web maps: 高德, 腾讯, Google 中国).

Luoshi stores every point and boundary in WGS-84 longitude/latitude (EPSG:4326, what phones'
GPS report; 天地图 uses CGCS2000, within a few centimetres of WGS-84). Tiles from a GCJ-02
provider are drawn shifted by up to a few hundred metres, so a map showing them converts our
points to GCJ-02 for display and a click back to WGS-84 before it is stored
(``static/luoshi/map.js`` does the same in the browser; docs/map.md).

The forward transform is the widely published one (Krasovsky ellipsoid constants); it has no
closed-form inverse, so ``gcj02_to_wgs84`` iterates until the round trip is within 1e-7°.
Outside China the two systems coincide.
"""

from __future__ import annotations

import math

A = 6378245.0  # semi-major axis used by the transform
EE = 0.00669342162296594323  # eccentricity squared


def out_of_china(longitude: float, latitude: float) -> bool:
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _offset(longitude: float, latitude: float) -> tuple[float, float]:
    x, y = longitude - 105.0, latitude - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = latitude / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = d_lat * 180.0 / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = d_lon * 180.0 / (A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(longitude: float, latitude: float) -> tuple[float, float]:
    """(lon, lat) in WGS-84 → (lon, lat) in GCJ-02."""
    if out_of_china(longitude, latitude):
        return longitude, latitude
    d_lon, d_lat = _offset(longitude, latitude)
    return longitude + d_lon, latitude + d_lat


def gcj02_to_wgs84(longitude: float, latitude: float) -> tuple[float, float]:
    """(lon, lat) in GCJ-02 → (lon, lat) in WGS-84, by fixed-point iteration (≈1 cm)."""
    if out_of_china(longitude, latitude):
        return longitude, latitude
    lon, lat = longitude, latitude
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        d_lon, d_lat = g_lon - longitude, g_lat - latitude
        lon, lat = lon - d_lon, lat - d_lat
        if abs(d_lon) < 1e-7 and abs(d_lat) < 1e-7:
            break
    return lon, lat
