"""Cases (网格事项) over REST: list, detail, create, every transition, photos, export.

Thin by rule: every read starts from ``Case.objects.visible_to(user, …)``, every write is one
``cases.services`` call; the services check scope and state and write the audit event. An
outsider's lookup of a case it cannot see is a 404, exactly like the pages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
from typing import Annotated

from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from audit.events import label_for
from cases import approvals, assist, coordination, selectors, services, workflow
from cases.models import AssignmentStatus, Case, CaseStatus, Category
from core.privacy import mask_personal_text
from core.tabular import csv_writer
from orgs.models import Org
from orgs.scoping import subtree_q

from .. import idempotency
from ..errors import ApiError
from . import schemas as s

router = Router(tags=["cases"])

MAX_LIMIT = 200
CASE_RELATED = ("category__parent", "org", "grid", "community", "street", "lead_unit", "merged_into")


# ---------------------------------------------------------------------------------------------
# Serialization


def _ref(org: Org | None) -> dict | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def case_out(case: Case, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    category = case.category
    return {
        "number": case.number,
        "title": mask_personal_text(case.title),
        "status": case.status,
        "status_label": case.get_status_display(),
        "channel": case.channel,
        "ticket_number": case.ticket_number,
        "urgency": case.urgency,
        "category": {"id": category.pk, "code": category.code, "name": str(category)} if category else None,
        "area": _ref(case.org),
        "street": _ref(case.street),
        "community": _ref(case.community),
        "grid": _ref(case.grid),
        "lead_unit": _ref(case.lead_unit),
        "address": mask_personal_text(case.address),
        "longitude": case.longitude,
        "latitude": case.latitude,
        "created_at": case.created_at,
        "stage": case.stage,
        "due_at": case.due_at,
        "handle_due_at": case.handle_due_at,
        "overdue": case.is_open and case.due_at is not None and case.due_at < now,
        "closed_at": case.closed_at,
        "rework_count": case.rework_count,
        "reporter": case.reporter_display,
    }


def _event_out(event) -> dict:
    after = dict(event.after or {})
    return {
        "seq": event.seq,
        "action": event.action,
        "label": label_for(event.action),
        "at": event.created_at,
        "actor": event.actor_label or "系统",
        "reason": event.reason,
        "public_note": after.get("public_note", ""),
        "before": event.before,
        "after": event.after,
    }


def case_detail(case: Case) -> dict:
    data = case_out(case)
    assignments = case.assignments.select_related("org").order_by("dispatched_at", "role", "pk")
    data.update(
        description=case.description,
        rejected_reason=case.rejected_reason,
        resolved_on_spot=case.resolved_on_spot,
        registered_at=case.registered_at,
        dispatched_at=case.dispatched_at,
        fed_back_at=case.fed_back_at,
        closed_on_time=case.closed_on_time,
        rating={
            "contacted": case.rating_contacted,
            "resolved": case.rating_resolved,
            "satisfaction": case.rating_satisfaction,
            "comment": case.rating_comment,
            "rated_at": case.rated_at,
        },
        assignments=[
            {
                "id": a.pk,
                "unit": _ref(a.org),
                "role": a.role,
                "status": a.status,
                "instructions": a.instructions,
                "dispatched_at": a.dispatched_at,
                "sign_due_at": a.sign_due_at,
                "return_due_at": a.return_due_at,
                "handle_due_at": a.handle_due_at,
                "signed_at": a.signed_at,
                "returned_at": a.returned_at,
                "return_reason": a.return_reason,
                "return_note": a.return_note,
                "return_upheld": a.return_upheld,
                "fed_back_at": a.fed_back_at,
                "feedback": a.feedback,
            }
            for a in assignments
        ],
        timeline=[_event_out(e) for e in selectors.timeline(case)],
        attachments=[
            {
                "id": a.pk,
                "stage": a.stage,
                "width": a.width,
                "height": a.height,
                "created_at": a.created_at,
                "url": reverse("api:api-v1:case_attachment", args=[case.number, a.pk]),
            }
            for a in case.attachments.all()
        ],
        suggested_units=[_ref(u) for u in selectors.suggest_units(case)]
        if case.status in (CaseStatus.REGISTERED, CaseStatus.RETURNED)
        else [],
        requests=[
            {
                "id": r.pk,
                "kind": r.kind,
                "status": r.status,
                "reason": r.reason,
                "days": r.days,
                "until": r.until,
                "requester_unit": _ref(r.requester_unit),
                "requested_at": r.requested_at,
                "decided_at": r.decided_at,
                "decision_note": r.decision_note,
            }
            for r in case.requests.select_related("requester_unit").order_by("requested_at", "pk")
        ],
        merged_into=case.merged_into.number if case.merged_into_id else None,
        merged_cases=list(case.merged_cases.order_by("pk").values_list("number", flat=True)),
        is_public=case.is_public,
        excluded_from_evaluation=case.excluded_from_evaluation,
        rehandle_count=case.rehandle_count,
        extended_days=case.extended_days,
    )
    return data


# ---------------------------------------------------------------------------------------------
# Lookups (always scoped)


def _visible(request, action: str = "view"):
    return Case.objects.visible_to(request.user, action).select_related(*CASE_RELATED)


def _case(request, number: str) -> Case:
    return get_object_or_404(_visible(request), number=number)


def _after(request, case: Case) -> dict:
    """The case as the actor now sees it. An action can move it out of the actor's view: then,
    as the page does (it goes back to the list), only the number and the new status (``CaseGone``),
    never an unscoped detail."""
    fresh = _visible(request).filter(pk=case.pk).first()
    if fresh is not None:
        return case_detail(fresh)
    status = Case.objects.values_list("status", flat=True).get(pk=case.pk)
    return {
        "number": case.number,
        "status": status,
        "status_label": CaseStatus(status).label,
        "visible": False,
    }


def _org(pk: int | None, field: str) -> Org | None:
    if pk is None:
        return None
    org = Org.objects.filter(pk=pk, archived_at__isnull=True).first()
    if org is None:
        raise ApiError(422, "rule_violation", "所选组织不存在或已撤销", field)
    return org


def _orgs(pks: list[int], field: str) -> list[Org]:
    return [_org(pk, field) for pk in pks]


def _category(pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise ApiError(422, "rule_violation", "分类不存在", "category")
    return category


# ---------------------------------------------------------------------------------------------
# List, filters, cursor pagination


_CODE = "(" + "|".join(CaseStatus.values) + ")"
# One or more status codes separated by commas (spaces and empty items are ignored).
STATUS_LIST_PATTERN = rf"^ *{_CODE}? *(, *{_CODE}? *)*$"


class CaseFilters(Schema):
    status: str | None = Field(None, pattern=STATUS_LIST_PATTERN, description="状态代码,多个用逗号分隔")
    category: int | None = Field(None, description="分类 id(大类含其小类)")
    unit: int | None = Field(None, description="承办单位 id(含其下级)")
    area: int | None = Field(None, description="区域组织 id(含其下级)")
    created_from: dt.date | None = Field(None, description="上报日期起(含)")
    created_to: dt.date | None = Field(None, description="上报日期止(含)")
    overdue: bool | None = Field(None, description="只看当前环节已逾期的事项")
    q: str | None = Field(None, max_length=100, description="编号/标题/地址关键词,或12345工单号")


def filter_cases(request, filters: CaseFilters):
    cases = _visible(request)
    if filters.status:
        codes = [code.strip() for code in filters.status.split(",") if code.strip()]
        unknown = [code for code in codes if code not in CaseStatus.values]
        if unknown:
            raise ApiError(422, "invalid", f"未知的状态:{'、'.join(unknown)}", "status")
        cases = cases.filter(status__in=codes)
    if filters.category is not None:
        cases = cases.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.area is not None:
        area = _org(filters.area, "area")
        cases = cases.filter(subtree_q("org_path", area.path))
    if filters.unit is not None:
        from cases.models import CaseAssignment

        unit = _org(filters.unit, "unit")
        involved = (
            CaseAssignment.objects.filter(subtree_q("org_path", unit.path))
            .exclude(status=AssignmentStatus.CANCELLED)
            .values("case_id")
        )
        cases = cases.filter(pk__in=involved)
    tz = timezone.get_default_timezone()
    if filters.created_from:
        cases = cases.filter(created_at__gte=dt.datetime.combine(filters.created_from, dt.time.min, tz))
    if filters.created_to:
        end = dt.datetime.combine(filters.created_to + dt.timedelta(days=1), dt.time.min, tz)
        cases = cases.filter(created_at__lt=end)
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        raise ApiError(422, "rule_violation", "上报日期起不能晚于止", "created_from")
    if filters.overdue:
        cases = cases.overdue(timezone.now())
    elif filters.overdue is False:
        now = timezone.now()
        cases = cases.exclude(pk__in=Case.objects.overdue(now).values("pk"))
    text = (filters.q or "").strip()
    if text:
        cases = cases.filter(selectors.search_q(text))
    return cases


LIST_ORGS = ("org", "grid", "community", "street", "lead_unit")


def _with_related(rows: list[Case]) -> list[Case]:
    """Attach a page's orgs and categories with two queries instead of seven joins: with the
    joins PostgreSQL spent about 20 ms *planning* each page at 1M cases (bench/api.py)."""
    fields = [Case._meta.get_field(name) for name in LIST_ORGS]
    orgs = Org.objects.in_bulk({getattr(c, f.attname) for c in rows for f in fields} - {None})
    category = Case._meta.get_field("category")
    categories = Category.objects.select_related("parent").in_bulk({c.category_id for c in rows} - {None})
    for case in rows:
        for field in fields:
            field.set_cached_value(case, orgs.get(getattr(case, field.attname)))
        category.set_cached_value(case, categories.get(case.category_id))
    return rows


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.created_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, pk = json.loads(raw)
        moment = dt.datetime.fromisoformat(moment)
        if timezone.is_naive(moment) or not isinstance(pk, int):
            raise ValueError(cursor)
        return moment, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise ApiError(400, "bad_request", "分页游标无效,请使用上一页返回的 next_cursor", "cursor") from error


@router.get("/cases", response={200: s.CasePage, **s.ERRORS}, summary="事项列表(游标分页)")
def list_cases(
    request,
    filters: Query[CaseFilters],
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
):
    """Newest first; keyset pagination on (created_at, id): pass ``next_cursor`` back as ``cursor``."""
    cases = filter_cases(request, filters).select_related(None).order_by("-created_at", "-pk")
    if cursor:
        moment, pk = decode_cursor(cursor)
        cases = cases.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = _with_related(list(cases[: limit + 1]))
    now = timezone.now()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [case_out(case, now) for case in rows],
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }


EXPORT_FIELDS = [
    ("number", "事项编号"),
    ("created_at", "上报时间"),
    ("status", "状态"),
    ("channel", "来源"),
    ("ticket_number", "12345工单号"),
    ("category", "分类"),
    ("urgency", "紧急程度"),
    ("title", "标题"),
    ("address", "地址"),
    ("area", "区域"),
    ("lead_unit", "主办单位"),
    ("due_at", "环节时限"),
    ("closed_at", "结案时间"),
    ("closed_on_time", "按期结案"),
    ("rework_count", "返工次数"),
]


def _export_rows(queryset):
    values = queryset.values_list(
        "number",
        "created_at",
        "status",
        "channel",
        "ticket_number",
        "category__name",
        "urgency",
        "title",
        "address",
        "org__name",
        "lead_unit__name",
        "due_at",
        "closed_at",
        "closed_on_time",
        "rework_count",
    ).order_by("-created_at", "-pk")
    names = [name for name, _label in EXPORT_FIELDS]
    times = [names.index(name) for name in ("created_at", "due_at", "closed_at")]
    texts = [names.index(name) for name in ("title", "address")]
    for row in values.iterator(chunk_size=2000):
        row = list(row)
        for index in times:
            if row[index] is not None:
                row[index] = timezone.localtime(row[index]).isoformat()
        # Phone and ID numbers typed into a title or an address never reach an export.
        for index in texts:
            row[index] = mask_personal_text(row[index])
        yield row


def _csv_stream(queryset):
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush():
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
    writer.writerow([label for _, label in EXPORT_FIELDS])
    yield flush()
    for count, row in enumerate(_export_rows(queryset), start=1):
        writer.writerow(["" if v is None else v for v in row])
        if count % 500 == 0:
            yield flush()
    yield flush()


def _ndjson_stream(queryset):
    keys = [key for key, _ in EXPORT_FIELDS]
    for row in _export_rows(queryset):
        yield json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False) + "\n"


@router.get(
    "/cases.{fmt}",
    response={200: None, **s.ERRORS},
    summary="批量导出事项(流式,CSV 或 NDJSON)",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV(fmt=csv)或每行一个 JSON 对象(fmt=ndjson)",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                },
            }
        }
    },
)
def export_cases(
    request,
    filters: Query[CaseFilters],
    fmt: Annotated[
        str, WithJsonSchema({"type": "string", "enum": ["csv", "ndjson"], "description": "其他为 404"})
    ],
):
    """Streams every visible case matching the filters; rows are read in chunks, never all at
    once. No personal data (reporter name and phone are not exported)."""
    if fmt not in ("csv", "ndjson"):
        raise Http404
    cases = filter_cases(request, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(cases), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_ndjson_stream(cases), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.{fmt}"'
    return response


# ---------------------------------------------------------------------------------------------
# Create with Idempotency-Key


def _create(request, payload: s.CaseCreateIn) -> Case:
    return services.report_case(
        channel=payload.channel,
        actor=request.user,
        description=payload.description,
        title=payload.title,
        address=payload.address,
        longitude=payload.longitude,
        latitude=payload.latitude,
        area=_org(payload.area, "area"),
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        anonymous=payload.anonymous,
        category=_category(payload.category),
        urgency=payload.urgency,
        uploads=s.decode_photos(payload.photos),
        ticket_number=payload.ticket_number,
    )


@router.post("/cases", response={201: s.CaseAfter, **s.ERRORS}, summary="上报/录入事项")
def create_case(
    request,
    response: HttpResponse,
    payload: s.CaseCreateIn,
    idempotency_key: idempotency.Key = idempotency.header(),  # noqa: B008
):
    """Enters ``cases.services.report_case`` like the pages. With ``Idempotency-Key`` a retry of
    the same request returns the first call's case (header ``Idempotent-Replayed: true``);
    the same key with a different body is refused (422 ``idempotency_mismatch``)."""

    def create():
        case = _create(request, payload)
        return case, _after(request, case)

    def replay(pk: int) -> dict:
        return _after(request, Case.objects.only("pk", "number").get(pk=pk))

    body = idempotency.run(
        request, response, idempotency_key, payload.model_dump(), "cases.create", create, replay
    )
    return Status(201, body)


# ---------------------------------------------------------------------------------------------
# Detail, photos


@router.get("/cases/{number}", response={200: s.CaseDetail, **s.ERRORS}, summary="事项详情(含办理时间线)")
def get_case(request, number: str):
    return case_detail(_case(request, number))


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    response={200: None, **s.ERRORS},
    url_name="case_attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "JPEG 图片(已去除 EXIF)",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="下载事项照片",
)
def download_attachment(request, number: str, attachment_id: int):
    case = _case(request, number)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, content_type="image/jpeg", filename=f"{case.number}-{attachment.pk}.jpg")


@router.get(
    "/cases/{number}/actions",
    response={200: list[s.ActionOut], **s.ERRORS},
    summary="当前可办理的操作(依据流程转换表)",
)
def case_actions(request, number: str):
    """What the caller may do on the case now: the workflow's transition table read for this case
    and this caller (the same table the services refuse by and the page shows its forms from).
    Each entry names the endpoint to call; a handling unit's actions carry the assignment id."""
    case = _case(request, number)
    mine = selectors.my_assignments(request.user, case) if case.is_open else []
    return workflow.available_actions(case, request.user, mine, prefix=s.API_PREFIX)


