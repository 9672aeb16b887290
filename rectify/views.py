"""Pages of 巡视巡察整改: the lists, a list's 整改台账 with its problems and items, an item's page
(the unit reports, the issuing body 销号s or 退回s), 转整改 from a finding, the printable 台账 and
the 整改进展情况报告. Thin: parse, scope, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from core.ledger import xlsx_response
from orgs.models import PARTY_KINDS, UNIT_KINDS, Org
from orgs.scoping import can, has_scope
from orgs.selectors import ledger_signature
from party.compliance import registry as rule_registry
from party.duty_review import selectors as duty_review

from . import exports, forms, selectors, services, sources
from .models import ItemStatus, ProblemList, RectifyItem, Source, item_status

NAV = "rectify"


def _units(user):
    kinds = (UNIT_KINDS | PARTY_KINDS) - {"group"}
    return list(
        Org.objects.visible_to(user).filter(kind__in=kinds, archived_at__isnull=True).order_by("path")[:1000]
    )


def _visible_org(user, pk, action="view") -> Org:
    try:
        return Org.objects.visible_to(user, action).get(pk=int(pk), archived_at__isnull=True)
    except (Org.DoesNotExist, TypeError, ValueError) as error:
        raise Http404 from error


@login_required
def index(request):
    user = request.user
    if not (selectors.is_issuer(user) or selectors.is_reporter(user) or has_scope(user, "view")):
        raise Http404
    today = kit.today()
    found = list(selectors.lists(user).order_by("-feedback_on", "-pk")[:200])
    visible = selectors.items(user)
    counts: dict[int, dict[str, int]] = {}
    for row in selectors.rows(visible.filter(problem__problem_list__in=found), today):
        by = counts.setdefault(row.item.problem.problem_list_id, {})
        by[row.status] = by.get(row.status, 0) + 1
    mine = selectors.rows(
        RectifyItem.objects.visible_to(user, "rectify_report")
        .select_related("task", "unit", "problem", "problem__problem_list")
        .order_by("task__deadline", "pk")[:200],
        today,
    )
    context = {
        "lists": [(plist, counts.get(plist.pk, {})) for plist in found],
        "mine": [r for r in mine if r.status != ItemStatus.CLOSED],
        "statuses": ItemStatus.choices,
        "can_issue": selectors.is_issuer(user),
        "active_nav": NAV,
    }
    return render(request, "rectify/index.html", context)


@login_required
def new(request):
    issuers = selectors.issuers(request.user)
    if not issuers:
        raise Http404
    units = _units(request.user)
    form = forms.ListForm(
        request.POST or None, issuers=issuers, units=units, initial={"feedback_on": kit.today()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plist = services.create_list(
                actor=request.user,
                issuer=_visible_org(request.user, d["issuer"], "rectify_issue"),
                unit=_visible_org(request.user, d["unit"]),
                title=d["title"],
                source=d["source"],
                feedback_on=d["feedback_on"],
                issuer_name=d["issuer_name"],
                document_no=d["document_no"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, "已建立问题清单,请登记问题并制定整改措施")
            return redirect("rectify:detail", plist.pk)
    return render(request, "rectify/new.html", {"form": form, "active_nav": NAV})


@login_required
def from_finding(request):
    """转整改: the form prefilled with a finding of 党建考评 (rule label, organization, reason)."""
    user = request.user
    issuers = selectors.issuers(user)
    source = request.POST if request.method == "POST" else request.GET
    org = _visible_org(user, source.get("org"), "rectify_issue")
    rule_code = source.get("rule", "")
    try:
        rule = rule_registry.get(rule_code)
    except KeyError as error:
        raise Http404 from error
    period = source.get("period", "")
    existing = services.open_problem_for(rule_code, org, period)
    due, _ = sources.report_due(Source.COMPLIANCE, kit.today(), org)
    initial = {
        "rule": rule_code,
        "org": org.pk,
        "period": period,
        "text": f"{org.name}:{rule.label}。{request.GET.get('reason', '')}".strip(),
        "deadline": due,
        "issuer": next((i.pk for i in issuers if org.path.startswith(i.path)), None),
    }
    form = forms.FindingForm(request.POST or None, issuers=issuers, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.from_finding(
                actor=user,
                issuer=_visible_org(user, d["issuer"], "rectify_issue"),
                rule=d["rule"],
                org=org,
                period=d["period"],
                text=d["text"],
                measure=d["measure"],
                deadline=d["deadline"],
                responsible_name=d["responsible_name"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已转整改,责任单位:{item.unit.name}")
            return redirect("rectify:item", item.pk)
    context = {
        "form": form,
        "org": org,
        "rule": rule,
        "period": period,
        "existing": existing,
        "active_nav": NAV,
    }
    return render(request, "rectify/from_finding.html", context)


def _issuer_choices(user, org: Org, preferred: Org) -> tuple[list[Org], int | None]:
    """The bodies the user may issue in the name of, ``preferred`` (the round's committee) first
    when the user holds ``rectify_issue`` over it; the initial one covers ``org``."""
    issuers = selectors.issuers(user)
    if can(user, "rectify_issue", preferred) and all(i.pk != preferred.pk for i in issuers):
        issuers = [preferred, *issuers]
    covering = [i for i in issuers if org.path.startswith(i.path)]
    initial = preferred.pk if preferred in covering else (covering[-1].pk if covering else None)
    return issuers, initial


@login_required
def from_review(request):
    """转整改 of 述职评议: an organization's problems of a published round (all checked) become a
    problem list issued to it, one item per problem, in one step."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    org = _visible_org(user, source.get("org"), "rectify_issue")
    try:
        round_pk = int(source.get("round", ""))
    except ValueError as error:
        raise Http404 from error
    problems = list(duty_review.published_problems(user).filter(round_id=round_pk, org=org))
    if not problems:
        raise Http404
    round_ = problems[0].round
    taken = services.open_problems_for_review(p.pk for p in problems)
    offered = [p for p in problems if p.pk not in taken]
    issuers, issuer = _issuer_choices(user, org, round_.org)
    feedback_on = kit.today()
    if round_.published_at is not None:
        feedback_on = min(feedback_on, timezone.localdate(round_.published_at))
    due, _ = sources.report_due(Source.DUTY_REVIEW, feedback_on, org)
    initial = {
        "issuer": issuer,
        "title": f"{org.name}{round_.year}年度书记抓基层党建述职评议反馈问题",
        "feedback_on": feedback_on,
        "problems": [p.pk for p in offered],
        "measure": "对照述职评议反馈问题,逐项制定整改措施,限期整改到位",
        "deadline": due,
    }
    form = forms.ReviewForm(request.POST or None, issuers=issuers, problems=offered, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plist = services.from_review(
                actor=user,
                issuer=_visible_org(user, d["issuer"], "rectify_issue"),
                org=org,
                problems=[p for p in offered if p.pk in set(d["problems"])],
                title=d["title"],
                measure=d["measure"],
                feedback_on=d["feedback_on"],
                deadline=d["deadline"],
                issuer_name=round_.title[:100],
                responsible_name=d["responsible_name"],
            )
        except ServiceError as error:
            form.attach(error)
        else:
            messages.success(request, f"已转整改:{plist.problems.count()} 个问题,责任单位:{org.name}")
            return redirect("rectify:detail", plist.pk)
    context = {
        "form": form,
        "org": org,
        "round": round_,
        "taken": [(p, taken[p.pk]) for p in problems if p.pk in taken],
        "active_nav": NAV,
    }
    return render(request, "rectify/from_review.html", context)


def _list_for(user, pk) -> ProblemList:
    return get_object_or_404(selectors.lists(user), pk=pk)


@login_required
def detail(request, pk):
    user = request.user
    plist = _list_for(user, pk)
    today = kit.today()
    visible = selectors.items(user)
    issuer = can(user, "rectify_issue", plist.org)
    problems = list(plist.problems.order_by("pk"))
    context = {
        "plist": plist,
        "groups": selectors.ledger(plist, visible, today),
        "progress": selectors.progress(plist, visible, today),
        "issuer": issuer,
        "problem_form": forms.ProblemForm(auto_id="problem_%s") if issuer else None,
        "item_form": forms.ItemForm(
            auto_id="item_%s",
            problems=[p for p in problems if p.open],
            units=_units(user),
            initial={"deadline": plist.report_due},
        )
        if issuer and any(p.open for p in problems)
        else None,
        "today": today,
        "active_nav": NAV,
    }
    return render(request, "rectify/detail.html", context)


@login_required
@require_POST
def add_problem(request, pk):
    plist = _list_for(request.user, pk)
    form = forms.ProblemForm(request.POST)
    if form.is_valid():
        try:
            services.add_problem(plist, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已登记问题")
    else:
        messages.error(request, "请填写问题描述")
    return redirect("rectify:detail", plist.pk)


@login_required
@require_POST
def add_item(request, pk):
    user = request.user
    plist = _list_for(user, pk)
    form = forms.ItemForm(request.POST, problems=plist.problems.all(), units=_units(user))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_item(
                get_object_or_404(plist.problems, pk=d["problem"]),
                actor=user,
                measure=d["measure"],
                unit=_visible_org(user, d["unit"]),
                deadline=d["deadline"],
                responsible_name=d["responsible_name"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已制定整改事项")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("rectify:detail", plist.pk)


@login_required
def item(request, pk):
    user = request.user
    found = get_object_or_404(selectors.items(user), pk=pk)
    task = found.task
    today = kit.today()
    plist = found.problem.problem_list
    status = selectors.Row(found, item_status(task, today))
    may_report = can(user, "rectify_report", found.unit) and status.status in (
        ItemStatus.RECTIFYING,
        ItemStatus.OVERDUE,
    )
    may_close = can(user, "rectify_issue", plist.org) and status.status == ItemStatus.AWAITING
    report_form = close_form = return_form = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "report" and may_report:
                report_form = forms.ReportForm(request.POST, request.FILES)
                if report_form.is_valid():
                    d = report_form.cleaned_data
                    kind = "照片"
                    services.report(
                        found,
                        actor=user,
                        percent=100 if d["complete"] else d["percent"],
                        text=d["text"],
                        complete=d["complete"],
                        evidence=[
                            (kind if (f.content_type or "").startswith("image/") else "文件", f)
                            for f in d["evidence"]
                        ],
                    )
                    messages.success(
                        request, "已报送整改完成,等待销号" if d["complete"] else "已报送整改进展"
                    )
                    return redirect("rectify:item", found.pk)
            elif action == "close" and may_close:
                close_form = forms.CloseForm(request.POST)
                if close_form.is_valid():
                    services.close_item(found, actor=user, note=close_form.cleaned_data["note"])
                    messages.success(request, "已销号")
                    return redirect("rectify:item", found.pk)
            elif action == "return" and may_close:
                return_form = forms.ReturnForm(request.POST)
                if return_form.is_valid():
                    services.return_item(found, actor=user, reason=return_form.cleaned_data["reason"])
                    messages.success(request, "已退回,责任单位继续整改")
                    return redirect("rectify:item", found.pk)
            else:
                raise Http404
        except ServiceError as error:
            target = report_form or close_form or return_form
            if target is not None:
                target.attach(error)
            else:
                messages.error(request, error.message)
    context = {
        "it": found,
        "task": task,
        "plist": plist,
        "status": status,
        "reports": task.reports.select_related("reported_by", "verified_by").prefetch_related("evidence"),
        "notices": task.notices.select_related("unit").order_by("created_at", "pk"),
        "report_form": (report_form or forms.ReportForm(auto_id="report_%s")) if may_report else None,
        "close_form": (close_form or forms.CloseForm(auto_id="close_%s")) if may_close else None,
        "return_form": (return_form or forms.ReturnForm(auto_id="return_%s")) if may_close else None,
        "today": today,
        "active_nav": NAV,
    }
    return render(request, "rectify/item.html", context)


@login_required
def ledger(request, pk):
    """The printable 整改台账 (HTML for the printer, ``?format=xlsx`` for Excel)."""
    user = request.user
    plist = _list_for(user, pk)
    today = kit.today()
    groups = selectors.ledger(plist, selectors.items(user), today)
    unit, maker = ledger_signature(user)
    if request.GET.get("format") == "xlsx":
        data = exports.ledger_workbook(plist, groups, maker=maker, made_on=today)
        return xlsx_response(data, f"rectify-ledger-{plist.feedback_on:%Y%m%d}.xlsx")
    context = {
        "plist": plist,
        "rows": exports.ledger_rows(groups),
        "maker": maker,
        "today": today,
        "printed_at": today,
    }
    return render(request, "rectify/ledger.html", context)


@login_required
def progress_report(request, pk):
    """整改进展情况报告: counts by status, the overdue items, counts by responsible unit."""
    user = request.user
    plist = _list_for(user, pk)
    today = kit.today()
    context = {
        "plist": plist,
        "progress": selectors.progress(plist, selectors.items(user), today),
        "statuses": ItemStatus.choices,
        "today": today,
        "printed_at": today,
        "maker": ledger_signature(user)[1],
    }
    return render(request, "rectify/progress.html", context)
