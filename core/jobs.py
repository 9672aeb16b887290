"""Reliability of background jobs, whatever the backend: retries with backoff, recovery of jobs
whose worker died, worker heartbeats, and listing/requeueing failed jobs (``luoshi jobs``).

Retries are declared next to the task, above ``@task()``::

    @retry(retries=4, backoff=30)   # 30 s, 60 s, 120 s, 240 s after each failure
    @task()
    def deliver(ids): ...

- Database backend (django-tasks-db): when an attempt fails, the ``task_finished`` receiver below
  puts the same ``DBTaskResult`` row back to READY with ``run_after`` = now + backoff (one row per
  enqueue; its ``worker_ids`` lists every attempt, so the attempt number is ``len(worker_ids)``).
- RQ backend (``RQBackend`` below, django-tasks-rq's backend): the job is created with rq's own
  ``Retry(max, intervals)``; the worker's scheduler thread enqueues it again when due.

A retried or recovered job runs again, so a job's side effects must be idempotent per key (e.g.
``core.notify.deliver`` records each (notification, backend) it sent and skips it next time).

Jobs of a dead worker (kill -9, OOM, power loss):

- Database backend: every worker writes a ``WorkerHeartbeat`` every few seconds. The periodic
  scheduler of any live worker (``recover_stale_jobs``) puts a RUNNING row whose worker has been
  silent for ``LUOSHI_WORKER_STALE_SECONDS`` back to READY with one conditional UPDATE per row
  (status and start time unchanged), so two workers never both recover it.
- RQ: rq's ``StartedJobRegistry.cleanup`` finds executions whose heartbeat expired and calls the
  job's failure callback with ``AbandonedJobError``; our callback gives such a job one more try
  (up to ``MAX_RECOVERIES``) so cleanup requeues it instead of moving it to the failed registry.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

log = logging.getLogger(__name__)

# A job that took its worker down this many times is failed for good (a poison job).
MAX_RECOVERIES = 3


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    backoff: float  # seconds before the first retry; doubled for each further one

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return self.backoff * 2 ** (attempt - 1)


_POLICIES: dict[str, RetryPolicy] = {}


def retry(*, retries: int, backoff: float = 30):
    """Declare that a task is retried ``retries`` times with exponential backoff after a failure."""
    if retries < 1 or backoff < 0:
        raise ValueError("retries must be >= 1 and backoff >= 0")

    def register(task):
        _POLICIES[task.module_path] = RetryPolicy(retries, backoff)
        return task

    return register


def policy_for(task_path: str) -> RetryPolicy | None:
    return _POLICIES.get(task_path)


def backend_kind() -> str:
    """``"db"``, ``"rq"`` or ``"other"`` (the immediate backend of the tests)."""
    path = str(settings.TASKS["default"]["BACKEND"])
    if "rq" in path.lower():
        return "rq"
    if path.startswith("django_tasks_db"):
        return "db"
    return "other"


# --- database backend: retries -----------------------------------------------------------------


def on_task_finished(sender, task_result, **kwargs) -> None:
    """``task_finished`` receiver: a failed attempt of a task with a retry policy is put back to
    READY with its backoff (database backend; RQ retries natively)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend

    if not (isinstance(sender, type) and issubclass(sender, DatabaseBackend)):
        return
    if task_result.status != TaskResultStatus.FAILED:
        return
    policy = policy_for(task_result.task.module_path)
    if policy is None:
        return
    from django_tasks_db.models import DBTaskResult

    attempt = len(task_result.worker_ids)
    if attempt > policy.retries:
        log.error("job %s failed after %s attempts; not retried again", task_result.id, attempt)
        return
    delay = policy.delay(attempt)
    DBTaskResult.objects.filter(pk=task_result.id, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + datetime.timedelta(seconds=delay),
        finished_at=None,
    )
    log.warning("job %s failed (attempt %s); retrying in %ss", task_result.id, attempt, delay)


