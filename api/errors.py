"""The one place where exceptions become API errors.

Every REST error is ``{"code": <machine code>, "message": <Chinese message>, "field": <name|null>}``:

=====  ====================  ===========================================================
HTTP   code                  when
=====  ====================  ===========================================================
400    bad_request           the request cannot be parsed (bad JSON, bad cursor, bad header)
401    unauthenticated       no or invalid ``Authorization: Bearer`` token and no session
403    forbidden             the service refused the actor (``core.errors.PermissionDenied``)
403    csrf_failed           a session-authenticated unsafe request without a CSRF token
404    not_found             no such record *visible to the caller* (outsiders get 404)
409    conflict              the record moved underneath (``core.errors.StateConflict``)
422    invalid / <service>   input fails the schema, or a business rule (``ServiceError``)
429    rate_limited          too many requests; ``Retry-After`` says when to retry
=====  ====================  ===========================================================
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import PermissionDenied, ServiceError, StateConflict
from core.http import client_ip
from core.textguard import MESSAGE, bad_char

from .ratelimit import RateLimited, hit

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raised by API code for errors that are not a service's (bad cursor, bad header…)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(status: int, code: str, message: str, field: str | None = None, **headers) -> JsonResponse:
    response = JsonResponse(
        {"code": code, "message": message, "field": field},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def refuse_bad_input(request, field: str | None, message: str) -> JsonResponse:
    """``core.textguard``'s refusal of control characters in a path, query or body (422)."""
    return error_response(422, "invalid", message, field[:100] if field else None)


def service_error_status(error: ServiceError) -> int:
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, StateConflict):
        return 409
    return 422


PYDANTIC_MESSAGES = {
    "missing": "为必填项",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "greater_than_equal": "过小",
    "less_than_equal": "过大",
    "too_long": "项数过多",
    "too_short": "项数过少",
    "extra_forbidden": "不是此接口的字段",
    "greater_than": "过小",
    "less_than": "过大",
    "string_pattern_mismatch": "格式不正确",
    "finite_number": "应为有限数字",
    "json_invalid": "不是有效的 JSON",
}
SKIP_LOC = {"body", "query", "path", "header", "form", "file", "payload", "filters", "params"}


def validation_error_response(errors: list[dict]) -> JsonResponse:
    first = errors[0] if errors else {}
    loc = [
        str(part) for part in first.get("loc", ()) if str(part) not in SKIP_LOC and not str(part).isdigit()
    ]
    field = loc[-1] if loc else None
    kind = first.get("type", "")
    reason = PYDANTIC_MESSAGES.get(kind, "格式不正确")
    if kind in ("string_pattern_mismatch", "string_too_short") and isinstance(first.get("input"), str):
        text = first["input"]
        if bad_char(text) is not None:
            reason = MESSAGE
        elif not text.strip():
            reason = "不能为空"
    message = f"字段“{field}”{reason}" if field else f"请求内容{reason}"
    return error_response(422, "invalid", message, field)


def install(api) -> None:
    """Register the handlers on a NinjaAPI instance."""

    def on_api_error(request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.field)

    def on_service_error(request, exc: ServiceError):
        status = service_error_status(exc)
        code = exc.code if exc.code != "refused" else "rule_violation"
        return error_response(status, code, exc.message, exc.field)

    def on_not_found(request, exc):
        return error_response(404, "not_found", "未找到该记录,或您无权查看", None)

    def on_auth(request, exc):
        try:  # failed authentications count against the caller's address
            hit("api-anon", client_ip(request), "LUOSHI_API_ANON_RATE")
        except RateLimited as limited:
            return on_rate_limited(request, limited)
        return error_response(
            401,
            "unauthenticated",
            "请先登录,或在请求头中提供有效的接口令牌(Authorization: Bearer …)",
            None,
            WWW_Authenticate='Bearer realm="luoshi"',
        )

    def on_rate_limited(request, exc: RateLimited):
        return error_response(
            429,
            "rate_limited",
            f"请求过于频繁,请在 {exc.retry_after} 秒后重试",
            None,
            Retry_After=str(exc.retry_after),
        )

    def on_http_error(request, exc: HttpError):
        if exc.status_code == 403:
            return error_response(403, "csrf_failed", "缺少或无效的 CSRF 令牌(会话方式调用需带 X-CSRFToken)")
        if exc.status_code == 400:
            return error_response(400, "bad_request", "请求内容无法解析(请发送有效的 JSON)")
        if exc.status_code == 429:
            return error_response(429, "rate_limited", "请求过于频繁,请稍后重试")
        return error_response(exc.status_code, "error", str(exc.message))

    def on_validation(request, exc: ValidationError):
        return validation_error_response(exc.errors)

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ServiceError, on_service_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(ValidationError, on_validation)
