"""Key-task supervision (督查督办) over REST: plans with their task tree, the board, task detail,
progress reports with evidence, verification (核验) and the streamed 台账.

Thin by rule, like the workplan pages: every read goes through ``workplan.selectors`` (which
start from ``visible_to``), every write is one ``workplan.services`` call that checks scope and
state and writes the audit event. A task or plan the caller cannot see is a 404.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Literal

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from audit.events import label_for
from core.tabular import csv_writer
from orgs.scoping import has_scope
from workplan import selectors, services, status, workflow
from workplan.excel import COLUMNS as LEDGER_COLUMNS
from workplan.models import (
    EVIDENCE_KINDS,
    Cadence,
    Notice,
    Plan,
    Task,
    TaskStatus,
    TaskUnit,
    UnitRole,
)

from . import schemas as s

router = Router(tags=["督查督办"])
MAX_ROWS = 500
MAX_ID = 2**63 - 1  # the largest id both databases can compare with
Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]


# ---------------------------------------------------------------------------------------------
# Shapes


class PlanOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    year: int
    state: str = Field(description="draft 草稿 / approved 已下达 / archived 已归档")
    state_label: str
    owner: s.Ref = Field(description="牵头督办单位(督查室)")
    source_meeting: str
    document_no: str
    source_date: dt.date | None
    approved_at: dt.datetime | None


class TaskOut(Schema):
    id: int
    plan_id: int
    parent_id: int | None = Field(description="上级任务 id;一级任务为空")
    number: str = Field(description="序号,如 1.2")
    depth: int = Field(0, description="层级(任务树中,一级为 0)")
    title: str
    lead_unit: s.Ref | None = Field(description="牵头单位")
    co_units: list[s.Ref] = Field(description="配合单位")
    leader_name: str = Field(description="责任领导")
    start_on: dt.date
    deadline: dt.date = Field(description="完成时限")
    progress: float = Field(description="完成进度(%)")
    state: str = Field(description="存储的生命周期:active / submitted / done / closed / cancelled")
    status: str = Field(description="计算的状态代码(按当日):not_started、in_progress、lagging、overdue…")
    status_label: str = Field(description="状态(中文):未启动、推进中、滞后、逾期、待核验、已办结…")
    next_report_due: dt.date | None = Field(description="下次报送日期")


class PlanDetail(PlanOut):
    tasks: list[TaskOut] = Field(description="任务树(深度优先,按序号)")


class EvidenceOut(Schema):
    id: int
    kind: str = Field(description="成果形式")
    name: str
    content_type: str
    size: int
    created_at: dt.datetime
    url: str


class ReportOut(Schema):
    id: int
    unit: s.Ref = Field(description="报送单位(牵头单位)")
    percent: int
    done_text: str = Field(description="工作进展")
    problems: str = Field(description="存在问题")
    next_steps: str = Field(description="下步打算")
    co_inputs: str = Field(description="并入的配合单位报送情况")
    is_completion: bool = Field(description="申请办结")
    status: str = Field(description="received 已报送 / awaiting 待核验 / accepted 核验通过 / returned 退回")
    status_label: str
    created_at: dt.datetime
    verified_at: dt.datetime | None
    verify_note: str = Field(description="核验意见或退回理由")
    evidence: list[EvidenceOut]


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(description="督办通知单、通报等")
    trigger: str
    trigger_label: str
    unit: s.Ref = Field(description="责任单位")
    number: str = Field(description="文号")
    text: str
    due_on: dt.date | None
    reply_due_on: dt.date | None
    reply: str
    replied_at: dt.datetime | None
    created_at: dt.datetime


class TaskDetail(TaskOut):
    plan: s.Ref
    description: str
    responsible_name: str
    cadence: str
    cadence_label: str
    expected_result: str
    evidence_kinds: list[str] = Field(description="要求的成果形式")
    expected_progress: float = Field(description="按工作日时间进度应达到的进度(%)")
    children: list[TaskOut]
    reports: list[ReportOut]
    notices: list[NoticeOut]
    timeline: list[s.EventOut]


EvidenceKindCode = Literal[tuple(EVIDENCE_KINDS)]  # type: ignore[valid-type]
TaskStatusCode = Literal[tuple(TaskStatus.values)]  # type: ignore[valid-type]


class EvidenceIn(s.In):
    kind: EvidenceKindCode = Field(description="成果形式:" + "、".join(EVIDENCE_KINDS))
    filename: str = s.Required(max_length=200, description="含扩展名,如 方案.pdf")
    content_base64: str = Field(
        min_length=4,
        pattern=s.BASE64_PATTERN,
        description="文件内容(标准 Base64);格式与大小按佐证材料规则检查,不符时返回 422",
    )


class ReportIn(s.In):
    percent: int = Field(ge=0, le=100, description="完成进度(0–100)")
    done_text: str = s.Required(max_length=4000, description="工作进展")
    problems: str = Field("", max_length=4000, description="存在问题")
    next_steps: str = Field("", max_length=4000, description="下步打算")
    complete: bool = Field(False, description="申请办结(须 100% 并附佐证材料)")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=10)


class TaskVerifyIn(s.In):
    accept: bool = Field(description="true 核验通过(办结);false 退回")
    note: str = Field("", max_length=500, description="核验意见;退回时必填(退回理由)")


class TaskFilters(Schema):
    status: TaskStatusCode | None = Field(None, description="计算状态代码,如 overdue、lagging")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="承办单位 id(牵头或配合)")
    plan: int | None = Field(None, ge=1, le=MAX_ID, description="计划 id")
    overdue: bool | None = Field(None, description="true 只看逾期;false 排除逾期")
    q: str | None = Field(None, max_length=100, description="任务或牵头单位关键词")


# ---------------------------------------------------------------------------------------------
# Serialization


def _ref(org) -> dict | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def _co_units(task_ids) -> dict[int, list[dict]]:
    units: dict[int, list[dict]] = {}
    rows = (
        TaskUnit.objects.filter(task_id__in=list(task_ids), active=True, role=UnitRole.CO)
        .select_related("org")
        .order_by("pk")
    )
    for row in rows:
        units.setdefault(row.task_id, []).append(_ref(row.org))
    return units


def _plan_out(plan: Plan) -> dict:
    return {
        "id": plan.pk,
        "title": plan.title,
        "kind": plan.kind,
        "kind_label": plan.get_kind_display(),
        "year": plan.year,
        "state": plan.state,
        "state_label": plan.get_state_display(),
        "owner": _ref(plan.org),
        "source_meeting": plan.source_meeting,
        "document_no": plan.document_no,
        "source_date": plan.source_date,
        "approved_at": plan.approved_at,
    }


def _task_out(task: Task, day: dt.date, co_units: dict[int, list[dict]]) -> dict:
    code = getattr(task, "status_code", None) or status.task_status(task, day)
    return {
        "id": task.pk,
        "plan_id": task.plan_id,
        "parent_id": task.parent_id,
        "number": task.number,
        "depth": getattr(task, "depth", 0),
        "title": task.title,
        "lead_unit": _ref(task.lead_unit),
        "co_units": co_units.get(task.pk, []),
        "leader_name": task.leader_name,
        "start_on": task.start_on,
        "deadline": task.deadline,
        "progress": float(task.progress),
        "state": task.state,
        "status": code,
        "status_label": status.status_label(code),
        "next_report_due": task.next_report_due,
    }


def _tasks_out(tasks: list[Task], day: dt.date) -> list[dict]:
    co_units = _co_units(t.pk for t in tasks)
    return [_task_out(t, day, co_units) for t in tasks]


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


def _evidence_out(task: Task, item) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "created_at": item.created_at,
        "url": reverse("api:api-v1:workplan_evidence", args=[task.pk, item.pk]),
    }


def _task_detail(task: Task) -> dict:
    day = selectors.today()
    children = list(task.children.select_related("lead_unit").order_by("sort", "pk"))
    co_units = _co_units([task.pk, *(c.pk for c in children)])
    reports = task.reports.select_related("org").prefetch_related("evidence").order_by("-created_at", "-pk")
    notices = Notice.objects.filter(task=task).select_related("unit").order_by("-created_at", "-pk")
    return {
        **_task_out(task, day, co_units),
        "plan": {"id": task.plan.pk, "name": task.plan.title},
        "description": task.description,
        "responsible_name": task.responsible_name,
        "cadence": task.cadence,
        "cadence_label": Cadence(task.cadence).label,
        "expected_result": task.expected_result,
        "evidence_kinds": task.evidence_kind_list,
        "expected_progress": status.expected_progress(task, day),
        "children": [_task_out(c, day, co_units) for c in children],
        "reports": [
            {
                "id": r.pk,
                "unit": _ref(r.org),
                "percent": r.percent,
                "done_text": r.done_text,
                "problems": r.problems,
                "next_steps": r.next_steps,
                "co_inputs": r.co_inputs,
                "is_completion": r.is_completion,
                "status": r.status,
                "status_label": r.get_status_display(),
                "created_at": r.created_at,
                "verified_at": r.verified_at,
                "verify_note": r.verify_note,
                "evidence": [_evidence_out(task, e) for e in r.evidence.all()],
            }
            for r in reports
        ],
        "notices": [
            {
                "id": n.pk,
                "kind": n.kind,
                "kind_label": n.get_kind_display(),
                "trigger": n.trigger,
                "trigger_label": n.get_trigger_display(),
                "unit": _ref(n.unit),
                "number": n.number,
                "text": n.text,
                "due_on": n.due_on,
                "reply_due_on": n.reply_due_on,
                "reply": n.reply,
                "replied_at": n.replied_at,
                "created_at": n.created_at,
            }
            for n in notices
        ],
        "timeline": [_event_out(e) for e in selectors.timeline(task)],
    }


# ---------------------------------------------------------------------------------------------
# Lookups (always scoped, exactly as the pages)


def _require_office(request) -> None:
    """The board and the plan list are office pages: without any view/supervise scope, 404."""
    if not (has_scope(request.user, "view") or has_scope(request.user, "supervise")):
        raise Http404


def _task(request, task_id: int) -> Task:
    return selectors.visible_task(request.user, task_id)


def _after(request, task: Task) -> dict:
    """The task as the actor now sees it."""
    return _task_detail(_task(request, task.pk))


def _board(request, filters: TaskFilters):
    tasks = selectors.board(
        request.user,
        selectors.BoardFilters(
            status=filters.status or "",
            unit_id=filters.unit,
            plan_id=filters.plan,
            q=filters.q or "",
        ),
        selectors.today(),
    )
    if filters.overdue:
        tasks = tasks.filter(status_code=TaskStatus.OVERDUE)
    elif filters.overdue is False:
        tasks = tasks.exclude(status_code=TaskStatus.OVERDUE)
    return tasks


def _evidence_files(items: list[EvidenceIn]) -> list[tuple[str, object]]:
    """Base64 bodies as uploads; the service checks kind, format and size like the form's files."""
    return [
        (item.kind, s.decode_upload(item.content_base64, item.filename or "file", "evidence", "佐证材料"))
        for item in items
    ]


