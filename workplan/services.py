"""Key-task supervision: one function per business action.

Each runs in one transaction: lock the row(s) → check the actor's scope (``supervise`` for the
owner office's actions, ``workplan_report`` at the unit for a unit's) and the current state →
change rows → append one audit event to the task's (or plan's) chain. Views, the Excel import, the
speech draft, the CLI, the periodic ladder and the demo generator all call these.

    create_plan ─► create_task … ─► approve_plan (下达)
    report_progress (lead unit; co-units: submit_co_input) ─► … ─► report with completion + evidence
        ─► verify_completion (核验: 办结 | 退回) ─► close_task (销号)
    update_task (after approval: reason + before/after) · move_task (no cycles) · cancel_task
    issue_notice / reply_notice / record_accountability / decide_accountability (escalation.py)
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from audit import events
from audit.services import record
from core import clock, docnumbers, notify
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text, today
from orgs.models import PARTY_KINDS, UNIT_KINDS, Org, RoleGrant
from orgs.permissions import require
from orgs.roles import roles_with
from orgs.scoping import can
from workdays.calendar import WorkCalendar, add_workdays

from . import evidence as evidence_files
from . import status
from .models import (
    EVIDENCE_KINDS,
    Cadence,
    CoInput,
    Evidence,
    Milestone,
    Plan,
    PlanKind,
    PlanState,
    Priority,
    ProgressReport,
    ReportStatus,
    Task,
    TaskState,
    TaskUnit,
    UnitRole,
    report_action,
    supervise_action,
)
from .workflow import TASKS

E = events.register
PLAN_CREATED = E("workplan.plan_created", "新建工作计划")
PLAN_CHANGED = E("workplan.plan_changed", "修改工作计划")
PLAN_APPROVED = E("workplan.plan_approved", "下达工作计划")
PLAN_IMPORTED = E("workplan.plan_imported", "导入工作计划")
TASK_CREATED = E("workplan.task_created", "新建督办任务")
TASK_CHANGED = E("workplan.task_changed", "修改督办任务")
TASK_RESCHEDULED = E("workplan.task_rescheduled", "调整完成时限")
UNITS_CHANGED = E("workplan.units_changed", "调整承办单位")
TASK_MOVED = E("workplan.task_moved", "调整任务层级")
TASK_CANCELLED = E("workplan.task_cancelled", "取消任务")
MILESTONE_DONE = E("workplan.milestone_done", "节点目标完成")
CO_INPUT = E("workplan.co_input_submitted", "配合单位报送")
PROGRESS_REPORTED = E("workplan.progress_reported", "报送进展")
COMPLETION_REPORTED = E("workplan.completion_reported", "申请办结")
COMPLETION_VERIFIED = E("workplan.completion_verified", "核验通过,办结")
COMPLETION_RETURNED = E("workplan.completion_returned", "核验不通过,退回")
COMPLETED_BY_CHILDREN = E("workplan.completed_by_children", "子任务全部办结")
TASK_CLOSED = E("workplan.task_closed", "销号")

MAX_TEXT = 4000
ONE_DAY = dt.timedelta(days=1)
HUNDRED = Decimal(100)
CADENCE_DAYS: dict[str, int] = {Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14}


# ---------------------------------------------------------------------------------------------
# Helpers


def require_supervisor(actor, plan: Plan) -> None:
    require(actor, supervise_action(plan.kind), plan.org, f"只有{plan.org.name}的督查人员可以进行此操作")


def _join(values: Iterable[str] | str, allowed: Sequence[str] | None, field: str, label: str) -> str:
    if isinstance(values, str):
        values = [v for v in values.replace(",", "、").replace(",", "、").split("、")]
    cleaned = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if allowed is not None:
        bad = [v for v in cleaned if v not in allowed]
        if bad:
            raise ServiceError(f"{label}“{'、'.join(bad)}”无效,可选:{'、'.join(allowed)}", field=field)
    joined = "、".join(cleaned)
    if len(joined) > 100:
        raise ServiceError(f"{label}过多", field=field)
    return joined


def _check_unit(org: Org | None, field: str, label: str, *, required: bool) -> Org | None:
    if org is None:
        if required:
            raise ServiceError(f"请选择{label}", field=field)
        return None
    if org.archived_at is not None:
        raise ServiceError(f"{label}“{org.name}”已撤销", field=field)
    if org.kind not in UNIT_KINDS | PARTY_KINDS or org.kind == "grid":
        raise ServiceError(f"{label}应为单位或部门,“{org.name}”是{org.get_kind_display()}", field=field)
    return org


def _dates(start_on, deadline) -> None:
    if start_on is None:
        raise ServiceError("请填写开始日期", field="start_on")
    if deadline is None:
        raise ServiceError("请填写完成时限", field="deadline")
    if deadline < start_on:
        raise ServiceError(
            f"完成时限({deadline:%Y-%m-%d})不能早于开始日期({start_on:%Y-%m-%d})", field="deadline"
        )


def _locked_task(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("org", "plan", "plan__org", "lead_unit")
        .get(pk=task.pk)
    )


def _decimal(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def next_report_date(cadence: str, after: dt.date, calendar: WorkCalendar | None = None) -> dt.date:
    """The next report day after ``after`` on the task's cadence, moved to a working day."""
    if cadence == Cadence.MONTHLY:
        day = _add_months(after, 1)
    else:
        day = after + dt.timedelta(days=CADENCE_DAYS.get(cadence, 7))
    return add_workdays(day, 0, calendar=calendar)


