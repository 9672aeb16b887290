"""Dues reductions and exemptions (党费减免: 少交或免交). One function per action, each in one
transaction — scope check → rule checks → row → one audit event.

Who decides: the dues regulation (中组部《关于中国共产党党费收缴、使用和管理的规定》, rules.md §3.4)
says a member who really cannot pay (交纳党费确有困难) may pay less or nothing "经党支部研究，报上一级
党委批准后". So the branch does not decide alone: it records the member's application together with
its own study (支委会/支部研究: date and opinion) and reports it (state 已报上级党委); the higher party
committee (``scope.approver_of``, the organization above the branch — 街道党工委/社区党委, or the
district organization department, which holds every subtree) approves or refuses with a reason. A
branch that does not support an application simply does not report it.

    report_reduction ─► decide_reduction (批准 / 不予批准, reason required to refuse; never by
                     │                   the user who reported it — separation of duties)
                     └► withdraw_reduction (the branch, before the decision, with reason)
    approved ─► stop_reduction (the branch, from a month on, with reason: 情况好转 …)

An approved reduction changes the due of its months (``membership.due_for``): 免交 months are never
in arrears, 少交 months are due at the reduced amount. Refused, withdrawn and reported ones change
nothing.

Refusals: a span starting before the member joined (§3.5) or more than ``dues.backpay_months`` (6)
months before the application (older months are past the back-payment limit — a reduction cannot
stand in for the branch's decision on them), a span longer than ``dues.reduction_max_months`` (12,
local practice) or starting more than 12 months ahead, a negative amount, an amount not below the
due, and a span overlapping another reported or approved reduction of the member.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from orgs.permissions import require
from orgs.scoping import can
from party.membership.models import (
    DuesBase,
    DuesReduction,
    Member,
    MemberStatus,
    ReductionReason,
    ReductionState,
)
from party.membership.services import (
    base_for,
    lock_for_update,
    month_start,
    months_between,
    parse_day,
    parse_money,
    parse_month,
)
from party.rules import Rules
from party.scope import approver_of

E = events.register
REDUCTION_REPORTED = E("party.dues_reduction_reported", "党费减免报批")
REDUCTION_DECIDED = E("party.dues_reduction_decided", "审批党费减免")
REDUCTION_WITHDRAWN = E("party.dues_reduction_withdrawn", "撤回党费减免申请")
REDUCTION_STOPPED = E("party.dues_reduction_stopped", "终止党费减免")


def _user(actor):
    return user_or_none(actor)


def _span_label(first, last) -> str:
    return f"{first:%Y-%m}至{last:%Y-%m}"


@transaction.atomic
def report_reduction(
    *,
    actor,
    member: Member,
    first_month,
    last_month,
    monthly_amount,
    reason: str,
    detail: str,
    applied_on,
    studied_on,
    branch_opinion: str = "同意,报上级党委审批",
) -> DuesReduction:
    """The branch records a member's application and its study, and reports it upward."""
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权为该党员办理党费减免")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(f"党员状态为“{member.get_status_display()}”,不能办理党费减免", field="member")
    if approver_of(member.org) is None:
        raise ServiceError("该党支部没有上级党组织,无法在系统内报批")
    if reason not in ReductionReason.values:
        raise ServiceError("请选择申请原因", field="reason")
    detail = clean_text(detail, "detail", "困难情况说明", required=True, limit=500)
    applied_on = parse_day(applied_on, "applied_on", "党员申请日期")
    studied_on = parse_day(studied_on, "studied_on", "支部研究日期")
    if studied_on < applied_on:
        raise ServiceError("支部研究日期不能早于党员申请日期", field="studied_on")
    opinion = clean_text(branch_opinion, "branch_opinion", "支部研究意见", required=True)
    first = parse_month(first_month, "first_month", "减免起始月份")
    last = parse_month(last_month, "last_month", "减免截止月份")
    if last < first:
        raise ServiceError("减免截止月份不能早于起始月份", field="last_month")
    if first < month_start(member.joined_on):
        raise ServiceError("减免起始月份不能早于入党(支部大会通过)的月份", field="first_month")
    rules = Rules.load(applied_on)
    back = rules.get("dues.backpay_months", member.org)
    earliest = month_start(applied_on) - relativedelta(months=back)
    if first < earliest:
        raise ServiceError(
            f"减免起始月份不能早于 {earliest:%Y-%m}(申请前 {back} 个月;更早的月份已超过补缴期限)",
            field="first_month",
        )
    if first > month_start(kit.today()) + relativedelta(months=12):
        raise ServiceError("减免起始月份最多只能设在12个月以内", field="first_month")
    longest = rules.get("dues.reduction_max_months", member.org)
    if len(months_between(first, last)) > longest:
        raise ServiceError(f"一次减免最长 {longest} 个月,期满后可重新申请", field="last_month")
    amount = parse_money(monthly_amount, "monthly_amount", "减免后每月交纳金额")
    bases = list(DuesBase.objects.filter(member=member).order_by("-effective_month", "-pk"))
    base = base_for(bases, first) or base_for(bases, last)
    if base is None:
        raise ServiceError(f"{member} 尚未核定党费基数,请先核定", field="member")
    if amount >= base.monthly_due:
        raise ServiceError(
            f"减免后每月交纳金额须低于应缴金额 {base.monthly_due} 元(免交填 0)", field="monthly_amount"
        )
    overlap = (
        DuesReduction.objects.live()
        .filter(member=member, first_month__lte=last, last_month__gte=first)
        .order_by("first_month")
    )
    for other in overlap:
        if other.state == ReductionState.REPORTED or other.effective_last >= first:
            raise StateConflict(
                f"与该党员已有的党费减免({_span_label(other.first_month, other.effective_last)},"
                f"{other.get_state_display()})时间重叠",
                field="first_month",
            )
    reduction = DuesReduction.objects.create(
        member=member,
        org=member.org,
        first_month=first,
        last_month=last,
        monthly_amount=amount,
        reason=reason,
        detail=detail,
        applied_on=applied_on,
        studied_on=studied_on,
        branch_opinion=opinion,
        reported_by=_user(actor),
        reported_at=clock.now(),
    )
    record(
        reduction,
        REDUCTION_REPORTED,
        actor=actor,
        reason=detail,
        after={
            "span": _span_label(first, last),
            "monthly_amount": str(amount),
            "due": str(base.monthly_due),
            "reason": reason,
            "studied_on": studied_on.isoformat(),
            "opinion": opinion,
        },
    )
    return reduction


