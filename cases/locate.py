"""Location → grid → community → street, by point-in-polygon over the grids (shapely STRtree).

The index is built once per process from all active grids with a boundary (``GRIDS``, a
``core.procache.ProcessCache``) and built again after any org changes, in this process at once and
in the others within a second.

The district's extent is the district's own boundary (when it has one) plus every grid; a point
farther than ``LUOSHI_GEO_MARGIN_M`` metres (default 2000) from all of them is refused
(``check_in_district``), measured in a local equirectangular projection (metres east/north).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from shapely import STRtree
from shapely.affinity import affine_transform
from shapely.geometry import Point, shape

from core.errors import ServiceError
from core.procache import ProcessCache
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


METRES_PER_DEGREE = 111_320.0


class Grids:
    """The grids' outlines and the district's extent, built once from the org tree."""

    def __init__(self, rows: list[tuple[int, dict]], districts: list[dict]):
        self.ids: list[int] = [pk for pk, _ in rows]
        shapes = [shape(geometry) for _, geometry in rows]
        self.tree: STRtree | None = STRtree(shapes) if shapes else None
        extent = [*shapes]
        for geometry in districts:
            try:
                extent.append(shape(geometry))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
        self.extent: STRtree | None = None  # grids and district boundaries, in metres
        self.scale = (1.0, 1.0)
        if extent:
            latitude = sum(g.centroid.y for g in extent) / len(extent)
            self.scale = (METRES_PER_DEGREE * math.cos(math.radians(latitude)), METRES_PER_DEGREE)
            self.extent = STRtree([self.metres(g) for g in extent])

    def metres(self, geometry):
        kx, ky = self.scale
        return affine_transform(geometry, [kx, 0, 0, ky, 0, 0])

    def within_district(self, longitude: float, latitude: float, margin: float) -> bool | None:
        """Whether the point lies within ``margin`` metres of the district; None when no boundary is known."""
        if self.extent is None:
            return None
        point = self.metres(Point(longitude, latitude))
        return len(self.extent.query(point, predicate="dwithin", distance=margin)) > 0

    def grid_id_at(self, longitude: float, latitude: float) -> int | None:
        if self.tree is None:
            return None
        for index in self.tree.query(Point(longitude, latitude), predicate="intersects"):
            return self.ids[int(index)]
        return None


def _load_grids() -> Grids:
    live = Org.objects.filter(archived_at__isnull=True, geometry__isnull=False)
    rows = list(live.filter(kind=OrgKind.GRID).order_by("path").values_list("id", "geometry"))
    return Grids(rows, list(live.filter(kind=OrgKind.DISTRICT).values_list("geometry", flat=True)))


# This process's copy of the grid outlines (core.procache): every located report reads it.
# Invalidated with the org tree (orgs.selectors.TREE_COPIES, cases/apps.py) — an outline edited in
# place is seen too, which the former fingerprint (count, last id and path of the grids) missed.
GRIDS: ProcessCache[Grids] = ProcessCache("cases.grids", _load_grids)


def margin_metres() -> float:
    return float(getattr(settings, "LUOSHI_GEO_MARGIN_M", 2000))


def check_in_district(longitude: float, latitude: float, *, field: str = "location") -> None:
    """Refuse a point outside the district's boundary (plus the margin). NaN and ∞ are refused too."""
    if not (math.isfinite(longitude) and math.isfinite(latitude)):
        raise ServiceError("位置坐标必须是有效的数字", field=field)
    margin = margin_metres()
    if GRIDS.get().within_district(longitude, latitude, margin) is False:
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
    grid_id = GRIDS.get().grid_id_at(longitude, latitude)
    if grid_id is None:
        return Place(None, None, None)
    return place_of_org(Org.objects.get(pk=grid_id))
