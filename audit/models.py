"""Append-only, hash-chained audit events (审计日志).

Each event records who (actor, the org they acted for), did what (a registered action code), to
which subject, why (reason), the before/after values, when, and in which request. Events of one
subject form a chain: each holds the hash of the previous one, and ``AuditHead`` keeps the hash
and count of the last, so that altering, deleting (even the last), inserting or reordering events
is detected by ``luoshi audit verify``.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from orgs.scoping import ScopedQuerySet


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(ScopedQuerySet):
    scope_field = "scope_path"

    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加,不能修改")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加,不能删除")

    def for_subject(self, obj):
        return self.filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk))


class AuditEvent(models.Model):
    subject_type = models.CharField("对象类型", max_length=64)
    subject_id = models.CharField("对象编号", max_length=64)
    subject_label = models.CharField("对象", max_length=200, blank=True)
    seq = models.PositiveIntegerField("序号")
    action = models.CharField("事件", max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人姓名", max_length=100, blank=True)
    actor_org = models.ForeignKey(
        "orgs.Org",
        verbose_name="操作人单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField(max_length=255, blank=True, db_index=True)
    reason = models.TextField("原因/说明", blank=True)
    before = models.JSONField("变更前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("变更后", null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "seq"], name="audit_subject_seq"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加,不能删除")

    def compute_hash(self) -> str:
        return event_hash(self)

    @property
    def action_label(self) -> str:
        from .events import label_for

        return label_for(self.action)


class AuditHead(models.Model):
    """The last event of each subject's chain (guards against truncating the chain's tail)."""

    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="audit_head_subject"),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} #{self.seq}"


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(event: AuditEvent) -> str:
    payload = {
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor_id,
        "actor_org": event.actor_org_id,
        "scope_path": event.scope_path,
        "reason": event.reason,
        # Round-trip through JSON so the hash is computed on what the database returns.
        "before": json.loads(_canonical(event.before)),
        "after": json.loads(_canonical(event.after)),
        "created_at": event.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()
