"""热点分析 and 每月一题: the month's hot spots beyond the category × community counts of
``intel.selectors.hot_spots`` — per grid, repeat reporters (masked), repeat locations, a six-month
trend, an SVG map of grid outlines coloured by count — and the one write: turning a hot spot into
a workplan task for the supervision office (转为督办任务), recorded as ``HotSpotTask``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import Counter, defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from audit import events
from audit.services import record
from core import clock
from core.actors import user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.scoping import can

from .selectors import add_months, day_bounds, month_start

HOT_SPOT_TASK = events.register("intel.hot_spot_task", "热点转为督办任务")
PLAN_TITLE = "{year}年每月一题(热点督办)"
TASK_DAYS = 30
MIN_REPEAT = 2


def _month_cases(user, month: datetime.date):
    from cases.models import Case

    start, end = day_bounds(month, add_months(month, 1))
    return Case.objects.visible_to(user, "supervise").filter(created_at__gte=start, created_at__lt=end)


def reporter_key(case) -> str | None:
    """A stable pseudonymous id of the reporter (HMAC of the account or phone number, 8 hex
    characters); None for anonymous reports without phone. The phone itself is never shown."""
    if case.reporter_user_id:
        raw = f"user:{case.reporter_user_id}"
    else:
        phone = case.reporter_phone_clear() if case.reporter_phone_encrypted else ""
        if not phone:
            return None
        raw = f"phone:{phone}"
    return hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()[:8]


def repeat_reporters(user, month: datetime.date, *, top: int = 10) -> list[dict]:
    """Reporters with ≥ 2 cases this month: hashed id, count and their categories — no name or
    phone (个人信息保护)."""
    groups: dict[str, list] = defaultdict(list)
    cases = _month_cases(user, month).select_related("category")
    for case in cases.only("id", "reporter_user_id", "reporter_phone_encrypted", "category__name"):
        key = reporter_key(case)
        if key:
            groups[key].append(case)
    rows = [
        {
            "key": key,
            "count": len(items),
            "categories": [
                c for c, _n in Counter(i.category.name for i in items if i.category_id).most_common(3)
            ],
        }
        for key, items in groups.items()
        if len(items) >= MIN_REPEAT
    ]
    rows.sort(key=lambda r: (-r["count"], r["key"]))
    return rows[:top]


def repeat_locations(user, month: datetime.date, *, top: int = 10) -> list[dict]:
    """Places reported ≥ 2 times this month: the same point to about 100 m (coordinates rounded to
    0.001°), else the same address text."""
    groups: dict[tuple, list] = defaultdict(list)
    cases = _month_cases(user, month).select_related("grid", "community", "category")
    for case in cases.only(
        "id", "address", "longitude", "latitude", "grid__name", "community__name", "category__name"
    ):
        if case.has_location:
            key = ("p", round(case.longitude, 3), round(case.latitude, 3))
        elif case.address.strip():
            key = ("a", "".join(case.address.split()))
        else:
            continue
        groups[key].append(case)
    rows = []
    for _key, items in groups.items():
        if len(items) < MIN_REPEAT:
            continue
        first = items[0]
        rows.append(
            {
                "address": first.address or (first.grid.name if first.grid_id else ""),
                "place": first.grid or first.community,
                "count": len(items),
                "categories": [
                    c for c, _n in Counter(i.category.name for i in items if i.category_id).most_common(3)
                ],
            }
        )
    rows.sort(key=lambda r: (-r["count"], r["address"]))
    return rows[:top]


def grid_cells(user, month: datetime.date, *, top: int = 15, min_count: int = 2) -> list[dict]:
    """Hot spots at grid level: category × grid with ≥ ``min_count`` cases this month."""
    from cases.models import Category
    from orgs.models import Org

    rows = list(
        _month_cases(user, month)
        .filter(category__isnull=False, grid__isnull=False)
        .values("category_id", "grid_id")
        .annotate(n=Count("id"))
        .filter(n__gte=min_count)
        .order_by("-n", "category_id", "grid_id")[:top]
    )
    categories = Category.objects.in_bulk({r["category_id"] for r in rows})
    grids = Org.objects.in_bulk({r["grid_id"] for r in rows})
    return [
        {"category": categories[r["category_id"]], "grid": grids[r["grid_id"]], "count": r["n"]} for r in rows
    ]


def trend(user, month: datetime.date, *, months: int = 6) -> dict:
    """Monthly case counts for the ``months`` months up to ``month``, with bar geometry for a
    server-rendered SVG chart (no JavaScript, nothing fetched)."""
    from cases.models import Case

    first = add_months(month, -(months - 1))
    start, end = day_bounds(first, add_months(month, 1))
    qs = Case.objects.visible_to(user, "supervise").filter(created_at__gte=start, created_at__lt=end)
    counts = Counter()
    for created in qs.values_list("created_at", flat=True):
        local = timezone.localtime(created)
        counts[(local.year, local.month)] += 1
    bars = []
    peak = max(counts.values(), default=0) or 1
    width, height, gap = 48, 120, 12
    for i in range(months):
        m = add_months(first, i)
        n = counts.get((m.year, m.month), 0)
        h = round(height * n / peak)
        bars.append(
            {
                "label": f"{m.month}月",
                "count": n,
                "x": i * (width + gap) + gap,
                "y": height - h + 20,
                "h": h,
                "w": width,
                "current": m == month,
            }
        )
    return {"bars": bars, "width": months * (width + gap) + gap, "height": height + 44}


def _colour(n: int, peak: int) -> str:
    if n == 0:
        return "#f1f3f5"
    level = min(4, int(4 * n / max(peak, 1)))
    return ["#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#c51b8a"][level]


def grid_map(user, month: datetime.date, *, size: int = 520) -> dict | None:
    """An SVG map: the outlines of the grids in the user's scope (GeoJSON polygons stored on the
    grid orgs), coloured by this month's case count. None when no grid has an outline."""
    from orgs.models import Org, OrgKind

    grids = list(
        Org.objects.visible_to(user, "supervise")
        .filter(kind=OrgKind.GRID, archived_at__isnull=True, geometry__isnull=False)
        .values_list("id", "name", "geometry")[:5000]
    )
    if not grids:
        return None
    counts = dict(
        _month_cases(user, month)
        .filter(grid__isnull=False)
        .values_list("grid_id")
        .annotate(n=Count("id"))
        .values_list("grid_id", "n")
    )
    rings = []
    for gid, name, geometry in grids:
        coords = geometry.get("coordinates") or []
        polys = [coords] if geometry.get("type") == "Polygon" else coords
        for poly in polys:
            if poly and poly[0]:
                rings.append((gid, name, poly[0]))
    if not rings:
        return None
    xs = [p[0] for _g, _n, ring in rings for p in ring]
    ys = [p[1] for _g, _n, ring in rings for p in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = size / max(x1 - x0, y1 - y0, 1e-9)
    peak = max(counts.values(), default=0)
    shapes = []
    for gid, name, ring in rings:
        points = " ".join(f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y, *_z in ring)
        n = counts.get(gid, 0)
        shapes.append({"points": points, "fill": _colour(n, peak), "title": f"{name}:{n}件", "count": n})
    return {
        "shapes": shapes,
        "width": round((x1 - x0) * scale) + 1,
        "height": round((y1 - y0) * scale) + 1,
        "peak": peak,
        "legend": [_colour(v, 4) for v in (1, 2, 3, 4)],
    }


def tasks_for(user, month: datetime.date) -> dict:
    """{(category_id, community_id): HotSpotTask} already created for ``month``."""
    from .models import HotSpotTask

    rows = HotSpotTask.objects.visible_to(user, "supervise").filter(month=month).select_related("task")
    return {(r.category_id, r.community_id): r for r in rows}


# ---------------------------------------------------------------------------------------------
# 转为督办任务


def _plan_for(actor, district, year: int):
    from workplan import services as workplan
    from workplan.models import Plan, PlanState

    title = PLAN_TITLE.format(year=year)
    plan = Plan.objects.filter(org=district, title=title, year=year).exclude(state=PlanState.ARCHIVED).first()
    if plan is None:
        plan = workplan.create_plan(
            actor=actor,
            owner=district,
            title=title,
            year=year,
            source_meeting="热点分析 · 每月一题",
        )
    return plan


@transaction.atomic
def create_hot_spot_task(*, actor, month: datetime.date, category, community=None):
    """Turn the hot spot (``category`` × ``community`` in ``month``) into a task of the year's
    每月一题 plan of the district, led by the 责任清单 unit for the category; once per hot spot."""
    from types import SimpleNamespace

    from cases import selectors as case_selectors
    from orgs.models import Org
    from workplan import services as workplan

    from .models import HotSpotTask

    month = month_start(month)
    area = community
    if area is None:
        raise ServiceError("请选择热点所在社区", field="community")
    if not can(actor, "supervise", area):
        raise PermissionDenied("您没有督办该区域热点的权限")
    if category is None:
        raise ServiceError("请选择热点分类", field="category")
    if HotSpotTask.objects.filter(month=month, category=category, community=community).exists():
        raise StateConflict("该热点已转为督办任务")
    count = _month_cases(actor, month).filter(category=category, community=community).count()
    if count == 0:
        raise ServiceError("该月该社区没有此类事项,不能转为督办任务", field="category")
    district = Org.objects.get(path=area.path[: Org.steplen])
    probe = SimpleNamespace(category_id=category.pk, category=category, org_path=area.path)
    units = [u for u in case_selectors.suggest_units(probe) if u.kind != "grid"][:1]
    plan = _plan_for(actor, district, month.year)
    today = clock.now().date()
    task = workplan.create_task(
        plan,
        actor=actor,
        title=f"每月一题:{area.name}{category.name}问题治理({month.year}年{month.month}月{count}件)",
        description=(
            f"热点分析:{month.year}年{month.month}月{area.name}反映“{category.name}”类事项{count}件,"
            "请牵头单位查明原因,制定并落实治理措施,按月报送进展。"
        ),
        start_on=today,
        deadline=today + datetime.timedelta(days=TASK_DAYS),
        lead_unit=units[0] if units else None,
        expected_result="查明原因、落实治理措施,次月同类事项数下降",
        tags=["每月一题", category.name],
    )
    try:
        with transaction.atomic():
            spot = HotSpotTask.objects.create(
                org=area,
                month=month,
                category=category,
                community=community,
                case_count=count,
                task=task,
                created_by=user_or_none(actor),
                created_at=clock.now(),
            )
    except IntegrityError as error:
        raise StateConflict("该热点已转为督办任务") from error
    record(
        spot,
        HOT_SPOT_TASK,
        actor=actor,
        after={
            "month": f"{month:%Y-%m}",
            "category": category.name,
            "community": area.name,
            "cases": count,
            "task": task.pk,
            "plan": plan.title,
        },
    )
    return spot
