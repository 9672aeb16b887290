"""The case workflow's transition table and the helpers every case service module shares.

``CASES`` says which statuses each case-level action accepts and which role it needs;
``ASSIGNMENTS`` does the same for a handling unit's actions on its assignment. ``services``,
``coordination`` and ``approvals`` refuse through them, the case page (``views._panels``) shows
forms from them, and the API answers ``GET /cases/{number}/actions`` from them.

The helpers below (lock a case, check a role, clean a text, set a stage clock, write the event)
are public so that the service modules import them from here, not each other's private names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from audit.services import record
from core import clock
from core.errors import ServiceError, StateConflict
from core.transitions import Workflow, transition
from orgs.models import Org, OrgKind
from orgs.permissions import require  # noqa: F401  (the case services' permission check)
from orgs.scoping import can

from . import deadlines, resident
from .models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseStatus,
    Stage,
)

MAX_TEXT = 2000

# A street may blow the whistle while the case is being worked on, before or after dispatch.
SUMMON_STATUSES = (
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.HANDLING,
    CaseStatus.PARKED,
    CaseStatus.RETURNED,
)
# Duplicates are merged before anyone has started on them.
MERGEABLE_STATUSES = (CaseStatus.REPORTED, CaseStatus.VERIFYING, CaseStatus.REGISTERED)
IN_HANDS = (CaseStatus.DISPATCHED, CaseStatus.HANDLING)
SIGN_STATUSES = (*IN_HANDS, CaseStatus.PARKED)

_ACCEPT = "您没有受理该事项的权限"

CASES = Workflow(
    "cases",
    [
        transition(
            "register",
            "立案",
            [CaseStatus.REPORTED],
            permission="dispatch",
            denied=_ACCEPT,
            endpoint="/cases/{number}/register",
        ),
        transition(
            "request_verification",
            "派发核实",
            [CaseStatus.REPORTED],
            permission="dispatch",
            denied=_ACCEPT,
            endpoint="/cases/{number}/request-verification",
        ),
        transition(
            "reject",
            "不予立案",
            [CaseStatus.REPORTED, CaseStatus.VERIFYING],
            permission="dispatch",
            denied=_ACCEPT,
            endpoint="/cases/{number}/reject",
        ),
        transition(
            "verify",
            "记录核实结果",
            [CaseStatus.VERIFYING],
            permission="check",
            denied="您没有核实该事项的权限",
            endpoint="/cases/{number}/verify",
        ),
        transition(
            "dispatch",
            "派遣",
            [CaseStatus.REGISTERED],
            permission="dispatch",
            denied="您没有派遣该事项的权限",
            endpoint="/cases/{number}/dispatch",
        ),
        transition(
            "adjudicate",
            "裁定退单",
            [CaseStatus.RETURNED],
            permission="dispatch",
            denied="您没有裁定退单的权限",
            endpoint="/cases/{number}/adjudicate",
        ),
        transition(
            "check",
            "核查",
            [CaseStatus.FED_BACK],
            permission="check",
            denied="您没有核查该事项的权限",
            endpoint="/cases/{number}/check",
        ),
        transition(
            "callback",
            "回访评价",
            [CaseStatus.CLOSED],
            permission="callback",
            denied="只有反映人或回访人员可以评价",
            when=lambda case: case.rated_at is None and not case.callback_outcome,
            endpoint="/cases/{number}/rate",
        ),
        transition(
            "summon",
            "吹哨:召集部门报到",
            SUMMON_STATUSES,
            permission="dispatch",
            denied="只有街道(乡镇)调度中心可以吹哨",
            endpoint="/cases/{number}/summon",
        ),
        transition(
            "merge",
            "合并到主事项",
            MERGEABLE_STATUSES,
            permission="dispatch",
            refusal="事项当前为“{status}”,已开始办理的事项不能再合并",
            denied="您没有处理该事项的权限",
            endpoint="/cases/{number}/merge",
        ),
        transition(
            "public",
            "公开设置",
            CaseStatus.values,
            permission="dispatch",
            denied="您没有修改公开设置的权限",
            endpoint="/cases/{number}/public",
        ),
    ],
    role_check=can,
    refusal="事项当前为“{status}”,不能进行此操作",
    url_args=lambda case: {"number": case.number},
)


def _return_window_open(assignment: CaseAssignment) -> bool:
    due = assignment.return_due_at
    return assignment.role == AssignmentRole.LEAD and (due is None or clock.now() <= due)


ASSIGNMENTS = Workflow(
    "case assignments",
    [
        transition(
            "sign",
            "签收",
            [AssignmentStatus.PENDING],
            # A co-unit (协办) signs whenever it gets to it, also after the lead parked the case.
            parent_statuses=SIGN_STATUSES,
            permission="handle",
            when=lambda a: a.role != AssignmentRole.SUMMONED,
            endpoint="/cases/{number}/assignments/{id}/sign",
        ),
        transition(
            "return",
            "退单",
            [AssignmentStatus.PENDING, AssignmentStatus.SIGNED],
            parent_statuses=IN_HANDS,
            permission="handle",
            when=_return_window_open,
            endpoint="/cases/{number}/assignments/{id}/return",
        ),
        transition(
            "feedback",
            "处置反馈",
            [AssignmentStatus.SIGNED],
            parent_statuses=HANDLING_STATUSES,
            permission="handle",
            endpoint="/cases/{number}/assignments/{id}/feedback",
        ),
        transition(
            "report_in",
            "部门报到",
            [AssignmentStatus.PENDING],
            parent_statuses=OPEN_STATUSES,
            permission="handle",
            when=lambda a: a.role == AssignmentRole.SUMMONED,
            endpoint="/cases/{number}/assignments/{id}/report-in",
        ),
    ],
    role_check=can,
    parent=lambda a: a.case,
    refusal="该承办记录当前为“{status}”,不能进行此操作",
    url_args=lambda a: {"number": a.case.number, "id": a.pk},
)


def available_actions(
    case: Case, user, assignments: Sequence[CaseAssignment] = (), prefix: str = ""
) -> list[dict]:
    """What ``user`` may do on ``case`` now (``GET /cases/{number}/actions``): the case's actions,
    then each of ``assignments`` (the user's own, ``selectors.my_assignments``) with its id."""
    actions = CASES.describe(case, user, prefix)
    for assignment in assignments:
        for entry in ASSIGNMENTS.describe(assignment, user, prefix):
            actions.append({**entry, "assignment": assignment.pk})
    return actions


# ---------------------------------------------------------------------------------------------
# Helpers shared by services, coordination and approvals


def now() -> dt.datetime:
    return clock.now()


def locked(case: Case, allowed: Collection[str], expected_status: str | None = None) -> Case:
    """Lock the case row; refuse when its status moved underneath the actor."""
    # ``org`` is loaded with the row: saving an OrgScopedModel reads ``org.path``.
    case = Case.objects.select_for_update(of=("self",)).select_related("org").get(pk=case.pk)
    if expected_status is not None and case.status != expected_status:
        raise StateConflict(f"事项状态已变化(现为“{case.get_status_display()}”),请刷新页面后重试")
    if case.status not in allowed:
        raise StateConflict(CASES.refusal.format(status=case.get_status_display()))
    return case


def locked_for(action: str, case: Case, expected_status: str | None = None) -> Case:
    """Lock the case and refuse, through the table, a status that does not allow ``action``."""
    return locked(case, CASES.statuses(action), expected_status)


def add_event(
    case: Case,
    code: str,
    actor,
    *,
    reason: str = "",
    before=None,
    after=None,
    public_note: str = "",
    new_case: bool = False,
):
    """One event on the case's timeline; ``new_case``: the case was created in this transaction
    (its first event: no audit head to look up)."""
    after = dict(after or {})
    if public_note:
        after["public_note"] = public_note
    record(
        case,
        code,
        actor=actor,
        reason=reason,
        before=before or None,
        after=after or None,
        new_subject=new_case,
    )
    # 办理进度通知: a public milestone reaches the reporter once (sent after commit).
    resident.on_event(case, code, new_case=new_case)


def set_stage(case: Case, stage: str | None, when: dt.datetime, due: dt.datetime | None = None) -> None:
    case.stage = stage or ""
    case.stage_started_at = when if stage else None
    if stage and due is None:
        due = deadlines.stage_due(case.category, case.urgency, stage, when)
    case.due_at = due if stage else None


def save_case(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "stage", "stage_started_at", "due_at"])