@router.get(
    "/cases/{number}/handling-units",
    response={200: list[s.OrgOut], **s.ERRORS},
    summary="可承办该事项的单位(派遣用)",
)
def handling_units(request, number: str):
    """Every active unit that may handle the case (the same list as the dispatch form); the
    responsibility-list suggestions are the case detail's ``suggested_units``."""
    from cases.forms import handling_units as units_for

    case = _case(request, number)
    return [
        {"id": u.pk, "name": u.name, "kind": u.kind, "path": u.path, "parent_id": None}
        for u in units_for(case)
    ]


@router.get(
    "/cases/{number}/suggestions",
    response={200: s.SuggestionsOut, **s.ERRORS},
    summary="智能辅助:分类建议、责任单位建议、疑似重复事项(调度员)",
)
def case_suggestions(request, number: str):
    """The same suggestions as the case page's 智能辅助 panel, from the dispatch assistant that
    registered with ``cases.assist`` (the intel app; none registered: empty lists)."""
    from orgs.scoping import can

    case = _case(request, number)
    if not can(request.user, "dispatch", case.org):
        raise ApiError(403, "forbidden", "只有调度人员可以查看智能辅助建议")
    out = assist.suggestions(case, request.user) or {"suggestions": [], "units": [], "duplicates": []}
    return {
        "categories": [
            {"category": x.category, "score": x.score, "words": x.words, "source": x.source}
            for x in out["suggestions"]
        ],
        "units": [{"unit": u.unit, "score": u.score, "reasons": u.reasons} for u in out["units"]],
        "duplicates": [
            {"number": d.case.number, "title": d.case.title, "similarity": d.similarity, "reasons": d.reasons}
            for d in out["duplicates"]
        ],
    }


