"""How REST callers authenticate: a personal token (``Authorization: Bearer ls_…``) or the web
session (with Django's CSRF check on unsafe methods). Either way the request acts as the user,
with the user's current roles; every call is counted against the per-token/per-user rate."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from . import services
from .errors import ApiError
from .ratelimit import RateLimited, hit

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class TokenAuth(HttpBearer):
    """Personal API token (个人接口令牌)."""

    def authenticate(self, request: HttpRequest, token: str):
        found = services.authenticate_token(token)
        if found is None:
            return None  # counted per IP by the 401 handler (api.errors)
        hit("api-token", str(found.pk), "LUOSHI_API_RATE")
        request.user = found.owner
        request.api_token = found
        return found.owner


class SessionAuth(AuthBase):
    """The signed-in web session; unsafe methods need the CSRF token (``X-CSRFToken``)."""

    openapi_type = "apiKey"
    csrf = True  # tells the docs page to send the CSRF token

    def __init__(self):
        self.openapi_in = "cookie"
        self.openapi_name = "sessionid"
        super().__init__()

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        unsafe = request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False)
        if unsafe and check_csrf(request):
            raise ApiError(403, "csrf_failed", "缺少或无效的 CSRF 令牌(会话方式调用需带 X-CSRFToken 请求头)")
        hit("api-user", str(user.pk), "LUOSHI_API_RATE")
        return user


__all__ = ["RateLimited", "SessionAuth", "TokenAuth"]
