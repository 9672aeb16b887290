"""Request and response shapes of the REST API (pydantic, via django-ninja)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from ninja import Field, Schema
from pydantic import ConfigDict

from cases.models import CaseStatus
from core.textguard import NONBLANK_PATTERN

from ..errors import ApiError

# From the model, so statuses added to the workflow appear in the schema without an edit here.
CaseStatusCode = Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
UrgencyCode = Literal["emergency", "urgent", "ordinary"]

# The largest ``offset`` of the offset-paginated lists (beyond any table; larger overflows SQL).
MAX_OFFSET = 1_000_000_000

# Standard Base64 (RFC 4648, with padding), as ``base64.b64decode(validate=True)`` accepts it.
BASE64_PATTERN = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
# ``orgs.validators.check_phone`` (mobile 11 digits, or a landline such as 0731-88888888), or empty.
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})?$"


class In(Schema):
    """Base of every request body: a field the operation does not know is refused (422 ``invalid``),
    so a misspelt optional field is not silently ignored; the document says
    ``additionalProperties: false``. Every string of a request also follows
    ``core.textguard.TEXT_PATTERN`` (stated in the document by ``api.v1.openapi``)."""

    model_config = ConfigDict(extra="forbid")


def Required(*, max_length: int, description: str | None = None, **extra):  # noqa: N802 (a Field factory)
    """A required text that must not be empty once the service strips it (the services' ``_text``)."""
    return Field(
        ..., min_length=1, max_length=max_length, pattern=NONBLANK_PATTERN, description=description, **extra
    )


class ErrorOut(Schema):
    code: str = Field(description="机器可读的错误代码")
    message: str = Field(description="中文错误说明")
    field: str | None = Field(None, description="出错的字段名")


class Ref(Schema):
    id: int
    name: str


class CategoryRef(Schema):
    id: int
    code: str
    name: str


class CategoryOut(CategoryRef):
    parent_id: int | None
    kind: str
    accepts_public: bool
    requires_verification: bool


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    path: str
    parent_id: int | None


class CaseOut(Schema):
    number: str = Field(description="事项编号")
    title: str
    status: str = Field(description="状态代码")
    status_label: str = Field(description="状态(中文)")
    channel: str
    ticket_number: str = Field("", description="12345工单号")
    urgency: str
    category: CategoryRef | None
    area: Ref = Field(description="事项所在区域(网格/社区/街道/区)")
    street: Ref | None
    community: Ref | None
    grid: Ref | None
    lead_unit: Ref | None = Field(description="主办单位")
    address: str
    longitude: float | None
    latitude: float | None
    created_at: dt.datetime
    stage: str
    due_at: dt.datetime | None = Field(description="当前环节时限")
    handle_due_at: dt.datetime | None
    overdue: bool
    closed_at: dt.datetime | None
    rework_count: int
    reporter: str = Field(description="反映人(已脱敏)")


class AssignmentOut(Schema):
    id: int
    unit: Ref
    role: str
    status: str
    instructions: str
    dispatched_at: dt.datetime
    sign_due_at: dt.datetime | None
    return_due_at: dt.datetime | None
    handle_due_at: dt.datetime | None
    signed_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    return_note: str
    return_upheld: bool | None
    fed_back_at: dt.datetime | None
    feedback: str


class EventOut(Schema):
    seq: int
    action: str
    label: str
    at: dt.datetime
    actor: str
    reason: str
    public_note: str
    before: dict | None
    after: dict | None


class AttachmentOut(Schema):
    id: int
    stage: str
    width: int
    height: int
    created_at: dt.datetime
    url: str


class RatingOut(Schema):
    contacted: bool | None
    resolved: bool | None
    satisfaction: str
    comment: str
    rated_at: dt.datetime | None


class RequestOut(Schema):
    id: int
    kind: str = Field(description="extension 延期 / parking 挂账 / rehandle 重办 / exclusion 不合理诉求认定")
    status: str = Field(description="pending 待审批 / approved 已批准 / rejected 未批准")
    reason: str
    days: int | None
    until: dt.date | None
    requester_unit: Ref | None
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str


class CaseDetail(CaseOut):
    description: str
    rejected_reason: str
    resolved_on_spot: bool
    registered_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    fed_back_at: dt.datetime | None
    closed_on_time: bool | None
    rating: RatingOut
    assignments: list[AssignmentOut]
    timeline: list[EventOut]
    attachments: list[AttachmentOut]
    suggested_units: list[Ref] = Field(description="按责任清单建议的承办单位")
    requests: list[RequestOut] = Field(description="延期、挂账、重办、不合理诉求认定申请及审批")
    merged_into: str | None = Field(description="已并入的主事项编号")
    merged_cases: list[str] = Field(description="并入本事项的重复事项编号")
    is_public: bool
    excluded_from_evaluation: bool
    rehandle_count: int
    extended_days: int


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="下一页游标;为空表示没有更多")


