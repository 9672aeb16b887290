"""Idempotency keys for create endpoints (幂等键): a retried POST never creates two records.

``run(request, response, key, payload, endpoint, create, replay)``: without a key it just creates.
With one, the key's row is reserved inside the create's transaction (a concurrent request with the
same key waits on the unique index); a retry with the same body gets the first record again (header
``Idempotent-Replayed: true``), the same key with a different body or another endpoint is a 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated

from django.db import IntegrityError, transaction
from ninja.params import Header
from pydantic import WithJsonSchema

from core.textguard import bad_char

from .errors import ApiError
from .models import IdempotencyKey

HEADER_DESCRIPTION = (
    "幂等键(建议每次新建用新的 UUID),1–255 个字符;同一用户重试相同键只会得到同一条记录,"
    "相同键而内容不同返回 422 idempotency_mismatch"
)
MAX_LENGTH = 255  # IdempotencyKey.key
# Visible ASCII without surrounding spaces (what an HTTP header carries intact); ``run`` accepts more.
HEADER_PATTERN = r"^[!-~]([ -~]*[!-~])?$"


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _claim(user, key: str, endpoint: str, request_hash: str) -> IdempotencyKey:
    existing = IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, endpoint=endpoint, request_hash=request_hash
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
    if existing.request_hash != request_hash or existing.endpoint != endpoint:
        raise ApiError(
            422, "idempotency_mismatch", "该幂等键已用于内容不同的请求,请换一个新的键", "Idempotency-Key"
        )
    if existing.object_id is None:
        raise ApiError(409, "conflict", "相同幂等键的请求正在处理,请稍后重试", "Idempotency-Key")
    return existing


def run(
    request,
    response,
    key: str | None,
    payload: dict,
    endpoint: str,
    create: Callable[[], tuple[object, dict]],
    replay: Callable[[int], dict],
) -> dict:
    """The response body of the create (or of the first create with this key)."""
    if key is None:
        return create()[1]
    key = key.strip()
    if not key or len(key) > MAX_LENGTH or bad_char(key) is not None:
        raise ApiError(
            400, "bad_request", "Idempotency-Key 须为 1–255 个字符(不含控制字符)", "Idempotency-Key"
        )
    with transaction.atomic():
        record = _claim(request.user, key, endpoint, digest(payload))
        if record.object_id is not None:
            response["Idempotent-Replayed"] = "true"
            return replay(record.object_id)
        obj, body = create()
        record.object_id = obj.pk
        if endpoint == "cases.create":
            record.case = obj
        record.response_status = 201
        record.response_hash = digest(body)
        record.save(update_fields=["object_id", "case", "response_status", "response_hash"])
    return body


def header():
    """The ``Idempotency-Key`` header parameter of a create endpoint. Its limits are stated in the
    document; ``run`` checks them (a 400 ``bad_request``, as for other unusable headers)."""
    return Header(None, alias="Idempotency-Key", description=HEADER_DESCRIPTION)


# The header's type, with its limits stated: ``key: idempotency.Key = idempotency.header()``.
Key = Annotated[
    str | None,
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": HEADER_PATTERN},
        mode="validation",
    ),
]
