"""Terminology and statuses (issue 20 item 9): the probation reminder says how each probation
stands (due / past / extended / discussed), the secretary's own pending transfer out is flagged on
the home page and the branch page, 两先一优 finds 两优一先 in searches."""

import datetime as dt

import pytest
from django.urls import reverse

from core import terms
from orgs.models import RoleGrant
from orgs.roles import Role
from party.development.models import Applicant

from ..conftest import grant
from ..factories import MemberFactory, PersonFactory, TransferFactory
from .conftest import appoint

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)  # the frozen clock


def probationary(branch, name, joined_on):
    return MemberFactory(
        person=PersonFactory(name=name, org=branch.host),
        org=branch,
        category="probationary",
        joined_on=joined_on,
        full_member_on=None,
    )


@pytest.fixture
def shuji(world, branch):
    user = grant(world, "terms_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=user).update(org=branch, org_path=branch.path)
    person = branch.members[0].person
    person.user = user
    person.save()
    return user


def test_probation_reminder_says_how_each_probation_stands(client, branch, shuji):
    probationary(branch, "钱按期", dt.date(2025, 12, 20))  # ends 2026-12-20: due
    probationary(branch, "孙超期", dt.date(2025, 11, 1))  # ended 2026-11-01: past, not discussed
    ext_in = probationary(branch, "李延长", dt.date(2025, 6, 1))
    Applicant.objects.create(
        org=branch,
        person=ext_in.person,
        applied_on=dt.date(2022, 1, 1),
        member=ext_in,
        step=22,
        status="probationary",
        probation_ends_on=dt.date(2026, 12, 30),
        extended_months=6,
    )
    ext_out = probationary(branch, "周远期", dt.date(2025, 6, 1))
    Applicant.objects.create(
        org=branch,
        person=ext_out.person,
        applied_on=dt.date(2022, 1, 1),
        member=ext_out,
        step=22,
        status="probationary",
        probation_ends_on=dt.date(2027, 6, 1),
        extended_months=12,
    )
    voted = probationary(branch, "吴已议", dt.date(2025, 11, 20))
    Applicant.objects.create(
        org=branch,
        person=voted.person,
        applied_on=dt.date(2022, 1, 1),
        member=voted,
        step=23,
        status="probationary",
        probation_ends_on=dt.date(2026, 11, 20),
    )
    client.force_login(shuji)
    page = client.get(reverse("home")).content.decode()
    assert "预备党员转正提醒(4)" in page and "周远期" not in page
    assert "钱按期" in page and "预备期 2026-12-20 届满,需按期讨论转正" in page
    assert "预备期 2026-11-01 已届满,已超期未讨论转正" in page
    assert "延长预备期 6 个月,预备期 2026-12-30 届满,需按期讨论转正" in page
    assert "支部大会已讨论,待上级党委审批" in page
    assert page.count("需按期讨论转正") == 2


def test_own_transfer_out_is_flagged_on_home_and_branch_page(client, branch, shuji):
    appoint(branch.members[0], branch, "secretary")
    client.force_login(shuji)
    assert "我的组织关系转出" not in client.get(reverse("home")).content.decode()
    TransferFactory(
        member=branch.members[0], to_org_name="中共某县某社区支部委员会", sent_on=dt.date(2026, 12, 1)
    )
    home = client.get(reverse("home")).content.decode()
    assert "我的组织关系转出" in home and "转出至中共某县某社区支部委员会" in home
    page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    assert "书记" in page and "的组织关系正在转出至中共某县某社区支部委员会" in page


def test_commendation_alias():
    assert terms.variants("两先一优表彰") == ["两先一优表彰", "两优一先表彰"]
    assert terms.variants("两优一先") == ["两优一先", "两先一优"]
    assert terms.variants("换届") == ["换届"]
