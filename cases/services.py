"""The case workflow: one function per transition (GB/T 30428 loop plus 12345 practice).

Every function runs in one transaction: lock the case row → check the actor's scope and the
current status (a stale page gets ``StateConflict``) → change the rows → start the next stage's
clock → append one audit event (the case timeline). Views, the API, the CLI and the demo
generator all call these.

    report_case ─► (request_verification ─► record_verification) ─► register_case | reject_case
    register_case ─► dispatch_case ─► sign_assignment | return_assignment ─► adjudicate_return
    sign_assignment ─► give_feedback (lead) ─► check_case ─► closed | rework (back to handling)
    closed ─► rate_case (callback)                      patrol_on_spot: report + close at once
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import events
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from core.privacy import mask_personal_text
from orgs.models import ADMIN_KINDS, Org, OrgKind
from orgs.permissions import require

from . import assist, deadlines, locate, photos
from .models import (
    CALLBACK_MAX_ATTEMPTS,
    NUMBER_SEQUENCE,
    AssignmentRole,
    AssignmentStatus,
    AttachmentStage,
    CallbackOutcome,
    Case,
    CaseAssignment,
    CaseAttachment,
    CaseCounter,
    CaseStatus,
    Category,
    Channel,
    ReturnReason,
    Satisfaction,
    Stage,
    Urgency,
)
from .workflow import ASSIGNMENTS, CASES, HANDLING_KINDS, MAX_TEXT  # noqa: F401 (HANDLING_KINDS: forms read it here)
from .workflow import add_event as _event
from .workflow import check_units as _check_units
from .workflow import create_assignments as _create_assignments
from .workflow import locked as _locked
from .workflow import locked_assignment as _locked_assignment
from .workflow import now as _now
from .workflow import save_case as _save
from .workflow import set_stage as _set_stage

E = events.register
REPORTED = E("case.reported", "上报事项")
VERIFICATION_REQUESTED = E("case.verification_requested", "派发核实")
VERIFIED = E("case.verified", "核实属实")
VERIFIED_FALSE = E("case.verified_false", "核实不属实")
REGISTERED = E("case.registered", "立案")
REJECTED = E("case.rejected", "不予立案")
DISPATCHED = E("case.dispatched", "派遣")
SIGNED = E("case.signed", "签收")
RETURNED = E("case.returned", "退单")
RETURN_UPHELD = E("case.return_upheld", "退单成立,改派")
RETURN_OVERRULED = E("case.return_overruled", "退单不成立,原单位继续办理")
FED_BACK = E("case.fed_back", "处置反馈")
CO_FED_BACK = E("case.co_fed_back", "协办单位反馈")
CLOSED = E("case.closed", "核查通过,结案")
REWORK = E("case.rework", "核查不通过,返工")
CLOSED_ON_SPOT = E("case.closed_on_spot", "即报即办,现场处置结案")
RATED = E("case.rated", "回访评价")
REPORTER_VIEWED = E("case.reporter_viewed", "查看反映人联系方式")
CALLBACK_MISSED = E("case.callback_missed", "回访未联系上")
CALLBACK_UNREACHABLE = E("case.callback_unreachable", "回访:无法联系")


# ---------------------------------------------------------------------------------------------
# Helpers


def next_number(day: dt.date | None = None) -> str:
    """The next tracking number of the day: ``YL20261129-0001`` (prefix from settings; 4+ digits).

    PostgreSQL: no lock shared by concurrent intakes. One sequence (``NUMBER_SEQUENCE``) counts for
    every day, and the day's ``CaseCounter`` row holds ``base``, the sequence's value just before the
    day's first number: number = ``nextval − base``, one statement that locks nothing. The day's
    row is made by its first intake (``base = nextval − 1``, so that intake gets 0001); intakes
    racing it wait for it to commit (``ON CONFLICT DO NOTHING``) and then read its row — a wait
    once a day, not for every intake. ``nextval`` is not rolled back: a rolled-back intake burns its
    number, so a day's numbers are unique and increasing but may have gaps (docs/apps/cases.md,
    "Tracking numbers"). Numbers are unique per day because every ``nextval`` is unique and the
    day's ``base`` never changes once committed; a row read in a statement's snapshot was
    committed (with its ``nextval``) before that statement's own ``nextval``, so numbers are ≥ 1.

    SQLite (one writer at a time anyway): an upsert of the day's ``last``, gap-free.
    """
    day = day or timezone.localdate()
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    on_day = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            while True:
                cursor.execute(
                    f"SELECT nextval('{NUMBER_SEQUENCE}') - base FROM {table} WHERE day = %s", [on_day]
                )
                row = cursor.fetchone()
                if row is None:  # the day's first intake (or racing it)
                    cursor.execute(
                        f"INSERT INTO {table} (day, last, base) "
                        f"VALUES (%s, 0, nextval('{NUMBER_SEQUENCE}') - 1) "
                        "ON CONFLICT (day) DO NOTHING RETURNING 1",
                        [on_day],
                    )
                    row = cursor.fetchone()  # None: another intake made the row first; read it
                if row is not None:
                    (number,) = row
                    break
        else:
            cursor.execute(
                f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
                f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
                [on_day],
            )
            (number,) = cursor.fetchone()
    prefix = getattr(settings, "LUOSHI_CASE_PREFIX", "YL")
    return f"{prefix}{day:%Y%m%d}-{number:04d}"


def _attach(case: Case, uploads, stage: str, actor) -> None:
    uploads = list(uploads or [])
    photos.check_count(uploads)
    for upload in uploads:
        content, width, height = photos.clean_photo(upload)
        CaseAttachment.objects.create(
            case=case,
            stage=stage,
            file=content,
            width=width,
            height=height,
            uploaded_by=user_or_none(actor),
            created_at=_now(),
        )


def _clean_point(longitude, latitude) -> tuple[float | None, float | None]:
    if longitude in (None, "") and latitude in (None, ""):
        return None, None
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError) as error:
        raise ServiceError("位置坐标格式不正确", field="location") from error
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ServiceError("位置坐标必须是有效的数字", field="location")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ServiceError("位置坐标超出范围", field="location")
    locate.check_in_district(lon, lat)
    return lon, lat


def _clean_ticket(channel: str, value: str) -> str:
    """工单号 of the city 12345 platform: optional, letters/digits/-, once per source."""
    value = clean_text(value, "ticket_number", "12345工单号", required=False, limit=40).replace(" ", "")
    if not value:
        return ""
    if not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
        raise ServiceError("12345工单号只能包含字母、数字和“-”", field="ticket_number")
    existing = (
        Case.objects.filter(channel=channel, ticket_number=value).values_list("number", flat=True).first()
    )
    if existing:
        raise ServiceError(f"该12345工单号已录入(事项 {existing}),请勿重复录入", field="ticket_number")
    return value


def _district_root() -> Org:
    root = (
        Org.objects.filter(depth=1, kind=OrgKind.DISTRICT, archived_at__isnull=True).order_by("path").first()
    )
    if root is None:
        raise ServiceError("系统尚未建立行政区划,无法受理事项")
    return root


# ---------------------------------------------------------------------------------------------
# Intake (信息收集/受理)


@transaction.atomic
def report_case(
    *,
    channel: str,
    description: str,
    actor=None,
    title: str = "",
    address: str = "",
    longitude=None,
    latitude=None,
    area: Org | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    category: Category | None = None,
    urgency: str = Urgency.ORDINARY,
    uploads=(),
    notify_reporter: bool = True,
    ticket_number: str = "",
) -> Case:
    """A new case from any channel. Location by point (point-in-polygon) or by picking ``area``
    (a community or grid); a case outside every grid goes to the district dispatch queue."""
    from orgs.validators import check_phone

    if channel not in Channel.values:
        raise ServiceError("来源无效", field="channel")
    description = clean_text(description, "description", "问题描述", required=True, limit=MAX_TEXT)
    # Phone and ID numbers typed into the text stay in the description (staff may need them) but
    # never reach the title, which lists, exports and the public page show.
    title = mask_personal_text(
        clean_text(title, "title", "标题", required=False, limit=100) or description[:30]
    )
    address = clean_text(address, "address", "地址", required=False, limit=200)
    lon, lat = _clean_point(longitude, latitude)
    if urgency not in Urgency.values:
        raise ServiceError("紧急程度无效", field="urgency")
    reporter_name = clean_text(reporter_name, "reporter_name", "反映人姓名", required=False, limit=50)
    reporter_phone = (reporter_phone or "").strip()
    if reporter_phone and (error := check_phone(reporter_phone)):
        raise ServiceError(error, field="reporter_phone")
    if channel == Channel.PUBLIC and not anonymous and not reporter_phone:
        raise ServiceError("请留下联系电话以便回访,或选择匿名反映", field="reporter_phone")
    ticket_number = _clean_ticket(channel, ticket_number)
    if lon is None and area is None and not address:
        raise ServiceError("请在地图上选择位置、选择所在社区,或填写地址", field="location")
    if area is not None and area.kind not in ADMIN_KINDS:
        raise ServiceError("所在区域必须是街道、社区/村或网格", field="area")
    if category is not None and (
        not category.active or (channel == Channel.PUBLIC and not category.accepts_public)
    ):
        raise ServiceError("该分类不接受上报", field="category")

    place = locate.locate(lon, lat) if lon is not None else locate.place_of_org(area)
    org = place.org or _district_root()
    if channel != Channel.PUBLIC:
        require(actor, "report", org, "您没有在该区域录入事项的权限")
    now = _now()
    case = Case(
        channel=channel,
        title=title,
        description=description,
        address=address,
        longitude=lon,
        latitude=lat,
        grid=place.grid,
        community=place.community,
        street=place.street,
        org=org,
        reporter_name="" if anonymous else reporter_name,
        anonymous=anonymous,
        reporter_user=actor
        if getattr(actor, "is_authenticated", False) and channel == Channel.PUBLIC
        else None,
        category=category,
        urgency=urgency,
        notify_reporter=notify_reporter,
        ticket_number=ticket_number,
        created_at=now,
    )
    case.set_reporter_phone("" if anonymous else reporter_phone)
    _set_stage(case, Stage.REGISTER, now)
    # The number last: on SQLite taking it locks the day's counter row until commit.
    case.number = next_number(timezone.localtime(now).date())
    case.save()
    _attach(case, uploads, AttachmentStage.REPORT, actor)
    _event(
        case,
        REPORTED,
        actor,
        after={"channel": channel, "org": org.name, "urgency": urgency},
        public_note="已收到您反映的问题",
        new_case=True,
    )
    return case


@transaction.atomic
def patrol_on_spot(
    *,
    actor,
    grid: Org | None,
    description: str,
    before_photos,
    after_photos,
    title: str = "",
    category: Category | None = None,
    longitude=None,
    latitude=None,
    address: str = "",
    note: str = "",
) -> Case:
    """即报即办: a grid worker resolves a simple problem on the spot and closes it with photos.

    Without ``grid`` the grid is found from the point, like any report (``locate``)."""
    if grid is None:
        lon, lat = _clean_point(longitude, latitude)
        if lon is None:
            raise ServiceError("请选择网格,或在地图上选择位置", field="grid")
        grid = locate.locate(lon, lat).grid
        if grid is None:
            raise ServiceError("所选位置不在任何网格内,请在列表中选择网格", field="grid")
        require(actor, "handle", grid, f"所选位置属于“{grid.name}”,您不是该网格的网格员,不能现场处置结案")
    require(actor, "handle", grid, "您不是该网格的网格员,不能现场处置结案")
    if grid.kind != OrgKind.GRID:
        raise ServiceError("请选择网格", field="grid")
    if not before_photos or not after_photos:
        raise ServiceError("即报即办需上传处置前和处置后照片", field="photos")
    case = report_case(
        channel=Channel.PATROL,
        description=description,
        actor=actor,
        title=title,
        area=grid,
        longitude=longitude,
        latitude=latitude,
        address=address,
        category=category,
    )
    now = _now()
    _attach(case, before_photos, AttachmentStage.BEFORE, actor)
    _attach(case, after_photos, AttachmentStage.AFTER, actor)
    case.status = CaseStatus.CLOSED
    case.resolved_on_spot = True
    case.lead_unit = grid
    case.registered_at = case.dispatched_at = case.fed_back_at = case.closed_at = now
    case.closed_on_time = True
    _set_stage(case, None, now)
    _save(
        case,
        "status",
        "resolved_on_spot",
        "lead_unit",
        "registered_at",
        "dispatched_at",
        "fed_back_at",
        "closed_at",
        "closed_on_time",
    )
    _event(case, CLOSED_ON_SPOT, actor, reason=note, public_note="网格员已现场处置")
    return case


# ---------------------------------------------------------------------------------------------
# Verification and registration (核实, 立案)


@transaction.atomic
def request_verification(case: Case, *, actor, note: str = "", expected_status: str | None = None) -> Case:
    case = _locked(case, CASES.statuses("request_verification"), expected_status)
    CASES.check_permission("request_verification", case, actor)
    now = _now()
    case.status = CaseStatus.VERIFYING
    _set_stage(case, Stage.REGISTER, now)
    _save(case, "status")
    _event(case, VERIFICATION_REQUESTED, actor, reason=note)
    return case


@transaction.atomic
def record_verification(
    case: Case, *, actor, confirmed: bool, note: str, expected_status: str | None = None
) -> Case:
    case = _locked(case, CASES.statuses("verify"), expected_status)
    CASES.check_permission("verify", case, actor)
    note = clean_text(note, "note", "核实情况", required=True, limit=MAX_TEXT)
    now = _now()
    if confirmed:
        case.status, case.verified_at = CaseStatus.REPORTED, now
        _set_stage(case, Stage.REGISTER, now)
        _save(case, "status", "verified_at")
        _event(case, VERIFIED, actor, reason=note)
    else:
        case.status = CaseStatus.REJECTED
        case.rejected_reason = f"经现场核实:{note}"[:200]
        _set_stage(case, None, now)
        _save(case, "status", "rejected_reason")
        _event(case, VERIFIED_FALSE, actor, reason=note, public_note=case.rejected_reason)
    return case


@transaction.atomic
def register_case(
    case: Case,
    *,
    actor,
    category: Category,
    urgency: str | None = None,
    title: str = "",
    note: str = "",
    expected_status: str | None = None,
) -> Case:
    case = _locked(case, CASES.statuses("register"), expected_status)
    CASES.check_permission("register", case, actor)
    if category is None or not category.is_leaf or not category.active:
        raise ServiceError("请选择有效的小类", field="category")
    if category.requires_verification and case.verified_at is None:
        raise ServiceError(f"“{category.name}”类事项需先派网格员核实后才能立案", field="category")
    urgency = urgency or case.urgency
    if urgency not in Urgency.values:
        raise ServiceError("紧急程度无效", field="urgency")
    before = {"category": case.category_id, "urgency": case.urgency, "title": case.title}
    now = _now()
    case.category, case.urgency = category, urgency
    case.title = clean_text(title, "title", "标题", required=False, limit=100) or case.title
    case.status = CaseStatus.REGISTERED
    case.registered_at = now
    _set_stage(case, Stage.DISPATCH, now)
    _save(case, "category", "urgency", "title", "status", "registered_at")
    _event(
        case,
        REGISTERED,
        actor,
        reason=note,
        before=before,
        after={"category": category.pk, "urgency": urgency, "title": case.title},
        public_note=f"已立案:{category}",
    )
    _intel_feedback("category", case, actor)
    return case


@transaction.atomic
def reject_case(case: Case, *, actor, reason: str, expected_status: str | None = None) -> Case:
    """不予立案, with a reason the reporter sees on the tracking page."""
    case = _locked(case, CASES.statuses("reject"), expected_status)
    CASES.check_permission("reject", case, actor)
    reason = clean_text(reason, "reason", "不予立案理由", limit=200, required=True)
    case.status = CaseStatus.REJECTED
    case.rejected_reason = reason
    _set_stage(case, None, _now())
    _save(case, "status", "rejected_reason")
    _event(case, REJECTED, actor, reason=reason, public_note=f"不予立案:{reason}")
    return case


# ---------------------------------------------------------------------------------------------
# Dispatch, sign-for, return (派遣, 签收, 退单)


@transaction.atomic
def dispatch_case(
    case: Case,
    *,
    actor,
    lead_unit: Org,
    co_units: Sequence[Org] = (),
    instructions: str = "",
    expected_status: str | None = None,
) -> Case:
    """派遣/流转交办 to one lead unit (主办) and optional co-units (协办); the handling clock starts."""
    case = _locked(case, CASES.statuses("dispatch"), expected_status)
    CASES.check_permission("dispatch", case, actor)
    units = _check_units(case, lead_unit, list(co_units))
    instructions = clean_text(instructions, "instructions", "派遣意见", required=False, limit=500)
    now = _now()
    case.handle_due_at = deadlines.stage_due(case.category, case.urgency, Stage.HANDLE, now)
    _create_assignments(case, units[0], units[1:], actor, instructions, now)
    case.status = CaseStatus.DISPATCHED
    case.lead_unit = units[0]
    case.dispatched_at = now
    _set_stage(case, Stage.SIGN, now)
    _save(case, "status", "lead_unit", "dispatched_at", "handle_due_at")
    _event(
        case,
        DISPATCHED,
        actor,
        reason=instructions,
        after={
            "lead_unit": units[0].name,
            "co_units": [u.name for u in units[1:]],
            "handle_due_at": case.handle_due_at,
        },
        public_note=f"已交由{units[0].name}办理",
    )
    _intel_feedback("unit", case, actor)
    return case


def _intel_feedback(kind: str, case: Case, actor) -> None:
    """智能辅助: record whether the dispatcher took the suggested category / unit (never raises)."""
    assist.decided(kind, case, actor)


@transaction.atomic
def sign_assignment(assignment: CaseAssignment, *, actor) -> CaseAssignment:
    """签收: the unit accepts the case. The lead's sign-for starts handling."""
    case = _locked(assignment.case, ASSIGNMENTS.parent_statuses("sign"))
    assignment = _locked_assignment(assignment, actor, "sign")
    if assignment.role == AssignmentRole.SUMMONED:
        raise ServiceError("被吹哨召集的部门请填写报到情况")
    now = _now()
    assignment.status, assignment.signed_at = AssignmentStatus.SIGNED, now
    assignment.signed_by = user_or_none(actor)
    assignment.save(update_fields=["status", "signed_at", "signed_by"])
    if assignment.role == AssignmentRole.LEAD:
        if case.status != CaseStatus.DISPATCHED:
            raise StateConflict("事项状态已变化,请刷新页面后重试")
        case.status = CaseStatus.HANDLING
        _set_stage(case, Stage.HANDLE, now, due=case.handle_due_at)
        _save(case, "status")
    _event(
        case,
        SIGNED,
        actor,
        after={"unit": assignment.org.name, "role": assignment.role},
        public_note=f"{assignment.org.name}已签收" if assignment.role == AssignmentRole.LEAD else "",
    )
    return assignment