def _refresh_clocks(
    task: Task, calendar: WorkCalendar | None = None, *, report_base: dt.date | None = None
) -> None:
    """Recompute the stored ``lags_from`` (and, given a base day, ``next_report_due``)."""
    rule = status.rule_in_force(today())
    if task.state == TaskState.ACTIVE:
        task.lags_from = status.lags_from(
            task.start_on, task.deadline, task.progress, rule.lag_margin, calendar
        )
        if task.is_leaf and task.plan.is_approved and report_base is not None:
            task.next_report_due = min(next_report_date(task.cadence, report_base, calendar), task.deadline)
        elif not task.is_leaf:
            task.next_report_due = None
        elif task.next_report_due is not None and task.next_report_due > task.deadline:
            task.next_report_due = task.deadline
    else:
        task.lags_from = None
        if task.state != TaskState.ACTIVE:
            task.next_report_due = None


def responsible_users(action: str, org: Org) -> list:
    """Users holding ``action`` at ``org`` itself or above it."""
    ancestors = [org.path[:i] for i in range(Org.steplen, len(org.path) + 1, Org.steplen)]
    grants = (
        RoleGrant.objects.current()
        .filter(role__in=roles_with(action), org_path__in=ancestors, user__is_active=True)
        .select_related("user")
    )
    return [grant.user for grant in grants]


def unit_users(unit: Org) -> list:
    """Who answers for a unit's key tasks: its reporters, else whoever handles work there."""
    return responsible_users("workplan_report", unit)


def _units_snapshot(task: Task) -> dict:
    units = list(task.units.filter(active=True).select_related("org").order_by("role", "pk"))
    return {
        "lead_unit": next((u.org.name for u in units if u.role == UnitRole.LEAD), ""),
        "co_units": [u.org.name for u in units if u.role == UnitRole.CO],
    }


def _set_units(task: Task, lead: Org | None, co_units: Sequence[Org]) -> None:
    """Make the active TaskUnit rows match ``lead`` and ``co_units`` (old rows deactivated)."""
    wanted = set()
    if lead is not None:
        wanted.add((lead.pk, UnitRole.LEAD))
    for org in co_units:
        wanted.add((org.pk, UnitRole.CO))
    current = {(u.org_id, u.role): u for u in task.units.filter(active=True)}
    for key, row in current.items():
        if key not in wanted:
            row.active = False
            row.save(update_fields=["active"])
    orgs = {o.pk: o for o in [lead, *co_units] if o is not None}
    for org_id, role in wanted - set(current):
        TaskUnit.objects.create(task=task, org=orgs[org_id], role=role, created_at=clock.now())


def _clean_co_units(lead: Org | None, co_units: Sequence[Org] | None) -> list[Org]:
    result, seen = [], {lead.pk} if lead is not None else set()
    for org in co_units or []:
        _check_unit(org, "co_units", "配合单位", required=True)
        if org.pk not in seen:
            seen.add(org.pk)
            result.append(org)
    return result


def _snapshot(task: Task) -> dict:
    return {
        "title": task.title,
        "start_on": task.start_on.isoformat(),
        "deadline": task.deadline.isoformat(),
        "cadence": task.cadence,
        "leader_name": task.leader_name,
        "responsible_name": task.responsible_name,
        "expected_result": task.expected_result,
        "evidence_kinds": task.evidence_kinds,
        "priority": task.priority,
        "tags": task.tags,
        "weight": str(task.weight),
        "description": task.description,
    }


# ---------------------------------------------------------------------------------------------
# Plans


