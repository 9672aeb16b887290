"""Party organizations, organization life and compliance findings: the same scoping
(``party.scope.party_orgs`` / ``visible_to``), the same finding engine and the same
``party.life.services`` calls (record, correct, void a meeting) as the secretary's pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from core.textguard import NONBLANK_PATTERN
from orgs.models import Org, Person
from party import compliance, scope
from party import selectors as party_selectors
from party.development import selectors as development_selectors
from party.development import services as development
from party.development.workflow import DEVELOPMENT
from party.life import services
from party.models import AttendanceStatus, Meeting, MeetingKind, ResolutionKind, Talk, TalkKind
from party.study_group import services as study_services
from party.study_group.models import COMMITTEE_KINDS, Presence, SessionKind, SpeechRole, StudySession
from party.talks import services as talks

from .. import idempotency
from ..errors import ApiError
from . import schemas as s

router = Router(tags=["基层党组织"])
MAX_ROWS = 500


class PartyOrgOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    host: s.Ref | None = Field(description="所在单位/社区")


class FindingOut(Schema):
    severity: str = Field(description="high 严重 / medium 一般 / low 提示")
    rule: str
    title: str
    org_id: int
    org_name: str
    reason: str
    evidence: list[str]
    action: str
    source: str
    period: str


class MeetingOut(Schema):
    id: int
    org: s.Ref
    kind: str
    kind_label: str
    held_on: dt.date
    topic: str
    expected: int
    present: int
    voided: bool


class ResolutionOut(Schema):
    subject: str
    kind: str
    eligible: int
    present: int
    yes: int
    no: int
    abstain: int
    passed: bool


class MeetingDetail(MeetingOut):
    place: str
    minutes: str
    decisions: str
    follow_ups: str
    study_hours: float
    version: int
    resolutions: list[ResolutionOut]


class MeetingFilters(Schema):
    org: int | None = Field(None, description="党组织 id(含其党小组)")
    year: int | None = Field(None, ge=2000, le=2100)
    kind: Literal[tuple(MeetingKind.values)] | None = Field(  # type: ignore[valid-type]
        None, description="会议类型,如 branch_assembly"
    )
    offset: int = Field(0, ge=0, le=s.MAX_OFFSET)
    limit: int = Field(100, ge=1, le=MAX_ROWS)


def org_ref(org):
    return {"id": org.pk, "name": org.name, "kind": org.kind} if org else None


def _org(request, org_id: int):
    return get_object_or_404(scope.party_orgs(request.user), pk=org_id)


@router.get("/party/orgs", response={200: list[PartyOrgOut], **s.ERRORS}, summary="党组织列表")
def party_orgs(request, parent: int | None = None):
    orgs = scope.party_orgs(request.user).select_related("host").order_by("path")
    if parent is not None:
        orgs = orgs.filter(path__startswith=_org(request, parent).path).exclude(pk=parent)
    rows = []
    for org in orgs[: MAX_ROWS * 4]:
        parent_path = org.path[: -org.steplen]
        rows.append((org, parent_path))
    ids = {org.path: org.pk for org, _ in rows}
    return [
        {
            "id": org.pk,
            "name": org.name,
            "kind": org.kind,
            "parent_id": ids.get(parent_path),
            "host": org_ref(org.host),
        }
        for org, parent_path in rows
    ]


@router.get(
    "/party/orgs/{org_id}/findings",
    response={200: list[FindingOut], **s.ERRORS},
    summary="合规检查问题(与组织部门页面相同)",
)
def findings(request, org_id: int, start: dt.date | None = None, end: dt.date | None = None):
    org = _org(request, org_id)
    if (start is None) != (end is None):
        raise ApiError(422, "rule_violation", "请同时给出开始和结束日期", "start")
    if start is None:
        start, end = compliance.default_window(party_selectors.today())
    if end < start or (end - start).days > 366 * 2:
        raise ApiError(422, "rule_violation", "日期范围无效(结束不早于开始,最长两年)", "end")
    return [
        {
            "severity": f.severity,
            "rule": f.rule,
            "title": f.title,
            "org_id": f.org_id,
            "org_name": f.org_name,
            "reason": f.reason,
            "evidence": f.evidence,
            "action": f.action,
            "source": f.source,
            "period": f.period,
        }
        for f in party_selectors.findings(org, start, end)
    ]


def _meetings(request):
    orgs = scope.party_orgs(request.user)
    return (
        Meeting.objects.visible_to(request.user)
        .filter(org__in=orgs)
        .select_related("org")
        .annotate(
            expected=Count("attendance"),
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
        )
    )


def _meeting_out(m) -> dict:
    return {
        "id": m.pk,
        "org": org_ref(m.org),
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "held_on": m.held_on,
        "topic": m.topic,
        "expected": m.expected,
        "present": m.present,
        "voided": m.voided_at is not None,
    }


@router.get("/party/meetings", response={200: list[MeetingOut], **s.ERRORS}, summary="组织生活记录")
def meetings(request, filters: Query[MeetingFilters]):
    rows = _meetings(request)
    if filters.org is not None:
        org = _org(request, filters.org)
        rows = rows.filter(Q(org=org) | Q(org__path__startswith=org.path, org__kind="group"))
    if filters.year:
        rows = rows.filter(held_on__year=filters.year)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    rows = rows.order_by("-held_on", "-pk")[filters.offset : filters.offset + filters.limit]
    return [_meeting_out(m) for m in rows]


@router.get(
    "/party/meetings/{meeting_id}", response={200: MeetingDetail, **s.ERRORS}, summary="组织生活记录详情"
)
def meeting(request, meeting_id: int):
    m = get_object_or_404(_meetings(request), pk=meeting_id)
    return {
        **_meeting_out(m),
        "place": m.place,
        "minutes": m.minutes,
        "decisions": m.decisions,
        "follow_ups": m.follow_ups,
        "study_hours": float(m.study_hours),
        "version": m.version,
        "resolutions": [
            {
                "subject": r.subject,
                "kind": r.kind,
                "eligible": r.eligible,
                "present": r.present,
                "yes": r.yes,
                "no": r.no,
                "abstain": r.abstain,
                "passed": r.passed,
            }
            for r in m.resolutions.order_by("pk")
        ],
    }


# ---------------------------------------------------------------------------------------------
# Writes: one ``party.life.services`` call each


AttendanceCode = Literal[tuple(AttendanceStatus.values)]  # type: ignore[valid-type]
MeetingKindCode = Literal[tuple(MeetingKind.values)]  # type: ignore[valid-type]
ResolutionKindCode = Literal[tuple(ResolutionKind.values)]  # type: ignore[valid-type]


class ExpectedMemberOut(Schema):
    member_id: int
    name: str
    category: str = Field(description="formal 正式党员 / probationary 预备党员(无表决权)")
    last_status: str | None = Field(description="上次同类会议的出席情况,可复制")
    last_reason: str


class AttendanceIn(s.In):
    member_id: int = Field(ge=1, le=2**63 - 1)
    status: AttendanceCode = Field(description="present 出席 / absent 缺席 / leave 请假(须填原因)")
    reason: str = Field("", max_length=100)


class ResolutionIn(s.In):
    subject: str = s.Required(max_length=200, description="表决事项")
    kind: ResolutionKindCode = "other"
    yes: int = Field(0, ge=0, le=100000)
    no: int = Field(0, ge=0, le=100000)
    abstain: int = Field(0, ge=0, le=100000)


class MeetingIn(s.In):
    org: int = Field(ge=1, le=2**63 - 1, description="党组织 id(支部、党小组…)")
    kind: MeetingKindCode
    held_on: dt.date
    topic: str = s.Required(max_length=200, description="会议主题")
    place: str = Field("", max_length=100)
    convener: int | None = Field(None, ge=1, le=2**63 - 1, description="召集人/主持人(人员 id)")
    minutes: str = Field("", max_length=20000, description="会议记录")
    decisions: str = Field("", max_length=5000)
    follow_ups: str = Field("", max_length=5000)
    study_hours: float | None = Field(None, ge=0, le=8, description="计入学时;留空按规则默认")
    attendance: list[AttendanceIn] = Field(description="每位应到会党员一条(见 expected-members)")
    resolutions: list[ResolutionIn] = Field([], max_length=20, description="表决事项(党员大会/支委会)")
    photos: list[s.PhotoIn] = Field([], max_length=9)


class MeetingCorrectionIn(s.In):
    reason: str = s.Required(max_length=200, description="更正原因")
    held_on: dt.date | None = None
    topic: str | None = Field(None, min_length=1, max_length=200, pattern=NONBLANK_PATTERN)
    place: str | None = Field(None, max_length=100)
    minutes: str | None = Field(None, max_length=20000)
    decisions: str | None = Field(None, max_length=5000)
    follow_ups: str | None = Field(None, max_length=5000)
    study_hours: float | None = Field(None, ge=0, le=8)
    attendance: list[AttendanceIn] | None = None


class VoidIn(s.In):
    reason: str = s.Required(max_length=200, description="作废原因")


def _attendance(rows: list[AttendanceIn]) -> dict:
    cleaned = {}
    for row in rows:
        if row.member_id in cleaned:
            raise ApiError(422, "rule_violation", "同一党员的出席情况登记了两次", "attendance")
        cleaned[row.member_id] = (row.status, row.reason)
    return cleaned


@router.get(
    "/party/orgs/{org_id}/expected-members",
    response={200: list[ExpectedMemberOut], **s.ERRORS},
    summary="应到会党员(登记出席用,可复制上次出席情况)",
)
def expected_members(
    request, org_id: int, kind: MeetingKindCode = "branch_assembly", held_on: dt.date | None = None
):
    org = _org(request, org_id)
    held_on = held_on or party_selectors.today()
    last = services.last_attendance(org, kind, before=held_on)
    members = services.expected_members(org, kind, held_on).select_related("person").order_by("person__name")
    return [
        {
            "member_id": m.pk,
            "name": m.person.name,
            "category": m.category,
            "last_status": last.get(m.pk, (None, ""))[0],
            "last_reason": last.get(m.pk, (None, ""))[1],
        }
        for m in members
    ]


@router.post("/party/meetings", response={201: MeetingDetail, **s.ERRORS}, summary="登记组织生活(三会一课等)")
def record_meeting(
    request,
    response: HttpResponse,
    payload: MeetingIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    """``party.life.services.record_meeting``: the date may not be in the future, every expected member
    gets one attendance row, votes are checked for quorum (more than half of the formal members
    present) and passed by yes votes over half of those who should attend."""

    def create():
        found = services.record_meeting(
            actor=request.user,
            org=_org(request, payload.org),
            kind=payload.kind,
            held_on=payload.held_on,
            topic=payload.topic,
            attendance=_attendance(payload.attendance),
            place=payload.place,
            convener=payload.convener,
            minutes=payload.minutes,
            decisions=payload.decisions,
            follow_ups=payload.follow_ups,
            study_hours=payload.study_hours,
            resolutions=[r.model_dump() for r in payload.resolutions],
            photos=s.decode_photos(payload.photos),
        )
        return found, meeting(request, found.pk)

    body = idempotency.run(
        request,
        response,
        idempotency_key,
        payload.model_dump(),
        "party.meetings.create",
        create,
        lambda pk: meeting(request, pk),
    )
    return Status(201, body)


@router.post(
    "/party/meetings/{meeting_id}/corrections",
    response={200: MeetingDetail, **s.ERRORS},
    summary="更正组织生活记录(保留原版本)",
)
def correct_meeting(request, meeting_id: int, payload: MeetingCorrectionIn):
    found = get_object_or_404(_meetings(request), pk=meeting_id)
    changes = {
        name: value
        for name, value in payload.model_dump(exclude={"reason", "attendance"}).items()
        if value is not None
    }
    attendance = None if payload.attendance is None else _attendance(payload.attendance)
    services.correct_meeting(
        actor=request.user, meeting=found, reason=payload.reason, attendance=attendance, **changes
    )
    return meeting(request, found.pk)


@router.post(
    "/party/meetings/{meeting_id}/void",
    response={200: MeetingDetail, **s.ERRORS},
    summary="作废误录的组织生活记录(记录保留)",
)
def void_meeting(request, meeting_id: int, payload: VoidIn):
    found = get_object_or_404(_meetings(request), pk=meeting_id)
    services.void_meeting(actor=request.user, meeting=found, reason=payload.reason)
    return meeting(request, found.pk)


# ---------------------------------------------------------------------------------------------
# 谈心谈话 (talk log): ``party.talks.services`` like the secretary's pages

TalkKindCode = Literal[tuple(TalkKind.values)]  # type: ignore[valid-type]


class TalkOut(Schema):
    id: int
    org: s.Ref
    held_on: dt.date
    place: str
    initiator: s.Ref = Field(description="谈话人(党员 id、姓名)")
    other: s.Ref = Field(description="谈话对象(党员 id、姓名)")
    initiator_post: str = Field(
        description="谈话人谈话当天在本支部的委员会职务:secretary 书记 / deputy_secretary 副书记 / "
        "committee_member 委员 / 空 = 不是支委(按任职记录,任职记录更正后随之更新)"
    )
    other_post: str = Field(description="谈话对象谈话当天在本支部的委员会职务(同上)")
    kind: str = Field(
        description="daily 日常谈心谈话 / life_meeting 组织生活会前谈心谈话 / reminder 提醒谈话"
    )
    kind_label: str
    summary: str
    replaces: int | None = Field(description="更正的原记录 id")
    correction_reason: str
    superseded: bool = Field(description="已被更正(不再计入)")
    voided: bool
    void_reason: str


class CommitteeCoverageOut(Schema):
    member_id: int
    name: str
    post: str
    missing: list[str] = Field(description="今年尚未谈话的其他支委")


class MemberCoverageOut(Schema):
    member_id: int
    name: str
    category: str


class CoverageOut(Schema):
    year: int
    day: dt.date = Field(description="统计截至日期")
    pairwise: bool = Field(description="是否要求支委两两谈话(规则参数 talk.committee_pairwise)")
    percent: int = Field(description="覆盖率(支委对数 + 党员人数,向下取整)")
    full: bool
    talks: int
    pairs_total: int
    pairs_done: int
    members_total: int
    members_done: int
    committee: list[CommitteeCoverageOut]
    missing_pairs: list[list[str]]
    members_missing: list[MemberCoverageOut] = Field(description="尚未与任何支委谈话的党员")
    new_members: list[MemberCoverageOut] = Field(description="新入党、暂不计入的党员")


class TalkReportOut(Schema):
    org: s.Ref
    coverage: CoverageOut
    talks: list[TalkOut]


class TalkIn(s.In):
    org: int = Field(ge=1, le=2**63 - 1, description="党支部 id")
    held_on: dt.date
    initiator: int = Field(ge=1, le=2**63 - 1, description="谈话人(本支部党员 id)")
    other: int = Field(ge=1, le=2**63 - 1, description="谈话对象(本支部党员 id)")
    kind: TalkKindCode = "daily"
    place: str = Field("", max_length=100)
    summary: str = s.Required(
        max_length=2000, description="谈话内容摘要(不少于规则参数 talk.summary_min_chars 字,否则 422)"
    )


class TalkCorrectionIn(s.In):
    reason: str = s.Required(max_length=200, description="更正原因")
    held_on: dt.date | None = None
    initiator: int | None = Field(None, ge=1, le=2**63 - 1)
    other: int | None = Field(None, ge=1, le=2**63 - 1)
    kind: TalkKindCode | None = None
    place: str | None = Field(None, max_length=100)
    summary: str | None = Field(None, max_length=2000)


def member_ref(member) -> dict:
    return {"id": member.pk, "name": member.person.name}


def _talks(request):
    return (
        Talk.objects.visible_to(request.user)
        .filter(org__in=scope.party_orgs(request.user))
        .select_related("org", "initiator__person", "other__person")
    )


def _talk_out(t) -> dict:
    return {
        "id": t.pk,
        "org": org_ref(t.org),
        "held_on": t.held_on,
        "place": t.place,
        "initiator": member_ref(t.initiator),
        "other": member_ref(t.other),
        "initiator_post": t.initiator_post,
        "other_post": t.other_post,
        "kind": t.kind,
        "kind_label": t.get_kind_display(),
        "summary": t.summary,
        "replaces": t.replaces_id,
        "correction_reason": t.correction_reason,
        "superseded": t.superseded_at is not None,
        "voided": t.voided_at is not None,
        "void_reason": t.void_reason,
    }


@router.get(
    "/party/orgs/{org_id}/talks",
    response={200: TalkReportOut, **s.ERRORS},
    summary="谈心谈话记录和年度覆盖情况(支委两两、党员与支委)",
)
def org_talks(request, org_id: int, year: int | None = None):
    """``party.talks.services.coverage``: the committee members with the peers they have not talked with this
    year, the members who have not talked with any committee member, counts and a percentage;
    and the branch's talks of the year (corrected versions left out, voided ones marked)."""
    org = _org(request, org_id)
    if org.kind != "branch":
        raise ApiError(422, "rule_violation", "谈心谈话按党支部登记,请给出党支部 id", "org_id")
    today = party_selectors.today()
    year = year or today.year
    if not 2000 <= year <= today.year:
        raise ApiError(422, "rule_violation", "年度无效(不能晚于今年)", "year")
    report = talks.coverage(org, year, today)
    rows = _talks(request).filter(org=org, held_on__year=year, superseded_at__isnull=True)
    return {
        "org": org_ref(org),
        "coverage": {
            "year": report.year,
            "day": report.day,
            "pairwise": report.pairwise,
            "percent": report.percent,
            "full": report.full,
            "talks": report.talks,
            "pairs_total": report.pairs_total,
            "pairs_done": report.pairs_done,
            "members_total": report.members_total,
            "members_done": len(report.members_done),
            "committee": report.committee,
            "missing_pairs": [list(p) for p in report.missing_pairs],
            "members_missing": report.members_missing,
            "new_members": report.new_members,
        },
        "talks": [_talk_out(t) for t in rows.order_by("-held_on", "-pk")[:MAX_ROWS]],
    }