@transaction.atomic
def return_assignment(assignment: CaseAssignment, *, actor, reason: str, note: str) -> CaseAssignment:
    """退单: the lead unit sends the case back, with a reason code, within the return window."""
    case = _locked(assignment.case, ASSIGNMENTS.parent_statuses("return"))
    assignment = _locked_assignment(assignment, actor, "return")
    if assignment.role != AssignmentRole.LEAD:
        raise ServiceError("协办单位不能退单;如有异议请向主办单位或调度中心反映")
    if reason not in ReturnReason.values:
        raise ServiceError("请选择退单理由", field="reason")
    note = clean_text(note, "note", "退单说明", limit=500, required=True)
    now = _now()
    if assignment.return_due_at and now > assignment.return_due_at:
        due = timezone.localtime(assignment.return_due_at)
        raise ServiceError(f"已超过退单期限({due:%m月%d日 %H:%M}),请继续办理或申请延期", field="reason")
    assignment.status, assignment.returned_at = AssignmentStatus.RETURNED, now
    assignment.return_reason, assignment.return_note = reason, note
    assignment.save(update_fields=["status", "returned_at", "return_reason", "return_note"])
    case.status = CaseStatus.RETURNED
    _set_stage(case, Stage.DISPATCH, now)
    _save(case, "status")
    _event(case, RETURNED, actor, reason=note, after={"unit": assignment.org.name, "reason": reason})
    return assignment


