"""Pages of the talk log (谈心谈话): a branch's talks of a year with the coverage report (committee ×
committee grid, members not yet talked with), a phone-first entry form (the 谈话对象 list marks
who has not yet been talked with, via htmx), a talk's page with its versions, correction and void.
Thin: scope → parse → one ``party.talks.services`` call → redirect or re-render with the service's message."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from orgs.models import Org, Position, PositionKind
from orgs.scoping import can
from party import scope
from party.membership.models import Member, MemberStatus
from party.talks import forms as talk_forms
from party.talks import services as talks
from party.talks.models import Talk, TalkKind

YEARS_SHOWN = 3


def _branch(user, pk, action="view") -> Org:
    org = get_object_or_404(scope.party_orgs(user, action), pk=pk)
    if org.kind == "group":
        org = Org.objects.get_parent(org)
    if org.kind != "branch":
        raise Http404("谈心谈话按党支部登记")
    return org


def _year(request, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError as error:
        raise Http404 from error
    if not today.year - 10 <= year <= today.year:
        raise Http404
    return year


def _members(org: Org, day: dt.date) -> list[dict]:
    """The branch's members in good standing, committee first, with their post in the label."""
    posts = {
        p.person_id: p.kind
        for p in Position.objects.current(day)
        .filter(org=org, kind__in=talks.COMMITTEE_POSTS)
        .order_by("-start_on")
    }
    rows = []
    for m in Member.objects.filter(org=org, status=MemberStatus.NORMAL).select_related("person"):
        post = posts.get(m.person_id)
        label = m.person.name + (f"({PositionKind(post).label})" if post else "")
        if m.category == "probationary":
            label += "(预备党员)"
        rows.append(
            {"pk": m.pk, "label": label, "order": (talks.POST_ORDER.get(post, 9), m.person.name, m.pk)}
        )
    rows.sort(key=lambda r: r["order"])
    return rows


def _hints(org: Org, initiator_id, day: dt.date) -> dict[int, str]:
    """``{member id: " · 今年已谈"}`` for the members the chosen 谈话人 has talked with this year."""
    try:
        member = Member.objects.get(pk=int(initiator_id), org=org)
    except (TypeError, ValueError, Member.DoesNotExist):
        return {}
    hints = {pk: " · 今年已谈" for pk in talks.partners(org, member, day.year, day)}
    hints[member.pk] = " · 本人"
    return hints


@login_required
def talk_list(request, pk):
    org = _branch(request.user, pk)
    today = kit.today()
    year = _year(request, today)
    report = talks.coverage(org, year, today)
    rows = list(
        Talk.objects.visible_to(request.user)
        .filter(org=org, held_on__year=year, superseded_at__isnull=True)
        .select_related("initiator__person", "other__person")
        .order_by("-held_on", "-pk")
    )
    committee = [c["member_id"] for c in report.committee]
    context = {
        "org": org,
        "year": year,
        "years": [today.year - i for i in range(YEARS_SHOWN)],
        "report": report,
        "talks": rows,
        "first_committee": committee[0] if committee else "",
        "can_change": can(request.user, "change", org),
        "active_nav": "party_talks",
    }
    return render(request, "party/talks.html", context)


def _talk_form_context(org: Org, form, day: dt.date) -> dict:
    return {"org": org, "form": form, "day": day, "active_nav": "party_talks"}


@login_required
def talk_new(request, pk):
    org = _branch(request.user, pk, "change")
    today = kit.today()
    members = _members(org, today)
    if request.method == "POST":
        form = talk_forms.TalkForm(
            request.POST, members=members, hints=_hints(org, request.POST.get("initiator"), today)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                talk = talks.record_talk(
                    actor=request.user,
                    org=org,
                    held_on=data["held_on"],
                    initiator=data["initiator"],
                    other=data["other"],
                    kind=data["kind"],
                    place=data["place"],
                    summary=data["summary"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(
                    request,
                    f"已登记:{talk.held_on:%Y-%m-%d} {talk.initiator.person.name} 与 "
                    f"{talk.other.person.name} 谈心谈话",
                )
                return redirect(f"{reverse('party:talks', args=[org.pk])}?year={talk.held_on.year}")
    else:
        initial = {
            "held_on": today,
            "kind": request.GET.get("kind") if request.GET.get("kind") in TalkKind.values else TalkKind.DAILY,
            "place": f"{(org.host or org).name}党员活动室",
        }
        for name in ("initiator", "other"):
            if (request.GET.get(name) or "").isdigit():
                initial[name] = int(request.GET[name])
        form = talk_forms.TalkForm(
            initial=initial, members=members, hints=_hints(org, initial.get("initiator"), today)
        )
    return render(request, "party/talk_new.html", _talk_form_context(org, form, today))


@login_required
def talk_partners(request, pk):
    """htmx: the 谈话对象 field again, marking whom the chosen 谈话人 has talked with this year."""
    org = _branch(request.user, pk, "change")
    today = kit.today()
    initiator = request.GET.get("initiator")
    form = talk_forms.TalkForm(
        initial={"other": request.GET.get("other") or None, "initiator": initiator},
        members=_members(org, today),
        hints=_hints(org, initiator, today),
    )
    return render(request, "party/_talk_other.html", {"form": form})


@login_required
def talk_detail(request, pk):
    talk = get_object_or_404(
        Talk.objects.visible_to(request.user).select_related(
            "org", "initiator__person", "other__person", "recorded_by"
        ),
        pk=pk,
    )
    versions = talks.history(talk)
    context = {
        "talk": talk,
        "versions": versions,
        "latest": versions[0],
        "can_change": can(request.user, "change", talk.org) and talk.live,
        "org": talk.org,
        "active_nav": "party_talks",
    }
    return render(request, "party/talk_detail.html", context)


@login_required
def talk_correct(request, pk):
    talk = get_object_or_404(
        Talk.objects.visible_to(request.user, "change").select_related(
            "org", "initiator__person", "other__person"
        ),
        pk=pk,
    )
    if not talk.live:
        messages.error(request, "该记录已作废或已被更正,不能再更正")
        return redirect("party:talk", talk.pk)
    org = talk.org
    today = kit.today()
    members = _members(org, today)
    if request.method == "POST":
        form = talk_forms.TalkCorrectionForm(
            request.POST, members=members, hints=_hints(org, request.POST.get("initiator"), today)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                new = talks.correct_talk(actor=request.user, talk=talk, reason=reason, **data)
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已更正,原记录已保留为历史版本")
                return redirect("party:talk", new.pk)
    else:
        form = talk_forms.TalkCorrectionForm(
            initial={
                "held_on": talk.held_on,
                "initiator": talk.initiator_id,
                "other": talk.other_id,
                "kind": talk.kind,
                "place": talk.place,
                "summary": talk.summary,
            },
            members=members,
            hints=_hints(org, talk.initiator_id, today),
        )
    context = {**_talk_form_context(org, form, today), "talk": talk}
    return render(request, "party/talk_correct.html", context)


@login_required
@require_POST
def talk_void(request, pk):
    talk = get_object_or_404(Talk.objects.visible_to(request.user, "change").select_related("org"), pk=pk)
    try:
        talks.void_talk(actor=request.user, talk=talk, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "记录已作废(保留在系统中,不计入谈话覆盖)")
    return redirect("party:talk", talk.pk)
