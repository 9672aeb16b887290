"""Notifications: an in-app inbox row per user, plus delivery through pluggable backends
(SMS, e-mail, 政务微信 …) after the transaction commits, in the background worker.

Backends are dotted paths in ``settings.LUOSHI_NOTIFY_BACKENDS``; each is a class with
``send(notification)``. The default console backend logs the message, so a deployment without
an SMS gateway still works and shows what would have been sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import task

from . import clock
from .models import Notification

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


@task()
def deliver(notification_ids: list[int]) -> int:
    sent = 0
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
        for backend in backends():
            try:
                backend.send(notification)
                sent += 1
            except Exception:  # one failing gateway must not stop the others
                log.exception("notification backend %s failed", type(backend).__name__)
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
