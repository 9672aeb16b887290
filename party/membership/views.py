"""Pages of transfers, floating members, dues and care visits (党员管理), reached from a branch's
page. Thin: scope → parse → one service call → redirect or re-render with the service's message."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from core.ledger import xlsx_response
from orgs.models import Org
from orgs.scoping import can, subtree_q
from party import scope
from party.membership import exports as membership_exports
from party.membership import forms as membership_forms
from party.membership import reductions
from party.membership import selectors as membership_selectors
from party.membership import services as membership
from party.membership.models import (
    CareVisit,
    Commendation,
    CommendationState,
    DuesBase,
    DuesPayment,
    DuesReduction,
    FloatingRecord,
    Member,
    MemberCategory,
    MemberStatus,
    MemberStatusPeriod,
    ReductionState,
    Transfer,
    TransferState,
)
from party.rules import Rules


def _branch(user, pk, action="view") -> Org:
    org = get_object_or_404(scope.party_orgs(user, action), pk=pk)
    if org.kind != "branch":
        raise Http404
    return org


def _members(user, org, action="change"):
    return (
        Member.objects.visible_to(user, action)
        .filter(org=org, status=MemberStatus.NORMAL)
        .select_related("person")
        .order_by("person__name", "pk")
    )


def _back(org) -> str:
    return reverse("party:org", args=[org.pk])


def branch_context(user, org: Org, today: dt.date) -> dict:
    """The membership sections of a branch's page."""
    members = list(Member.objects.visible_to(user).filter(org=org, status=MemberStatus.NORMAL))
    unpaid = membership.arrears(members, today)
    names = {m.pk: m.person.name for m in Member.objects.filter(pk__in=unpaid).select_related("person")}
    return {
        "transfers_out": list(
            Transfer.objects.visible_to(user)
            .filter(org=org)
            .select_related("member__person", "to_org")
            .order_by("-sent_on", "-pk")[:20]
        ),
        "transfers_in": list(
            Transfer.objects.visible_to(user)
            .filter(to_org=org, state=TransferState.PENDING)
            .select_related("member__person", "org")
        ),
        "floating": list(
            FloatingRecord.objects.visible_to(user)
            .filter(org=org, ended_on__isnull=True)
            .select_related("member__person")
        ),
        "arrears": sorted(
            ((names[pk], len(months), months[0]) for pk, months in unpaid.items()),
            key=lambda r: (-r[1], r[0]),
        ),
        "commendations": list(
            Commendation.objects.visible_to(user)
            .filter(org=org)
            .select_related("nominee_member__person", "nominee_org")[:20]
        ),
        "care_visits": list(
            CareVisit.objects.visible_to(user).filter(org=org).select_related("member__person")[:20]
        ),
    }


# ---------------------------------------------------------------------------------------------
# Transfers (组织关系转接)


