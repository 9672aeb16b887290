"""Party dues (党费) through the API: a member's dues account, recording payments (补缴, 按季度交纳,
委托代交) and the higher committee's decision on reductions (党费减免审批) — the same
``party.membership.services`` / ``party.membership.reductions`` services and the same scope as
the secretary's pages (``party/membership/views.py``): a member of a branch the caller may see, a
reduction visible to the caller; anything else is 404."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from party import selectors as party_selectors
from party.membership import reductions
from party.membership import selectors as membership_selectors
from party.membership import services as membership
from party.membership.models import DuesBase, DuesPayment, DuesReduction
from party.rules import Rules

from . import schemas as s
from .party import member_ref, org_ref

router = Router(tags=["党费"])
MAX_ROWS = 500
MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"


class DuesPaymentOut(Schema):
    id: int
    month: str = Field(description="所属月份 YYYY-MM")
    amount: str = Field(description="缴纳金额(元)")
    paid_on: dt.date
    quarterly_consent: bool = Field(description="经支部同意按季度(预先)交纳")
    over_limit_reason: str = Field(description="经支部同意超期补缴的理由")
    proxy_name: str = Field(description="代交人姓名(委托代交,本人交纳为空)")
    proxy_relation: str = Field(description="代交人与党员关系")
    proxy_label: str = Field(description="如“由 张三(配偶)代交”")


class DuesBaseOut(Schema):
    kind: str
    kind_label: str
    rate: str
    monthly_due: str
    effective_month: str


class MemberDuesOut(Schema):
    member: s.Ref
    org: s.Ref
    category: str
    joined_on: dt.date = Field(description="入党日期(支部大会通过之日,自该月起交纳党费)")
    base: DuesBaseOut | None = Field(description="现行党费基数;null 为尚未核定")
    base_missing: bool = Field(description="尚未核定党费基数")
    arrears: list[str] = Field(description="欠缴月份(截至上个完整月份)")
    backpay_months: int = Field(description="补缴一般不超过的月数(规则参数 dues.backpay_months)")
    payments: list[DuesPaymentOut] = Field(description="缴纳记录(未作废的),新的在前")


class PaymentsIn(s.In):
    first_month: str = Field(pattern=MONTH, description="起始月份 YYYY-MM")
    last_month: str = Field(pattern=MONTH, description="截止月份 YYYY-MM(一次最多12个月)")
    paid_on: dt.date | None = Field(None, description="缴纳日期,默认今天")
    quarterly_consent: bool = Field(
        False, description="经支部同意按季度交纳(登记缴纳日期以后的月份时须为 true)"
    )
    over_limit: bool = Field(False, description="经支部同意补缴超过规定月数")
    over_limit_reason: str = Field("", max_length=200, description="超期补缴理由(over_limit 时必填)")
    proxy_name: str = Field("", max_length=20, description="代交人姓名(委托他人代交时填写)")
    proxy_relation: str = Field("", max_length=20, description="代交人与党员关系(填写代交人时必填)")


class ReductionOut(Schema):
    id: int
    member: s.Ref
    org: s.Ref
    first_month: str
    last_month: str
    monthly_amount: str = Field(description="减免后每月交纳(元),0 为免交")
    kind_label: str
    reason: str
    reason_label: str
    detail: str
    applied_on: dt.date
    studied_on: dt.date
    branch_opinion: str
    state: str = Field(description="reported 已报上级党委 / approved / rejected / withdrawn")
    state_label: str
    reported_by: str | None = Field(description="报批人(用户名)")
    decided_by: str | None = Field(description="审批人(用户名)")
    decision_note: str
    can_decide: bool = Field(description="调用者可以审批(上级党委,且不是报批人本人)")


class ReductionDecisionIn(s.In):
    approve: bool = Field(description="true 批准 / false 不予批准(须填 note)")
    note: str = Field("", max_length=200, description="审批意见")


def _payment_out(p: DuesPayment) -> dict:
    return {
        "id": p.pk,
        "month": f"{p.month:%Y-%m}",
        "amount": str(p.amount),
        "paid_on": p.paid_on,
        "quarterly_consent": p.quarterly_consent,
        "over_limit_reason": p.over_limit_reason,
        "proxy_name": p.proxy_name,
        "proxy_relation": p.proxy_relation,
        "proxy_label": p.proxy_label,
    }


@router.get(
    "/party/members/{member_id}/dues",
    response={200: MemberDuesOut, **s.ERRORS},
    summary="党员党费账(基数、欠缴月份、缴纳记录)",
)
def member_dues(request, member_id: int):
    member = membership_selectors.branch_member(request.user, member_id)
    today = party_selectors.today()
    # The base in force this month (a base set for a later month is not yet the current one).
    base = membership.base_for(
        list(
            DuesBase.objects.visible_to(request.user)
            .filter(member=member)
            .order_by("-effective_month", "-pk")
        ),
        membership.month_start(today),
    )
    payments = (
        DuesPayment.objects.visible_to(request.user).live().filter(member=member).order_by("-month", "-pk")
    )
    return {
        "member": member_ref(member),
        "org": org_ref(member.org),
        "category": member.category,
        "joined_on": member.joined_on,
        "base": None
        if base is None
        else {
            "kind": base.kind,
            "kind_label": base.get_kind_display(),
            "rate": base.rate,
            "monthly_due": str(base.monthly_due),
            "effective_month": f"{base.effective_month:%Y-%m}",
        },
        "base_missing": base is None,
        "arrears": [f"{m:%Y-%m}" for m in membership.arrears([member], today).get(member.pk, [])],
        "backpay_months": Rules.load(today).get("dues.backpay_months", member.org),
        "payments": [_payment_out(p) for p in payments[:MAX_ROWS]],
    }


@router.post(
    "/party/members/{member_id}/dues/payments",
    response={201: list[DuesPaymentOut], **s.ERRORS},
    summary="登记党员党费(一个或多个月:补缴、按季度交纳、委托代交)",
)
def record_payments(request, member_id: int, payload: PaymentsIn):
    """``party.membership.services.record_member_payments``: each month's due (reduced where a reduction is
    approved, exempted months skipped), all or nothing; back-payment beyond the limit needs
    ``over_limit`` and a reason, months after the month of payment ``quarterly_consent``; a proxy
    (委托代交) needs the proxy's relation to the member. A month already paid: 409."""
    member = membership_selectors.branch_member(request.user, member_id)
    paid = membership.record_member_payments(
        actor=request.user,
        member=member,
        first_month=payload.first_month,
        last_month=payload.last_month,
        paid_on=payload.paid_on or party_selectors.today(),
        quarterly_consent=payload.quarterly_consent,
        over_limit=payload.over_limit,
        over_limit_reason=payload.over_limit_reason,
        proxy_name=payload.proxy_name,
        proxy_relation=payload.proxy_relation,
    )
    return Status(201, [_payment_out(p) for p in paid])


