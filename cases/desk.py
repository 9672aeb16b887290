"""The dispatcher's desk (调度台): bulk actions on the case list, manual 提醒 (reminders), and the hotline's
caller lookup by phone number.

Bulk actions run the very service function of the single action, once per case, each in its own
transaction: one refused row (no permission, wrong status, no category) leaves the others done
and is reported with the service's Chinese message. The caller lookup searches the keyed hash of
the number (``Case.reporter_phone_hash``), never the clear number, and every lookup is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from audit import events
from audit.services import Subject, record
from core import notify, privacy
from core.actors import is_system
from core.errors import PermissionDenied, ServiceError
from core.kit import clean_text
from orgs.models import Org
from orgs.permissions import require

from . import selectors, services
from .models import OPEN_STATUSES, Case, Category
from .supervision import who_must_act
from .workflow import add_event, locked

REMINDED = events.register("case.reminded", "提醒")
CALLER_LOOKUP = events.register("cases.caller_lookup", "按来电号码查询")

BULK_ACTIONS = {"register": "立案", "dispatch": "派遣", "remind": "提醒"}
BULK_MAX = 50  # one page of the list
LOOKUP_LIMIT = 50


@dataclass
class RowResult:
    number: str
    ok: bool
    message: str
    title: str = ""


# ---------------------------------------------------------------------------------------------
# 提醒 (the dispatch centre's reminder to the unit that must act now)


@transaction.atomic
def remind_case(case: Case, *, actor, note: str = "") -> Case:
    """提醒 by the dispatch centre: remind the unit that must act on an open case now
    (``supervision.who_must_act``: the dispatch centre before dispatch, the lead unit while it signs
    and handles, the checkers at check). Unlike the supervision office's 催办
    (``supervision.remind_case``) it is not counted in the rankings."""
    case = locked(case, OPEN_STATUSES)
    require(actor, "dispatch", case.org, "您没有提醒该事项的权限")
    note = clean_text(note, "note", "提醒内容", required=False, limit=500)
    must = who_must_act(case)
    text = f"{case.number}「{case.title}」{case.get_stage_display() or '办理'}环节请抓紧办理。" + (
        f"{note}" if note else ""
    )
    add_event(case, REMINDED, actor, reason=note, after={"unit": must.unit.name})
    notify.notify(
        [u for u in must.users if u != actor],
        kind="case.reminder",
        title=f"提醒:{case.number}",
        body=text,
        url=reverse("cases:detail", args=[case.number]),
    )
    return case


# ---------------------------------------------------------------------------------------------
# Bulk actions


def _register(case: Case, actor, category: Category | None, urgency: str | None, note: str) -> str:
    chosen = case.category if case.category is not None and case.category.is_leaf else category
    if chosen is None:
        raise ServiceError("该事项尚未预选分类,请选择分类后再批量立案", field="category")
    services.register_case(case, actor=actor, category=chosen, urgency=urgency or None, note=note)
    return f"已立案:{chosen.name}"


def _dispatch(case: Case, actor, lead_unit: Org | None, note: str) -> str:
    unit = lead_unit
    if unit is None:
        suggested = selectors.suggest_units(case, limit=1)
        if not suggested:
            raise ServiceError("责任清单中没有该分类的责任单位,请选择主办单位", field="lead_unit")
        unit = suggested[0]
    services.dispatch_case(case, actor=actor, lead_unit=unit, instructions=note)
    return f"已派遣至{unit.name}"


def bulk_apply(
    actor,
    numbers: list[str],
    action: str,
    *,
    category: Category | None = None,
    urgency: str | None = None,
    lead_unit: Org | None = None,
    note: str = "",
) -> list[RowResult]:
    """Run ``action`` (register / dispatch / remind) on each case; one result per number, in order.

    Register takes the case's own pre-selected 小类 (else ``category``); dispatch goes to
    ``lead_unit``, else the first unit of the responsibility list for the case."""
    if action not in BULK_ACTIONS:
        raise ServiceError("请选择批量操作", field="action")
    if is_system(actor):
        raise PermissionDenied("批量操作须由工作人员执行")
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not numbers:
        raise ServiceError("请先勾选事项", field="numbers")
    if len(numbers) > BULK_MAX:
        raise ServiceError(f"一次最多处理 {BULK_MAX} 件", field="numbers")
    visible = {
        case.number: case
        for case in Case.objects.visible_to(actor)
        .filter(number__in=numbers)
        .select_related("category", "org", "lead_unit")
    }
    results = []
    for number in numbers:
        case = visible.get(number)
        if case is None:
            results.append(RowResult(number, False, "未找到该事项或无权查看"))
            continue
        try:
            if action == "register":
                message = _register(case, actor, category, urgency, note)
            elif action == "dispatch":
                message = _dispatch(case, actor, lead_unit, note)
            else:
                remind_case(case, actor=actor, note=note)
                message = "已提醒"
        except ServiceError as error:
            results.append(RowResult(number, False, error.message, case.title))
        else:
            results.append(RowResult(number, True, message, case.title))
    return results


# ---------------------------------------------------------------------------------------------
# Caller lookup (热线受理: 按来电号码查询)


@transaction.atomic
def caller_cases(actor, phone: str, *, purpose: str) -> list[Case]:
    """The earlier cases of the caller with ``phone`` that ``actor`` may see; audited."""
    require_hotline(actor)
    purpose = clean_text(purpose, "purpose", "查询用途", required=True, limit=200)
    digits = privacy.normalise_phone(phone)
    if len(digits) < 7:
        raise ServiceError("请输入完整的来电号码", field="phone")
    key = privacy.phone_index(digits)
    cases = list(
        Case.objects.visible_to(actor, "hotline")
        .filter(reporter_phone_hash=key)
        .select_related("category", "org", "lead_unit")
        .order_by("-created_at")[:LOOKUP_LIMIT]
    )
    record(
        Subject("cases.caller_lookup", str(actor.pk), label=f"{actor.display_name()} 的来电查询"),
        CALLER_LOOKUP,
        actor=actor,
        reason=purpose,
        after={"phone_hash": key, "found": len(cases)},
    )
    return cases


def require_hotline(actor) -> None:
    from orgs.scoping import has_scope

    if is_system(actor) or not has_scope(actor, "hotline"):
        raise PermissionDenied("只有热线受理人员可以按来电号码查询")
