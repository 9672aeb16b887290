"""Pages of elections and approvals (换届选举、书记副书记报批): a party organization reports, the
higher committee approves on its 待审批 page. Thin: scope → parse → one service call → redirect or
re-render with the service's message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from orgs.models import Org, Person
from party import scope
from party.membership.models import Member, MemberStatus
from party.scope import TEAM_KINDS, back_url, party_org_or_404
from party.terms import cadres
from party.terms import forms as term_forms
from party.terms import services as terms
from party.terms.cadre_models import LeadingCadre
from party.terms.models import Appointment, ApprovalState, Term


def _people(org):
    return Person.objects.filter(pk__in=terms.formal_members(org).values("person_id")).order_by("name", "pk")


def term_context(user, org: Org) -> dict:
    """The 班子与换届 section of an organization's page."""
    history = list(Term.objects.visible_to(user).filter(org=org).order_by("-started_on", "-pk")[:5])
    return {
        "terms": history,
        "appointments": list(
            Appointment.objects.visible_to(user)
            .filter(org=org)
            .select_related("person")
            .order_by("-reported_at")[:5]
        ),
        "approver": scope.approver_of(org),
        "cadres": list(
            LeadingCadre.objects.visible_to(user)
            .current()
            .filter(org=org)
            .select_related("member__person", "team")
        ),
    }


@login_required
def election_new(request, pk):
    org = party_org_or_404(request.user, pk, "change")
    people = list(_people(org))
    form = term_forms.ElectionForm(request.POST or None, members=people)
    rows = form.row_values(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            terms.record_election(
                actor=request.user,
                org=org,
                held_on=data["held_on"],
                eligible=data["eligible"],
                present=data["present"],
                committee=form.committee(request.POST),
                note=data["note"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "换届选举结果已报上级党委审批")
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"held_on": kit.today()}
    return render(
        request,
        "party/election_new.html",
        {
            "org": org,
            "form": form,
            "rows": rows,
            "people": people,
            "posts": term_forms.POSTS,
            "back": back_url(org),
            "active_nav": "party_branch",
        },
    )


@login_required
def appointment_new(request, pk):
    org = party_org_or_404(request.user, pk, "change")
    form = term_forms.AppointmentForm(request.POST or None, people=_people(org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            terms.report_appointment(actor=request.user, org=org, **data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已将{data['person'].name}报上级党委审批")
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"elected_on": kit.today()}
    return render(
        request,
        "party/membership_form.html",
        {
            "org": org,
            "form": form,
            "title": "书记、副书记报批",
            "submit": "报批",
            "active_nav": "party_branch",
        },
    )


@login_required
def approvals(request):
    pending_terms, pending_appointments = terms.pending_for(request.user)
    return render(
        request,
        "party/approvals.html",
        {
            "pending_terms": pending_terms,
            "pending_appointments": pending_appointments,
            "active_nav": "party_index",
        },
    )


def _decision(request):
    return request.POST.get("decision") == "approve", request.POST.get("note", "")


@login_required
@require_POST
def term_decide(request, pk):
    term = get_object_or_404(
        Term.objects.visible_to(request.user, "change"), pk=pk, state=ApprovalState.REPORTED
    )
    approve, note = _decision(request)
    try:
        terms.decide_term(actor=request.user, term=term, approve=approve, note=note)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已{'批准' if approve else '不予批准'}{term.org.name}的换届选举结果")
    return redirect("party:approvals")


@login_required
@require_POST
def appointment_decide(request, pk):
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user, "change"), pk=pk, state=ApprovalState.REPORTED
    )
    approve, note = _decision(request)
    try:
        terms.decide_appointment(actor=request.user, appointment=appointment, approve=approve, note=note)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"已{'批准' if approve else '不予批准'}"
            f"{appointment.person.name}任{appointment.get_post_display()}",
        )
    return redirect("party:approvals")


@login_required
def cadre_new(request, pk):
    org = party_org_or_404(request.user, pk, "change")
    members = (
        Member.objects.visible_to(request.user, "change")
        .filter(org=org, status=MemberStatus.NORMAL)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    teams = Org.objects.filter(kind__in=TEAM_KINDS, archived_at__isnull=True).order_by("path")
    form = term_forms.CadreForm(request.POST or None, members=members, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cadres.mark_leading_cadre(actor=request.user, **data)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已将{data['member'].person.name}登记为党员领导干部")
            return redirect(back_url(org))
    elif request.method != "POST":
        form.initial = {"start_on": kit.today()}
    return render(
        request,
        "party/membership_form.html",
        {
            "org": org,
            "form": form,
            "title": "登记党员领导干部",
            "submit": "登记",
            "active_nav": "party_branch",
        },
    )


@login_required
@require_POST
def cadre_end(request, pk):
    cadre = get_object_or_404(LeadingCadre.objects.visible_to(request.user, "change"), pk=pk)
    try:
        cadres.end_leading_cadre(
            actor=request.user, cadre=cadre, end_on=kit.today(), reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已登记离任")
    return redirect(back_url(cadre.org))
