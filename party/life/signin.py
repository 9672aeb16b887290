"""QR sign-in at a meeting (扫码签到): the secretary opens a sign-in code for a meeting with its start
and end time; the code encodes a URL with a signed token bound to the meeting; a member scans it,
signs in (once), and the sign-in is kept beside the secretary's typed attendance list. The
formalism rule ``formalism.signin_mismatch`` compares the two.

    open_signin (secretary: the times, audited; again to correct them)
    sign_in     (the member, from the token, within the window of the rule data)

The token proves only which meeting the code is for; whether a sign-in is accepted is decided here,
at the moment of signing in: the meeting's window (``signin.before_minutes`` before the start to
``signin.after_minutes`` after the end), the member's own record (the account's ``Person`` →
``Member``) and the meeting's organization (a member of another branch is refused).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction

from audit import events
from audit.services import record
from core import clock
from core.actors import Actor, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.permissions import require
from party.life.models import Attendance, Meeting, SignIn, SignInWindow
from party.life.services import expected_members
from party.membership.models import Member, MemberStatus
from party.rules import Rules

E = events.register
SIGNIN_OPENED = E("party.signin_opened", "开启扫码签到")
SIGNIN_RECORDED = E("party.signin_recorded", "扫码签到")

SALT = "party.signin"
CST = dt.timezone(dt.timedelta(hours=8))
LONGEST = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Window:
    """When members may sign in: from ``opens`` to ``closes`` (the meeting's times widened by the
    rule data's margins)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    opens: dt.datetime
    closes: dt.datetime

    def state(self, now: dt.datetime) -> str:
        if now < self.opens:
            return "not_yet"
        if now > self.closes:
            return "over"
        return "open"

    def label(self) -> str:
        return f"{local(self.opens):%Y-%m-%d %H:%M} 至 {local(self.closes):%H:%M}"


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CST)


def window(signin_window: SignInWindow) -> Window:
    """The sign-in window of an opened code, by the rule data in force on the meeting's day."""
    meeting = signin_window.meeting
    rules = Rules.load(meeting.held_on)
    before = int(rules.get("signin.before_minutes", meeting.org))
    after = int(rules.get("signin.after_minutes", meeting.org))
    return Window(
        signin_window.starts_at,
        signin_window.ends_at,
        signin_window.starts_at - dt.timedelta(minutes=before),
        signin_window.ends_at + dt.timedelta(minutes=after),
    )


def token_for(meeting: Meeting) -> str:
    """The signed token of a meeting's sign-in code (bound to the meeting; not secret, not a
    password: a sign-in still needs the member's own login and the time window)."""
    return signing.dumps({"m": meeting.pk}, salt=SALT)


def meeting_of(token: str) -> Meeting:
    """The live meeting a token was made for, or a ``ServiceError`` in plain Chinese."""
    try:
        data = signing.loads(token, salt=SALT)
        meeting_id = int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise ServiceError("签到码无效:请重新扫描会议现场展示的签到码", field="token") from error
    meeting = Meeting.objects.select_related("org").filter(pk=meeting_id).first()
    if meeting is None or meeting.voided_at is not None:
        raise ServiceError("该会议记录不存在或已作废,不能签到", field="token")
    return meeting


