"""The dispatcher (jiedao) creates a personal API token in the browser, uses it over HTTP, opens
the interactive API docs (vendored Swagger UI, no CDN) and revokes the token."""

import json
import urllib.error
import urllib.request

import pytest

from cases.defaults import seed_defaults
from orgs.roles import Role
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def call(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_token_page_docs_and_revoke(page, live_server, transactional_db):
    from django.core.cache import cache

    cache.clear()
    seed_defaults()
    world = build_world()
    user = UserFactory(username="jiedao", is_staff=True)
    RoleGrantFactory(user=user, org=world["s1"], role=Role.DISPATCHER)

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "jiedao")
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    open_menu(page, "接口令牌")
    page.fill("#id_name", "12345热线对接")
    page.click("button:has-text('创建令牌')")
    token = page.inner_text("#new-token-value").strip()
    assert token.startswith("ls_")
    screenshot(page, "api-token-created")

    status, me = call(f"{live_server.url}/api/v1/me", token)
    assert status == 200 and me["username"] == "jiedao"

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/cases/{number}/dispatch").count() == 1
    screenshot(page, "api-docs")
    external = [
        url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")
    ]
    assert external == [], external  # everything vendored, nothing from a CDN

    page.goto(f"{live_server.url}/api/tokens/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('吊销')")
    page.wait_for_selector("text=已吊销")
    screenshot(page, "api-token-revoked")
    status, body = call(f"{live_server.url}/api/v1/me", token)
    assert status == 401 and body["code"] == "unauthenticated"