@router.post(
    "/cases/{number}/reveal-phone",
    response={200: s.PhoneOut, **s.ERRORS},
    summary="查看反映人电话(回访,记入审计)",
)
def reveal_phone(request, number: str, payload: s.RevealIn):
    case = _case(request, number)
    return {"phone": services.reveal_reporter_phone(case, actor=request.user, reason=payload.reason)}


# ---------------------------------------------------------------------------------------------
# Transitions: one endpoint per service function


def _expected(payload) -> str | None:
    return payload.expected_status or None


@router.post("/cases/{number}/register", response={200: s.CaseAfter, **s.ERRORS}, summary="立案")
def register(request, number: str, payload: s.RegisterIn):
    case = _case(request, number)
    case = services.register_case(
        case,
        actor=request.user,
        category=_category(payload.category),
        urgency=payload.urgency,
        title=payload.title,
        note=payload.note,
        expected_status=_expected(payload),
    )
    return _after(request, case)


@router.post(
    "/cases/{number}/request-verification", response={200: s.CaseAfter, **s.ERRORS}, summary="派发核实"
)
def request_verification(request, number: str, payload: s.NoteIn):
    case = services.request_verification(
        _case(request, number), actor=request.user, note=payload.note, expected_status=_expected(payload)
    )
    return _after(request, case)


