"""Elections and approvals (换届选举、书记副书记报批) and term-expiry reminders.

* ``record_election`` — the organization reports its 换届: date, eligible and present voters
  (quorum: present > 4/5 of eligible, rules.md §6.7), the new committee with each member's votes
  (elected: yes > half of those *present*, §6.9 — unlike branch decisions, which count those who
  should attend), its secretary and deputy. The term is registered in the state 已报批.
* ``report_appointment`` — a secretary or deputy elected between elections (补选), reported alone.
* ``decide_term`` / ``decide_appointment`` — the higher party committee approves (批准) or refuses;
  approval ends the previous holders' posts and creates the new ``Position`` rows (§6.10, §1.20).
* ``remind_expiring_terms`` — the daily job: six months (rule data) before a term ends, the
  organization's and the higher committee's users get a reminder, once per term (§1.21).

Thresholds come from rule data (``election.quorum_share``, ``election.win_share``,
``appointment.approval_days``, ``term.remind_months``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.urls import reverse

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError
from core.kit import clean_text
from orgs.models import Org, Person, Position, RoleGrant
from orgs.permissions import require
from orgs.scoping import can
from party.membership.models import Member, MemberCategory, MemberStatus
from party.membership.selectors import member_pool
from party.rules import Rules
from party.scope import approver_of
from party.terms.models import Appointment, AppointmentPost, ApprovalState, Term

E = events.register
TERM_RECORDED = E("party.term_recorded", "登记换届任期")
ELECTION_REPORTED = E("party.election_reported", "报批换届选举结果")
ELECTION_DECIDED = E("party.election_decided", "审批换届选举结果")
APPOINTMENT_REPORTED = E("party.appointment_reported", "书记副书记报批")
APPOINTMENT_DECIDED = E("party.appointment_decided", "审批书记副书记")
TERM_REMINDED = E("party.term_reminded", "任期届满提醒")

COMMITTEE_POSTS = {
    "secretary": "书记",
    "deputy_secretary": "副书记",
    "committee_member": "委员",
}
TITLES = {"secretary": "书记", "deputy_secretary": "副书记", "committee_member": "委员"}


def _require_approver(actor, org: Org) -> Org:
    higher = approver_of(org)
    if higher is None:
        raise ServiceError("该组织没有上级党组织,无法在系统内审批")
    if not is_system(actor) and not can(actor, "change", higher):
        raise PermissionDenied("只有上级党委可以审批")
    return higher


def formal_members(org: Org):
    return member_pool(org).filter(status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)


def _person(value) -> Person | None:
    if isinstance(value, Person):
        return value
    if isinstance(value, Member):
        return value.person
    return Person.objects.filter(pk=value).first() if value not in (None, "") else None


def _check_turnout(org: Org, formal, eligible: int, present: int, rules: Rules) -> None:
    """应到/实到 of an election: present must exceed four fifths of those eligible."""
    if eligible is None or eligible < 1:
        raise ServiceError("应到会有选举权党员须至少 1 人", field="eligible")
    if org.kind == "branch" and eligible > formal.count():
        raise ServiceError(
            f"应到会有选举权党员不能多于本支部正式党员人数({formal.count()} 人;预备党员无选举权)",
            field="eligible",
        )
    if present is None or present < 0 or present > eligible:
        raise ServiceError("实到会有选举权党员须在 0 到应到人数之间", field="present")
    quorum = rules.get("election.quorum_share", org)
    if Decimal(present) <= Decimal(eligible) * quorum:
        raise ServiceError(
            f"实到 {present} 人,未超过应到 {eligible} 人的五分之四,选举无效(须重新召开)", field="present"
        )


def _elected(committee: list[dict], formal, present: int, win) -> list[dict]:
    """The committee rows (person, post, votes) checked: formal members, each once, elected by more
    than half of those present."""
    people: list[dict] = []
    seen = set()
    for row in committee:
        person = _person(row.get("person"))
        if person is None:
            continue
        post = row.get("post") or "committee_member"
        if post not in COMMITTEE_POSTS:
            raise ServiceError("委员职务无效", field="committee")
        if person.pk in seen:
            raise ServiceError(f"{person.name} 重复填写", field="committee")
        seen.add(person.pk)
        if not formal.filter(person=person).exists():
            raise ServiceError(f"{person.name} 不是本组织的正式党员,不能当选", field="committee")
        try:
            votes = int(row.get("votes", ""))  # missing, None or "": refused just below
        except (TypeError, ValueError):
            raise ServiceError(f"请填写 {person.name} 的得票数", field="committee") from None
        if votes < 0 or votes > present:
            raise ServiceError(f"{person.name} 的得票数须在 0 到实到人数之间", field="committee")
        if Decimal(votes) <= Decimal(present) * win:
            raise ServiceError(
                f"{person.name} 得票 {votes},未超过实到会有选举权人数 {present} 的一半,不能当选",
                field="committee",
            )
        people.append({"person_id": person.pk, "name": person.name, "post": post, "votes": votes})
    return people


@transaction.atomic
def record_election(
    *,
    actor,
    org: Org,
    held_on: dt.date,
    eligible: int,
    present: int,
    committee: list[dict],
    note: str = "",
) -> Term:
    """Report a 换届选举 (the term starts on the election day; it counts once approved)."""
    if not is_system(actor) and not can(actor, "change", org):
        raise PermissionDenied("无权登记该组织的换届选举")
    if not org.is_party or org.kind == "group":
        raise ServiceError("只能为党组织登记换届选举", field="org")
    if held_on > kit.today():
        raise ServiceError("选举日期不能晚于今天", field="held_on")
    rules = Rules.load(held_on)
    formal = formal_members(org)
    _check_turnout(org, formal, eligible, present, rules)
    people = _elected(committee, formal, present, rules.get("election.win_share", org))
    if not people:
        raise ServiceError("请填写新一届委员会成员", field="committee")
    secretaries = [p for p in people if p["post"] == "secretary"]
    if len(secretaries) != 1:
        raise ServiceError("须有且只有一名书记", field="committee")
    if Appointment.objects.filter(org=org, post="secretary", state=ApprovalState.REPORTED).exists():
        raise ServiceError("该组织已有待批准的书记报批,请先由上级党委审批", field="committee")
    if Term.objects.filter(org=org, state=ApprovalState.REPORTED).exists():
        raise ServiceError("该组织已有待批准的换届选举", field="held_on")
    term = Term.objects.create(
        org=org,
        started_on=held_on,
        ends_on=held_on + relativedelta(years=term_years(org, rules)),
        note=clean_text(note, "note", "说明"),
        state=ApprovalState.REPORTED,
        eligible=eligible,
        present=present,
        committee=people,
        created_at=clock.now(),
    )
    user = user_or_none(actor)
    for p in people:
        if p["post"] in AppointmentPost.values:
            Appointment.objects.create(
                org=org,
                person_id=p["person_id"],
                post=p["post"],
                elected_on=held_on,
                term=term,
                reported_by=user,
                reported_at=clock.now(),
            )
    record(
        term,
        ELECTION_REPORTED,
        actor=actor,
        after={"held_on": str(held_on), "eligible": eligible, "present": present, "committee": people},
    )
    return term


@transaction.atomic
def report_appointment(*, actor, org: Org, person, post: str, elected_on: dt.date) -> Appointment:
    """Report a secretary or deputy elected between elections (补选) for approval."""
    if not is_system(actor) and not can(actor, "change", org):
        raise PermissionDenied("无权为该组织报批书记、副书记")
    if post not in AppointmentPost.values:
        raise ServiceError("职务须为书记或副书记", field="post")
    if elected_on > kit.today():
        raise ServiceError("选举日期不能晚于今天", field="elected_on")
    person = _person(person)
    if person is None or not formal_members(org).filter(person=person).exists():
        raise ServiceError("书记、副书记须为本组织的正式党员", field="person")
    if (
        post == "secretary"
        and Appointment.objects.filter(org=org, post=post, state=ApprovalState.REPORTED).exists()
    ):
        raise ServiceError("该组织已有待批准的书记报批", field="person")
    appointment = Appointment.objects.create(
        org=org,
        person=person,
        post=post,
        elected_on=elected_on,
        reported_by=user_or_none(actor),
        reported_at=clock.now(),
    )
    record(appointment, APPOINTMENT_REPORTED, actor=actor, after={"person": person.name, "post": post})
    return appointment


def _take_office(org: Org, person_id: int, post: str, day: dt.date, reason: str) -> Position:
    """End the post's current holders in ``org`` and seat the new one."""
    current = Position.objects.current(day).filter(org=org, kind=post)
    if post != "committee_member":
        for old in current.exclude(person_id=person_id):
            old.end_on, old.end_reason = day, reason
            old.save(update_fields=["end_on", "end_reason"])
    existing = current.filter(person_id=person_id).first()
    if existing is not None:
        return existing
    return Position.objects.create(
        org=org, person_id=person_id, kind=post, title=TITLES[post], start_on=day, created_at=clock.now()
    )


