"""The dispatcher's desk pages: the 回访 queue with its callback form, bulk actions from the case
list, and the hotline's caller lookup. Thin: parse a form, call ``cases.services`` /
``cases.desk``, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.scoping import can, has_scope

from . import desk, forms, selectors
from .models import CALLBACK_MAX_ATTEMPTS
from .views import CappedPaginator, due_state, record_callback


def _require(user, action: str) -> None:
    if not has_scope(user, action):
        raise Http404


# ---------------------------------------------------------------------------------------------
# 回访 queue


@login_required
def callback_queue(request):
    _require(request.user, "callback")
    page = CappedPaginator(selectors.callback_queue(request.user), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.due = due_state(case.due_at, now)
    return render(
        request,
        "cases/callbacks.html",
        {"page": page, "active_nav": "desk_callbacks", "max_attempts": CALLBACK_MAX_ATTEMPTS},
    )


@login_required
def callback_case(request, number: str):
    """One case of the queue: what was done, the reporter (phone through the audited reveal) and
    the callback form."""
    _require(request.user, "callback")
    case = selectors.visible_case(request.user, number, "callback")
    form = forms.CallbackForm(request.POST or None, auto_id="callback_%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = record_callback(request.user, case, form.cleaned_data)
            except StateConflict as error:
                messages.warning(request, f"{case.number}:{error.message}")
                return redirect("cases:callbacks")
            except ServiceError as error:
                form.attach(error)
            else:
                if case.callback_outcome:
                    messages.success(
                        request, f"{case.number}:回访已完成({case.get_callback_outcome_display()})"
                    )
                else:
                    messages.info(
                        request, f"{case.number}:未联系上,已记录第 {case.callback_attempts} 次回访,请稍后再拨"
                    )
                return redirect("cases:callbacks")
        status = 400
    lead = case.assignments.filter(role="lead", fed_back_at__isnull=False).select_related("org").last()
    context = {
        "case": case,
        "form": form,
        "lead": lead,
        "due": due_state(case.due_at, timezone.now(), case.stage == "callback"),
        "open": case.stage == "callback" and not case.callback_outcome,
        "can_reveal": can(request.user, "callback", case.org) and bool(case.reporter_phone_encrypted),
        "reveal_form": forms.RevealForm(auto_id="reveal_%s"),
        "max_attempts": CALLBACK_MAX_ATTEMPTS,
        "active_nav": "desk_callbacks",
    }
    return render(request, "cases/callback_case.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Bulk actions from the case list


@login_required
@require_POST
def bulk(request):
    _require(request.user, "dispatch")
    form = forms.BulkForm(request.POST)
    results, error = [], ""
    if form.is_valid():
        d = form.cleaned_data
        try:
            results = desk.bulk_apply(
                request.user,
                list(d["numbers"]),
                d["action"],
                category=d["category"],
                lead_unit=d["lead_unit"],
                note=d["note"],
            )
        except ServiceError as failure:
            error = failure.message
    else:
        error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    context = {
        "results": results,
        "error": error,
        "action_label": desk.BULK_ACTIONS.get(form.data.get("action", ""), "批量操作"),
        "done": sum(1 for r in results if r.ok),
    }
    template = "cases/_bulk_results.html" if request.htmx else "cases/bulk_results.html"
    response = render(request, template, {**context, "active_nav": "cases"}, status=400 if error else 200)
    if context["done"]:
        response["HX-Trigger"] = "cases-changed"  # the list reloads its table (cases.js)
    return response


@login_required
def bulk_options(request):
    """The option fields of the chosen bulk action (loaded when the dispatcher picks it)."""
    _require(request.user, "dispatch")
    action = request.GET.get("action", "")
    if action not in desk.BULK_ACTIONS:
        action = ""
    form = forms.BulkForm(auto_id="bulk-%s", options=action)
    for name in ("category", "lead_unit", "note"):
        form.fields[name].widget.attrs["class"] += " form-select-sm" if name != "note" else " form-control-sm"
    return render(request, "cases/_bulk_options.html", {"form": form, "action": action})


# ---------------------------------------------------------------------------------------------
# 热线受理: caller lookup by phone


@login_required
def caller_lookup(request):
    _require(request.user, "hotline")
    form = forms.LookupForm(request.POST or None)
    cases, searched = [], False
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            cases = desk.caller_cases(
                request.user, form.cleaned_data["phone"], purpose=form.cleaned_data["purpose"]
            )
            searched = True
        except PermissionDenied as error:
            return render(request, "cases/forbidden.html", {"message": error.message}, status=403)
        except ServiceError as error:
            form.attach(error)
            status = 400
    elif request.method == "POST":
        status = 400
    now = timezone.now()
    for case in cases:
        case.due = due_state(case.due_at, now, case.is_open)
    context = {"form": form, "cases": cases, "searched": searched, "active_nav": "desk_lookup"}
    return render(request, "cases/lookup.html", context, status=status)
