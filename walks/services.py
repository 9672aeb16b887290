"""领导干部走流程 services: one function per action, one transaction, one audit event.

    create_walk (草稿) ─► add_step* · answer_checklist · add_problem* ─► record_walk (已记录)
    record_walk ─► hand_to_case | hand_to_task (each problem once) ─► 销号 when the case is closed
    or the task verified (read from the case / task: ``WalkProblem`` keeps the link only)
    withdraw_walk: a walk recorded by mistake leaves the counts with a reason (nothing is deleted)

Who may act: a leader on the walk list acts on their own walks (``Leader.person.user``); the
supervision office (the ``walk`` action, ``orgs.roles``) acts for the leaders of its subtree.
A problem becomes a grid case (channel 领导走流程) registered and dispatched to the chosen unit
through ``cases.services``, or a task of the office's yearly plan “领导干部走流程发现问题整改”
through ``workplan.services`` — the hand-over is the walk's decision, so those services act as the
system on the walk's behalf, and the walk's audit event names the person who handed it over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import SYSTEM, Actor, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from core.scoping import can
from orgs.models import Org

from .models import (
    AsWhom,
    ChecklistItem,
    Handover,
    Leader,
    Walk,
    WalkCheck,
    WalkPhoto,
    WalkProblem,
    WalkStatus,
    WalkStep,
)

E = events.register
WALK_CREATED = E("walks.created", "登记领导干部走流程")
STEP_ADDED = E("walks.step_added", "登记走流程环节")
CHECKLIST_ANSWERED = E("walks.checklist_answered", "填写走流程检查项")
PROBLEM_ADDED = E("walks.problem_added", "登记走流程发现问题")
WALK_RECORDED = E("walks.recorded", "走流程记录完成")
WALK_WITHDRAWN = E("walks.withdrawn", "撤回走流程记录")
HANDED_TO_CASE = E("walks.handed_to_case", "走流程问题转为网格事项")
HANDED_TO_TASK = E("walks.handed_to_task", "走流程问题转为督办任务")

MAX_TEXT = 2000
MAX_STEPS = 50
MAX_PROBLEMS = 30
MAX_MINUTES = 60 * 24 * 30  # a step of a month at most (e.g. waiting for a certificate)
PLAN_TITLE = "领导干部走流程发现问题整改"


# ---------------------------------------------------------------------------------------------
# Permission


def may_record(actor: Actor, leader: Leader) -> bool:
    """The leader themself, or the supervision office over the leader's unit."""
    if is_system(actor):
        return True
    if leader.person.user_id is not None and leader.person.user_id == getattr(actor, "pk", None):
        return True
    return can(actor, "walk", leader.org)


def require(actor: Actor, leader: Leader) -> None:
    if not may_record(actor, leader):
        raise PermissionDenied("只有领导干部本人或督查部门可以记录该领导的走流程")


def leaders_for(actor: Actor):
    """The active leaders the actor may record walks for."""
    today = kit.today()
    rows = Leader.objects.select_related("person", "org").exclude(active_to__lte=today)
    if is_system(actor):
        return rows
    return [leader for leader in rows.visible_to(actor) if may_record(actor, leader)]


def _locked(walk: Walk) -> Walk:
    return (
        Walk.objects.select_for_update(of=("self",)).select_related("leader__person", "org").get(pk=walk.pk)
    )


def _editable(walk: Walk) -> None:
    if walk.status == WalkStatus.WITHDRAWN:
        raise StateConflict("该走流程记录已撤回")


def _draft(walk: Walk) -> None:
    if walk.status != WalkStatus.DRAFT:
        raise StateConflict("走流程记录已完成,不能再修改环节和检查项")


# ---------------------------------------------------------------------------------------------
# Recording a walk


