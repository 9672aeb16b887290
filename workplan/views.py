"""Pages of key-task supervision. Thin: scope the lookup, parse a form, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ServiceError, StateConflict
from core.ledger import xlsx_response
from core.media import file_response
from orgs.imports import ImportRejected
from orgs.scoping import can, has_scope
from orgs.selectors import ledger_signature

from . import drafts, escalation, excel, forms, selectors, services, status, workflow
from .extract import extract, render_outline
from .models import (
    LIGHT_COLOUR,
    Accountability,
    AccountabilityStatus,
    Evidence,
    Notice,
    NoticeKind,
    Plan,
    PlanState,
    TaskStatus,
    UnitRole,
)
from .units import UnitMatcher


def _require_office(user) -> None:
    if not (has_scope(user, "view") or has_scope(user, "supervise")):
        raise Http404


def _forbidden(request, error):
    return render(request, "workplan/forbidden.html", {"message": error.message}, status=403)


def _decorate(tasks, day):
    for task in tasks:
        code = getattr(task, "status_code", None) or status.task_status(task, day)
        task.status_code = code
        task.status_label = TaskStatus(code).label
        task.light = LIGHT_COLOUR[status.light(code)]
    return tasks


# ---------------------------------------------------------------------------------------------
# Board (督查室总览)


def board_filters(query) -> tuple[forms.FilterForm, selectors.BoardFilters]:
    """The board's filter form and filters from a query string (the board and its 台账 export)."""
    form = forms.FilterForm(query or None)
    form.fields["status"].choices = [("", "全部")] + list(TaskStatus.choices)
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    filters = selectors.BoardFilters(
        status=data.get("status") or "",
        unit_id=data.get("unit"),
        leader=data.get("leader") or "",
        plan_id=data.get("plan"),
        q=data.get("q") or "",
    )
    return form, filters


