"""理论学习中心组 (a committee's theory study group): its members, yearly plan and sessions.

    add_member / import_leaders ─► end_member
    save_plan (topics by month; a topic taken out is kept with ``dropped_at``)
    record_session (host, speakers with summaries, attendance with excused absences) ─► void_session

``overview(org, year, day)`` is the year at a glance for the pages and the printout: the months
with their planned topics and sessions, the counts against the yearly minimum (rule data
``study_group.*``) and each member's attendance. The compliance rules ``study_group.*`` judge the
same counts (``party.compliance.rules.study_group``). Every change is audited; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import Actor, user_or_none
from core.errors import ServiceError
from core.kit import clean_text
from orgs.models import Org, Person, Position
from orgs.permissions import require
from party.rules import Rules
from party.study_group.models import (
    COMMITTEE_KINDS,
    GroupMember,
    GroupRole,
    PlanTopic,
    Presence,
    SessionAttendance,
    SessionKind,
    SessionSpeech,
    SpeechRole,
    StudyPlan,
    StudySession,
)

E = events.register
MEMBER_ADDED = E("party.study_member_added", "中心组增加成员")
MEMBER_ENDED = E("party.study_member_ended", "中心组成员退出")
PLAN_SAVED = E("party.study_plan_saved", "保存中心组学习计划")
SESSION_RECORDED = E("party.study_session_recorded", "登记中心组集体学习")
SESSION_VOIDED = E("party.study_session_voided", "作废中心组集体学习记录")

LEADER_POSTS = {"secretary": GroupRole.LEADER, "deputy_secretary": GroupRole.DEPUTY}
TEAM_POSTS = ("secretary", "deputy_secretary", "committee_member")
MAX_TEXT = 2000


def _committee(org: Org) -> None:
    if org.kind not in COMMITTEE_KINDS:
        raise ServiceError("理论学习中心组按党委、党工委、党组设立", field="org")


def _day(value, field_name: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ServiceError(f"请填写{label}", field=field_name)
    if value > kit.today():
        raise ServiceError(f"{label}不能晚于今天", field=field_name)
    return value


# ---------------------------------------------------------------------------------------------
# Members (中心组成员)


@transaction.atomic
def add_member(
    *,
    actor: Actor,
    org: Org,
    person: Person,
    role: str = GroupRole.MEMBER,
    title: str = "",
    start_on: dt.date,
) -> GroupMember:
    require(actor, "change", org, "无权修改该党组织的中心组成员")
    _committee(org)
    if role not in GroupRole.values:
        raise ServiceError("请选择组内职务", field="role")
    if GroupMember.objects.filter(org=org, person=person, end_on__isnull=True).exists():
        raise ServiceError(f"{person.name} 已是中心组成员", field="person")
    row = GroupMember.objects.create(
        org=org,
        person=person,
        role=role,
        title=clean_text(title, "title", "领导职务", limit=50),
        start_on=_day(start_on, "start_on", "加入日期"),
        created_at=clock.now(),
    )
    record(row, MEMBER_ADDED, actor=actor, after={"person": person.name, "role": role})
    return row


@transaction.atomic
def import_leaders(*, actor: Actor, org: Org, day: dt.date | None = None) -> list[GroupMember]:
    """Add the committee's current leading team (书记、副书记、委员) who are not yet members."""
    day = day or kit.today()
    require(actor, "change", org, "无权修改该党组织的中心组成员")
    _committee(org)
    have = set(GroupMember.objects.filter(org=org, end_on__isnull=True).values_list("person_id", flat=True))
    added = []
    posts = Position.objects.current(day).filter(org=org, kind__in=TEAM_POSTS).select_related("person")
    for post in sorted(posts, key=lambda p: (TEAM_POSTS.index(p.kind), p.pk)):
        if post.person_id in have:
            continue
        have.add(post.person_id)
        added.append(
            add_member(
                actor=actor,
                org=org,
                person=post.person,
                role=LEADER_POSTS.get(post.kind, GroupRole.MEMBER),
                title=post.title or post.get_kind_display(),
                start_on=min(day, kit.today()),
            )
        )
    return added


