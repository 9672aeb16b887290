"""Pages of 领导干部走流程: the list (with the yearly counts for the supervision office), a new walk
(on a phone), a walk's page (steps, checklist, problems with photos, the hand-over of each problem
and its progress to 销号) and the yearly count per leader. Views parse, scope, call one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from orgs.models import Org
from orgs.scoping import has_scope

from . import forms, selectors, services
from .models import WalkProblem, WalkStatus

UNIT_KINDS = ("department", "street", "town")
AREA_KINDS = ("street", "town", "community", "village")


def _units():
    return Org.objects.filter(kind__in=UNIT_KINDS, archived_at__isnull=True).order_by("path")[:500]


def _areas():
    return Org.objects.filter(kind__in=AREA_KINDS, archived_at__isnull=True).order_by("path")[:800]


def _categories():
    from cases.services import Category

    return [c for c in Category.objects.filter(active=True).order_by("code") if c.is_leaf]


@login_required
def index(request):
    user = request.user
    if not selectors.may_see_walks(user):
        raise Http404
    rows = selectors.walks(user).order_by("-walked_on", "-pk")
    status = request.GET.get("status", "")
    if status in WalkStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    items = []
    for walk in page:
        problems = selectors.problems_of(walk)
        items.append((walk, selectors.walk_state(walk, problems), problems))
    context = {
        "page": page,
        "items": items,
        "statuses": WalkStatus.choices,
        "status": status,
        "can_create": bool(services.leaders_for(user)),
        "office": has_scope(user, "walk"),
        "active_nav": "walks",
    }
    return render(request, "walks/index.html", context)


@login_required
def leaders(request):
    """The yearly count per leader against the required number (督查室: who is behind)."""
    if not selectors.may_see_walks(request.user):
        raise Http404
    today = kit.today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if not 2000 <= year <= today.year:
        year = today.year
    rows = selectors.yearly_counts(request.user, year, today)
    context = {
        "rows": rows,
        "year": year,
        "years": list(range(today.year, today.year - 4, -1)),
        "behind": sum(1 for r in rows if r.behind),
        "active_nav": "walks",
    }
    return render(request, "walks/leaders.html", context)


@login_required
def new(request):
    leaders = services.leaders_for(request.user)
    if not leaders:
        raise Http404
    if request.method == "POST":
        form = forms.WalkForm(request.POST, leaders=leaders)
        if form.is_valid():
            data = form.cleaned_data
            leader = next((x for x in leaders if x.pk == data["leader"]), None)
            if leader is None:
                raise Http404
            try:
                walk = services.create_walk(
                    actor=request.user,
                    leader=leader,
                    service=data["service"],
                    place=data["place"],
                    as_whom=data["as_whom"],
                    walked_on=data["walked_on"],
                    summary=data["summary"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已开始记录,请逐个登记办事环节和用时")
                return redirect("walks:detail", walk.pk)
    else:
        initial = {"walked_on": kit.today()}
        if len(leaders) == 1:
            initial["leader"] = leaders[0].pk
        form = forms.WalkForm(leaders=leaders, initial=initial)
    return render(request, "walks/new.html", {"form": form, "active_nav": "walks"})


def _walk(request, pk, action="view"):
    return get_object_or_404(selectors.walks(request.user, action), pk=pk)


def _checklist_rows(items, checks, posted) -> list[tuple]:
    """(item, "1"/"0"/"", note) per item: what was posted (a refused form keeps its input), else
    the saved answer."""
    rows = []
    for item in items:
        if posted is not None:
            rows.append((item, posted.get(f"item_{item.pk}", ""), posted.get(f"note_{item.pk}", "")))
        elif item.pk in checks:
            check = checks[item.pk]
            rows.append((item, "1" if check.reached else "0", check.note))
        else:
            rows.append((item, "", ""))
    return rows


def _detail(request, walk, status=200, **bound):
    can_act = services.may_record(request.user, walk.leader)
    problems = selectors.problems_of(walk)
    steps = list(walk.steps.all())
    checks = {c.item_id: c for c in walk.checks.all()}
    draft = walk.status == WalkStatus.DRAFT
    recorded = walk.status == WalkStatus.RECORDED
    items = services.checklist() if draft else []
    context = {
        "w": walk,
        "state": selectors.walk_state(walk, problems),
        "steps": steps,
        "checks": [checks[k] for k in sorted(checks, key=lambda k: (checks[k].item.sort, k))],
        "can_act": can_act,
        "draft": draft,
        "recorded": recorded,
        "step_form": bound.get("step_form") or (forms.StepForm() if can_act and draft else None),
        "problem_form": bound.get("problem_form")
        or (forms.ProblemForm(steps=steps) if can_act and walk.status != WalkStatus.WITHDRAWN else None),
        "checklist": _checklist_rows(items, checks, bound.get("checklist_posted")),
        "checklist_error": bound.get("checklist_error", ""),
        "record_error": bound.get("record_error", ""),
        "withdraw_form": bound.get("withdraw_form") or (forms.WithdrawForm() if can_act else None),
        "problems": [],
        "active_nav": "walks",
    }
    if can_act and recorded and any(not p.handover for p, _ in problems):
        units, areas, categories = list(_units()), list(_areas()), _categories()
    else:
        units, areas, categories = [], [], []
    for problem, progress in problems:
        case_form = task_form = None
        if can_act and recorded and not problem.handover:
            case_form = bound.get(f"case_{problem.pk}") or forms.CaseForm(
                prefix=f"c{problem.pk}", categories=categories, areas=areas, units=units
            )
            task_form = bound.get(f"task_{problem.pk}") or forms.TaskForm(
                prefix=f"t{problem.pk}", units=units
            )
        context["problems"].append((problem, progress, case_form, task_form))
    context["closed"] = sum(1 for _, p in problems if p.closed)
    return render(request, "walks/detail.html", context, status=status)


@login_required
def detail(request, pk):
    return _detail(request, _walk(request, pk))


@login_required
@require_POST
def add_step(request, pk):
    walk = _walk(request, pk)
    form = forms.StepForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_step(
                actor=request.user,
                walk=walk,
                title=data["step_title"],
                minutes=data["minutes"],
                observation=data["observation"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "已登记该环节")
            return redirect(f"{walk.get_absolute_url()}#steps")
    return _detail(request, walk, status=400, step_form=form)


@login_required
@require_POST
def answer_checklist(request, pk):
    walk = _walk(request, pk)
    answers: dict[int, tuple[bool, str]] = {}
    for item in services.checklist():
        value = request.POST.get(f"item_{item.pk}", "")
        if value in ("1", "0"):
            answers[item.pk] = (value == "1", request.POST.get(f"note_{item.pk}", ""))
    try:
        services.answer_checklist(actor=request.user, walk=walk, answers=answers)
    except ServiceError as error:
        return _detail(
            request, walk, status=400, checklist_error=error.message, checklist_posted=request.POST
        )
    messages.success(request, "已保存检查项")
    return redirect(f"{walk.get_absolute_url()}#checklist")


@login_required
@require_POST
def add_problem(request, pk):
    walk = _walk(request, pk)
    steps = list(walk.steps.all())
    form = forms.ProblemForm(request.POST, request.FILES, steps=steps)
    if form.is_valid():
        data = form.cleaned_data
        step = next((s for s in steps if s.pk == data["step"]), None)
        try:
            services.add_problem(
                actor=request.user,
                walk=walk,
                description=data["description"],
                uploads=data["photos"],
                step=step,
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "已登记该问题")
            return redirect(f"{walk.get_absolute_url()}#problems")
    return _detail(request, walk, status=400, problem_form=form)


@login_required
@require_POST
def record(request, pk):
    walk = _walk(request, pk)
    try:
        services.record_walk(actor=request.user, walk=walk)
    except ServiceError as error:
        return _detail(request, walk, status=400, record_error=error.message)
    messages.success(request, "走流程记录已完成,发现的问题可逐个交办")
    return redirect("walks:detail", walk.pk)


@login_required
@require_POST
def withdraw(request, pk):
    walk = _walk(request, pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_walk(actor=request.user, walk=walk, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "已撤回该走流程记录")
            return redirect("walks:detail", walk.pk)
    return _detail(request, walk, status=400, withdraw_form=form)


def _problem(request, pk) -> WalkProblem:
    walks = selectors.walks(request.user)
    return get_object_or_404(WalkProblem.objects.select_related("walk").filter(walk__in=walks), pk=pk)


@login_required
@require_POST
def hand_to_case(request, pk):
    problem = _problem(request, pk)
    walk = problem.walk
    categories, areas, units = _categories(), list(_areas()), list(_units())
    form = forms.CaseForm(
        request.POST, prefix=f"c{problem.pk}", categories=categories, areas=areas, units=units
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.hand_to_case(
                actor=request.user,
                problem=problem,
                category=next((c for c in categories if c.pk == data["category"]), None),
                lead_unit=next((o for o in units if o.pk == data["lead_unit"]), None),
                area=next((o for o in areas if o.pk == data["area"]), None),
                instructions=data["instructions"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"问题{problem.sort}已转为网格事项 {case.number},已派遣")
            return redirect(f"{walk.get_absolute_url()}#problem-{problem.sort}")
    return _detail(request, walk, status=400, **{f"case_{problem.pk}": form})


@login_required
@require_POST
def hand_to_task(request, pk):
    problem = _problem(request, pk)
    walk = problem.walk
    units = list(_units())
    form = forms.TaskForm(request.POST, prefix=f"t{problem.pk}", units=units)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.hand_to_task(
                actor=request.user,
                problem=problem,
                lead_unit=next((o for o in units if o.pk == data["lead_unit"]), None),
                deadline=data["deadline"],
                title=data["title"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"问题{problem.sort}已转为督办任务")
            return redirect(f"{walk.get_absolute_url()}#problem-{problem.sort}")
    return _detail(request, walk, status=400, **{f"task_{problem.pk}": form})
