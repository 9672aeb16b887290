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


class Notification(models.Model):
    """An in-app message to one user (站内通知); also delivered through the configured backends."""

    user = models.ForeignKey(
        "orgs.User", verbose_name="接收人", on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField("类型", max_length=32)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title
