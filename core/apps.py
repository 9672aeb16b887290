from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self):
        from django_tasks.signals import task_finished

        from . import jobs

        task_finished.connect(jobs.on_task_finished, dispatch_uid="luoshi-job-retries")
