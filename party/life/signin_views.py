"""QR sign-in pages (扫码签到): the secretary's 签到码 page (open the code with the meeting's times,
show the QR and the sign-ins as they come) and the member's phone page reached from the QR."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from core import clock
from core.errors import ServiceError
from party.life import signin
from party.life.models import Meeting, SignInWindow
from party.membership import selectors as membership_selectors

CST = signin.CST


def _time(value: str | None) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value or "")
    except ValueError:
        return None


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG markup (no script, no external file): error correction
    M, a quiet zone of 4 modules, drawn dark on white whatever the page's colours."""
    code = segno.make_qr(url, error="m")
    return code.svg_inline(scale=6, border=4, dark="#000", light="#fff", title="签到码")


def _default_times(meeting: Meeting) -> tuple[dt.time, dt.time]:
    now = clock.now().astimezone(CST)
    if meeting.held_on == now.date():
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        end = min(start + dt.timedelta(hours=2), start.replace(hour=23, minute=59))
        return start.time(), end.time()
    return dt.time(9, 0), dt.time(11, 0)


@login_required
def signin_code(request, pk):
    """签到码: the secretary opens the meeting's QR sign-in (its start and end time), then shows the
    code on the screen; the sign-ins appear below as members scan it."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user, "change").select_related("org"), pk=pk
    )
    current = SignInWindow.objects.filter(meeting=meeting).first()
    error = ""
    field = ""
    starts, ends = (
        (current.starts_at.astimezone(CST).time(), current.ends_at.astimezone(CST).time())
        if current
        else _default_times(meeting)
    )
    if request.method == "POST":
        starts = _time(request.POST.get("starts_at")) or starts
        ends = _time(request.POST.get("ends_at")) or ends
        try:
            signin.open_signin(
                actor=request.user,
                meeting=meeting,
                starts_at=dt.datetime.combine(meeting.held_on, starts, tzinfo=CST),
                ends_at=dt.datetime.combine(meeting.held_on, ends, tzinfo=CST),
            )
        except ServiceError as exc:
            error, field = exc.message, exc.field or ""
        else:
            messages.success(request, "签到码已开启,请在会场展示")
            return redirect("party:meeting_signin_code", meeting.pk)
    url = svg = ""
    span = None
    if current is not None:
        url = request.build_absolute_uri(reverse("party:signin", args=[signin.token_for(meeting)]))
        svg = mark_safe(qr_svg(url))  # noqa: S308 - segno's own markup, the URL is escaped by segno
        span = signin.window(current)
    rows = signin.comparison(meeting) if current else []
    context = {
        "meeting": meeting,
        "branch": membership_selectors.branch_of(meeting.org),
        "window": current,
        "span": span,
        "state": span.state(clock.now()) if span else "",
        "url": url,
        "svg": svg,
        "starts": starts.strftime("%H:%M"),
        "ends": ends.strftime("%H:%M"),
        "error": error,
        "field": field,
        "rows": rows,
        "signed": sum(1 for row in rows if row["signed"]),
        # Disagreements are marked once the window is over (before that, 待签到).
        "settled": span is not None and span.state(clock.now()) == "over",
        "active_nav": "party_branch",
    }
    return render(request, "party/meeting_signin_code.html", context, status=400 if error else 200)


@login_required
def signin_page(request, token):
    """The member's phone page from the QR: the meeting and a 确认签到 button (a sign-in is a POST;
    opening the URL changes nothing)."""
    try:
        meeting = signin.meeting_of(token)
    except ServiceError as exc:
        return render(request, "party/signin.html", {"error": exc.message}, status=400)
    member = signin.own_member(request.user)
    done = meeting.signins.filter(member=member).first() if member else None
    error = ""
    status = 200
    if request.method == "POST" and done is None:
        try:
            done = signin.sign_in(actor=request.user, token=token)
        except ServiceError as exc:
            error = exc.message
            status = 403 if exc.code == "forbidden" else 400
        else:
            messages.success(request, f"签到成功:{done.signed_at.astimezone(CST):%H:%M}")
            return redirect("party:signin", token)
    current = SignInWindow.objects.filter(meeting=meeting).first()
    context = {
        "meeting": meeting,
        "member": member,
        "done": done,
        "error": error,
        "span": signin.window(current) if current else None,
    }
    return render(request, "party/signin.html", context, status=status)
