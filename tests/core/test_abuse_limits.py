"""Abuse limits: the public progress lookup is throttled per address, every 429 the application
answers carries Retry-After, and every HTML page carries a Content-Security-Policy."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from api import services as api_services
from core.actors import SYSTEM
from core.middleware import RetryAfterMiddleware
from tests.cases.conftest import new_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def report_data(world):
    return {
        "description": "小区门口垃圾堆了三天",
        "area": world["c1"].pk,
        "address": "湖东路 1 号",
        "reporter_name": "王小明",
        "reporter_phone": "13987654321",
    }


def track(client, number="YL-1", t="x" * 16, address="10.0.0.1"):
    return client.get(reverse("portal:track"), {"number": number, "t": t}, REMOTE_ADDR=address)


def test_track_lookups_are_throttled_per_address(client, settings, world):
    settings.LUOSHI_TRACK_RATE = "5/min"
    assert [track(client).status_code for _ in range(5)] == [404] * 5  # wrong codes, answered
    limited = track(client)
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    page = limited.content.decode()
    assert "查询过于频繁:同一网络每分钟最多查询 5 次" in page
    assert f"请 {limited['Retry-After']} 秒后再试" in page
    assert track(client, address="10.0.0.2").status_code == 404  # another address: not limited
    # The empty form is not a lookup and is never refused.
    assert client.get(reverse("portal:track"), REMOTE_ADDR="10.0.0.1").status_code == 200


def test_the_tracking_link_counts_too(client, settings, world):
    settings.LUOSHI_TRACK_RATE = "3/min"
    case = new_case(world)
    url = f"{reverse('portal:case', args=[case.number])}?t={case.access_token}"
    assert [client.get(url).status_code for _ in range(3)] == [200] * 3
    limited = client.get(url)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert "查询过于频繁" in limited.content.decode()


def test_track_rate_default_and_off(client, settings, world):
    assert [track(client).status_code for _ in range(30)] == [404] * 30
    assert track(client).status_code == 429  # default LUOSHI_TRACK_RATE = 30/min
    settings.LUOSHI_TRACK_RATE = "off"
    assert track(client).status_code == 404


# --- Retry-After on every 429 -------------------------------------------------------------------


def _api_token_429(client, settings, world):
    settings.LUOSHI_API_RATE = "1/min"
    _, raw = api_services.issue_token(owner=UserFactory(username="apiuser"), name="t", actor=SYSTEM)
    headers = {"Authorization": f"Bearer {raw}"}
    client.get("/api/v1/me", headers=headers)
    return client.get("/api/v1/me", headers=headers)


def _api_session_429(client, settings, world):
    settings.LUOSHI_API_RATE = "1/min"
    client.force_login(UserFactory(username="sessionuser"))
    client.get("/api/v1/me")
    return client.get("/api/v1/me")


def _api_anon_429(client, settings, world):
    settings.LUOSHI_API_ANON_RATE = "1/min"
    client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"})
    return client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"})


def _open311_read_429(client, settings, world):
    settings.LUOSHI_OPEN311_RATE = "1/min"
    client.get("/open311/v2/services.json")
    return client.get("/open311/v2/services.json")


def _open311_post_429(client, settings, world):
    settings.LUOSHI_OPEN311_POST_RATE = "1/min"
    _, raw = api_services.issue_open311_client(name="热线", contact="x", actor=SYSTEM)
    client.post("/open311/v2/requests.json", {"api_key": raw})
    return client.post("/open311/v2/requests.json", {"api_key": raw})


def _report_429(client, settings, world):
    for _ in range(5):
        client.post(reverse("portal:report"), report_data(world))
    return client.post(reverse("portal:report"), report_data(world))


def _track_429(client, settings, world):
    settings.LUOSHI_TRACK_RATE = "1/min"
    track(client)
    return track(client)


def _login_429(client, settings, world):
    UserFactory(username="someone")
    for _ in range(10):
        answer = client.post("/login/", {"username": "someone", "password": "wrong"})
    return answer


@pytest.mark.parametrize(
    "provoke",
    [
        _api_token_429,
        _api_session_429,
        _api_anon_429,
        _open311_read_429,
        _open311_post_429,
        _report_429,
        _track_429,
        _login_429,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_every_429_carries_retry_after(client, settings, world, provoke):
    answer = provoke(client, settings, world)
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) >= 1


def test_a_429_without_retry_after_gets_one():
    middleware = RetryAfterMiddleware(lambda request: HttpResponse(status=429))
    assert middleware(RequestFactory().get("/"))["Retry-After"] == "60"
    kept = RetryAfterMiddleware(lambda request: HttpResponse(status=429, headers={"Retry-After": "7"}))
    assert kept(RequestFactory().get("/"))["Retry-After"] == "7"


# --- Content-Security-Policy --------------------------------------------------------------------


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/report/", "/track/", "/", "/cases/", "/admin/"])
def test_html_pages_carry_a_strict_policy(client, world, path):
    client.force_login(UserFactory(username="csp", is_staff=True, is_superuser=True))
    answer = client.get(path)
    assert answer.status_code == 200
    directives = policy(answer)
    assert directives["script-src"] == "script-src 'self'"
    assert directives["default-src"] == "default-src 'self'"
    assert directives["object-src"] == "object-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["form-action"] == "form-action 'self'"
    assert directives["base-uri"] == "base-uri 'self'"
    assert directives["connect-src"] == "connect-src 'self'"
    assert "data:" in directives["img-src"]


def test_no_inline_scripts_or_handlers_in_templates():
    """The policy forbids inline script: none may come back into a template."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for template in list(root.glob("templates/**/*.html")) + list(root.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            offenders.append(f"{template.relative_to(root)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=|javascript:", text):
            offenders.append(f"{template.relative_to(root)}: {match.group(0)}")
    assert offenders == []
