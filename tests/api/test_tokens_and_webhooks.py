"""Personal tokens (page, command, API, audit) and webhook deliveries to a local test server."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from api import services, webhooks
from api.models import ApiToken, DeliveryStatus, WebhookDelivery, hash_secret
from audit.models import AuditEvent
from cases import services as case_services
from core.actors import SYSTEM

from .conftest import ApiClient, new_case, walk

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Tokens


def test_token_page_shows_the_secret_once_and_revokes(actors):
    client = Client()
    client.force_login(actors["dispatcher"])
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and "还没有令牌" in page.content.decode()
    created = client.post("/api/tokens/", {"name": "12345热线对接"})
    html = created.content.decode()
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(owner=actors["dispatcher"])
    raw = html.split('id="new-token-value">')[1].split("<")[0]
    assert raw.startswith(f"ls_{token.prefix}_") and token.token_hash == hash_secret(raw)
    assert raw not in client.get("/api/tokens/").content.decode()  # shown once only
    assert ApiClient(raw=raw).get("/api/v1/me").json()["username"] == "jiedao"

    empty = client.post("/api/tokens/", {"name": ""})
    assert empty.status_code == 400 and "请填写令牌名称" in empty.content.decode()

    # Another user cannot revoke it; the owner can; it is kept (never deleted) and stops working.
    other = Client()
    other.force_login(actors["community"])
    assert other.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw=raw).get("/api/v1/me").status_code == 401
    assert "已吊销" in client.get("/api/tokens/").content.decode()
    codes = list(
        AuditEvent.objects.filter(subject_type="api.apitoken", subject_id=str(token.pk)).values_list(
            "action", flat=True
        )
    )
    assert codes == ["api_token.created", "api_token.revoked"]


def test_token_command(actors, capsys):
    call_command("api_token", "create", "jiedao", "数据大屏")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(owner=actors["dispatcher"])
    assert services.authenticate_token(raw) == token
    call_command("api_token", "list", "jiedao")
    assert "数据大屏" in capsys.readouterr().out
    call_command("api_token", "revoke", token.prefix, "--reason", "人员调岗")
    assert services.authenticate_token(raw) is None
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_token_api_and_last_used(actors, api_for):
    client = api_for(actors["dispatcher"])
    created = client.post("/api/v1/tokens", {"name": "第二个"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert ApiClient(raw=raw).get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(pk=created.json()["id"])
    assert token.last_used_at is not None
    listed = client.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"测试令牌", "第二个"} and all("token" not in t for t in listed)
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 200
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 409


def test_inactive_owner_token_stops_working(actors):
    _, raw = services.issue_token(owner=actors["dispatcher"], name="t", actor=SYSTEM)
    actors["dispatcher"].is_active = False
    actors["dispatcher"].save()
    assert ApiClient(raw=raw).get("/api/v1/me").status_code == 401


# ---------------------------------------------------------------------------------------------
# Webhooks


class Receiver:
    """A local HTTP server recording POSTs; answers with the queued status codes."""

    def __init__(self):
        self.received = []
        self.statuses = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_signed_deliveries_with_retry_and_log(world, actors, category, api_for, receiver):
    client = api_for(actors["dispatcher"])
    created = client.post(
        "/api/v1/webhooks",
        {"org": world["s1"].pk, "url": receiver.url, "events": ["case.reported", "case.closed"]},
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    sub_id = created.json()["id"]

    receiver.statuses = [500]  # the first attempt fails
    case = new_case(world)
    new_case(world, area=world["c3"])  # another street: not this subscription's
    assert webhooks.collect() == 1
    assert webhooks.collect() == 0  # idempotent
    report = webhooks.deliver_due()
    assert (report.delivered, report.retried) == (0, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now()
    assert webhooks.deliver_due().delivered == 0  # not due yet

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        report = webhooks.deliver_due()
    assert report.delivered == 1
    headers, body = receiver.received[-1]
    assert webhooks.verify(secret, headers["X-Luoshi-Timestamp"], body, headers["X-Luoshi-Signature"])
    assert not webhooks.verify("wrong", headers["X-Luoshi-Timestamp"], body, headers["X-Luoshi-Signature"])
    data = json.loads(body)
    assert data["event"] == "case.reported" and data["case"]["number"] == case.number
    assert "13912345678" not in body.decode() and "张三" not in body.decode()

    # Only subscribed events: registering is not pushed, closing is (the lead unit is d1, but the
    # case lies in s1, so the street's subscription sees it).
    walk(case, actors, world, category, "closed")
    assert webhooks.collect() == 1
    assert webhooks.deliver_due().delivered == 1
    assert json.loads(receiver.received[-1][1])["event"] == "case.closed"

    log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries").json()
    assert [d["event_action"] for d in log] == ["case.closed", "case.reported"]
    assert log[1]["attempts"] == 2 and log[1]["status"] == "delivered"


def test_department_subscription_gets_dispatched_cases_and_gives_up(
    world, actors, category, receiver, monkeypatch
):
    sub = services.subscribe_webhook(org=world["d1"], url=receiver.url, actor=SYSTEM)
    case = new_case(world)
    case_services.register_case(case, actor=actors["dispatcher"], category=category)
    assert webhooks.collect() == 0  # not the department's yet
    case_services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["d1"])
    assert webhooks.collect() == 3  # visible now: its past events within the window too
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 1)
    receiver.statuses = [503, 503, 503]
    report = webhooks.deliver_due()
    assert report.failed == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    services.deactivate_webhook(sub, actor=SYSTEM)
    new_case(world)
    assert webhooks.collect() == 0


def test_unreachable_url_is_retried(world, actors):
    services.subscribe_webhook(
        org=world["s1"], url="http://127.0.0.1:9/closed-port", actor=actors["dispatcher"]
    )
    new_case(world)
    webhooks.collect()
    report = webhooks.deliver_due()
    assert report.retried == 1
    assert WebhookDelivery.objects.get().last_error


def test_periodic_job_is_registered():
    from core.periodic import schedules

    assert any(s.name.endswith("push_webhooks") for s in schedules())


def test_build_demo_api_is_idempotent(actors, capsys):
    call_command("build_demo_api")
    first = capsys.readouterr().out
    assert "演示令牌(jiedao)" in first and "Open311 api_key" in first
    call_command("build_demo_api")
    assert "演示令牌" not in capsys.readouterr().out
    assert ApiToken.objects.filter(owner=actors["dispatcher"]).count() == 1