@login_required
def board(request):
    _require_office(request.user)
    day = selectors.today()
    form, filters = board_filters(request.GET)
    tasks = selectors.board(request.user, filters, day)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    _decorate(page, day)
    counts = selectors.status_counts(request.user, day, filters.plan_id)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "query": query.urlencode(),
        "counts": [
            (code, TaskStatus(code).label, counts[code], LIGHT_COLOUR[status.light(code)])
            for code in TaskStatus.values
        ],
        "chart": {
            "status": [
                {"name": TaskStatus(c).label, "value": counts[c]} for c in TaskStatus.values if counts[c]
            ],
            "units": selectors.unit_counts(request.user, day),
        },
        "plans": Plan.objects.visible_to(request.user).order_by("-year", "title")[:50],
        "units": forms.unit_queryset(request.user).filter(kind__in=("department", "street", "town")),
        "can_supervise": has_scope(request.user, "supervise"),
        "active_nav": "workplan",
        "day": day,
    }
    if request.htmx and request.htmx.target == "task-table" and not request.htmx.history_restore_request:
        response = render(request, "workplan/_board_table.html", context)
    else:
        response = render(request, "workplan/board.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
def export(request):
    """The 台账 (Excel) of the visible tasks, in the board's filters (a plan's in tree order)."""
    _require_office(request.user)
    day = selectors.today()
    _form, filters = board_filters(request.GET)
    if filters.plan_id:
        plan = selectors.visible_plan(request.user, filters.plan_id)
        visible = set(selectors.board(request.user, filters, day).values_list("pk", flat=True))
        tasks = [t for t in services.tasks_of_plan(plan) if t.pk in visible]
        name = plan.title
        unit = plan.org.name
    else:
        tasks = list(selectors.board(request.user, filters, day))
        name = "督查督办台账"
        unit = ""
    own_unit, maker = ledger_signature(request.user)
    title = name if name.endswith("台账") else f"{name}督查督办台账"
    data = excel.export_ledger(tasks, day, title, unit=unit or own_unit, maker=maker)
    return xlsx_response(data, f"{name}-{day:%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------
# Unit workbench and leader view


@login_required
def workbench(request):
    day = selectors.today()
    lead, co = (
        selectors.workbench(request.user, day) if has_scope(request.user, "workplan_report") else ([], [])
    )
    leader = list(selectors.leader_tasks(request.user, day)[:50])
    if not (lead or co or leader) and not has_scope(request.user, "workplan_report"):
        raise Http404
    context = {
        "lead": _decorate(list(lead[:100]), day),
        "co": _decorate(list(co[:100]), day),
        "leader": _decorate(leader, day),
        "due": selectors.reports_due(request.user, day),
        "notices": selectors.notices_to_answer(request.user),
        "day": day,
        "active_nav": "workplan_mine",
    }
    return render(request, "workplan/workbench.html", context)


# ---------------------------------------------------------------------------------------------
# Plans


@login_required
def plan_list(request):
    _require_office(request.user)
    plans = Plan.objects.visible_to(request.user).select_related("org")
    return render(
        request,
        "workplan/plans.html",
        {"plans": plans, "can_supervise": has_scope(request.user, "supervise"), "active_nav": "workplan"},
    )


@login_required
def plan_new(request):
    if not has_scope(request.user, "supervise"):
        raise Http404
    form = forms.PlanFieldsForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_plan(
                actor=request.user,
                owner=data["owner"],
                title=data["title"],
                kind=data["kind"],
                source_meeting=data["source_meeting"],
                document_no=data["document_no"],
                source_date=data["source_date"],
                source_file=data["source_file"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "计划已创建,请添加任务后下达")
            return redirect("workplan:plan", plan.pk)
    return render(request, "workplan/plan_new.html", {"form": form, "active_nav": "workplan"})


def _plan_context(request, plan, task_form=None):
    day = selectors.today()
    visible = set(
        selectors.board(request.user, selectors.BoardFilters(plan_id=plan.pk), day).values_list(
            "pk", flat=True
        )
    )
    tasks = [t for t in services.tasks_of_plan(plan) if t.pk in visible]
    _decorate(tasks, day)
    can_supervise = can(request.user, "supervise", plan.org)
    if can_supervise and task_form is None and plan.state != PlanState.ARCHIVED:
        task_form = forms.TaskForm(user=request.user, plan=plan, initial={"start_on": day})
    events = selectors.plan_events(plan)
    for event in events:
        event.label = services.events.label_for(event.action)
    return {
        "plan": plan,
        "tasks": tasks,
        "can_supervise": can_supervise,
        "task_form": task_form,
        "events": events,
        "active_nav": "workplan",
    }


@login_required
def plan_detail(request, pk: int):
    plan = selectors.visible_plan(request.user, pk)
    return render(request, "workplan/plan.html", _plan_context(request, plan))


@login_required
@require_POST
def plan_add_task(request, pk: int):
    plan = selectors.visible_plan(request.user, pk)
    form = forms.TaskForm(request.POST, user=request.user, plan=plan)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.create_task(
                plan,
                actor=request.user,
                parent=d["parent"],
                title=d["title"],
                lead_unit=d["lead_unit"],
                co_units=list(d["co_units"]),
                leader_name=d["leader_name"],
                responsible_name=d["responsible_name"],
                start_on=d["start_on"],
                deadline=d["deadline"],
                cadence=d["cadence"],
                expected_result=d["expected_result"],
                evidence_kinds=d["evidence_kinds"],
                priority=d["priority"],
                tags=d["tags"],
                weight=d["weight"],
                description=d["description"],
            )
        except PermissionDenied as error:
            return _forbidden(request, error)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "任务已添加")
            return redirect("workplan:plan", plan.pk)
    return render(request, "workplan/plan.html", _plan_context(request, plan, form), status=400)


@login_required
@require_POST
def plan_approve(request, pk: int):
    plan = selectors.visible_plan(request.user, pk)
    try:
        services.approve_plan(plan, actor=request.user)
    except PermissionDenied as error:
        return _forbidden(request, error)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "计划已下达,各牵头单位已收到通知")
    return redirect("workplan:plan", plan.pk)


@login_required
def plan_import(request):
    if not has_scope(request.user, "supervise"):
        raise Http404
    form = forms.ImportForm(request.POST or None, request.FILES or None, user=request.user)
    errors = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = excel.import_plan(
                d["file"],
                actor=request.user,
                owner=d["owner"],
                title=d["title"],
                start_on=d["start_on"],
                kind=d["kind"],
                source_meeting=d["source_meeting"],
                document_no=d["document_no"],
            )
        except ImportRejected as rejected:
            errors = rejected.errors
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已导入 {plan.tasks.count()} 项任务")
            return redirect("workplan:plan", plan.pk)
    return render(request, "workplan/import.html", {"form": form, "errors": errors, "active_nav": "workplan"})


@login_required
def plan_source(request, pk: int):
    plan = selectors.visible_plan(request.user, pk)
    if not plan.source_file:
        raise Http404
    return file_response(plan.source_file)


@login_required
def import_template(request):
    response = HttpResponse(
        excel.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E6%B8%85%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# ---------------------------------------------------------------------------------------------
# Speech → draft → plan


@login_required
def draft(request):
    if not has_scope(request.user, "supervise"):
        raise Http404
    day = selectors.today()
    context = {"active_nav": "workplan_draft"}
    if request.method == "POST" and "outline" in request.POST:
        accept = forms.AcceptDraftForm(request.POST, user=request.user)
        if accept.is_valid():
            d = accept.cleaned_data
            try:
                plan = drafts.create_plan_from_outline(
                    actor=request.user,
                    owner=d["owner"],
                    title=d["title"],
                    kind=d["kind"],
                    outline=d["outline"],
                    start_on=d["start_on"],
                    default_deadline=d["default_deadline"],
                    source_meeting=d["source_meeting"],
                    document_no=d["document_no"],
                    source_date=d["source_date"],
                    source_text=d["source_text"],
                )
            except drafts.OutlineRejected as rejected:
                context["line_errors"] = rejected.errors
            except PermissionDenied as error:
                return _forbidden(request, error)
            except ServiceError as error:
                accept.attach(error)
            else:
                messages.success(request, f"已生成计划草稿,共 {plan.tasks.count()} 项任务;请核对后下达")
                return redirect("workplan:plan", plan.pk)
        context.update(accept=accept, stage="review")
        return render(request, "workplan/draft.html", context, status=400)
    form = forms.DraftForm(request.POST or None, request.FILES or None, initial={"year": day.year})
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        result = extract(
            text, matcher=UnitMatcher(forms.unit_queryset(request.user)), year=form.cleaned_data["year"]
        )
        context.update(
            draft=result,
            rows=[{"depth": depth, "node": node, "indent": depth * 1.4} for depth, node in result.walk()],
            principles=result.principles(),
            carried=result.carried(),
            unmatched=sum(
                1 for _, node in result.walk() if node.is_task and node.lead and node.lead_org_id is None
            ),
            stage="review",
            accept=forms.AcceptDraftForm(
                user=request.user,
                initial={
                    "title": result.title or "重点工作任务清单",
                    "source_meeting": result.title,
                    "outline": render_outline(result),
                    "source_text": text,
                    "start_on": day,
                    "default_deadline": day.replace(month=12, day=31),
                },
            ),
        )
    return render(request, "workplan/draft.html", context)


# ---------------------------------------------------------------------------------------------
# Task page


def _task_panels(request, task, bound: dict) -> dict:
    """The forms this user may use on this task now; which actions comes from the transition
    table (``workflow.TASKS``)."""
    user = request.user
    panels: dict = {}

    def form(key, cls, **kwargs):
        return bound.get(key) or cls(auto_id=f"{key}_%s", **kwargs)

    supervise = can(user, "supervise", task.plan.org)
    units = list(task.units.filter(active=True).select_related("org"))
    actions = {t.action for t in workflow.TASKS.available(task, user)}
    if "report" in actions:
        panels["report"] = form("report", forms.ReportForm, initial={"percent": int(task.progress)})
    panels["can_link"] = supervise or any(can(user, "workplan_report", u.org) for u in units)
    if panels["can_link"] and task.is_open:
        panels["link"] = form("link", forms.LinkForm)
    panels["can_mark"] = workflow.may_report(user, task)
    if "co_input" in actions:
        panels["co_input"] = form("co_input", forms.CoInputForm, units=workflow.co_units_of(user, task))
    if "verify" in actions:
        panels["verify"] = form("verify", forms.VerifyForm)
    if "close" in actions:
        panels["close"] = True
    if "change" in actions:
        panels["notice"] = form("notice", forms.NoticeForm, initial={"kind": NoticeKind.NOTICE})
        panels["change"] = form(
            "change",
            forms.ChangeTaskForm,
            user=user,
            initial={
                **forms.ChangeTaskForm.initial_for(task),
                "deadline": task.deadline,
                "lead_unit": task.lead_unit_id,
                "co_units": [u.org_id for u in units if u.role == UnitRole.CO],
            },
        )
    if "cancel" in actions:
        panels["cancel"] = form("cancel", forms.ReasonForm)
    if supervise:
        _supervisor_panels(task, units, form, panels)
    return panels


def _supervisor_panels(task, units, form, panels: dict) -> None:
    if units:
        panels["accountability"] = form(
            "accountability", forms.AccountabilityEntryForm, units=[u.org for u in units]
        )
    panels["milestone"] = form("milestone", forms.MilestoneForm)
    panels["decide"] = [
        (item, form(f"decide-{item.pk}", forms.DecideForm))
        for item in task.accountability.filter(status=AccountabilityStatus.PROPOSED)
    ]


def _render_task(request, task, *, bound=None, status_code=200, conflict=""):
    day = selectors.today()
    _decorate([task], day)
    events = selectors.timeline(task)
    for event in events:
        event.label = services.events.label_for(event.action)
    units = list(task.units.filter(active=True).select_related("org"))
    children = list(task.children.select_related("lead_unit").order_by("sort", "pk"))
    _decorate(children, day)
    context = {
        "task": task,
        "expected": status.expected_progress(task, day),
        "lead_units": [u.org for u in units if u.role == UnitRole.LEAD],
        "co_units": [u.org for u in units if u.role == UnitRole.CO],
        "children": children,
        "milestones": task.milestones.all(),
        "reports": task.reports.select_related("reported_by", "verified_by").prefetch_related("evidence"),
        "evidence": task.evidence.all(),
        "links": task.links.all(),
        "notices": Notice.objects.filter(task=task).select_related("unit", "issued_by"),
        "accountability": task.accountability.select_related("unit", "decided_by"),
        "events": events,
        "panels": _task_panels(request, task, bound or {}),
        "conflict": conflict,
        "active_nav": "workplan",
        "day": day,
    }
    return render(request, "workplan/task.html", context, status=status_code)


@login_required
def task_detail(request, pk: int):
    return _render_task(request, selectors.visible_task(request.user, pk))


def _act(request, pk: int, key: str, form_factory, call, success):
    """Run ``call`` on the bound form's data; ``success``: the flash, or a function of the data
    giving it (the flash must say what happened: a send-back is not "已核验")."""
    task = selectors.visible_task(request.user, pk)
    form = form_factory(task)
    if not form.is_valid():
        return _render_task(request, task, bound={key: form}, status_code=400)
    try:
        call(task, form.cleaned_data)
    except PermissionDenied as error:
        return _forbidden(request, error)
    except StateConflict as error:
        task.refresh_from_db()
        return _render_task(request, task, conflict=error.message, status_code=409)
    except ServiceError as error:
        form.attach(error)
        return _render_task(request, task, bound={key: form}, status_code=400)
    messages.success(request, success(form.cleaned_data) if callable(success) else success)
    return redirect("workplan:task", pk)


@login_required
@require_POST
def task_report(request, pk: int):
    def call(task, d):
        files = [(d["evidence_kind"], upload) for upload in d["evidence"]]
        services.report_progress(
            task,
            actor=request.user,
            percent=d["percent"],
            done_text=d["done_text"],
            problems=d["problems"],
            next_steps=d["next_steps"],
            complete=d["complete"],
            evidence=files,
        )

    return _act(
        request,
        pk,
        "report",
        lambda t: forms.ReportForm(request.POST, request.FILES, auto_id="report_%s"),
        call,
        "进展已报送",
    )


@login_required
@require_POST
def task_co_input(request, pk: int):
    def factory(task):
        units = [u.org for u in task.units.filter(active=True, role=UnitRole.CO).select_related("org")]
        return forms.CoInputForm(request.POST, auto_id="co_input_%s", units=units)

    return _act(
        request,
        pk,
        "co_input",
        factory,
        lambda t, d: services.submit_co_input(t, actor=request.user, unit=d["unit"], text=d["text"]),
        "配合情况已报送,将并入牵头单位的下次报送",
    )


@login_required
@require_POST
def task_verify(request, pk: int):
    def call(task, d):
        services.verify_completion(task, actor=request.user, accept=d["decision"] == "accept", note=d["note"])

    def flash(d) -> str:
        return "已核验,任务已办结" if d["decision"] == "accept" else "已退回办结申请,任务回到推进中"

    return _act(
        request, pk, "verify", lambda t: forms.VerifyForm(request.POST, auto_id="verify_%s"), call, flash
    )


@login_required
@require_POST
def task_close(request, pk: int):
    task = selectors.visible_task(request.user, pk)
    try:
        services.close_task(task, actor=request.user, note=request.POST.get("note", ""))
    except PermissionDenied as error:
        return _forbidden(request, error)
    except ServiceError as error:
        return _render_task(request, task, conflict=error.message, status_code=409)
    messages.success(request, "已销号")
    return redirect("workplan:task", pk)


@login_required
@require_POST
def task_notice(request, pk: int):
    def call(task, d):
        request.notice = escalation.issue_notice(
            task, actor=request.user, kind=d["kind"], text=d["text"], reply_days=d["reply_days"]
        )

    return _act(
        request, pk, "notice", lambda t: forms.NoticeForm(request.POST, auto_id="notice_%s"), call, "已发出"
    )


@login_required
@require_POST
def task_change(request, pk: int):
    def call(task, d):
        changes = forms.ChangeTaskForm.changes(task, d, submitted=request.POST.keys())
        units = {}  # left out of the request: unchanged (a select sends its value, even empty)
        if "lead_unit" in request.POST:
            units["lead_unit"] = d["lead_unit"]
        if "lead_unit" in request.POST or "co_units" in request.POST:
            units["co_units"] = list(d["co_units"])
        services.update_task(task, actor=request.user, reason=d["reason"], **units, **changes)

    return _act(
        request,
        pk,
        "change",
        lambda t: forms.ChangeTaskForm(request.POST, auto_id="change_%s", user=request.user),
        call,
        "已调整",
    )


@login_required
@require_POST
def task_cancel(request, pk: int):
    return _act(
        request,
        pk,
        "cancel",
        lambda t: forms.ReasonForm(request.POST, auto_id="cancel_%s"),
        lambda t, d: services.cancel_task(t, actor=request.user, reason=d["reason"]),
        "任务已取消",
    )


@login_required
@require_POST
def task_accountability(request, pk: int):
    def factory(task):
        units = [u.org for u in task.units.filter(active=True).select_related("org")]
        return forms.AccountabilityEntryForm(
            request.POST, request.FILES, auto_id="accountability_%s", units=units
        )

    def call(task, d):
        escalation.record_accountability(
            task,
            actor=request.user,
            unit=d["unit"],
            person_name=d["person_name"],
            form=d["form"],
            reason=d["reason"],
            decision_no=d["decision_no"],
            decision_file=d["decision_file"],
        )

    return _act(request, pk, "accountability", factory, call, "问责记录已登记")


@login_required
@require_POST
def accountability_decide(request, pk: int, item: int):
    def call(task, d):
        record = get_object_or_404(Accountability.objects.filter(task=task), pk=item)
        escalation.decide_accountability(
            record,
            actor=request.user,
            dismiss=d["decision"] == "dismiss",
            form=d["form"],
            person_name=d["person_name"],
            decision_no=d["decision_no"],
            reason=d["reason"],
            decision_file=d["decision_file"],
        )

    return _act(
        request,
        pk,
        f"decide-{item}",
        lambda t: forms.DecideForm(request.POST, request.FILES, auto_id=f"decide-{item}_%s"),
        call,
        "已作出决定",
    )


@login_required
@require_POST
def task_milestone(request, pk: int):
    def call(task, d):
        services.add_milestone(task, actor=request.user, title=d["title"], due_on=d["due_on"])

    return _act(
        request,
        pk,
        "milestone",
        lambda t: forms.MilestoneForm(request.POST, auto_id="milestone_%s"),
        call,
        "节点目标已添加",
    )


@login_required
@require_POST
def milestone_done(request, pk: int, item: int):
    task = selectors.visible_task(request.user, pk)
    milestone = get_object_or_404(task.milestones.all(), pk=item)
    try:
        services.complete_milestone(milestone, actor=request.user)
    except PermissionDenied as error:
        return _forbidden(request, error)
    except ServiceError as error:
        return _render_task(request, task, conflict=error.message, status_code=409)
    messages.success(request, "节点目标已完成")
    return redirect("workplan:task", pk)


@login_required
@require_POST
def task_link(request, pk: int):
    def call(task, d):
        services.link_record(task, actor=request.user, kind=d["kind"], ref=d["ref"], label=d["label"])

    return _act(
        request, pk, "link", lambda t: forms.LinkForm(request.POST, auto_id="link_%s"), call, "已关联"
    )


@login_required
def evidence_file(request, pk: int):
    item = get_object_or_404(Evidence.objects.select_related("task"), pk=pk)
    selectors.visible_task(request.user, item.task_id)  # 404 unless the task is visible
    # Inline for images and PDFs, a download otherwise; nginx sends it when configured (core.media).
    return file_response(item.file, filename=item.original_name)


# ---------------------------------------------------------------------------------------------
# Notices (printable A4, Word)


@login_required
def notice_word(request, pk: int):
    from urllib.parse import quote

    from .docx import notice_docx

    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("task", "task__plan", "task__org", "unit"),
        pk=pk,
    )
    response = HttpResponse(
        notice_docx(notice),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"{notice.get_kind_display()}{notice.number or notice.pk}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def notice_detail(request, pk: int):
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related(
            "task", "task__plan", "task__org", "unit", "issued_by", "replied_by"
        ),
        pk=pk,
    )
    form = None
    if (
        notice.kind == NoticeKind.NOTICE
        and notice.replied_at is None
        and can(request.user, "workplan_report", notice.unit)
    ):
        form = forms.ReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                escalation.reply_notice(notice, actor=request.user, reply=form.cleaned_data["reply"])
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "情况说明已提交")
                return redirect("workplan:notice", pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "workplan/notice.html", {"notice": notice, "form": form, "active_nav": "workplan"})
