"""Pages of the 理论学习中心组 (a committee's theory study group): the index of the committees in
view with the year's count against the minimum, one committee's year (plan by month, sessions,
members' attendance), the plan form, the phone-friendly session entry, a session's page with void,
the members (import the leading team, add, end) and the printable 学习记录.
Thin: scope → parse → one ``services`` call → redirect or re-render with the service's message."""

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
from orgs.models import Org, Person, Position
from orgs.scoping import can
from party import scope
from party.study_group import forms as study_forms
from party.study_group import services
from party.study_group.models import COMMITTEE_KINDS, GroupMember, StudySession

YEARS_SHOWN = 3


def _committee(user, pk, action="view") -> Org:
    org = get_object_or_404(scope.party_orgs(user, action), pk=pk)
    if org.kind not in COMMITTEE_KINDS:
        raise Http404("理论学习中心组按党委、党工委、党组设立")
    return org


def _year(request, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError as error:
        raise Http404 from error
    if not today.year - 10 <= year <= today.year + 1:
        raise Http404
    return year


@login_required
def index(request):
    today = kit.today()
    year = _year(request, today)
    committees = list(scope.party_orgs(request.user).filter(kind__in=COMMITTEE_KINDS).order_by("path")[:200])
    if not committees:
        raise Http404
    rows = [services.overview(org, year, today) for org in committees]
    context = {
        "rows": rows,
        "year": year,
        "years": [today.year - i for i in range(YEARS_SHOWN)],
        "active_nav": "party_study_group",
    }
    return render(request, "party/study_group/index.html", context)


@login_required
def committee(request, pk):
    org = _committee(request.user, pk)
    today = kit.today()
    year = _year(request, today)
    context = {
        "org": org,
        "year": year,
        "years": [today.year - i for i in range(YEARS_SHOWN)],
        "view": services.overview(org, year, today),
        "members": services.members_on(org, today),
        "can_change": can(request.user, "change", org),
        "active_nav": "party_study_group",
    }
    return render(request, "party/study_group/committee.html", context)


@login_required
def plan(request, pk):
    org = _committee(request.user, pk, "change")
    today = kit.today()
    year = _year(request, today)
    if request.method == "POST":
        form = study_forms.PlanForm(request.POST)
        if form.is_valid():
            try:
                services.save_plan(
                    actor=request.user,
                    org=org,
                    year=year,
                    note=form.cleaned_data["note"],
                    topics=form.topics(),
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已保存{year}年中心组学习计划")
                return redirect(f"{reverse('party:study_group_org', args=[org.pk])}?year={year}")
    else:
        view = services.overview(org, year, today)
        initial = {"note": view.plan.note if view.plan else ""}
        for month in view.months:
            if month.planned:
                initial[f"topic_{month.month}"] = "；".join(t.topic for t in month.planned)[:120]
                initial[f"kind_{month.month}"] = month.planned[0].kind
        form = study_forms.PlanForm(initial=initial)
    context = {"org": org, "year": year, "form": form, "active_nav": "party_study_group"}
    return render(request, "party/study_group/plan.html", context)


@login_required
def session_new(request, pk):
    org = _committee(request.user, pk, "change")
    today = kit.today()
    day = today
    if request.method == "POST":
        try:
            day = dt.date.fromisoformat(request.POST.get("held_on", ""))
        except ValueError:
            day = today
    members = services.members_on(org, min(day, today))
    if not members:
        messages.error(request, "请先登记中心组成员(可从领导班子导入)")
        return redirect("party:study_group_org", org.pk)
    topics = [t for m in services.overview(org, today.year, today).months for t in m.planned]
    if request.method == "POST":
        form = study_forms.SessionForm(request.POST, members=members, topics=topics)
        if form.is_valid():
            data = form.cleaned_data
            people = {m.person_id: m.person for m in members}
            try:
                session = services.record_session(
                    actor=request.user,
                    org=org,
                    held_on=data["held_on"],
                    topic=data["topic"],
                    kind=data["kind"],
                    host=people.get(data["host"]),
                    minutes=data["minutes"],
                    place=data["place"],
                    materials=data["materials"],
                    summary=data["summary"],
                    attendance=[
                        services.Attendee(m.person, data[f"att_{m.person_id}"], data[f"reason_{m.person_id}"])
                        for m in members
                    ],
                    speeches=[
                        services.Speech(people[data[f"speaker_{i}"]], data[f"role_{i}"], data[f"speech_{i}"])
                        for i in range(1, study_forms.SPEECH_ROWS + 1)
                        if data.get(f"speaker_{i}") in people
                    ],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已登记 {session.held_on:%Y-%m-%d} 中心组集体学习:{session.topic}")
                return redirect("party:study_group_org", org.pk)
    else:
        leader = next((m for m in members if m.role == "leader"), members[0])
        form = study_forms.SessionForm(
            members=members,
            initial={"held_on": today, "host": leader.person_id, "speaker_1": leader.person_id},
        )
    context = {"org": org, "form": form, "topics": topics, "active_nav": "party_study_group"}
    return render(request, "party/study_group/session_new.html", context)


def _session(user, pk, action="view") -> StudySession:
    session = get_object_or_404(
        StudySession.objects.visible_to(user, action).select_related("org", "host"), pk=pk
    )
    _committee(user, session.org_id, action)
    return session


@login_required
def session_detail(request, pk):
    session = _session(request.user, pk)
    context = {
        "session": session,
        "org": session.org,
        "speeches": list(session.speeches.select_related("person")),
        "attendance": list(session.attendance.select_related("person")),
        "can_change": can(request.user, "change", session.org) and session.voided_at is None,
        "void_form": study_forms.ReasonForm(),
        "active_nav": "party_study_group",
    }
    return render(request, "party/study_group/session.html", context)


@login_required
@require_POST
def session_void(request, pk):
    session = _session(request.user, pk, "change")
    form = study_forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.void_session(actor=request.user, session=session, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已作废该学习记录")
    else:
        messages.error(request, "请填写作废原因")
    return redirect("party:study_session", session.pk)


def _people(org: Org, day: dt.date) -> list[tuple[int, str]]:
    """The people who may join: the current post holders of the committee and the organizations
    directly under it (the leading team, the organ branch's cadres)."""
    orgs = [org.pk, *Org.objects.get_children(org).values_list("pk", flat=True)]
    seen: dict[int, str] = {}
    for post in Position.objects.current(day).filter(org_id__in=orgs).select_related("person", "org"):
        seen.setdefault(post.person_id, f"{post.person.name}({post.title or post.get_kind_display()})")
    return sorted(seen.items(), key=lambda item: item[1])


@login_required
def members(request, pk):
    org = _committee(request.user, pk, "change")
    today = kit.today()
    people = _people(org, today)
    form = study_forms.MemberForm(people=people, initial={"start_on": today})
    if request.method == "POST":
        if request.POST.get("import"):
            try:
                added = services.import_leaders(actor=request.user, org=org, day=today)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"已从领导班子导入 {len(added)} 人")
            return redirect("party:study_members", org.pk)
        form = study_forms.MemberForm(request.POST, people=people)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_member(
                    actor=request.user,
                    org=org,
                    person=get_object_or_404(Person, pk=data["person"]),
                    role=data["role"],
                    title=data["title"],
                    start_on=data["start_on"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已增加中心组成员")
                return redirect("party:study_members", org.pk)
    context = {
        "org": org,
        "form": form,
        "members": services.members_on(org, today),
        "end_form": study_forms.ReasonForm(),
        "active_nav": "party_study_group",
    }
    return render(request, "party/study_group/members.html", context)


@login_required
@require_POST
def member_end(request, pk):
    row = get_object_or_404(GroupMember.objects.visible_to(request.user, "change"), pk=pk)
    _committee(request.user, row.org_id, "change")
    form = study_forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.end_member(
                actor=request.user, row=row, end_on=kit.today(), reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{row.person.name} 已退出中心组")
    else:
        messages.error(request, "请填写退出原因")
    return redirect("party:study_members", row.org_id)


@login_required
def record_print(request, pk):
    org = _committee(request.user, pk)
    today = kit.today()
    year = _year(request, today)
    context = {"org": org, "year": year, "view": services.overview(org, year, today), "printed_at": today}
    return render(request, "party/study_group/print.html", context)
