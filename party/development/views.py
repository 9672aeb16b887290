"""Pages of member development (发展党员): a branch's pipeline board, the applicant's timeline with the
next allowed step, and the application form. Thin: parse, scope, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import kit
from core.errors import PermissionDenied, ServiceError
from orgs.models import Org, Person
from orgs.scoping import can
from party import scope
from party.development import forms as development_forms
from party.development import selectors as development_selectors
from party.development import services as development
from party.development import steps as development_steps
from party.development.models import DevelopmentStep
from party.development.workflow import DEVELOPMENT
from party.life.models import Meeting
from party.scope import party_org


@login_required
@require_POST
def plan_set(request):
    orgs = list(scope.party_orgs(request.user, "change").exclude(kind="group")[:2000])
    form = development_forms.PlanForm(request.POST, orgs=orgs)
    if form.is_valid():
        data = form.cleaned_data
        org = party_org(request.user, data["org"], "change")
        try:
            development.set_plan(
                actor=request.user,
                org=org,
                year=data["year"],
                quota=data["quota"],
                women_min=data["women_min"],
                young_min=data["young_min"],
                frontline_min=data["frontline_min"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已下达 {org.name} {data['year']} 年发展计划")
    else:
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
    return redirect(f"{request.build_absolute_uri('/party/development/')}?org={request.POST.get('org', '')}")


@login_required
def board(request, pk):
    org = party_org(request.user, pk)
    if org.kind != "branch":
        return redirect(f"/party/development/?org={org.pk}")
    today = kit.today()
    context = {
        "org": org,
        "rows": development_selectors.board(request.user, org, today),
        "today": today,
        "can_change": can(request.user, "change", org),
        "active_nav": "party_development",
    }
    return render(request, "party/development_board.html", context)


@login_required
def apply(request, pk):
    org = party_org(request.user, pk, "change")
    if org.kind != "branch":
        raise Http404
    if request.method == "POST":
        form = development_forms.ApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                applicant = development.apply_for_membership(
                    actor=request.user,
                    branch=org,
                    applied_on=data["applied_on"],
                    name=data["name"],
                    gender=data["gender"],
                    birth_date=data["birth_date"],
                    frontline=data["frontline"],
                    note=data["note"],
                    documents=[("入党申请书", f) for f in data["documents"]],
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已登记{applicant.person.name}的入党申请")
                return redirect("party:development_applicant", applicant.pk)
    else:
        form = development_forms.ApplicationForm(initial={"applied_on": kit.today()})
    return render(
        request, "party/development_apply.html", {"org": org, "form": form, "active_nav": "party_development"}
    )


def _step_form(user, applicant, step, data=None, files=None):
    """The step form: only the bodies ``user`` may act for are offered (a committee-decided step:
    the 党委s the user holds a role in; step 16's talkers: that 党委's members and 组织员)."""
    day = kit.today()
    choices = development_selectors.form_choices(applicant, step, day)
    choices["orgs"] = [o for o in choices["orgs"] if can(user, "change", o)]
    initial = {"number": step.number, "expected_step": applicant.step, "done_on": day, "passed": "1"}
    handling = development.handling_committee(applicant.org, day)
    if handling is not None and handling in choices["orgs"]:
        initial["deciding_org"] = handling.pk
    elif choices["orgs"]:
        initial["deciding_org"] = choices["orgs"][0].pk
    if step.number == 16:
        committee = handling if handling in choices["orgs"] else None
        choices["people"] = development.committee_talkers(committee, day) if committee else []
    return development_forms.StepForm(data, files, initial=initial, **choices)


def _vote_of(user, nxt, data):
    if "vote" not in nxt.needs or not data.get("meeting"):
        return None
    meeting = Meeting.objects.visible_to(user).filter(pk=data["meeting"]).first()
    if meeting is None:
        return None
    keys = ("yes", "no", "abstain", "written_yes", "written_no", "written_abstain")
    return development.Vote(meeting=meeting, **{k: data.get(k) or 0 for k in keys})


def _record_from_form(request, applicant, nxt, form) -> bool:
    """Record the step from a valid form; False with the error (or the warnings) on the form."""
    data = form.cleaned_data
    org = None
    if data.get("deciding_org"):
        org = Org.objects.visible_to(request.user).filter(pk=data["deciding_org"]).first()
    people = list(Person.objects.visible_to(request.user).filter(pk__in=data.get("people") or []))
    try:
        development.record_step(
            actor=request.user,
            applicant=applicant,
            number=data["number"],
            expected_step=data["expected_step"],
            done_on=data["done_on"],
            note=data["note"],
            deciding_org=org,
            people=people,
            vote=_vote_of(request.user, nxt, data),
            passed=data["passed"] if data.get("passed") is not None else True,
            training_days=data.get("training_days"),
            training_hours=data.get("training_hours"),
            notice_from=data.get("notice_from"),
            notice_to=data.get("notice_to"),
            outcome=data.get("outcome") or "full",
            extension_months=data.get("extension_months"),
            checklist=data.get("checklist") or (),
            documents=data["documents"],
            confirm=bool(data.get("confirm")),
            confirm_reason=data.get("confirm_reason") or "",
        )
    except development.NeedsConfirmation as error:
        form.warnings = error.warnings
        return False
    except ServiceError as error:
        form.attach(error)
        if error.field == "confirm_reason":
            form.warnings = request.POST.getlist("warning") or [error.message]
        return False
    return True


@login_required
def applicant_page(request, pk):
    applicant = get_object_or_404(development_selectors.applicants(request.user), pk=pk)
    nxt = applicant.next_step
    can_change = can(request.user, "change", applicant.org)
    # The forms follow the transition table: the next step's, and 终止 while still cultivated.
    offered = {t.action for t in DEVELOPMENT.available(applicant, request.user)}
    form = submit_form = None
    may_record = nxt is not None and development.may_record(request.user, applicant, nxt)
    pending = development_selectors.pending_submission(applicant)
    if nxt is not None and nxt.code in offered and may_record:
        if request.method == "POST":
            form = _step_form(request.user, applicant, nxt, request.POST, request.FILES)
            if form.is_valid() and _record_from_form(request, applicant, nxt, form):
                messages.success(request, f"已登记{nxt.label}")
                return redirect("party:development_applicant", applicant.pk)
        else:
            form = _step_form(request.user, applicant, nxt)
    elif nxt is not None and nxt.code in offered and nxt.number in development.SUBMIT_STEPS and not pending:
        submit_form = development_forms.SubmitForm(initial={"submitted_on": kit.today()})
    steps = development_selectors.timeline(applicant)
    context = {
        "a": applicant,
        "steps": steps,
        "next": nxt,
        "waits": development.later_waits(applicant),
        "form": form,
        "submit_form": submit_form,
        "pending": pending,
        "returned": development_selectors.last_returned(applicant),
        "handling": (
            development.handling_committee(applicant.org) if nxt is not None and not may_record else None
        ),
        "can_change": can_change,
        "can_cancel": "cancel" in offered,
        "today": kit.today(),
        "stages": development_steps.STAGES,
        "all_steps": development_steps.STEPS,
        "active_nav": "party_development",
    }
    return render(request, "party/development_applicant.html", context)


@login_required
@require_POST
def submit(request, pk):
    """The branch submits the next step to its higher 党委 (报上级党委)."""
    applicant = get_object_or_404(development_selectors.applicants(request.user, "change"), pk=pk)
    nxt = applicant.next_step
    form = development_forms.SubmitForm(request.POST, request.FILES)
    if nxt is None:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            submission = development.submit_step(
                actor=request.user,
                applicant=applicant,
                number=nxt.number,
                submitted_on=data["submitted_on"],
                note=data["note"],
                documents=data["documents"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已将{nxt.label}报送{submission.committee.name}")
    else:
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
    return redirect("party:development_applicant", applicant.pk)


# -- the higher 党委's queue of submissions (报批事项) ---------------------------------------------


def _committee_org(request) -> Org:
    user = request.user
    committees = development_selectors.committees_for(user)
    if request.GET.get("org", "").isdigit():
        wanted = int(request.GET["org"])
        for org in committees:
            if org.pk == wanted:
                return org
        raise Http404
    if not committees:
        raise Http404
    return committees[0]


@login_required
def committee_queue(request):
    """The 党委's queue: what its branches submitted (备案, 预审, 审批) with the deadlines, the talks
    it must hold before approval (step 16), and what it handled lately."""
    org = _committee_org(request)
    today = kit.today()
    context = {
        "org": org,
        "committees": development_selectors.committees_for(request.user),
        "today": today,
        **development_selectors.committee_queue(request.user, org, today),
        "active_nav": "party_committee_queue",
    }
    return render(request, "party/development_committee_queue.html", context)


@login_required
def submission_page(request, pk):
    """One submission: the branch's request and documents; the 党委 approves or returns it."""
    submission = get_object_or_404(development_selectors.submissions(request.user), pk=pk)
    applicant = submission.applicant
    may_decide = submission.state == "pending" and can(request.user, "change", submission.committee)
    form = None
    if may_decide:
        if request.method == "POST":
            form = development_forms.SubmissionDecisionForm(request.POST)
            if form.is_valid() and _decide_from_form(request, submission, form):
                return redirect(f"{reverse('party:development_committee')}?org={submission.committee_id}")
        else:
            form = development_forms.SubmissionDecisionForm(initial={"done_on": kit.today(), "passed": "1"})
    context = {
        "s": submission,
        "a": applicant,
        "form": form,
        "today": kit.today(),
        "steps": [x for x in development_selectors.timeline(applicant) if x.superseded_at is None],
        "all_steps": development_steps.STEPS,
        "active_nav": "party_committee_queue",
    }
    return render(request, "party/development_submission.html", context)


