"""Staff pages of grid case handling: the workbench, the case page with its action panels and the
hotline/patrol entry. Thin: parse a form, call one service, render; lists come from selectors."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.models import Org, OrgKind
from orgs.scoping import can, has_scope

from . import assist, forms, selectors, services, workflow
from .models import (
    DECIDER_ACTION,
    AssignmentRole,
    AssignmentStatus,
    AttachmentStage,
    CaseStatus,
    Category,
    Channel,
    NoticeKind,
    RequestKind,
    RequestStatus,
    ReturnReason,
    Satisfaction,
    Stage,
    SupervisionNotice,
    Urgency,
)

STAFF_ACTIONS = ("dispatch", "handle", "check", "supervise", "report")
DUE_SOON = dt.timedelta(hours=4)


def is_case_staff(user) -> bool:
    return any(has_scope(user, action) for action in STAFF_ACTIONS)


def _require_staff(user) -> None:
    if not is_case_staff(user):
        raise Http404  # residents use the public portal


# ---------------------------------------------------------------------------------------------
# Deadlines shown as "已逾期 2天3小时" / "即将到期"


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{max(minutes, 1)}分钟"


def due_state(due_at, now, running: bool = True) -> dict | None:
    """How to flag a deadline: red when passed, amber within four hours."""
    if due_at is None or not running:
        return None
    if due_at < now:
        return {"level": "danger", "text": f"已逾期 {_span(now - due_at)}"}
    if due_at < now + DUE_SOON:
        return {"level": "warning", "text": "即将到期"}
    return None


# ---------------------------------------------------------------------------------------------
# Workbench


class CappedPaginator(Paginator):
    """Counts at most ``CAP`` + 1 rows: counting a department's whole history costs seconds at a
    million cases (bench/README.md); nobody pages past 1,000 — they filter. Shown as "1000+"."""

    CAP = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


class CappedCount:
    """The workbench's count, capped like ``CappedPaginator``'s; its pages come by keyset
    (``selectors.workbench_page``), not by OFFSET."""

    CAP = CappedPaginator.CAP

    def __init__(self, user, filters: selectors.CaseFilters, per_page: int):
        self.user = user
        self.filters = filters
        self.per_page = per_page

    @cached_property
    def count(self) -> int:
        return selectors.workbench_count(self.user, self.filters, self.CAP)

    @property
    def capped(self) -> bool:
        return self.count > self.CAP

    @property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.CAP) // self.per_page))


@dataclass
class KeysetPage:
    """A workbench page for the template: its rows, the capped count, and the links around it
    (cursors, not page numbers: ``number`` is only shown)."""

    found: selectors.WorkbenchPage
    paginator: CappedCount
    number: int

    def __iter__(self):
        return iter(self.found.rows)

    @property
    def has_next(self) -> bool:
        return self.found.has_next

    @property
    def has_previous(self) -> bool:
        return self.found.has_previous

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def num_pages(self) -> int:
        return max(self.paginator.num_pages, self.number)

    def next_query(self) -> str:
        return urlencode({"after": self.found.next_cursor, "n": self.number + 1})

    def previous_query(self) -> str:
        return urlencode({"before": self.found.previous_cursor, "n": max(1, self.number - 1)})


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _tabs(user) -> list[dict]:
    tabs = []
    if selectors.dispatches_at_district(user):
        tabs.append({"label": "区级待办(无网格)", "params": {"district": "1"}})
    if has_scope(user, "dispatch"):
        tabs += [
            {"label": "待受理", "params": {"status": "reported"}},
            {"label": "待派遣", "params": {"status": "registered"}},
            {"label": "退单待裁定", "params": {"status": "returned"}},
            {"label": "待审批", "params": {"requests": "1"}},
            {"label": "已逾期", "params": {"overdue": "1"}},
        ]
    if has_scope(user, "handle"):
        tabs += [
            {"label": "待签收", "params": {"mine": "pending"}},
            {"label": "处置中", "params": {"mine": "signed"}},
            {"label": "处置逾期", "params": {"mine": "overdue"}},
        ]
    if has_scope(user, "supervise") and not has_scope(user, "dispatch"):
        tabs.append({"label": "待审批", "params": {"requests": "1"}})
    if has_scope(user, "supervise"):
        tabs.append({"label": "已逾期", "params": {"overdue": "1"}})  # 督查室: to 催办
    if has_scope(user, "check"):
        tabs += [
            {"label": "待核查", "params": {"status": "fed_back"}},
            {"label": "待核实", "params": {"status": "verifying"}},
        ]
    tabs.append({"label": "全部", "params": {}})
    seen, unique = set(), []
    for tab in tabs:  # dispatchers who also check: one "待核查"
        key = tuple(sorted(tab["params"].items()))
        if key not in seen:
            seen.add(key)
            tab["query"] = "&".join(f"{k}={v}" for k, v in tab["params"].items())
            unique.append(tab)
    return unique


@login_required
def case_list(request):
    _require_staff(request.user)
    if not request.GET and not request.htmx and selectors.dispatches_at_district(request.user):
        # A district dispatcher sees the whole district: start on their own queue, not on 全部.
        return redirect(f"{reverse('cases:list')}?district=1")
    form = forms.FilterForm(request.GET or None)
    filters = form.case_filters()
    data = form.cleaned_data if form.is_bound else {}
    found = selectors.workbench_page(
        request.user, filters, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    number = max(2, _page_number(request.GET.get("n"))) if found.has_previous else 1
    page = KeysetPage(found, CappedCount(request.user, filters, 50), number)
    now = timezone.now()
    for case in page:
        case.due = due_state(case.due_at, now, case.is_open)
    current = {
        k: v
        for k, v in request.GET.items()
        if k in ("status", "overdue", "mine", "requests", "district") and v
    }
    for flag in ("overdue", "requests", "district"):
        if current.get(flag) in ("on", "true", "True"):
            current[flag] = "1"
    tabs = _tabs(request.user)
    for tab in tabs:
        tab["active"] = tab["params"] == current and not (data.get("q") or data.get("category"))
    query = request.GET.copy()
    for key in ("page", "after", "before", "n"):
        query.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "tabs": tabs,
        "query": query.urlencode(),
        "active_nav": "cases",
        "can_report": has_scope(request.user, "report"),
        "can_bulk": has_scope(request.user, "dispatch"),
    }
    if request.htmx.target == "case-table" and not request.htmx.history_restore_request:
        response = render(request, "cases/_table.html", context)
    else:
        response = render(request, "cases/list.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# ---------------------------------------------------------------------------------------------
# Case page


def load_case(request, number: str):
    case = selectors.visible_case(request.user, number)
    return case


def load_assignment(case, pk: int):
    return get_object_or_404(case.assignments.select_related("org", "case"), pk=pk)


def _ids(prefix: str) -> str:
    return f"{prefix}_%s"


def _panels(request, case, bound: dict) -> dict:
    """The action forms this user may use on this case now (``bound``: a form with errors); which
    ones comes from the transition table (``workflow.CASES`` / ``workflow.ASSIGNMENTS``)."""
    user = request.user
    initial = {"expected_status": case.status}

    def form(key, cls, **kwargs):
        if key in bound:
            return bound[key]
        kwargs.setdefault("initial", initial)
        return cls(auto_id=_ids(key), **kwargs)

    panels: dict = {}
    for entry in workflow.CASES.available(case, user):
        if entry.action in CASE_FORMS:
            panels[entry.action] = CASE_FORMS[entry.action](case, form)
    if "adjudicate" in panels:
        panels["returned"] = case.assignments.filter(
            status=AssignmentStatus.RETURNED, return_upheld__isnull=True
        ).first()
    if case.is_open:
        mine = [
            _assignment_panel(user, case, assignment, form)
            for assignment in selectors.my_assignments(user, case)
        ]
        if mine:
            panels["assignments"] = mine
    _coordination_panels(user, case, form, panels, can(user, "dispatch", case.org))
    if case.is_open and case.stage and can(user, "supervise", case.org):
        # 督查室: 催办 the unit that must act, or issue a numbered 督办通知单 (cases.supervision).
        panels["urge"] = form("urge", forms.UrgeForm)
        panels["case_notice"] = form("case_notice", forms.CaseNoticeForm, initial={"reply_days": 1})
    return panels


def _register_form(case, form):
    initial = {"expected_status": case.status, "category": case.category_id, "urgency": case.urgency}
    return form("register", forms.RegisterForm, initial={**initial, "title": case.title})


# The form each case-level action of the table shows (``form(key, cls, **kwargs)``).
CASE_FORMS = {
    "register": _register_form,
    "request_verification": lambda case, form: form("request_verification", forms.VerificationRequestForm),
    "reject": lambda case, form: form("reject", forms.RejectForm),
    "verify": lambda case, form: form("verify", forms.VerificationForm),
    "dispatch": lambda case, form: form(
        "dispatch", forms.DispatchForm, case=case, suggested=selectors.suggest_units(case)
    ),
    "adjudicate": lambda case, form: form(
        "adjudicate", forms.AdjudicateForm, case=case, suggested=selectors.suggest_units(case)
    ),
    "check": lambda case, form: form("check", forms.CheckForm),
    "callback": lambda case, form: form("callback", forms.CallbackForm),
    "summon": lambda case, form: form("summon", forms.SummonForm, case=case),
    "merge": lambda case, form: form("merge", forms.MergeForm),
    "public": lambda case, form: form(
        "public", forms.PublicForm, initial={"public": "1" if case.is_public else "0"}
    ),
}


def _assignment_panel(user, case, assignment, form) -> dict:
    """One of the user's assignments with the forms its table actions need."""
    entry = {"assignment": assignment}
    actions = {t.action for t in workflow.ASSIGNMENTS.available(assignment, user)}
    pk = assignment.pk
    if "report_in" in actions:
        entry["report_in_form"] = form(f"report_in-{pk}", forms.ReportInForm)
    if "sign" in actions:
        entry["sign"] = True
    if "return" in actions:
        entry["return_form"] = form(f"return-{pk}", forms.ReturnForm)
    if "feedback" in actions:
        entry["feedback_form"] = form(f"feedback-{pk}", forms.FeedbackForm)
        # Requests to the dispatcher (approvals) ride on the lead's feedback form.
        if assignment.role == AssignmentRole.LEAD and case.status != CaseStatus.PARKED:
            entry["extension_form"] = form("extension", forms.ExtensionForm)
            if case.status == CaseStatus.HANDLING:
                entry["parking_form"] = form("parking", forms.ParkingForm)
    return entry