@router.get("/party/talks/{talk_id}", response={200: TalkOut, **s.ERRORS}, summary="谈心谈话记录详情")
def talk_detail(request, talk_id: int):
    return _talk_out(get_object_or_404(_talks(request), pk=talk_id))


@router.post("/party/talks", response={201: TalkOut, **s.ERRORS}, summary="登记谈心谈话")
def record_talk(
    request,
    response: HttpResponse,
    payload: TalkIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    """``party.talks.services.record_talk``: both people members of the branch in good standing on the day,
    not the same person, the date not in the future, a summary of the minimum length."""

    def create():
        found = talks.record_talk(
            actor=request.user,
            org=_org(request, payload.org),
            held_on=payload.held_on,
            initiator=payload.initiator,
            other=payload.other,
            kind=payload.kind,
            place=payload.place,
            summary=payload.summary,
        )
        return found, talk_detail(request, found.pk)

    body = idempotency.run(
        request,
        response,
        idempotency_key,
        payload.model_dump(),
        "party.talks.create",
        create,
        lambda pk: talk_detail(request, pk),
    )
    return Status(201, body)


@router.post(
    "/party/talks/{talk_id}/corrections",
    response={200: TalkOut, **s.ERRORS},
    summary="更正谈心谈话记录(新版本取代原记录,原记录保留)",
)
def correct_talk(request, talk_id: int, payload: TalkCorrectionIn):
    found = get_object_or_404(_talks(request), pk=talk_id)
    changes = {k: v for k, v in payload.model_dump(exclude={"reason"}).items() if v is not None}
    new = talks.correct_talk(actor=request.user, talk=found, reason=payload.reason, **changes)
    return talk_detail(request, new.pk)


@router.post(
    "/party/talks/{talk_id}/void",
    response={200: TalkOut, **s.ERRORS},
    summary="作废误录的谈心谈话记录(记录保留)",
)
def void_talk(request, talk_id: int, payload: VoidIn):
    found = get_object_or_404(_talks(request), pk=talk_id)
    talks.void_talk(actor=request.user, talk=found, reason=payload.reason)
    return talk_detail(request, found.pk)


# ---------------------------------------------------------------------------------------------
# Member development (发展党员): what may be done now


@router.get(
    "/party/development/applicants/{applicant_id}/actions",
    response={200: list[s.ActionOut], **s.ERRORS},
    summary="发展对象当前可办理的操作(依据流程转换表)",
)
def applicant_actions(request, applicant_id: int):
    """The next step (or 终止) the caller may record for this applicant now, from the member
    development transition table (the same table ``party.development.services`` refuses by and the
    applicant page shows its forms from). Steps are recorded on the applicant page (``endpoint``
    is null); an applicant outside the caller's scope is a 404."""
    applicant = get_object_or_404(development_selectors.applicants(request.user), pk=applicant_id)
    return DEVELOPMENT.describe(applicant, request.user, s.API_PREFIX)


# ---------------------------------------------------------------------------------------------
# Member development: record a step (warnings at entry), submit to the higher 党委, handle it


DevId = Annotated[int, Path(..., ge=1, le=2**63 - 1)]


class DevStepIn(s.In):
    number: int = Field(ge=2, le=25, description="须为该发展对象的下一步(第15、23步支部大会表决请在页面登记)")
    expected_step: int | None = Field(None, ge=0, le=25, description="客户端看到的已完成步骤;不一致时 422")
    done_on: dt.date
    note: str = Field("", max_length=2000)
    deciding_org_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="决定/审批党委(须为可以办理的上级党委)"
    )
    people: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        default_factory=list, max_length=10, description="谈话人/培养联系人/入党介绍人"
    )
    passed: bool = True
    training_days: int | None = Field(None, ge=0, le=60)
    training_hours: float | None = Field(None, ge=0, le=500)
    notice_from: dt.date | None = None
    notice_to: dt.date | None = None
    checklist: list[str] = Field(default_factory=list, max_length=10)
    confirm: bool = Field(False, description="登记时有偏差(不符合非强制性规定)时须为 true 并说明理由")
    confirm_reason: str = Field("", max_length=2000, description="说明理由(与步骤一并记录)")