# ---------------------------------------------------------------------------------------------
# Plans


@router.get("/workplan/plans", response={200: list[PlanOut], **s.ERRORS}, summary="督办计划列表")
def plans(request, offset: int = Query(0, ge=0, le=s.MAX_OFFSET), limit: int = Query(100, ge=1, le=MAX_ROWS)):
    _require_office(request)
    rows = Plan.objects.visible_to(request.user).select_related("org").order_by("-year", "-created_at", "-pk")
    return [_plan_out(p) for p in rows[offset : offset + limit]]


@router.get(
    "/workplan/plans/{plan_id}", response={200: PlanDetail, **s.ERRORS}, summary="督办计划详情(含任务树)"
)
def plan(request, plan_id: Id):
    """The tasks are those of the plan the caller can see (a unit: its own), in tree order."""
    found = selectors.visible_plan(request.user, plan_id)
    day = selectors.today()
    visible = set(
        selectors.board(request.user, selectors.BoardFilters(plan_id=found.pk), day).values_list(
            "pk", flat=True
        )
    )
    tasks = [t for t in services.tasks_of_plan(found) if t.pk in visible]
    return {**_plan_out(found), "tasks": _tasks_out(tasks, day)}


# ---------------------------------------------------------------------------------------------
# Tasks: board, 台账, detail