@transaction.atomic
def create_walk(
    *,
    actor: Actor,
    leader: Leader,
    service: str,
    place: str,
    as_whom: str,
    walked_on: dt.date | None,
    summary: str = "",
    is_demo: bool = False,
) -> Walk:
    leader = Leader.objects.select_related("person", "org").get(pk=leader.pk)
    require(actor, leader)
    if leader.active_to is not None and leader.active_to <= kit.today():
        raise ServiceError("该领导干部已不在走流程名单中", field="leader")
    service = clean_text(service, "service", "办理事项", required=True, limit=100)
    place = clean_text(place, "place", "办事地点/窗口", required=True, limit=150)
    if as_whom not in AsWhom.values:
        raise ServiceError("请选择以什么身份办事", field="as_whom")
    if walked_on is None:
        raise ServiceError("请填写走流程日期", field="walked_on")
    if walked_on > kit.today():
        raise ServiceError("走流程日期不能晚于今天", field="walked_on")
    walk = Walk.objects.create(
        leader=leader,
        org=leader.org,
        service=service,
        place=place,
        as_whom=as_whom,
        walked_on=walked_on,
        summary=clean_text(summary, "summary", "总体感受", required=False, limit=MAX_TEXT),
        created_by=user_or_none(actor),
        created_at=clock.now(),
        is_demo=is_demo,
    )
    record(
        walk,
        WALK_CREATED,
        actor=actor,
        after={"leader": leader.name, "service": service, "place": place, "as_whom": as_whom},
    )
    return walk


@transaction.atomic
def add_step(*, actor: Actor, walk: Walk, title: str, minutes, observation: str = "") -> WalkStep:
    walk = _locked(walk)
    require(actor, walk.leader)
    _draft(walk)
    title = clean_text(title, "step_title", "环节", required=True, limit=100)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError) as error:
        raise ServiceError("请填写该环节用时(分钟,整数)", field="minutes") from error
    if minutes < 0 or minutes > MAX_MINUTES:
        raise ServiceError("用时应在 0 到 43200 分钟之间", field="minutes")
    count = walk.steps.count()
    if count >= MAX_STEPS:
        raise ServiceError(f"每次走流程最多登记 {MAX_STEPS} 个环节", field="step_title")
    step = WalkStep.objects.create(
        walk=walk,
        sort=count + 1,
        title=title,
        minutes=minutes,
        observation=clean_text(observation, "observation", "观察到的情况", required=False, limit=MAX_TEXT),
        created_at=clock.now(),
    )
    walk.total_minutes = sum(walk.steps.values_list("minutes", flat=True))
    walk.save(update_fields=["total_minutes"])
    record(walk, STEP_ADDED, actor=actor, after={"sort": step.sort, "title": title, "minutes": minutes})
    return step


def checklist() -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(active=True).order_by("sort", "pk"))


@transaction.atomic
def answer_checklist(*, actor: Actor, walk: Walk, answers: dict[int, tuple[bool, str]]) -> list[WalkCheck]:
    """``answers``: item id → (达到, 说明). Every active item must be answered; 未达到 needs a note.
    Answering again replaces the draft's answers (the audit event keeps both)."""
    walk = _locked(walk)
    require(actor, walk.leader)
    _draft(walk)
    items = checklist()
    if not items:
        raise ServiceError("尚未设置走流程检查项,请在管理后台添加", field="checklist")
    rows = []
    for item in items:
        if item.pk not in answers or answers[item.pk][0] is None:
            raise ServiceError(f"请选择“{item.label}”是否达到", field=f"item_{item.pk}")
        reached, note = answers[item.pk]
        note = clean_text(note, f"note_{item.pk}", f"“{item.label}”的说明", required=not reached, limit=300)
        rows.append((item, bool(reached), note))
    before = {c.label: c.reached for c in walk.checks.all()}
    checks = []
    for item, reached, note in rows:
        check, _ = WalkCheck.objects.update_or_create(
            walk=walk, item=item, defaults={"label": item.label, "reached": reached, "note": note}
        )
        checks.append(check)
    record(
        walk,
        CHECKLIST_ANSWERED,
        actor=actor,
        before=before or None,
        after={c.label: ("达到" if c.reached else f"未达到:{c.note}") for c in checks},
    )
    return checks