class DevStepOut(Schema):
    id: int
    number: int
    done_on: dt.date
    body: str
    passed: bool
    has_deviation: bool
    deviation_reason: str
    checks: list[str]


class WarningsOut(Schema):
    code: str = Field(description="needs_confirmation")
    message: str
    field: str | None = None
    warnings: list[str] = Field(
        description="不符合的规定(中文);确认后以 confirm=true 和 confirm_reason 重新提交"
    )


class SubmitIn(s.In):
    number: int = Field(ge=2, le=25, description="须为下一步,且为上级党委办理的备案、预审或审批步骤")
    submitted_on: dt.date
    note: str = Field("", max_length=2000)


class SubmissionOut(Schema):
    id: int
    applicant_id: int
    number: int
    committee: s.Ref
    submitted_on: dt.date
    due_on: dt.date | None
    state: str
    state_label: str
    decision_note: str
    step_id: int | None


class SubmissionDecisionIn(s.In):
    approve: bool = Field(description="true:同意并登记该步骤;false:退回党支部(须说明理由)")
    done_on: dt.date | None = None
    passed: bool = Field(True, description="审批(第17、24步)的审批意见:同意/不同意")
    note: str = Field("", max_length=2000, description="办理意见;退回时为退回理由")
    confirm: bool = False
    confirm_reason: str = Field("", max_length=2000)