@router.get(
    "/workplan/tasks", response={200: list[TaskOut], **s.ERRORS}, summary="督办任务总览(逾期、滞后在前)"
)
def tasks(
    request,
    filters: Query[TaskFilters],
    offset: int = Query(0, ge=0, le=s.MAX_OFFSET),
    limit: int = Query(100, ge=1, le=MAX_ROWS),
):
    _require_office(request)
    rows = list(_board(request, filters)[offset : offset + limit])
    return _tasks_out(rows, selectors.today())


def _ledger_stream(queryset, day: dt.date):
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    cadences = dict(Cadence.choices)

    def flush():
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
    writer.writerow([column.header for column in LEDGER_COLUMNS])
    yield flush()
    chunk: list[Task] = []

    def write(rows: list[Task]):
        co_units = _co_units(t.pk for t in rows)
        for task in rows:
            code = getattr(task, "status_code", None) or status.task_status(task, day)
            writer.writerow(
                [
                    task.number,
                    task.title,
                    task.lead_unit.name if task.lead_unit_id else "",
                    "、".join(u["name"] for u in co_units.get(task.pk, [])),
                    task.leader_name,
                    task.responsible_name,
                    task.start_on.isoformat(),
                    task.deadline.isoformat(),
                    cadences.get(task.cadence, ""),
                    task.evidence_kinds,
                    f"{task.weight:g}",
                    task.latest_summary or (task.cancel_reason and f"已取消:{task.cancel_reason}") or "",
                    f"{task.progress:g}%",
                    TaskStatus(code).label,
                ]
            )

    for task in queryset.iterator(chunk_size=500):
        chunk.append(task)
        if len(chunk) == 500:
            write(chunk)
            chunk = []
            yield flush()
    write(chunk)
    yield flush()


