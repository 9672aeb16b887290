"""``luoshi worker``: run background tasks and the in-code periodic schedule in one process.

- ``LUOSHI_TASKS_BACKEND=db`` (default): django-tasks-db's ``db_worker`` loop.
- ``LUOSHI_TASKS_BACKEND=rq``: rq's worker with django-tasks-rq's job class
  (``django_tasks_rq.Job``, which calls the ``Task`` instead of treating it as a function) and rq's
  scheduler (retries with backoff and ``run_after`` jobs). It is rq's ``SimpleWorker``: jobs run in
  this process, where Django is set up once. rq 3's ``Worker`` starts each job in a fresh
  interpreter that never calls ``django.setup()``, which a Django task cannot run in. rq's
  scheduler runs here in a thread (``RQSchedulerThread``), not in the process rq would fork:
  forking a process that has threads can deadlock the child (it hung the worker's exit in tests).

A maintenance thread beats the worker's heartbeat (``LUOSHI_WORKER_HEARTBEAT_SECONDS``), enqueues
due periodic jobs (``--tick``) and recovers the jobs of dead workers (``core.jobs``).
"""

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core import jobs
from core.periodic import enqueue_due

log = logging.getLogger(__name__)


class Maintenance(threading.Thread):
    def __init__(self, worker_id: str, backend: str, tick: float):
        super().__init__(name="luoshi-maintenance", daemon=True)
        self.worker_id, self.backend, self.tick = worker_id, backend, tick
        self.stop = threading.Event()

    def run(self):
        beat_every = settings.LUOSHI_WORKER_HEARTBEAT_SECONDS
        next_schedule = 0.0
        next_prune = time.monotonic() + 3600
        while not self.stop.is_set():
            try:
                jobs.beat(self.worker_id, self.backend)
                if time.monotonic() >= next_schedule:
                    next_schedule = time.monotonic() + self.tick
                    enqueue_due()
                    jobs.recover_stale_jobs()
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + 3600
                    jobs.prune_heartbeats()
            except Exception:  # keep the loop alive; the error is logged
                log.exception("worker maintenance failed")
            finally:
                close_old_connections()
            self.stop.wait(min(beat_every, self.tick))
        try:  # a clean stop: this worker's jobs are finished, its heartbeat goes
            jobs.stop_beating(self.worker_id)
        except Exception:
            log.exception("could not remove the worker heartbeat")
        finally:
            close_old_connections()


class RQSchedulerThread(threading.Thread):
    """rq's scheduler loop (``RQScheduler.work`` without the fork): whichever worker holds a
    queue's scheduler lock moves its due scheduled jobs (retries, ``run_after``) to the queue."""

    def __init__(self, queues, connection):
        super().__init__(name="luoshi-rq-scheduler", daemon=True)
        from rq.scheduler import RQScheduler

        self.scheduler = RQScheduler(queues, connection=connection, interval=1)
        self.stop = threading.Event()

    def step(self):
        scheduler = self.scheduler
        if not scheduler.acquired_locks or scheduler.should_reacquire_locks:
            scheduler.acquire_locks()
        if scheduler.acquired_locks:
            scheduler.heartbeat()
            scheduler.enqueue_scheduled_jobs()

    def run(self):
        while not self.stop.is_set():
            try:
                self.step()
            except Exception:
                log.exception("rq scheduler step failed")
            self.stop.wait(self.scheduler.interval)
        self.scheduler.release_locks()


def worker_class():
    from rq import SimpleWorker

    class LuoshiWorker(SimpleWorker):
        """rq's ``SimpleWorker`` whose command channel (pubsub) thread polls every second instead of
        blocking for 60 s: closing the channel at shutdown waits for that read, which held a stopping
        worker for up to a minute (seen in tests)."""

        def subscribe(self):
            self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # rq types it None
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    return LuoshiWorker


class Command(BaseCommand):
    help = "运行后台任务进程(任务队列 + 定时任务)"

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=15.0, help="检查定时任务的间隔(秒)")
        parser.add_argument("--burst", action="store_true", help="处理完队列中的任务后退出(测试用)")

    def handle(self, *args, tick, burst, **options):
        kind = jobs.backend_kind()
        worker_id = jobs.new_worker_id()
        jobs.CURRENT_WORKER = worker_id  # jobs of this process claim their side effects under it
        maintenance = Maintenance(worker_id, kind, tick)
        maintenance.start()
        backend = settings.TASKS["default"]["BACKEND"]
        self.stdout.write(f"[luoshi worker] 后台任务进程已启动({backend},{worker_id})")
        self.stdout.flush()
        try:
            if kind == "rq":
                self.run_rq(worker_id, burst)
            else:
                call_command(
                    "db_worker",
                    interval=1.0,
                    reload=False,
                    worker_id=worker_id,
                    batch=burst,
                    queue_name=",".join(settings.TASKS["default"].get("QUEUES", ["default"])),
                )
        except KeyboardInterrupt:
            pass
        finally:
            maintenance.stop.set()
            maintenance.join(timeout=30)

    def run_rq(self, worker_id: str, burst: bool):
        import django_rq
        from django_rq.workers import get_exception_handlers
        from django_tasks_rq.backend import Job

        queues = [
            django_rq.get_queue(name, job_class=Job)
            for name in settings.TASKS["default"].get("QUEUES", ["default"])
        ]
        worker = worker_class()(
            queues,
            connection=queues[0].connection,
            job_class=Job,
            name=worker_id,
            exception_handlers=get_exception_handlers() or None,
        )
        scheduler = RQSchedulerThread(queues, queues[0].connection)
        scheduler.step()  # due scheduled jobs first (a burst worker then runs them)
        if not burst:
            scheduler.start()
        close_old_connections()
        try:
            worker.work(burst=burst, logging_level="INFO")
        finally:
            scheduler.stop.set()
            if scheduler.is_alive():
                scheduler.join(timeout=3)
            else:
                scheduler.scheduler.release_locks()
