"""Webhook deliveries (事件推送): case events pushed to the URLs orgs subscribed, signed and retried.

The case timeline is the audit chain, so the audit log is the outbox: ``collect`` turns recent
case events into one ``WebhookDelivery`` per matching subscription (a unique constraint makes
repeated or concurrent runs harmless), ``deliver_due`` POSTs the due ones. Both run in the
worker every 15 minutes (``api.tasks``; ``LUOSHI_WEBHOOK_INTERVAL_SECONDS``). A subscription at
org X receives the events of cases located in X's subtree and of cases dispatched to a unit in
X's subtree — what X's staff can see.

Each POST carries::

    X-Luoshi-Event: case.closed
    X-Luoshi-Delivery: <delivery id>
    X-Luoshi-Timestamp: <unix seconds>
    X-Luoshi-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription secret>

A 2xx answer marks it delivered; anything else (or a timeout) is retried no earlier than 1, 2, 4 …
minutes later (at most 6 hours apart; in practice at the worker's next run), and given up
after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from audit.events import label_for
from audit.models import AuditEvent
from cases.models import AssignmentStatus, Case, CaseAssignment

from . import conf
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

# How often the worker pushes (``LUOSHI_WEBHOOK_INTERVAL_SECONDS``, default 15 minutes; 60 gives
# near-real-time delivery). Events are looked for over twice that plus a margin, so a late or
# skipped run loses nothing (the unique constraint drops what an earlier run already took).
INTERVAL = dt.timedelta(seconds=int(conf.setting("LUOSHI_WEBHOOK_INTERVAL_SECONDS", "900")))
LOOKBACK = 2 * INTERVAL + dt.timedelta(minutes=10)
LEASE = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(hours=6)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (documented in docs/api.md); used by the tests."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def collect(now: dt.datetime | None = None) -> int:
    """Create deliveries for the case events of the last ``LOOKBACK``; return how many are new."""
    now = now or timezone.now()
    subscriptions = list(WebhookSubscription.objects.filter(deactivated_at__isnull=True))
    if not subscriptions:
        return 0
    since = now - LOOKBACK
    events = list(
        AuditEvent.objects.filter(subject_type="cases.case", created_at__gte=since, created_at__lte=now).only(
            "pk", "subject_id", "action", "created_at"
        )
    )
    if not events:
        return 0
    case_ids = {int(e.subject_id) for e in events if e.subject_id.isdigit()}
    places = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "org_path"))
    units: dict[int, list[str]] = {}
    for case_id, path in (
        CaseAssignment.objects.filter(case_id__in=case_ids)
        .exclude(status=AssignmentStatus.CANCELLED)
        .values_list("case_id", "org_path")
    ):
        units.setdefault(case_id, []).append(path)
    rows = []
    for subscription in subscriptions:
        for event in events:
            if event.created_at < subscription.created_at or not subscription.wants(event.action):
                continue
            case_id = int(event.subject_id) if event.subject_id.isdigit() else None
            paths = [places.get(case_id, ""), *units.get(case_id, [])]
            if any(path and path.startswith(subscription.org_path) for path in paths):
                rows.append(WebhookDelivery(subscription=subscription, event=event, next_attempt_at=now))
    before = WebhookDelivery.objects.count()
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return WebhookDelivery.objects.count() - before


def payload(delivery: WebhookDelivery) -> dict:
    event = delivery.event
    case = (
        Case.objects.select_related("category", "org", "lead_unit").filter(pk=int(event.subject_id)).first()
        if event.subject_id.isdigit()
        else None
    )
    return {
        "delivery": delivery.pk,
        "event": event.action,
        "label": label_for(event.action),
        "occurred_at": timezone.localtime(event.created_at).isoformat(),
        "public_note": (event.after or {}).get("public_note", ""),
        "case": None
        if case is None
        else {
            "number": case.number,
            "status": case.status,
            "status_label": case.get_status_display(),
            "title": case.title,
            "area": case.org.name,
            "category": str(case.category) if case.category_id else None,
            "lead_unit": case.lead_unit.name if case.lead_unit_id else None,
            "due_at": timezone.localtime(case.due_at).isoformat() if case.due_at else None,
        },
    }


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return None, str(getattr(error, "reason", error))[:300]


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> DeliveryReport:
    """POST the due deliveries. Each is claimed with a conditional UPDATE (a lease on
    ``next_attempt_at``), so several workers never send the same attempt twice."""
    now = now or timezone.now()
    report = DeliveryReport()
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__deactivated_at__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    for pk, seen_at in due:
        claimed = WebhookDelivery.objects.filter(
            Q(pk=pk), status=DeliveryStatus.PENDING, next_attempt_at=seen_at
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            continue
        delivery = WebhookDelivery.objects.select_related("subscription", "event").get(pk=pk)
        body = json.dumps(payload(delivery), ensure_ascii=False).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Luoshi-Webhook/1",
            "X-Luoshi-Event": delivery.event.action,
            "X-Luoshi-Delivery": str(delivery.pk),
            "X-Luoshi-Timestamp": timestamp,
            "X-Luoshi-Signature": sign(delivery.subscription.secret, timestamp, body),
        }
        status, error = _post(delivery.subscription.url, body, headers)
        delivery.attempts += 1
        delivery.last_status_code = status
        if status is not None and 200 <= status < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, ""
            report.delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, error or f"HTTP {status}"
            report.failed += 1
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            delivery.last_error = error or f"HTTP {status}"
            report.retried += 1
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "status",
                "delivered_at",
                "last_error",
                "next_attempt_at",
            ]
        )
    return report
