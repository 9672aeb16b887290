"""Monthly rankings of handling units (督查问效 · 综合评价) for the supervision office."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from core import kit
from core.ledger import xlsx_response
from orgs.models import Org
from orgs.scoping import has_scope
from orgs.selectors import ledger_signature

from .evaluation import GROUPS, RATE_LABELS, RATES, UnitScore, evaluate, evaluate_cached, weights_for
from .exports import ranking_workbook


def _month(text: str | None) -> dt.date:
    today = timezone.localdate()
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError as error:
        raise Http404("月份格式应为 YYYY-MM") from error


def _visible(user, rows: list[UnitScore]) -> list[UnitScore]:
    visible = set(
        Org.objects.visible_to(user).filter(pk__in=[r.unit.pk for r in rows]).values_list("pk", flat=True)
    )
    return [row for row in rows if row.unit.pk in visible]


def _months_back(month: dt.date, count: int) -> list[dt.date]:
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _overall(rows: list[UnitScore]) -> dict[str, float | None]:
    callbacks = sum(r.callbacks for r in rows)
    closed = sum(r.closed for r in rows)

    def pct(numerator, denominator):
        return round(100 * numerator / denominator, 1) if denominator else None

    return {
        "response": pct(sum(r.contacted for r in rows), callbacks),
        "resolution": pct(sum(r.resolved for r in rows), callbacks),
        "satisfaction": pct(sum(r.satisfied for r in rows) + 0.9 * sum(r.basic for r in rows), callbacks),
        "on_time": pct(sum(r.on_time for r in rows), closed),
    }


@login_required
def rankings(request):
    if not has_scope(request.user, "supervise"):
        raise Http404
    month = _month(request.GET.get("month"))
    group = request.GET.get("group", "department")
    if group not in GROUPS:
        raise Http404
    if request.GET.get("format") == "xlsx":
        tables = {g: _visible(request.user, evaluate(month, g)) for g in GROUPS}
        unit, maker = ledger_signature(request.user)
        data = ranking_workbook(month, tables, unit=unit, maker=maker, made_on=kit.today())
        return xlsx_response(data, f"ranking-{month:%Y-%m}.xlsx")
    table = evaluate(month, group)
    rows = _visible(request.user, table)
    trend = [
        {
            "month": f"{m:%Y-%m}",
            **_overall(_visible(request.user, table if m == month else evaluate_cached(m, group))),
        }
        for m in _months_back(month, 6)
    ]
    context = {
        "month": month,
        "group": group,
        "groups": GROUPS,
        "rows": rows,
        "rates": RATES,
        "rate_labels": RATE_LABELS,
        "weights": weights_for(month),
        "trend": trend,
        "prev": _months_back(month, 2)[0],
        "next": (month + dt.timedelta(days=32)).replace(day=1),
        "active_nav": "rankings",
    }
    return render(request, "cases/rankings.html", context)
