"""述职评议考核 in a browser, end to end: the 组织部 (zzb) creates the year's round, adds two
branches and a rater and opens it; the secretary (sj1) submits the 述职报告 with a file on a phone;
the organizer starts rating; the rater (dw, 党工委) scores both secretaries on a phone; the organizer
closes, lists a problem, publishes; the secretary sees the result and the problem list."""

import pytest

from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.duty_review.models import ReviewReporter, RoundStatus
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory
from tests.party.conftest import add_members, appoint

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def world(transactional_db):
    seed_party()
    world = build_world()
    for key in ("b1", "b3"):
        members = add_members(world[key], 4)
        appoint(members[0], world[key])
    RoleGrantFactory(user=UserFactory(username="zzb", is_staff=True), org=world["party"], role=Role.ORG_DEPT)
    RoleGrantFactory(user=UserFactory(username="sj1"), org=world["b1"], role=Role.BRANCH_SECRETARY)
    RoleGrantFactory(user=UserFactory(username="dw"), org=world["w1"], role=Role.PARTY_COMMITTEE)
    return world


def login(browser, live_server, username, size):
    context = browser.new_context(
        locale="zh-CN", viewport=size, is_mobile=size["width"] < 500, has_touch=size["width"] < 500
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def next_step(page, label):
    assert label in page.inner_text("#round-next")
    page.click("#round-next")
    page.wait_for_selector(".alert-success")


def test_round_end_to_end(world, browser, live_server, tmp_path):
    context, desk = login(browser, live_server, "zzb", DESKTOP)
    try:
        open_menu(desk, "述职评议")
        desk.wait_for_selector("#round-new")
        desk.fill("#id_report_due", "2026-12-20")
        desk.click("#round-create")
        desk.wait_for_selector("#round-status")
        round_url = desk.url
        for key in ("b1", "b3"):
            desk.select_option("#id_rep-org", label=world[key].name)
            desk.click("#reporter-add button[type=submit]")
            desk.wait_for_selector(".alert-success")
        desk.fill("#id_rater-username", "dw")
        desk.click("#rater-add button[type=submit]")
        desk.wait_for_selector(".alert-success")
        screenshot(desk, "duty-review-1-organizer-draft")
        next_step(desk, "启动述职评议")
        assert "述职报告提交中" in desk.inner_text("#round-status")
    finally:
        context.close()

    report = tmp_path / "述职报告.pdf"
    report.write_bytes(b"%PDF-1.4 demo report")
    context, phone = login(browser, live_server, "sj1", PHONE)
    try:
        open_menu(phone, "述职评议")
        phone.click("#my-reports a")
        phone.fill(
            "#id_summary", "本年度履行抓基层党建第一责任人职责,落实“三会一课”,推动网格党建和为民办实事。"
        )
        phone.set_input_files("#id_report_file", str(report))
        screenshot(phone, "duty-review-2-secretary-phone-report")
        phone.click("#report-submit")
        phone.wait_for_selector(".alert-success")
        assert "述职报告.pdf" in phone.inner_text("main")
    finally:
        context.close()

    context, desk = login(browser, live_server, "zzb", DESKTOP)
    try:
        desk.goto(round_url)
        assert "已提交" in desk.inner_text("#reporters") and "未提交" in desk.inner_text("#reporters")
        next_step(desk, "开始评议")
    finally:
        context.close()

    context, phone = login(browser, live_server, "dw", PHONE)
    try:
        phone.goto(round_url)
        for i, score in enumerate(("92", "66")):
            phone.locator("#rate a").nth(i).click()
            for field in phone.locator("#sheet-form input[type=number]").all():
                field.fill(score)
            phone.fill("#id_comment", "述职实事求是" if score == "92" else "组织生活不够规范")
            if i == 0:
                screenshot(phone, "duty-review-3-rater-phone-sheet")
            phone.click("#sheet-submit")
            phone.wait_for_selector(".alert-success")
    finally:
        context.close()

    context, desk = login(browser, live_server, "zzb", DESKTOP)
    try:
        desk.goto(round_url)
        next_step(desk, "结束评议")
        assert "好" in desk.inner_text("#results") and "一般" in desk.inner_text("#results")
        desk.select_option("#id_prob-reporter", label=world["b1"].name)
        desk.fill("#id_prob-text", "党员发展和教育管理台账不完整")
        desk.click("#problem-add button[type=submit]")
        desk.wait_for_selector(".alert-success")
        next_step(desk, "公布结果")
        assert "结果已公布" in desk.inner_text("#round-status")
        assert "党员发展和教育管理台账不完整" in desk.inner_text("#problems")
        screenshot(desk, "duty-review-4-organizer-published")
        desk.click("#round-print")
        desk.wait_for_selector("#print-results")
        screenshot(desk, "duty-review-5-print")
    finally:
        context.close()
    reporter = ReviewReporter.objects.get(org=world["b1"])
    assert reporter.round.status == RoundStatus.PUBLISHED and reporter.level == "good"

    context, phone = login(browser, live_server, "sj1", PHONE)
    try:
        phone.goto(f"{live_server.url}/party/duty-review/reports/{reporter.pk}/")
        assert phone.inner_text("#result-level") == "好"
        assert "党员发展和教育管理台账不完整" in phone.inner_text("#problems")
        screenshot(phone, "duty-review-6-secretary-phone-result")
    finally:
        context.close()
