"""领导干部走流程 over REST: record a walk (steps, checklist answers, problems) in one request,
add a problem to a walk, read a walk with each problem's progress to 销号 — through
``walks.services`` (the same permission and rules as the pages: the leader themself or the
supervision office). Problem photos are uploaded on the page; a walk outside the caller's scope
is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema, Status
from pydantic import Field

from core.errors import ServiceError
from walks import selectors, services
from walks.models import AsWhom

from . import schemas as s

router = Router(tags=["领导干部走流程"])
Id = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
AsWhomCode = Literal[tuple(AsWhom.values)]  # type: ignore[valid-type]


class WalkStepIn(s.In):
    title: str = s.Required(max_length=100, description="环节")
    minutes: int = Field(ge=0, le=services.MAX_MINUTES, description="用时(分钟)")
    observation: str = Field("", max_length=2000, description="观察到的情况")


class WalkCheckIn(s.In):
    item: int = Field(ge=1, description="检查项 id(见 GET /walks/checklist)")
    reached: bool = Field(description="达到 / 未达到")
    note: str = Field("", max_length=300, description="说明(未达到时必填)")


class WalkProblemIn(s.In):
    description: str = s.Required(max_length=2000, description="问题描述")
    step: int | None = Field(None, ge=1, description="发现环节的顺序号(1 起)")


class WalkIn(s.In):
    leader: int = Field(ge=1, description="领导干部(走流程名单)id")
    service: str = s.Required(max_length=100, description="办理事项")
    place: str = s.Required(max_length=150, description="办事地点/窗口")
    as_whom: AsWhomCode = Field(description="以什么身份办事:resident 群众 / enterprise 企业 / agent 办事人")  # type: ignore[valid-type]
    walked_on: dt.date
    summary: str = Field("", max_length=2000, description="总体感受")
    steps: list[WalkStepIn] = Field(default_factory=list, max_length=services.MAX_STEPS)
    checklist: list[WalkCheckIn] = Field(default_factory=list, max_length=50)
    problems: list[WalkProblemIn] = Field(default_factory=list, max_length=services.MAX_PROBLEMS)
    record: bool = Field(False, description="同时完成记录(需已有环节并填写全部检查项)")


class ChecklistItemOut(Schema):
    id: int
    label: str
    question: str


class WalkStepOut(Schema):
    sort: int
    title: str
    minutes: int
    observation: str


class WalkCheckOut(Schema):
    label: str
    reached: bool
    note: str


class WalkProblemOut(Schema):
    sort: int
    description: str
    photos: int
    handover: str = Field(description="case 网格事项 / task 督办任务 / 空:待交办")
    progress: str = Field(description="待交办,或网格事项/督办任务的状态;已销号")
    closed: bool = Field(description="已销号(事项已结案或任务已核验)")
    case_number: str = ""
    task: int | None = None


class WalkOut(Schema):
    id: int
    leader: str
    leader_title: str
    service: str
    place: str
    as_whom: str
    walked_on: dt.date
    status: str
    state: str = Field(description="草稿 / 问题整改中 / 问题已全部销号 …")
    total_minutes: int
    steps: list[WalkStepOut]
    checklist: list[WalkCheckOut]
    problems: list[WalkProblemOut]


def _out(request, walk_id: int) -> dict:
    walk = get_object_or_404(selectors.walks(request.user), pk=walk_id)
    rows = selectors.problems_of(walk)
    return {
        "id": walk.pk,
        "leader": walk.leader.name,
        "leader_title": walk.leader.title,
        "service": walk.service,
        "place": walk.place,
        "as_whom": walk.as_whom,
        "walked_on": walk.walked_on,
        "status": walk.status,
        "state": selectors.walk_state(walk, rows),
        "total_minutes": walk.total_minutes,
        "steps": [
            {"sort": x.sort, "title": x.title, "minutes": x.minutes, "observation": x.observation}
            for x in walk.steps.all()
        ],
        "checklist": [{"label": c.label, "reached": c.reached, "note": c.note} for c in walk.checks.all()],
        "problems": [
            {
                "sort": p.sort,
                "description": p.description,
                "photos": len(p.photos.all()),
                "handover": p.handover,
                "progress": progress.label,
                "closed": progress.closed,
                "case_number": p.case.number if p.case_id else "",  # type: ignore[union-attr]
                "task": p.task_id,
            }
            for p, progress in rows
        ],
    }


@router.get("/walks/checklist", response={200: list[ChecklistItemOut], **s.ERRORS}, summary="走流程检查项")
def checklist(request):
    return [{"id": i.pk, "label": i.label, "question": i.question} for i in services.checklist()]


@router.get(
    "/walks/{walk_id}",
    response={200: WalkOut, **s.ERRORS},
    summary="走流程记录(含问题整改进度)",
    url_name="walks_detail",
)
def walk_detail(request, walk_id: Id):
    return _out(request, walk_id)


@router.post(
    "/walks",
    response={201: WalkOut, **s.ERRORS},
    summary="记录一次走流程(环节、检查项、问题)",
    url_name="walks_create",
)
def create(request, payload: WalkIn):
    leader = next((x for x in services.leaders_for(request.user) if x.pk == payload.leader), None)
    if leader is None:
        raise ServiceError("找不到该领导干部,或您无权为其记录走流程", field="leader")
    with transaction.atomic():
        walk = services.create_walk(
            actor=request.user,
            leader=leader,
            service=payload.service,
            place=payload.place,
            as_whom=payload.as_whom,
            walked_on=payload.walked_on,
            summary=payload.summary,
        )
        steps = [
            services.add_step(
                actor=request.user, walk=walk, title=x.title, minutes=x.minutes, observation=x.observation
            )
            for x in payload.steps
        ]
        if payload.checklist:
            answers = {c.item: (c.reached, c.note) for c in payload.checklist}
            services.answer_checklist(actor=request.user, walk=walk, answers=answers)
        for p in payload.problems:
            step = steps[p.step - 1] if p.step and p.step <= len(steps) else None
            services.add_problem(actor=request.user, walk=walk, description=p.description, step=step)
        if payload.record:
            services.record_walk(actor=request.user, walk=walk)
    return Status(201, _out(request, walk.pk))


@router.post(
    "/walks/{walk_id}/problems",
    response={201: WalkOut, **s.ERRORS},
    summary="登记走流程发现的问题",
    url_name="walks_add_problem",
)
def add_problem(request, walk_id: Id, payload: WalkProblemIn):
    walk = get_object_or_404(selectors.walks(request.user), pk=walk_id)
    step = walk.steps.filter(sort=payload.step).first() if payload.step else None
    services.add_problem(actor=request.user, walk=walk, description=payload.description, step=step)
    return Status(201, _out(request, walk.pk))


@router.post(
    "/walks/{walk_id}/record",
    response={200: WalkOut, **s.ERRORS},
    summary="完成走流程记录",
    url_name="walks_record",
)
def record(request, walk_id: Id):
    walk = get_object_or_404(selectors.walks(request.user), pk=walk_id)
    services.record_walk(actor=request.user, walk=walk)
    return _out(request, walk.pk)