def _decide(appointment: Appointment, approve: bool, user, note: str, day: dt.date) -> None:
    appointment.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    appointment.decided_by, appointment.decided_at, appointment.decision_note = user, clock.now(), note
    if approve:
        appointment.position = _take_office(
            appointment.org, appointment.person_id, appointment.post, day, "新任经上级党委批准"
        )
    appointment.save()


@transaction.atomic
def decide_appointment(*, actor, appointment: Appointment, approve: bool, note: str = "") -> Appointment:
    appointment = Appointment.objects.select_for_update().select_related("org").get(pk=appointment.pk)
    _require_approver(actor, appointment.org)
    if appointment.state != ApprovalState.REPORTED:
        raise ServiceError("该报批已审批")
    note = clean_text(note, "note", "审批意见", required=not approve)
    user = user_or_none(actor)
    _decide(appointment, approve, user, note, kit.today())
    record(appointment, APPOINTMENT_DECIDED, actor=actor, reason=note, after={"state": appointment.state})
    return appointment


@transaction.atomic
def decide_term(*, actor, term: Term, approve: bool, note: str = "") -> Term:
    """The higher committee approves (the new committee takes office) or refuses the election."""
    term = Term.objects.select_for_update().select_related("org").get(pk=term.pk)
    _require_approver(actor, term.org)
    if term.state != ApprovalState.REPORTED:
        raise ServiceError("该换届选举已审批")
    note = clean_text(note, "note", "审批意见", required=not approve)
    user = user_or_none(actor)
    day = kit.today()
    term.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    term.decided_by, term.decided_at, term.decision_note = user, clock.now(), note
    term.save()
    for appointment in term.appointments.filter(state=ApprovalState.REPORTED):
        _decide(appointment, approve, user, note, day)
    if approve:
        elected = {p["person_id"] for p in term.committee if p["post"] == "committee_member"}
        for old in Position.objects.current(day).filter(org=term.org, kind="committee_member"):
            if old.person_id not in elected:
                old.end_on, old.end_reason = day, "换届"
                old.save(update_fields=["end_on", "end_reason"])
        for person_id in elected:
            _take_office(term.org, person_id, "committee_member", day, "换届")
    record(term, ELECTION_DECIDED, actor=actor, reason=note, after={"state": term.state})
    return term


