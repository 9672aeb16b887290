"""党费减免 and back-payment in a browser: the branch secretary (phone) opens a member's dues
account from the branch's dues page, is refused a back-payment past the 6-month limit until the
branch's consent and reason are given, and reports an exemption; the street committee (desktop)
approves it in its queue; the member's months then read 免交."""

import pytest
from dateutil.relativedelta import relativedelta

from cases.defaults import seed_defaults as seed_cases
from core import kit
from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.membership import services as membership
from party.membership.models import DuesPayment, DuesReduction
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
    today = kit.today()
    start = membership.month_start(today) - relativedelta(months=9)
    membership.set_dues_base(
        actor=SYSTEM, member=members[1], kind="retiree", income="4200", effective_month=start
    )
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    RoleGrantFactory(
        user=UserFactory(username="jiedao_dw", is_staff=False), org=world["w1"], role=Role.BRANCH_SECRETARY
    )
    return {"branch": branch, "members": members, "today": today, "start": start}


def login(page, url, username):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_back_payment_limit_and_exemption_approval(journey, phone_page, page, live_server):
    branch, member, today = journey["branch"], journey["members"][1], journey["today"]
    login(phone_page, live_server.url, "shuji")
    phone_page.goto(f"{live_server.url}/party/orgs/{branch.pk}/dues/")
    phone_page.click(f"text={member.person.name}")
    phone_page.wait_for_url(f"**/party/members/{member.pk}/dues/")
    assert "超过6个月补缴期限" in phone_page.locator("#ledger").inner_text()

    # The oldest month (9 months back) without the branch's consent: refused, the field named.
    oldest = f"{journey['start']:%Y-%m}"
    phone_page.fill("#member-pay-form #id_first_month", oldest)
    phone_page.fill("#member-pay-form #id_last_month", oldest)
    phone_page.click("#member-pay-form button[type=submit]")
    error = phone_page.locator("#member-pay-form .invalid-feedback").inner_text()
    assert "已超过 6 个月" in error
    phone_page.check("#member-pay-form #id_over_limit")
    phone_page.fill("#member-pay-form #id_over_limit_reason", "外出务工返回,经支委会同意补缴")
    phone_page.click("#member-pay-form button[type=submit]")
    assert "已登记" in phone_page.inner_text("main")
    assert DuesPayment.objects.get(member=member, month=journey["start"]).over_limit_reason

    # Report an exemption from this month for six months.
    form = "#reduction-form"
    phone_page.fill(f"{form} #id_first_month", f"{today:%Y-%m}")
    phone_page.fill(f"{form} #id_last_month", f"{today + relativedelta(months=5):%Y-%m}")
    phone_page.fill(f"{form} #id_monthly_amount", "0")
    phone_page.select_option(f"{form} #id_reason", "illness")
    phone_page.fill(f"{form} #id_detail", "患重病长期住院治疗,无收入")
    phone_page.click(f"{form} button[type=submit]")
    assert "报上级党委审批" in phone_page.inner_text("main")
    assert "已报上级党委" in phone_page.locator("#reductions").inner_text()
    screenshot(phone_page, "dues-1-member-account-phone")

    # The street committee approves it on its queue (desktop).
    login(page, live_server.url, "jiedao_dw")
    page.goto(f"{live_server.url}/party/dues/reductions/")
    queue = page.locator("#pending-reductions")
    assert member.person.name in queue.inner_text()
    screenshot(page, "dues-2-approval-queue-desktop")
    queue.locator("button[value=approve]").click()
    assert "已批准" in page.inner_text("main")
    assert DuesReduction.objects.get(member=member).state == "approved"
    page.goto(f"{live_server.url}/party/members/{member.pk}/dues/")
    ledger = page.locator("#ledger").inner_text()
    assert "免交" in ledger
    screenshot(page, "dues-3-member-account-desktop")
    phone_page.goto(f"{live_server.url}/party/dues/reductions/")
    screenshot(phone_page, "dues-4-branch-reductions-phone")
