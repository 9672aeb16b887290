"""四议两公开 rosters (issue 20 item 8): 应到 comes from the rosters — the 两委 (the village party
organization's committee and the village committee, a cross-post counted once), the branch's
members, the village representatives — a different number needs 应到说明; no roster: as entered.
A failed vote carries no 决定事项."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from core.errors import ServiceError
from orgs.roles import Role
from villages import services
from villages.models import StepKind

from ..conftest import grant
from ..factories import PersonFactory, PositionFactory, RepresentativeFactory
from ..party.conftest import add_members
from .test_villages import propose, step, through

pytestmark = pytest.mark.django_db
DAY2 = dt.date(2026, 9, 3)


@pytest.fixture
def two_committees(world, village):
    vbranch = world["vbranch"]
    a, b, c = (PersonFactory(name=n, org=village) for n in ("甲书记", "乙委员", "丙副主任"))
    PositionFactory(person=a, org=vbranch, kind="secretary", start_on=dt.date(2024, 1, 1))
    PositionFactory(person=a, org=village, kind="director", start_on=dt.date(2024, 1, 1))  # 一肩挑
    PositionFactory(person=b, org=vbranch, kind="committee_member", start_on=dt.date(2024, 1, 1))
    PositionFactory(person=c, org=village, kind="deputy_director", start_on=dt.date(2024, 1, 1))
    return [a, b, c]


def test_consultation_expected_from_the_two_committees(village, two_committees):
    d = propose(village)
    assert sorted(services.roster(village, StepKind.CONSULTATION, "", DAY2)) == [
        "丙副主任",
        "乙委员",
        "甲书记",
    ]
    s = step(d, StepKind.CONSULTATION, DAY2, votes={"present": 3, "yes": 3}, minutes="商议")
    assert s.expected == 3 and s.passed


def test_typed_expected_against_the_roster_needs_a_reason(village, two_committees):
    d = propose(village)
    with pytest.raises(ServiceError) as error:
        step(d, StepKind.CONSULTATION, DAY2, votes={"expected": 30, "present": 3, "yes": 3}, minutes="商议")
    assert error.value.field == "expected" and "按名册为 3 人" in error.value.message
    s = step(
        d,
        StepKind.CONSULTATION,
        DAY2,
        votes={"expected": 4, "present": 3, "yes": 3},
        minutes="商议",
        expected_note="新任委员尚未录入名册",
    )
    assert s.expected == 4 and s.expected_note == "新任委员尚未录入名册"
    assert any("已说明:新任委员尚未录入名册" in c["message"] for c in s.checks)


def test_members_meeting_expected_from_the_branch_members(world, village):
    add_members(world["vbranch"], 10)
    d = through(propose(village), 2)
    with pytest.raises(ServiceError, match="按名册为 10 人"):
        step(
            d,
            StepKind.MEMBERS_REVIEW,
            dt.date(2026, 9, 6),
            votes={"expected": 30, "present": 10, "yes": 9},
            minutes="审议",
        )
    s = step(d, StepKind.MEMBERS_REVIEW, dt.date(2026, 9, 6), votes={"present": 8, "yes": 7}, minutes="审议")
    assert s.expected == 10 and s.passed


def test_representatives_roster_without_those_who_left(village):
    for _ in range(5):
        RepresentativeFactory(org=village)
    RepresentativeFactory(org=village, name="已离任代表", end_on=dt.date(2026, 1, 1))
    names = services.roster(village, StepKind.VILLAGERS_RESOLUTION, "representatives", dt.date(2026, 9, 10))
    assert len(names) == 5 and "已离任代表" not in names
    assert services.roster(village, StepKind.VILLAGERS_RESOLUTION, "assembly", dt.date(2026, 9, 10)) is None


def test_no_roster_takes_the_number_entered_and_says_so(village):
    d = through(propose(village), 2)
    s = d.steps.get(kind=StepKind.CONSULTATION)
    assert s.expected == 7 and any("名册未录入" in c["message"] for c in s.checks)


def test_failed_vote_carries_no_decision(village):
    d = through(propose(village), 1)
    with pytest.raises(ServiceError) as error:
        step(
            d,
            StepKind.CONSULTATION,
            DAY2,
            votes={"expected": 7, "present": 7, "yes": 3},
            minutes="商议",
            decided="同意实施道路硬化",
        )
    assert error.value.field == "decided" and "未通过" in error.value.message
    failed = step(
        d, StepKind.CONSULTATION, DAY2, votes={"expected": 7, "present": 7, "yes": 3}, minutes="商议"
    )
    assert not failed.passed and failed.decided == ""
    passed = step(
        d,
        StepKind.CONSULTATION,
        dt.date(2026, 9, 4),
        votes={"expected": 7, "present": 7, "yes": 6},
        minutes="再次商议",
        decided="同意实施道路硬化",
    )
    assert passed.passed and passed.decided == "同意实施道路硬化"
    # A correction that makes the vote fail clears the 决定事项 and says so.
    fixed = services.correct_step(actor=SYSTEM, step=passed, reason="票数录错", votes={"yes": 2})
    assert not fixed.passed and fixed.decided == ""
    assert any("原决定事项已清除" in c["message"] for c in fixed.checks)


def test_step_form_shows_the_roster_read_only(client, world, village, two_committees):
    user = grant(world, "roster_staff", Role.COMMUNITY_STAFF, "district")
    d = propose(village)
    client.force_login(user)
    page = client.get(reverse("villages:detail", args=[d.pk])).content.decode()
    assert 'id="roster"' in page and "应到 3 人(按名册" in page and "甲书记" in page
    response = client.post(
        reverse("villages:detail", args=[d.pk]),
        {
            "kind": "consultation",
            "expected_steps": 1,
            "held_on": "2026-09-03",
            "expected": "30",
            "present": "3",
            "yes": "3",
            "minutes": "商议",
        },
    )
    assert response.status_code == 200 and "按名册为 3 人" in response.content.decode()
