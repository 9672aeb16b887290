"""Periodic work kept in code and run by ``luoshi worker`` (no external cron to forget).

    @periodic(every=datetime.timedelta(hours=24))
    @task()
    def nightly_check(): ...

The worker calls ``enqueue_due()`` every few seconds. Each due job is claimed with a conditional
UPDATE on ``PeriodicJob.next_run_at``, so with several workers exactly one enqueues it.

A job is marked run only together with its enqueue: the claim UPDATE and the enqueue share one
transaction, and an enqueue that raises rolls the claim back (the job stays due; the next tick,
on this or another worker, tries again).

- Database backend: the enqueue is an INSERT into the same database, so claim and enqueue commit
  or roll back together: exactly one enqueue per period.
- RQ backend: the enqueue goes to Redis while the claimed row stays locked in the open
  transaction (enqueue, then commit). Redis down → exception → rollback: nothing is skipped.
  The only gap is a crash or lost database connection after Redis accepted the job and before
  the commit: the claim is rolled back and the next tick enqueues the job again, i.e. a rare
  duplicate run, never a skipped one. Every periodic job is idempotent (each keys its effects:
  one supervision record per deadline, one reminder per term …), so a duplicate is harmless,
  while a skipped daily job would be a 24-hour hole. An outbox table would turn the duplicate
  into a second relay step with the same crash window, so it buys nothing here.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    every: datetime.timedelta
    task: Any  # a django_tasks Task


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
        try:
            with transaction.atomic():
                claimed = PeriodicJob.objects.filter(name=schedule.name, next_run_at__lte=now).update(
                    next_run_at=now + schedule.every, last_run_at=now
                )
                if not claimed:
                    continue
                result = schedule.task.enqueue()
                PeriodicJob.objects.filter(name=schedule.name).update(last_task_id=str(result.id))
        except Exception:  # this job stays due; the others are still enqueued
            log.exception("periodic job %s could not be enqueued; it stays due", schedule.name)
            continue
        enqueued.append(schedule.name)
        log.info("periodic job %s enqueued (task %s)", schedule.name, result.id)
    return enqueued


def lag(now: datetime.datetime | None = None) -> datetime.timedelta | None:
    """How late the most overdue periodic job is (None when none is overdue): for /healthz."""
    from django.db.models import Min

    from .models import PeriodicJob

    now = now or timezone.now()
    names = [s.name for s in schedules()]
    oldest = PeriodicJob.objects.filter(name__in=names, next_run_at__lt=now).aggregate(m=Min("next_run_at"))[
        "m"
    ]
    return None if oldest is None else now - oldest
