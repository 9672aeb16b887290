"""Issuing and revoking credentials of the public interfaces, and webhook subscriptions.

One function per action, each in one transaction with one audit event; the token page, the
REST API and the ``api_token`` / ``open311_client`` commands all call these. Secrets are
returned once by the issuing function and never stored.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q

from audit import events
from audit.services import record
from core import clock
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.models import Org
from orgs.permissions import require_everywhere
from orgs.scoping import can

from .models import ApiToken, Open311Client, WebhookSubscription, hash_secret, new_secret

E = events.register
TOKEN_CREATED = E("api_token.created", "创建接口令牌")
TOKEN_REVOKED = E("api_token.revoked", "吊销接口令牌")
CLIENT_CREATED = E("open311_client.created", "登记Open311客户端")
CLIENT_REVOKED = E("open311_client.revoked", "吊销Open311客户端密钥")
WEBHOOK_CREATED = E("webhook.created", "新建事件推送订阅")
WEBHOOK_DEACTIVATED = E("webhook.deactivated", "停用事件推送订阅")

# ``last_used_at`` is refreshed at most this often, so a busy token does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def _name(value: str, field: str, label: str, limit: int = 100) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(f"请填写{label}", field=field)
    if len(value) > limit:
        raise ServiceError(f"{label}不能超过{limit}字", field=field)
    return value


# ---------------------------------------------------------------------------------------------
# Personal API tokens (个人接口令牌)


@transaction.atomic
def issue_token(*, owner, name: str, actor) -> tuple[ApiToken, str]:
    """A new token for ``owner``; returns the row and the secret, which is never shown again.

    ``actor`` None is the system (the management command run by an operator)."""
    if not is_system(actor) and actor.pk != owner.pk and not actor.is_superuser:
        raise PermissionDenied("只能为自己创建接口令牌")
    if not owner.is_active:
        raise ServiceError("该用户已停用,不能创建令牌", field="owner")
    name = _name(name, "name", "令牌名称")
    if ApiToken.objects.filter(owner=owner).active().count() >= MAX_ACTIVE_TOKENS:
        raise ServiceError(f"每个用户最多{MAX_ACTIVE_TOKENS}个有效令牌,请先吊销不用的令牌", field="name")
    prefix, raw = new_secret("ls")
    token = ApiToken.objects.create(
        owner=owner, name=name, prefix=prefix, token_hash=hash_secret(raw), created_at=clock.now()
    )
    record(token, TOKEN_CREATED, actor=actor, after={"owner": owner.username, "name": name, "prefix": prefix})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, actor, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not is_system(actor) and actor.pk != token.owner_id and not actor.is_superuser:
        raise PermissionDenied("只能吊销自己的接口令牌")
    if token.revoked_at is not None:
        raise StateConflict("该令牌已吊销")
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    record(token, TOKEN_REVOKED, actor=actor, reason=reason, after={"prefix": token.prefix})
    return token


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token for a presented secret (owner active), refreshing ``last_used_at``."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("owner")
        .filter(token_hash=hash_secret(raw), owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# ---------------------------------------------------------------------------------------------
# Open311 client applications (Open311 客户端密钥)


@transaction.atomic
def issue_open311_client(*, name: str, contact: str = "", actor) -> tuple[Open311Client, str]:
    require_everywhere(actor, "change", "只有系统管理员可以登记Open311客户端")
    name = _name(name, "name", "应用名称")
    contact = (contact or "").strip()[:200]
    prefix, raw = new_secret("o311")
    client = Open311Client.objects.create(
        name=name,
        contact=contact,
        prefix=prefix,
        key_hash=hash_secret(raw),
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(client, CLIENT_CREATED, actor=actor, after={"name": name, "contact": contact, "prefix": prefix})
    return client, raw


@transaction.atomic
def revoke_open311_client(client: Open311Client, *, actor, reason: str = "") -> Open311Client:
    require_everywhere(actor, "change", "只有系统管理员可以吊销Open311客户端")
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise StateConflict("该客户端密钥已吊销")
    client.revoked_at = clock.now()
    client.save(update_fields=["revoked_at"])
    record(client, CLIENT_REVOKED, actor=actor, reason=reason, after={"prefix": client.prefix})
    return client


def authenticate_open311(raw: str) -> Open311Client | None:
    if not raw or len(raw) > 200:
        return None
    client = Open311Client.objects.filter(key_hash=hash_secret(raw), revoked_at__isnull=True).first()
    if client is not None:
        now = clock.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


# ---------------------------------------------------------------------------------------------
# Webhook subscriptions (事件推送订阅)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("推送地址须为 http:// 或 https:// 开头的完整网址", field="url")
    if len(url) > 500:
        raise ServiceError("推送地址不能超过500字符", field="url")
    return url


@transaction.atomic
def subscribe_webhook(
    *, org: Org, url: str, actor, event_codes=(), description: str = ""
) -> WebhookSubscription:
    """An org (the actor must be able to change it) subscribes ``url`` to the case events of
    its subtree. Deliveries are signed with the returned subscription's ``secret``."""
    if not is_system(actor) and not can(actor, "change", org) and not can(actor, "dispatch", org):
        raise PermissionDenied("您没有为该组织订阅事件推送的权限")
    url = _check_url(url)
    codes = sorted({code.strip() for code in event_codes or () if code and code.strip()})
    unknown = [code for code in codes if not (code.startswith("case.") and events.is_registered(code))]
    if unknown:
        raise ServiceError(f"未知的事件代码:{'、'.join(unknown)}", field="events")
    subscription = WebhookSubscription.objects.create(
        org=org,
        url=url,
        events=codes,
        description=(description or "").strip()[:200],
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(subscription, WEBHOOK_CREATED, actor=actor, after={"url": url, "events": codes})
    return subscription


@transaction.atomic
def deactivate_webhook(subscription: WebhookSubscription, *, actor, reason: str = "") -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",))
        .select_related("org")
        .get(pk=subscription.pk)
    )
    if (
        not is_system(actor)
        and not can(actor, "change", subscription.org)
        and not can(actor, "dispatch", subscription.org)
    ):
        raise PermissionDenied("您没有停用该订阅的权限")
    if subscription.deactivated_at is not None:
        raise StateConflict("该订阅已停用")
    subscription.deactivated_at = clock.now()
    subscription.save(update_fields=["deactivated_at"])
    record(subscription, WEBHOOK_DEACTIVATED, actor=actor, reason=reason, after={"url": subscription.url})
    return subscription
