"""The Django admin under the Content-Security-Policy (the console watch fails on a violation),
and unlocking a locked-out account there."""

import pytest

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_pages_and_unlock(browser, live_server, journey):
    from orgs.models import User

    User.objects.create_superuser("it-admin", password="pw-123456")
    world = journey["world"]
    contexts = [
        browser.new_context(locale="zh-CN"),
        browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}),
    ]
    resident, admin = (context.new_page() for context in contexts)
    for _ in range(10):
        resident.goto(f"{live_server.url}/login/")
        resident.fill("#id_username", "shequ")
        resident.fill("#id_password", "wrong-password")
        resident.click("button[type=submit]")
    assert "该账号已在本网络暂时锁定" in resident.locator("#lockout").inner_text()
    screenshot(resident, "lockout-login-page")

    admin.goto(f"{live_server.url}/admin/login/")
    admin.fill("#id_username", "it-admin")
    admin.fill("#id_password", "pw-123456")
    admin.click("input[type=submit]")
    admin.wait_for_url(f"{live_server.url}/admin/")
    for path in ["/admin/orgs/org/", f"/admin/orgs/org/{world['g1'].pk}/change/", "/admin/orgs/user/"]:
        admin.goto(f"{live_server.url}{path}")
        admin.wait_for_selector("#content")
    admin.goto(f"{live_server.url}/admin/orgs/loginfailure/")
    assert "锁定至" in admin.locator("#result_list").inner_text()
    screenshot(admin, "lockout-admin-list")
    admin.locator("#result_list input.action-select").first.check()
    admin.select_option("select[name=action]", "unlock_accounts")
    admin.click("button[name=index]")
    admin.wait_for_selector("text=已解锁 1 个账号")
    screenshot(admin, "lockout-admin-unlocked")

    resident.goto(f"{live_server.url}/login/")
    resident.fill("#id_username", "shequ")
    resident.fill("#id_password", "pw-123456")
    resident.click("button[type=submit]")
    resident.wait_for_url(f"{live_server.url}/")
    for context in contexts:
        context.close()
