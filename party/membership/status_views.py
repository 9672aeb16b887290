"""Pages of member status periods (党员状态: 请假/行动不便/长期外出/流动党员): the branch records one
(phone-friendly form), ends it early or revokes it with a reason. Thin: parse, scope, call one
service (``party.membership.status``), redirect to the branch's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from orgs.models import Org
from party import scope
from party.membership import forms as membership_forms
from party.membership import status
from party.membership.models import Member, MemberStatus, MemberStatusPeriod


def _branch(user, pk, action="view") -> Org:
    return get_object_or_404(scope.party_orgs(user, action).filter(kind="branch"), pk=pk)


def _back(period_or_org) -> str:
    org = period_or_org.org if isinstance(period_or_org, MemberStatusPeriod) else period_or_org
    return reverse("party:org", args=[org.pk]) + "#status-periods"


def branch_periods(user, org: Org, today) -> list[MemberStatusPeriod]:
    """The branch's periods in force or ended within the last year (revoked ones included, marked)."""
    return list(
        MemberStatusPeriod.objects.visible_to(user)
        .filter(org=org)
        .exclude(end_on__lt=today.replace(year=today.year - 1))
        .select_related("member__person", "decided_by")
        .order_by("-start_on", "-pk")[:30]
    )


@login_required
def status_new(request, pk):
    org = _branch(request.user, pk, "change")
    members = (
        Member.objects.visible_to(request.user, "change")
        .filter(org=org, status=MemberStatus.NORMAL)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    form = membership_forms.StatusPeriodForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            status.record_status_period(actor=request.user, **data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已登记{data['member']}的党员状态")
            return redirect(_back(org))
    elif request.method != "POST":
        form.initial = {"start_on": kit.today(), "member": request.GET.get("member")}
    return render(
        request,
        "party/membership_form.html",
        {
            "org": org,
            "form": form,
            "title": "登记党员状态(请假/行动不便/外出)",
            "submit": "登记",
            "active_nav": "party_branch",
        },
    )


@login_required
@require_POST
def status_end(request, pk):
    period = get_object_or_404(MemberStatusPeriod.objects.visible_to(request.user, "change"), pk=pk)
    try:
        status.end_status_period(
            actor=request.user,
            period=period,
            end_on=request.POST.get("end_on") or kit.today(),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已结束{period.member}的“{period.get_kind_display()}”")
    return redirect(_back(period))


@login_required
@require_POST
def status_revoke(request, pk):
    period = get_object_or_404(MemberStatusPeriod.objects.visible_to(request.user, "change"), pk=pk)
    try:
        status.revoke_status_period(actor=request.user, period=period, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已撤销{period.member}的“{period.get_kind_display()}”登记")
    return redirect(_back(period))
