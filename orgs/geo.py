"""Grid geometry (网格边界): GeoJSON polygons checked and indexed with shapely."""

from __future__ import annotations

from shapely.geometry import shape
from shapely.validation import explain_validity


def check_polygon(geometry: dict) -> str | None:
    """Return a Chinese error message, or None for a valid GeoJSON Polygon/MultiPolygon in lon/lat."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon"
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return "边界坐标格式不正确"
    if geom.is_empty:
        return "边界不能为空"
    if not geom.is_valid:
        return f"边界不是有效的多边形({explain_validity(geom)})"
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "边界坐标应为经纬度(经度在前)"
    return None
