"""Periodic work kept in code and run by ``luoshi worker`` (no external cron to forget).

    @periodic(every=datetime.timedelta(hours=24))
    @task()
    def nightly_check(): ...

The worker calls ``enqueue_due()`` every few seconds. Each due job is claimed with a conditional
UPDATE on ``PeriodicJob.next_run_at``, so with several workers exactly one enqueues it.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    every: datetime.timedelta
    task: object  # a django_tasks Task


_SCHEDULES: dict[str, Schedule] = {}


def periodic(*, every: datetime.timedelta):
    def register(task):
        name = f"{task.module_path}"
        _SCHEDULES[name] = Schedule(name, every, task)
        return task

    return register


def schedules() -> list[Schedule]:
    return list(_SCHEDULES.values())


def enqueue_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; return the names enqueued by this call."""
    from .models import PeriodicJob

    now = now or timezone.now()
    enqueued = []
    for schedule in schedules():
        with contextlib.suppress(IntegrityError):  # another worker created it first
            PeriodicJob.objects.get_or_create(name=schedule.name, defaults={"next_run_at": now})
        claimed = PeriodicJob.objects.filter(name=schedule.name, next_run_at__lte=now).update(
            next_run_at=now + schedule.every, last_run_at=now
        )
        if claimed:
            result = schedule.task.enqueue()
            PeriodicJob.objects.filter(name=schedule.name).update(last_task_id=str(result.id))
            enqueued.append(schedule.name)
            log.info("periodic job %s enqueued (task %s)", schedule.name, result.id)
    return enqueued