class PhotoIn(In):
    filename: str = Field("photo.jpg", max_length=200)
    content_base64: str = Field(
        min_length=4,
        pattern=BASE64_PATTERN,
        description="图片内容(标准 Base64),JPEG/PNG 等图片,单张不超过 10 MB;不是图片时返回 422",
    )


class CaseCreateIn(In):
    channel: Literal["api", "hotline", "patrol", "public"] = "api"
    description: str = Required(max_length=2000, description="问题描述")
    title: str = Field("", max_length=100, description="标题;为空时取问题描述的前30字")
    address: str = Field("", max_length=200, description="地址;位置(经纬度)、所在区域、地址至少给出一项")
    longitude: float | None = Field(
        None, ge=-180, le=180, description="经度(与纬度同时给出);须在本区范围内(含边界外延),否则 422"
    )
    latitude: float | None = Field(None, ge=-90, le=90, description="纬度(与经度同时给出)")
    area: int | None = Field(None, description="所在区域(街道/社区/网格)的组织 id")
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field(
        "", max_length=13, pattern=PHONE_PATTERN, description="手机号11位或座机;public 来源非匿名时必填"
    )
    anonymous: bool = False
    category: int | None = Field(None, description="分类 id")
    urgency: UrgencyCode = "ordinary"
    photos: list[PhotoIn] = Field(default_factory=list, max_length=9)
    ticket_number: str = Field(
        "", max_length=40, description="市12345热线平台的工单号(可选;同一来源不能重复,可在列表 q 中检索)"
    )


class Expected(In):
    expected_status: CaseStatusCode | None = Field(
        None, description="调用方看到的状态;若事项状态已变化则返回 409"
    )


class RegisterIn(Expected):
    category: int
    urgency: UrgencyCode | None = None
    title: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)


class NoteIn(Expected):
    note: str = Field("", max_length=2000)


class VerifyIn(Expected):
    confirmed: bool
    note: str = Required(max_length=2000)


class RejectIn(Expected):
    reason: str = Required(max_length=200)


class DispatchIn(Expected):
    lead_unit: int
    co_units: list[int] = Field(default_factory=list, max_length=20)
    instructions: str = Field("", max_length=500)


class AdjudicateIn(Expected):
    upheld: bool
    note: str = Required(max_length=500)
    lead_unit: int | None = None
    co_units: list[int] = Field(default_factory=list, max_length=20)


class CheckIn(Expected):
    passed: bool
    note: str = Field("", max_length=500, description="核查意见;不通过(passed=false)时必填")
    photos: list[PhotoIn] = Field(default_factory=list, max_length=9)


class RateIn(In):
    resolved: bool
    satisfaction: Literal["satisfied", "basic", "dissatisfied"]
    contacted: bool | None = None
    comment: str = Field("", max_length=500)


class ReturnIn(In):
    reason: Literal["not_our_duty", "wrong_area", "info_incomplete", "duplicate", "other"]
    note: str = Required(max_length=500)


class FeedbackIn(In):
    text: str = Required(max_length=2000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=9)


class RevealIn(In):
    reason: str = Required(max_length=200, description="查看用途(记入审计)")


class PhoneOut(Schema):
    phone: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreateIn(In):
    name: str = Required(max_length=100)


class TokenCreatedOut(TokenOut):
    token: str = Field(description="令牌明文,只显示这一次")


class MeOut(Schema):
    username: str
    name: str
    is_superuser: bool
    roles: list[dict]
    actions: list[str]
    token: str | None = Field(description="当前使用的令牌前缀;会话方式为空")


class UnitScoreOut(Schema):
    rank: int | None
    unit: Ref
    closed: int
    callbacks: int
    dispatched: int
    returned: int
    rates: dict[str, float | None]
    score: float | None


class EvaluationOut(Schema):
    month: str
    group: str
    rows: list[UnitScoreOut]