def pending_for(user):
    """Elections and appointments awaiting ``user``'s approval (as the higher committee)."""
    terms = [
        t
        for t in Term.objects.filter(state=ApprovalState.REPORTED)
        .select_related("org")
        .order_by("created_at")
        if (higher := approver_of(t.org)) is not None and can(user, "change", higher)
    ]
    appointments = [
        a
        for a in Appointment.objects.filter(state=ApprovalState.REPORTED, term__isnull=True)
        .select_related("org", "person")
        .order_by("reported_at")
        if (higher := approver_of(a.org)) is not None and can(user, "change", higher)
    ]
    return terms, appointments


def current_terms(day: dt.date):
    """The approved term in force for each organization (the latest started by ``day``)."""
    latest: dict[int, Term] = {}
    for term in (
        Term.objects.filter(state=ApprovalState.APPROVED, started_on__lte=day)
        .select_related("org")
        .order_by("org_id", "started_on", "pk")
    ):
        latest[term.org_id] = term
    return latest.values()


def remind_expiring_terms(today: dt.date | None = None) -> int:
    """Remind each organization whose term ends within ``term.remind_months`` (and its higher
    committee) once: an inbox message to the users holding a role there. Returns the reminders."""
    from core.notify import notify

    today = today or kit.today()
    rules = Rules.load(today)
    sent = 0
    for term in current_terms(today):
        org = term.org
        if term.reminded_on is not None or term.ends_on <= today or org.archived_at is not None:
            continue
        months = rules.get("term.remind_months", org)
        if term.ends_on - relativedelta(months=months) > today:
            continue
        higher = approver_of(org)
        orgs = [o for o in (org, higher) if o is not None]
        users = [g.user for g in RoleGrant.objects.current(today).filter(org__in=orgs).select_related("user")]
        with transaction.atomic():
            _remind(term, org, users, months, today, notify)
        sent += 1
    return sent


def _remind(term, org, users, months, today, notify) -> None:
    notify(
        users,
        kind="party.term_expiring",
        title=f"{org.name}任期将于 {term.ends_on:%Y-%m-%d} 届满,请做好换届准备",
        body=f"{term.started_on:%Y-%m-%d} 换届,任期至 {term.ends_on:%Y-%m-%d}(提前 {months} 个月提醒)。",
        url=reverse("party:org", args=[org.pk]),
    )
    Term.objects.filter(pk=term.pk).update(reminded_on=today)
    record(term, TERM_REMINDED, actor=SYSTEM, after={"reminded_on": str(today), "users": len(users)})


def term_years(org: Org, rules: Rules) -> int:
    host = org.host
    grassroots = host is not None and host.kind in ("community", "village")
    return rules.get("term.years.grassroots" if grassroots else "term.years.other", org)


@transaction.atomic
def record_term(*, actor, org: Org, started_on: dt.date, note: str = "") -> Term:
    """Register an election (换届): the term's end follows the org type (村/社区 5 年, 其他 3 年)."""
    require(actor, "change", org, "无权登记该组织的换届")
    if not org.is_party or org.kind == "group":
        raise ServiceError("只能为党组织登记换届", field="org")
    if started_on > kit.today():
        raise ServiceError("换届日期不能晚于今天", field="started_on")
    rules = Rules.load(started_on)
    term = Term.objects.create(
        org=org,
        started_on=started_on,
        ends_on=started_on + relativedelta(years=term_years(org, rules)),
        note=clean_text(note, "note", "说明"),
        created_at=clock.now(),
    )
    record(
        term, TERM_RECORDED, actor=actor, after={"started_on": str(started_on), "ends_on": str(term.ends_on)}
    )
    return term
