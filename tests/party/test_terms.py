"""Elections and approvals (换届选举、书记副书记报批): the quorum and winning edges, approval by the
higher committee only, the findings while approval is pending, and the six-month reminder."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from core.models import Notification
from orgs.models import Position
from orgs.roles import Role
from party import compliance
from party.models import Appointment, ApprovalState, Term
from party.terms import services as terms

from ..conftest import grant
from ..factories import AppointmentFactory, RoleGrantFactory, TermFactory, UserFactory
from .conftest import REF

pytestmark = pytest.mark.django_db

HELD = dt.date(2026, 6, 20)


def committee(branch, votes=(9, 8, 7)):
    posts = ("secretary", "deputy_secretary", "committee_member")
    return [
        {"person": m.person, "post": post, "votes": v}
        for m, post, v in zip(branch.members[3:6], posts, votes, strict=True)
    ]


def elect(branch, eligible=8, present=7, rows=None, actor=SYSTEM):
    return terms.record_election(
        actor=actor,
        org=branch,
        held_on=HELD,
        eligible=eligible,
        present=present,
        committee=rows or committee(branch, votes=(7, 6, 5)),
    )


def secretary_of(user_name, branch):
    user = UserFactory(username=user_name)
    RoleGrantFactory(user=user, org=branch, role=Role.BRANCH_SECRETARY)
    return user


# -- quorum and votes ---------------------------------------------------------------------------


def test_quorum_needs_more_than_four_fifths_present(branch):
    with pytest.raises(ServiceError) as error:
        terms.record_election(
            actor=SYSTEM,
            org=branch,
            held_on=HELD,
            eligible=5,
            present=4,
            committee=committee(branch, (4, 4, 4)),
        )
    assert error.value.field == "present" and "五分之四" in error.value.message  # exactly 4/5: invalid
    term = elect(branch, eligible=8, present=7)  # 7 > 6.4
    assert term.state == ApprovalState.REPORTED and term.ends_on == dt.date(2031, 6, 20)  # community: 5 years


def test_elected_needs_more_than_half_of_those_present(branch):
    with pytest.raises(ServiceError) as error:
        elect(branch, eligible=8, present=8, rows=committee(branch, votes=(8, 6, 4)))  # 4 = half of 8
    assert error.value.field == "committee" and "未超过实到会有选举权人数 8 的一半" in error.value.message
    term = elect(branch, eligible=8, present=8, rows=committee(branch, votes=(8, 6, 5)))
    assert [p["votes"] for p in term.committee] == [8, 6, 5]


def test_probationary_members_cannot_vote_or_stand(branch):
    from .conftest import add_members

    probationary = add_members(branch, 0, 2)
    with pytest.raises(ServiceError) as error:
        elect(branch, eligible=9)  # eight formal members
    assert error.value.field == "eligible" and "预备党员无选举权" in error.value.message
    rows = committee(branch, votes=(7, 6, 5))
    rows[2]["person"] = probationary[0].person
    with pytest.raises(ServiceError, match="不是本组织的正式党员"):
        elect(branch, rows=rows)


# -- approval -----------------------------------------------------------------------------------


def test_only_the_higher_committee_approves_and_the_new_committee_takes_office(world, branch):
    old_secretary = Position.objects.get(org=branch, kind="secretary")
    term = elect(branch, actor=secretary_of("shuji_b", branch))
    assert Appointment.objects.filter(term=term, state=ApprovalState.REPORTED).count() == 2
    with pytest.raises(PermissionDenied):
        terms.decide_term(actor=secretary_of("shuji_b2", branch), term=term, approve=True)
    with pytest.raises(PermissionDenied):
        terms.decide_term(
            actor=grant(world, "outsider", Role.ORG_DEPT, "other_party"), term=term, approve=True
        )
    terms.decide_term(actor=grant(world, "zuzhibu", Role.ORG_DEPT, "w1"), term=term, approve=True)
    term.refresh_from_db()
    assert term.state == ApprovalState.APPROVED
    old_secretary.refresh_from_db()
    assert old_secretary.end_on is not None
    current = {(p.person_id, p.kind) for p in Position.objects.current().filter(org=branch)}
    new = branch.members[3:6]
    assert {(new[0].person_id, "secretary"), (new[1].person_id, "deputy_secretary")} <= current
    assert (new[2].person_id, "committee_member") in current
    assert (branch.members[1].person_id, "committee_member") not in current  # the old committee left


def test_refusal_needs_a_reason_and_seats_nobody(world, branch):
    term = elect(branch)
    approver = grant(world, "zuzhibu", Role.ORG_DEPT, "w1")
    with pytest.raises(ServiceError):
        terms.decide_term(actor=approver, term=term, approve=False, note="")
    terms.decide_term(actor=approver, term=term, approve=False, note="候选人酝酿不充分")
    assert Appointment.objects.filter(term=term, state=ApprovalState.REJECTED).count() == 2
    assert not Position.objects.current().filter(org=branch, person=branch.members[3].person).exists()


# -- findings while approval is pending ---------------------------------------------------------


def _reported(days_before_ref):
    return timezone.make_aware(dt.datetime.combine(REF - dt.timedelta(days=days_before_ref), dt.time(10)))


@pytest.mark.parametrize(("days", "severity"), [(30, "medium"), (31, "high")])
def test_secretary_awaiting_approval_is_reported_not_vacant(branch, days, severity):
    Position.objects.filter(org=branch, kind="secretary").update(end_on=dt.date(2026, 5, 1))
    AppointmentFactory(
        org=branch,
        person=branch.members[4].person,
        post="secretary",
        elected_on=dt.date(2026, 5, 1),
        reported_at=_reported(days),
    )
    found = compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF)
    rules = [f.rule for f in found]
    assert "org.secretary_vacant" not in rules
    unapproved = [f for f in found if f.rule == "org.secretary_unapproved"]
    assert len(unapproved) == 1 and unapproved[0].severity == severity
    assert f"已 {days} 天上级党委尚未批准" in unapproved[0].reason


@pytest.mark.parametrize(("days", "flagged"), [(30, False), (31, True)])
def test_election_awaiting_approval(branch, days, flagged):
    TermFactory(org=branch, started_on=dt.date(2018, 1, 1), ends_on=dt.date(2023, 1, 1))
    TermFactory(
        org=branch,
        started_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2031, 5, 1),
        state="reported",
        committee=[{"person_id": 1, "name": "甲", "post": "secretary", "votes": 5}],
        created_at=_reported(days),
    )
    rules = [f.rule for f in compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF)]
    assert "term.expired" not in rules  # the election was held; its approval is the question
    assert ("term.unapproved" in rules) is flagged


# -- reminders ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_on", "reminded"), [(dt.date(2027, 3, 31), True), (dt.date(2027, 4, 1), False)]
)
def test_reminder_six_months_before_expiry_once(world, branch, ends_on, reminded):
    TermFactory(org=branch, started_on=ends_on.replace(year=ends_on.year - 5), ends_on=ends_on)
    user = secretary_of("shuji_r", branch)
    assert terms.remind_expiring_terms(dt.date(2026, 9, 30)) == int(reminded)
    assert Notification.objects.filter(user=user, kind="party.term_expiring").exists() is reminded
    if reminded:
        assert terms.remind_expiring_terms(dt.date(2026, 10, 1)) == 0  # once per term
        assert Term.objects.get(org=branch).reminded_on == dt.date(2026, 9, 30)


def test_periodic_job_is_registered():
    from core.periodic import schedules

    assert any(s.name.endswith("remind_expiring_terms") for s in schedules())


# -- pages --------------------------------------------------------------------------------------


def test_election_form_then_approval_page(client, world, branch):
    client.force_login(secretary_of("shuji_p", branch))
    url = reverse("party:election_new", args=[branch.pk])
    assert client.get(url).status_code == 200
    new = branch.members[3:5]
    data = {
        "held_on": "2026-06-20",
        "eligible": "8",
        "present": "6",
        "person_0": new[0].person_id,
        "post_0": "secretary",
        "votes_0": "6",
        "person_1": new[1].person_id,
        "post_1": "committee_member",
        "votes_1": "5",
    }
    response = client.post(url, data)
    assert "五分之四" in response.content.decode()  # 6 of 8 is not enough
    data["present"] = "7"
    response = client.post(url, data)
    assert response.status_code == 302
    term = Term.objects.get(org=branch, state="reported")
    assert "没有待审批的换届选举结果" in client.get(reverse("party:approvals")).content.decode()
    assert (
        client.post(reverse("party:term_decide", args=[term.pk]), {"decision": "approve"}).status_code == 302
    )
    assert Term.objects.get(pk=term.pk).state == "reported"  # a branch cannot approve itself
    client.force_login(grant(world, "out", Role.ORG_DEPT, "other_party"))
    assert (
        client.post(reverse("party:term_decide", args=[term.pk]), {"decision": "approve"}).status_code == 404
    )
    client.force_login(grant(world, "zuzhibu", Role.ORG_DEPT, "w1"))
    page = client.get(reverse("party:approvals")).content.decode()
    assert branch.name in page
    client.post(reverse("party:term_decide", args=[term.pk]), {"decision": "approve"})
    assert Term.objects.get(pk=term.pk).state == "approved"
    assert "已批准" in client.get(reverse("party:org", args=[branch.pk])).content.decode()