def _step_out(step) -> dict:
    return {
        "id": step.pk,
        "number": step.number,
        "done_on": step.done_on,
        "body": step.body,
        "passed": step.passed,
        "has_deviation": step.has_deviation,
        "deviation_reason": step.deviation_reason,
        "checks": [c["message"] for c in step.checks],
    }


def _submission_out(sub) -> dict:
    return {
        "id": sub.pk,
        "applicant_id": sub.applicant_id,
        "number": sub.number,
        "committee": {"id": sub.committee_id, "name": sub.committee.name},
        "submitted_on": sub.submitted_on,
        "due_on": sub.due_on,
        "state": sub.state,
        "state_label": sub.get_state_display(),
        "decision_note": sub.decision_note,
        "step_id": sub.step_id,
    }


def _warnings(error) -> Status:
    return Status(
        409,
        {"code": error.code, "message": error.message, "field": error.field, "warnings": error.warnings},
    )


@router.post(
    "/party/development/applicants/{applicant_id}/steps",
    response={201: DevStepOut, 409: WarningsOut, **{k: v for k, v in s.ERRORS.items() if k != 409}},
    summary="登记发展党员的下一步(有偏差时 409 返回提示,确认并说明理由后重新提交)",
)
def record_development_step(request, applicant_id: DevId, payload: DevStepIn):
    """Record the applicant's next step. A soft rule broken (a talk a month late, a 公示 too short)
    answers 409 ``needs_confirmation`` with the warnings; send again with ``confirm`` true and
    ``confirm_reason`` (stored with the step). A hard rule answers 422; a step the higher 党委
    decides, recorded by the branch, 403 (submit it instead)."""
    applicant = get_object_or_404(development_selectors.applicants(request.user, "change"), pk=applicant_id)
    if payload.number in (15, 23):
        raise ApiError(422, "rule_violation", "支部大会讨论(表决)请在发展对象页面登记", "number")
    org = None
    if payload.deciding_org_id is not None:
        org = Org.objects.visible_to(request.user).filter(pk=payload.deciding_org_id).first()
        if org is None:
            raise ApiError(422, "rule_violation", "所选党委不存在或无权办理", "deciding_org_id")
    people = list(Person.objects.visible_to(request.user).filter(pk__in=payload.people))
    try:
        step = development.record_step(
            actor=request.user,
            applicant=applicant,
            number=payload.number,
            expected_step=payload.expected_step,
            done_on=payload.done_on,
            note=payload.note,
            deciding_org=org,
            people=people,
            passed=payload.passed,
            training_days=payload.training_days,
            training_hours=payload.training_hours,
            notice_from=payload.notice_from,
            notice_to=payload.notice_to,
            checklist=payload.checklist,
            confirm=payload.confirm,
            confirm_reason=payload.confirm_reason,
        )
    except development.NeedsConfirmation as error:
        return _warnings(error)
    return Status(201, _step_out(step))