@transaction.atomic
def create_plan(
    *,
    actor,
    owner: Org,
    title: str,
    year: int | None = None,
    kind: str = PlanKind.KEY_WORK,
    source_meeting: str = "",
    document_no: str = "",
    source_date: dt.date | None = None,
    source_text: str = "",
    source_file=None,
    is_demo: bool = False,
) -> Plan:
    """``source_file``: the meeting's document (PDF/Word …), checked like evidence."""
    if kind not in PlanKind.values:
        raise ServiceError("计划类别无效", field="kind")
    require(actor, supervise_action(kind), owner, f"您没有在{owner.name}创建督办计划的权限")
    plan = Plan.objects.create(
        org=owner,
        title=clean_text(title, "title", "计划名称", limit=120, required=True),
        kind=kind,
        year=year or (source_date or today()).year,
        source_meeting=clean_text(
            source_meeting, "source_meeting", "来源会议/文件", required=False, limit=200
        ),
        document_no=clean_text(document_no, "document_no", "文号", required=False, limit=60),
        source_date=source_date,
        source_text=(source_text or "")[:200_000],
        created_by=user_or_none(actor),
        created_at=clock.now(),
        is_demo=is_demo,
    )
    if source_file is not None:
        checked = evidence_files.check_upload(
            source_file, status.rule_in_force(today()).max_evidence_mb, field="source_file"
        )
        plan.source_file.save(checked.name, checked.content, save=True)
    record(
        plan,
        PLAN_CREATED,
        actor=actor,
        after={"title": plan.title, "owner": owner.name, "source_meeting": plan.source_meeting},
    )
    return plan


@transaction.atomic
def approve_plan(plan: Plan, *, actor) -> Plan:
    """下达: from now on, changes to deadlines and units need a reason and are audited as such."""
    plan = Plan.objects.select_for_update(of=("self",)).select_related("org").get(pk=plan.pk)
    require_supervisor(actor, plan)
    if plan.state != PlanState.DRAFT:
        raise StateConflict("该计划已下达")
    tasks = list(plan.tasks.filter(state=TaskState.ACTIVE).select_related("plan"))
    if not tasks:
        raise ServiceError("计划中还没有任务,不能下达")
    missing = [t for t in tasks if t.is_leaf and t.lead_unit_id is None]
    if missing:
        names = "、".join(f"{t.number}{t.title[:12]}" for t in missing[:5])
        raise ServiceError(f"以下任务未确定牵头单位,不能下达:{names}", field="lead_unit")
    now = clock.now()
    plan.state, plan.approved_at = PlanState.APPROVED, now
    plan.approved_by = user_or_none(actor)
    plan.save(update_fields=["state", "approved_at", "approved_by"])
    calendar = status.calendar_for()
    for task in tasks:
        task.plan = plan
        _refresh_clocks(task, calendar, report_base=max(task.start_on, timezone.localdate(now)))
        task.save(update_fields=["lags_from", "next_report_due"])
    record(plan, PLAN_APPROVED, actor=actor, after={"tasks": len(tasks)})
    for task in tasks:
        if task.is_leaf and task.lead_unit is not None:
            _announce(task, plan, task.lead_unit)
    return plan


def _announce(task: Task, plan: Plan, unit: Org) -> None:
    """Tell the lead unit's people that a task is theirs (督办任务下达): when the plan is approved,
    and for each task added to a plan already approved (a 整改事项, a walk-through's problem, a
    village decision's implementation, 每月一题). Who is told follows the plan kind's report action
    (a 整改台账's tasks are reported with ``rectify_report``)."""
    notify.notify(
        responsible_users(report_action(plan.kind), unit),
        kind="workplan.assigned",
        title=f"{'整改任务' if plan.kind == PlanKind.RECTIFY else '督办任务'}下达:{task.title[:40]}",
        body=f"{plan.title}:牵头单位 {unit.name},完成时限 {task.deadline:%Y-%m-%d}",
        url=f"/workplan/tasks/{task.pk}/",
    )


# ---------------------------------------------------------------------------------------------
# Tasks


def _next_number(plan: Plan, parent: Task | None) -> tuple[str, int]:
    siblings = plan.tasks.filter(parent=parent).count()
    position = siblings + 1
    number = f"{parent.number}.{position}" if parent is not None and parent.number else str(position)
    return number, position


