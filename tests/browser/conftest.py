"""Browser tests: Playwright (Python) driving Debian's ``chromium`` package — never a downloaded
browser. Without chromium they skip with a message; CI sets LUOSHI_REQUIRE_BROWSER=1 so that a
missing browser fails instead."""

import io
import os
import re
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


# Every page a browser test opens must run without a JavaScript error or a Content-Security-Policy
# violation (Chromium reports both on the console; uncaught exceptions also as page errors).
# The application's own 4xx answers (a form refused with 400, a 403/404 page, a 429) are logged by
# Chromium as "Failed to load resource" too; those are expected, except for static files.
EXPECTED_HTTP_ERROR = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


class ConsoleWatch:
    def __init__(self):
        self.problems: list[str] = []

    def attach(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", self._page_error)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if EXPECTED_HTTP_ERROR.match(message.text) and "/static/" not in url:
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _page_error(self, error) -> None:
        self.problems.append(f"page error: {error.error}")


@pytest.fixture(autouse=True)
def _console_watch(request):
    """Attach a ConsoleWatch to every browser context the test opens (``page``, ``phone_page``,
    ``staff_page`` and any ``browser.new_context``); ``pytest_runtest_call`` below fails the test
    when it saw a problem."""
    if "browser" not in request.fixturenames:
        yield None
        return
    browser = request.getfixturevalue("browser")
    watch = ConsoleWatch()
    original = browser.new_context

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        watch.attach(context)
        return context

    browser.new_context = new_context
    try:
        yield watch
    finally:
        del browser.new_context  # back to the class's method


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    watch = getattr(item, "funcargs", {}).get("_console_watch")
    if watch is not None and watch.problems:
        problems = "\n".join(watch.problems)
        pytest.fail(f"浏览器控制台报错(JavaScript 错误或 CSP 违规):\n{problems}", pytrace=False)
    return result


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
