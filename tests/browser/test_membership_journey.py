"""The dues journey on a phone: the branch secretary (shuji) sets a member's dues base (income
masked afterwards), records last month's dues for ticked members, sees the arrears go away on the
branch page, and issues a transfer out that waits for the receiving branch."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from cases.defaults import seed_defaults as seed_cases
from core import kit
from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.membership import services as membership
from party.membership.models import DuesPayment, Transfer
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
    members = add_members(branch, 5)
    appoint(members[0], branch)
    today = kit.today()
    start = membership.month_start(today) - relativedelta(months=3)  # three months due before this one
    for m in members[1:3]:
        membership.set_dues_base(actor=SYSTEM, member=m, kind="retiree", income="4200", effective_month=start)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    return {"branch": branch, "members": members, "world": world, "today": today}


def test_secretary_records_dues_and_transfers_out(journey, browser, live_server):
    branch, members = journey["branch"], journey["members"]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "shuji")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/party/orgs/{branch.pk}/")
    arrears = page.locator("#arrears").inner_text()
    assert members[1].person.name in arrears and "欠缴 3 个月" in arrears

    # Dues base for another member: salary 6500 → 1.5% = 97.50; the income is masked afterwards.
    page.goto(f"{live_server.url}/party/orgs/{branch.pk}/dues/")
    page.select_option("#id_member", str(members[3].pk))
    page.select_option("#id_kind", "salary")
    page.fill("#id_income", "6500")
    page.click("#base-form button[type=submit]")
    assert "已核定" in page.inner_text("main") and "97.50" in page.inner_text("main")
    assert "6500" not in page.content()

    # Last month: tick the two retirees and record.
    last = membership.month_start(journey["today"]) - dt.timedelta(days=1)
    page.fill("#month", f"{last:%Y-%m}")
    page.click("form[method=get] button")
    for m in members[1:3]:
        page.check(f"#pay-form input[value='{m.pk}']")
    screenshot(page, "membership-1-dues-phone")
    page.click("#pay-form button[type=submit]")
    assert "已登记 2 人" in page.inner_text("main")
    assert DuesPayment.objects.filter(month=last.replace(day=1)).count() == 2

    # Transfer out to a branch in the district: pending until the receiving branch receives it.
    page.goto(f"{live_server.url}/party/orgs/{branch.pk}/transfers/new/")
    page.select_option("#id_member", str(members[4].pk))
    page.check("input[name=kind][value=in_district]")
    page.select_option("#id_to_org", str(journey["world"]["b1"].pk))
    page.fill("#id_reason", "居住地变更")
    page.click("#mem-form button[type=submit]")
    assert "待" in page.locator("#transfers").inner_text()
    screenshot(page, "membership-2-branch-page")
    transfer = Transfer.objects.get(member=members[4])
    assert transfer.state == "pending"
    members[4].refresh_from_db()
    assert members[4].org_id == branch.pk
    context.close()
