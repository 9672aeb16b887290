from django.db import models


class PeriodicJob(models.Model):
    """When each periodic job (kept in code, ``core.periodic``) is next due. Several workers share
    this table; a job is claimed by a conditional UPDATE, so it runs once per period."""

    name = models.CharField("任务", max_length=100, unique=True)
    next_run_at = models.DateTimeField("下次运行")
    last_run_at = models.DateTimeField("上次运行", null=True, blank=True)
    last_task_id = models.CharField("上次任务编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self):
        return self.name