@transaction.atomic
def end_member(*, actor: Actor, row: GroupMember, end_on: dt.date, reason: str) -> GroupMember:
    require(actor, "change", row.org, "无权修改该党组织的中心组成员")
    reason = clean_text(reason, "reason", "退出原因", required=True, limit=200)
    if row.end_on is not None:
        raise ServiceError("该成员已退出中心组")
    row.end_on = max(_day(end_on, "end_on", "退出日期"), row.start_on)
    row.end_reason = reason
    row.save(update_fields=["end_on", "end_reason"])
    record(row, MEMBER_ENDED, actor=actor, reason=reason, after={"end_on": str(row.end_on)})
    return row


ROLE_ORDER = {role: i for i, role in enumerate(GroupRole.values)}


def members_on(org: Org, day: dt.date) -> list[GroupMember]:
    """The group's members on ``day``: 组长, 副组长, 成员, 学习秘书, each in the order they joined."""
    rows = GroupMember.objects.current(day).filter(org=org).select_related("person")
    return sorted(rows, key=lambda m: (ROLE_ORDER.get(m.role, 9), m.start_on, m.pk))


# ---------------------------------------------------------------------------------------------
# Plan (学习计划)


@transaction.atomic
def save_plan(
    *, actor: Actor, org: Org, year: int, note: str = "", topics: Iterable[tuple[int, str, str]]
) -> StudyPlan:
    """Create or update ``org``'s plan for ``year``: ``topics`` are (month, topic, kind); a topic
    of the plan not given again is taken out (kept with ``dropped_at``)."""
    require(actor, "change", org, "无权制定该党组织的中心组学习计划")
    _committee(org)
    today = kit.today()
    if not isinstance(year, int) or not today.year - 1 <= year <= today.year + 1:
        raise ServiceError("计划年度须为去年、今年或明年", field="year")
    wanted: list[tuple[int, str, str]] = []
    for month, topic, kind in topics:
        topic = clean_text(topic, "topics", "学习专题", limit=120)
        if not topic:
            continue
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise ServiceError("计划月份须为1至12月", field="topics")
        if kind not in SessionKind.values:
            raise ServiceError("请选择学习形式", field="topics")
        wanted.append((month, topic, kind))
    if not wanted:
        raise ServiceError("学习计划至少要有一个专题", field="topics")
    plan, created = StudyPlan.objects.get_or_create(
        org=org,
        year=year,
        defaults={"note": "", "recorded_by": user_or_none(actor), "created_at": clock.now()},
    )
    before = sorted((t.month, t.topic, t.kind) for t in plan.topics.filter(dropped_at__isnull=True))
    plan.note = clean_text(note, "note", "总体安排", limit=MAX_TEXT)
    plan.recorded_by = user_or_none(actor) or plan.recorded_by
    plan.updated_at = clock.now()
    plan.save()
    keep = set(wanted)
    for t in plan.topics.filter(dropped_at__isnull=True):
        key = (t.month, t.topic, t.kind)
        if key in keep:
            keep.discard(key)
        else:
            t.dropped_at, t.drop_reason = clock.now(), "修改学习计划时移出"
            t.save(update_fields=["dropped_at", "drop_reason"])
    for month, topic, kind in wanted:
        if (month, topic, kind) in keep:
            PlanTopic.objects.create(org=org, plan=plan, month=month, topic=topic, kind=kind)
            keep.discard((month, topic, kind))
    record(
        plan,
        PLAN_SAVED,
        actor=actor,
        before=None if created else {"topics": [list(t) for t in before]},
        after={"year": year, "topics": [list(t) for t in sorted(wanted)]},
    )
    return plan


# ---------------------------------------------------------------------------------------------
# Sessions (集体学习)


@dataclass
class Speech:
    person: Person
    role: str
    summary: str


@dataclass
class Attendee:
    person: Person
    status: str
    reason: str = ""