def _decide_from_form(request, submission, form) -> bool:
    data = form.cleaned_data
    approve = data["action"] == "approve"
    try:
        development.decide_submission(
            actor=request.user,
            submission=submission,
            approve=approve,
            done_on=data.get("done_on"),
            note=data.get("note") or "",
            passed=data["passed"] if data.get("passed") is not None else True,
            confirm=bool(data.get("confirm")),
            confirm_reason=data.get("confirm_reason") or "",
        )
    except development.NeedsConfirmation as error:
        form.warnings = error.warnings
        return False
    except ServiceError as error:
        form.attach(error)
        if error.field == "confirm_reason":
            form.warnings = request.POST.getlist("warning") or [error.message]
        return False
    name = submission.applicant.person.name
    if approve:
        messages.success(request, f"已办结{name}的{submission.kind_label}事项(第{submission.number}步)")
    else:
        messages.success(request, f"已将{name}的报送事项退回党支部")
    return True


@login_required
@require_POST
def cancel(request, pk):
    applicant = get_object_or_404(development_selectors.applicants(request.user, "change"), pk=pk)
    try:
        development.cancel_applicant(
            actor=request.user, applicant=applicant, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已终止发展程序(记录保留)")
    return redirect("party:development_applicant", applicant.pk)


# -- corrections (更正) -------------------------------------------------------------------------


@login_required
def correct(request, pk):
    """Correct a recorded step: the form shows its current values; the prior version stays."""
    step = get_object_or_404(
        DevelopmentStep.objects.visible_to(request.user, "change").select_related("applicant__org"),
        pk=pk,
        superseded_at__isnull=True,
    )
    applicant = get_object_or_404(
        development_selectors.applicants(request.user, "change"), pk=step.applicant_id
    )
    spec = development_steps.step(step.number)
    choices = development_selectors.form_choices(applicant, spec, step.done_on)
    offered = choices["people"]
    if step.number == 16 and step.deciding_org is not None:  # the 党委's members and 组织员
        offered = development.committee_talkers(step.deciding_org, step.done_on)
    people = {p.pk: p for p in offered}
    people.update({p.pk: p for p in step.people.all()})
    form_kw = {"orgs": choices["orgs"], "people": list(people.values())}
    shown = _correction_fields(spec)
    if request.method == "POST":
        form = development_forms.CorrectionForm(request.POST, request.FILES, **form_kw)
        if form.is_valid():
            data = form.cleaned_data
            values = {k: data[k] for k in ("done_on", "note") if k in data}
            if "deciding_org" in shown:
                values["deciding_org"] = (
                    Org.objects.visible_to(request.user).filter(pk=data["deciding_org"]).first()
                    if data.get("deciding_org")
                    else None
                )
            if "people" in shown:
                values["people"] = list(
                    Person.objects.visible_to(request.user).filter(pk__in=data.get("people") or [])
                )
            if "training" in shown:
                values["training_days"] = data.get("training_days")
                values["training_hours"] = data.get("training_hours")
            if "notice" in shown:
                values["notice_from"] = data.get("notice_from")
                values["notice_to"] = data.get("notice_to")
            try:
                development.correct_step(
                    actor=request.user,
                    step=step,
                    reason=data["reason"],
                    documents=data["documents"],
                    **values,
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已更正{spec.label},原记录已保留")
                return redirect("party:development_applicant", applicant.pk)
    else:
        inputs = development.step_inputs(step)
        initial = {
            "done_on": step.done_on,
            "note": step.note,
            "deciding_org": step.deciding_org_id,
            "people": [p.pk for p in inputs["people"]],
            "training_days": inputs["training_days"],
            "training_hours": inputs["training_hours"],
            "notice_from": inputs["notice_from"],
            "notice_to": inputs["notice_to"],
        }
        form = development_forms.CorrectionForm(initial=initial, **form_kw)
    context = {
        "a": applicant,
        "s": step,
        "spec": spec,
        "form": form,
        "shown": shown,
        "active_nav": "party_development",
    }
    return render(request, "party/development_correct.html", context)


def _correction_fields(spec) -> set[str]:
    shown = set()
    if "org" in spec.needs or spec.number in (17, 24):
        shown.add("deciding_org")
    if {"talker", "mentors", "sponsors"} & set(spec.needs):
        shown.add("people")
    if "training" in spec.needs:
        shown.add("training")
    if "notice" in spec.needs:
        shown.add("notice")
    return shown


# -- the 党委's approval queue (审批) ------------------------------------------------------------


def _queue_org(request) -> Org:
    user = request.user
    if request.GET.get("org", "").isdigit():
        return party_org(user, int(request.GET["org"]))
    tops = scope.top_orgs(user)
    if not tops:
        raise Http404
    return tops[0]


def _queue_context(request, org):
    today = kit.today()
    rows = development_selectors.approval_queue(request.user, org, today)
    has_authority, why = development.approval_authority(org, today)
    may_decide = has_authority and can(request.user, "change", org)
    for row in rows:
        row["can_decide"] = (
            may_decide
            and not row["waiting_talk"]
            and row["approver"] is not None
            and row["approver"].pk == org.pk
        )
        if row["can_decide"]:
            row["form"] = development_forms.DecisionForm(
                initial={"done_on": today, "passed": "1", "expected_step": row["a"].step},
                prefix=f"a{row['a'].pk}",
            )
    return {
        "org": org,
        "rows": rows,
        "today": today,
        "has_authority": has_authority,
        "authority_why": why,
        "active_nav": "party_development",
    }


@login_required
def approvals(request):
    org = _queue_org(request)
    return render(request, "party/development_approvals.html", _queue_context(request, org))


@login_required
def approvals_print(request):
    org = _queue_org(request)
    context = {**_queue_context(request, org), "printed_at": kit.today()}
    return render(request, "party/development_print_approvals.html", context)


@login_required
@require_POST
def decide(request, pk):
    """The 党委 decides one queue item: step 17 (admission) or 24 (full membership, extension,
    cancellation) through ``development.record_step`` — refused for a body without authority."""
    applicant = get_object_or_404(development_selectors.applicants(request.user), pk=pk)
    org_pk = request.POST.get("org", "")
    if not org_pk.isdigit():
        raise Http404
    org = party_org(request.user, int(org_pk), "change")
    form = development_forms.DecisionForm(request.POST, prefix=f"a{applicant.pk}")
    back = f"{request.build_absolute_uri('/party/development/approvals/')}?org={org.pk}"
    if not form.is_valid():
        messages.error(request, ";".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    data = form.cleaned_data
    number = applicant.step + 1
    if number not in (17, 24):
        messages.error(request, "该发展对象当前不在待审批环节")
        return redirect(back)
    try:
        development.record_step(
            actor=request.user,
            applicant=applicant,
            number=number,
            expected_step=data["expected_step"],
            done_on=data["done_on"],
            deciding_org=org,
            passed=data["passed"],
            note=data["note"],
        )
    except development.NeedsConfirmation as error:
        messages.warning(
            request, f"{applicant.person.name}:{error.message}。请在该发展对象的纪实页登记审批并说明理由"
        )
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, f"{applicant.person.name}:{error.message}")
    else:
        verdict = "同意" if data["passed"] else "不同意"
        messages.success(request, f"已登记{org.name}对{applicant.person.name}的审批意见:{verdict}")
    return redirect(back)


# -- printable forms (打印) ---------------------------------------------------------------------


@login_required
def record_print(request, pk):
    """发展党员全程纪实表: every step (live versions, with corrections noted) and every check."""
    applicant = get_object_or_404(development_selectors.applicants(request.user), pk=pk)
    steps = [s for s in development_selectors.timeline(applicant) if s.superseded_at is None]
    corrected = sum(1 for s in development_selectors.timeline(applicant) if s.superseded_at is not None)
    context = {
        "a": applicant,
        "steps": steps,
        "corrected": corrected,
        "names": {s.number: s for s in development_steps.STEPS},
        "printed_at": kit.today(),
    }
    return render(request, "party/development_print_record.html", context)


@login_required
def form_print(request, pk):
    """入党志愿书阶段 summary: the facts the branch meeting and the 党委 look at (stage 3–4)."""
    applicant = get_object_or_404(development_selectors.applicants(request.user), pk=pk)
    live = {}
    for s in development_selectors.timeline(applicant):
        if s.superseded_at is None and s.passed:
            live[s.number] = s
    context = {
        "a": applicant,
        "live": live,
        "stage_steps": [(n, development_steps.step(n), live.get(n)) for n in range(7, 19)],
        "printed_at": kit.today(),
    }
    return render(request, "party/development_print_form.html", context)
