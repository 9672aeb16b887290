"""Party organizations, organization life and compliance findings (read-only): the same scoping
(``party.selectors.party_orgs`` / ``visible_to``) and the same finding engine as the pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from party import compliance
from party import selectors as party_selectors
from party.models import AttendanceStatus, Meeting, MeetingKind

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
    kind: str | None = Field(None, description="会议类型,如 branch_assembly")
    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=MAX_ROWS)


def _ref(org):
    return {"id": org.pk, "name": org.name, "kind": org.kind} if org else None


def _org(request, org_id: int):
    return get_object_or_404(party_selectors.party_orgs(request.user), pk=org_id)


@router.get("/party/orgs", response={200: list[PartyOrgOut], **s.ERRORS}, summary="党组织列表")
def party_orgs(request, parent: int | None = None):
    orgs = party_selectors.party_orgs(request.user).select_related("host").order_by("path")
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
            "host": _ref(org.host),
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
        raise ApiError(422, "invalid", "请同时给出开始和结束日期", "start")
    if start is None:
        start, end = compliance.default_window(party_selectors.today())
    if end < start or (end - start).days > 366 * 2:
        raise ApiError(422, "invalid", "日期范围无效(结束不早于开始,最长两年)", "end")
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
    orgs = party_selectors.party_orgs(request.user)
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
        "org": _ref(m.org),
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
        if filters.kind not in MeetingKind.values:
            raise ApiError(422, "invalid", "会议类型无效", "kind")
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
