"""Pages of 四议两公开: the staff list and a decision's page with its next step (login), and the
public disclosure page per village (no login, no personal data)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import clock, kit
from core.errors import ServiceError

from . import forms, selectors, services, workflow
from .models import MEETING_STEPS, ORDER, DecisionPhoto, DecisionStatus, StepKind, VillagersBody


@login_required
def index(request):
    user = request.user
    items = selectors.decisions(user)
    villages = selectors.villages_for(user)
    if not items.exists() and not villages.exists():
        raise Http404
    status = request.GET.get("status", "")
    if status in DecisionStatus.values:
        items = items.filter(status=status)
    if request.GET.get("overdue"):
        items = items.filter(due_on__lt=kit.today()).exclude(status=DecisionStatus.DONE)
    page = Paginator(items.order_by("-updated_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": kit.today(),
        "statuses": DecisionStatus.choices,
        "status": status,
        "can_propose": villages.exists(),
        "active_nav": "villages",
    }
    return render(request, "villages/index.html", context)


@login_required
def new(request):
    villages = list(selectors.villages_for(request.user).order_by("path")[:500])
    if not villages:
        raise Http404
    if request.method == "POST":
        form = forms.DecisionForm(request.POST, villages=villages)
        if form.is_valid():
            data = form.cleaned_data
            village = get_object_or_404(selectors.villages_for(request.user), pk=data["village"])
            try:
                decision = services.propose_decision(
                    actor=request.user,
                    village=village,
                    title=data["title"],
                    matter=data["matter"],
                    summary=data["summary"],
                    held_on=data["held_on"],
                    minutes=data["minutes"],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, "已登记村党组织提议")
                return redirect("villages:detail", decision.pk)
    else:
        form = forms.DecisionForm(villages=villages, initial={"held_on": kit.today()})
    return render(request, "villages/new.html", {"form": form, "active_nav": "villages"})


@login_required
def detail(request, pk):
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    nxt = decision.next_kind
    can_act = services.may_act(request.user, decision.org)
    form = None
    # The step form when the transition table offers this user the next step.
    if workflow.DECISIONS.available(decision, request.user):
        if request.method == "POST":
            form = forms.StepForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.record_step(
                        actor=request.user,
                        decision=decision,
                        kind=data["kind"],
                        expected_steps=data["expected_steps"],
                        held_on=data["held_on"],
                        body=data["body"],
                        minutes=data["minutes"],
                        villagers_body=data["villagers_body"],
                        votes={k: data.get(k) for k in services.VOTE_FIELDS},
                        decided=data["decided"],
                        expected_note=data["expected_note"],
                        channel=data["channel"],
                        disclose_to=data["disclose_to"],
                        result=data["result"],
                    )
                except ServiceError as error:
                    form.attach(error)
                else:
                    messages.success(request, f"已登记:{StepKind(nxt).label}")
                    return redirect("villages:detail", decision.pk)
        else:
            form = forms.StepForm(
                initial={"kind": nxt, "expected_steps": decision.done_steps, "held_on": kit.today()}
            )
    context = {
        "d": decision,
        **_extras(request.user, decision, can_act),
        "steps": decision.steps.select_related("recorded_by").order_by("held_on", "pk"),
        "next": StepKind(nxt) if nxt else None,
        "order": [StepKind(k) for k in ORDER],
        "form": form,
        "today": kit.today(),
        "meeting_step": nxt in MEETING_STEPS,
        "rosters": _rosters(decision, nxt) if form is not None and nxt in MEETING_STEPS else [],
        "can_correct": can_act,
        "active_nav": "villages",
    }
    return render(request, "villages/detail.html", context)


def _rosters(decision, kind) -> list[tuple[str, list[str]]]:
    """The rosters that give the next meeting's 应到, shown read-only above the step form."""
    day = kit.today()
    if kind == StepKind.VILLAGERS_RESOLUTION:
        names = services.roster(decision.org, kind, VillagersBody.REPRESENTATIVES, day) or []
        return [("村民代表名册(村民代表会议)", names)]
    label = {StepKind.CONSULTATION: "村“两委”成员名册", StepKind.MEMBERS_REVIEW: "党员名册"}[kind]
    return [(label, services.roster(decision.org, kind, "", day) or [])]


def public(request, code):
    """村务公开: what the village decided, when, by how many votes, and the result. No login."""
    village = selectors.public_village(code)
    if village is None:
        raise Http404
    context = {"village": village, "items": selectors.public_items(village), "now": clock.now()}
    return render(request, "villages/public.html", context)