def _moment(value, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ServiceError(f"请填写{label}", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=CST)
    return value


@transaction.atomic
def open_signin(*, actor: Actor, meeting: Meeting, starts_at, ends_at) -> SignInWindow:
    """Open (or correct the times of) a meeting's sign-in code (开启签到码). The times are the
    meeting's own, on its day; the window must not be over already."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    require(actor, "change", meeting.org, "无权为该组织的会议开启扫码签到")
    if meeting.voided_at is not None:
        raise ServiceError("该记录已作废,不能开启签到")
    starts_at = _moment(starts_at, "starts_at", "会议开始时间")
    ends_at = _moment(ends_at, "ends_at", "会议结束时间")
    if local(starts_at).date() != meeting.held_on:
        raise ServiceError(f"会议开始时间须在召开日期({meeting.held_on:%Y-%m-%d})当天", field="starts_at")
    if ends_at <= starts_at:
        raise ServiceError("会议结束时间须晚于开始时间", field="ends_at")
    if ends_at - starts_at > LONGEST:
        raise ServiceError("会议时长不能超过 12 小时,请核对结束时间", field="ends_at")
    current = SignInWindow.objects.filter(meeting=meeting).first()
    draft = SignInWindow(meeting=meeting, org=meeting.org, starts_at=starts_at, ends_at=ends_at)
    if window(draft).closes < clock.now():
        raise ServiceError("签到时间已过(会议结束后的签到时限已到),不能再开启签到", field="ends_at")
    before = None
    if current is None:
        current = draft
        current.opened_by = user_or_none(actor)
        current.opened_at = clock.now()
        current.save()
    else:
        before = {"starts_at": current.starts_at.isoformat(), "ends_at": current.ends_at.isoformat()}
        current.starts_at, current.ends_at = starts_at, ends_at
        current.save(update_fields=["starts_at", "ends_at"])
    record(
        meeting,
        SIGNIN_OPENED,
        actor=actor,
        before=before,
        after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return current


def own_member(actor: Actor) -> Member | None:
    """The member record of the signed-in account (its ``Person``'s membership), if any."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return Member.objects.select_related("org", "person").filter(person__user=actor).first()


def _belongs(member: Member, meeting: Meeting) -> bool:
    """Whether the member is one of those the meeting is for: on its attendance list, or among
    those who should attend (the branch, a party group's members, a 支委会's committee)."""
    if Attendance.objects.filter(meeting=meeting, member=member).exists():
        return True
    return expected_members(meeting.org, meeting.kind, meeting.held_on).filter(pk=member.pk).exists()


@transaction.atomic
def sign_in(
    *, actor: Actor, token: str, member: Member | None = None, at: dt.datetime | None = None
) -> SignIn:
    """Record the member's sign-in at the token's meeting (扫码签到), once. A user signs in for
    themselves; ``member`` and ``at`` are for the system (the demo, an import of a sign-in
    device's log)."""
    meeting = meeting_of(token)
    if is_system(actor):
        if member is None:
            raise ServiceError("请指定签到的党员", field="member")
    else:
        if member is not None or at is not None:
            raise PermissionDenied("只能本人签到")
        member = own_member(actor)
        if member is None:
            raise PermissionDenied("您的账号没有关联党员信息,不能签到;请联系所在党支部", field="token")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError("您的党员状态不能参加本次签到,请联系所在党支部", field="token")
    signin_window = SignInWindow.objects.select_related("meeting__org").filter(meeting=meeting).first()
    if signin_window is None:
        raise ServiceError("本次会议未开启扫码签到", field="token")
    if not _belongs(member, meeting):
        raise PermissionDenied(
            f"您不是{meeting.org.short_name or meeting.org.name}本次会议的参会党员,不能签到", field="token"
        )
    at = at or clock.now()
    span = window(signin_window)
    state = span.state(at)
    if state == "not_yet":
        raise ServiceError(f"签到尚未开始:本次会议签到时间为 {span.label()}", field="token")
    if state == "over":
        raise ServiceError(f"签到已结束:本次会议签到时间为 {span.label()}", field="token")
    done = SignIn.objects.filter(meeting=meeting, member=member).first()
    if done is not None:
        raise StateConflict(f"您已于 {local(done.signed_at):%H:%M} 签到,无需重复签到", field="token")
    try:
        with transaction.atomic():
            signin = SignIn.objects.create(
                meeting=meeting, member=member, org=meeting.org, user=user_or_none(actor), signed_at=at
            )
    except IntegrityError as error:  # two scans at once: the other one counted
        raise StateConflict("您已签到,无需重复签到", field="token") from error
    record(signin, SIGNIN_RECORDED, actor=actor, after={"member": member.pk, "signed_at": at.isoformat()})
    return signin


def comparison(meeting: Meeting) -> list[dict]:
    """The typed attendance list beside the sign-ins: one row a member on either list, with
    ``typed`` (the status, or "" when not on the list), ``signed`` (the sign-in or None) and
    ``agrees``. Members on leave or excused are not expected to sign in."""
    signed = {s.member_id: s for s in meeting.signins.select_related("member__person")}
    rows = []
    for a in meeting.attendance.select_related("member__person").order_by("member__person__name"):
        s = signed.pop(a.member_id, None)
        agrees = (a.status == "present") == (s is not None)
        rows.append({"member": a.member, "typed": a.get_status_display(), "signed": s, "agrees": agrees})
    for s in signed.values():
        rows.append({"member": s.member, "typed": "", "signed": s, "agrees": False})
    return rows
