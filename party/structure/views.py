"""Pages of 联合党支部 member units, 品牌支部 and 党建联盟 (组织设置), reached from an organization's
page. Thin: scope → parse → one service call → redirect or re-render with the service's message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from orgs.models import UNIT_KINDS, Org
from party.scope import back_url, party_org_or_404
from party.structure import forms as structure_forms
from party.structure import services as structure
from party.structure.models import AllianceLink, BrandDesignation, JointBranchUnit


def _district(org: Org):
    """Organizations of ``org``'s district (its party tree and the administrative tree it is built
    in): the partners and member units to choose from. Names of organizations are not personal data."""
    from django.db.models import Q

    from orgs.scoping import subtree_q

    q = subtree_q("path", org.path[: Org.steplen])
    if org.host_id:
        q |= subtree_q("path", org.host.path[: Org.steplen])
    return Org.objects.filter(Q(q), archived_at__isnull=True).order_by("path")


def struct_context(user, org: Org) -> dict:
    return {
        "joint_units": list(
            JointBranchUnit.objects.visible_to(user).active().filter(org=org).select_related("unit")
        ),
        "brands": list(BrandDesignation.objects.visible_to(user).active().filter(org=org)),
        "alliances": list(
            AllianceLink.objects.visible_to(user).active().filter(org=org).select_related("partner")
        ),
    }


def _form_page(request, org, form, title, submit):
    return render(
        request,
        "party/membership_form.html",
        {"org": org, "form": form, "title": title, "submit": submit, "active_nav": "party_branch"},
    )


@login_required
def joint_unit_new(request, pk):
    org = party_org_or_404(request.user, pk, "change")
    form = structure_forms.JointUnitForm(
        request.POST or None, units=_district(org).filter(kind__in=UNIT_KINDS)
    )
    if request.method == "POST" and form.is_valid():
        try:
            structure.add_joint_unit(actor=request.user, branch=org, **form.cleaned_data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已将{form.cleaned_data['unit'].name}纳入联合党支部")
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"joined_on": kit.today()}
    return _form_page(request, org, form, "联合党支部:纳入成员单位", "保存")


@login_required
@require_POST
def joint_unit_end(request, pk):
    row = get_object_or_404(JointBranchUnit.objects.visible_to(request.user, "change"), pk=pk)
    try:
        structure.end_joint_unit(
            actor=request.user, row=row, ended_on=kit.today(), reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(back_url(row.org))


@login_required
def brand_new(request, pk):
    org = party_org_or_404(request.user, pk, "view")
    form = structure_forms.BrandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            structure.designate_brand(actor=request.user, branch=org, **form.cleaned_data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已命名{org.short_name or org.name}为品牌支部")
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"designated_on": kit.today()}
    return _form_page(request, org, form, "命名品牌支部", "命名")


@login_required
@require_POST
def brand_revoke(request, pk):
    row = get_object_or_404(BrandDesignation.objects.visible_to(request.user), pk=pk)
    try:
        structure.revoke_brand(actor=request.user, row=row, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(back_url(row.org))


@login_required
def alliance_new(request, pk):
    org = party_org_or_404(request.user, pk, "change")
    form = structure_forms.AllianceForm(request.POST or None, partners=_district(org).exclude(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        try:
            structure.link_alliance(actor=request.user, org=org, **form.cleaned_data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(
                request, f"已将{form.cleaned_data['partner'].name}加入{form.cleaned_data['alliance']}"
            )
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"joined_on": kit.today()}
    return _form_page(request, org, form, "党建联盟:加入成员", "保存")


@login_required
@require_POST
def alliance_end(request, pk):
    row = get_object_or_404(AllianceLink.objects.visible_to(request.user, "change"), pk=pk)
    try:
        structure.end_alliance(actor=request.user, row=row, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect(back_url(row.org))


@login_required
def coverage(request):
    """两新组织 coverage and 党建联盟 figures of a party organization's area (the organization
    department's report; ``party.structure.coverage``), with the Excel export."""
    from django.http import Http404

    from core.ledger import xlsx_response
    from orgs.selectors import ledger_signature
    from party import scope
    from party.structure import coverage as cov

    tops = scope.top_orgs(request.user)
    if not tops:
        raise Http404
    org = tops[0]
    if request.GET.get("org", "").isdigit():
        org = party_org_or_404(request.user, int(request.GET["org"]))
    today = kit.today()
    report = cov.compute(org, today)
    if request.GET.get("format") == "xlsx":
        from party.structure.coverage_export import coverage_workbook

        _unit, maker = ledger_signature(request.user)
        data = coverage_workbook(report, maker=maker, made_on=today)
        return xlsx_response(data, f"coverage-{today:%Y-%m-%d}.xlsx")
    committees = [
        o
        for o in scope.party_orgs(request.user)
        .filter(kind__in=("party_committee", "working_committee"))
        .order_by("path")[:100]
    ]
    context = {
        "org": org,
        "report": report,
        "committees": committees,
        "active_nav": "party_dashboard",
    }
    return render(request, "party/coverage.html", context)
