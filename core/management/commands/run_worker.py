"""``luoshi worker``: run background tasks and the in-code periodic schedule in one process."""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core.periodic import enqueue_due


class Command(BaseCommand):
    help = "运行后台任务进程(任务队列 + 定时任务)"

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=15.0, help="检查定时任务的间隔(秒)")

    def handle(self, *args, tick, **options):
        stop = threading.Event()

        def scheduler():
            while not stop.is_set():
                try:
                    enqueue_due()
                except Exception:  # keep the loop alive; the error is logged
                    logging.getLogger(__name__).exception("periodic scheduling failed")
                finally:
                    close_old_connections()
                stop.wait(tick)

        thread = threading.Thread(target=scheduler, name="luoshi-periodic", daemon=True)
        thread.start()
        backend = settings.TASKS["default"]["BACKEND"]
        self.stdout.write(f"[luoshi worker] 后台任务进程已启动({backend})")
        try:
            if backend.startswith("django_tasks_rq"):
                call_command("rqworker", "default", with_scheduler=False)
            else:
                call_command("db_worker", interval=1.0, reload=False)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            thread.join(timeout=2)