HANDLING_KINDS = frozenset(
    {
        OrgKind.DEPARTMENT,
        OrgKind.OFFICE,
        OrgKind.STREET,
        OrgKind.TOWN,
        OrgKind.COMMUNITY,
        OrgKind.VILLAGE,
        OrgKind.GRID,
    }
)


def check_units(case: Case, lead: Org, co_units: Sequence[Org]) -> list[Org]:
    if lead is None:
        raise ServiceError("请选择主办单位", field="lead_unit")
    units = [lead, *co_units]
    district = case.org_path[: Org.steplen]
    for unit in units:
        if not unit.path.startswith(district):
            raise ServiceError(
                f"“{unit.name}”不属于本区,不能承办", field="lead_unit" if unit == lead else "co_units"
            )
        if unit.kind not in HANDLING_KINDS or unit.is_archived:
            raise ServiceError(
                f"“{unit.name}”不能承办事项", field="lead_unit" if unit == lead else "co_units"
            )
    if len({u.pk for u in units}) != len(units):
        raise ServiceError("主办单位和协办单位不能重复", field="co_units")
    return units


def create_assignments(
    case: Case, lead: Org, co_units: Sequence[Org], actor, instructions: str, when: dt.datetime
) -> None:
    sign_due = deadlines.stage_due(case.category, case.urgency, Stage.SIGN, when)
    return_due = deadlines.stage_due(case.category, case.urgency, Stage.RETURN_WINDOW, when)
    for unit, role in [(lead, AssignmentRole.LEAD)] + [(u, AssignmentRole.CO) for u in co_units]:
        CaseAssignment.objects.create(
            case=case,
            org=unit,
            role=role,
            instructions=instructions,
            dispatched_at=when,
            dispatched_by=actor if getattr(actor, "is_authenticated", False) else None,
            sign_due_at=sign_due,
            return_due_at=return_due,
            handle_due_at=case.handle_due_at,
        )


def locked_assignment(assignment: CaseAssignment, actor, action: str) -> CaseAssignment:
    """Lock the assignment, check the actor handles for its unit, then its status for ``action``."""
    assignment = (
        CaseAssignment.objects.select_for_update(of=("self",)).select_related("org").get(pk=assignment.pk)
    )
    require(actor, "handle", assignment.org, f"您不是“{assignment.org.name}”的经办人")
    ASSIGNMENTS.check_status(action, assignment)
    return assignment
