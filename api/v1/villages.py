"""Village decisions by 四议两公开 over REST: the items of the villages in the caller's scope, each
with its steps and rule checks, and the two writes — proposing an item (step 1) and recording the
next step — through ``villages.services`` (order, quorum, majority and disclosure rules are checked
there, exactly as on the pages). An item outside the caller's scope is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from villages import selectors, services, workflow
from villages.models import DecisionStatus, MatterKind, StepKind, VillagersBody

from .. import idempotency
from . import schemas as s

router = Router(tags=["四议两公开"])
MAX_ROWS = 500
Id = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
MatterCode = Literal[tuple(MatterKind.values)]  # type: ignore[valid-type]
StepCode = Literal[tuple(StepKind.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(DecisionStatus.values)]  # type: ignore[valid-type]
BodyCode = Literal[tuple(VillagersBody.values)]  # type: ignore[valid-type]


class CheckOut(Schema):
    rule: str = Field(description="规则代码")
    result: str = Field(description="passed 符合 / deviation 偏差(已登记,需整改说明)")
    message: str
    source: str = Field(description="依据")


class StepOut(Schema):
    id: int
    kind: str
    kind_label: str
    held_on: dt.date
    body: str = Field(description="会议/主体")
    villagers_body: str
    expected: int | None
    present: int | None
    yes: int | None
    no: int | None
    abstain: int | None
    passed: bool
    decided: str = Field("", description="决定事项(仅表决通过时)")
    expected_note: str = Field("", description="应到说明(与名册不一致时)")
    channel: str = Field(description="公开方式")
    disclose_from: dt.date | None
    disclose_to: dt.date | None
    has_deviation: bool
    checks: list[CheckOut]
    superseded_at: dt.datetime | None = Field(description="被更正的时间;为空表示现行记录")


class DecisionOut(Schema):
    id: int
    village: s.Ref
    title: str
    matter: str
    matter_label: str
    status: str
    status_label: str
    done_steps: int = Field(description="已完成步骤(共 6 步)")
    next_step: str | None = Field(description="下一步骤代码;已完成为空")
    started_on: dt.date | None
    due_on: dt.date | None = Field(description="下一步期限")
    due_label: str
    deviations: int = Field(description="偏差数")


class DecisionDetail(DecisionOut):
    summary: str
    result: str = Field(description="实施结果(公开)")
    steps: list[StepOut]


class DecisionFilters(Schema):
    village: int | None = Field(None, ge=1, le=2**63 - 1, description="村 id")
    status: StatusCode | None = None
    deviations: bool | None = Field(None, description="只看有偏差的事项")
    offset: int = Field(0, ge=0, le=s.MAX_OFFSET)
    limit: int = Field(100, ge=1, le=MAX_ROWS)


class VillageDecisionIn(s.In):
    village: int = Field(ge=1, le=2**63 - 1, description="村 id")
    title: str = s.Required(max_length=150)
    matter: MatterCode
    summary: str = s.Required(max_length=5000, description="事项内容(将公开,勿含个人信息)")
    held_on: dt.date = Field(description="提议日期")
    body: str = Field("", max_length=100, description="提议主体,默认村党组织")
    minutes: str = Field("", max_length=5000)


class VotesIn(s.In):
    expected: int | None = Field(
        None,
        ge=0,
        le=100000,
        description="应到;不填则按名册,与名册不一致须填应到说明",
    )
    present: int = Field(ge=0, le=100000, description="实到")
    yes: int = Field(ge=0, le=100000)
    no: int = Field(0, ge=0, le=100000)
    abstain: int = Field(0, ge=0, le=100000)
    households: int | None = Field(None, ge=0, le=100000, description="村民会议按户计:户数")
    households_present: int | None = Field(None, ge=0, le=100000, description="到会户代表")


class VotesPatch(s.In):
    expected: int | None = Field(None, ge=0, le=100000)
    present: int | None = Field(None, ge=0, le=100000)
    yes: int | None = Field(None, ge=0, le=100000)
    no: int | None = Field(None, ge=0, le=100000)
    abstain: int | None = Field(None, ge=0, le=100000)
    households: int | None = Field(None, ge=0, le=100000)
    households_present: int | None = Field(None, ge=0, le=100000)


class StepCorrectionIn(s.In):
    reason: str = s.Required(max_length=200, description="更正原因")
    held_on: dt.date | None = None
    body: str | None = Field(None, max_length=100)
    minutes: str | None = Field(None, max_length=5000)
    villagers_body: BodyCode | None = None
    votes: VotesPatch | None = Field(None, description="只给出要更正的票数")
    expected_note: str | None = Field(None, max_length=200, description="应到说明")
    decided: str | None = Field(None, max_length=5000, description="决定事项")
    channel: str | None = Field(None, max_length=100)
    disclose_to: dt.date | None = None
    result: str | None = Field(None, max_length=5000)


class StepIn(s.In):
    kind: StepCode = Field(description="须为该事项的下一步骤")
    held_on: dt.date
    body: str = Field("", max_length=100)
    minutes: str = Field("", max_length=5000)
    villagers_body: BodyCode | Literal[""] = Field("", description="决议步骤:村民代表会议或村民会议")
    votes: VotesIn | None = Field(None, description="商议、审议、决议步骤的到会和表决")
    expected_note: str = Field("", max_length=200, description="应到说明:与名册不一致的原因")
    decided: str = Field("", max_length=5000, description="决定事项:仅表决通过时填写")
    channel: str = Field("", max_length=100, description="公开步骤:公开方式")
    disclose_to: dt.date | None = Field(None, description="公开步骤:公开结束日期")
    result: str = Field("", max_length=5000, description="实施结果公开步骤:实施结果")
    expected_steps: int | None = Field(
        None, ge=0, le=6, description="客户端看到的已完成步骤数;与服务器不一致时返回 409/422 以免重复登记"
    )


def _decision_out(d) -> dict:
    return {
        "id": d.pk,
        "village": {"id": d.org.pk, "name": d.org.name},
        "title": d.title,
        "matter": d.matter,
        "matter_label": d.get_matter_display(),
        "status": d.status,
        "status_label": d.get_status_display(),
        "done_steps": d.done_steps,
        "next_step": d.next_kind,
        "started_on": d.started_on,
        "due_on": d.due_on,
        "due_label": d.due_label,
        "deviations": d.deviations,
    }


def _check_out(check: dict) -> dict:
    return {key: str(check.get(key, "")) for key in ("rule", "result", "message", "source")}


def _detail(request, pk: int) -> dict:
    d = get_object_or_404(selectors.decisions(request.user), pk=pk)
    steps = d.steps.order_by("held_on", "pk")
    return {
        **_decision_out(d),
        "summary": d.summary,
        "result": d.result,
        "steps": [
            {
                "id": step.pk,
                "kind": step.kind,
                "kind_label": step.get_kind_display(),
                "held_on": step.held_on,
                "body": step.body,
                "villagers_body": step.villagers_body,
                "expected": step.expected,
                "present": step.present,
                "yes": step.yes,
                "no": step.no,
                "abstain": step.abstain,
                "passed": step.passed,
                "decided": step.decided,
                "expected_note": step.expected_note,
                "channel": step.channel,
                "disclose_from": step.disclose_from,
                "disclose_to": step.disclose_to,
                "has_deviation": step.has_deviation,
                "checks": [_check_out(c) for c in step.checks or [] if isinstance(c, dict)],
                "superseded_at": step.superseded_at,
            }
            for step in steps
        ],
    }


@router.get("/villages/decisions", response={200: list[DecisionOut], **s.ERRORS}, summary="四议两公开事项")
def decisions(request, filters: Query[DecisionFilters]):
    rows = selectors.decisions(request.user)
    if filters.village is not None:
        rows = rows.filter(org_id=filters.village)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.deviations is not None:
        rows = rows.filter(deviations__gt=0) if filters.deviations else rows.filter(deviations=0)
    rows = rows.order_by("-updated_at", "-pk")[filters.offset : filters.offset + filters.limit]
    return [_decision_out(d) for d in rows]


@router.get(
    "/villages/decisions/{decision_id}",
    response={200: DecisionDetail, **s.ERRORS},
    summary="四议两公开事项详情(含各步骤和规则检查)",
)
def decision(request, decision_id: Id):
    return _detail(request, decision_id)


@router.post("/villages/decisions", response={201: DecisionDetail, **s.ERRORS}, summary="村党组织提议(第1步)")
def propose(
    request,
    response: HttpResponse,
    payload: VillageDecisionIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    def create():
        village = get_object_or_404(selectors.villages_for(request.user), pk=payload.village)
        found = services.propose_decision(
            actor=request.user,
            village=village,
            title=payload.title,
            matter=payload.matter,
            summary=payload.summary,
            held_on=payload.held_on,
            body=payload.body,
            minutes=payload.minutes,
        )
        return found, _detail(request, found.pk)

    body = idempotency.run(
        request,
        response,
        idempotency_key,
        payload.model_dump(),
        "villages.decisions.create",
        create,
        lambda pk: _detail(request, pk),
    )
    return Status(201, body)


@router.get(
    "/villages/decisions/{decision_id}/actions",
    response={200: list[s.ActionOut], **s.ERRORS},
    summary="当前可办理的操作(依据流程转换表)",
)
def decision_actions(request, decision_id: Id):
    """What the caller may do on the item now: the next step, from the 四议两公开 transition table
    (the same table ``record_step`` refuses by and the item page shows its step form from). Send
    the step with ``kind`` = ``action`` to the endpoint."""
    found = get_object_or_404(selectors.decisions(request.user), pk=decision_id)
    return workflow.DECISIONS.describe(found, request.user, s.API_PREFIX)


@router.post(
    "/villages/decisions/{decision_id}/steps",
    response={201: DecisionDetail, **s.ERRORS},
    summary="登记下一步骤(商议、审议、决议、决议公开、实施结果公开)",
)
def record_step(request, decision_id: Id, payload: StepIn):
    found = get_object_or_404(selectors.decisions(request.user, "change"), pk=decision_id)
    services.record_step(
        actor=request.user,
        decision=found,
        kind=payload.kind,
        held_on=payload.held_on,
        body=payload.body,
        minutes=payload.minutes,
        villagers_body=payload.villagers_body,
        votes=payload.votes.model_dump() if payload.votes else None,
        expected_note=payload.expected_note,
        decided=payload.decided,
        channel=payload.channel,
        disclose_to=payload.disclose_to,
        result=payload.result,
        expected_steps=payload.expected_steps,
    )
    return Status(201, _detail(request, decision_id))


@router.post(
    "/villages/decisions/{decision_id}/steps/{step_id}/corrections",
    response={201: DecisionDetail, **s.ERRORS},
    summary="更正步骤(原记录保留;最近一步可更正日期、表决和公开信息并重新检查)",
)
def correct_step(request, decision_id: Id, step_id: Id, payload: StepCorrectionIn):
    found = get_object_or_404(selectors.decisions(request.user, "change"), pk=decision_id)
    step = get_object_or_404(found.steps.all(), pk=step_id)
    changes = payload.model_dump(exclude={"reason", "votes"}, exclude_none=True)
    if payload.votes is not None:
        changes["votes"] = payload.votes.model_dump(exclude_none=True)
    services.correct_step(actor=request.user, step=step, reason=payload.reason, **changes)
    return Status(201, _detail(request, decision_id))