@transaction.atomic
def create_task(
    plan: Plan,
    *,
    actor,
    title: str,
    start_on: dt.date,
    deadline: dt.date,
    parent: Task | None = None,
    lead_unit: Org | None = None,
    co_units: Sequence[Org] = (),
    description: str = "",
    leader_name: str = "",
    responsible_name: str = "",
    cadence: str = Cadence.MONTHLY,
    expected_result: str = "",
    evidence_kinds: Iterable[str] | str = (),
    priority: str = Priority.NORMAL,
    tags: Iterable[str] | str = (),
    weight: Decimal | int | str = 1,
    milestones: Sequence[tuple[str, dt.date]] = (),
    number: str = "",
    leader=None,
    responsible=None,
    is_demo: bool = False,
) -> Task:
    """``leader`` / ``responsible``: optional ``Person`` records behind the names (their accounts
    then see the task in the leader view)."""
    plan = Plan.objects.select_related("org").get(pk=plan.pk)
    require_supervisor(actor, plan)
    if plan.state == PlanState.ARCHIVED:
        raise StateConflict("计划已归档,不能新增任务")
    _dates(start_on, deadline)
    if parent is not None:
        parent = _locked_task(parent)
        if parent.plan_id != plan.pk:
            raise ServiceError("上级任务不属于该计划", field="parent")
        if parent.state != TaskState.ACTIVE:
            raise ServiceError(
                f"上级任务“{parent.title[:20]}”当前为{parent.get_state_display()},不能新增子任务",
                field="parent",
            )
        if parent.reports_count:
            raise ServiceError("上级任务已有进展报送,不能再拆分子任务", field="parent")
        if deadline > parent.deadline:
            raise ServiceError(
                f"子任务完成时限不能晚于上级任务({parent.deadline:%Y-%m-%d})", field="deadline"
            )
    if cadence not in Cadence.values:
        raise ServiceError("报送频次无效", field="cadence")
    if priority not in Priority.values:
        raise ServiceError("优先级无效", field="priority")
    try:
        weight = Decimal(str(weight))
    except Exception as error:
        raise ServiceError("权重应为数字", field="weight") from error
    if weight <= 0 or weight > 1000:
        raise ServiceError("权重应大于0且不超过1000", field="weight")
    lead_unit = _check_unit(lead_unit, "lead_unit", "牵头单位", required=False)
    co_units = _clean_co_units(lead_unit, co_units)
    auto_number, sort = _next_number(plan, parent)
    task = Task(
        plan=plan,
        org=plan.org,
        parent=parent,
        number=clean_text(number, "number", "序号", required=False, limit=20) or auto_number,
        sort=sort,
        title=clean_text(title, "title", "工作任务", limit=300, required=True),
        description=clean_text(description, "description", "任务要求", required=False, limit=MAX_TEXT),
        lead_unit=lead_unit,
        leader_name=clean_text(
            leader_name or (leader.name if leader else ""),
            "leader_name",
            "责任领导",
            required=False,
            limit=50,
        ),
        leader=leader,
        responsible_name=clean_text(
            responsible_name or (responsible.name if responsible else ""),
            "responsible_name",
            "责任人",
            required=False,
            limit=50,
        ),
        responsible=responsible,
        start_on=start_on,
        deadline=deadline,
        cadence=cadence,
        expected_result=clean_text(expected_result, "expected_result", "预期成果", required=False, limit=300),
        evidence_kinds=_join(evidence_kinds, EVIDENCE_KINDS, "evidence_kinds", "成果形式"),
        priority=priority,
        tags=_join(tags, None, "tags", "标签"),
        weight=weight,
        created_at=clock.now(),
        is_demo=is_demo,
    )
    _refresh_clocks(task, report_base=max(start_on, today()))
    task.save()
    _set_units(task, lead_unit, co_units)
    for title_, due_on in milestones:
        add_milestone(task, actor=actor, title=title_, due_on=due_on)
    record(
        task,
        TASK_CREATED,
        actor=actor,
        after={**_snapshot(task), **_units_snapshot(task), "parent": parent.number if parent else ""},
    )
    if parent is not None:
        Task.objects.filter(pk=parent.pk).update(children_count=F("children_count") + 1)
        parent.children_count += 1
        _roll_up(parent, actor)
    if plan.state == PlanState.APPROVED and lead_unit is not None:
        _announce(task, plan, lead_unit)  # a draft plan's tasks are announced when it is approved
    return task


@transaction.atomic
def add_milestone(task: Task, *, actor, title: str, due_on: dt.date) -> Milestone:
    task = _locked_task(task)
    require_supervisor(actor, task.plan)
    title = clean_text(title, "milestone_title", "节点目标", limit=200, required=True)
    if due_on is None or due_on < task.start_on or due_on > task.deadline:
        raise ServiceError("节点时限应在任务开始日期和完成时限之间", field="milestone_due_on")
    return Milestone.objects.create(task=task, title=title, due_on=due_on)


@transaction.atomic
def complete_milestone(milestone: Milestone, *, actor, done_on: dt.date | None = None) -> Milestone:
    task = _locked_task(milestone.task)
    require(actor, report_action(task.plan.kind), task.lead_unit, "只有牵头单位可以确认节点完成")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_on is not None:
        raise StateConflict("该节点已完成")
    milestone.done_on = done_on or today()
    milestone.save(update_fields=["done_on"])
    record(
        task,
        MILESTONE_DONE,
        actor=actor,
        after={"milestone": milestone.title, "done_on": milestone.done_on.isoformat()},
    )
    return milestone


UPDATABLE = {
    "title",
    "description",
    "start_on",
    "deadline",
    "cadence",
    "leader_name",
    "responsible_name",
    "expected_result",
    "evidence_kinds",
    "priority",
    "tags",
    "weight",
}