@transaction.atomic
def adjudicate_return(
    case: Case,
    *,
    actor,
    upheld: bool,
    note: str,
    lead_unit: Org | None = None,
    co_units: Sequence[Org] = (),
    expected_status: str | None = None,
) -> Case:
    """The dispatcher rules on a return: upheld → re-dispatch to ``lead_unit``; overruled → the
    original unit handles it and the unreasonable return counts against it."""
    case = _locked(case, CASES.statuses("adjudicate"), expected_status)
    CASES.check_permission("adjudicate", case, actor)
    note = clean_text(note, "note", "裁定意见", limit=500, required=True)
    returned = (
        case.assignments.select_for_update()
        .filter(status=AssignmentStatus.RETURNED, return_upheld__isnull=True)
        .get()
    )
    now = _now()
    returned.return_upheld = upheld
    if upheld:
        units = _check_units(case, lead_unit, list(co_units))  # type: ignore[arg-type]
        if units[0].pk == returned.org_id:
            raise ServiceError("退单成立时请改派给其他单位", field="lead_unit")
        returned.save(update_fields=["return_upheld"])
        # The old co-units go with the old lead; departments summoned by a whistle stay.
        case.assignments.filter(status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)).exclude(
            role=AssignmentRole.SUMMONED
        ).update(status=AssignmentStatus.CANCELLED)
        case.handle_due_at = deadlines.stage_due(case.category, case.urgency, Stage.HANDLE, now)
        _create_assignments(case, units[0], units[1:], actor, note, now)
        case.status, case.lead_unit, case.dispatched_at = CaseStatus.DISPATCHED, units[0], now
        _set_stage(case, Stage.SIGN, now)
        _save(case, "status", "lead_unit", "dispatched_at", "handle_due_at")
        _event(
            case,
            RETURN_UPHELD,
            actor,
            reason=note,
            after={
                "from": returned.org.name,
                "lead_unit": units[0].name,
                "co_units": [u.name for u in units[1:]],
            },
            public_note=f"已改由{units[0].name}办理",
        )
    else:
        returned.status = AssignmentStatus.SIGNED
        returned.signed_at = returned.signed_at or now
        returned.save(update_fields=["return_upheld", "status", "signed_at"])
        case.status = CaseStatus.HANDLING
        _set_stage(case, Stage.HANDLE, now, due=case.handle_due_at)
        _save(case, "status")
        _event(case, RETURN_OVERRULED, actor, reason=note, after={"unit": returned.org.name})
    return case


