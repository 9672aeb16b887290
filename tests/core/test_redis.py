"""Against a real Redis (127.0.0.1:6379; DB 7 for RQ, DB 8 for the cache; skipped without Redis,
CI has it): the shared rate-limit counter, and RQ workers running in subprocesses — the job class,
retries, and a worker killed with SIGKILL mid-job whose job another worker then completes."""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from core import jobs, ratelimit
from core.periodic import schedules

from . import jobtasks

REDIS = "redis://127.0.0.1:6379"
RQ_DB, CACHE_DB = 7, 8


def redis_client(db: int):
    import redis

    return redis.Redis.from_url(f"{REDIS}/{db}", socket_connect_timeout=1)


def redis_up() -> bool:
    try:
        return bool(redis_client(RQ_DB).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not redis_up(), reason="Redis is not reachable on 127.0.0.1:6379")

RQ_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "core.jobs.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": f"{REDIS}/{RQ_DB}"}},
    "INSTALLED_APPS": [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"],
}


@pytest.fixture
def redis_cache():
    client = redis_client(CACHE_DB)
    client.flushdb()
    cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{REDIS}/{CACHE_DB}",
        }
    }
    with override_settings(CACHES=cache):
        yield
    client.flushdb()


def test_parallel_hits_on_a_shared_cache_allow_exactly_the_limit(redis_cache):
    allowed, refused = [], []
    start = threading.Barrier(40)

    def post():
        start.wait()
        try:
            ratelimit.hit("portal-report", "10.0.0.9", [(5, 3600), (20, 86400)])
            allowed.append(1)
        except ratelimit.RateLimited as limited:
            refused.append(limited.retry_after)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 5 and len(refused) == 35
    # Refused requests were given back: the day's window counted only the five.
    day = ratelimit._window("portal-report", "10.0.0.9", 86400, time.time())
    from django.core.cache import cache

    assert cache.get(day.key) == 5


def test_report_page_limit_holds_on_redis(redis_cache, client, db):
    from django.core.cache import cache

    for _ in range(5):
        ratelimit.hit("portal-report", "127.0.0.1", [(5, 3600), (20, 86400)])
    response = client.post("/report/", {"description": "x"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert cache.get(ratelimit._window("portal-report", "127.0.0.1", 3600, time.time()).key) == 5


# --- RQ workers in subprocesses ------------------------------------------------------------------


def worker_env(tmp_path, backend: str, **extra) -> dict:
    """Environment for a ``luoshi worker`` subprocess and its database: on SQLite a file copy of
    the in-memory test database as it is now, on PostgreSQL the test database itself. The tests
    are marked django_db(transaction=True): no transaction is open, the worker sees what the test
    committed, and what the worker writes is flushed afterwards."""
    from core.models import PeriodicJob

    # No periodic job is due: the tests watch their own jobs.
    PeriodicJob.objects.bulk_create(
        [
            PeriodicJob(name=s.name, next_run_at=timezone.now() + datetime.timedelta(days=365))
            for s in schedules()
        ],
        ignore_conflicts=True,
    )
    if connection.vendor == "sqlite":
        path = tmp_path / f"worker-{time.monotonic_ns()}.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        target.executescript("\n".join(connection.connection.iterdump()))
        target.close()
        db_url = f"sqlite:///{path}"
    else:
        s = connection.settings_dict
        db_url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LUOSHI_", "PYTEST", "DJANGO_")) and key != "COV_CORE_SOURCE"
    }
    env.update(
        LUOSHI_DEBUG="1",
        LUOSHI_TASKS_BACKEND=backend,
        LUOSHI_REDIS_URL=f"{REDIS}/{RQ_DB}",
        LUOSHI_DATABASE_URL=db_url,
        LUOSHI_VAR_DIR=str(tmp_path / "var"),
        LUOSHI_WORKER_HEARTBEAT_SECONDS="1",
        **extra,
    )
    return env


@pytest.fixture
def rq_env(tmp_path):
    client = redis_client(RQ_DB)
    client.flushdb()
    with override_settings(**RQ_SETTINGS):
        yield worker_env(tmp_path, "rq")
    client.flushdb()


def start_worker(env, *args):
    log = Path(env["LUOSHI_VAR_DIR"]).parent / f"worker-{time.monotonic_ns()}.log"
    log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--tick", "3600", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killpg takes the whole worker down
    )
    process.log = log
    return process


