"""Notifications: an in-app inbox row per user, plus delivery through pluggable backends
(SMS, e-mail, 政务微信 …) after the transaction commits, in the background worker.

Backends are dotted paths in ``settings.LUOSHI_NOTIFY_BACKENDS``; each is a class with
``send(notification)``. The default console backend logs the message, so a deployment without
an SMS gateway still works and shows what would have been sent.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from . import clock
from .jobs import retry
from .models import Notification, NotificationDelivery

log = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, notification: Notification) -> None:
        log.info(
            "notify %s <%s>: %s %s",
            notification.user.username,
            notification.kind,
            notification.title,
            notification.url,
        )


def backends():
    paths = getattr(settings, "LUOSHI_NOTIFY_BACKENDS", ["core.notify.ConsoleBackend"])
    return [import_string(path)() for path in paths]


class DeliveryFailed(Exception):
    """Some backend failed for some notification; the job is retried for those only."""


def backend_name(backend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"[:100]


# A claim without ``sent_at`` is a send in progress — or one cut off when its worker died. It is
# taken over when its worker has no fresh heartbeat (``core.jobs.live_workers``), or, for a claim
# made outside a worker, once it is this old. The gateway gets the same idempotency key
# (``NotificationDelivery.key``) both times.
CLAIM_STALE = datetime.timedelta(minutes=10)


class InFlight(Exception):
    """Another live worker is sending this pair right now."""


def _claim(notification: Notification, name: str, now) -> NotificationDelivery | None:
    """Claim (notification, backend) for this attempt: None when it was sent already. Raises
    ``InFlight`` when a live worker holds the claim: the job is retried later instead of finishing
    as if the message had gone out (a recovered job must not skip a send its dead worker began)."""
    from . import jobs

    try:
        with transaction.atomic():
            return NotificationDelivery.objects.create(
                notification=notification, backend=name, claimed_at=now, claimed_by=jobs.CURRENT_WORKER
            )
    except IntegrityError:
        pass
    held = NotificationDelivery.objects.filter(notification=notification, backend=name).first()
    if held is None or held.sent_at is not None:
        return None
    dead = held.claimed_by not in jobs.live_workers(now) if held.claimed_by else False
    if dead or held.claimed_at < now - CLAIM_STALE:
        # Conditional on the claim we read, so two workers cannot both take it over.
        taken = NotificationDelivery.objects.filter(
            pk=held.pk, sent_at__isnull=True, claimed_at=held.claimed_at, claimed_by=held.claimed_by
        ).update(claimed_at=now, claimed_by=jobs.CURRENT_WORKER)
        if taken:
            held.refresh_from_db()
            return held
    raise InFlight(f"通知 {notification.pk} 正由其他后台进程发送")


@retry(retries=5, backoff=30)
@task()
def deliver(notification_ids: list[int]) -> int:
    """Send each notification through each backend once. Idempotent per (notification, backend):
    a retried or recovered job skips what was sent. A failing gateway does not stop the others;
    the job then fails and is retried with backoff for the failed pairs only."""
    sent = 0
    failed = 0
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
        for backend in backends():
            name = backend_name(backend)
            try:
                delivery = _claim(notification, name, timezone.now())
            except InFlight:
                failed += 1  # retried later: sent by then, or taken over
                continue
            if delivery is None:
                continue
            try:
                backend.send(notification)
            except Exception:  # one failing gateway must not stop the others
                log.exception("notification backend %s failed", type(backend).__name__)
                delivery.delete()  # not sent: the retry sends it
                failed += 1
                continue
            NotificationDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
            sent += 1
    if failed:
        raise DeliveryFailed(f"{failed} 条通知发送失败,稍后重试")
    return sent


def notify(users: Iterable, *, kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Create one inbox message per user now; deliver through the backends after commit."""
    now = clock.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(user=user, kind=kind, title=title[:200], body=body, url=url[:300], created_at=now)
            for user in {u.pk: u for u in users}.values()
        ]
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: deliver.enqueue(ids))
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
