"""Request-scoped context: a request id that audit events carry, so one request's events group;
and ``Retry-After`` on every 429."""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("luoshi_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")
        request_id = incoming[:64] if incoming.isascii() and incoming else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-Id"] = request_id
        return response


# A 429 whose view did not say when to come back (the limit's own window is the better answer,
# and every limit in Luoshi sets it) still gets one: clients and proxies need it to back off.
DEFAULT_RETRY_AFTER = 60


class RetryAfterMiddleware:
    """Every 429 the application answers carries ``Retry-After`` (seconds)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
        return response
