"""Uploaded files (media) served by Django with the owning record's permission check.

A stored file is served only when a registered record owns it (``register_media``) and the user
may see that record, the same ``visible_to`` rule as the record's own page. Each app registers its
file models in ``AppConfig.ready`` so that ``core`` imports no domain app:

    register_media(CaseAttachment, "file", prefixes=("cases/",), can_view=…, public=…)

Anonymous visitors get a file only through a *public link*: ``/media/<name>?s=<expiry>.<signature>``
signed with the secret key over the name, the expiry and the record's public key (a case's tracking
token, a village item's id), and only while the record is public (``is_public``). Knowing a file
name is never enough. Anything else, including files no record owns, answers 404 (never 403: the
answer does not tell whether a file exists).

The answer is the file itself (streamed from the storage, so a shared volume or S3-compatible
storage both work) or, with ``LUOSHI_MEDIA_ACCEL_PREFIX`` set and file-system storage, an empty
response with ``X-Accel-Redirect`` for nginx to send the file from an ``internal`` location.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signing import Signer
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

# Types a browser may show in the page (images and PDFs); everything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}
# Types a browser would run as a document of this site: always sent as an opaque download.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
}
# Public links stay valid for this many whole days after the day they were made (so a page's
# image addresses are the same all day and browsers can cache them).
PUBLIC_LINK_DAYS = 1
CACHE_CONTROL = "private, max-age=3600"
OWNERS_LIMIT = 5  # a file may be listed on a few rows (a corrected step keeps its documents)

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\]")


@dataclass(frozen=True)
class MediaKind:
    model: type[models.Model]
    field: str
    prefixes: tuple[str, ...]
    can_view: Callable[[Any, Any], bool]
    public_key: Callable[[Any], str] | None = None
    is_public: Callable[[Any], bool] | None = None
    filename: Callable[[Any], str] | None = None
    select_related: tuple[str, ...] = ()

    def owners(self, name: str) -> list:
        rows = self.model._default_manager.filter(**{self.field: name})
        if self.select_related:
            rows = rows.select_related(*self.select_related)
        return list(rows[:OWNERS_LIMIT])


_REGISTRY: dict[tuple[type, str], MediaKind] = {}


def register_media(
    model,
    field: str = "file",
    *,
    can_view: Callable[[Any, Any], bool],
    prefixes: tuple[str, ...] = (),
    public_key: Callable[[Any], str] | None = None,
    is_public: Callable[[Any], bool] | None = None,
    filename: Callable[[Any], str] | None = None,
    select_related: tuple[str, ...] = (),
) -> MediaKind:
    """Declare that ``model.field`` holds uploaded files.

    ``can_view(user, record)``: whether a logged-in user may open the file (the record page's rule).
    ``prefixes``: the upload paths of the field (a name under none of them is not looked up there).
    ``public_key(record)`` and ``is_public(record)``: for files anonymous visitors may see through a
    signed link; the key is part of the signature (e.g. the case's tracking token) and the rule is
    checked again on every request. ``filename(record)``: the name offered to the browser.
    """
    if (public_key is None) != (is_public is None):
        raise ValueError("public_key and is_public go together")
    kind = MediaKind(
        model, field, tuple(prefixes), can_view, public_key, is_public, filename, tuple(select_related)
    )
    _REGISTRY[(model, field)] = kind
    return kind


def registered() -> list[MediaKind]:
    return list(_REGISTRY.values())


def kind_of(fieldfile) -> MediaKind | None:
    return _REGISTRY.get((type(fieldfile.instance)._meta.concrete_model, fieldfile.field.name))


# ---------------------------------------------------------------------------------------------
# Addresses


def media_url(fieldfile) -> str:
    """The address of a stored file for logged-in users: ``/media/<name>``."""
    if not fieldfile:
        return ""
    return reverse("media", args=[fieldfile.name])


def _expiry(now: float | None = None) -> int:
    day = int(time.time() if now is None else now) // 86400
    return (day + 1 + PUBLIC_LINK_DAYS) * 86400


def _signature(name: str, key: str, expires: int) -> str:
    return Signer(salt=f"luoshi.media:{key}").signature(f"{name}\n{expires}")


def public_token(name: str, key: str) -> str:
    expires = _expiry()
    return f"{expires}.{_signature(name, key, expires)}"


def check_token(name: str, key: str, token: str) -> bool:
    expires, _, signature = (token or "").partition(".")
    if not expires.isdigit() or not signature or int(expires) < time.time():
        return False
    return constant_time_compare(signature, _signature(name, key, int(expires)))


def public_media_url(fieldfile) -> str:
    """A signed address of a file shown on a public page: anyone holding it may open the file
    while its record stays public (the media view checks ``is_public`` on every request; the page
    decides what it lists). Empty for a file model without a public rule."""
    if not fieldfile:
        return ""
    kind = kind_of(fieldfile)
    if kind is None or kind.public_key is None:
        return ""
    token = public_token(fieldfile.name, kind.public_key(fieldfile.instance))
    return f"{media_url(fieldfile)}?{urlencode({'s': token})}"


# ---------------------------------------------------------------------------------------------
# Serving


def safe_name(name: str) -> bool:
    """A relative storage name without traversal, absolute paths, backslashes or control chars."""
    if not name or len(name) > 1000 or name.startswith("/") or _UNSAFE_NAME.search(name):
        return False
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return posixpath.normpath(name) == name


def _content_type(name: str) -> tuple[str, bool]:
    """The type to send and whether the browser may show it inline."""
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding or not guessed:
        return "application/octet-stream", False
    if guessed in INLINE_TYPES:
        return guessed, True
    if guessed in ACTIVE_TYPES:
        return "application/octet-stream", False  # never rendered as a page of this site
    return guessed, False


def _display_name(name: str) -> str:
    cleaned = _UNSAFE_NAME.sub("", name).replace("/", "_").replace('"', "").strip() or "file"
    return cleaned[:150]


def file_response(fieldfile, *, filename: str = "") -> HttpResponse | FileResponse:
    """Answer with a stored file: inline for images and PDFs, a download otherwise; through nginx
    (``X-Accel-Redirect``) when ``LUOSHI_MEDIA_ACCEL_PREFIX`` is set and the storage is a file
    system. Raises Http404 when the file is missing from the storage."""
    name = fieldfile.name
    storage = fieldfile.storage
    content_type, inline = _content_type(name)
    disposition = content_disposition_header(not inline, _display_name(filename or posixpath.basename(name)))
    prefix = getattr(settings, "LUOSHI_MEDIA_ACCEL_PREFIX", "")
    if prefix and isinstance(storage, FileSystemStorage):
        response: HttpResponse | FileResponse = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(name)
    else:
        try:
            handle = storage.open(name, "rb")
        except OSError as error:  # missing on disk, or a missing key (django-storages: FileNotFoundError)
            raise Http404 from error
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition  # type: ignore[assignment]  # a name is always given
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _allowed(request, name: str, kind: MediaKind, owners: list) -> Any:
    """The owner row through which this request may open the file, or None."""
    user = request.user
    if user.is_authenticated:
        for row in owners:
            if kind.can_view(user, row):
                return row
    token = request.GET.get("s", "")
    if token and kind.public_key is not None:
        for row in owners:
            # is_public is set with public_key (see the kinds registered)
            if kind.is_public(row) and check_token(name, kind.public_key(row), token):  # type: ignore[misc]
                return row
    return None


@require_safe
def serve(request, name: str):
    """``GET /media/<name>``: the file if a visible record owns it, else 404."""
    if not safe_name(name):
        raise Http404
    for kind in _REGISTRY.values():
        if kind.prefixes and not name.startswith(kind.prefixes):
            continue
        owners = kind.owners(name)
        if not owners:
            continue
        row = _allowed(request, name, kind, owners)
        if row is not None:
            fieldfile = getattr(row, kind.field)
            return file_response(fieldfile, filename=kind.filename(row) if kind.filename else "")
    raise Http404
