"""党员状态 on a phone: the branch secretary opens a member's account from the branch page, records
a 行动不便 period (the open-ended one is refused without a review day, the field named), sees it on
the branch page and the member's page, and ends it early with a reason."""

import pytest

from cases.defaults import seed_defaults as seed_cases
from core import kit
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.membership.models import MemberStatusPeriod
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(transactional_db):
    seed_cases()
    seed_party()
    world = build_world()
    branch = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(branch, 4)
    appoint(members[0], branch)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    return {"branch": branch, "members": members}


def test_the_secretary_records_and_ends_a_status_period_on_a_phone(journey, phone_page, live_server):
    branch, member = journey["branch"], journey["members"][2]
    page, url = phone_page, live_server.url
    page.goto(f"{url}/login/")
    page.fill("#id_username", "shuji")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/party/members/{member.pk}/dues/")
    page.click("#member-status a")
    page.wait_for_url(f"**/party/orgs/{branch.pk}/status/new/?member={member.pk}")
    page.select_option("#id_kind", "infirm")
    page.fill("#id_reason", "87岁高龄,长期卧床,不能外出")
    page.fill("#id_decision_note", "支委会研究同意,每季度上门送学")
    page.click("#mem-form button[type=submit]")
    assert "复核日期" in page.locator("#mem-form").inner_text()  # open-ended without a review day
    screenshot(page, "status-period-form-phone")
    review = kit.today().replace(year=kit.today().year + 1)
    page.fill("#id_review_on", f"{review:%Y-%m-%d}")
    page.click("#mem-form button[type=submit]")
    page.wait_for_url(f"**/party/orgs/{branch.pk}/**")
    listed = page.locator("#status-list").inner_text()
    assert member.person.name in listed and "生效中" in listed and "长期卧床" in listed
    page.locator("#status-list summary").first.click()
    page.fill("#status-list input[name=reason]", "已康复")
    page.locator("#status-list button", has_text="提前结束").first.click()
    page.wait_for_url(f"**/party/orgs/{branch.pk}/**")
    assert "已提前结束" in page.locator("#status-list").inner_text()
    page.locator("#status-periods").scroll_into_view_if_needed()
    screenshot(page, "status-period-branch-phone")
    period = MemberStatusPeriod.objects.get(member=member)
    assert period.end_on == kit.today() and period.end_reason == "已康复"