@router.post(
    "/party/development/applicants/{applicant_id}/submissions",
    response={201: SubmissionOut, **s.ERRORS},
    summary="将下一步(备案、预审、审批)报送上级党委",
)
def submit_development_step(request, applicant_id: DevId, payload: SubmitIn):
    applicant = get_object_or_404(development_selectors.applicants(request.user, "change"), pk=applicant_id)
    sub = development.submit_step(
        actor=request.user,
        applicant=applicant,
        number=payload.number,
        submitted_on=payload.submitted_on,
        note=payload.note,
    )
    return Status(201, _submission_out(sub))


@router.get(
    "/party/development/submissions",
    response={200: list[SubmissionOut], **s.ERRORS},
    summary="上级党委待办理的报送事项(办理期限最早的在前)",
)
def list_submissions(request, state: Literal["pending", "approved", "returned"] = "pending"):
    rows = development_selectors.submissions(request.user).filter(state=state).order_by("due_on", "pk")[:200]
    return [_submission_out(sub) for sub in rows]


@router.post(
    "/party/development/submissions/{submission_id}/decision",
    response={200: SubmissionOut, 409: WarningsOut, **{k: v for k, v in s.ERRORS.items() if k != 409}},
    summary="上级党委办理报送事项:同意(登记该步骤)或退回(说明理由)",
)
def decide_development_submission(request, submission_id: DevId, payload: SubmissionDecisionIn):
    sub = get_object_or_404(development_selectors.submissions(request.user), pk=submission_id)
    try:
        sub = development.decide_submission(
            actor=request.user,
            submission=sub,
            approve=payload.approve,
            done_on=payload.done_on,
            note=payload.note,
            passed=payload.passed,
            confirm=payload.confirm,
            confirm_reason=payload.confirm_reason,
        )
    except development.NeedsConfirmation as error:
        return _warnings(error)
    sub = development_selectors.submissions(request.user).get(pk=sub.pk)
    return _submission_out(sub)


