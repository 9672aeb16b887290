"""Public reports (公开事项, FixMyStreet's map and list) and the report form's map helpers.

**Which cases are public.** A case is listed on ``/reports/`` when it is marked public
(``Case.is_public``, on by default; the dispatcher can withdraw it with 公开设置, audited), its
category accepts public reports, and the dispatcher has accepted it (立案: registered or later,
never merged, rejected or still being checked). Listing shows no personal data: no names, no
phone numbers, no description text, no house numbers (the community and the road only), the
point rounded to 4 decimals (≈10 m), the report photos only while the case is public, and long
digit runs of the title masked. The unit's answer is the lead unit's feedback once given.

**Nearby before submitting** (已有人反映): open listed cases of the same category within
``LUOSHI_NEARBY_METRES`` (default 300 m) of the chosen point, or in the same grid (or community
when no point is chosen). A resident can follow (关注) one instead of reporting again: one follow
per client address and case (``CaseFollow``), shown as a count.

**The map's data.** The grid outlines as a cached GeoJSON document (simplified, rounded, with an
ETag), community label points, and the place search over the district's own names (streets,
communities, grids and the roads named in public cases) plus a geocoder when one is configured
(``cases.geocode``). All coordinates are WGS-84 (docs/map.md).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from orgs.models import Org, OrgKind

from .models import OPEN_STATUSES, AssignmentRole, Case, CaseAssignment, CaseFollow, CaseStatus

LISTED_STATUSES = (
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.RETURNED,
    CaseStatus.HANDLING,
    CaseStatus.FED_BACK,
    CaseStatus.PARKED,
    CaseStatus.CLOSED,
)
OPEN_LISTED = tuple(s for s in LISTED_STATUSES if s in OPEN_STATUSES)
CACHE_SECONDS = 300
LIST_CACHE_SECONDS = 60
SIMPLIFY_DEGREES = 0.00003  # ≈3 m: invisible at street zoom, a third of the bytes
METRES_PER_DEGREE = 111_320.0
ROAD = re.compile(r"([\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:大道|路|街|巷|道|胡同|弄))")
LONG_DIGITS = re.compile(r"\d{7,}")


def listed_cases():
    """Every case the public pages may show (see the module docstring)."""
    return Case.objects.filter(is_public=True, status__in=LISTED_STATUSES).filter(
        Q(category__isnull=True) | Q(category__accepts_public=True)
    )


# ---------------------------------------------------------------------------------------------
# Grids as GeoJSON, places


def _grids():
    return Org.objects.filter(kind=OrgKind.GRID, archived_at__isnull=True, geometry__isnull=False)


def _grid_version() -> str:
    stats = _grids().aggregate(n=Count("pk"), last=Max("pk"), path=Max("path"))
    return f"{stats['n']}:{stats['last']}:{stats['path']}"


def _admin_names() -> dict[str, Org]:
    kinds = (OrgKind.STREET, OrgKind.TOWN, OrgKind.COMMUNITY, OrgKind.VILLAGE)
    return {o.path: o for o in Org.objects.filter(kind__in=kinds, archived_at__isnull=True)}


def _round(value, digits: int = 5):
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    return round(float(value), digits)


@dataclass(frozen=True)
class GridMap:
    body: bytes  # the GeoJSON FeatureCollection
    gzipped: bytes  # the same, gzip-compressed once (sent to browsers that accept it)
    etag: str
    places: list[dict]  # streets and communities (with bounds), for the place search


def grid_map() -> GridMap:
    """The grid outlines and community labels, rebuilt when a grid is added or archived (cached)."""
    key = f"cases:grid-map:v1:{_grid_version()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    admin = _admin_names()
    steplen = Org.steplen
    features = []
    shapes_of: dict[str, list] = {}
    places = []
    for pk, name, path, geometry in _grids().values_list("pk", "name", "path", "geometry")[:5000]:
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        community = admin.get(path[:-steplen])
        street = admin.get(path[: -2 * steplen])
        simple = geom.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        outline = mapping(simple)
        features.append(
            {
                "type": "Feature",
                "properties": {"id": pk, "n": name, "c": community.pk if community else None},
                "geometry": {"type": outline["type"], "coordinates": _round(outline["coordinates"])},
            }
        )
        for parent in (community, street):
            if parent is not None:
                shapes_of.setdefault(parent.path, []).append(geom)
        places.append(
            _place("grid", pk, name, geom.bounds, community, street, community.pk if community else None)
        )
    for path, geoms in shapes_of.items():
        org = admin[path]
        union = unary_union(geoms)
        is_community = org.kind in (OrgKind.COMMUNITY, OrgKind.VILLAGE)
        street = admin.get(path[:-steplen]) if is_community else None
        places.append(
            _place(
                "community" if is_community else "street",
                org.pk,
                org.name,
                union.bounds,
                None,
                street,
                org.pk if is_community else None,
            )
        )
        if is_community:
            label = union.representative_point()
            features.append(
                {
                    "type": "Feature",
                    "properties": {"label": org.name, "c": org.pk},
                    "geometry": {"type": "Point", "coordinates": _round([label.x, label.y])},
                }
            )
    body = json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
    )
    data = body.encode()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    result = GridMap(data, gzip.compress(data, 6, mtime=0), etag, places)
    cache.set(key, result, CACHE_SECONDS)
    return result


def _place(kind, pk, name, bounds, community, street, area) -> dict:
    within = " · ".join(o.name for o in (street, community) if o is not None)
    return {
        "kind": kind,
        "id": pk,
        "name": name,
        "within": within,
        "bounds": _round(bounds),
        "area": area,
    }


KIND_LABELS = {
    "street": "街道/乡镇",
    "community": "社区/村",
    "grid": "网格",
    "road": "道路",
    "geocoder": "地名",
}
KIND_ORDER = {"street": 0, "community": 1, "road": 2, "grid": 3}


def road_of(address: str) -> str:
    """The road named in an address (桃花岭路 12 号 → 桃花岭路), or ""; never the house number."""
    match = ROAD.search(address or "")
    return match.group(1) if match else ""


def _roads() -> list[dict]:
    """Roads named in the addresses of public cases, with the mean of their points (cached)."""
    key = "cases:public-roads:v1"
    roads = cache.get(key)
    if roads is None:
        points: dict[str, list[tuple[float, float]]] = {}
        rows = (
            listed_cases()
            .exclude(address="")
            .filter(longitude__isnull=False, latitude__isnull=False)
            .order_by("-created_at")
            .values_list("address", "longitude", "latitude")[:5000]
        )
        for address, lon, lat in rows:
            road = road_of(address)
            if road:
                points.setdefault(road, []).append((lon, lat))
        roads = []
        for road, pts in points.items():
            lon = sum(p[0] for p in pts) / len(pts)
            lat = sum(p[1] for p in pts) / len(pts)
            roads.append(
                {
                    "kind": "road",
                    "id": None,
                    "name": road,
                    "within": "",
                    "point": _round([lon, lat]),
                    "area": None,
                }
            )
        cache.set(key, roads, CACHE_SECONDS)
    return roads


def search_places(query: str, *, limit: int = 10, geocoder=None) -> list[dict]:
    """The district's places whose name contains ``query`` (streets and communities first), then
    the geocoder's answer when one is configured. Each: kind, kind_label, name, within, and
    ``bounds`` [w, s, e, n] or ``point`` [lon, lat], ``area`` (the community to choose)."""
    query = (query or "").strip()[:40]
    if not query:
        return []
    found = [p for p in [*grid_map().places, *_roads()] if query in p["name"]]
    found.sort(key=lambda p: (KIND_ORDER.get(p["kind"], 9), not p["name"].startswith(query), len(p["name"])))
    found = found[:limit]
    if geocoder is not None and len(found) < limit:
        try:
            hit = geocoder.locate(query)
        except Exception:  # noqa: BLE001  (an outside service failing must not break the search)
            hit = None
        if hit is not None:
            found.append(
                {
                    "kind": "geocoder",
                    "id": None,
                    "name": hit.name,
                    "within": "",
                    "point": _round([hit.longitude, hit.latitude]),
                    "area": None,
                }
            )
    return [{**p, "kind_label": KIND_LABELS.get(p["kind"], "")} for p in found]


def community_centre(community: Org) -> tuple[float, float] | None:
    """A point inside the community (its grids' union), for a report without GPS or a map click."""
    for place in grid_map().places:
        if place["kind"] == "community" and place["id"] == community.pk:
            w, s, e, n = place["bounds"]
            return (w + e) / 2, (s + n) / 2
    return None


# ---------------------------------------------------------------------------------------------
# Public list and case page


def mask_title(title: str) -> str:
    return LONG_DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), title)