@router.post("/cases/{number}/verify", response={200: s.CaseAfter, **s.ERRORS}, summary="记录核实结果")
def verify(request, number: str, payload: s.VerifyIn):
    case = services.record_verification(
        _case(request, number),
        actor=request.user,
        confirmed=payload.confirmed,
        note=payload.note,
        expected_status=_expected(payload),
    )
    return _after(request, case)


@router.post("/cases/{number}/reject", response={200: s.CaseAfter, **s.ERRORS}, summary="不予立案")
def reject(request, number: str, payload: s.RejectIn):
    case = services.reject_case(
        _case(request, number), actor=request.user, reason=payload.reason, expected_status=_expected(payload)
    )
    return _after(request, case)


@router.post("/cases/{number}/dispatch", response={200: s.CaseAfter, **s.ERRORS}, summary="派遣")
def dispatch(request, number: str, payload: s.DispatchIn):
    case = services.dispatch_case(
        _case(request, number),
        actor=request.user,
        lead_unit=_org(payload.lead_unit, "lead_unit"),
        co_units=_orgs(payload.co_units, "co_units"),
        instructions=payload.instructions,
        expected_status=_expected(payload),
    )
    return _after(request, case)


@router.post("/cases/{number}/adjudicate", response={200: s.CaseAfter, **s.ERRORS}, summary="裁定退单")
def adjudicate(request, number: str, payload: s.AdjudicateIn):
    case = services.adjudicate_return(
        _case(request, number),
        actor=request.user,
        upheld=payload.upheld,
        note=payload.note,
        lead_unit=_org(payload.lead_unit, "lead_unit") if payload.upheld else None,
        co_units=_orgs(payload.co_units, "co_units") if payload.upheld else [],
        expected_status=_expected(payload),
    )
    return _after(request, case)


