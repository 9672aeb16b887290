"""Location → grid → community → street, by point-in-polygon over the grids (shapely STRtree).

The index is built once per process from all active grids with a boundary and rebuilt when the
grids change (a cheap fingerprint query: count and latest change of grid rows).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from orgs.models import Org, OrgKind


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

    def _current_fingerprint(self):
        grids = Org.objects.filter(kind=OrgKind.GRID, archived_at__isnull=True, geometry__isnull=False)
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
        self._fingerprint = fingerprint

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


_index = GridIndex()


def place_of_org(org: Org | None) -> Place:
    """The grid/community/street of an org (any node of the administrative tree)."""
    if org is None:
        return Place(None, None, None)
    chain = [*Org.objects.get_ancestors(org), org]
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
