"""Public map pages and endpoints, without login (cases.public has the rules):

- ``/report/grids.geojson``: the grid outlines for the report form's map (cached, ETag);
- ``/places/?q=``: the place search (rate limited like the other public lookups);
- ``/report/nearby/``: open public cases of the same category near the chosen place (已有人反映);
- ``/reports/``: the public list and map per street/community; ``/reports/<number>/`` one case;
  ``/reports/<number>/follow/`` (POST) follows it (关注).
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from core import maptiles, ratelimit
from core.http import client_ip
from orgs.models import Org, OrgKind

from . import geocode, public
from .forms import community_choices, leaf_categories
from .models import AttachmentStage

SEARCH_RATE = "LUOSHI_PLACE_SEARCH_RATE"
SEARCH_DEFAULT = "60/min"
FOLLOW_LIMITS = ((20, 3600),)
THROTTLED = "操作过于频繁,请稍后再试。"


def _throttled(request, scope: str, limits) -> int | None:
    """Seconds to wait when this client is over ``limits``, else None (and the request counted)."""
    try:
        ratelimit.hit(scope, client_ip(request), limits)
    except ratelimit.RateLimited as limited:
        return limited.retry_after
    return None


@require_GET
def grids_geojson(request):
    data = public.grid_map()
    if request.headers.get("If-None-Match") == data.etag:
        response = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        # compressed once when built: 286 KB → 35 KB for the demo's 1,048 grids (bench/README.md)
        response = HttpResponse(data.gzipped, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(data.body, content_type="application/geo+json")
    patch_vary_headers(response, ["Accept-Encoding"])
    response["ETag"] = data.etag
    patch_cache_control(response, public=True, max_age=public.CACHE_SECONDS)
    return response


@require_GET
def places(request):
    rate = ratelimit.configured_rate(SEARCH_RATE, SEARCH_DEFAULT)
    if rate is not None:
        wait = _throttled(request, "place-search", [rate])
        if wait is not None:
            response = JsonResponse({"error": THROTTLED, "results": []}, status=429)
            response["Retry-After"] = str(wait)
            return response
    results = public.search_places(request.GET.get("q", ""), geocoder=geocode.configured())
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _org(value, kinds) -> Org | None:
    if not str(value or "").isdigit():
        return None
    return Org.objects.filter(pk=int(value), kind__in=kinds, archived_at__isnull=True).first()


@require_GET
def nearby(request):
    """An HTML fragment for the report form: nothing when there is nothing to offer."""
    category = request.GET.get("category", "")
    longitude, latitude = _number(request.GET.get("longitude")), _number(request.GET.get("latitude"))
    if longitude is None or latitude is None:
        longitude = latitude = None
    grid = _org(request.GET.get("grid"), (OrgKind.GRID,))
    community = _org(request.GET.get("area"), (OrgKind.COMMUNITY, OrgKind.VILLAGE))
    rows = public.nearby(
        int(category) if category.isdigit() else None,
        longitude=longitude,
        latitude=latitude,
        grid=grid,
        community=community,
    )
    return render(request, "portal/_nearby.html", {"rows": rows, "metres": public.nearby_metres()})


def _filters(request) -> public.PublicFilters:
    street = _org(request.GET.get("street"), (OrgKind.STREET, OrgKind.TOWN))
    community = _org(request.GET.get("community"), (OrgKind.COMMUNITY, OrgKind.VILLAGE))
    category = request.GET.get("category", "")
    state = request.GET.get("state", "")
    return public.PublicFilters(
        street=street,
        community=community,
        category_id=int(category) if category.isdigit() else None,
        state=state if state in ("open", "closed") else "",
    )


@require_GET
def report_list(request):
    filters = _filters(request)
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    rows, total = public.public_page(filters, number)
    paginator = Paginator(range(total), 20)
    page: Page | None = paginator.get_page(number) if total else None
    streets = Org.objects.filter(kind__in=(OrgKind.STREET, OrgKind.TOWN), archived_at__isnull=True).order_by(
        "path"
    )
    communities = Org.objects.filter(
        kind__in=(OrgKind.COMMUNITY, OrgKind.VILLAGE), archived_at__isnull=True
    ).order_by("path")
    if filters.street is not None:
        communities = communities.filter(path__startswith=filters.street.path)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "query": query.urlencode(),
        "filters": filters,
        "streets": streets,
        "communities": community_choices(communities),
        "categories": leaf_categories(public=True)
        .select_related("parent")
        .order_by("parent__sort", "sort", "code"),
        "points_url": f"{reverse('portal:report_points')}?{query.urlencode()}",
        "map_config": map_config(),
        "portal_tab": "reports",
    }
    return maptiles.allow_tiles(render(request, "portal/reports.html", context))


@require_GET
def report_points(request):
    response = JsonResponse(
        {"points": public.map_points(_filters(request))}, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, public=True, max_age=public.LIST_CACHE_SECONDS)
    return response


@require_GET
def report_detail(request, number: str):
    case = public.listed_case(number)
    (row,) = public.public_rows([case])
    photos = case.attachments.filter(stage=AttachmentStage.REPORT)  # listed: the case is public
    context = {"row": row, "photos": photos, "map_config": map_config(), "portal_tab": "reports"}
    return maptiles.allow_tiles(render(request, "portal/report_detail.html", context))


@require_POST
def follow(request, number: str):
    case = public.listed_case(number)
    wait = _throttled(request, "case-follow", FOLLOW_LIMITS)
    if wait is not None:
        messages.error(request, THROTTLED)
    elif public.follow(case, client_ip(request)):
        messages.success(request, "已关注。您可以随时在本页查看办理进展,无需重复反映。")
    else:
        messages.info(request, "您已关注过这个问题。")
    return redirect("portal:report_detail", number=case.number)


def map_config() -> dict:
    """What map.js needs: the base map (tiles and their CRS) and the data URLs."""
    return {
        **maptiles.configured().as_json(),
        "grids": reverse("portal:grids_geojson"),
        "places": reverse("portal:places"),
        "nearby": reverse("portal:report_nearby"),
        "reports": reverse("portal:report_list"),
    }
