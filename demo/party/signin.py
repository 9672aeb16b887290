"""Demo QR sign-ins (演示扫码签到) in shuji's branch (湖东社区党支部): the branch's three latest
meetings before the build day used the 签到码 — two whose sign-ins match the typed attendance, and
the middle one whose typed list has two members present who never signed in
(``formalism.signin_mismatch``, tolerance 1). The member account ``dangyuan`` signed in wherever the
list has them present. Dates come from the meetings the organization-life builder placed relative
to the build day, so every build day shows both states."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import Subject, record
from core.actors import SYSTEM
from orgs.models import Org, User
from party.life import services as life
from party.life.models import Attendance, AttendanceStatus, Meeting, MeetingKind, SignIn, SignInWindow

from .life import SHUJI_BRANCH

CST = dt.timezone(dt.timedelta(hours=8))
KINDS = (MeetingKind.THEME_DAY, MeetingKind.BRANCH_ASSEMBLY, MeetingKind.LECTURE)


def build_demo_signins(today: dt.date, stdout=None) -> int:
    if SignInWindow.objects.filter(meeting__is_demo=True).exists():
        return 0
    branch = Org.objects.filter(is_demo=True, kind="branch", short_name=SHUJI_BRANCH).first()
    if branch is None:
        return 0
    meetings = list(
        Meeting.objects.live()
        .filter(org=branch, kind__in=KINDS, held_on__lt=today, held_on__gte=today - dt.timedelta(days=300))
        .order_by("-held_on", "-pk")[:3]
    )
    if len(meetings) < 3:
        return 0
    account = User.objects.filter(username="dangyuan").first()
    windows, signins = [], []
    for index, meeting in enumerate(meetings):
        start = dt.datetime.combine(meeting.held_on, dt.time(9, 0), tzinfo=CST)
        windows.append(
            SignInWindow(
                meeting=meeting,
                org=branch,
                org_path=branch.path,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                opened_by=None,
                opened_at=start - dt.timedelta(minutes=20),
            )
        )
        present = list(
            Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.PRESENT)
            .select_related("member__person")
            .order_by("member_id")
        )
        if index == 1:  # the disagreeing meeting: two typed present, never signed in
            own = [a for a in present if a.member.person.user_id is not None]
            others = [a for a in present if a.member.person.user_id is None]
            present = own + others[:-2]
        for i, a in enumerate(present):
            user = account if account is not None and a.member.person.user_id == account.pk else None
            signins.append(
                SignIn(
                    meeting=meeting,
                    member=a.member,
                    org=branch,
                    org_path=branch.path,
                    user=user,
                    signed_at=start - dt.timedelta(minutes=15) + dt.timedelta(minutes=(i * 7) % 40),
                    is_demo=True,
                )
            )
    with transaction.atomic():
        SignInWindow.objects.bulk_create(windows)
        SignIn.objects.bulk_create(signins)
        record(
            Subject("party.demo_signins", "yuelu", label="演示扫码签到", scope_path=branch.path),
            life.DEMO_LOADED,
            actor=SYSTEM,
            after={"meetings": len(windows), "signins": len(signins)},
            reason="演示数据",
        )
    if stdout:
        stdout.write(f"演示扫码签到:{len(windows)} 次会议、{len(signins)} 人次签到。\n")
    return len(signins)