@login_required
def transfer_new(request, pk):
    org = _branch(request.user, pk, "change")
    root = org.path[: Org.steplen]
    branches = (
        Org.objects.filter(subtree_q("path", root), kind="branch", archived_at__isnull=True)
        .exclude(pk=org.pk)
        .order_by("path")
    )
    form = membership_forms.TransferForm(
        request.POST or None, members=_members(request.user, org), branches=branches
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = membership.start_transfer(
                actor=request.user,
                member=data["member"],
                kind=data["kind"],
                to_org=data["to_org"],
                to_org_name=data["to_org_name"],
                reason=data["reason"],
                sent_on=data["sent_on"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已开具{transfer.member}的组织关系介绍信,待{transfer.to_org_name}接收")
            return redirect(_back(org))
    elif request.method != "POST":
        form.initial = {"sent_on": kit.today(), "kind": "in_district"}
    return render(
        request,
        "party/membership_form.html",
        {
            "org": org,
            "form": form,
            "title": "组织关系转出",
            "submit": "开具介绍信",
            "active_nav": "party_branch",
        },
    )


@login_required
@require_POST
def transfer_receive(request, pk):
    transfer = get_object_or_404(Transfer.objects.visible_to(request.user, "change"), pk=pk)
    try:
        membership.receive_transfer(
            actor=request.user, transfer=transfer, received_on=request.POST.get("received_on")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已接收{transfer.member}的组织关系")
    target = (
        transfer.to_org if transfer.to_org_id and can(request.user, "view", transfer.to_org) else transfer.org
    )
    return redirect(_back(target))


@login_required
@require_POST
def transfer_cancel(request, pk):
    transfer = get_object_or_404(Transfer.objects.visible_to(request.user, "change"), pk=pk)
    try:
        membership.cancel_transfer(
            actor=request.user, transfer=transfer, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已撤销{transfer.member}的组织关系转接")
    return redirect(_back(transfer.org))


# ---------------------------------------------------------------------------------------------
# Floating members (流动党员)


@login_required
def floating_new(request, pk):
    org = _branch(request.user, pk, "change")
    form = membership_forms.FloatingForm(request.POST or None, members=_members(request.user, org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership.register_floating(
                actor=request.user,
                member=data["member"],
                place=data["place"],
                since=data["since"],
                contact=data["contact"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已登记{data['member']}为流动党员")
            return redirect(_back(org))
    return render(
        request,
        "party/membership_form.html",
        {"org": org, "form": form, "title": "登记流动党员", "submit": "登记", "active_nav": "party_branch"},
    )


@login_required
@require_POST
def floating_end(request, pk):
    floating = get_object_or_404(FloatingRecord.objects.visible_to(request.user, "change"), pk=pk)
    try:
        membership.end_floating(
            actor=request.user,
            floating=floating,
            ended_on=request.POST.get("ended_on") or kit.today(),
            note=request.POST.get("note", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已结束{floating.member}的流动党员登记")
    return redirect(_back(floating.org))


# ---------------------------------------------------------------------------------------------
# Dues (党费)


def _month_param(value, today) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return today.replace(day=1)


def _base_initial(member_id, members, today) -> dict:
    """The base form's initial values; ``?member=`` (the link of a member's "尚未核定党费基数"
    prompt) picks the member; a probationary member's first base starts in the joining month
    (支部大会通过, rules.md §3.5), which the service requires."""
    initial = {"effective_month": f"{today:%Y-%m}"}
    member = next((m for m in members if str(m.pk) == str(member_id)), None)
    if member is not None:
        initial["member"] = member.pk
        joined = membership.month_start(member.joined_on)
        if member.category == MemberCategory.PROBATIONARY or joined > today:
            initial["effective_month"] = f"{joined:%Y-%m}"
    return initial


@login_required
def dues(request, pk):
    org = _branch(request.user, pk, "view")
    today = kit.today()
    can_change = can(request.user, "change", org)
    month = _month_param(request.POST.get("month") or request.GET.get("month"), today)
    members = list(_members(request.user, org, "view"))
    base_form = membership_forms.DuesBaseForm(
        request.POST if request.POST.get("action") == "base" else None,
        members=_members(request.user, org),
        initial=_base_initial(request.GET.get("member"), members, today),
    )
    pay_error = pay_field = ""
    pay = request.POST if request.POST.get("action") == "pay" else {}  # kept when refused
    if request.method == "POST":
        if not can_change:
            raise Http404
        try:
            if request.POST.get("action") == "pay":
                paid = membership.record_payments(
                    actor=request.user,
                    org=org,
                    month=month,
                    member_ids=request.POST.getlist("members"),
                    paid_on=request.POST.get("paid_on") or today,
                    quarterly_consent=request.POST.get("quarterly_consent") == "1",
                    proxy_name=request.POST.get("proxy_name", ""),
                    proxy_relation=request.POST.get("proxy_relation", ""),
                )
                messages.success(request, f"已登记 {len(paid)} 人 {month:%Y年%m月} 党费")
                return redirect(f"{reverse('party:dues', args=[org.pk])}?month={month:%Y-%m}")
            if request.POST.get("action") == "base" and base_form.is_valid():
                data = base_form.cleaned_data
                base = membership.set_dues_base(
                    actor=request.user,
                    member=data["member"],
                    kind=data["kind"],
                    income=data["income"],
                    farmer_amount=data["farmer_amount"],
                    effective_month=data["effective_month"],
                )
                messages.success(request, f"已核定{base.member}每月党费 {base.monthly_due} 元({base.rate})")
                return redirect(f"{reverse('party:dues', args=[org.pk])}?month={month:%Y-%m}")
        except ServiceError as error:
            if request.POST.get("action") == "base":
                base_form.attach(error)
            else:
                pay_error, pay_field = error.message, error.field or ""
    bases: dict[int, list[DuesBase]] = {}
    for base in (
        DuesBase.objects.visible_to(request.user)
        .filter(member__in=members)
        .order_by("-effective_month", "-pk")
    ):
        bases.setdefault(base.member_id, []).append(base)
    paid = {
        p.member_id: p
        for p in DuesPayment.objects.visible_to(request.user).live().filter(member__in=members, month=month)
    }
    unpaid = membership.arrears(members, today)
    cuts = membership.reductions_of([m.pk for m in members])
    ticked = set(request.POST.getlist("members")) if pay else set()
    rows = []
    for m in members:
        own = bases.get(m.pk, [])
        current = membership.base_for(own, month)
        due, reduction = membership.due_for(own, cuts.get(m.pk, []), month)
        rows.append(
            {
                "member": m,
                "base": current,
                "due": due,
                "reduction": reduction,
                "paid": paid.get(m.pk),
                "arrears": len(unpaid.get(m.pk, [])),
                "ticked": str(m.pk) in ticked,
            }
        )
    return render(
        request,
        "party/dues.html",
        {
            "org": org,
            "month": month,
            "prev": month.replace(day=1) - dt.timedelta(days=1),
            "rows": rows,
            "base_form": base_form,
            "pay_error": pay_error,
            "pay_field": pay_field,
            "pay": pay,
            "can_change": can_change,
            "today": today,
            "ahead": month > today.replace(day=1),
            "pending_reductions": DuesReduction.objects.visible_to(request.user)
            .filter(org=org, state=ReductionState.REPORTED)
            .count(),
            "years": range(today.year, today.year - 3, -1),
            "active_nav": "party_branch",
        },
    )


# ---------------------------------------------------------------------------------------------
# A member's dues (党员党费账): ledger by month, back-payment / quarterly entry, reductions (党费减免)


def ledger_rows(member, bases, cuts, payments, today, limit, months=24) -> list[dict]:
    """The member's months, newest first: from the first base (not before joining, §3.5, and at
    most ``months`` back) to the last month paid ahead or this month."""
    if not bases:
        return []
    this_month = today.replace(day=1)
    first = max(
        bases[-1].effective_month,
        membership.month_start(member.joined_on),
        this_month - relativedelta(months=months - 1),
    )
    last = max([this_month, *payments])
    rows = []
    for month in membership.months_between(first, last):
        due, reduction = membership.due_for(bases, cuts, month)
        payment = payments.get(month)
        if payment is not None:
            state, tone = "已缴", "success"
        elif due is None:
            state, tone = "未核定", "light"
        elif due == 0:
            state, tone = ("免交", "info") if reduction else ("无需交纳", "light")
        elif month >= this_month:
            state, tone = ("本月待缴", "light") if month == this_month else ("未到期", "light")
        elif membership.months_back(month, today) > limit:
            state, tone = f"欠缴·超过{limit}个月补缴期限", "danger"
        else:
            state, tone = "欠缴", "warning"
        rows.append(
            {
                "month": month,
                "due": due,
                "reduction": reduction,
                "payment": payment,
                "state": state,
                "tone": tone,
            }
        )
    return list(reversed(rows))


def _member(user, pk, action="view") -> Member:
    member = membership_selectors.branch_member(
        user, pk, action
    )  # the branch's records, not only the member's row
    if member.org.kind != "branch":
        raise Http404
    return member


@login_required
def member_dues(request, pk):
    member = _member(request.user, pk)
    org, today = member.org, kit.today()
    can_change = can(request.user, "change", org)
    limit = Rules.load(today).get("dues.backpay_months", org)
    action = request.POST.get("action") if request.method == "POST" else None
    pay_form = membership_forms.MemberPaymentForm(
        request.POST if action == "pay" else None,
        limit=limit,
        initial={"first_month": f"{today:%Y-%m}", "last_month": f"{today:%Y-%m}", "paid_on": today},
    )
    cut_form = membership_forms.ReductionForm(
        request.POST if action == "reduce" else None,
        initial={
            "first_month": f"{today:%Y-%m}",
            "last_month": f"{today + relativedelta(months=11):%Y-%m}",
            "monthly_amount": "0",
            "applied_on": today,
            "studied_on": today,
            "branch_opinion": "经支委会研究,情况属实,同意报上级党委审批",
        },
    )
    back = reverse("party:member_dues", args=[member.pk])
    if action:
        if not can_change:
            raise Http404
        try:
            if action == "pay" and pay_form.is_valid():
                data = pay_form.cleaned_data
                paid = membership.record_member_payments(actor=request.user, member=member, **data)
                messages.success(
                    request,
                    f"已登记{member}党费 {len(paid)} 个月"
                    f"({paid[0].month:%Y-%m}至{paid[-1].month:%Y-%m},共 {sum(p.amount for p in paid)} 元)",
                )
                return redirect(back)
            if action == "reduce" and cut_form.is_valid():
                r = reductions.report_reduction(actor=request.user, member=member, **cut_form.cleaned_data)
                messages.success(request, f"已将{member}的党费减免申请({r.kind_label})报上级党委审批")
                return redirect(back)
        except ServiceError as error:
            (pay_form if action == "pay" else cut_form).attach(error)
    bases = list(
        DuesBase.objects.visible_to(request.user).filter(member=member).order_by("-effective_month", "-pk")
    )
    cuts = list(
        DuesReduction.objects.visible_to(request.user)
        .filter(member=member)
        .select_related("reported_by", "decided_by")
        .order_by("-first_month", "-pk")
    )
    payments = {p.month: p for p in DuesPayment.objects.visible_to(request.user).live().filter(member=member)}
    rows = ledger_rows(
        member, bases, [c for c in cuts if c.state == ReductionState.APPROVED], payments, today, limit
    )
    return render(
        request,
        "party/member_dues.html",
        {
            "member": member,
            "org": org,
            "base": bases[0] if bases else None,
            "rows": rows,
            "owed": [r for r in rows if r["state"].startswith("欠缴")],
            "reductions": cuts,
            "can_change": can_change,
            "can_decide": {
                c.pk
                for c in cuts
                if c.state == ReductionState.REPORTED and reductions.can_decide(request.user, c)
            },
            "pay_form": pay_form,
            "cut_form": cut_form,
            "limit": limit,
            "today": today,
            "this_month": today.replace(day=1),
            "status_periods": list(
                MemberStatusPeriod.objects.visible_to(request.user)
                .filter(member=member)
                .order_by("-start_on", "-pk")
            ),
            "active_nav": "party_branch",
        },
    )


@login_required
def reduction_queue(request):
    """党费减免审批: what awaits the user's decision as the higher committee, and the applications
    of the branches the user works for (their state)."""
    pending = reductions.pending_for(request.user)
    pending_ids = {r.pk for r in pending}
    mine = [
        r
        for r in DuesReduction.objects.visible_to(request.user, "change")
        .select_related("org", "member__person", "decided_by")
        .order_by("-reported_at", "-pk")[:50]
        if r.pk not in pending_ids
    ]
    return render(
        request,
        "party/dues_reductions.html",
        {
            "pending": pending,
            "mine": mine,
            # Only committees above branches approve; a branch's secretary sees the records.
            "approver": bool(pending)
            or scope.party_orgs(request.user, "change").exclude(kind__in=("branch", "group")).exists(),
            "active_nav": "party_branch",
        },
    )


def _reduction(user, pk, action="view") -> DuesReduction:
    return get_object_or_404(
        DuesReduction.objects.visible_to(user, action).select_related("member__person", "org"), pk=pk
    )


@login_required
@require_POST
def reduction_decide(request, pk):
    r = _reduction(request.user, pk)
    # Only the higher committee; its member who reported the reduction gets the service's refusal
    # (separation of duties) as a message.
    if not reductions.approves_for(request.user, r):
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        reductions.decide_reduction(
            actor=request.user, reduction=r, approve=approve, note=request.POST.get("note", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已{'批准' if approve else '不予批准'}{r.member}的党费减免")
    if request.POST.get("next") == "member":
        return redirect("party:member_dues", r.member_id)
    return redirect("party:dues_reductions")


@login_required
@require_POST
def reduction_close(request, pk):
    """The branch withdraws a reported application or stops an approved reduction."""
    r = _reduction(request.user, pk, "change")
    try:
        if r.state == ReductionState.REPORTED:
            reductions.withdraw_reduction(
                actor=request.user, reduction=r, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"已撤回{r.member}的党费减免申请")
        else:
            reductions.stop_reduction(
                actor=request.user,
                reduction=r,
                from_month=request.POST.get("from_month", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, f"已终止{r.member}的党费减免")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("party:member_dues", r.member_id)


@login_required
def dues_export(request, pk):
    org = _branch(request.user, pk, "view")
    try:
        year = int(request.GET.get("year", kit.today().year))
    except ValueError as error:
        raise Http404 from error
    data = membership_exports.dues_workbook(request.user, org, year, kit.today())
    return xlsx_response(data, f"{org.name}{year}年党费台账.xlsx")


# ---------------------------------------------------------------------------------------------
# Care visits (走访慰问)


@login_required
def care_new(request, pk):
    org = _branch(request.user, pk, "change")
    form = membership_forms.CareForm(request.POST or None, members=_members(request.user, org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership.record_care_visit(actor=request.user, **data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已登记对{data['member']}的走访慰问")
            return redirect(_back(org))
    elif request.method != "POST":
        form.initial = {"visited_on": kit.today()}
    return render(
        request,
        "party/membership_form.html",
        {"org": org, "form": form, "title": "登记走访慰问", "submit": "登记", "active_nav": "party_branch"},
    )


@login_required
@require_POST
def care_follow_up(request, pk):
    visit = get_object_or_404(CareVisit.objects.visible_to(request.user, "change"), pk=pk)
    try:
        membership.complete_follow_up(
            actor=request.user,
            visit=visit,
            done_on=request.POST.get("done_on") or kit.today(),
            note=request.POST.get("note", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已办结后续帮扶")
    return redirect(_back(visit.org))


# ---------------------------------------------------------------------------------------------
# 两优一先 commendations


@login_required
def nomination_new(request, pk):
    org = _branch(request.user, pk, "change")
    orgs = scope.party_orgs(request.user, "change").filter(subtree_q("path", org.path)).exclude(kind="group")
    form = membership_forms.NominationForm(
        request.POST or None, members=_members(request.user, org), orgs=orgs
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            c = membership.nominate(
                actor=request.user,
                org=org,
                category=data["category"],
                year=data["year"],
                deeds=data["deeds"],
                member=data["member"],
                nominee_org=data["nominee_org"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已推荐{c.nominee_name}为{c.get_category_display()}人选")
            return redirect("party:commendation", c.pk)
    elif request.method != "POST":
        form.initial = {"year": kit.today().year}
    return render(
        request,
        "party/membership_form.html",
        {"org": org, "form": form, "title": "推荐两优一先", "submit": "推荐", "active_nav": "party_branch"},
    )


@login_required
def commendation_page(request, pk):
    c = get_object_or_404(
        Commendation.objects.visible_to(request.user).select_related(
            "org", "nominee_member__person", "nominee_org"
        ),
        pk=pk,
    )
    if request.method == "POST":
        if not Commendation.objects.visible_to(request.user, "change").filter(pk=pk).exists():
            raise Http404
        action, post, today = request.POST.get("action"), request.POST, kit.today()
        try:
            if action == "review":
                membership.review(
                    actor=request.user,
                    commendation=c,
                    passed=post.get("passed") == "1",
                    opinion=post.get("opinion", ""),
                )
            elif action == "notice":
                membership.start_notice(
                    actor=request.user, commendation=c, starts_on=post.get("starts_on") or today
                )
            elif action == "objection":
                membership.record_objection(actor=request.user, commendation=c, text=post.get("text", ""))
            elif action == "decide":
                membership.decide(
                    actor=request.user,
                    commendation=c,
                    awarded=post.get("awarded") == "1",
                    decided_on=post.get("decided_on") or today,
                    note=post.get("note", ""),
                )
            else:
                raise Http404
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已办理")
        return redirect("party:commendation", c.pk)
    reviewer = membership.reviewing_org(c.org)
    return render(
        request,
        "party/commendation.html",
        {
            "c": c,
            "org": c.org,
            "can_review": can(request.user, "change", reviewer),
            "reviewer": reviewer,
            "states": CommendationState,
            "today": kit.today(),
            "active_nav": "party_branch",
        },
    )