def finish(process, seconds: float) -> str:
    """Wait for a burst worker to exit; kill it if it does not. Returns its output."""
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
        Path("/tmp/wtjobs_fail.log").write_text(process.log.read_text())
        raise AssertionError(f"worker did not finish: {process.log.read_text()[-3000:]}") from None
    return process.log.read_text()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_job_killed_with_its_worker_is_completed_by_another_worker(rq_env, tmp_path):
    from django_tasks_rq.backend import Job
    from rq.job import JobStatus

    marks = tmp_path / "marks.txt"
    result = jobtasks.slow_mark.enqueue(str(marks), 3)
    first = start_worker(rq_env)
    try:
        wait_for(lambda: lines(marks) == ["start"], 20, "the first worker to start the job")
        os.killpg(first.pid, signal.SIGKILL)  # kill -9, mid-job
        first.wait(5)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    job = Job.fetch(result.id, connection=redis_client(RQ_DB))
    assert job.get_status() == JobStatus.STARTED  # the job is left "running" by a dead worker
    # rq notices once the execution's heartbeat has expired (job timeout + 60 s); instead of
    # waiting, the test runs the scheduler's recovery step as if an hour had passed. The worker
    # wrote its heartbeat on the real clock, not the tests' frozen one: measure from the real now,
    # or the test would depend on the time of day it runs at.
    real_now = datetime.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=datetime.UTC)
    assert jobs.recover_stale_jobs(real_now + datetime.timedelta(hours=1)) == [result.id]
    assert job.get_status(refresh=True) == JobStatus.QUEUED  # requeued, not failed
    second = start_worker(rq_env, "--burst")
    out = finish(second, 40)
    assert second.returncode == 0, out
    assert lines(marks) == ["start", "start", "done"]  # run again to completion, exactly once
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert jobs.list_jobs(failed=True) == []


@pytest.mark.django_db(transaction=True)
def test_rq_worker_runs_tasks_and_retries_failures_with_backoff(rq_env, tmp_path):
    from django_tasks_rq.backend import Job
    from rq.job import JobStatus

    marks = tmp_path / "marks.txt"
    ok = jobtasks.slow_mark.enqueue(str(marks), 0)
    flaky = jobtasks.flaky.enqueue("x")
    job = Job.fetch(flaky.id, connection=redis_client(RQ_DB))
    assert job.retries_left == 2 and job.retry_intervals == [10, 20]  # from @retry(retries=2, backoff=10)
    worker = start_worker(rq_env, "--burst")
    out = finish(worker, 40)
    assert worker.returncode == 0, out
    assert "not callable" not in out
    assert lines(marks) == ["start", "done"]
    assert Job.fetch(ok.id, connection=redis_client(RQ_DB)).get_status() == JobStatus.FINISHED
    job = Job.fetch(flaky.id, connection=redis_client(RQ_DB))
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 1  # retried in 10 s
    # luoshi jobs: an operator requeues a failed job
    assert jobs.requeue([flaky.id]) == []  # scheduled for its retry, not failed: left alone


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
def test_database_backend_a_job_killed_with_its_worker_is_completed_by_another_worker(tmp_path):
    """The same on the database backend: the second worker's maintenance finds the RUNNING row of
    a worker without heartbeat and puts it back to READY; the second worker then runs it."""
    marks = tmp_path / "marks.txt"
    result = jobtasks.slow_mark.enqueue(str(marks), 3)
    env = worker_env(tmp_path, "db", LUOSHI_WORKER_STALE_SECONDS="2")
    first = start_worker(env, "--tick", "1")
    try:
        wait_for(lambda: lines(marks) == ["start"], 20, "the first worker to start the job")
        os.killpg(first.pid, signal.SIGKILL)  # kill -9, mid-job
        first.wait(5)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    second = start_worker(env, "--tick", "1")
    try:
        wait_for(
            lambda: lines(marks) == ["start", "start", "done"], 25, "the second worker to finish the job"
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)  # a clean stop
        finish(second, 10)
    if connection.vendor == "sqlite":
        db = sqlite3.connect(env["LUOSHI_DATABASE_URL"].removeprefix("sqlite:///"))
        status, workers = db.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = ?",
            [result.id.replace("-", "")],
        ).fetchone()
        heartbeats = db.execute("SELECT count(*) FROM core_workerheartbeat").fetchone()[0]
        db.close()
    else:
        from django_tasks_db.models import DBTaskResult

        from core.models import WorkerHeartbeat

        row = DBTaskResult.objects.get(pk=result.id)
        status, workers, heartbeats = row.status, row.worker_ids, WorkerHeartbeat.objects.count()
    assert status == "SUCCESSFUL" and len(json.loads(workers) if isinstance(workers, str) else workers) == 2
    assert heartbeats == 1  # the killed worker's; the one stopped cleanly removed its own


@pytest.mark.django_db(transaction=True)
def test_healthz_checks_the_queue_on_rq(rq_env, client):
    body = client.get("/healthz").json()
    assert body["checks"]["queue"] == {"ok": True}
    with override_settings(RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:1/7"}}):
        response = client.get("/healthz?strict=1")
    assert response.status_code == 503 and "queue" in response.json()["warnings"]
