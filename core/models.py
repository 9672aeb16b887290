from django.conf import settings
from django.db import models
from django.utils import timezone


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


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life, written every few seconds (``core.jobs.beat``). The jobs
    of a worker silent for longer than ``LUOSHI_WORKER_STALE_SECONDS`` are handed to another
    worker; ``/healthz`` reports the youngest heartbeat's age."""

    worker_id = models.CharField("进程", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=100)
    pid = models.IntegerField("进程号")
    backend = models.CharField("队列", max_length=10)
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台进程心跳"
        verbose_name_plural = "后台进程心跳"

    def __str__(self):
        return self.worker_id


class NotificationDelivery(models.Model):
    """One notification sent through one backend: the key that makes delivery idempotent. A retried
    or recovered delivery job skips the pairs recorded here (``sent_at`` set); a claim without
    ``sent_at`` is a send in progress (or one cut off by a dead worker)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    backend = models.CharField("渠道", max_length=100)
    claimed_at = models.DateTimeField("开始发送")
    claimed_by = models.CharField("发送进程", max_length=64, blank=True, default="")
    sent_at = models.DateTimeField("已发送", null=True, blank=True)

    class Meta:
        verbose_name = "通知发送记录"
        verbose_name_plural = "通知发送记录"
        constraints = [
            models.UniqueConstraint(fields=["notification", "backend"], name="notification_delivery_once")
        ]

    def __str__(self):
        return self.key

    @property
    def key(self) -> str:
        """Idempotency key a gateway may use to drop a repeated send."""
        return f"luoshi-notify-{self.notification_id}-{self.backend.rsplit('.', 1)[-1]}"


# ---------------------------------------------------------------------------------------------
# Abstract mixins shared by the apps' models


class Decided(models.Model):
    """An approval's decision: who decided (审批人; None for the system), when, and the opinion.

    ``decision_note`` holds at most 200 characters; a model allowing more declares its own."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        abstract = True


class Attachment(models.Model):
    """An uploaded file's record: its original name, size and upload time. The model declares
    ``file`` itself (each app stores its files under its own ``upload_to`` path)."""

    name = models.CharField("原文件名", max_length=150)
    size = models.PositiveIntegerField("大小(字节)")
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        abstract = True


class DocNumberCounter(models.Model):
    """The last sequence number of one document series in one year (文号计数): the series is the
    printed stem — the issuer's prefix (发文代字) and the document word, e.g. 岳督办 — so the notices
    of every app issued by one office share one sequence (岳督办〔2026〕12号) and a number is never
    issued twice."""

    stem = models.CharField("文号字头", max_length=24)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号计数"
        verbose_name_plural = "文号计数"
        constraints = [models.UniqueConstraint(fields=["stem", "year"], name="doc_number_series_once")]

    def __str__(self):
        return f"{self.stem}〔{self.year}〕{self.last}号"