# ---------------------------------------------------------------------------------------------
# Handling, feedback, check, close (处置, 反馈, 核查, 结案)


@transaction.atomic
def give_feedback(assignment: CaseAssignment, *, actor, text: str, uploads=()) -> CaseAssignment:
    """处置反馈 by a unit; the lead unit's feedback completes handling and starts the check."""
    case = _locked(assignment.case, ASSIGNMENTS.parent_statuses("feedback"))
    assignment = _locked_assignment(assignment, actor, "feedback")
    text = clean_text(text, "text", "处置情况", required=True, limit=MAX_TEXT)
    now = _now()
    assignment.status, assignment.fed_back_at, assignment.feedback = AssignmentStatus.FED_BACK, now, text
    assignment.save(update_fields=["status", "fed_back_at", "feedback"])
    _attach(case, uploads, AttachmentStage.FEEDBACK, actor)
    if assignment.role == AssignmentRole.LEAD:
        case.status, case.fed_back_at = CaseStatus.FED_BACK, now
        if case.handle_due_at and now > case.handle_due_at:
            case.closed_on_time = False  # late once is late: a rework's new period does not undo it
        _set_stage(case, Stage.CHECK, now)
        _save(case, "status", "fed_back_at", "closed_on_time")
        # The handler's own words may name people; the public page gets a fixed sentence.
        _event(
            case,
            FED_BACK,
            actor,
            reason=text,
            after={"unit": assignment.org.name},
            public_note=f"{assignment.org.name}已处理完毕,正在核查",
        )
    else:
        _event(case, CO_FED_BACK, actor, reason=text, after={"unit": assignment.org.name})
    return assignment