def _extras(user, decision, can_act):
    """Photos, the linked implementation task and the forms to add them (item page)."""
    from workplan.models import Plan, PlanState, Task, TaskState

    photos = list(decision.photos.order_by("stage", "created_at", "pk"))
    task = None
    if decision.task_id:
        task = Task.objects.visible_to(user).filter(pk=decision.task_id).select_related("lead_unit").first()
    context = {
        "photos": [p for p in photos if p.withdrawn_at is None],
        "withdrawn": [p for p in photos if p.withdrawn_at is not None],
        "task": task,
        "task_hidden": bool(decision.task_id and task is None),
        "photo_form": None,
        "task_form": None,
    }
    plans = list(Plan.objects.visible_to(user, "supervise").filter(state=PlanState.APPROVED)[:50])
    if (can_act or plans) and not decision.task_id and decision.status != DecisionStatus.DELIBERATING:
        tasks = []
        if can_act:
            tasks = list(
                Task.objects.visible_to(user)
                .filter(state=TaskState.ACTIVE, plan__state=PlanState.APPROVED)
                .order_by("-created_at")[:200]
            )
        context["task_form"] = forms.TaskLinkForm(tasks=tasks, plans=plans)
    if can_act:
        context["photo_form"] = forms.PhotoForm(
            initial={
                "stage": "result"
                if decision.status in (DecisionStatus.DISCLOSED, DecisionStatus.DONE)
                else "item"
            }
        )
    return context


@login_required
def correct_step(request, pk, step_pk):
    """更正 one step of an item: the latest step fully (checked again), earlier ones their record."""
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    step = get_object_or_404(decision.steps.filter(superseded_at__isnull=True), pk=step_pk)
    if not services.may_act(request.user, decision.org):
        raise Http404
    latest = services.latest_step(decision).pk == step.pk
    fields = (
        "held_on",
        "body",
        "minutes",
        "villagers_body",
        "channel",
        "disclose_to",
        "decided",
        "expected_note",
    )
    initial = {name: getattr(step, name) for name in (*fields, *services.VOTE_FIELDS)}
    initial["result"] = decision.result
    form = forms.CorrectStepForm(request.POST or None, step=step, latest=latest, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name]
            for name in (*fields, "result")
            if name in data and data[name] != initial.get(name)
        }
        votes = {
            name: data[name]
            for name in services.VOTE_FIELDS
            if name in data and data[name] != initial.get(name)
        }
        if votes:
            changes["votes"] = votes
        try:
            services.correct_step(actor=request.user, step=step, reason=data["reason"], **changes)
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已更正:{step.get_kind_display()}(原记录保留)")
            return redirect("villages:detail", decision.pk)
    context = {"d": decision, "step": step, "latest": latest, "form": form, "active_nav": "villages"}
    return render(request, "villages/correct.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def photos(request, pk):
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = services.add_photos(
                actor=request.user,
                decision=decision,
                uploads=data["photos"],
                stage=data["stage"],
                caption=data["caption"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已上传 {len(added)} 张照片(已去除拍摄位置等信息)")
    else:
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
    return redirect("villages:detail", decision.pk)


@login_required
@require_POST
def photo_withdraw(request, pk):
    photo = get_object_or_404(DecisionPhoto.objects.visible_to(request.user), pk=pk)
    try:
        services.withdraw_photo(actor=request.user, photo=photo, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "照片已从公开页撤下(记录保留)")
    return redirect("villages:detail", photo.decision_id)


@login_required
@require_POST
def task_link(request, pk):
    from workplan.models import Plan, Task

    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    form = forms.TaskLinkForm(
        request.POST,
        tasks=Task.objects.visible_to(request.user).filter(pk=request.POST.get("task") or 0),
        plans=Plan.objects.visible_to(request.user).filter(pk=request.POST.get("plan") or 0),
    )
    if form.is_valid():
        data = form.cleaned_data
        task = Task.objects.visible_to(request.user).filter(pk=data["task"]).first() if data["task"] else None
        plan = Plan.objects.visible_to(request.user).filter(pk=data["plan"]).first() if data["plan"] else None
        try:
            linked = services.link_task(
                actor=request.user,
                decision=decision,
                task=task,
                plan=plan,
                title=data["title"],
                deadline=data["deadline"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已关联实施任务:{linked.title}")
    else:
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
    return redirect("villages:detail", decision.pk)


@login_required
def record_sheet(request, pk):
    """四议两公开 record sheet (记录表), print-friendly: every step with attendance, votes, checks."""
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    context = {
        "d": decision,
        "steps": decision.steps.filter(superseded_at__isnull=True).order_by("held_on", "pk"),
        "order": [StepKind(k) for k in ORDER],
        "photos": decision.photos.filter(withdrawn_at__isnull=True).count(),
        "printed_at": kit.today(),
    }
    return render(request, "villages/print.html", context)


@login_required
def township(request):
    """The township's list (乡镇督查清单): items of its villages with deviations (late or short
    disclosures, too long, failed votes) and disclosures due and not made."""
    today = kit.today()
    rows = selectors.flagged(request.user, today)
    villages = selectors.villages_for(request.user, "view")
    if not rows and not villages.exists():
        raise Http404
    return render(request, "villages/township.html", {"rows": rows, "today": today, "active_nav": "villages"})