def _coordination_panels(user, case, form, panels: dict, can_dispatch: bool) -> None:
    """Requests (延期/挂账/重办/不合理诉求): to make and to approve."""
    status = case.status
    if (
        status == CaseStatus.CLOSED
        and case.rated_at is not None
        and case.rating_resolved is False
        and case.rating_satisfaction == Satisfaction.DISSATISFIED
        and can(user, "callback", case.org)
    ):
        panels["rehandle"] = form("rehandle", forms.RehandleForm)
    lead_handler = any(e["assignment"].role == AssignmentRole.LEAD for e in panels.get("assignments", []))
    if (
        (can_dispatch or lead_handler)
        and not case.excluded_from_evaluation
        and status not in (CaseStatus.REJECTED, CaseStatus.MERGED)
    ):
        panels["exclusion"] = form("exclusion", forms.ExclusionForm)
    decidable = []
    for request in case.requests.filter(status=RequestStatus.PENDING).select_related(
        "requested_by", "requester_unit"
    ):
        action = DECIDER_ACTION[request.kind]
        if can(user, action, case.org) and request.requested_by_id != user.pk:
            request.decision_form = form(f"decide-{request.pk}", forms.DecisionForm)
        decidable.append(request)
    if decidable:
        panels["requests"] = decidable


