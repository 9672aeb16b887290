"""Read queries for the workplan pages. Every list starts from ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404

from audit.models import AuditEvent
from core import terms
from core.kit import today as today  # re-exported: the API asks selectors.today()
from orgs.scoping import scope_paths, subtree_q, under_paths

from .models import Notice, Plan, Task, TaskState, TaskStatus, TaskUnit, UnitRole


def visible_task(user, pk: int, action: str = "view") -> Task:
    queryset = Task.objects.visible_to(user, action).select_related(
        "plan", "plan__org", "org", "lead_unit", "parent"
    )
    return get_object_or_404(queryset, pk=pk)


def visible_plan(user, pk: int, action: str = "view") -> Plan:
    return get_object_or_404(Plan.objects.visible_to(user, action).select_related("org"), pk=pk)


@dataclass
class BoardFilters:
    status: str = ""
    unit_id: int | None = None
    leader: str = ""
    plan_id: int | None = None
    q: str = ""
    tag: str = ""


def board(user, filters: BoardFilters, day: dt.date):
    """All visible open-plan tasks with their computed status, overdue and lagging first."""
    tasks = Task.objects.visible_to(user).with_status(day).select_related("lead_unit", "plan")
    if filters.plan_id:
        tasks = tasks.filter(plan_id=filters.plan_id)
    if filters.status:
        tasks = tasks.filter(status_code=filters.status)
    if filters.unit_id:
        units = TaskUnit.objects.filter(org_id=filters.unit_id, active=True).values("task_id")
        tasks = tasks.filter(pk__in=units)
    if filters.leader:
        tasks = tasks.filter(leader_name=filters.leader)
    if filters.tag:
        tasks = tasks.filter(tags__contains=filters.tag)
    text = filters.q.strip()
    if text:
        match = Q(lead_unit__name__icontains=text)
        for variant in terms.variants(text):  # 两优一先 / 两先一优 (core.terms)
            match |= Q(title__icontains=variant)
        tasks = tasks.filter(match)
    return tasks.order_by("status_rank", F("deadline").asc(), "pk")


def status_counts(user, day: dt.date, plan_id: int | None = None) -> dict[str, int]:
    tasks = Task.objects.visible_to(user).with_status(day)
    if plan_id:
        tasks = tasks.filter(plan_id=plan_id)
    rows = tasks.order_by().values("status_code").annotate(n=Count("pk"))
    counts = {code: 0 for code in TaskStatus.values}
    for row in rows:
        counts[row["status_code"]] = row["n"]
    return counts


def unit_counts(user, day: dt.date, limit: int = 12) -> list[dict]:
    """Per lead unit: open, overdue and lagging task counts (the board's bar chart)."""
    tasks = Task.objects.visible_to(user).filter(state=TaskState.ACTIVE, lead_unit__isnull=False)
    rows = (
        tasks.order_by()
        .values("lead_unit__name", "lead_unit__short_name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(deadline__lt=day)),
            lagging=Count("pk", filter=Q(deadline__gte=day, lags_from__lte=day)),
        )
        .order_by("-overdue", "-lagging", "-open")[:limit]
    )
    return [
        {
            "unit": r["lead_unit__short_name"] or r["lead_unit__name"],
            "open": r["open"],
            "overdue": r["overdue"],
            "lagging": r["lagging"],
        }
        for r in rows
    ]


def my_units_q(user, action: str = "workplan_report") -> Q:
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    return under_paths(paths)


def workbench(user, day: dt.date):
    """The unit's tasks: those it leads (actionable) and those it co-operates on."""
    paths = scope_paths(user, "workplan_report")
    units = TaskUnit.objects.filter(active=True)
    if paths is not None:
        units = units.filter(under_paths(paths))
    lead_ids = units.filter(role=UnitRole.LEAD).values("task_id")
    co_ids = units.filter(role=UnitRole.CO).values("task_id")
    base = Task.objects.visible_to(user).with_status(day).select_related("lead_unit", "plan")
    base = base.filter(plan__state="approved")
    lead = base.filter(pk__in=lead_ids).order_by("status_rank", "next_report_due", "deadline")
    co = base.filter(pk__in=co_ids).exclude(pk__in=lead_ids).order_by("status_rank", "deadline")
    return lead, co


def reports_due(user, day: dt.date, within_days: int = 7) -> list[Task]:
    paths = scope_paths(user, "workplan_report")
    if paths == []:
        return []
    lead_tasks = TaskUnit.objects.filter(active=True, role=UnitRole.LEAD)
    if paths is not None:
        lead_tasks = lead_tasks.filter(under_paths(paths))
    return list(
        Task.objects.filter(
            pk__in=lead_tasks.values("task_id"),
            state=TaskState.ACTIVE,
            next_report_due__lte=day + dt.timedelta(days=within_days),
        )
        .select_related("plan")
        .order_by("next_report_due")[:20]
    )


def notices_to_answer(user) -> list[Notice]:
    paths = scope_paths(user, "workplan_report")
    if paths == []:
        return []
    notices = Notice.objects.awaiting_reply().select_related("task", "unit")
    if paths is not None:
        notices = notices.filter(under_paths(paths, "unit__path"))
    return list(notices.order_by("reply_due_on")[:20])


def leader_tasks(user, day: dt.date):
    """责任领导视图: the tasks whose leader or responsible person is this user."""
    return (
        Task.objects.filter(Q(leader__user=user) | Q(responsible__user=user))
        .with_status(day)
        .select_related("lead_unit", "plan")
        .order_by("status_rank", "deadline")
    )


def timeline(task: Task) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_subject(task).select_related("actor").order_by("seq"))


def in_subtree(org, field: str = "org_path") -> Q:
    return subtree_q(field, org.path)


def plan_events(plan: Plan) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_subject(plan).select_related("actor").order_by("seq"))
