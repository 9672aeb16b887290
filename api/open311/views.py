"""Open311 GeoReport v2 endpoints under ``/open311/v2/`` (``.xml`` and ``.json``).

Reads are public (rate-limited per IP); ``POST requests`` needs an ``api_key`` issued to the
client application (``luoshi open311_client create``) and enters ``cases.services.report_case``
like every other case. Errors follow the spec: a list of ``{code, description}`` with 400 (bad or
missing parameter), 403 (missing/invalid api_key), 404 (unknown jurisdiction, service, request or
token) and 429 (rate limit, with ``Retry-After``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from audit import events
from audit.services import record
from cases import services as case_services
from cases.models import OPEN_STATUSES, Channel, Urgency
from core.actors import SYSTEM
from core.errors import ServiceError
from core.http import client_ip

from .. import conf
from .. import services as api_services
from ..models import Open311Request
from ..ratelimit import RateLimited, hit
from . import georeport as geo

RECEIVED = events.register("open311.received", "经Open311接口提交")
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status, self.description, self.code = status, description, code or status


def render(fmt: str, root: str, item: str | None, data, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            geo.to_xml(root, item, data), status=status, content_type="text/xml; charset=utf-8"
        )
    body = json.dumps(data, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def error(fmt: str, status: int, description: str, code: int | None = None, **headers) -> HttpResponse:
    response = render(fmt, "errors", "error", [{"code": code or status, "description": description}], status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def refuse_bad_input(request, field: str | None, message: str) -> HttpResponse:
    """``core.textguard``'s refusal of control characters, as an Open311 400 error."""
    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    name = (field or "request")[:50]
    return error(fmt, 400, f"{name} must not contain control characters ({message})")


def endpoint(view):
    """Common handling: jurisdiction check, per-IP rate limit, Open311 error rendering."""

    def wrapper(request, fmt: str, **kwargs):
        try:
            hit("open311-ip", client_ip(request), "LUOSHI_OPEN311_RATE")
            params = request.POST if request.method == "POST" else request.GET
            given = params.get("jurisdiction_id")
            if given is not None and given != geo.jurisdiction():
                raise Open311Error(404, f"jurisdiction_id not found (未知的管辖区:{given[:50]})")
            return view(request, fmt, **kwargs)
        except RateLimited as limited:
            return error(
                fmt,
                429,
                f"Too many requests, retry after {limited.retry_after}s (请求过于频繁)",
                Retry_After=str(limited.retry_after),
            )
        except Open311Error as failure:
            return error(fmt, failure.status, failure.description, failure.code)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@endpoint