@router.get(
    "/workplan/tasks.csv",
    response={200: None, **s.ERRORS},
    summary="导出督查督办台账(CSV,流式)",
    openapi_extra={
        "responses": {
            200: {
                "description": "台账 CSV(列与 Excel 台账相同)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_tasks(request, filters: Query[TaskFilters]):
    """The same rows as the board with the same filters, streamed in chunks."""
    _require_office(request)
    day = selectors.today()
    rows = _board(request, filters)
    response = StreamingHttpResponse(_ledger_stream(rows, day), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workplan-{day:%Y%m%d}.csv"'
    return response


@router.get(
    "/workplan/tasks/{task_id}",
    response={200: TaskDetail, **s.ERRORS},
    summary="督办任务详情(进展报送、督办通知、时间线)",
)
def task(request, task_id: Id):
    return _task_detail(_task(request, task_id))


@router.get(
    "/workplan/tasks/{task_id}/evidence/{evidence_id}",
    response={200: None, **s.ERRORS},
    url_name="workplan_evidence",
    openapi_extra={
        "responses": {
            200: {
                "description": "佐证材料原文件",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="下载佐证材料",
)
def evidence_file(request, task_id: Id, evidence_id: Id):
    found = _task(request, task_id)
    item = get_object_or_404(found.evidence.all(), pk=evidence_id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle, as_attachment=True, filename=item.original_name, content_type=item.content_type
    )


# ---------------------------------------------------------------------------------------------
# Actions: one endpoint per service function


@router.get(
    "/workplan/tasks/{task_id}/actions",
    response={200: list[s.ActionOut], **s.ERRORS},
    summary="当前可办理的操作(依据流程转换表)",
)
def task_actions(request, task_id: Id):
    """What the caller may do on the task now, from the task workflow's transition table (the
    same table the services refuse by and the task page shows its forms from). Actions without an
    endpoint (``endpoint: null``) are done on the task page."""
    return workflow.TASKS.describe(_task(request, task_id), request.user, s.API_PREFIX)


@router.post(
    "/workplan/tasks/{task_id}/reports",
    response={201: TaskDetail, **s.ERRORS},
    summary="报送进展(牵头单位;申请办结须附佐证材料)",
)
def report(request, task_id: Id, payload: ReportIn):
    found = _task(request, task_id)
    services.report_progress(
        found,
        actor=request.user,
        percent=payload.percent,
        done_text=payload.done_text,
        problems=payload.problems,
        next_steps=payload.next_steps,
        complete=payload.complete,
        evidence=_evidence_files(payload.evidence),
    )
    return Status(201, _after(request, found))


@router.post(
    "/workplan/tasks/{task_id}/verify",
    response={200: TaskDetail, **s.ERRORS},
    summary="核验办结申请(督查室:通过或退回)",
)
def verify(request, task_id: Id, payload: TaskVerifyIn):
    found = _task(request, task_id)
    services.verify_completion(found, actor=request.user, accept=payload.accept, note=payload.note)
    return _after(request, found)
