"""Fixtures of the party tests: branches of the shared world with members built in bulk."""

import datetime as dt

import pytest

from orgs.models import Person
from party.defaults import seed_defaults
from party.models import Member

from ..factories import PositionFactory, make_org

REF = dt.date(2026, 9, 30)  # the reference day of the compliance tests (end of 2026 Q3)


def add_members(branch, formal: int, probationary: int = 0, *, home=None, joined=dt.date(2010, 7, 1)):
    """Members of ``branch`` (bulk: fast for the 50-member edge)."""
    home = home or branch.host or branch
    people = Person.objects.bulk_create(
        [
            Person(name=f"{branch.pk}党员{i:02d}", gender="M", org=home, org_path=home.path)
            for i in range(formal + probationary)
        ]
    )
    members = [
        Member(
            person=p,
            org=branch,
            org_path=branch.path,
            category="formal" if i < formal else "probationary",
            joined_on=joined if i < formal else dt.date(2026, 1, 10),
            full_member_on=(joined.replace(year=joined.year + 1)) if i < formal else None,
        )
        for i, p in enumerate(people)
    ]
    return Member.objects.bulk_create(members)


def appoint(member, org, kind="secretary", start=dt.date(2020, 1, 1)):
    return PositionFactory(person=member.person, org=org, kind=kind, start_on=start)


@pytest.fixture
def seeded(db):
    seed_defaults()  # transactional tests flush the seed migration's rows


@pytest.fixture
def branch(world, seeded):
    """A fresh community branch under the street working committee, with 8 formal members, a
    secretary and two committee members."""
    org = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(org, 8)
    appoint(members[0], org, "secretary")
    appoint(members[1], org, "committee_member")
    appoint(members[2], org, "committee_member")
    org.members = members
    return org


def all_present(members, overrides=None):
    result = {m.pk: "present" for m in members}
    result.update(overrides or {})
    return result
