"""The care-visit rule (高龄、老党员未走访慰问): age and party age at the edge, and the visit window's
edge (a visit exactly 12 months before the reference day is too old)."""

import datetime as dt

import pytest

from core.actors import SYSTEM
from party import compliance
from party.membership import services as membership

from ..factories import CareVisitFactory, RuleParameterFactory
from .conftest import REF

pytestmark = pytest.mark.django_db


def not_visited(branch):
    return [
        f
        for f in compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF)
        if f.rule == "care.not_visited"
    ]


def born(member, day):
    member.person.birth_date = day
    member.person.save(update_fields=["birth_date"])


def test_eighty_is_elderly_seventy_nine_is_not(branch):
    born(branch.members[6], dt.date(1946, 9, 30))  # 80 on the reference day
    born(branch.members[7], dt.date(1946, 10, 1))  # 79
    found = not_visited(branch)
    assert len(found) == 1 and found[0].evidence == [f"{branch.members[6].person.name}(80 岁)"]


def test_fifty_years_of_party_age(branch):
    member = branch.members[5]
    member.full_member_on = dt.date(1976, 9, 30)
    member.joined_on = dt.date(1975, 9, 30)
    member.save(update_fields=["full_member_on", "joined_on"])
    assert "党龄 50 年" in not_visited(branch)[0].evidence[0]


@pytest.mark.parametrize(
    ("visited_on", "flagged"), [(dt.date(2025, 9, 30), True), (dt.date(2025, 10, 1), False)]
)
def test_visit_window_edge(branch, visited_on, flagged):
    born(branch.members[6], dt.date(1940, 1, 1))
    CareVisitFactory(member=branch.members[6], reason="elderly", visited_on=visited_on, visitors="书记")
    assert bool(not_visited(branch)) is flagged


def test_visit_recorded_through_the_service_clears_it(branch):
    born(branch.members[6], dt.date(1940, 1, 1))
    assert not_visited(branch)
    membership.record_care_visit(
        actor=SYSTEM,
        member=branch.members[6],
        reason="elderly",
        visited_on=dt.date(2026, 9, 1),
        visitors="书记、组织委员",
    )
    assert not not_visited(branch)


DEEDS = "长期义务清理楼道杂物,组织党员志愿者为独居老人代购药品,带头调解加装电梯矛盾。"


def test_commendation_quota_per_organization_with_local_override(world, branch):
    from core.errors import StateConflict
    from party.models import RuleParameter

    nominate = membership.nominate
    for member in branch.members[:2]:
        nominate(
            actor=SYSTEM, org=branch, category="outstanding_member", year=2026, deeds=DEEDS, member=member
        )
    with pytest.raises(StateConflict, match="推荐名额为 2 名,已用完"):
        nominate(
            actor=SYSTEM,
            org=branch,
            category="outstanding_member",
            year=2026,
            deeds=DEEDS,
            member=branch.members[2],
        )
    national = RuleParameter.objects.get(code="commend.quota.outstanding_member", org__isnull=True)
    RuleParameterFactory(
        code=national.code,
        name=national.name,
        value="3",
        source="区委组织部分配",
        effective_from=dt.date(2026, 1, 1),
        org=branch,
    )
    nominate(
        actor=SYSTEM,
        org=branch,
        category="outstanding_member",
        year=2026,
        deeds=DEEDS,
        member=branch.members[2],
    )
