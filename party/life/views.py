"""Meeting pages (组织生活): record, view, correct, appraise and void a meeting."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import clock, kit
from core.errors import ServiceError
from orgs.models import Org, Person
from orgs.scoping import can
from party.life import forms as life_forms
from party.life import services, signin
from party.life.models import AttendanceStatus, Meeting, MeetingKind, Rating, SignInWindow
from party.membership import selectors as membership_selectors
from party.membership import status as member_status
from party.scope import party_org


def _attendance_rows(org: Org, kind: str, day: dt.date, preset: dict) -> list[dict]:
    members = services.expected_members(org, kind or MeetingKind.THEME_DAY, day).select_related("person")
    rows = []
    for m in members.order_by("category", "joined_on", "pk"):
        status, reason = preset.get(m.pk, (AttendanceStatus.PRESENT, ""))
        rows.append({"member": m, "status": status, "reason": reason})
    return rows


def _parse_day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return kit.today()


@login_required
def meeting_new(request, pk):
    org = party_org(request.user, pk, "change")
    if org.kind not in services.MEETING_ORG_KINDS:
        raise Http404
    conveners = Person.objects.filter(pk__in=services.member_pool(org).values("person_id")).order_by("name")
    preset: dict = {}
    if request.method == "POST":
        form = life_forms.MeetingForm(request.POST, request.FILES, conveners=conveners)
        posted = life_forms.parse_attendance(request.POST)
        preset = posted
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.record_meeting(
                    actor=request.user,
                    org=org,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    topic=data["topic"],
                    place=data["place"],
                    convener=data["convener"],
                    minutes=data["minutes"],
                    decisions=data["decisions"],
                    follow_ups=data["follow_ups"],
                    attendance=posted,
                    resolutions=form.resolutions(),
                    photos=data["photos"],
                    documents=data["documents"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已录入:{meeting}")
                return redirect("party:meeting", meeting.pk)
        kind = request.POST.get("kind") or MeetingKind.THEME_DAY
        day = _parse_day(request.POST.get("held_on"))
    else:
        kind = request.GET.get("kind") or (
            MeetingKind.GROUP if org.kind == "group" else MeetingKind.THEME_DAY
        )
        secretary = services.committee_person_ids(org, kit.today())
        initial = {"kind": kind, "held_on": kit.today(), "place": f"{(org.host or org).name}党员活动室"}
        first = conveners.filter(pk__in=secretary).first()
        if first:
            initial["convener"] = first.pk
        form = life_forms.MeetingForm(initial=initial, conveners=conveners)
        day = kit.today()
    context = {
        "org": org,
        "form": form,
        "rows": _attendance_rows(org, kind, day, preset),
        "statuses": AttendanceStatus.choices,
        "active_nav": "party_branch",
    }
    return render(request, "party/meeting_new.html", context)


@login_required
def attendance_partial(request, pk):
    """htmx: the attendance list for the chosen kind and day; ``copy=1`` pre-fills it from the
    organization's last meeting (复制上次出席名单)."""
    org = party_org(request.user, pk, "change")
    kind = request.GET.get("kind") or MeetingKind.THEME_DAY
    day = _parse_day(request.GET.get("held_on"))
    preset = services.last_attendance(org, kind, day) if request.GET.get("copy") else {}
    context = {
        "rows": _attendance_rows(org, kind, day, preset),
        "statuses": AttendanceStatus.choices,
        "copied": bool(request.GET.get("copy")) and bool(preset),
        "org": org,
    }
    return render(request, "party/_attendance.html", context)


def _attendance_shown(meeting: Meeting) -> list:
    """The meeting's attendance; a member not present whose status period (党员状态, decided by the
    branch) covers the day carries ``excused`` (the period's kind): shown as 请假, not 缺席."""
    rows = list(meeting.attendance.select_related("member__person").order_by("status", "member_id"))
    away = [a.member_id for a in rows if a.status != AttendanceStatus.PRESENT]
    spans = member_status.spans(Q(member_id__in=away), meeting.held_on, meeting.held_on) if away else {}
    for a in rows:
        period = member_status.covering(spans.get(a.member_id, []), meeting.held_on)
        a.excused = period[2] if period and a.status != AttendanceStatus.PRESENT else ""
    return rows


@login_required
def meeting_detail(request, pk, *, appraisal_error: str = "", status: int = 200):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("org", "convener"), pk=pk
    )
    can_change = can(request.user, "change", meeting.org) and meeting.voided_at is None
    opened = SignInWindow.objects.filter(meeting=meeting).first()
    appraisal_rows = None
    if meeting.kind == MeetingKind.APPRAISAL:
        live = {a.member_id: a for a in meeting.appraisals.filter(superseded_at__isnull=True)}
        appraisal_rows = [
            {
                "member": a.member,
                "rating": live.get(a.member_id),
                "posted": request.POST.get(f"rating_{a.member_id}", ""),
                "posted_note": request.POST.get(f"note_{a.member_id}", ""),
            }
            for a in meeting.attendance.select_related("member__person").order_by("member__person__name")
        ]
    context = {
        "appraisal_rows": appraisal_rows,
        "appraisal_error": appraisal_error,
        "ratings": Rating.choices,
        "superseded_ratings": meeting.appraisals.filter(superseded_at__isnull=False)
        .select_related("member__person")
        .order_by("-superseded_at"),
        "meeting": meeting,
        "attendance": _attendance_shown(meeting),
        "resolutions": meeting.resolutions.all(),
        "attachments": meeting.attachments.all(),
        "revisions": meeting.revisions.select_related("changed_by"),
        "can_change": can_change,
        "branch": membership_selectors.branch_of(meeting.org),
        # 扫码签到: the sign-ins beside the typed list, when the code was opened.
        "signin_opened": opened is not None,
        "signin_rows": signin.comparison(meeting) if opened is not None else [],
        "signin_settled": opened is not None and signin.window(opened).state(clock.now()) == "over",
        "active_nav": "party_branch",
    }
    return render(request, "party/meeting_detail.html", context, status=status)


@login_required
@require_POST
def meeting_appraisal(request, pk):
    """民主评议党员: the rating (and 评议意见) of each member, from the meeting page."""
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user, "change"), pk=pk)
    ratings = {}
    for key, value in request.POST.items():
        if key.startswith("rating_") and value:
            member_id = key.removeprefix("rating_")
            if member_id.isdigit():
                ratings[int(member_id)] = (value, request.POST.get(f"note_{member_id}", ""))
    try:
        saved = services.record_appraisal(
            actor=request.user, meeting=meeting, ratings=ratings, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        return meeting_detail(request, pk, appraisal_error=error.message, status=400)
    messages.success(request, f"已登记 {len(saved)} 名党员的评议等次" if saved else "评议结果没有变化")
    return redirect("party:meeting", pk)


@login_required
def meeting_correct(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user, "change").select_related("org"), pk=pk
    )
    if request.method == "POST":
        form = life_forms.CorrectionForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("reason")
            try:
                services.correct_meeting(actor=request.user, meeting=meeting, reason=reason, **data)
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已更正,原记录已保留为历史版本")
                return redirect("party:meeting", meeting.pk)
    else:
        form = life_forms.CorrectionForm(
            initial={k: getattr(meeting, k) for k in ("topic", "place", "minutes", "decisions", "follow_ups")}
        )
    return render(request, "party/meeting_correct.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def meeting_void(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user, "change").select_related("org"), pk=pk
    )
    try:
        services.void_meeting(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "记录已作废(保留在系统中,不计入考评)")
    return redirect("party:meeting", meeting.pk)
