"""巡视巡察整改 over REST: problem lists with their problems and rectification items created from
other systems (巡察信息系统, 纪检监察平台 …) in one call, and the items in the caller's scope with
their status. Writes go through ``rectify.services`` (the same permission and deadline rules as
the pages); a list or unit outside the caller's scope is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from core import kit
from orgs.models import Org
from rectify import selectors, services
from rectify.models import ItemStatus, Source

from .. import idempotency
from . import schemas as s

router = Router(tags=["巡视巡察整改"])
MAX_ROWS = 500
Id = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(ItemStatus.values)]  # type: ignore[valid-type]


class ItemIn(s.In):
    measure: str = s.Required(max_length=300, description="整改措施")
    unit: int = Field(ge=1, le=2**63 - 1, description="责任单位 id")
    responsible_name: str = Field("", max_length=50, description="责任人")
    deadline: dt.date | None = Field(None, description="完成时限;不填则为整改情况报告期限")


class ProblemIn(s.In):
    text: str = s.Required(max_length=4000, description="问题描述")
    number: str = Field("", max_length=20)
    source_ref: str = Field("", max_length=100, description="来源系统中的问题编号")
    items: list[ItemIn] = Field(default_factory=list, max_length=50)


class ListIn(s.In):
    issuer: int = Field(ge=1, le=2**63 - 1, description="下发单位 id(负责销号)")
    unit: int = Field(ge=1, le=2**63 - 1, description="被巡视/巡察单位 id")
    title: str = s.Required(max_length=150)
    source: SourceCode
    feedback_on: dt.date = Field(description="反馈日期")
    issuer_name: str = Field("", max_length=100, description="反馈主体,如 区委第二巡察组")
    document_no: str = Field("", max_length=60)
    problems: list[ProblemIn] = Field(min_length=1, max_length=200)


class ItemOut(Schema):
    id: int
    list_id: int
    list_title: str
    problem: str = Field(description="问题(序号与描述)")
    measure: str
    unit: s.Ref
    responsible_name: str
    deadline: dt.date
    progress: float
    status: str
    status_label: str
    latest: str = Field(description="最新进展")


class ListOut(Schema):
    id: int
    title: str
    source: str
    issuer: s.Ref
    unit: s.Ref
    feedback_on: dt.date
    report_due: dt.date | None = Field(description="整改情况报告期限(按规则参数)")
    items: list[ItemOut]


class ItemFilters(Schema):
    list_id: int | None = Field(None, ge=1, le=2**63 - 1, description="问题清单 id")
    status: StatusCode | None = None
    offset: int = Field(0, ge=0, le=s.MAX_OFFSET)
    limit: int = Field(100, ge=1, le=MAX_ROWS)


def _item_out(row) -> dict:
    item, task = row.item, row.item.task
    return {
        "id": item.pk,
        "list_id": item.problem.problem_list_id,
        "list_title": item.problem.problem_list.title,
        "problem": f"{item.problem.number}. {item.problem.text}",
        "measure": task.title,
        "unit": {"id": item.unit_id, "name": item.unit.name},
        "responsible_name": task.responsible_name,
        "deadline": task.deadline,
        "progress": float(task.progress),
        "status": row.status,
        "status_label": row.status_label,
        "latest": task.latest_summary,
    }


def _list_out(request, pk: int) -> dict:
    plist = get_object_or_404(selectors.lists(request.user), pk=pk)
    visible = selectors.items(request.user).filter(problem__problem_list=plist).order_by("problem_id", "pk")
    return {
        "id": plist.pk,
        "title": plist.title,
        "source": plist.source,
        "issuer": {"id": plist.org_id, "name": plist.org.name},
        "unit": {"id": plist.unit_id, "name": plist.unit.name},
        "feedback_on": plist.feedback_on,
        "report_due": plist.report_due,
        "items": [_item_out(r) for r in selectors.rows(visible, kit.today())],
    }


@router.get("/rectify/items", response={200: list[ItemOut], **s.ERRORS}, summary="整改事项(按可见范围)")
def items(request, filters: Query[ItemFilters]):
    rows = selectors.items(request.user).order_by("task__deadline", "pk")
    if filters.list_id is not None:
        rows = rows.filter(problem__problem_list_id=filters.list_id)
    found = selectors.rows(rows, kit.today())
    if filters.status:
        found = [r for r in found if r.status == filters.status]
    return [_item_out(r) for r in found[filters.offset : filters.offset + filters.limit]]


@router.get("/rectify/lists/{list_id}", response={200: ListOut, **s.ERRORS}, summary="问题清单及其整改事项")
def problem_list(request, list_id: Id):
    return _list_out(request, list_id)


@router.post("/rectify/lists", response={201: ListOut, **s.ERRORS}, summary="下发问题清单(含问题和整改事项)")
def create_list(
    request,
    response: HttpResponse,
    payload: ListIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    def create():
        orgs = Org.objects.visible_to(request.user)
        issuer = get_object_or_404(Org.objects.visible_to(request.user, "rectify_issue"), pk=payload.issuer)
        plist = services.create_with_problems(
            actor=request.user,
            issuer=issuer,
            unit=get_object_or_404(orgs, pk=payload.unit),
            title=payload.title,
            source=payload.source,
            feedback_on=payload.feedback_on,
            issuer_name=payload.issuer_name,
            document_no=payload.document_no,
            problems=[
                {
                    "text": p.text,
                    "number": p.number,
                    "source_ref": p.source_ref,
                    "items": [
                        {
                            "measure": i.measure,
                            "unit": get_object_or_404(orgs, pk=i.unit),
                            "responsible_name": i.responsible_name,
                            "deadline": i.deadline,
                        }
                        for i in p.items
                    ],
                }
                for p in payload.problems
            ],
        )
        return plist, _list_out(request, plist.pk)

    body = idempotency.run(
        request,
        response,
        idempotency_key,
        payload.model_dump(mode="json"),
        "rectify.lists.create",
        create,
        lambda pk: _list_out(request, pk),
    )
    return Status(201, body)