# 理论学习中心组 (a committee's theory study group): ``party.study_group.services`` like the pages

StudyKindCode = Literal[tuple(SessionKind.values)]  # type: ignore[valid-type]
PresenceCode = Literal[tuple(Presence.values)]  # type: ignore[valid-type]
SpeechRoleCode = Literal[tuple(SpeechRole.values)]  # type: ignore[valid-type]


class StudyAttendanceIn(s.In):
    person: int = Field(ge=1, le=2**63 - 1, description="中心组成员(人员 id)")
    status: PresenceCode = Field(description="present 出席 / excused 请假 / absent 缺席")
    reason: str = Field("", max_length=200, description="请假事由(请假时必填)")


class StudySpeechIn(s.In):
    person: int = Field(ge=1, le=2**63 - 1, description="发言人(出席的中心组成员,人员 id)")
    role: SpeechRoleCode = Field(description="lead 领学 / central 中心发言 / exchange 交流发言")
    summary: str = s.Required(max_length=2000, description="发言摘要")


class StudySessionIn(s.In):
    org: int = Field(ge=1, le=2**63 - 1, description="党委、党工委或党组 id")
    held_on: dt.date
    topic: str = s.Required(max_length=120, description="学习专题")
    kind: StudyKindCode = "collective"
    host: int = Field(ge=1, le=2**63 - 1, description="主持人(出席的中心组成员,人员 id)")
    minutes: int = Field(ge=1, le=24 * 60, description="学习时长(分钟)")
    place: str = Field("", max_length=100)
    materials: str = Field("", max_length=2000, description="学习内容(篇目)")
    summary: str = s.Required(max_length=2000, description="学习情况摘要")
    attendance: list[StudyAttendanceIn] = Field(description="全部中心组成员的出席情况")
    speeches: list[StudySpeechIn] = Field(description="领学、中心发言(至少一人)")


