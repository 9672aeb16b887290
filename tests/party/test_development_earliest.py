"""Earliest dates per step (issue 20 item 3): the one-year cultivation (细则 第十三条) is the wait
of step 7 (确定发展对象) only — the 备案 (4), the mentors (5) and the cultivation record (6) may
follow the activist's confirmation (3) at once and show no "最早" date; the page shows step 7's
earliest day beside the next step. The full-membership vote (23) waits for the probation's end."""

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import ServiceError
from orgs.models import RoleGrant
from orgs.roles import Role
from party.development import services as development_services

from ..conftest import grant
from .test_development import D, apply, step, walk

pytestmark = pytest.mark.django_db

# A 2026 path whose waits lie after the frozen today (2026-12-07).
ACTIVIST = dt.date(2026, 7, 1)
DATES = {2: dt.date(2026, 6, 20), 3: ACTIVIST, 4: ACTIVIST, 5: dt.date(2026, 7, 2), 6: dt.date(2026, 7, 3)}
YEAR_LATER = dt.date(2027, 7, 1)


def fresh(branch):
    return walk(apply(branch, day=dt.date(2026, 6, 1)), branch, 3, dates=DATES)


@pytest.mark.parametrize("upto", [3, 4, 5])
def test_steps_4_to_6_have_no_earliest_date(branch, upto):
    a = walk(fresh(branch), branch, upto, dates=DATES)
    assert a.step == upto and a.earliest_on is None
    assert [(s.number, day) for s, day in development_services.later_waits(a)] == [(7, YEAR_LATER)]


def test_filing_the_same_day_as_the_activist_is_not_refused(branch):
    a = walk(fresh(branch), branch, 4, dates=DATES)
    assert a.steps.get(number=4).done_on == ACTIVIST and not a.steps.get(number=4).has_deviation


def test_step_7_waits_one_year_from_step_3(branch):
    a = walk(fresh(branch), branch, 6, dates=DATES)
    assert a.earliest_on == YEAR_LATER and development_services.later_waits(a) == []


def test_the_2014_path_keeps_its_year(branch):
    a = walk(apply(branch), branch, 5)
    assert a.earliest_on is None
    year = D[3].replace(year=D[3].year + 1)
    assert development_services.earliest_on(a, 7) == year
    a = walk(a, branch, 6)
    with pytest.raises(ServiceError, match=f"最早 {year} 可确定为发展对象"):
        step(a, 7, year - dt.timedelta(days=1))


def test_applicant_page_shows_each_steps_own_earliest_date(client, world, branch):
    shuji = grant(world, "early_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    a = fresh(branch)
    client.force_login(shuji)
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert "下一步:第4步 上级党委备案" in page
    assert "最早 2027-07-01 可办理(待定)" not in page  # not on step 4
    assert "第7步 确定发展对象:最早 2027-07-01 可办理" in page


def test_full_membership_vote_waits_for_the_probation(branch):
    a = walk(apply(branch), branch, 21)
    assert a.earliest_on is None  # 提出转正申请 has no wait of its own
    assert development_services.earliest_on(a, 23) == a.probation_ends_on
    a = walk(a, branch, 22)
    assert a.earliest_on == a.probation_ends_on