def _clean_change(name: str, value):
    """One field of ``update_task``, cleaned."""
    if name == "evidence_kinds":
        return _join(value, EVIDENCE_KINDS, name, "成果形式")
    if name == "tags":
        return _join(value, None, name, "标签")
    if name == "weight":
        value = Decimal(str(value))
        if value <= 0:
            raise ServiceError("权重应大于0", field="weight")
        return value
    if name == "title":
        return clean_text(value, "title", "工作任务", limit=300, required=True)
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def update_task(task: Task, *, actor, reason: str = "", lead_unit=..., co_units=..., **changes) -> Task:
    """Edit a task. After the plan is issued, changing dates or units needs a reason, and the
    event says what changed (before/after)."""
    task = _locked_task(task)
    TASKS.check_permission("change", task, actor)
    TASKS.check_status("change", task)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ServiceError(f"不能修改:{'、'.join(sorted(unknown))}")
    before, units_before = _snapshot(task), _units_snapshot(task)
    for name, value in changes.items():
        setattr(task, name, _clean_change(name, value))
    _dates(task.start_on, task.deadline)
    if task.parent_id and task.deadline > task.parent.deadline:  # type: ignore[union-attr]
        raise ServiceError(
            f"子任务完成时限不能晚于上级任务({task.parent.deadline:%Y-%m-%d})",  # type: ignore[union-attr]
            field="deadline",
        )
    late_child = task.children.exclude(state=TaskState.CANCELLED).filter(deadline__gt=task.deadline).first()
    if late_child is not None:
        raise ServiceError(f"子任务“{late_child.title[:20]}”的完成时限晚于新的时限", field="deadline")
    units_changed = False
    if lead_unit is not ... or co_units is not ...:
        new_lead = (
            task.lead_unit
            if lead_unit is ...
            else _check_unit(
                lead_unit, "lead_unit", "牵头单位", required=task.is_leaf and task.plan.is_approved
            )
        )
        current_co = [u.org for u in task.units.filter(active=True, role=UnitRole.CO).select_related("org")]
        new_co = _clean_co_units(new_lead, current_co if co_units is ... else co_units)
        task.lead_unit = new_lead
        _set_units(task, new_lead, new_co)
        units_changed = _units_snapshot(task) != units_before
    after, units_after = _snapshot(task), _units_snapshot(task)
    dates_changed = before["deadline"] != after["deadline"] or before["start_on"] != after["start_on"]
    if before == after and not units_changed:
        return task
    reason = (reason or "").strip()
    if task.plan.is_approved and (dates_changed or units_changed) and not reason:
        raise ServiceError("计划已下达,调整时限或承办单位须说明理由", field="reason")
    _refresh_clocks(task, report_base=None)
    task.save()
    diff_before = {k: v for k, v in before.items() if after.get(k) != v}
    diff_after = {k: after[k] for k in diff_before}
    if units_changed:
        diff_before.update(units_before)
        diff_after.update(units_after)
    code = UNITS_CHANGED if units_changed else TASK_RESCHEDULED if dates_changed else TASK_CHANGED
    record(task, code, actor=actor, reason=reason, before=diff_before, after=diff_after)
    if task.parent_id and "weight" in diff_before:
        _roll_up(task.parent, actor)  # type: ignore[arg-type]
    return task