@router.post(
    "/cases/{number}/check", response={200: s.CaseAfter, **s.ERRORS}, summary="核查(通过即结案,不通过返工)"
)
def check(request, number: str, payload: s.CheckIn):
    case = services.check_case(
        _case(request, number),
        actor=request.user,
        passed=payload.passed,
        note=payload.note,
        uploads=s.decode_photos(payload.photos),
        expected_status=_expected(payload),
    )
    return _after(request, case)


@router.post("/cases/{number}/rate", response={200: s.CaseAfter, **s.ERRORS}, summary="回访评价")
def rate(request, number: str, payload: s.RateIn):
    case = services.rate_case(
        _case(request, number),
        actor=request.user,
        resolved=payload.resolved,
        satisfaction=payload.satisfaction,
        contacted=payload.contacted,
        comment=payload.comment,
    )
    return _after(request, case)


def _assignment(request, number: str, assignment_id: int):
    case = _case(request, number)
    return case, get_object_or_404(case.assignments.select_related("org", "case"), pk=assignment_id)


@router.post(
    "/cases/{number}/assignments/{assignment_id}/sign",
    response={200: s.CaseAfter, **s.ERRORS},
    summary="签收",
)
def sign(request, number: str, assignment_id: int):
    case, assignment = _assignment(request, number, assignment_id)
    services.sign_assignment(assignment, actor=request.user)
    return _after(request, case)


