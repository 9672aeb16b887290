import datetime
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import clock
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.scoping import has_scope

from . import feedback, hotspots, selectors
from .classify import suggest

MAX_TEXT = 5000


FIELD_ID = re.compile(r"^[a-z_]{1,40}$")


@require_GET
def suggest_fragment(request):
    """htmx: top-3 category suggestions for the text being typed (dispatch staff only)."""
    if not request.user.is_authenticated or not has_scope(request.user, "dispatch"):
        return HttpResponseForbidden("无权使用分类建议")
    text = (request.GET.get("text") or request.GET.get("description") or "")[:MAX_TEXT]
    fill = request.GET.get("fill", "")  # the id of the category field that 填入 sets
    context = {"suggestions": suggest(text), "text": text}
    context["fill_target"] = fill if FIELD_ID.match(fill) else ""
    return render(request, "intel/_suggestions.html", context)


def _month(raw: str, today: datetime.date) -> tuple[datetime.date, str]:
    try:
        year, _dash, mon = raw.partition("-")
        return (datetime.date(int(year), int(mon), 1) if raw else selectors.month_start(today)), ""
    except ValueError:
        return selectors.month_start(today), "月份格式应为 YYYY-MM"


@require_GET
def hot_spot_page(request):
    """热点分析 / 每月一题: monthly hot spots by category × community and grid, rising categories,
    repeat reporters (masked) and locations, a trend chart and a map (supervise roles)."""
    if not request.user.is_authenticated or not has_scope(request.user, "supervise"):
        return render(request, "cases/forbidden.html", {"message": "无权查看热点分析"}, status=403)
    month, error = _month(request.GET.get("month", ""), clock.now().date())
    user = request.user
    data = selectors.hot_spots(user, month)
    tasks = hotspots.tasks_for(user, data["month"])
    for cell in data["cells"]:
        community = cell["community"]
        cell["task"] = tasks.get((cell["category"].pk, community.pk if community else None))
    is_admin = has_scope(user, "change")
    return render(
        request,
        "intel/hot_spots.html",
        {
            **data,
            "error": error,
            "previous": selectors.add_months(data["month"], -1),
            "next": selectors.add_months(data["month"], 1),
            "grid_cells": hotspots.grid_cells(user, data["month"]),
            "reporters": hotspots.repeat_reporters(user, data["month"]),
            "locations": hotspots.repeat_locations(user, data["month"]),
            "trend": hotspots.trend(user, data["month"]),
            "map": hotspots.grid_map(user, data["month"]),
            "model": selectors.model_status() if is_admin else None,
            "acceptance": feedback.acceptance(user) if is_admin else None,
            "active_nav": "intel_hot_spots",
        },
    )


@require_GET
def model_page(request):
    """分类模型: the versions of the category model, their guard decision on the fixed validation
    set and the acceptance rate of their suggestions (dispatch centre and supervisors)."""
    user = request.user
    if not user.is_authenticated or not (has_scope(user, "dispatch") or has_scope(user, "supervise")):
        return render(request, "cases/forbidden.html", {"message": "无权查看分类模型"}, status=403)
    return render(
        request,
        "intel/models.html",
        {"versions": selectors.model_versions(user), "active_nav": "intel_models"},
    )


@login_required
@require_POST
def hot_spot_task(request):
    """转为督办任务: one hot spot (month × 小类 × 社区) becomes a 每月一题 workplan task."""
    from cases.models import Category
    from orgs.models import Org

    month, error = _month(request.POST.get("month", ""), clock.now().date())
    back = f"{reverse('intel:hot_spots')}?month={month:%Y-%m}"
    if error:
        messages.error(request, error)
        return redirect(back)
    category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
    community = Org.objects.filter(pk=request.POST.get("community") or 0).first()
    try:
        spot = hotspots.create_hot_spot_task(
            actor=request.user, month=month, category=category, community=community
        )
    except PermissionDenied as error:
        return render(request, "cases/forbidden.html", {"message": error.message}, status=403)
    except (ServiceError, StateConflict) as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, f"已转为督办任务:{spot.task.title}")
    return redirect(back)
