"""Requests that change a case only once approved (审批): 延期, 挂账, 重办, 不合理诉求认定.

One function per action, like ``services``: lock the case, check scope and state, write the
request, audit it on the case timeline, notify the deciders after commit. ``decide_request``
applies an approved request in the same transaction that records the decision.

    request_extension  (lead unit, while handling)      → decided by the dispatch centre
    request_parking    (lead unit, while handling)      → decided by the dispatch centre
    request_rehandle   (callback staff, closed + rated unresolved and dissatisfied)
                                                        → decided by the supervision office
    request_exclusion  (dispatch centre or lead unit)   → decided by the supervision office
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import events
from core import notify
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from orgs.permissions import require
from orgs.scoping import can

from . import deadlines
from .models import (
    DECIDER_ACTION,
    HANDLING_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseRequest,
    CaseStatus,
    RequestKind,
    RequestStatus,
    Satisfaction,
    Stage,
)
from .supervision import responsible_users
from .workflow import add_event as _event
from .workflow import create_assignments as _create_assignments
from .workflow import locked as _locked
from .workflow import now as _now
from .workflow import save_case as _save
from .workflow import set_stage as _set_stage

E = events.register
EXTENSION_REQUESTED = E("case.extension_requested", "申请延期")
PARKING_REQUESTED = E("case.parking_requested", "申请挂账")
REHANDLE_REQUESTED = E("case.rehandle_requested", "申请重办")
EXCLUSION_REQUESTED = E("case.exclusion_requested", "申请认定不合理诉求")
REQUEST_APPROVED = E("case.request_approved", "审批同意")
REQUEST_REJECTED = E("case.request_rejected", "审批不同意")
REQUEST_WITHDRAWN = E("case.request_withdrawn", "申请自动撤回")
EXTENSION_WITHDRAWN = "事项已批准挂账办理,延期申请自动撤回"
PARKED_NO_EXTENSION = "事项已挂账办理,办结日期以挂账期限为准,不能再延期"

MAX_EXTENSION_DAYS = 30  # working days per request; more is a case for 挂账
MAX_PARKING_DAYS = 366
MAX_REHANDLES = 2

REQUESTED_EVENT = {
    RequestKind.EXTENSION: EXTENSION_REQUESTED,
    RequestKind.PARKING: PARKING_REQUESTED,
    RequestKind.REHANDLE: REHANDLE_REQUESTED,
    RequestKind.EXCLUSION: EXCLUSION_REQUESTED,
}


def _lead_assignment(case: Case, actor) -> CaseAssignment:
    lead = (
        case.assignments.select_related("org")
        .filter(role=AssignmentRole.LEAD, status=AssignmentStatus.SIGNED)
        .first()
    )
    if lead is None:
        raise StateConflict("该事项没有正在办理的主办单位")
    require(actor, "handle", lead.org, f"只有主办单位“{lead.org.name}”可以提出申请")
    return lead


def _create(case: Case, kind: str, actor, unit, reason: str, **fields) -> CaseRequest:
    try:
        with transaction.atomic():
            request = CaseRequest.objects.create(
                case=case,
                org=case.org,
                kind=kind,
                reason=reason,
                requester_unit=unit,
                requested_by=user_or_none(actor),
                requested_at=_now(),
                **fields,
            )
    except IntegrityError as error:
        raise StateConflict(f"该事项已有待审批的{RequestKind(kind).label}申请") from error
    after = {
        "request": request.pk,
        **{k: (str(v) if isinstance(v, dt.date) else v) for k, v in fields.items()},
    }
    _event(case, REQUESTED_EVENT[kind], actor, reason=reason, after=after)
    deciders = responsible_users(DECIDER_ACTION[kind], case.org)
    notify.notify(
        [u for u in deciders if u != actor],
        kind="case.request",
        title=f"待审批:{case.number} {RequestKind(kind).label}申请",
        body=reason,
        url=reverse("cases:detail", args=[case.number]),
    )
    return request


@transaction.atomic
def request_extension(case: Case, *, actor, days: int, reason: str) -> CaseRequest:
    """延期: the lead unit asks for more working days; the deadline moves only when approved."""
    case = _locked(case, HANDLING_STATUSES)
    if case.status == CaseStatus.PARKED:
        raise StateConflict(PARKED_NO_EXTENSION)
    lead = _lead_assignment(case, actor)
    try:
        days = int(days)
    except (TypeError, ValueError) as error:
        raise ServiceError("请填写延期工作日数", field="days") from error
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ServiceError(
            f"延期天数须在1到{MAX_EXTENSION_DAYS}个工作日之间;需长期办理的请申请挂账", field="days"
        )
    reason = clean_text(reason, "reason", "延期理由", limit=500, required=True)
    return _create(case, RequestKind.EXTENSION, actor, lead.org, reason, days=days)


@transaction.atomic
def request_parking(case: Case, *, actor, until: dt.date, reason: str) -> CaseRequest:
    """挂账: a case that needs long-term work (funds, planning, construction) is parked until a
    date; the handling clock then runs to that date."""
    case = _locked(case, [CaseStatus.HANDLING])
    lead = _lead_assignment(case, actor)
    reason = clean_text(reason, "reason", "挂账理由", limit=500, required=True)
    today = timezone.localdate(_now())
    if until is None:
        raise ServiceError("请填写计划办结日期", field="until")
    if until <= today:
        raise ServiceError("计划办结日期须晚于今天", field="until")
    if (until - today).days > MAX_PARKING_DAYS:
        raise ServiceError("挂账期限不能超过一年", field="until")
    return _create(case, RequestKind.PARKING, actor, lead.org, reason, until=until)


@transaction.atomic
def request_rehandle(case: Case, *, actor, reason: str) -> CaseRequest:
    """重办: the reporter said the problem is not solved and is dissatisfied; callback staff ask for
    the case to be handled again."""
    case = _locked(case, [CaseStatus.CLOSED])
    require(actor, "callback", case.org, "只有回访人员可以申请重办")
    if case.rated_at is None:
        raise ServiceError("事项尚未回访评价,不能申请重办")
    if case.rating_resolved or case.rating_satisfaction != Satisfaction.DISSATISFIED:
        raise ServiceError("只有反映人评价为“未解决”且“不满意”的事项可以申请重办")
    if case.rehandle_count >= MAX_REHANDLES:
        raise ServiceError(f"该事项已重办{case.rehandle_count}次,不能再申请")
    reason = clean_text(reason, "reason", "重办理由", limit=500, required=True)
    return _create(case, RequestKind.REHANDLE, actor, None, reason)


@transaction.atomic
def request_exclusion(case: Case, *, actor, reason: str) -> CaseRequest:
    """不合理诉求认定: the case asks for something the law or policy does not support; once the
    supervision office approves, it is left out of the units' monthly evaluation."""
    case = _locked(case, [s for s in CaseStatus.values if s not in (CaseStatus.REJECTED, CaseStatus.MERGED)])
    if case.excluded_from_evaluation:
        raise ServiceError("该事项已认定为不合理诉求")
    unit = None
    if not can(actor, "dispatch", case.org):
        lead = (
            case.assignments.select_related("org")
            .filter(role=AssignmentRole.LEAD)
            .exclude(status__in=(AssignmentStatus.CANCELLED, AssignmentStatus.RETURNED))
            .order_by("-dispatched_at", "-pk")
            .first()
        )
        if lead is None or not can(actor, "handle", lead.org):
            raise PermissionDenied("只有调度中心或主办单位可以申请认定不合理诉求")
        unit = lead.org
    reason = clean_text(reason, "reason", "认定理由", limit=500, required=True)
    return _create(case, RequestKind.EXCLUSION, actor, unit, reason)


