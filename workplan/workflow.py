"""The work-plan task workflow's transition table (督办任务: 报送 → 核验 → 销号).

``TASKS`` says which task states each action accepts and who may take it. ``services`` refuse
through it, the task page (``views._task_panels``) shows its forms from it, and the API answers
``GET /workplan/tasks/{id}/actions`` from it. The board status (未启动/滞后/逾期 …) is computed
from the state and the dates (``status.task_status``); actions depend on the stored state only.
"""

from __future__ import annotations

from core.transitions import Workflow, transition
from orgs.scoping import can

from .models import Task, TaskState, UnitRole, report_action, supervise_action

OPEN = (TaskState.ACTIVE, TaskState.SUBMITTED)
SUPERVISOR_ONLY = "只有{obj.plan.org.name}的督查人员可以进行此操作"


def may_report(actor, task: Task) -> bool:
    """The lead unit reports progress (牵头单位报送)."""
    return task.lead_unit_id is not None and can(actor, report_action(task.plan.kind), task.lead_unit)


def co_units_of(actor, task: Task) -> list:
    """The co-units (配合单位) of ``task`` the actor may report for."""
    units = task.units.filter(active=True, role=UnitRole.CO).select_related("org")
    return [u.org for u in units if can(actor, report_action(task.plan.kind), u.org)]


def may_supervise(actor, task: Task) -> bool:
    """The plan's owner office (督查室; for a 整改台账 the issuing body)."""
    return can(actor, supervise_action(task.plan.kind), task.plan.org)


def _reportable(task: Task) -> bool:
    return task.plan.is_approved and task.is_leaf and task.lead_unit_id is not None


TASKS = Workflow(
    "work-plan tasks",
    [
        transition(
            "report",
            "报送进展",
            [TaskState.ACTIVE],
            permission=may_report,
            refusal="任务{status},不能报送",
            denied="只有牵头单位({obj.lead_unit.name})可以报送该任务的进展",
            when=_reportable,
            endpoint="/workplan/tasks/{pk}/reports",
        ),
        transition(
            "co_input",
            "报送配合工作情况",
            [TaskState.ACTIVE],
            permission=lambda actor, task: bool(co_units_of(actor, task)),
            refusal="任务{status},无需再报送",
            when=lambda task: task.plan.is_approved,
        ),
        transition(
            "verify",
            "核验办结申请",
            [TaskState.SUBMITTED],
            permission=may_supervise,
            refusal="任务当前为{status},没有待核验的办结申请",
            denied=SUPERVISOR_ONLY,
            endpoint="/workplan/tasks/{pk}/verify",
        ),
        transition(
            "close",
            "销号",
            [TaskState.DONE],
            permission=may_supervise,
            refusal="只有已办结(核验通过)的任务可以销号",
            denied=SUPERVISOR_ONLY,
        ),
        transition(
            "change",
            "调整任务",
            OPEN,
            permission=may_supervise,
            refusal="任务{status},不能修改",
            denied=SUPERVISOR_ONLY,
        ),
        transition(
            "cancel",
            "取消任务",
            OPEN,
            permission=may_supervise,
            refusal="任务{status},不能取消",
            denied=SUPERVISOR_ONLY,
        ),
    ],
    role_check=can,
    status=lambda task: task.state,
    status_label=lambda task: task.get_state_display(),
    org=lambda task: task.plan.org,
    url_args=lambda task: {"pk": task.pk},
)