def _check_attendance(org: Org, held_on: dt.date, attendance: list[Attendee]) -> dict[int, Attendee]:
    current = {m.person_id for m in GroupMember.objects.current(held_on).filter(org=org)}
    if not current:
        raise ServiceError("请先登记中心组成员", field="attendance")
    given: dict[int, Attendee] = {}
    for row in attendance:
        if row.person.pk not in current:
            raise ServiceError(f"{row.person.name} 不是学习当日的中心组成员", field="attendance")
        if row.status not in Presence.values:
            raise ServiceError(f"请选择 {row.person.name} 的出席情况", field="attendance")
        row.reason = clean_text(row.reason, "attendance", "请假事由", limit=200)
        if row.status == Presence.EXCUSED and not row.reason:
            raise ServiceError(f"请填写 {row.person.name} 的请假事由", field="attendance")
        given[row.person.pk] = row
    missing = current - set(given)
    if missing:
        names = "、".join(Person.objects.filter(pk__in=missing).order_by("pk").values_list("name", flat=True))
        raise ServiceError(f"请登记全部中心组成员的出席情况(未登记:{names})", field="attendance")
    if not any(r.status == Presence.PRESENT for r in given.values()):
        raise ServiceError("至少要有一名成员出席", field="attendance")
    return given


def _check_speeches(speeches: list[Speech], present: set[int]) -> list[Speech]:
    rows = []
    for s in speeches:
        summary = clean_text(s.summary, "speeches", "发言摘要", limit=MAX_TEXT)
        if not summary:
            continue
        if s.role not in SpeechRole.values:
            raise ServiceError("请选择发言类型", field="speeches")
        if s.person.pk not in present:
            raise ServiceError(f"{s.person.name} 未出席本次学习,不能登记其发言", field="speeches")
        rows.append(Speech(s.person, s.role, summary))
    if not any(s.role in (SpeechRole.LEAD, SpeechRole.CENTRAL) for s in rows):
        raise ServiceError("请登记至少一名领学人或中心发言人及其发言摘要", field="speeches")
    return rows


def _plan_topic(org: Org, held_on: dt.date, topic: str, chosen: PlanTopic | None) -> PlanTopic | None:
    if chosen is not None:
        if chosen.org_id != org.pk or chosen.plan.year != held_on.year or chosen.dropped_at is not None:
            raise ServiceError("所选计划专题不属于本年度学习计划", field="plan_topic")
        return chosen
    return (
        PlanTopic.objects.filter(org=org, plan__year=held_on.year, dropped_at__isnull=True, topic=topic)
        .order_by("month")
        .first()
    )


@transaction.atomic
def record_session(
    *,
    actor: Actor,
    org: Org,
    held_on: dt.date,
    topic: str,
    kind: str,
    host: Person,
    minutes: int,
    summary: str,
    attendance: list[Attendee],
    speeches: list[Speech],
    place: str = "",
    materials: str = "",
    plan_topic: PlanTopic | None = None,
) -> StudySession:
    require(actor, "change", org, "无权为该党组织登记中心组学习")
    _committee(org)
    held_on = _day(held_on, "held_on", "学习日期")
    topic = clean_text(topic, "topic", "学习专题", required=True, limit=120)
    if kind not in SessionKind.values:
        raise ServiceError("请选择学习形式", field="kind")
    if not isinstance(minutes, int) or not 10 <= minutes <= 24 * 60:
        raise ServiceError("学习时长须在10分钟到24小时之间", field="minutes")
    given = _check_attendance(org, held_on, attendance)
    if host is None or host.pk not in given or given[host.pk].status != Presence.PRESENT:
        raise ServiceError("主持人须为出席本次学习的中心组成员", field="host")
    present = {pk for pk, r in given.items() if r.status == Presence.PRESENT}
    speech_rows = _check_speeches(speeches, present)
    session = StudySession.objects.create(
        org=org,
        held_on=held_on,
        topic=topic,
        kind=kind,
        plan_topic=_plan_topic(org, held_on, topic, plan_topic),
        host=host,
        place=clean_text(place, "place", "学习地点", limit=100),
        minutes=minutes,
        materials=clean_text(materials, "materials", "学习内容(篇目)", limit=MAX_TEXT),
        summary=clean_text(summary, "summary", "学习情况摘要", required=True, limit=MAX_TEXT),
        recorded_by=user_or_none(actor),
        created_at=clock.now(),
    )
    SessionAttendance.objects.bulk_create(
        SessionAttendance(
            org=org, org_path=org.path, session=session, person=r.person, status=r.status, reason=r.reason
        )
        for r in given.values()
    )
    SessionSpeech.objects.bulk_create(
        SessionSpeech(
            org=org, org_path=org.path, session=session, person=s.person, role=s.role, summary=s.summary
        )
        for s in speech_rows
    )
    record(
        session,
        SESSION_RECORDED,
        actor=actor,
        after={
            "held_on": str(held_on),
            "topic": topic,
            "kind": kind,
            "minutes": minutes,
            "present": len(present),
            "excused": sum(1 for r in given.values() if r.status == Presence.EXCUSED),
            "absent": sum(1 for r in given.values() if r.status == Presence.ABSENT),
            "speakers": [s.person.name for s in speech_rows],
        },
    )
    return session


