"""Background jobs on the database backend: retries with backoff, recovery of a dead worker's job,
periodic jobs marked run only with their enqueue, ``luoshi jobs``, the admin, /healthz."""

import datetime
import io
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core import jobs, notify
from core.models import Notification, NotificationDelivery, PeriodicJob, WorkerHeartbeat
from core.periodic import enqueue_due, schedules
from tests.factories import UserFactory

from . import jobtasks

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
T0 = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.UTC)


def run_one(worker_id="w1"):
    """One pass of django-tasks-db's worker loop (which would close the test's connection)."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _run_one(worker_id)


def _run_one(worker_id):
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


@override_settings(TASKS=DB_TASKS)
def test_failed_job_is_retried_with_exponential_backoff_then_failed_for_good():
    jobtasks.CALLS.clear()
    with time_machine.travel(T0, tick=False) as clock:
        result = jobtasks.flaky.enqueue("x")
        run_one()
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.READY  # back in the queue …
        assert row.run_after == T0 + datetime.timedelta(seconds=10)  # … after the first backoff
        run_one()  # not due yet: nothing runs
        assert jobtasks.CALLS == ["x"]
        clock.move_to(T0 + datetime.timedelta(seconds=11))
        run_one()
        row.refresh_from_db()
        assert row.status == TaskResultStatus.READY
        assert row.run_after == T0 + datetime.timedelta(seconds=11 + 20)  # doubled
        clock.move_to(T0 + datetime.timedelta(seconds=40))
        run_one()
        row.refresh_from_db()
    assert jobtasks.CALLS == ["x", "x", "x"]  # one try and two retries, one row for the enqueue
    assert row.status == TaskResultStatus.FAILED and len(row.worker_ids) == 3
    assert DBTaskResult.objects.count() == 1


@override_settings(TASKS=DB_TASKS)
def test_jobs_command_lists_and_requeues_failed_jobs():
    jobtasks.CALLS.clear()
    result = jobtasks.slow_mark.enqueue("/nonexistent/dir/file", 0)
    run_one()  # fails (no such directory); no retry policy
    out = io.StringIO()
    call_command("jobs", "list", "--failed", stdout=out, stderr=io.StringIO())
    assert str(result.id) in out.getvalue() and "FileNotFoundError" in out.getvalue()
    out = io.StringIO()
    call_command("jobs", "requeue", "--all-failed", stdout=out, stderr=io.StringIO())
    assert out.getvalue().split() == [str(result.id)]
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY and row.worker_ids == []
    with pytest.raises(CommandError, match="不是失败状态"):
        call_command("jobs", "requeue", str(result.id), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="二者选一"):
        call_command("jobs", "requeue", stdout=io.StringIO(), stderr=io.StringIO())


@override_settings(TASKS=DB_TASKS)
def test_admin_shows_failed_jobs_and_requeues_them(client):
    result = jobtasks.slow_mark.enqueue("/nonexistent/dir/file", 0)
    run_one()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert page.status_code == 200 and "FileNotFoundError" in page.content.decode()
    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "requeue_failed", "_selected_action": [str(result.id)]},
    )
    assert response.status_code == 302
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY


@override_settings(TASKS=DB_TASKS, LUOSHI_WORKER_STALE_SECONDS=60)
def test_job_of_a_dead_worker_is_recovered_once():
    with time_machine.travel(T0, tick=False) as clock:
        dead = jobtasks.slow_mark.enqueue("/tmp/x", 0)
        alive = jobtasks.slow_mark.enqueue("/tmp/y", 0)
        DBTaskResult.objects.get(pk=dead.id).claim("dead-worker")
        DBTaskResult.objects.get(pk=alive.id).claim("live-worker")
        jobs.beat("dead-worker", "db")
        jobs.beat("live-worker", "db")
        clock.move_to(T0 + datetime.timedelta(seconds=50))
        jobs.beat("live-worker", "db")
        assert jobs.recover_stale_jobs() == []  # not silent for long enough
        clock.move_to(T0 + datetime.timedelta(seconds=90))
        jobs.beat("live-worker", "db")
        assert jobs.recover_stale_jobs() == [str(dead.id)]
        assert jobs.recover_stale_jobs() == []  # a second worker finds nothing left to recover
    assert DBTaskResult.objects.get(pk=dead.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=alive.id).status == TaskResultStatus.RUNNING  # still working on it


@override_settings(TASKS=DB_TASKS)
def test_a_job_that_keeps_killing_its_worker_is_failed_for_good():
    with time_machine.travel(T0, tick=False):
        result = jobtasks.slow_mark.enqueue("/tmp/x", 0)
        row = DBTaskResult.objects.get(pk=result.id)
        for n in range(jobs.MAX_RECOVERIES + 1):
            row.claim(f"dead-{n}")
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        assert jobs.recover_stale_jobs() == [str(result.id)]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == "core.jobs.WorkerLost"


@override_settings(TASKS=DB_TASKS)
def test_periodic_claim_and_enqueue_commit_together():
    now = timezone.now()
    names = enqueue_due(now)
    assert set(names) == {s.name for s in schedules()}
    for job in PeriodicJob.objects.all():  # each job marked run has its task row
        assert DBTaskResult.objects.filter(pk=job.last_task_id, task_path=job.name).exists()


@override_settings(TASKS=DB_TASKS)
def test_an_enqueue_that_raises_leaves_the_job_due():
    now = timezone.now()
    target = next(s for s in schedules() if s.name == "audit.tasks.verify_audit_chains")
    with mock.patch.object(type(target.task), "enqueue", side_effect=ConnectionError("redis down")):
        assert enqueue_due(now) == []
    assert not PeriodicJob.objects.filter(last_run_at__isnull=False).exists()  # nothing marked run
    assert not DBTaskResult.objects.exists()
    assert PeriodicJob.objects.filter(next_run_at__lte=now).count() == len(schedules())  # still due
    assert "audit.tasks.verify_audit_chains" in enqueue_due(now)  # the next tick enqueues it


class Gateway:
    sent: list = []
    down = False

    def send(self, notification):
        if Gateway.down:
            raise OSError("gateway down")
        Gateway.sent.append(notification.pk)


@override_settings(LUOSHI_NOTIFY_BACKENDS=["tests.core.test_jobs.Gateway"])
def test_notification_delivery_is_idempotent_per_notification_and_backend():
    Gateway.sent, Gateway.down = [], True
    user = UserFactory()
    rows = Notification.objects.bulk_create(
        [Notification(user=user, kind="t", title=f"n{i}", created_at=timezone.now()) for i in range(2)]
    )
    ids = [row.pk for row in rows]
    with pytest.raises(notify.DeliveryFailed):
        notify.deliver.call(ids)
    assert not NotificationDelivery.objects.exists()  # nothing sent: nothing recorded
    Gateway.down = False
    assert notify.deliver.call(ids) == 2
    assert notify.deliver.call(ids) == 0  # a retried or recovered job sends nothing twice
    assert sorted(Gateway.sent) == sorted(ids)
    assert NotificationDelivery.objects.filter(sent_at__isnull=False).count() == 2


@override_settings(LUOSHI_NOTIFY_BACKENDS=["tests.core.test_jobs.Gateway"])
def test_a_send_begun_by_a_dead_worker_is_taken_over_and_one_in_flight_is_retried_later():
    """kill -9 mid-send leaves a claim without ``sent_at``: the recovered job must send it (not skip it
    as sent) once the claiming worker's heartbeat is gone; while that worker lives, the job is
    retried later instead of finishing as if the message had gone out."""
    Gateway.sent, Gateway.down = [], False
    user = UserFactory()
    note = Notification.objects.create(user=user, kind="t", title="n", created_at=timezone.now())
    name = notify.backend_name(Gateway())
    now = timezone.now()
    NotificationDelivery.objects.create(notification=note, backend=name, claimed_at=now, claimed_by="w-alive")
    jobs.beat("w-alive", "db", now)
    with pytest.raises(notify.DeliveryFailed):
        notify.deliver.call([note.pk])  # the live worker is sending it: try again later
    assert Gateway.sent == []
    with time_machine.travel(now + datetime.timedelta(seconds=120), tick=False):  # its heartbeat is stale
        assert notify.deliver.call([note.pk]) == 1
        assert notify.deliver.call([note.pk]) == 0
    assert Gateway.sent == [note.pk]
    assert NotificationDelivery.objects.get(notification=note).sent_at is not None


def test_healthz_reports_every_check_cheaply(client):
    jobs.beat("w1", "db")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["checks"]) == {"database", "cache", "worker", "periodic", "calendar", "resident_messages"}
    assert body["checks"]["worker"]["ok"] and body["checks"]["cache"]["ok"]
    assert len(queries) <= 5


def test_healthz_warnings_turn_into_503_only_in_strict_mode(client):
    with time_machine.travel(datetime.datetime(2031, 5, 6, 3, tzinfo=datetime.UTC)):  # a fallback year
        response = client.get("/healthz")
        assert response.status_code == 200
        assert set(response.json()["warnings"]) == {"worker", "calendar"}  # no heartbeat; estimated calendar
        assert client.get("/healthz?strict=1").status_code == 503


def test_healthz_fails_when_the_cache_does(client):
    with mock.patch("core.views.cache.set", side_effect=ConnectionError("redis down")):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["errors"] == ["cache"]


def test_worker_heartbeat_is_removed_on_clean_stop():
    jobs.beat("w1", "db")
    jobs.beat("w1", "db")
    assert WorkerHeartbeat.objects.count() == 1
    jobs.stop_beating("w1")
    assert not WorkerHeartbeat.objects.exists()
