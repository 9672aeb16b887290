"""Append-only, hash-chained audit events (审计日志).

Each event records who (actor, the org they acted for), did what (a registered action code), to
which subject, why (reason), the before/after values, when, and in which request. Events of one
subject form a chain: each holds the hash of the previous one, and ``AuditHead`` keeps the hash
and count of the last, sealed with the audit key (``audit.keys``), so that altering, deleting (even
the last), inserting, reordering or recomputing events is detected by ``luoshi audit verify``.
``AuditCheckpoint`` rows, written periodically and sealed with the same key, record every chain's
length and a root over all heads, so that a deleted or truncated chain is detected too. Database
triggers (``audit.guard``) refuse UPDATE and DELETE of events and checkpoints, and any head update
but a forward one, whatever the client.

Hash versions (``AuditEvent.hash_version``): 1 is the original canonical form, without the subject
label and the actor's name; 2 (every event written since) covers every field shown anywhere (the
timeline, the API and the admin show ``actor_label`` and ``subject_label``). Events written before
version 2 keep their version-1 hash: re-hashing them would bless whatever they hold now.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.scoping import ScopedQuerySet

from . import events


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(ScopedQuerySet):
    scope_field = "scope_path"

    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加,不能修改")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加,不能删除")

    def visible_to(self, user, action: str = "view", where=None):
        """The scoped log, without the subject types an app restricts (``events.restrict_subjects``)."""
        queryset = super().visible_to(user, action, where)
        for prefix in events.restricted_prefixes():
            queryset = queryset.exclude(subject_type__startswith=prefix)
        return queryset

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
    hash_version = models.PositiveSmallIntegerField(default=2)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "seq"], name="audit_subject_seq"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.action} {self.subject_label}"

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
    """The last event of each subject's chain (guards against truncating the chain's tail).

    ``mac`` seals (subject, seq, last_hash, flagged_seq) with the audit key whose id is ``key_id``.
    ``flagged_seq`` is sticky: when ``record`` finds a head whose seal does not verify, it goes on
    writing (the service must not fail) but keeps the chain length at which the seal was found
    broken, inside the new seal, so extending a rewound or recomputed chain never blesses it.
    """

    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)
    flagged_seq = models.PositiveIntegerField(default=0)
    key_id = models.CharField(max_length=16, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="audit_head_subject"),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} #{self.seq}"


class CheckpointQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计检查点只能追加,不能修改")

    def delete(self):
        raise AppendOnlyError("审计检查点只能追加,不能删除")


class AuditCheckpoint(models.Model):
    """A signed snapshot of every chain head (``audit.checkpoints``).

    ``counts`` is zlib-compressed JSON ``{subject_type: {subject_id: seq}}``; ``root`` is the
    SHA-256 over the sorted lines ``[subject_type, subject_id, seq, last_hash]``; ``mac`` seals all
    of it together with the previous checkpoint's ``mac`` (so checkpoints form a chain too).
    """

    seq = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField("时间")
    chains = models.PositiveIntegerField("审计链数")
    events = models.PositiveBigIntegerField("事件总数")
    root = models.CharField(max_length=64)
    counts = models.BinaryField()
    counts_sha256 = models.CharField(max_length=64)
    prev_mac = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        verbose_name = "审计检查点"
        verbose_name_plural = "审计检查点"
        ordering = ["seq"]

    def __str__(self):
        at = timezone.localtime(self.created_at)
        return f"#{self.seq} {at:%Y-%m-%d %H:%M} {self.chains} 条链 {self.events} 条事件"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计检查点只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计检查点只能追加,不能删除")


HASH_VERSION = 2  # the version record() writes


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(event: AuditEvent) -> str:
    """The event's SHA-256 under its ``hash_version`` (1: without the labels; 2: every field)."""
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
    if event.hash_version == 2:
        payload.update(v=2, subject_label=event.subject_label, actor_label=event.actor_label)
    elif event.hash_version != 1:
        return ""  # unknown version: never matches
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()