def _descendant_ids(task: Task) -> set[int]:
    ids, frontier = set(), [task.pk]
    while frontier:
        children = list(Task.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


@transaction.atomic
def move_task(task: Task, *, actor, new_parent: Task | None, reason: str = "") -> Task:
    """Hang a task (and its subtree) under another parent of the same plan; cycles are refused."""
    task = _locked_task(task)
    require_supervisor(actor, task.plan)
    if new_parent is not None:
        new_parent = _locked_task(new_parent)
        if new_parent.pk == task.pk or new_parent.pk in _descendant_ids(task):
            raise ServiceError("不能把任务移到它自己或它的下级任务之下(会形成循环)", field="parent")
        if new_parent.plan_id != task.plan_id:
            raise ServiceError("只能在同一计划内调整层级", field="parent")
        if new_parent.reports_count:
            raise ServiceError("目标任务已有进展报送,不能再拆分子任务", field="parent")
        if task.deadline > new_parent.deadline:
            raise ServiceError("任务完成时限晚于目标上级任务的时限", field="parent")
    old_parent = task.parent
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        return task
    task.parent = new_parent
    task.sort = task.plan.tasks.filter(parent=new_parent).count() + 1
    task.save(update_fields=["parent", "sort"])
    if old_parent is not None:
        Task.objects.filter(pk=old_parent.pk).update(children_count=F("children_count") - 1)
    if new_parent is not None:
        Task.objects.filter(pk=new_parent.pk).update(children_count=F("children_count") + 1)
    record(
        task,
        TASK_MOVED,
        actor=actor,
        reason=reason,
        before={"parent": old_parent.title if old_parent else ""},
        after={"parent": new_parent.title if new_parent else ""},
    )
    for parent in (old_parent, new_parent):
        if parent is not None:
            _roll_up(Task.objects.get(pk=parent.pk), actor)
    return task


@transaction.atomic
def cancel_task(task: Task, *, actor, reason: str) -> Task:
    """Cancel a task and its open sub-tasks (nothing is deleted); the reason is kept."""
    task = _locked_task(task)
    TASKS.check_permission("cancel", task, actor)
    reason = clean_text(reason, "reason", "取消原因", limit=300, required=True)
    TASKS.check_status("cancel", task)
    now = clock.now()
    ids = [task.pk, *sorted(_descendant_ids(task))]
    for item in Task.objects.select_for_update().filter(
        pk__in=ids, state__in=(TaskState.ACTIVE, TaskState.SUBMITTED)
    ):
        before = item.state
        item.state, item.cancel_reason, item.cancelled_at = TaskState.CANCELLED, reason, now
        item.lags_from = item.next_report_due = None
        item.save(update_fields=["state", "cancel_reason", "cancelled_at", "lags_from", "next_report_due"])
        record(
            item,
            TASK_CANCELLED,
            actor=actor,
            reason=reason,
            before={"state": before},
            after={"state": item.state},
        )
    if task.parent_id:
        _roll_up(Task.objects.get(pk=task.parent_id), actor)
    task.refresh_from_db()
    return task


# ---------------------------------------------------------------------------------------------
# Roll-up


def weighted_progress(children: Sequence[Task]) -> Decimal:
    """Σ progress × weight / Σ weight over the children that count (cancelled ones do not)."""
    counted = [c for c in children if c.state != TaskState.CANCELLED]
    total = sum((c.weight for c in counted), Decimal(0))
    if not counted or total <= 0:
        return Decimal(0)
    return _decimal(sum((c.progress * c.weight for c in counted), Decimal(0)) / total)


def _roll_up(task: Task, actor) -> None:
    """Recompute ``task``'s progress from its children, then its parent's, up to the root."""
    calendar = status.calendar_for()
    while task is not None:
        task = Task.objects.select_for_update(of=("self",)).select_related("plan", "org").get(pk=task.pk)
        children = list(task.children.all())
        counted = [c for c in children if c.state != TaskState.CANCELLED]
        task.children_count = len(children)
        agg = task.children.exclude(state=TaskState.CANCELLED).aggregate(
            w=Sum("weight"), pw=Sum(F("progress") * F("weight"))
        )
        task.progress = _decimal(agg["pw"] / agg["w"]) if counted and agg["w"] else Decimal(0)
        fields = ["progress", "children_count", "lags_from", "next_report_due"]
        finished = counted and all(c.state in (TaskState.DONE, TaskState.CLOSED) for c in counted)
        if finished and task.state == TaskState.ACTIVE:
            task.state, task.done_at, task.progress = TaskState.DONE, clock.now(), HUNDRED
            fields += ["state", "done_at"]
            record(
                task,
                COMPLETED_BY_CHILDREN,
                actor=SYSTEM,
                after={"state": task.state, "children": len(counted)},
            )
        elif not finished and task.state == TaskState.DONE and counted:
            # A child was sent back or added: the parent is open again.
            task.state, task.done_at = TaskState.ACTIVE, None
            fields += ["state", "done_at"]
        _refresh_clocks(task, calendar)
        task.save(update_fields=fields)
        task = task.parent  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# Progress reports


def _check_reporter(actor, task: Task) -> None:
    if task.lead_unit_id is None:
        raise ServiceError("该任务未确定牵头单位")
    TASKS.check_permission("report", task, actor)


@transaction.atomic
def submit_co_input(task: Task, *, actor, unit: Org, text: str) -> CoInput:
    """A co-unit's contribution, merged into the lead unit's next report."""
    task = _locked_task(task)
    if not task.units.filter(active=True, role=UnitRole.CO, org=unit).exists():
        raise PermissionDenied(f"{unit.name}不是该任务的配合单位")
    require(actor, report_action(task.plan.kind), unit, f"您不能代表{unit.name}报送")
    TASKS.check_status("co_input", task)
    co_input = CoInput.objects.create(
        task=task,
        org=unit,
        text=clean_text(text, "text", "配合工作情况", required=True, limit=MAX_TEXT),
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(task, CO_INPUT, actor=actor, after={"unit": unit.name, "text": co_input.text[:200]})
    return co_input


@transaction.atomic
def report_progress(
    task: Task,
    *,
    actor,
    percent: int,
    done_text: str,
    problems: str = "",
    next_steps: str = "",
    complete: bool = False,
    evidence: Sequence[tuple[str, object]] = (),
) -> ProgressReport:
    """The lead unit's progress report. ``complete`` (or 100%) asks for verification and needs
    evidence; the co-units' pending inputs are merged in."""
    task = _locked_task(task)
    if not task.plan.is_approved:
        raise StateConflict("计划尚未下达,不能报送进展")
    _check_reporter(actor, task)
    if not task.is_leaf:
        raise ServiceError("该任务有子任务,进度由子任务汇总,请在子任务中报送")
    if task.state == TaskState.SUBMITTED:
        raise StateConflict("已申请办结,正在等待督查室核验")
    TASKS.check_status("report", task)
    try:
        percent = int(percent)
    except (TypeError, ValueError) as error:
        raise ServiceError("完成进度应为0到100之间的整数", field="percent") from error
    if not 0 <= percent <= 100:
        raise ServiceError("完成进度应为0到100之间的整数", field="percent")
    complete = bool(complete) or percent == 100
    if complete and percent != 100:
        raise ServiceError("申请办结时完成进度应为100%", field="percent")
    done_text = clean_text(done_text, "done_text", "工作进展", required=True, limit=MAX_TEXT)
    rule = status.rule_in_force(today())
    files = [(kind, evidence_files.check_upload(upload, rule.max_evidence_mb)) for kind, upload in evidence]
    for kind, _ in files:
        if kind not in EVIDENCE_KINDS:
            raise ServiceError(f"成果形式“{kind}”无效", field="evidence")
    if complete and not files and not task.evidence.exists():
        raise ServiceError(
            "申请办结须上传佐证材料(成果形式:" + (task.evidence_kinds or "文件、照片等") + ")",
            field="evidence",
        )
    now = clock.now()
    pending = list(task.co_inputs.filter(report__isnull=True).select_related("org"))
    report = ProgressReport.objects.create(  # type: ignore[misc]
        task=task,
        org=task.lead_unit,
        percent=percent,
        done_text=done_text,
        problems=clean_text(problems, "problems", "存在问题", required=False, limit=MAX_TEXT),
        next_steps=clean_text(next_steps, "next_steps", "下步打算", required=False, limit=MAX_TEXT),
        co_inputs="\n".join(f"{i.org.name}:{i.text}" for i in pending),
        is_completion=complete,
        previous_progress=task.progress,
        status=ReportStatus.AWAITING if complete else ReportStatus.RECEIVED,
        reported_by=user_or_none(actor),
        created_at=now,
    )
    CoInput.objects.filter(pk__in=[i.pk for i in pending]).update(report=report)
    stored = [
        Evidence.objects.create(
            task=task,
            report=report,
            kind=kind,
            file=checked.content,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=report.reported_by,
            created_at=now,
        )
        for kind, checked in files
    ]
    before = {"progress": str(task.progress), "state": task.state}
    task.progress = Decimal(percent)
    task.last_report_at = now
    task.reports_count += 1
    task.latest_summary = done_text[:300]
    if complete:
        task.state, task.submitted_at = TaskState.SUBMITTED, now
    _refresh_clocks(task, report_base=timezone.localdate(now))
    task.save()
    record(
        task,
        COMPLETION_REPORTED if complete else PROGRESS_REPORTED,
        actor=actor,
        before=before,
        after={
            "progress": str(task.progress),
            "state": task.state,
            "report": report.pk,
            "evidence": [e.original_name for e in stored],
            "co_inputs": len(pending),
        },
    )
    if task.parent_id:
        _roll_up(task.parent, actor)  # type: ignore[arg-type]
    if complete:
        notify.notify(
            responsible_users("supervise", task.org),
            kind="workplan.verify",
            title=f"待核验:{task.title[:40]}",
            body=f"{task.lead_unit.name}申请办结,请核验佐证材料。",  # type: ignore[union-attr]
            url=f"/workplan/tasks/{task.pk}/",
        )
    return report


@transaction.atomic
def verify_completion(task: Task, *, actor, accept: bool, note: str = "") -> Task:
    """核验: accept the completion (已办结) or send it back with reasons (back to 推进中)."""
    task = _locked_task(task)
    TASKS.check_permission("verify", task, actor)
    TASKS.check_status("verify", task)
    report = (
        task.reports.filter(is_completion=True, status=ReportStatus.AWAITING).order_by("-created_at").first()
    )
    note = clean_text(note, "note", "退回理由" if not accept else "核验意见", required=not accept, limit=500)
    now = clock.now()
    if report is not None:
        report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        report.verified_by = user_or_none(actor)
        report.verified_at, report.verify_note = now, note
        report.save(update_fields=["status", "verified_by", "verified_at", "verify_note"])
    if accept:
        task.state, task.done_at = TaskState.DONE, now
        _refresh_clocks(task)
        code = COMPLETION_VERIFIED
    else:
        task.state, task.submitted_at = TaskState.ACTIVE, None
        task.progress = report.previous_progress if report is not None else task.progress
        _refresh_clocks(task, report_base=timezone.localdate(now))
        code = COMPLETION_RETURNED
    task.save()
    record(
        task,
        code,
        actor=actor,
        reason=note,
        before={"state": TaskState.SUBMITTED},
        after={"state": task.state, "progress": str(task.progress)},
    )
    if task.parent_id:
        _roll_up(task.parent, actor)  # type: ignore[arg-type]
    if not accept and task.lead_unit_id:
        notify.notify(
            unit_users(task.lead_unit),  # type: ignore[arg-type]
            kind="workplan.returned",
            title=f"办结申请被退回:{task.title[:40]}",
            body=note,
            url=f"/workplan/tasks/{task.pk}/",
        )
    return task


@transaction.atomic
def close_task(task: Task, *, actor, note: str = "") -> Task:
    """销号: take a verified task off the supervision list."""
    task = _locked_task(task)
    TASKS.check_permission("close", task, actor)
    TASKS.check_status("close", task)
    task.state, task.closed_at = TaskState.CLOSED, clock.now()
    task.save(update_fields=["state", "closed_at"])
    record(
        task,
        TASK_CLOSED,
        actor=actor,
        reason=(note or "").strip()[:300],
        before={"state": TaskState.DONE},
        after={"state": task.state},
    )
    return task


# ---------------------------------------------------------------------------------------------
# Document numbers


def next_doc_number(kind: str, year: int, issuer: Org | None = None) -> str:
    """文号 of a notice or circular issued by ``issuer`` (the plan's owner office): the issuer's
    发文代字 and one series per stem and year shared with the case notices (``core.docnumbers``)."""
    prefix = issuer.issuing_prefix() if issuer is not None else ""
    return docnumbers.allocate(prefix, docnumbers.word_for(kind), year)


def tasks_of_plan(plan: Plan) -> list[Task]:
    """All tasks of a plan in tree order (depth-first by sort), each with ``depth`` set."""
    rows = list(plan.tasks.select_related("lead_unit").order_by("sort", "pk"))
    by_parent: dict[int | None, list[Task]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    ordered: list[Task] = []

    def walk(parent_id, depth):
        for child in by_parent.get(parent_id, []):
            child.depth = depth  # type: ignore[attr-defined]
            ordered.append(child)
            walk(child.pk, depth + 1)

    walk(None, 0)
    return ordered


# ---------------------------------------------------------------------------------------------
# Links to other records (关联记录) and milestones


LINK_ADDED = E("workplan.link_added", "关联记录")


def _can_work_on(actor, task: Task) -> bool:
    if is_system(actor):
        return True
    if can(actor, supervise_action(task.plan.kind), task.plan.org):
        return True
    units = task.units.filter(active=True).select_related("org")
    return any(can(actor, report_action(task.plan.kind), u.org) for u in units)


@transaction.atomic
def link_record(task: Task, *, actor, kind: str, ref: str, label: str = ""):
    """Reference a grid case (by number), an organization (by name) or another record (by URL)
    as evidence of the task's work. The actor must be able to see the record."""
    from django.apps import apps

    from .models import LinkKind, TaskLink

    task = _locked_task(task)
    if not _can_work_on(actor, task):
        raise PermissionDenied("只有督查室和承办单位可以关联记录")
    ref = clean_text(ref, "ref", "记录编号或链接", limit=300, required=True)
    if kind == LinkKind.CASE:
        if not apps.is_installed("cases"):
            raise ServiceError("未启用网格事项", field="kind")
        Case = apps.get_model("cases", "Case")
        cases = Case.objects.all() if is_system(actor) else Case.objects.visible_to(actor)
        case = cases.filter(number=ref).first()
        if case is None:
            raise ServiceError(f"找不到事项“{ref}”,或您无权查看", field="ref")
        target, text, url = case.number, f"网格事项 {case.number} {case.title}", f"/cases/{case.number}/"
    elif kind == LinkKind.ORG:
        orgs = Org.objects.all() if is_system(actor) else Org.objects.visible_to(actor)
        org = orgs.filter(name=ref, archived_at__isnull=True).first()
        if org is None:
            raise ServiceError(f"找不到组织“{ref}”,或您无权查看", field="ref")
        target, text, url = str(org.pk), f"{org.get_kind_display()} {org.name}", f"/orgs/{org.pk}/"
    elif kind == LinkKind.URL:
        if not ref.startswith(("/", "https://", "http://")):
            raise ServiceError("链接应以 / 或 http(s):// 开头", field="ref")
        target, text, url = "", "", ref
    else:
        raise ServiceError("关联类型无效", field="kind")
    label = clean_text(label, "label", "说明", required=kind == LinkKind.URL, limit=200) or text
    if target and TaskLink.objects.filter(task=task, kind=kind, target_id=target).exists():
        raise ServiceError("该记录已关联", field="ref")
    link = TaskLink.objects.create(
        task=task,
        kind=kind,
        target_id=target,
        label=label,
        url=url,
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(task, LINK_ADDED, actor=actor, after={"kind": kind, "label": label, "url": url})
    return link
