"""The caller, reference data (categories, orgs), tokens, evaluation tables and webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status

from cases.evaluation import GROUPS, evaluate
from cases.models import Category
from orgs.models import Org, OrgKind, RoleGrant
from orgs.roles import Action
from orgs.scoping import ALL, has_scope, scope_paths

from .. import services
from ..errors import ApiError
from ..models import ApiToken, WebhookDelivery, WebhookSubscription
from . import schemas as s

OrgKindCode = Literal[tuple(OrgKind.values)]  # type: ignore[valid-type]
GroupCode = Literal[tuple(GROUPS)]  # type: ignore[valid-type]
MONTH_PATTERN = r"^[2-9][0-9]{3}-(0[1-9]|1[0-2])$"

router = Router()


@router.get("/me", response={200: s.MeOut, **s.ERRORS}, tags=["account"], summary="当前调用者")
def me(request):
    user = request.user
    grants = RoleGrant.objects.current().filter(user=user).select_related("org")
    token = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "name": user.display_name(),
        "is_superuser": user.is_superuser,
        "roles": [
            {"role": g.role, "label": g.get_role_display(), "org": {"id": g.org_id, "name": g.org.name}}
            for g in grants
        ],
        "actions": sorted(a for a in Action.values if scope_paths(user, a) is ALL or scope_paths(user, a)),
        "token": token.prefix if token else None,
    }


# ---------------------------------------------------------------------------------------------
# Reference data


@router.get(
    "/categories", response={200: list[s.CategoryOut], **s.ERRORS}, tags=["reference"], summary="事项分类"
)
def categories(request, public_only: bool = False):
    rows = Category.objects.filter(active=True).select_related("parent")
    if public_only:
        rows = rows.filter(accepts_public=True)
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": str(c),
            "parent_id": c.parent_id,
            "kind": c.kind,
            "accepts_public": c.accepts_public,
            "requires_verification": c.requires_verification,
        }
        for c in rows
    ]


@router.get(
    "/orgs",
    response={200: list[s.OrgOut], **s.ERRORS},
    tags=["reference"],
    summary="可见的组织(派遣、筛选用)",
)
def orgs(
    request,
    kind: OrgKindCode | None = Query(None, description="组织类型代码"),  # noqa: B008
    q: str | None = Query(None, max_length=50),
    limit: int = Query(500, ge=1, le=2000),
):
    rows = Org.objects.visible_to(request.user).filter(archived_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(name__icontains=q.strip())
    result = []
    for org in rows.order_by("path")[:limit]:
        parent = org.path[: -Org.steplen] if org.depth > 1 else None
        result.append(
            {
                "id": org.pk,
                "name": org.name,
                "kind": org.kind,
                "path": org.path,
                "parent_id": None,
                "_parent": parent,
            }
        )
    by_path = {row["path"]: row["id"] for row in result}
    missing = {row["_parent"] for row in result if row["_parent"] and row["_parent"] not in by_path}
    by_path.update(dict(Org.objects.filter(path__in=missing).values_list("path", "pk")))
    for row in result:
        row["parent_id"] = by_path.get(row.pop("_parent")) if row["_parent"] else None
    return result


# ---------------------------------------------------------------------------------------------
# Personal tokens


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/tokens", response={200: list[s.TokenOut], **s.ERRORS}, tags=["account"], summary="我的接口令牌")
def list_tokens(request):
    return [_token_out(t) for t in ApiToken.objects.visible_to(request.user).filter(owner=request.user)]


@router.post(
    "/tokens",
    response={201: s.TokenCreatedOut, **s.ERRORS},
    tags=["account"],
    summary="创建接口令牌(明文只返回一次)",
)
def create_token(request, payload: s.TokenCreateIn):
    token, raw = services.issue_token(owner=request.user, name=payload.name, actor=request.user)
    return Status(201, {**_token_out(token), "token": raw})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: s.TokenOut, **s.ERRORS},
    tags=["account"],
    summary="吊销接口令牌",
)
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=token_id)
    return _token_out(services.revoke_token(token, actor=request.user))


# ---------------------------------------------------------------------------------------------
# Evaluation tables (综合评价)


@router.get(
    "/evaluation", response={200: s.EvaluationOut, **s.ERRORS}, tags=["evaluation"], summary="月度考核排名"
)
def evaluation(
    request,
    month: str | None = Query(None, pattern=MONTH_PATTERN, description="月份 YYYY-MM(2000 年起),默认本月"),
    group: GroupCode = "department",
):
    """The same ``cases.evaluation.evaluate`` table as the rankings page, limited to the units
    the caller can see; needs the supervise (督查督办) action somewhere."""
    if not has_scope(request.user, "supervise"):
        raise ApiError(403, "forbidden", "只有督查督办人员可以查看考核排名")
    if month:
        year, number = (int(part) for part in month.split("-"))
        first = dt.date(year, number, 1)
    else:
        first = timezone.localdate().replace(day=1)
    rows = evaluate(first, group)
    visible = set(
        Org.objects.visible_to(request.user)
        .filter(pk__in=[r.unit.pk for r in rows])
        .values_list("pk", flat=True)
    )
    return {
        "month": f"{first:%Y-%m}",
        "group": group,
        "rows": [
            {
                "rank": r.rank,
                "unit": {"id": r.unit.pk, "name": r.unit.name},
                "closed": r.closed,
                "callbacks": r.callbacks,
                "dispatched": r.dispatched,
                "returned": r.returned,
                "rates": r.rates,
                "score": r.score,
            }
            for r in rows
            if r.unit.pk in visible
        ],
    }


# ---------------------------------------------------------------------------------------------
# Webhooks (事件推送)


def _webhook_out(sub: WebhookSubscription) -> dict:
    return {
        "id": sub.pk,
        "org": {"id": sub.org_id, "name": sub.org.name},
        "url": sub.url,
        "events": sub.events,
        "description": sub.description,
        "created_at": sub.created_at,
        "deactivated_at": sub.deactivated_at,
    }


def _subscriptions(request):
    return WebhookSubscription.objects.visible_to(request.user).select_related("org")


@router.get(
    "/webhooks", response={200: list[s.WebhookOut], **s.ERRORS}, tags=["webhooks"], summary="事件推送订阅"
)
def list_webhooks(request):
    return [_webhook_out(sub) for sub in _subscriptions(request)]


@router.post(
    "/webhooks",
    response={201: s.WebhookCreatedOut, **s.ERRORS},
    tags=["webhooks"],
    summary="新建订阅(返回签名密钥)",
)
def create_webhook(request, payload: s.WebhookIn):
    org = get_object_or_404(
        Org.objects.visible_to(request.user).filter(archived_at__isnull=True), pk=payload.org
    )
    sub = services.subscribe_webhook(
        org=org,
        url=payload.url,
        actor=request.user,
        event_codes=payload.events,
        description=payload.description,
    )
    return Status(201, {**_webhook_out(sub), "secret": sub.secret})


@router.post(
    "/webhooks/{webhook_id}/deactivate",
    response={200: s.WebhookOut, **s.ERRORS},
    tags=["webhooks"],
    summary="停用订阅",
)
def deactivate_webhook(request, webhook_id: int):
    sub = get_object_or_404(_subscriptions(request), pk=webhook_id)
    return _webhook_out(services.deactivate_webhook(sub, actor=request.user))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: list[s.DeliveryOut], **s.ERRORS},
    tags=["webhooks"],
    summary="推送记录",
)
def deliveries(request, webhook_id: int, limit: int = Query(100, ge=1, le=500)):
    sub = get_object_or_404(_subscriptions(request), pk=webhook_id)
    rows = (
        WebhookDelivery.objects.filter(subscription=sub)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )
    return [
        {
            "id": d.pk,
            "event_action": d.event.action,
            "case_number": d.event.subject_label.split(" ")[0],
            "status": d.status,
            "attempts": d.attempts,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at,
            "delivered_at": d.delivered_at,
            "created_at": d.created_at,
        }
        for d in rows[:limit]
    ]