@transaction.atomic
def add_problem(
    *, actor: Actor, walk: Walk, description: str, uploads: Sequence = (), step: WalkStep | None = None
) -> WalkProblem:
    """A problem found, with photos (checked by content and re-encoded without EXIF/GPS: cases.photos)."""
    from cases.photos import check_count, clean_photo

    walk = _locked(walk)
    require(actor, walk.leader)
    _editable(walk)
    description = clean_text(description, "description", "问题描述", required=True, limit=MAX_TEXT)
    if step is not None and step.walk_id != walk.pk:
        raise ServiceError("所选环节不属于该次走流程", field="step")
    count = walk.problems.count()
    if count >= MAX_PROBLEMS:
        raise ServiceError(f"每次走流程最多登记 {MAX_PROBLEMS} 个问题", field="description")
    uploads = list(uploads or [])
    check_count(uploads)
    cleaned = [clean_photo(upload) for upload in uploads]
    problem = WalkProblem.objects.create(
        walk=walk, sort=count + 1, step=step, description=description, created_at=clock.now()
    )
    for content, width, height in cleaned:
        photo = WalkPhoto(
            problem=problem,
            width=width,
            height=height,
            uploaded_by=user_or_none(actor),
            created_at=clock.now(),
        )
        photo.file.save("photo.jpg", content, save=False)
        photo.save()
    record(
        walk,
        PROBLEM_ADDED,
        actor=actor,
        after={"sort": problem.sort, "description": description[:200], "photos": len(cleaned)},
    )
    return problem


@transaction.atomic
def record_walk(*, actor: Actor, walk: Walk) -> Walk:
    """草稿 → 已记录: at least one step and every active checklist item answered. The walk then
    counts for the leader's year; its problems may be handed on."""
    walk = _locked(walk)
    require(actor, walk.leader)
    _draft(walk)
    if not walk.steps.exists():
        raise ServiceError("请先登记走过的办事环节和用时", field="step_title")
    answered = set(walk.checks.values_list("item_id", flat=True))
    missing = [item.label for item in checklist() if item.pk not in answered]
    if missing:
        raise ServiceError(f"请先填写检查项:{'、'.join(missing)}", field="checklist")
    walk.status, walk.recorded_at = WalkStatus.RECORDED, clock.now()
    walk.save(update_fields=["status", "recorded_at"])
    record(
        walk,
        WALK_RECORDED,
        actor=actor,
        before={"status": WalkStatus.DRAFT},
        after={"status": walk.status, "total_minutes": walk.total_minutes, "problems": walk.problems.count()},
    )
    return walk


@transaction.atomic
def withdraw_walk(*, actor: Actor, walk: Walk, reason: str) -> Walk:
    """A walk entered by mistake leaves the list and the yearly count; its handed problems stay
    with their cases and tasks."""
    walk = _locked(walk)
    require(actor, walk.leader)
    _editable(walk)
    reason = clean_text(reason, "reason", "撤回原因", required=True, limit=200)
    before = walk.status
    walk.status, walk.withdrawn_at, walk.withdraw_reason = WalkStatus.WITHDRAWN, clock.now(), reason
    walk.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
    record(
        walk,
        WALK_WITHDRAWN,
        actor=actor,
        reason=reason,
        before={"status": before},
        after={"status": walk.status},
    )
    return walk


# ---------------------------------------------------------------------------------------------
# Handing a problem on (one step each)


def _locked_problem(problem: WalkProblem) -> tuple[WalkProblem, Walk]:
    problem = WalkProblem.objects.select_for_update(of=("self",)).get(pk=problem.pk)
    walk = _locked(problem.walk)
    if problem.handover:
        raise StateConflict(f"问题{problem.sort}已交办,不能重复交办")
    if walk.status != WalkStatus.RECORDED:
        raise StateConflict("走流程记录完成后才能交办问题")
    return problem, walk


def _photo_copies(problem: WalkProblem) -> list[ContentFile]:
    copies = []
    for photo in problem.photos.all():
        with photo.file.open("rb") as handle:
            copies.append(ContentFile(handle.read(), name="photo.jpg"))
    return copies