def _reductions(request):
    return DuesReduction.objects.visible_to(request.user).select_related(
        "member__person", "org", "reported_by", "decided_by"
    )


def _reduction_out(request, r: DuesReduction, decides: bool | None = None) -> dict:
    return {
        "id": r.pk,
        "member": member_ref(r.member),
        "org": org_ref(r.org),
        "first_month": f"{r.first_month:%Y-%m}",
        "last_month": f"{r.last_month:%Y-%m}",
        "monthly_amount": str(r.monthly_amount),
        "kind_label": r.kind_label,
        "reason": r.reason,
        "reason_label": r.get_reason_display(),
        "detail": r.detail,
        "applied_on": r.applied_on,
        "studied_on": r.studied_on,
        "branch_opinion": r.branch_opinion,
        "state": r.state,
        "state_label": r.get_state_display(),
        "reported_by": r.reported_by.username if r.reported_by_id else None,
        "decided_by": r.decided_by.username if r.decided_by_id else None,
        "decision_note": r.decision_note,
        "can_decide": r.state == "reported"
        and (reductions.can_decide(request.user, r) if decides is None else decides),
    }


@router.get(
    "/party/dues/reductions",
    response={200: list[ReductionOut], **s.ERRORS},
    summary="待本人审批的党费减免(上级党委;本人报批的不在其中)",
)
def pending_reductions(request):
    return [_reduction_out(request, r, True) for r in reductions.pending_for(request.user)[:MAX_ROWS]]


@router.get(
    "/party/dues/reductions/{reduction_id}",
    response={200: ReductionOut, **s.ERRORS},
    summary="党费减免详情",
)
def reduction_detail(request, reduction_id: int):
    return _reduction_out(request, get_object_or_404(_reductions(request), pk=reduction_id))


@router.post(
    "/party/dues/reductions/{reduction_id}/decision",
    response={200: ReductionOut, **s.ERRORS},
    summary="审批党费减免(批准 / 不予批准)",
)
def decide_reduction(request, reduction_id: int, payload: ReductionDecisionIn):
    """``party.membership.reductions.decide_reduction``: only the higher party committee (403 otherwise),
    never the user who reported it (422), a reason to refuse, once (409 after a decision)."""
    found = get_object_or_404(_reductions(request), pk=reduction_id)
    reductions.decide_reduction(
        actor=request.user, reduction=found, approve=payload.approve, note=payload.note
    )
    return reduction_detail(request, found.pk)
