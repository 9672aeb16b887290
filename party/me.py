"""The member's own view (我的党员信息, ``/party/me/``): what one member may see of their own party
life — the last twelve months' meetings and attendance (with the QR sign-ins), this year's study
hours against the yearly target, the dues ledger of the last twelve months, the talks they took part
in (last twelve months), their status periods. Nothing of other
members.

Scoping is by identity, not by the org tree: every read starts from the account's own ``Member``
(``Person.user`` → ``Person.membership``) and filters on it, so a member role needs no action at a
node and can reach nobody else's rows (``tests/party/test_member_view.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from core import kit
from party.life import study
from party.life.models import Attendance, SignIn, TrainingRecord
from party.life.services import committee_person_ids
from party.membership.models import (
    DuesBase,
    DuesPayment,
    DuesReduction,
    Member,
    MemberStatusPeriod,
    ReductionState,
)
from party.membership.views import ledger_rows
from party.rules import Rules
from party.talks.models import Talk


@dataclass
class MyYear:
    member: Member
    year: int
    since: dt.date
    meetings: list[dict] = field(default_factory=list)
    hours: Decimal = Decimal(0)
    target: Decimal = Decimal(0)
    trainings: list = field(default_factory=list)
    dues: list[dict] = field(default_factory=list)
    talks: list = field(default_factory=list)
    periods: list = field(default_factory=list)

    @property
    def share(self) -> int:
        if not self.target:
            return 100
        return min(100, int(self.hours * 100 / self.target))

    @property
    def owing(self) -> int:
        return sum(1 for row in self.dues if row["tone"] in ("warning", "danger"))


def own_member(user) -> Member | None:
    """The signed-in account's own member record, if it has one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.select_related("person", "org").filter(person__user=user).first()


def _meetings(member: Member, start: dt.date, end: dt.date) -> list[dict]:
    """The live meetings from ``start`` to ``end`` the member was listed for or signed in at,
    latest first."""
    signed = {
        s.meeting_id: s
        for s in SignIn.objects.filter(member=member, meeting__held_on__gte=start, meeting__held_on__lte=end)
    }
    rows: dict[int, dict] = {}
    for a in (
        Attendance.objects.filter(
            member=member, held_on__gte=start, held_on__lte=end, meeting__voided_at__isnull=True
        )
        .select_related("meeting__org")
        .order_by("-held_on", "-meeting_id")
    ):
        rows[a.meeting_id] = {"meeting": a.meeting, "attendance": a, "signin": signed.pop(a.meeting_id, None)}
    for s in SignIn.objects.filter(
        pk__in=[s.pk for s in signed.values()], meeting__voided_at__isnull=True
    ).select_related("meeting__org"):
        rows[s.meeting_id] = {"meeting": s.meeting, "attendance": None, "signin": s}
    return sorted(rows.values(), key=lambda r: (r["meeting"].held_on, r["meeting"].pk), reverse=True)


def _dues(member: Member, today: dt.date) -> list[dict]:
    limit = Rules.load(today).get("dues.backpay_months", member.org)
    bases = list(DuesBase.objects.filter(member=member).order_by("-effective_month", "-pk"))
    cuts = list(DuesReduction.objects.filter(member=member, state=ReductionState.APPROVED))
    payments = {p.month: p for p in DuesPayment.objects.live().filter(member=member)}
    return ledger_rows(member, bases, cuts, payments, today, limit, months=12)


def my_year(member: Member) -> MyYear:
    today = kit.today()
    year = today.year
    mine = Member.objects.filter(pk=member.pk)
    since = today - dt.timedelta(days=365)  # meetings and talks: the last twelve months
    rules = Rules.load(today)
    lead = member.person_id in committee_person_ids(member.org, today)
    target = Decimal(str(rules.get("study.hours.secretary" if lead else "study.hours.member", member.org)))
    return MyYear(
        member=member,
        year=year,
        since=since,
        meetings=_meetings(member, since, today),
        hours=study.hours(mine, year).get(member.pk, Decimal(0)),
        target=target,
        trainings=list(
            TrainingRecord.objects.filter(member=member, started_on__year=year).order_by("-started_on")
        ),
        dues=_dues(member, today),
        talks=list(
            Talk.objects.live()
            .filter(Q(initiator=member) | Q(other=member), held_on__gte=since)
            .select_related("initiator__person", "other__person")
            .order_by("-held_on", "-pk")
        ),
        periods=list(MemberStatusPeriod.objects.live().filter(member=member).order_by("-start_on")),
    )