def answers(cases) -> dict[int, tuple[str, str]]:
    """The lead unit's answer (its name, its feedback text) per case id, where given."""
    rows = (
        CaseAssignment.objects.filter(case__in=[c.pk for c in cases], role=AssignmentRole.LEAD)
        .exclude(feedback="")
        .select_related("org")
        .order_by("case_id", "-fed_back_at")
    )
    result: dict[int, tuple[str, str]] = {}
    for row in rows:
        result.setdefault(row.case_id, (row.org.name, row.feedback))
    return result


def public_rows(cases) -> list[dict]:
    """What the public pages show of each case: nothing personal (see the module docstring)."""
    cases = list(cases)
    given = answers(cases)
    follows = dict(
        CaseFollow.objects.filter(case__in=[c.pk for c in cases]).values_list("case").annotate(n=Count("pk"))
    )
    rows = []
    for case in cases:
        unit, answer = given.get(case.pk, ("", ""))
        rows.append(
            {
                "number": case.number,
                "title": mask_title(case.title),
                "category": case.category.name if case.category_id else "",
                "street": case.street.name if case.street_id else "",
                "community": case.community.name if case.community_id else "",
                "road": road_of(case.address),
                "status": case.get_status_display(),
                "status_colour": case.status_colour,
                "is_open": case.is_open,
                "reported_on": case.created_at,
                "closed_on": case.closed_at,
                "unit": unit,
                "answer": answer if case.status in (CaseStatus.FED_BACK, CaseStatus.CLOSED) else "",
                "follows": follows.get(case.pk, 0),
                "point": _round([case.longitude, case.latitude], 4) if case.has_location else None,
            }
        )
    return rows