@router.post(
    "/cases/{number}/assignments/{assignment_id}/return",
    response={200: s.CaseAfter, **s.ERRORS},
    summary="退单",
)
def return_assignment(request, number: str, assignment_id: int, payload: s.ReturnIn):
    case, assignment = _assignment(request, number, assignment_id)
    services.return_assignment(assignment, actor=request.user, reason=payload.reason, note=payload.note)
    return _after(request, case)


@router.post(
    "/cases/{number}/assignments/{assignment_id}/feedback",
    response={200: s.CaseAfter, **s.ERRORS},
    summary="处置反馈",
)
def feedback(request, number: str, assignment_id: int, payload: s.FeedbackIn):
    case, assignment = _assignment(request, number, assignment_id)
    services.give_feedback(
        assignment, actor=request.user, text=payload.text, uploads=s.decode_photos(payload.photos)
    )
    return _after(request, case)


# ---------------------------------------------------------------------------------------------
# Requests and approvals (延期, 挂账, 重办, 不合理诉求认定), 吹哨报到, merging, public flag


@router.post("/cases/{number}/extension", response={200: s.CaseAfter, **s.ERRORS}, summary="申请延期")
def request_extension(request, number: str, payload: s.ExtensionIn):
    case = _case(request, number)
    approvals.request_extension(case, actor=request.user, days=payload.days, reason=payload.reason)
    return _after(request, case)