@transaction.atomic
def hand_to_case(
    *,
    actor: Actor,
    problem: WalkProblem,
    category,
    lead_unit: Org | None,
    area: Org | None = None,
    instructions: str = "",
):
    """One step: a grid case (来源 领导走流程) reported with the problem's photos, registered in
    ``category`` and dispatched to ``lead_unit`` (``cases.services``; their checks apply)."""
    from cases import services as cases
    from cases.models import Channel

    problem, walk = _locked_problem(problem)
    require(actor, walk.leader)
    if category is None:
        raise ServiceError("请选择事项分类(小类)", field="category")
    if lead_unit is None:
        raise ServiceError("请选择主办单位", field="lead_unit")
    instructions = clean_text(instructions, "instructions", "交办意见", required=False, limit=500)
    leader = walk.leader
    description = (
        f"{problem.description}\n(领导干部走流程发现:{leader.title}{leader.name},"
        f"{walk.walked_on:%Y-%m-%d} 以{walk.get_as_whom_display()}身份办理“{walk.service}”,地点:{walk.place})"
    )
    case = cases.report_case(
        channel=Channel.WALK,
        description=description,
        actor=SYSTEM,
        title=f"走流程:{problem.description[:24]}",
        address=walk.place,
        area=area,
        reporter_name=leader.name,
        notify_reporter=False,
        uploads=_photo_copies(problem),
    )
    case = cases.register_case(case, actor=SYSTEM, category=category, note="领导干部走流程发现问题")
    case = cases.dispatch_case(
        case,
        actor=SYSTEM,
        lead_unit=lead_unit,
        instructions=instructions or "领导干部走流程发现问题,请限时整改",
    )
    problem.handover, problem.case = Handover.CASE, case
    problem.handed_at, problem.handed_by = clock.now(), user_or_none(actor)
    problem.save(update_fields=["handover", "case", "handed_at", "handed_by"])
    record(
        walk,
        HANDED_TO_CASE,
        actor=actor,
        after={"problem": problem.sort, "case": case.number, "lead_unit": lead_unit.name},
    )
    return case


def yearly_plan(owner: Org, year: int):
    """The office's plan “领导干部走流程发现问题整改” of ``year``, created (and issued) when missing."""
    from workplan import services as wp
    from workplan.models import Plan, PlanKind, PlanState

    title = f"{year}年{PLAN_TITLE}"
    plan = (
        Plan.objects.filter(org=owner, year=year, title=title)
        .exclude(state=PlanState.ARCHIVED)
        .order_by("pk")
        .first()
    )
    if plan is None:
        plan = wp.create_plan(
            actor=SYSTEM,
            owner=owner,
            title=title,
            year=year,
            kind=PlanKind.INSTRUCTION,
            source_meeting="领导干部走流程发现问题",
        )
    return plan


@transaction.atomic
def hand_to_task(
    *,
    actor: Actor,
    problem: WalkProblem,
    lead_unit: Org | None,
    deadline: dt.date | None,
    title: str = "",
    co_units: Iterable[Org] = (),
):
    """One step: a task of the office's yearly plan (lead unit and deadline), issued at once."""
    from workplan import services as wp
    from workplan.models import LinkKind, PlanState

    problem, walk = _locked_problem(problem)
    require(actor, walk.leader)
    if lead_unit is None:
        raise ServiceError("请选择牵头单位", field="lead_unit")
    if deadline is None:
        raise ServiceError("请填写整改时限", field="deadline")
    today = kit.today()
    if deadline < today:
        raise ServiceError("整改时限不能早于今天", field="deadline")
    leader = walk.leader
    plan = yearly_plan(walk.org, today.year)
    task = wp.create_task(
        plan,
        actor=SYSTEM,
        title=clean_text(title, "title", "任务名称", required=False, limit=300)
        or f"整改走流程发现问题:{problem.description[:60]}",
        start_on=today,
        deadline=deadline,
        lead_unit=lead_unit,
        co_units=list(co_units),
        description=(
            f"{problem.description}\n领导干部走流程发现:{leader.title}{leader.name},"
            f"{walk.walked_on:%Y-%m-%d} 以{walk.get_as_whom_display()}身份办理“{walk.service}”({walk.place})"
        )[:MAX_TEXT],
        leader=leader.person,
        expected_result="问题整改到位,经核验后销号",
    )
    if plan.state == PlanState.DRAFT:
        wp.approve_plan(plan, actor=SYSTEM)
    # The task shows the walk among its linked records.
    wp.link_record(
        task,
        actor=SYSTEM,
        kind=LinkKind.URL,
        ref=f"/walks/{walk.pk}/",
        label=f"领导干部走流程:{walk.service}",
    )
    problem.handover, problem.task = Handover.TASK, task
    problem.handed_at, problem.handed_by = clock.now(), user_or_none(actor)
    problem.save(update_fields=["handover", "task", "handed_at", "handed_by"])
    record(
        walk,
        HANDED_TO_TASK,
        actor=actor,
        after={"problem": problem.sort, "task": task.pk, "lead_unit": lead_unit.name, "deadline": deadline},
    )
    return task
