"""Pages of 四议两公开: the staff list and a decision's page with its next step (login), and the
public disclosure page per village (no login, no personal data)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from core import clock
from core.errors import ServiceError

from . import forms, selectors, services
from .models import ORDER, DecisionStatus, StepKind


def _today():
    return services._today()


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
        items = items.filter(due_on__lt=_today()).exclude(status=DecisionStatus.DONE)
    page = Paginator(items.order_by("-updated_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": _today(),
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
        form = forms.DecisionForm(villages=villages, initial={"held_on": _today()})
    return render(request, "villages/new.html", {"form": form, "active_nav": "villages"})


@login_required
def detail(request, pk):
    decision = get_object_or_404(selectors.decisions(request.user), pk=pk)
    nxt = decision.next_kind
    can_act = services.may_act(request.user, decision.org)
    form = None
    if nxt is not None and can_act:
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
                        votes={
                            k: data.get(k)
                            for k in (
                                "expected",
                                "present",
                                "yes",
                                "no",
                                "abstain",
                                "households",
                                "households_present",
                            )
                        },
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
                initial={"kind": nxt, "expected_steps": decision.done_steps, "held_on": _today()}
            )
    context = {
        "d": decision,
        "steps": decision.steps.select_related("recorded_by").order_by("held_on", "pk"),
        "next": StepKind(nxt) if nxt else None,
        "order": [StepKind(k) for k in ORDER],
        "form": form,
        "today": _today(),
        "meeting_step": nxt
        in (StepKind.CONSULTATION, StepKind.MEMBERS_REVIEW, StepKind.VILLAGERS_RESOLUTION),
        "active_nav": "villages",
    }
    return render(request, "villages/detail.html", context)


def public(request, code):
    """村务公开: what the village decided, when, by how many votes, and the result. No login."""
    village = selectors.public_village(code)
    if village is None:
        raise Http404
    context = {"village": village, "items": selectors.public_items(village), "now": clock.now()}
    return render(request, "villages/public.html", context)