STAGE_ORDER = [stage for stage, _ in AttachmentStage.choices]
SUMMARY_LABELS = {
    "channel": "来源",
    "org": "区域",
    "urgency": "紧急程度",
    "category": "分类",
    "title": "标题",
    "lead_unit": "主办",
    "co_units": "协办",
    "handle_due_at": "处置时限",
    "unit": "单位",
    "role": "角色",
    "from": "原承办单位",
    "reason": "退单理由",
    "resolved": "问题已解决",
    "satisfaction": "满意度",
    "by_reporter": "反映人自评",
    "rework_count": "返工次数",
    "public_note": "公开说明",
    "kind": "类型",
    "days": "延期工作日",
    "until": "挂账至",
    "units": "召集部门",
    "report_due_at": "报到时限",
    "late": "超时报到",
    "into": "并入主事项",
    "merged": "并入的重复事项",
    "public": "公开",
    "status": "原状态",
    "rehandle_count": "重办次数",
    "excluded_from_evaluation": "不计入考核",
    "stage": "环节",
    "number": "文号",
    "act_by": "限期办结",
}
# Internal references that mean nothing to a reader of the timeline.
HIDDEN_KEYS = {"public_note", "request"}
DATETIME_KEYS = {"handle_due_at", "report_due_at", "act_by"}
VALUE_LABELS = {
    "channel": dict(Channel.choices),
    "urgency": dict(Urgency.choices),
    "role": dict(AssignmentRole.choices),
    "reason": dict(ReturnReason.choices),
    "satisfaction": dict(Satisfaction.choices),
    "kind": dict(RequestKind.choices),
    "status": dict(CaseStatus.choices),
    "stage": dict(Stage.choices),
}