@transaction.atomic
def void_session(*, actor: Actor, session: StudySession, reason: str) -> StudySession:
    require(actor, "change", session.org, "无权作废该党组织的中心组学习记录")
    reason = clean_text(reason, "reason", "作废原因", required=True, limit=200)
    session = StudySession.objects.select_for_update().get(pk=session.pk)
    if session.voided_at is not None:
        raise ServiceError("该记录已作废")
    session.voided_at, session.void_reason = clock.now(), reason
    session.save(update_fields=["voided_at", "void_reason"])
    record(session, SESSION_VOIDED, actor=actor, reason=reason)
    return session


# ---------------------------------------------------------------------------------------------
# The year at a glance (年度学习情况)


@dataclass
class Month:
    month: int
    planned: list[PlanTopic] = field(default_factory=list)
    sessions: list[StudySession] = field(default_factory=list)
    over: bool = False

    @property
    def missed(self) -> bool:
        return self.over and bool(self.planned) and not self.sessions


@dataclass
class Overview:
    org: Org
    year: int
    day: dt.date
    min_sessions: int
    min_seminars: int
    min_minutes: int
    plan: StudyPlan | None
    months: list[Month]
    sessions: list[StudySession]
    members: list[dict]

    @property
    def held(self) -> int:
        return len(self.sessions)

    @property
    def seminars(self) -> int:
        return sum(1 for s in self.sessions if s.kind == SessionKind.SEMINAR)

    @property
    def missed_months(self) -> list[int]:
        return [m.month for m in self.months if m.missed]

    @property
    def short_sessions(self) -> list[StudySession]:
        return [s for s in self.sessions if s.minutes < self.min_minutes]

    @property
    def percent(self) -> int:
        return min(100, self.held * 100 // self.min_sessions) if self.min_sessions else 100


def overview(org: Org, year: int, day: dt.date) -> Overview:
    rules = Rules.load(min(day, dt.date(year, 12, 31)))
    plan = StudyPlan.objects.filter(org=org, year=year).first()
    topics = list(plan.topics.filter(dropped_at__isnull=True)) if plan else []
    sessions = list(
        StudySession.objects.live()
        .filter(org=org, held_on__year=year, held_on__lte=day)
        .select_related("host")
        .prefetch_related("speeches__person", "attendance__person")
        .order_by("held_on", "pk")
    )
    months = []
    for number in range(1, 13):
        last = dt.date(year, 12, 31) if number == 12 else dt.date(year, number + 1, 1) - dt.timedelta(days=1)
        months.append(
            Month(
                month=number,
                planned=[t for t in topics if t.month == number],
                sessions=[s for s in sessions if s.held_on.month == number],
                over=last < day,
            )
        )
    seen: dict[int, dict] = {}
    for m in GroupMember.objects.filter(org=org, start_on__lte=dt.date(year, 12, 31)).select_related(
        "person"
    ):
        if m.end_on is not None and m.end_on <= dt.date(year, 1, 1):
            continue
        seen.setdefault(
            m.person_id,
            {
                "name": m.person.name,
                "role": m.get_role_display(),
                "title": m.title,
                "present": 0,
                "excused": 0,
                "absent": 0,
                "current": m.end_on is None,
            },
        )
    for s in sessions:
        for a in s.attendance.all():
            row = seen.get(a.person_id)
            if row is not None:
                row[a.status] += 1
    return Overview(
        org=org,
        year=year,
        day=day,
        min_sessions=rules.get("study_group.min_sessions", org),
        min_seminars=rules.get("study_group.min_seminars", org),
        min_minutes=rules.get("study_group.min_minutes", org),
        plan=plan,
        months=months,
        sessions=sessions,
        members=list(seen.values()),
    )