class StudySessionOut(Schema):
    id: int
    org: s.Ref
    held_on: dt.date
    topic: str
    kind: str
    kind_label: str
    host: s.Ref
    minutes: int
    summary: str
    present: int
    excused: int
    absent: int
    speakers: list[str]
    voided: bool


class StudyYearOut(Schema):
    org: s.Ref
    year: int
    held: int = Field(description="本年集体学习次数(未作废)")
    min_sessions: int = Field(description="规则参数 study_group.min_sessions")
    seminars: int
    min_seminars: int = Field(description="规则参数 study_group.min_seminars")
    missed_months: list[int] = Field(description="学习计划安排了专题、已结束而未开展集体学习的月份")
    sessions: list[StudySessionOut]


def _study_out(session) -> dict:
    statuses = [a.status for a in session.attendance.all()]
    return {
        "id": session.pk,
        "org": org_ref(session.org),
        "held_on": session.held_on,
        "topic": session.topic,
        "kind": session.kind,
        "kind_label": session.get_kind_display(),
        "host": {"id": session.host_id, "name": session.host.name},
        "minutes": session.minutes,
        "summary": session.summary,
        "present": statuses.count("present"),
        "excused": statuses.count("excused"),
        "absent": statuses.count("absent"),
        "speakers": [sp.person.name for sp in session.speeches.all()],
        "voided": session.voided_at is not None,
    }


