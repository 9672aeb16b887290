"""Location → grid → community → street, by point-in-polygon over the grids (shapely STRtree).

The index is built once per process from all active grids with a boundary and rebuilt when the
grids change (a cheap fingerprint query: count and latest change of grid rows).

The district's extent is the district's own boundary (when it has one) plus every grid; a point
farther than ``LUOSHI_GEO_MARGIN_M`` metres (default 2000) from all of them is refused
(``check_in_district``), measured in a local equirectangular projection (metres east/north).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from shapely import STRtree
from shapely.affinity import affine_transform
from shapely.geometry import Point, shape

from core.errors import ServiceError
from orgs.models import Org, OrgKind
from orgs.selectors import ancestors


@dataclass(frozen=True)
class Place:
    grid: Org | None
    community: Org | None
    street: Org | None

    @property
    def org(self) -> Org | None:
        """The narrowest org of the place (what the case belongs to)."""
        return self.grid or self.community or self.street


class GridIndex:
    def __init__(self):
        self._lock = threading.Lock()
        self._fingerprint = None
        self._tree: STRtree | None = None
        self._ids: list[int] = []
        self._shapes: list = []
        self._extent: STRtree | None = None  # grids and district boundaries, in metres
        self._scale = (1.0, 1.0)

    def _current_fingerprint(self):
        grids = Org.objects.filter(
            kind__in=(OrgKind.GRID, OrgKind.DISTRICT), archived_at__isnull=True, geometry__isnull=False
        )
        stats = grids.aggregate(n=Count("id"), top=Max("id"), path=Max("path"))
        return (stats["n"], stats["top"], stats["path"])

    def _rebuild(self, fingerprint) -> None:
        rows = Org.objects.filter(
            kind=OrgKind.GRID, archived_at__isnull=True, geometry__isnull=False
        ).values_list("id", "geometry")
        ids, shapes = [], []
        for pk, geometry in rows:
            ids.append(pk)
            shapes.append(shape(geometry))
        self._ids, self._shapes = ids, shapes
        self._tree = STRtree(shapes) if shapes else None
        districts = Org.objects.filter(
            kind=OrgKind.DISTRICT, archived_at__isnull=True, geometry__isnull=False
        ).values_list("geometry", flat=True)
        extent = [*shapes]
        for geometry in districts:
            try:
                extent.append(shape(geometry))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
        if extent:
            latitude = sum(g.centroid.y for g in extent) / len(extent)
            self._scale = (METRES_PER_DEGREE * math.cos(math.radians(latitude)), METRES_PER_DEGREE)
            self._extent = STRtree([self._metres(g) for g in extent])
        else:
            self._extent = None
        self._fingerprint = fingerprint

    def _metres(self, geometry):
        kx, ky = self._scale
        return affine_transform(geometry, [kx, 0, 0, ky, 0, 0])

    def within_district(self, longitude: float, latitude: float, margin: float) -> bool | None:
        """Whether the point lies within ``margin`` metres of the district; None when no boundary is known."""
        fingerprint = self._current_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._rebuild(fingerprint)
            if self._extent is None:
                return None
            point = self._metres(Point(longitude, latitude))
            return len(self._extent.query(point, predicate="dwithin", distance=margin)) > 0

    def grid_id_at(self, longitude: float, latitude: float) -> int | None:
        fingerprint = self._current_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._rebuild(fingerprint)
            if self._tree is None:
                return None
            point = Point(longitude, latitude)
            for index in self._tree.query(point, predicate="intersects"):
                return self._ids[int(index)]
        return None


METRES_PER_DEGREE = 111_320.0
_index = GridIndex()


def margin_metres() -> float:
    return float(getattr(settings, "LUOSHI_GEO_MARGIN_M", 2000))


def check_in_district(longitude: float, latitude: float, *, field: str = "location") -> None:
    """Refuse a point outside the district's boundary (plus the margin). NaN and ∞ are refused too."""
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        raise ServiceError("位置坐标必须是有效的数字", field=field)
    margin = margin_metres()
    if _index.within_district(longitude, latitude, margin) is False:
        raise ServiceError(
            f"所选位置不在本区范围内(距辖区边界超过 {margin:g} 米),请在地图上重新选择位置", field=field
        )


def place_of_org(org: Org | None) -> Place:
    """The grid/community/street of an org (any node of the administrative tree)."""
    if org is None:
        return Place(None, None, None)
    chain = [*ancestors(org), org]  # this process's copy of the tree: no query
    by_kind = {node.kind: node for node in chain}
    return Place(
        by_kind.get(OrgKind.GRID),
        by_kind.get(OrgKind.COMMUNITY) or by_kind.get(OrgKind.VILLAGE),
        by_kind.get(OrgKind.STREET) or by_kind.get(OrgKind.TOWN),
    )


def locate(longitude: float | None, latitude: float | None) -> Place:
    """The place of a point; an empty place when the point lies outside every grid."""
    if longitude is None or latitude is None:
        return Place(None, None, None)
    grid_id = _index.grid_id_at(longitude, latitude)
    if grid_id is None:
        return Place(None, None, None)
    return place_of_org(Org.objects.get(pk=grid_id))