@transaction.atomic
def check_case(
    case: Case, *, actor, passed: bool, note: str, uploads=(), expected_status: str | None = None
) -> Case:
    """核查: pass → 结案; fail → 返工 (the lead unit handles again, with a new handling period)."""
    case = _locked(case, CASES.statuses("check"), expected_status)
    CASES.check_permission("check", case, actor)
    note = clean_text(note, "note", "核查意见", required=not passed, limit=500)
    now = _now()
    _attach(case, uploads, AttachmentStage.CHECK, actor)
    if passed:
        case.status, case.closed_at = CaseStatus.CLOSED, now
        if case.closed_on_time is None:
            case.closed_on_time = bool(case.handle_due_at and case.fed_back_at <= case.handle_due_at)  # type: ignore[operator]
        # Co-units that never signed or reported are released: the case is done.
        case.assignments.filter(status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)).update(
            status=AssignmentStatus.CANCELLED
        )
        _set_stage(case, Stage.CALLBACK, now)
        _save(case, "status", "closed_at", "closed_on_time")
        _event(case, CLOSED, actor, reason=note, public_note="已办结,欢迎您评价")
        transaction.on_commit(lambda: _notify_merged(case.pk))
    else:
        # The current lead assignment (a re-handled case keeps its earlier, fed-back one).
        lead = (
            case.assignments.select_for_update()
            .filter(role=AssignmentRole.LEAD, status=AssignmentStatus.FED_BACK)
            .latest("dispatched_at", "pk")
        )
        lead.status = AssignmentStatus.SIGNED
        case.handle_due_at = deadlines.stage_due(case.category, case.urgency, Stage.HANDLE, now)
        lead.handle_due_at = case.handle_due_at
        lead.save(update_fields=["status", "handle_due_at"])
        case.status, case.fed_back_at = CaseStatus.HANDLING, None
        case.rework_count += 1
        case.extended_days = 0  # a fresh handling period: earlier extensions no longer apply
        _set_stage(case, Stage.HANDLE, now, due=case.handle_due_at)
        _save(case, "status", "fed_back_at", "rework_count", "handle_due_at", "extended_days")
        _event(case, REWORK, actor, reason=note, after={"rework_count": case.rework_count})
    return case