# --- RQ backend ----------------------------------------------------------------------------------

try:  # the rq packages are installed with the project, but only used with LUOSHI_TASKS_BACKEND=rq
    from django_tasks_rq.backend import RQBackend as _RQBackend
except ImportError:  # pragma: no cover
    _RQBackend = object  # type: ignore[misc,assignment]  # a stand-in base class, never instantiated


def rq_failed_callback(job, connection, exception_class, exception_value, traceback) -> None:
    """django-tasks-rq's failure callback, plus: a job abandoned by a dead worker gets another
    try (rq's registry cleanup requeues a job that has retries left)."""
    from django_tasks_rq.backend import failed_callback
    from rq.exceptions import AbandonedJobError

    if exception_class is AbandonedJobError:
        recoveries = int(job.meta.get("luoshi_recoveries", 0)) + 1
        job.meta["luoshi_recoveries"] = recoveries
        if recoveries <= MAX_RECOVERIES and not job.retries_left:
            job.retries_left = 1
            job.retry_intervals = None
        log.warning("job %s abandoned by its worker (recovery %s)", job.id, recoveries)
    failed_callback(job, connection, exception_class, exception_value, traceback)


class RQBackend(_RQBackend):
    """django-tasks-rq's backend with retries (``@retry``) and recovery of abandoned jobs. The same
    as upstream ``enqueue`` except for ``retry=`` and the failure callback."""

    def enqueue(self, task, args, kwargs):
        import django_rq
        from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
        from django_tasks.signals import task_enqueued
        from django_tasks.utils import get_random_id
        from django_tasks_rq.backend import Job, success_callback
        from rq.job import Callback, JobStatus, Retry

        self.validate_task(task)
        task_result: TaskResult[Any] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        policy = policy_for(task.module_path)
        retry_ = None
        if policy:
            retry_ = Retry(
                max=policy.retries,
                interval=[int(policy.delay(n)) for n in range(1, policy.retries + 1)],
            )
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(rq_failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=retry_,
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result


def rq_queues():
    import django_rq
    from django_tasks_rq.backend import Job

    names = settings.TASKS["default"].get("QUEUES", ["default"])
    return [django_rq.get_queue(name, job_class=Job) for name in names]


# --- heartbeats and recovery ---------------------------------------------------------------------


# The id of the worker process running this code ("" outside ``luoshi worker``: the web process,
# the immediate backend of the tests and the demo build).
CURRENT_WORKER = ""


def live_workers(now: datetime.datetime | None = None) -> set[str]:
    """Ids of the workers whose heartbeat is fresh."""
    from .models import WorkerHeartbeat

    now = now or timezone.now()
    fresh = now - datetime.timedelta(seconds=settings.LUOSHI_WORKER_STALE_SECONDS)
    return set(WorkerHeartbeat.objects.filter(seen_at__gte=fresh).values_list("worker_id", flat=True))


def new_worker_id() -> str:
    """Unique per worker process, readable in the admin: host-pid-random (≤ 64 characters)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


def beat(worker_id: str, backend: str, now: datetime.datetime | None = None) -> None:
    from .models import WorkerHeartbeat

    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:100],
            pid=os.getpid(),
            backend=backend,
            started_at=now,
            seen_at=now,
        )


def stop_beating(worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat (its jobs are finished)."""
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_stale_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Hand the jobs of dead workers to live ones; return the ids recovered (or failed for good)."""
    kind = backend_kind()
    if kind == "db":
        return _recover_db(now or timezone.now())
    if kind == "rq":
        return _recover_rq(now.timestamp() if now else None)
    return []


def _recover_db(now: datetime.datetime) -> list[str]:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .models import WorkerHeartbeat

    stale = now - datetime.timedelta(seconds=settings.LUOSHI_WORKER_STALE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=stale).values_list("worker_id", flat=True))
    recovered = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale)
    for row in running.only("id", "worker_ids", "started_at", "task_path"):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        claim = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if len(row.worker_ids) > MAX_RECOVERIES + (getattr(policy_for(row.task_path), "retries", 0)):
            done = claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="core.jobs.WorkerLost",
                traceback=f"worker {row.worker_ids[-1]} died while running this job; given up",
            )
        else:
            done = claim.update(status=TaskResultStatus.READY, run_after=now, finished_at=None)
        if done:
            recovered.append(str(row.pk))
            log.warning("job %s of dead worker %s recovered", row.pk, row.worker_ids[-1:])
    return recovered


def _recover_rq(timestamp: float | None) -> list[str]:
    """rq's own abandoned-job handling: an execution whose heartbeat expired (its worker is gone)
    is failed with ``AbandonedJobError``; ``rq_failed_callback`` turns that into a requeue."""
    from rq.registry import StartedJobRegistry

    recovered = []
    for queue in rq_queues():
        registry = StartedJobRegistry(queue=queue)
        expired = registry.get_expired_job_ids(timestamp)
        if expired:
            registry.cleanup(timestamp)
            recovered += expired
    return recovered


def prune_heartbeats(now: datetime.datetime | None = None) -> int:
    from .models import WorkerHeartbeat

    old = (now or timezone.now()) - datetime.timedelta(days=1)
    return WorkerHeartbeat.objects.filter(seen_at__lt=old).delete()[0]


# --- failed jobs: list and requeue (luoshi jobs, the admin) ---------------------------------------


@dataclass
class JobRow:
    id: str
    task: str | None
    status: str
    enqueued_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    error: str


def list_jobs(*, failed: bool = False, limit: int = 50) -> list[JobRow]:
    if backend_kind() == "rq":
        return _list_rq(failed, limit)
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.order_by("-enqueued_at")
    if failed:
        rows = rows.failed()
    return [
        JobRow(
            str(r.id),
            r.task_path,
            r.status,
            r.enqueued_at,
            r.finished_at,
            r.exception_class_path.rsplit(".", 1)[-1],
        )
        for r in rows[:limit]
    ]


def _list_rq(failed: bool, limit: int) -> list[JobRow]:
    from django_tasks_rq.backend import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    rows = []
    for queue in rq_queues():
        ids = list(FailedJobRegistry(queue=queue).get_job_ids())
        if not failed:
            ids += StartedJobRegistry(queue=queue).get_job_ids() + queue.get_job_ids()
            ids += FinishedJobRegistry(queue=queue).get_job_ids()
        for job in Job.fetch_many(ids[:limit], connection=queue.connection):
            if job is None:
                continue
            rows.append(
                JobRow(
                    job.id,
                    job.func_name,
                    str(job.get_status(refresh=False)),
                    job.enqueued_at,
                    job.ended_at,
                    (job.exc_info or "").strip().splitlines()[-1:][0] if job.exc_info else "",
                )
            )
    return rows[:limit]


def requeue(job_ids: list[str] | None = None) -> list[str]:
    """Requeue the given failed jobs (all failed jobs when ``job_ids`` is None); return those
    requeued. A job that is not failed (any more) is left alone."""
    if backend_kind() == "rq":
        from rq.registry import FailedJobRegistry

        done = []
        for queue in rq_queues():
            registry = FailedJobRegistry(queue=queue)
            for job_id in registry.get_job_ids() if job_ids is None else job_ids:
                if job_id in registry:
                    registry.requeue(job_id)
                    done.append(job_id)
        return done
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.failed()
    if job_ids is not None:
        rows = rows.filter(pk__in=job_ids)
    done = []
    for pk in rows.values_list("pk", flat=True):
        # Conditional on FAILED, so a job requeued twice at once runs once; a fresh set of retries.
        if DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None, worker_ids=[]
        ):
            done.append(str(pk))
    return done