def _withdraw_pending(case: Case, kind: str, actor, now: dt.datetime, reason: str) -> None:
    """Close the case's pending ``kind`` request (撤回) with ``reason``, recorded on the timeline."""
    for pending in case.requests.select_for_update().filter(kind=kind, status=RequestStatus.PENDING):
        pending.status, pending.decided_at, pending.decided_by = RequestStatus.WITHDRAWN, now, actor
        pending.decision_note = reason
        pending.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        after = {"request": pending.pk, "kind": kind}
        _event(case, REQUEST_WITHDRAWN, actor or SYSTEM, reason=reason, after=after)


def _apply(request: CaseRequest, case: Case, now: dt.datetime) -> dict:
    """Apply an approved request to the locked case; the changes for the audit event."""
    if request.kind == RequestKind.EXTENSION:
        if case.status not in HANDLING_STATUSES:
            raise StateConflict(f"事项当前为“{case.get_status_display()}”,延期已无意义,请不予批准")
        if case.status == CaseStatus.PARKED:
            # The parking date is the deadline now; an extension asked before must not move it.
            raise StateConflict(f"{PARKED_NO_EXTENSION},请不予批准")
        before = case.handle_due_at
        case.handle_due_at = deadlines.extend(case.handle_due_at or now, request.days)
        case.extended_days += request.days
        case.assignments.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.SIGNED).update(
            handle_due_at=case.handle_due_at
        )
        _set_stage(case, Stage.HANDLE, case.stage_started_at or now, due=case.handle_due_at)
        _save(case, "handle_due_at", "extended_days")
        return {"before": {"handle_due_at": before}, "after": {"handle_due_at": case.handle_due_at}}
    if request.kind == RequestKind.PARKING:
        if case.status != CaseStatus.HANDLING:
            raise StateConflict(f"事项当前为“{case.get_status_display()}”,不能挂账")
        before = case.handle_due_at
        case.status, case.parked_at = CaseStatus.PARKED, now
        case.handle_due_at = deadlines.end_of_day(request.until)
        case.assignments.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.SIGNED).update(
            handle_due_at=case.handle_due_at
        )
        _set_stage(case, Stage.HANDLE, now, due=case.handle_due_at)
        _save(case, "status", "parked_at", "handle_due_at")
        _withdraw_pending(case, RequestKind.EXTENSION, request.decided_by, now, EXTENSION_WITHDRAWN)
        return {"before": {"handle_due_at": before}, "after": {"handle_due_at": case.handle_due_at}}
    if request.kind == RequestKind.REHANDLE:
        if case.status != CaseStatus.CLOSED:
            raise StateConflict(f"事项当前为“{case.get_status_display()}”,不能重办")
        lead = case.lead_unit
        case.handle_due_at = deadlines.stage_due(case.category, case.urgency, Stage.HANDLE, now)
        # A fresh lead assignment, exactly as a dispatch makes one (sign and return windows).
        _create_assignments(case, lead, [], request.decided_by, f"重办:{request.reason}"[:500], now)
        case.status, case.dispatched_at = CaseStatus.DISPATCHED, now
        case.rehandle_count += 1
        # A new handling period: the extensions of the earlier one no longer apply (已延期 badge).
        case.extended_days = 0
        case.fed_back_at = case.closed_at = None
        case.closed_on_time = None
        case.rating_contacted = case.rating_resolved = case.rated_at = None
        case.rating_satisfaction = case.rating_comment = ""
        _set_stage(case, Stage.SIGN, now)
        _save(
            case,
            "status",
            "dispatched_at",
            "rehandle_count",
            "fed_back_at",
            "closed_at",
            "closed_on_time",
            "rating_contacted",
            "rating_resolved",
            "rated_at",
            "rating_satisfaction",
            "rating_comment",
            "handle_due_at",
            "extended_days",
        )
        return {"after": {"lead_unit": lead.name, "rehandle_count": case.rehandle_count}}
    # EXCLUSION
    case.excluded_from_evaluation = True
    case.save(update_fields=["excluded_from_evaluation"])
    return {"after": {"excluded_from_evaluation": True}}