@dataclass
class PublicFilters:
    street: Org | None = None
    community: Org | None = None
    category_id: int | None = None
    state: str = ""  # open / closed


def filtered(filters: PublicFilters):
    cases = listed_cases().select_related("category", "street", "community")
    if filters.community is not None:
        cases = cases.filter(community=filters.community)
    elif filters.street is not None:
        cases = cases.filter(street=filters.street)
    if filters.category_id:
        cases = cases.filter(category_id=filters.category_id)
    if filters.state == "open":
        cases = cases.filter(status__in=OPEN_LISTED)
    elif filters.state == "closed":
        cases = cases.filter(status=CaseStatus.CLOSED)
    return cases.order_by("-created_at", "-pk")


def public_page(filters: PublicFilters, page: int, per_page: int = 20) -> tuple[list[dict], int]:
    """One page of public rows and the total count, cached for a minute."""
    key = (
        "cases:public-list:v1:"
        + hashlib.sha256(
            repr(
                (
                    filters.street.pk if filters.street else None,
                    filters.community.pk if filters.community else None,
                    filters.category_id,
                    filters.state,
                    page,
                    per_page,
                )
            ).encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cases = filtered(filters)
        total = cases.count()
        start = (page - 1) * per_page
        cached = (public_rows(cases[start : start + per_page]), total)
        cache.set(key, cached, LIST_CACHE_SECONDS)
    return cached


def map_points(filters: PublicFilters, limit: int = 1000) -> list[dict]:
    """The points of the filtered public cases (newest first) for the public map."""
    cases = filtered(filters).filter(longitude__isnull=False, latitude__isnull=False)[:limit]
    return [
        {
            "number": r["number"],
            "title": r["title"],
            "status": r["status"],
            "open": r["is_open"],
            "point": r["point"],
        }
        for r in public_rows(cases)
    ]


def listed_case(number: str) -> Case:
    return get_object_or_404(listed_cases().select_related("category", "street", "community"), number=number)


# ---------------------------------------------------------------------------------------------
# Nearby before submitting; follow


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def nearby_metres() -> int:
    return int(getattr(settings, "LUOSHI_NEARBY_METRES", 300))


def nearby(
    category_id: int | None,
    *,
    longitude: float | None = None,
    latitude: float | None = None,
    grid: Org | None = None,
    community: Org | None = None,
    limit: int = 5,
) -> list[dict]:
    """Open public cases of the same category near the point (or in the grid/community)."""
    if not category_id:
        return []
    cases = listed_cases().filter(category_id=category_id, status__in=OPEN_LISTED)
    near = Q(pk__in=[])
    if longitude is not None and latitude is not None:
        metres = nearby_metres()
        d_lat = metres / METRES_PER_DEGREE
        d_lon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
        near |= Q(
            longitude__range=(longitude - d_lon, longitude + d_lon),
            latitude__range=(latitude - d_lat, latitude + d_lat),
        )
    if grid is not None:
        near |= Q(grid=grid)
    elif community is not None and longitude is None:
        near |= Q(community=community)
    candidates = list(
        cases.filter(near).select_related("category", "street", "community").order_by("-created_at")[:50]
    )

    def far(case) -> float:
        if longitude is None or latitude is None or not case.has_location:
            return 0.0
        return distance_m(longitude, latitude, case.longitude, case.latitude)

    kept = [
        c
        for c in candidates
        if (grid is not None and c.grid_id == grid.pk)
        or far(c) <= nearby_metres()
        or (community is not None and longitude is None and c.community_id == community.pk)
    ]
    kept.sort(key=far)
    rows = public_rows(kept[:limit])
    for row, case in zip(rows, kept, strict=False):
        row["distance"] = round(far(case)) if longitude is not None and case.has_location else None
    return rows


def client_key(ip: str) -> str:
    """A keyed hash of the client address: enough to count one follow per address, not to find it."""
    return hmac.new(settings.SECRET_KEY.encode(), f"case-follow:{ip}".encode(), hashlib.sha256).hexdigest()


def follow(case: Case, ip: str) -> bool:
    """Record a follow (关注) of a listed open or closed case; False when this address already follows it."""
    try:
        with transaction.atomic():
            CaseFollow.objects.create(case=case, client=client_key(ip))
    except IntegrityError:
        return False
    return True
