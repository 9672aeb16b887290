"""Pages of the activity lists (活动清单, e.g. 能力作风建设年): the list and its creation from a
template, the month view (12 columns: planned vs done with evidence), the print page and the Excel.
Each activity is a task: reporting, evidence and 销号 happen on the task page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from core.errors import PermissionDenied, ServiceError
from core.ledger import xlsx_response
from orgs.scoping import can, has_scope
from orgs.selectors import ledger_signature

from . import activities, forms, selectors
from .models import Plan, PlanKind


def _require_workplan_user(user) -> None:
    if not any(has_scope(user, scope) for scope in ("view", "supervise", "workplan_report")):
        raise Http404


def _activity_plan(request, pk: int) -> Plan:
    plan = selectors.visible_plan(request.user, pk)
    if plan.kind != PlanKind.ACTIVITY_LIST:
        raise Http404
    return plan


@login_required
def activity_lists(request):
    _require_workplan_user(request.user)
    can_create = has_scope(request.user, "supervise")
    form = None
    if can_create:
        day = selectors.today()
        form = forms.ActivityListForm(request.POST or None, user=request.user, initial={"year": day.year})
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                plan = activities.create_from_template(
                    actor=request.user, owner=d["owner"], year=d["year"], template_key=d["template"]
                )
            except PermissionDenied as error:
                form.add_error("owner", error.message)
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已生成{plan.title},共 {plan.tasks.count()} 项活动;请核对后下达")
                return redirect("workplan:activity_months", plan.pk)
    elif request.method == "POST":
        raise Http404
    context = {
        "plans": activities.activity_lists(request.user),
        "form": form,
        "active_nav": "workplan",
        "tab": "activities",
        "can_supervise": can_create,
    }
    return render(
        request, "workplan/activity_lists.html", context, status=400 if form and form.errors else 200
    )


@login_required
def activity_months(request, pk: int):
    plan = _activity_plan(request, pk)
    day = selectors.today()
    columns = activities.months(plan, request.user, day)
    context = {
        "plan": plan,
        "columns": columns,
        "planned": sum(c.planned for c in columns),
        "done": sum(c.done for c in columns),
        "overdue": sum(c.overdue for c in columns),
        "can_supervise": can(request.user, "supervise", plan.org),
        "active_nav": "workplan",
        "tab": "activities",
    }
    return render(request, "workplan/activity_months.html", context)


@login_required
def activity_print(request, pk: int):
    plan = _activity_plan(request, pk)
    day = selectors.today()
    columns = activities.months(plan, request.user, day)
    rows = []
    for column in columns:
        for task in column.activities:
            rows.append(
                {
                    "month": column.label,
                    "task": task,
                    "co": activities.co_names(task),
                    "status": activities.status_text(task, day),
                }
            )
    return render(
        request,
        "workplan/activity_print.html",
        {"plan": plan, "rows": rows, "day": day, "active_nav": "workplan"},
    )


@login_required
def activity_export(request, pk: int):
    plan = _activity_plan(request, pk)
    _unit, maker = ledger_signature(request.user)
    data = activities.ledger_bytes(plan, request.user, maker=maker)
    return xlsx_response(data, f"{plan.title}.xlsx")