@transaction.atomic
def decide_request(request: CaseRequest, *, actor, approve: bool, note: str) -> CaseRequest:
    """审批: approve (the change applies now) or refuse, with a note the requester sees."""
    case = _locked(request.case, CaseStatus.values)
    request = (
        CaseRequest.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=request.pk)
    )
    if request.status != RequestStatus.PENDING:
        raise StateConflict(f"该申请已{request.get_status_display()},请刷新页面")
    action = DECIDER_ACTION[request.kind]
    label = "督查室" if action == "supervise" else "调度中心"
    require(actor, action, case.org, f"{request.get_kind_display()}申请由{label}审批,您没有审批权限")
    if not is_system(actor) and request.requested_by_id == getattr(actor, "pk", None):
        raise PermissionDenied("不能审批本人提出的申请")
    note = clean_text(note, "note", "审批意见", required=not approve, limit=500)
    now = _now()
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = user_or_none(actor)
    request.decided_at, request.decision_note = now, note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    changes = _apply(request, case, now) if approve else {}
    public = {
        RequestKind.REHANDLE: "您的意见已受理,事项重新交办",
        RequestKind.PARKING: "该问题需较长时间解决,已列入挂账办理",
    }
    _event(
        case,
        REQUEST_APPROVED if approve else REQUEST_REJECTED,
        actor,
        reason=note,
        before=changes.get("before"),
        after={"request": request.pk, "kind": request.kind, **changes.get("after", {})},
        public_note=public.get(request.kind, "") if approve else "",
    )
    if request.requested_by is not None:
        verdict = "同意" if approve else "不同意"
        notify.notify(
            [request.requested_by],
            kind="case.request_decided",
            title=f"{case.number} {request.get_kind_display()}申请:{verdict}",
            body=note,
            url=reverse("cases:detail", args=[case.number]),
        )
    return request
