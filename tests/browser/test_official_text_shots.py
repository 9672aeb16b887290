"""Screenshots of the official outputs the scan test (tests/test_official_text.py) reads: the
全程纪实表 print page of a cancelled probationary member and the branch page's findings, as the
organization department (help panels available) and the branch secretary (none)."""

import pytest

from tests.conftest import build_world
from tests.test_official_text import build_scene, seed_rule_data

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(transactional_db):
    seed_rule_data()
    return build_scene(build_world())


def open_as(browser, live_server, user, phone=False):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_record_print_and_findings_pages(browser, live_server, scene):
    cancelled = scene["applicants"][-1]
    branch = scene["branch"]
    context, page = open_as(browser, live_server, scene["users"]["zuzhibu"])
    page.goto(f"{live_server.url}/party/development/applicants/{cancelled.pk}/print/")
    text = page.inner_text("body")
    assert "全程纪实" in text and "rules.md" not in text and "#" not in text
    screenshot(page, "clean-1-record-print")
    page.goto(f"{live_server.url}/party/orgs/{branch.pk}/")
    for details in page.locator("#findings details").all()[:3]:
        details.locator("summary").first.click()
    page.locator("#findings .help-panel summary").first.click()
    text = page.inner_text("#findings")
    assert "meeting.missing" not in text and "依据" in text
    screenshot(page, "clean-2-findings-zuzhibu")
    context.close()
    context, page = open_as(browser, live_server, scene["users"]["shuji"], phone=True)
    page.goto(f"{live_server.url}/party/orgs/{branch.pk}/")
    for details in page.locator("#findings details").all()[:3]:
        details.locator("summary").first.click()
    assert page.locator("#findings [data-help]").count() == 0
    screenshot(page, "clean-3-findings-shuji-phone")
    context.close()
