import datetime

from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import clock
from orgs.scoping import has_scope

from . import selectors
from .classify import suggest

MAX_TEXT = 5000


@require_GET
def suggest_fragment(request):
    """htmx: top-3 category suggestions for the text being typed (dispatch staff only)."""
    if not request.user.is_authenticated or not has_scope(request.user, "dispatch"):
        return HttpResponseForbidden("无权使用分类建议")
    text = (request.GET.get("text") or "")[:MAX_TEXT]
    return render(request, "intel/_suggestions.html", {"suggestions": suggest(text), "text": text})


@require_GET
def hot_spot_page(request):
    """热点分析: monthly counts by category × community and rising categories (supervise roles)."""
    if not request.user.is_authenticated or not has_scope(request.user, "supervise"):
        return render(request, "cases/forbidden.html", {"message": "无权查看热点分析"}, status=403)
    today = clock.now().date()
    raw = request.GET.get("month", "")
    error = ""
    try:
        year, _dash, mon = raw.partition("-")
        month = datetime.date(int(year), int(mon), 1) if raw else selectors.month_start(today)
    except ValueError:
        month, error = selectors.month_start(today), "月份格式应为 YYYY-MM"
    data = selectors.hot_spots(request.user, month)
    return render(
        request,
        "intel/hot_spots.html",
        {
            **data,
            "error": error,
            "previous": selectors.add_months(data["month"], -1),
            "next": selectors.add_months(data["month"], 1),
            "model": selectors.model_status() if has_scope(request.user, "change") else None,
        },
    )
