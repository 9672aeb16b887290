"""Credentials and bookkeeping of the public interfaces (接口): personal API tokens, Open311 client
keys, idempotency records of create calls, and webhook subscriptions with their delivery log.

Secrets are never stored: a token or key is shown once when it is issued and only its SHA-256
is kept (the secret has 256 bits of entropy, so a plain hash is enough — no slow KDF needed).
Nothing here is deleted: tokens, keys and subscriptions are revoked/deactivated with a time stamp.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from orgs.models import OrgScopedModel
from orgs.scoping import ALL, ScopedQuerySet, scope_paths


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret(kind: str) -> tuple[str, str]:
    """A fresh ``(prefix, secret)``: ``ls_<prefix>_<random>`` for tokens, ``o311_…`` for keys."""
    prefix = secrets.token_hex(4)
    return prefix, f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"


def new_request_token() -> str:
    return secrets.token_hex(16)


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class OwnedQuerySet(ScopedQuerySet):
    """Credentials are personal: a user sees their own; superusers see all."""

    owner_field = "owner"

    def visible_to(self, user, action: str = "view", where=None):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        queryset = self if where is None else self.filter(where)
        if scope_paths(user, action) is ALL:
            return queryset
        return queryset.filter(**{self.owner_field: user})


class ApiTokenQuerySet(OwnedQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """个人接口令牌: acts as its owner, with exactly the owner's current roles."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="所属用户", on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (ls_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311ClientQuerySet(OwnedQuerySet):
    owner_field = "created_by"

    def visible_to(self, user, action: str = "view", where=None):
        # Client applications are configuration: superusers (system administrators) only.
        if user is not None and getattr(user, "is_authenticated", False) and user.is_superuser:
            return self if where is None else self.filter(where)
        return self.none()


class Open311Client(models.Model):
    """An application allowed to POST service requests over Open311 (its ``api_key``)."""

    name = models.CharField("应用名称", max_length=100)
    contact = models.CharField("联系人/单位", max_length=200, blank=True)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    objects = Open311ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "Open311 客户端"
        verbose_name_plural = "Open311 客户端"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (o311_{self.prefix}_…)"


class Open311RequestQuerySet(ScopedQuerySet):
    scope_field = "case__org_path"


class Open311Request(models.Model):
    """A case that came in through Open311: which client sent it, its token, its media URL."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="open311", verbose_name="事项"
    )
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=40, unique=True, default=new_request_token)
    service_code = models.CharField(max_length=16)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = Open311RequestQuerySet.as_manager()

    class Meta:
        verbose_name = "Open311 请求"
        verbose_name_plural = "Open311 请求"

    def __str__(self):
        return self.token


class IdempotencyKeyQuerySet(OwnedQuerySet):
    owner_field = "user"


class IdempotencyKey(models.Model):
    """One create call per (user, Idempotency-Key): a retry returns the first call's record
    (``endpoint`` names the kind, ``object_id`` its id; ``case`` is also set for cases)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_hash = models.CharField(max_length=64, blank=True)
    case = models.ForeignKey("cases.Case", null=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self):
        return self.key


class WebhookSubscription(OrgScopedModel):
    """An org's URL that receives case events (事项事件推送) in its subtree, signed with ``secret``."""

    url = models.URLField("推送地址", max_length=500)
    events = models.JSONField(
        "事件", default=list, blank=True, help_text="事件代码列表(如 case.closed);留空表示全部事项事件"
    )
    secret = models.CharField(max_length=64, editable=False, default=new_webhook_secret)
    description = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    deactivated_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件推送订阅"
        verbose_name_plural = "事件推送订阅"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.org} → {self.url}"

    def wants(self, action: str) -> bool:
        return not self.events or action in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "已放弃"


class WebhookDeliveryQuerySet(ScopedQuerySet):
    scope_field = "subscription__org_path"


class WebhookDelivery(models.Model):
    """One event for one subscription: attempts with exponential backoff, then given up."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries")
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self):
        return f"{self.subscription_id}:{self.event_id} {self.status}"