def _display(key: str, value, categories: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "category":
        return categories.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if key in DATETIME_KEYS:
        try:
            moment = timezone.localtime(dt.datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
        return f"{moment:%Y-%m-%d %H:%M}"
    return VALUE_LABELS.get(key, {}).get(value, str(value))


def _summaries(events) -> None:
    """A readable before → after line for each timeline event (``event.summary``)."""
    ids = set()
    for event in events:
        for data in (event.before or {}, event.after or {}):
            if isinstance(data.get("category"), int):
                ids.add(data["category"])
    categories = {c.pk: str(c) for c in Category.objects.filter(pk__in=ids).select_related("parent")}
    for event in events:
        before, after = event.before or {}, event.after or {}
        lines = []
        for key in list(dict.fromkeys([*before, *after])):
            if key in HIDDEN_KEYS:
                continue
            label = SUMMARY_LABELS.get(key, key)
            if key in before and before.get(key) != after.get(key):
                old, new = _display(key, before[key], categories), _display(key, after.get(key), categories)
                lines.append(f"{label}:{old} → {new}")
            elif key in after and key not in before:
                lines.append(f"{label}:{_display(key, after[key], categories)}")
        event.summary = lines
        event.public_note = after.get("public_note", "")
        if event.actor_id is None and (event.action == services.REPORTED or after.get("by_reporter")):
            event.who = "反映人"
        else:
            event.who = event.actor_label or "系统"


def _case_context(request, case, *, bound=None, notice: str = "", conflict: str = "") -> dict:
    now = timezone.now()
    events = selectors.timeline(case)
    _summaries(events)
    assignments = sorted(
        case.assignments.select_related("org", "signed_by"),
        key=lambda a: (a.dispatched_at, a.role != AssignmentRole.LEAD, a.pk),
    )
    for assignment in assignments:
        assignment.sign_due = due_state(
            assignment.sign_due_at, now, assignment.status == AssignmentStatus.PENDING and case.is_open
        )
        assignment.handle_due = due_state(
            assignment.handle_due_at, now, assignment.status == AssignmentStatus.SIGNED and case.is_open
        )
    photos = OrderedDict()
    for attachment in sorted(case.attachments.all(), key=lambda a: (STAGE_ORDER.index(a.stage), a.pk)):
        photos.setdefault(attachment.get_stage_display(), []).append(attachment)
    grid_geometry = case.grid.geometry if case.grid_id and case.grid.geometry else None
    return {
        "case": case,
        "events": events,
        "staff_reporter": _staff_reporter(case, events),
        "assignments": assignments,
        "photos": photos,
        "due": due_state(case.due_at, now, case.is_open),
        "handle_due": due_state(case.handle_due_at, now, case.status == CaseStatus.HANDLING),
        "panels": _panels(request, case, bound or {}),
        "merged": list(case.merged_cases.order_by("pk").only("number")),
        "case_notices": list(
            SupervisionNotice.objects.visible_to(request.user)
            .filter(case=case)
            .exclude(kind=NoticeKind.REMINDER)
            .select_related("unit", "issued_by")
            .order_by("-created_at", "-pk")[:20]
        ),
        "intel": _intel(request.user, case),
        "can_reveal": can(request.user, "callback", case.org) and bool(case.reporter_phone_encrypted),
        # Phone/ID numbers typed into the description: clear for those who may call the reporter back
        # or see personal data here, masked for everyone else (cases.resident / core.privacy).
        "clear_description": can(request.user, "callback", case.org)
        or can(request.user, "view_personal", case.org),
        "reveal_form": forms.RevealForm(auto_id=_ids("reveal")),
        "map_data": (
            {"point": [case.longitude, case.latitude] if case.has_location else None, "grid": grid_geometry}
            if case.has_location or grid_geometry
            else None
        ),
        "notice": notice,
        "conflict": conflict,
        "active_nav": "cases",
    }


def _staff_reporter(case, events) -> str:
    """The grid worker who entered a patrol report (the 上报 event's actor), shown instead of 匿名."""
    if case.channel != Channel.PATROL:
        return ""
    for event in events:
        if event.action == services.REPORTED and event.actor_id is not None:
            return event.actor_label
    return ""


# Before registration the dispatcher picks a category and spots duplicates: the intel app's
# suggestions (keyword rules or the trained model) and nearby similar open cases help there.
INTEL_STATUSES = (CaseStatus.REPORTED, CaseStatus.VERIFYING, CaseStatus.REGISTERED, CaseStatus.RETURNED)


def _intel(user, case):
    if case.status not in INTEL_STATUSES or not can(user, "dispatch", case.org):
        return None
    return assist.suggestions(case, user)  # the read-only assistant (intel) registers it


def _render_case(request, case, *, status: int = 200, **kwargs):
    context = _case_context(request, case, **kwargs)
    template = "cases/_case_page.html" if request.htmx else "cases/detail.html"
    return render(request, template, context, status=status)


@login_required
def case_detail(request, number: str):
    if not is_case_staff(request.user):
        # A resident opening their own case (home page link) gets the public tracking page.
        case = selectors.visible_case(request.user, number)
        if case.reporter_user_id == request.user.pk:
            return redirect(f"{reverse('portal:case', args=[case.number])}?t={case.access_token}")
        raise Http404
    return _render_case(request, load_case(request, number))


def _forbidden(request, error):
    return render(request, "cases/forbidden.html", {"message": error.message}, status=403)


def perform(request, case, key: str, form, call, success: str):
    """Validate ``form``, run ``call(cleaned_data)`` (one service) and render the outcome."""
    if not form.is_valid():
        return _render_case(request, case, bound={key: form}, status=400)
    try:
        call(form.cleaned_data)
    except PermissionDenied as error:
        return _forbidden(request, error)
    except StateConflict as error:
        case.refresh_from_db()
        return _render_case(request, case, conflict=error.message, status=409)
    except ServiceError as error:
        form.attach(error)
        return _render_case(request, case, bound={key: form}, status=400)
    try:
        case = selectors.visible_case(request.user, case.number)
    except Http404:
        messages.success(request, f"{case.number}:{success}")
        return redirect("cases:list")
    if request.htmx:
        return _render_case(request, case, notice=success)
    messages.success(request, success)
    return redirect("cases:detail", case.number)


def posted_status(data) -> str | None:
    return data.get("expected_status") or None


def bound_form(cls, request, key, **kwargs):
    return cls(request.POST, request.FILES, auto_id=_ids(key), **kwargs)


@login_required
@require_POST
def register(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.RegisterForm, request, "register")

    def call(d):
        services.register_case(
            case,
            actor=request.user,
            category=d["category"],
            urgency=d["urgency"],
            title=d["title"],
            note=d["note"],
            expected_status=posted_status(d),
        )

    return perform(request, case, "register", form, call, "已立案,请派遣")


@login_required
@require_POST
def request_verification(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.VerificationRequestForm, request, "request_verification")

    def call(d):
        services.request_verification(
            case, actor=request.user, note=d["note"], expected_status=posted_status(d)
        )

    return perform(request, case, "request_verification", form, call, "已派发网格员核实")


@login_required
@require_POST
def reject(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.RejectForm, request, "reject")

    def call(d):
        services.reject_case(case, actor=request.user, reason=d["reason"], expected_status=posted_status(d))

    return perform(request, case, "reject", form, call, "已不予立案")


@login_required
@require_POST
def verify(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.VerificationForm, request, "verify")

    def call(d):
        services.record_verification(
            case,
            actor=request.user,
            confirmed=d["confirmed"],
            note=d["note"],
            expected_status=posted_status(d),
        )

    return perform(request, case, "verify", form, call, "已记录核实结果")


@login_required
@require_POST
def dispatch(request, number: str):
    case = load_case(request, number)
    form = bound_form(
        forms.DispatchForm, request, "dispatch", case=case, suggested=selectors.suggest_units(case)
    )

    def call(d):
        services.dispatch_case(
            case,
            actor=request.user,
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            instructions=d["instructions"],
            expected_status=posted_status(d),
        )

    return perform(request, case, "dispatch", form, call, "已派遣")


@login_required
@require_POST
def adjudicate(request, number: str):
    case = load_case(request, number)
    form = bound_form(
        forms.AdjudicateForm, request, "adjudicate", case=case, suggested=selectors.suggest_units(case)
    )

    def call(d):
        services.adjudicate_return(
            case,
            actor=request.user,
            upheld=d["upheld"],
            note=d["note"],
            lead_unit=d["lead_unit"] if d["upheld"] else None,
            co_units=list(d["co_units"]) if d["upheld"] else [],
            expected_status=posted_status(d),
        )

    return perform(request, case, "adjudicate", form, call, "已裁定退单")


@login_required
@require_POST
def sign(request, number: str, pk: int):
    case = load_case(request, number)
    assignment = load_assignment(case, pk)
    form = bound_form(forms.CaseForm, request, f"sign-{pk}")

    def call(d):
        services.sign_assignment(assignment, actor=request.user)

    return perform(request, case, f"sign-{pk}", form, call, "已签收,请及时处置")


@login_required
@require_POST
def return_assignment(request, number: str, pk: int):
    case = load_case(request, number)
    assignment = load_assignment(case, pk)
    key = f"return-{pk}"
    form = bound_form(forms.ReturnForm, request, key)

    def call(d):
        services.return_assignment(assignment, actor=request.user, reason=d["reason"], note=d["note"])

    return perform(request, case, key, form, call, "已退单,等待调度中心裁定")


@login_required
@require_POST
def feedback(request, number: str, pk: int):
    case = load_case(request, number)
    assignment = load_assignment(case, pk)
    key = f"feedback-{pk}"
    form = bound_form(forms.FeedbackForm, request, key)

    def call(d):
        services.give_feedback(assignment, actor=request.user, text=d["text"], uploads=d["photos"])

    return perform(request, case, key, form, call, "已提交处置反馈")


@login_required
@require_POST
def check(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.CheckForm, request, "check")

    def call(d):
        services.check_case(
            case,
            actor=request.user,
            passed=d["passed"],
            note=d["note"],
            uploads=d["photos"],
            expected_status=posted_status(d),
        )

    message = "核查通过,已结案" if request.POST.get("passed") == "1" else "核查不通过,已退回返工"
    return perform(request, case, "check", form, call, message)


@login_required
@require_POST
def callback(request, number: str):
    case = load_case(request, number)
    form = bound_form(forms.CallbackForm, request, "callback")

    def call(d):
        record_callback(request.user, case, d)

    return perform(request, case, "callback", form, call, "已记录回访结果")


def record_callback(user, case, d):
    """The callback form's answers to ``services.record_callback`` (an absent 联系上 = reached)."""
    return services.record_callback(
        case,
        actor=user,
        reached=True if d["reached"] is None else d["reached"],
        unit_contacted=d["contacted"],
        resolved=d["resolved"],
        satisfaction=d["satisfaction"],
        note=d["comment"],
    )


@login_required
@require_POST
def reveal_phone(request, number: str):
    case = load_case(request, number)
    form = forms.RevealForm(request.POST, auto_id=_ids("reveal"))
    form.is_valid()
    try:
        phone = services.reveal_reporter_phone(
            case, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDenied as error:
        return _forbidden(request, error)
    except ServiceError as error:
        form.attach(error)
        return render(request, "cases/_reveal_phone.html", {"case": case, "reveal_form": form}, status=400)
    return render(request, "cases/_reveal_phone.html", {"case": case, "phone": phone})


# ---------------------------------------------------------------------------------------------
# Hotline / patrol entry


def _entry_options(user) -> dict:
    channels = []
    if has_scope(user, "dispatch"):
        channels.append(Channel.HOTLINE)
    if has_scope(user, "handle") or not channels:
        channels.append(Channel.PATROL)
    on_spot = (
        Org.objects.visible_to(user, "handle").filter(kind=OrgKind.GRID, archived_at__isnull=True).exists()
    )
    return {"user": user, "channels": channels, "on_spot": on_spot}


def _grid_geometries(user):
    grids = Org.objects.visible_to(user, "report").filter(
        kind=OrgKind.GRID, archived_at__isnull=True, geometry__isnull=False
    )
    return [{"name": g.name, "geometry": g.geometry} for g in grids[:500]]


@login_required
def case_new(request):
    if not has_scope(request.user, "report"):
        raise Http404
    options = _entry_options(request.user)
    context = {
        "active_nav": "case_new",
        "grids": _grid_geometries(request.user),
        "intel_live": has_scope(request.user, "dispatch"),  # category suggestions while typing
        **options,
    }
    if request.method != "POST":
        context["form"] = forms.EntryForm(**options)
        return render(request, "cases/new.html", context)
    form = forms.EntryForm(request.POST, request.FILES, **options)
    context["form"] = form
    if not form.is_valid():
        return render(request, "cases/new.html", context, status=400)
    d = form.cleaned_data
    try:
        if form.on_spot:
            case = services.patrol_on_spot(
                actor=request.user,
                grid=d["area"],
                description=d["description"],
                title=d["title"],
                category=d["category"],
                longitude=d["longitude"] or None,
                latitude=d["latitude"] or None,
                address=d["address"],
                note=d.get("note", ""),
                before_photos=d["before_photos"],
                after_photos=d["after_photos"],
            )
        else:
            case = services.report_case(
                channel=form.chosen_channel,
                actor=request.user,
                description=d["description"],
                title=d["title"],
                category=d["category"],
                urgency=d["urgency"],
                area=d["area"],
                longitude=d["longitude"] or None,
                latitude=d["latitude"] or None,
                address=d["address"],
                reporter_name=d["reporter_name"] if form.chosen_channel == Channel.HOTLINE else "",
                reporter_phone=d["reporter_phone"] if form.chosen_channel == Channel.HOTLINE else "",
                ticket_number=d["ticket_number"] if form.chosen_channel == Channel.HOTLINE else "",
                uploads=d["photos"],
            )
    except ServiceError as error:
        if error.field is None and isinstance(error, PermissionDenied):
            error.field = "location"
        form.attach(error)
        status = 403 if isinstance(error, PermissionDenied) else 400
        return render(request, "cases/new.html", context, status=status)
    done = "已现场处置并结案" if case.resolved_on_spot else "已录入"
    messages.success(request, f"事项 {case.number} {done}")
    return redirect("cases:detail", case.number)
