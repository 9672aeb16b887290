"""Working across cases and units: 吹哨报到 (a street summons departments to one case), merging
duplicate cases into a master case, and the public-visibility flag. One function per action, the
same shape as ``services``."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from audit import events
from core import notify
from core.actors import user_or_none
from core.errors import ServiceError
from core.kit import clean_text
from orgs.models import Org, OrgKind

from . import deadlines
from .models import (
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseStatus,
    Stage,
)
from .supervision import responsible_users
from .workflow import (
    ASSIGNMENTS,
    CASES,
    MERGEABLE_STATUSES,
    SUMMON_STATUSES,
    add_event,
    check_units,
    locked,
    locked_assignment,
    require,
    save_case,
    set_stage,
)
from .workflow import now as clock_now

E = events.register
SUMMONED = E("case.summoned", "吹哨:召集部门报到")
REPORTED_IN = E("case.reported_in", "部门报到")
MERGED = E("case.merged", "合并到主事项")
MERGED_IN = E("case.merged_in", "并入重复事项")
VISIBILITY_CHANGED = E("case.visibility_changed", "修改公开设置")

__all__ = ["MERGEABLE_STATUSES", "SUMMON_STATUSES"]  # also here, where they were first defined


@transaction.atomic
def summon_units(case: Case, *, actor, units: Sequence[Org], note: str) -> list[CaseAssignment]:
    """吹哨报到: the street (乡镇/街道) summons departments to a case; each must report (报到)
    within the 吹哨报到 limit, then works on it like a co-unit and feeds back."""
    case = locked(case, CASES.statuses("summon"))
    CASES.check_permission("summon", case, actor)
    units = list(dict.fromkeys(units))
    if not units:
        raise ServiceError("请选择要召集报到的部门", field="units")
    for unit in units:
        if unit.kind not in (OrgKind.DEPARTMENT, OrgKind.OFFICE):
            raise ServiceError(f"“{unit.name}”不是区直部门,吹哨只能召集部门", field="units")
    check_units(case, units[0], units[1:])
    active = set(
        case.assignments.filter(status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)).values_list(
            "org_id", flat=True
        )
    )
    if clash := [u.name for u in units if u.pk in active]:
        raise ServiceError(f"{'、'.join(clash)}已在办理该事项,无需再召集", field="units")
    note = clean_text(note, "note", "吹哨事由", limit=500, required=True)
    now = clock_now()
    due = deadlines.stage_due(case.category, case.urgency, Stage.REPORT_IN, now)
    created = [
        CaseAssignment.objects.create(
            case=case,
            org=unit,
            role=AssignmentRole.SUMMONED,
            instructions=note,
            dispatched_at=now,
            dispatched_by=user_or_none(actor),
            sign_due_at=due,
            handle_due_at=case.handle_due_at,
        )
        for unit in units
    ]
    add_event(
        case,
        SUMMONED,
        actor,
        reason=note,
        after={"units": [u.name for u in units], "report_due_at": due},
        public_note="街道已召集相关部门联合处置",
    )
    url = reverse("cases:detail", args=[case.number])
    for unit in units:
        notify.notify(
            responsible_users("handle", unit),
            kind="case.summoned",
            title=f"吹哨报到:{case.number} 请于时限内报到",
            body=note,
            url=url,
        )
    return created


@transaction.atomic
def report_in(assignment: CaseAssignment, *, actor, note: str) -> CaseAssignment:
    """报到: a summoned department answers the whistle (who came, what it will do)."""
    case = locked(assignment.case, ASSIGNMENTS.parent_statuses("report_in"))
    assignment = locked_assignment(assignment, actor, "report_in")
    if assignment.role != AssignmentRole.SUMMONED:
        raise ServiceError("只有被吹哨召集的部门需要报到")
    note = clean_text(note, "note", "报到情况", limit=500, required=True)
    now = clock_now()
    assignment.status, assignment.signed_at = AssignmentStatus.SIGNED, now
    assignment.signed_by = user_or_none(actor)
    assignment.save(update_fields=["status", "signed_at", "signed_by"])
    late = bool(assignment.sign_due_at and now > assignment.sign_due_at)
    add_event(case, REPORTED_IN, actor, reason=note, after={"unit": assignment.org.name, "late": late})
    return assignment


@transaction.atomic
def merge_case(case: Case, *, actor, into: Case, reason: str, expected_status: str | None = None) -> Case:
    """合并: a duplicate report joins its master case. It stops its own clock, its reporter
    follows the master case, and is told when the master case closes."""
    if into is None:
        raise ServiceError("请填写主事项编号", field="into")
    if into.pk == case.pk:
        raise ServiceError("不能把事项合并到它自己", field="into")
    # Lock both rows in id order: two dispatchers merging A→B and B→A cannot deadlock.
    first, second = sorted([case, into], key=lambda c: c.pk)
    rows = {
        c.pk: locked(c, CaseStatus.values, expected_status if c.pk == case.pk else None)
        for c in (first, second)
    }
    case, into = rows[case.pk], rows[into.pk]
    CASES.check_status("merge", case)
    if into.status not in OPEN_STATUSES:
        raise ServiceError(f"主事项{into.number}当前为“{into.get_status_display()}”,不能并入", field="into")
    CASES.check_permission("merge", case, actor)
    require(actor, "dispatch", into.org, f"您没有处理主事项{into.number}的权限")
    reason = clean_text(reason, "reason", "合并理由", limit=500, required=True)
    now = clock_now()
    before = case.status
    case.status, case.merged_into = CaseStatus.MERGED, into
    set_stage(case, None, now)
    save_case(case, "status", "merged_into")
    add_event(
        case,
        MERGED,
        actor,
        reason=reason,
        before={"status": before},
        after={"into": into.number},
        public_note=f"与其他群众反映的同一问题合并办理,办理结果将一并告知您(主事项{into.number})",
    )
    add_event(into, MERGED_IN, actor, reason=reason, after={"merged": case.number})
    return case


def notify_merged_reporters(master: Case) -> int:
    """Tell the reporters of cases merged into ``master`` that it is done (in-app for those with
    an account; the others read it on the tracking page of their own number)."""
    users = [c.reporter_user for c in master.merged_cases.select_related("reporter_user") if c.reporter_user]
    if users:
        notify.notify(
            users,
            kind="case.merged_closed",
            title=f"您反映的问题已办结(与{master.number}合并办理)",
            body="欢迎在“我反映的问题”中查看办理结果。",
            url=reverse("portal:mine"),
        )
    return len(users)


@transaction.atomic
def set_public(case: Case, *, actor, public: bool, reason: str) -> Case:
    """公开设置: whether the public tracking page shows the handling steps (never personal data)."""
    case = locked(case, CASES.statuses("public"))
    CASES.check_permission("public", case, actor)
    reason = clean_text(reason, "reason", "理由", limit=200, required=True)
    if case.is_public == public:
        raise ServiceError("公开设置没有变化", field="public")
    case.is_public = public
    case.save(update_fields=["is_public"])
    add_event(
        case,
        VISIBILITY_CHANGED,
        actor,
        reason=reason,
        before={"public": not public},
        after={"public": public},
    )
    return case
