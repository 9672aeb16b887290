"""One guard for text entering the system: control characters and lone surrogates are refused.

NUL reaches PostgreSQL and raises there (SQLite stores it silently); the other C0 controls (all but
tab, line feed and carriage return) break XML, CSV and terminals; a lone surrogate (only JSON can
carry one: ``"\\ud800"``) cannot be encoded for any database. Every edge uses this module:

- pages: ``core.forms.StyledForm`` puts ``validate_text`` on every text field (a field error);
- the REST API, Open311 and every query string and URL path: ``InputGuardMiddleware`` refuses the
  request before a view runs, through the responder its app registered for the URL prefix (a page
  whose GET form reads the query string is marked ``form_checks_input`` and shows a field error);
- spreadsheet imports: ``orgs.imports`` reports the cell as a row error;
- services may call ``check_text`` for text that arrives by other routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import HttpResponse

from .errors import ServiceError

BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# The same rule as JSON Schema ``pattern`` strings (ECMA-262 syntax, also valid for Python ``re`` and
# pydantic's Rust regex), for the OpenAPI document: ``TEXT_PATTERN`` is any text without the refused
# control characters (lone surrogates are not stated: JSON Schema regexes see code points, and no
# conforming client sends them); ``NONBLANK_PATTERN`` also needs one character that ``str.strip()``
# keeps, i.e. a required field that is not empty after the services strip it.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f]"
_VISIBLE = r"[^\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
TEXT_PATTERN = rf"^{_ALLOWED}*$"
NONBLANK_PATTERN = rf"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"
MESSAGE = "包含不允许的控制字符(如空字符 NUL),请删除后重新输入"


def bad_char(value) -> str | None:
    """The first forbidden character of ``value`` (a string), or None when it is clean."""
    if not isinstance(value, str):
        return None
    found = BAD_CHARS.search(value)
    return found.group() if found else None


def message_for(label: str | None = None) -> str:
    return f"“{label}”{MESSAGE}" if label else f"输入内容{MESSAGE}"


def check_text(value, field: str | None = None, label: str | None = None) -> None:
    """Raise ``ServiceError`` (on ``field``) when ``value`` holds a forbidden character."""
    if bad_char(value) is not None:
        raise ServiceError(message_for(label or field), field=field)


def validate_text(value) -> None:
    """A Django validator for form fields (the message sits next to the field)."""
    if bad_char(value) is not None:
        raise ValidationError(f"内容{MESSAGE}", code="control_character")


def first_bad_key(pairs: Iterable[tuple[str, str]]) -> str | None:
    """The first name whose name or value holds a forbidden character (QueryDict.lists() style)."""
    for key, values in pairs:
        if bad_char(key) is not None:
            return key
        for value in values if isinstance(values, list | tuple) else [values]:
            if bad_char(value) is not None:
                return key
    return None


def first_bad_json(data, key: str | None = None) -> tuple[bool, str | None]:
    """(found, field) for parsed JSON: the innermost object key above a forbidden string."""
    if isinstance(data, str):
        return bad_char(data) is not None, key
    if isinstance(data, dict):
        for name, value in data.items():
            if bad_char(name) is not None:
                return True, name
            found, field = first_bad_json(value, name)
            if found:
                return True, field
    elif isinstance(data, list):
        for value in data:
            found, field = first_bad_json(value, key)
            if found:
                return True, field
    return False, None


# ---------------------------------------------------------------------------------------------
# The middleware

# (URL prefix, responder(request, field, message) -> HttpResponse, check_body)
Responder = Callable[..., HttpResponse]
_responders: list[tuple[str, Responder, bool]] = []


def register_responder(prefix: str, responder: Responder, *, check_body: bool = True) -> None:
    """An app says how a refusal looks under its URLs (JSON error, Open311 error…) and whether the
    middleware also checks request bodies there (pages leave bodies to their forms' field errors)."""
    _responders[:] = [entry for entry in _responders if entry[0] != prefix]
    _responders.append((prefix, responder, check_body))
    _responders.sort(key=lambda entry: -len(entry[0]))


def _page_refusal(request, field: str | None, message: str) -> HttpResponse:
    from django.shortcuts import render

    return render(request, "core/bad_input.html", {"message": message, "field": field}, status=400)


def find_bad_input(request, *, check_body: bool, path_kwargs=None) -> tuple[bool, str | None]:
    """(refused, field name) for the path, the query string and, when asked, the body."""
    if bad_char(request.path_info) is not None:
        named = [name for name, value in (path_kwargs or {}).items() if bad_char(value) is not None]
        return True, named[0] if named else "path"
    key = first_bad_key(request.GET.lists())
    if key is not None:
        return True, key
    if not check_body or request.method in ("GET", "HEAD", "OPTIONS"):
        return False, None
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return False, None  # unparsable (or nested too deep): the API answers 400 itself
        return first_bad_json(data)
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        key = first_bad_key(request.POST.lists())
        if key is not None:
            return True, key
        for name, upload in request.FILES.items():
            if bad_char(getattr(upload, "name", "")) is not None:
                return True, name
    return False, None


def form_checks_input(view):
    """Mark a page whose form reads the query string itself: its form shows the field error, so
    the middleware leaves the query string to it (``/track/`` is a GET form)."""
    view.form_checks_input = True
    return view


class InputGuardMiddleware:
    """Refuses control characters in the URL path, the query string and (where the app asked for it)
    the body, before any view or query sees them (``process_view``: the URL has been resolved)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path_info
        responder, check_body = _page_refusal, False
        for prefix, candidate, body in _responders:
            if path.startswith(prefix):
                responder, check_body = candidate, body
                break
        else:
            if getattr(view_func, "form_checks_input", False) and bad_char(path) is None:
                return None
        refused, field = find_bad_input(request, check_body=check_body, path_kwargs=view_kwargs)
        if refused:
            shown = field[:100] if field is not None and bad_char(field) is None else None
            return responder(request, shown, message_for(shown))
        return None
