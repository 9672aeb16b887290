from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from django_tasks.signals import task_finished

        from . import (
            checks,  # noqa: F401 - registers the deployment checks
            jobs,
        )

        task_finished.connect(jobs.on_task_finished, dispatch_uid="luoshi-job-retries")
