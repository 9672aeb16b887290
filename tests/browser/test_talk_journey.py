"""谈心谈话 in a browser: the branch secretary (shuji), on a phone, opens the talk log from the menu,
records a talk with a member not yet talked with straight from the coverage report, and sees the
coverage go up; choosing the 谈话人 again marks whom he has already talked with (htmx)."""

import pytest
from playwright.sync_api import expect

from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def branch(transactional_db):
    seed_party()
    world = build_world()
    org = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(org, 5)
    appoint(members[0], org, "secretary")
    appoint(members[1], org, "committee_member")
    RoleGrantFactory(user=UserFactory(username="shuji", is_staff=False), org=org, role=Role.BRANCH_SECRETARY)
    return {"org": org, "members": members}


def login(browser, live_server, size):
    context = browser.new_context(
        locale="zh-CN", viewport=size, is_mobile=size["width"] < 500, has_touch=size["width"] < 500
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "shuji")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_secretary_records_a_talk_on_a_phone_and_coverage_updates(branch, browser, live_server):
    secretary, committee, target = branch["members"][:3]
    context, phone = login(browser, live_server, {"width": 390, "height": 844})
    try:
        open_menu(phone, "谈心谈话")
        phone.wait_for_selector("#coverage")
        assert phone.inner_text("#coverage-percent") == "0%"
        assert "支委之间 0/1 对" in phone.inner_text("#coverage-counts")
        assert target.person.name in phone.inner_text("#members-missing")
        screenshot(phone, "talks-1-shuji-phone-before")
        row = phone.locator("#members-missing li", has_text=target.person.name)
        row.locator("a:has-text('登记谈话')").click()
        phone.wait_for_url("**/talks/new/**")
        assert phone.input_value("#id_initiator") == str(secretary.pk)
        assert phone.input_value("#id_other") == str(target.pk)
        phone.fill("#id_summary", "谈了")
        phone.click("#talk-form button[type=submit]")
        assert "谈话内容摘要至少" in phone.inner_text("main")  # the field's own message
        phone.fill("#id_summary", "交流了参加网格志愿服务的体会,听取了对支部组织生活安排的意见。")
        screenshot(phone, "talks-2-shuji-phone-form")
        phone.click("#talk-form button[type=submit]")
        phone.wait_for_url("**/talks/?year=*")
        assert "已登记" in phone.inner_text("main")
        assert phone.inner_text("#coverage-percent") == "25%"
        assert target.person.name not in phone.inner_text("#members-missing")
        assert f"{secretary.person.name} → {target.person.name}" in phone.inner_text("#talk-log")
        screenshot(phone, "talks-3-shuji-phone-after")
        # The entry form marks whom the chosen 谈话人 has talked with this year.
        phone.click("#talk-new")
        with phone.expect_response(lambda r: "/talks/partners/" in r.url):
            phone.select_option("#id_initiator", str(secretary.pk))
        # The response arrives before htmx swaps the options in: wait for the swapped text.
        expect(phone.locator("#id_other option", has_text=target.person.name)).to_contain_text("今年已谈")
        options = phone.locator("#id_other option").all_inner_texts()
        assert not any(committee.person.name in o and "今年已谈" in o for o in options)
    finally:
        context.close()
    context, desktop = login(browser, live_server, {"width": 1280, "height": 900})
    try:
        desktop.goto(f"{live_server.url}/party/orgs/{branch['org'].pk}/talks/")
        assert "未谈" in desktop.inner_text("#committee-grid")
        screenshot(desktop, "talks-4-shuji-desktop")
    finally:
        context.close()