@router.post("/cases/{number}/parking", response={200: s.CaseAfter, **s.ERRORS}, summary="申请挂账")
def request_parking(request, number: str, payload: s.ParkingIn):
    case = _case(request, number)
    approvals.request_parking(case, actor=request.user, until=payload.until, reason=payload.reason)
    return _after(request, case)


@router.post("/cases/{number}/rehandle", response={200: s.CaseAfter, **s.ERRORS}, summary="申请重办")
def request_rehandle(request, number: str, payload: s.ReasonIn):
    case = _case(request, number)
    approvals.request_rehandle(case, actor=request.user, reason=payload.reason)
    return _after(request, case)


@router.post(
    "/cases/{number}/exclusion", response={200: s.CaseAfter, **s.ERRORS}, summary="申请认定不合理诉求"
)
def request_exclusion(request, number: str, payload: s.ReasonIn):
    case = _case(request, number)
    approvals.request_exclusion(case, actor=request.user, reason=payload.reason)
    return _after(request, case)


@router.post(
    "/cases/{number}/requests/{request_id}/decide",
    response={200: s.CaseAfter, **s.ERRORS},
    summary="审批申请(同意/不同意)",
)
def decide_request(request, number: str, request_id: int, payload: s.CaseDecisionIn):
    case = _case(request, number)
    case_request = get_object_or_404(case.requests.all(), pk=request_id)
    approvals.decide_request(case_request, actor=request.user, approve=payload.approve, note=payload.note)
    return _after(request, case)


@router.post("/cases/{number}/summon", response={200: s.CaseAfter, **s.ERRORS}, summary="吹哨:召集部门报到")
def summon(request, number: str, payload: s.SummonIn):
    case = _case(request, number)
    coordination.summon_units(
        case, actor=request.user, units=_orgs(payload.units, "units"), note=payload.note
    )
    return _after(request, case)


@router.post(
    "/cases/{number}/assignments/{assignment_id}/report-in",
    response={200: s.CaseAfter, **s.ERRORS},
    summary="被吹哨部门报到",
)
def report_in(request, number: str, assignment_id: int, payload: s.ReportInIn):
    case, assignment = _assignment(request, number, assignment_id)
    coordination.report_in(assignment, actor=request.user, note=payload.note)
    return _after(request, case)


@router.post("/cases/{number}/merge", response={200: s.CaseAfter, **s.ERRORS}, summary="合并到主事项")
def merge(request, number: str, payload: s.MergeIn):
    case = _case(request, number)
    master = _visible(request, "dispatch").filter(number=payload.into.strip().upper()).first()
    if master is None:
        raise ApiError(422, "rule_violation", f"找不到您可以处理的事项“{payload.into}”", "into")
    coordination.merge_case(
        case, actor=request.user, into=master, reason=payload.reason, expected_status=_expected(payload)
    )
    return _after(request, case)


@router.post("/cases/{number}/public", response={200: s.CaseAfter, **s.ERRORS}, summary="公开设置")
def set_public(request, number: str, payload: s.PublicIn):
    case = _case(request, number)
    coordination.set_public(case, actor=request.user, public=payload.public, reason=payload.reason)
    return _after(request, case)