def _notify_merged(case_id: int) -> None:
    from .coordination import notify_merged_reporters

    with transaction.atomic():
        notify_merged_reporters(Case.objects.get(pk=case_id))


# ---------------------------------------------------------------------------------------------
# Callback (回访)


@transaction.atomic
def rate_case(
    case: Case,
    *,
    actor=None,
    token: str | None = None,
    resolved: bool,
    satisfaction: str,
    contacted: bool | None = None,
    comment: str = "",
) -> Case:
    """回访评价 by the reporter (with the tracking token or as the reporting user) or recorded by a
    dispatcher who called them back (``callback``)."""
    case = _locked(case, CASES.statuses("callback"))
    by_reporter = (token is not None and case.token_matches(token)) or (
        getattr(actor, "is_authenticated", False) and case.reporter_user_id == actor.pk
    )
    if not by_reporter:
        if actor is None or is_system(actor):
            raise PermissionDenied("查询凭证无效")
        CASES.check_permission("callback", case, actor)
        require(actor, "callback", case.org, "只有反映人或回访人员可以评价")
    if case.rated_at is not None:
        raise StateConflict("该事项已评价")
    if satisfaction not in Satisfaction.values:
        raise ServiceError("请选择满意度", field="satisfaction")
    comment = clean_text(comment, "comment", "评价意见", required=False, limit=500)
    now = _now()
    case.rating_resolved, case.rating_satisfaction, case.rating_comment = resolved, satisfaction, comment
    # A reporter rating the case themselves evidently heard back from the unit.
    case.rating_contacted = True if by_reporter and contacted is None else contacted
    case.rated_at = now
    case.callback_outcome = CallbackOutcome.RATED
    _set_stage(case, None, now)
    _save(
        case,
        "rating_resolved",
        "rating_satisfaction",
        "rating_comment",
        "rating_contacted",
        "rated_at",
        "callback_outcome",
    )
    _event(
        case,
        RATED,
        actor,
        after={"resolved": resolved, "satisfaction": satisfaction, "by_reporter": by_reporter},
        reason=comment,
    )
    return case