def discovery(request, fmt):
    base = request.build_absolute_uri("/open311/v2/").rstrip("/")
    data = {
        "changeset": geo.CHANGESET,
        "contact": conf.setting("LUOSHI_OPEN311_CONTACT", "区网格化服务管理中心(落实平台管理员)"),
        "key_service": "API keys are issued by the platform administrator: luoshi open311_client create NAME "
        "(向平台管理员申请 api_key)",
        "endpoints": [
            {
                "specification": geo.SPECIFICATION,
                "url": base,
                "changeset": geo.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", None, data)


@require_GET
@endpoint
def services(request, fmt):
    return render(fmt, "services", "service", [geo.service_out(c) for c in geo.services_queryset()])


def _service(code: str):
    category = geo.services_queryset().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code not found (未找到服务:{code[:20]})")
    return category


@require_GET
@endpoint
def service_definition(request, fmt, code):
    return render(fmt, "service_definition", None, geo.definition_out(_service(code)))


def _media_url(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 500:
        raise Open311Error(400, "media_url must be an http(s) URL of at most 500 characters (图片地址无效)")
    return value


def _attributes(params) -> dict[str, str]:
    found = {}
    for key in params:
        match = re.fullmatch(r"attribute\[(\w+)\](\[\])?", key)
        if match:
            found[match.group(1)] = params.get(key)
    unknown = set(found) - {a["code"] for a in geo.ATTRIBUTES}
    if unknown:
        raise Open311Error(400, f"unknown attribute: {', '.join(sorted(unknown))} (未知的属性)")
    urgency = found.get("urgency")
    if urgency and urgency not in Urgency.values:
        raise Open311Error(
            400, "attribute[urgency] must be one of ordinary, urgent, emergency (紧急程度无效)"
        )
    return found


def _create(request, fmt):
    params = request.POST
    client = api_services.authenticate_open311(params.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key missing or invalid (缺少或无效的 api_key)")
    hit("open311-client", str(client.pk), "LUOSHI_OPEN311_POST_RATE")
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required (请提供 service_code)")
    category = _service(code)
    lat, lon = params.get("lat", "").strip(), params.get("long", "").strip()
    address = (params.get("address_string") or params.get("address_id") or "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, "lat and long must be given together (经纬度需同时提供)")
    if not lat and not address:
        raise Open311Error(
            400, "a location is required: lat & long, address_string or address_id (请提供位置)"
        )
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description is required (请填写问题描述)")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, "description must be at most 4000 characters (问题描述过长)")
    if re.search(r"<[a-zA-Z/!][^>]*>", description):
        raise Open311Error(400, "description must not contain HTML (问题描述不能包含 HTML)")
    media_url = _media_url(params.get("media_url", ""))
    attributes = _attributes(params)
    name = f"{params.get('last_name', '').strip()}{params.get('first_name', '').strip()}"[:50]
    phone = (params.get("phone") or "").strip()
    try:
        with transaction.atomic():
            case = case_services.report_case(
                channel=Channel.API,
                actor=SYSTEM,
                description=description,
                title=attributes.get("title", "") or "",
                address=address[:200],
                longitude=lon or None,
                latitude=lat or None,
                reporter_name=name,
                reporter_phone=phone,
                category=category,
                urgency=attributes.get("urgency") or Urgency.ORDINARY,
            )
            extra = Open311Request.objects.create(
                case=case,
                client=client,
                service_code=category.code,
                media_url=media_url,
                attributes=attributes,
            )
            record(case, RECEIVED, actor=SYSTEM, after={"client": client.name, "service_code": category.code})
    except ServiceError as failure:
        field = f" [{failure.field}]" if failure.field else ""
        raise Open311Error(400, f"{failure.message}{field}") from failure
    data = [
        {
            "service_request_id": case.number,
            "token": extra.token,
            "service_notice": "已受理,将按时限办理(Received; handled within the service level)",
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", "request", data, status=201)


def _when(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.strip().replace(" ", "+"))
    if moment is None:
        raise Open311Error(400, f"{name} must be a W3C/ISO 8601 datetime ({name} 格式无效)")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _query(request, fmt):
    params = request.GET
    cases = geo.public_queryset()
    ids = [part.strip() for part in (params.get("service_request_id") or "").split(",") if part.strip()]
    if ids:
        # service_request_id overrides every other parameter (spec).
        rows = list(cases.filter(number__in=ids[: geo.MAX_REQUESTS]).order_by("-created_at"))
        return render(fmt, "service_requests", "request", geo.requests_out(rows))
    codes = [part.strip() for part in (params.get("service_code") or "").split(",") if part.strip()]
    if codes:
        cases = cases.filter(category__code__in=codes)
    start, end = _when(params.get("start_date"), "start_date"), _when(params.get("end_date"), "end_date")
    if start and end and start > end:
        raise Open311Error(400, "start_date must be before end_date (开始时间不能晚于结束时间)")
    if start and end and end - start > geo.MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may span at most 90 days (时间跨度不能超过90天)")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - geo.MAX_SPAN
    cases = cases.filter(created_at__gte=start)
    if end is not None:
        cases = cases.filter(created_at__lte=end)
    status = (params.get("status") or "").strip()
    if status:
        wanted = {part.strip() for part in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed (状态应为 open 或 closed)")
        if wanted == {"open"}:
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            cases = cases.exclude(status__in=OPEN_STATUSES)
    rows = list(cases.order_by("-created_at", "-pk")[: geo.MAX_REQUESTS])
    return render(fmt, "service_requests", "request", geo.requests_out(rows))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@endpoint
def requests(request, fmt):
    """GET: query service requests; POST: create one (needs ``api_key``)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _query(request, fmt)


@require_GET
@endpoint
def request_detail(request, fmt, request_id):
    case = geo.public_queryset().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id not found (未找到:{request_id[:30]})")
    return render(fmt, "service_requests", "request", geo.requests_out([case]))


@require_GET
@endpoint
def token(request, fmt, token):
    found = Open311Request.objects.select_related("case").filter(token=token).first()
    if found is None:
        raise Open311Error(404, "token not found (未找到该凭证)")
    data = [{"service_request_id": found.case.number, "token": found.token}]
    return render(fmt, "service_requests", "request", data)