def _reported(pk) -> DuesReduction:
    reduction = lock_for_update(DuesReduction, pk)
    if reduction.state != ReductionState.REPORTED:
        raise StateConflict(f"该党费减免已{reduction.get_state_display()},不能再办理", field="state")
    return reduction


SELF_DECISION = "报批人不能审批本人报批的党费减免,请由上级党委其他人员审批"


def reported_by_self(user, reduction: DuesReduction) -> bool:
    """Separation of duties: the user who reported (报批) a reduction does not decide it."""
    user_id = getattr(user, "pk", None)
    return user_id is not None and reduction.reported_by_id == user_id


def approves_for(user, reduction: DuesReduction) -> bool:
    """The user acts for the higher party committee of the reduction's branch."""
    higher = approver_of(reduction.org)
    return higher is not None and can(user, "change", higher)


def can_decide(user, reduction: DuesReduction) -> bool:
    return approves_for(user, reduction) and not reported_by_self(user, reduction)


@transaction.atomic
def decide_reduction(*, actor, reduction: DuesReduction, approve: bool, note: str = "") -> DuesReduction:
    """The higher party committee approves (批准) or refuses (不予批准, with the reason) — never
    the user who reported it (separation of duties: another member of the committee decides)."""
    reduction = _reported(reduction.pk)
    higher = approver_of(reduction.org)
    if higher is None:
        raise ServiceError("该党支部没有上级党组织,无法在系统内审批")
    if not is_system(actor) and not can(actor, "change", higher):
        raise PermissionDenied("只有上级党委可以审批党费减免")
    if reported_by_self(actor, reduction):
        raise ServiceError(SELF_DECISION, field="state")
    reduction.decision_note = clean_text(note, "note", "审批意见", required=not approve)
    reduction.state = ReductionState.APPROVED if approve else ReductionState.REJECTED
    reduction.decided_by = _user(actor)
    reduction.decided_at = clock.now()
    reduction.save(update_fields=["decision_note", "state", "decided_by", "decided_at"])
    record(
        reduction,
        REDUCTION_DECIDED,
        actor=actor,
        reason=reduction.decision_note,
        before={"state": ReductionState.REPORTED},
        after={"state": reduction.state, "approver": higher.name},
    )
    return reduction


@transaction.atomic
def withdraw_reduction(*, actor, reduction: DuesReduction, reason: str) -> DuesReduction:
    """The branch withdraws a reported application (录入有误、党员撤回申请 …) before the decision."""
    reduction = _reported(reduction.pk)
    require(actor, "change", reduction.org, "只有报批的党支部可以撤回")
    reduction.close_reason = clean_text(reason, "close_reason", "撤回原因", required=True)
    reduction.state = ReductionState.WITHDRAWN
    reduction.closed_at = clock.now()
    reduction.save(update_fields=["close_reason", "state", "closed_at"])
    record(reduction, REDUCTION_WITHDRAWN, actor=actor, reason=reduction.close_reason)
    return reduction


@transaction.atomic
def stop_reduction(*, actor, reduction: DuesReduction, from_month, reason: str) -> DuesReduction:
    """The branch ends an approved reduction from a month on (情况好转、恢复收入 …): that month and
    the later ones are due in full again; the months before keep the reduction."""
    reduction = lock_for_update(DuesReduction, reduction.pk)
    require(actor, "change", reduction.org, "无权终止该党费减免")
    if reduction.state != ReductionState.APPROVED:
        raise StateConflict(f"该党费减免{reduction.get_state_display()},不能终止", field="state")
    month = parse_month(from_month, "stopped_from", "终止月份")
    if not reduction.first_month <= month <= reduction.effective_last:
        raise ServiceError(
            f"终止月份须在减免期内({_span_label(reduction.first_month, reduction.effective_last)})",
            field="stopped_from",
        )
    before = {"last": f"{reduction.effective_last:%Y-%m}"}
    reduction.close_reason = clean_text(reason, "close_reason", "终止原因", required=True)
    reduction.stopped_from = month
    reduction.closed_at = clock.now()
    reduction.save(update_fields=["close_reason", "stopped_from", "closed_at"])
    record(
        reduction,
        REDUCTION_STOPPED,
        actor=actor,
        reason=reduction.close_reason,
        before=before,
        after={"stopped_from": f"{month:%Y-%m}"},
    )
    return reduction


def pending_for(user) -> list[DuesReduction]:
    """Reported reductions awaiting ``user``'s decision (as the higher party committee); the
    approver is looked up once per branch."""
    decides: dict[int, bool] = {}
    result = []
    for r in (
        DuesReduction.objects.visible_to(user)
        .filter(state=ReductionState.REPORTED)
        .select_related("org", "member__person")
        .order_by("reported_at", "pk")
    ):
        if r.org_id not in decides:
            decides[r.org_id] = approves_for(user, r)  # the same for every reduction of the branch
        if decides[r.org_id] and not reported_by_self(user, r):
            result.append(r)
    return result
