"""Browser tests: Playwright (Python) driving Debian's ``chromium`` package — never a downloaded
browser. Without chromium they skip with a message; CI sets LUOSHI_REQUIRE_BROWSER=1 so that a
missing browser fails instead."""

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from cases.defaults import seed_defaults
from orgs.roles import Role
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Browser tests run on real time: Chromium's clock cannot be frozen with the server's."""
    yield


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        message = "Debian 的 chromium 未安装(apt-get install chromium),跳过浏览器测试"
        if os.environ.get("LUOSHI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    # Playwright's sync API runs an event loop; the live server and fixtures use the ORM from
    # this thread before and after, which Django would otherwise refuse.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# Case journeys: a small world with the people who handle cases, and staff pages per user.


def ensure_seed_data():
    """The categories and time limits of the seed migration: an earlier transactional test's flush
    drops them, and serialized_rollback cannot bring them back once Playwright runs (Django's
    connection handler is context-local and the sync API switches contexts)."""
    seed_defaults()


@pytest.fixture
def journey(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.cache import cache

    cache.clear()  # the portal's rate limiter
    ensure_seed_data()
    world = build_world()
    for username, role, org in [
        ("jiedao", Role.DISPATCHER, "s1"),
        ("bumen", Role.DEPT_HANDLER, "d1"),
        ("jiaoyu", Role.DEPT_HANDLER, "d2"),
        ("shequ", Role.COMMUNITY_STAFF, "c1"),
        ("dudao", Role.SUPERVISOR, "district"),
    ]:
        RoleGrantFactory(user=UserFactory(username=username, is_staff=True), org=world[org], role=role)
    photo = tmp_path / "feedback.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (60, 140, 90)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    return {"world": world, "photo": photo, "media": settings.MEDIA_ROOT}


@pytest.fixture
def staff_page(browser, live_server, journey):
    """Log a staff member in, in their own browser context (closed before the server stops)."""
    contexts = []

    def open_page(username):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-123456")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_menu(page, entry: str) -> None:
    """Click a menu entry, opening its group's dropdown (``core.navigation.GROUPS``) first when it
    sits under one, and the collapsed menu on a phone."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.wait_for_selector("#mainnav.show")
    plain = page.locator(f"nav a.nav-link:not(.dropdown-toggle):text-is('{entry}')")
    if plain.count():
        plain.first.click()
        return
    item = f"a.dropdown-item:text-is('{entry}')"
    page.locator("nav .dropdown", has=page.locator(item)).locator(".dropdown-toggle").click()
    page.locator(f"nav {item}").first.click()