@transaction.atomic
def record_callback(
    case: Case,
    *,
    actor,
    reached: bool,
    unit_contacted: bool | None = None,
    resolved: bool | None = None,
    satisfaction: str = "",
    note: str = "",
) -> Case:
    """One 回访 call by callback staff. Reached: the reporter's answers become the case's rating
    (the fields the monthly evaluation counts, via ``rate_case``). Not reached: the attempt is
    counted; after ``CALLBACK_MAX_ATTEMPTS`` failed calls the callback closes as 无法联系 (not a
    valid callback: it does not enter the rates)."""
    case = _locked(case, CASES.statuses("callback"))
    if is_system(actor):
        raise PermissionDenied("只有回访人员可以记录回访")
    CASES.check_permission("callback", case, actor)
    if case.rated_at is not None or case.callback_outcome:
        raise StateConflict("该事项的回访已完成")
    note = clean_text(note, "note", "回访记录", required=False, limit=500)
    now = _now()
    if reached:
        if resolved is None:
            raise ServiceError("请选择问题是否解决", field="resolved")
        if unit_contacted is None:
            raise ServiceError("请选择承办单位是否与反映人联系过", field="unit_contacted")
        case = rate_case(
            case,
            actor=actor,
            contacted=unit_contacted,
            resolved=resolved,
            satisfaction=satisfaction,
            comment=note,
        )
        case.callback_attempts += 1
        case.callback_last_at = now
        _save(case, "callback_attempts", "callback_last_at")
        return case
    case.callback_attempts += 1
    case.callback_last_at = now
    if case.callback_attempts >= CALLBACK_MAX_ATTEMPTS:
        case.callback_outcome = CallbackOutcome.UNREACHABLE
        _set_stage(case, None, now)
        _save(case, "callback_attempts", "callback_last_at", "callback_outcome")
        _event(case, CALLBACK_UNREACHABLE, actor, reason=note, after={"attempts": case.callback_attempts})
    else:
        _save(case, "callback_attempts", "callback_last_at")
        _event(case, CALLBACK_MISSED, actor, reason=note, after={"attempts": case.callback_attempts})
    return case


@transaction.atomic
def reveal_reporter_phone(case: Case, *, actor, reason: str) -> str:
    """The reporter's clear phone number for a callback; every access is audited."""
    require(actor, "callback", case.org, "您没有查看反映人联系方式的权限")
    if is_system(actor):
        raise PermissionDenied("您没有查看反映人联系方式的权限")
    reason = clean_text(reason, "reason", "查看用途", limit=200, required=True)
    _event(case, REPORTER_VIEWED, actor, reason=reason)
    return case.reporter_phone_clear()