def _committee(request, org_id: int):
    org = _org(request, org_id)
    if org.kind not in COMMITTEE_KINDS:
        raise ApiError(422, "rule_violation", "理论学习中心组按党委、党工委、党组设立", "org")
    return org


@router.get(
    "/party/study-group/orgs/{org_id}",
    response={200: StudyYearOut, **s.ERRORS},
    summary="理论学习中心组年度学习情况(次数、专题研讨、计划月份未学习、学习记录)",
)
def study_year(request, org_id: int, year: int | None = None):
    org = _committee(request, org_id)
    today = party_selectors.today()
    year = year or today.year
    if not 2000 <= year <= today.year:
        raise ApiError(422, "rule_violation", "年度无效(不能晚于今年)", "year")
    view = study_services.overview(org, year, today)
    return {
        "org": org_ref(org),
        "year": year,
        "held": view.held,
        "min_sessions": view.min_sessions,
        "seminars": view.seminars,
        "min_seminars": view.min_seminars,
        "missed_months": view.missed_months,
        "sessions": [_study_out(x) for x in view.sessions],
    }


def _study_sessions(request):
    return (
        StudySession.objects.visible_to(request.user)
        .filter(org__in=scope.party_orgs(request.user))
        .select_related("org", "host")
        .prefetch_related("attendance", "speeches__person")
    )


@router.get(
    "/party/study-group/sessions/{session_id}",
    response={200: StudySessionOut, **s.ERRORS},
    summary="中心组集体学习记录详情",
)
def study_session_detail(request, session_id: int):
    return _study_out(get_object_or_404(_study_sessions(request), pk=session_id))


@router.post(
    "/party/study-group/sessions", response={201: StudySessionOut, **s.ERRORS}, summary="登记中心组集体学习"
)
def record_study_session(
    request,
    response: HttpResponse,
    payload: StudySessionIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    """``party.study_group.services.record_session``: every current member of the 中心组 with their
    attendance (an excused absence with its reason), a host and at least one 领学/中心发言 among
    those present, the date not in the future."""

    def create():
        org = _committee(request, payload.org)
        ids = {payload.host, *(a.person for a in payload.attendance), *(x.person for x in payload.speeches)}
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}

        def person(pk: int, field: str):
            if pk not in people:
                raise ApiError(422, "rule_violation", "人员不存在", field)
            return people[pk]

        found = study_services.record_session(
            actor=request.user,
            org=org,
            held_on=payload.held_on,
            topic=payload.topic,
            kind=payload.kind,
            host=person(payload.host, "host"),
            minutes=payload.minutes,
            place=payload.place,
            materials=payload.materials,
            summary=payload.summary,
            attendance=[
                study_services.Attendee(person(a.person, "attendance"), a.status, a.reason)
                for a in payload.attendance
            ],
            speeches=[
                study_services.Speech(person(x.person, "speeches"), x.role, x.summary)
                for x in payload.speeches
            ],
        )
        return found, study_session_detail(request, found.pk)

    body = idempotency.run(
        request,
        response,
        idempotency_key,
        payload.model_dump(mode="json"),
        "party.study_group.create",
        create,
        lambda pk: study_session_detail(request, pk),
    )
    return Status(201, body)