class WebhookOut(Schema):
    id: int
    org: Ref
    url: str
    events: list[str]
    description: str
    created_at: dt.datetime
    deactivated_at: dt.datetime | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="签名密钥(HMAC-SHA256),只显示这一次")


def _event_codes(schema: dict) -> None:
    """The registered case events, listed when the document is generated (the registry is filled as
    the apps load); ``api.services.subscribe_webhook`` checks the same registry."""
    from audit import events

    schema["items"] = {
        "type": "string",
        "enum": [code for code in events.all_codes() if code.startswith("case.")],
    }


# ``api.services._check_url``: http(s), a host name, at most 500 characters.
WEBHOOK_URL_PATTERN = r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?([/?#][!-~]*)?$"


class WebhookIn(In):
    org: int
    url: str = Field(
        max_length=500, pattern=WEBHOOK_URL_PATTERN, description="http:// 或 https:// 开头的完整网址"
    )
    events: list[str] = Field(
        default_factory=list, max_length=50, description="事件代码(空为全部)", json_schema_extra=_event_codes
    )
    description: str = Field("", max_length=200)


class DeliveryOut(Schema):
    id: int
    event_action: str
    case_number: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    created_at: dt.datetime


class CategorySuggestionOut(Schema):
    category: CategoryRef
    score: float
    words: list[str] = Field(description="驱动该建议的词")
    source: str = Field(description="model(模型)或 keywords(关键词规则)")


class UnitSuggestionOut(Schema):
    unit: Ref
    score: float
    reasons: list[str] = Field(description="建议理由:责任清单、近90天相似事项由谁办结等")


class DuplicateOut(Schema):
    number: str
    title: str
    similarity: float
    reasons: list[str]


class SuggestionsOut(Schema):
    """智能辅助: category and unit suggestions and duplicate candidates for one case."""

    categories: list[CategorySuggestionOut]
    units: list[UnitSuggestionOut]
    duplicates: list[DuplicateOut]


ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}


class CaseGone(Schema):
    """The answer to an action after which the caller no longer sees the case (e.g. it was handed
    to another unit): the action took effect, but like the page (which then goes back to the list)
    the API shows nothing more of the case than its number and new status."""

    number: str = Field(description="事项编号")
    status: str = Field(description="状态代码")
    status_label: str
    visible: Literal[False] = Field(description="恒为 false:操作已生效,但调用者已无权查看该事项")


# What a case action answers: the case as the caller now sees it, or ``CaseGone``.
CaseAfter = CaseDetail | CaseGone


API_PREFIX = "/api/v1"


class ActionOut(Schema):
    """One action the caller may take now (from the workflow's transition table)."""

    action: str = Field(description="操作代码")
    label: str = Field(description="操作名称")
    method: str | None = Field(description="HTTP 方法(无对应接口时为 null,只能在网页上办理)")
    endpoint: str | None = Field(description="接口路径(含 /api/v1 前缀)")
    assignment: int | None = Field(None, description="承办记录 id(承办单位的操作)")


class ExtensionIn(In):
    days: int = Field(ge=1, le=30, description="延期工作日数(1–30)")
    reason: str = Required(max_length=500)


class ParkingIn(In):
    until: dt.date = Field(description="计划办结日期(晚于今天,一年以内)")
    reason: str = Required(max_length=500)


class ReasonIn(Expected):
    reason: str = Required(max_length=500)


class CaseDecisionIn(In):
    approve: bool
    note: str = Field("", max_length=500, description="审批意见;不同意(approve=false)时必填")


class SummonIn(In):
    units: list[int] = Field(min_length=1, max_length=20, description="被召集的区直部门")
    note: str = Required(max_length=500)


class ReportInIn(In):
    note: str = Required(max_length=500)


class MergeIn(Expected):
    into: str = Required(max_length=24, description="主事项编号")
    reason: str = Required(max_length=500)


class PublicIn(In):
    public: bool
    reason: str = Required(max_length=200)


def decode_upload(content_base64: str, filename: str, field: str, label: str = "文件"):
    """A Base64 body as an upload; the service checks its format and size like a form's file."""
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ApiError(422, "invalid", f"{label}内容不是有效的 Base64", field) from error
    return SimpleUploadedFile(filename, content)


def decode_photos(photos: list[PhotoIn], field: str = "photos") -> list:
    return [decode_upload(p.content_base64, p.filename or "photo.jpg", field, "照片") for p in photos]
