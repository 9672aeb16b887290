"""Pages of 述职评议考核: the rounds (组织部: create, configure, move through the statuses, results
and 问题清单), my report (the secretary, phone first), the rating sheets (the rater), the printable
results and the Excel 台账. Thin: scope → parse → one service call → redirect or re-render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import kit
from core.errors import ServiceError
from core.ledger import xlsx_response
from orgs.models import Org
from party import scope
from party.duty_review import exports, selectors
from party.duty_review import forms as review_forms
from party.duty_review import services as review
from party.duty_review.models import ReviewProblem, ReviewReporter, ReviewRound, RoundStatus
from party.rules import Rules

NAV = "party_duty_review"
STEPS = [
    (RoundStatus.OPEN, "open", "启动述职评议(开始提交述职报告)"),
    (RoundStatus.RATING, "rating", "开始评议"),
    (RoundStatus.CLOSED, "close", "结束评议并计算结果"),
    (RoundStatus.PUBLISHED, "publish", "公布结果和问题清单"),
]
NEXT = {
    RoundStatus.DRAFT: ("open", "启动述职评议(开始提交述职报告)"),
    RoundStatus.OPEN: ("rating", "开始评议"),
    RoundStatus.RATING: ("close", "结束评议并计算结果"),
    RoundStatus.CLOSED: ("publish", "公布结果和问题清单"),
}
ACTIONS = {
    "open": review.open_round,
    "rating": review.start_rating,
    "close": review.close_round,
    "publish": review.publish_round,
}


def _organizer_orgs(user):
    return scope.party_orgs(user, "change").filter(kind__in=review.ORGANIZER_KINDS).order_by("path")


def _round(user, pk) -> ReviewRound:
    return get_object_or_404(ReviewRound.objects.visible_to(user).select_related("org"), pk=pk)


def _organized_round(user, pk) -> ReviewRound:
    round_ = _round(user, pk)
    if not selectors.is_organizer(user, round_):
        raise Http404
    return round_


@login_required
def index(request):
    user = request.user
    organizer_orgs = list(_organizer_orgs(user))
    today = kit.today()
    form = None
    if organizer_orgs:
        if request.method == "POST":
            form = review_forms.RoundForm(request.POST, orgs=organizer_orgs)
            if form.is_valid():
                data = form.cleaned_data
                org = next(o for o in organizer_orgs if o.pk == data["org"])
                try:
                    round_ = review.create_round(
                        actor=user,
                        org=org,
                        year=data["year"],
                        title=data["title"],
                        report_due=data["report_due"],
                        meeting_on=data["meeting_on"],
                    )
                except ServiceError as error:
                    form.attach(error)
                else:
                    messages.success(request, f"已创建:{round_.title}")
                    return redirect("party:duty_review_round", round_.pk)
        else:
            form = review_forms.RoundForm(orgs=organizer_orgs, initial={"year": today.year})
    rounds = list(selectors.rounds(user))
    rating = [r for r in rounds if r.status == RoundStatus.RATING and selectors.rater_of(user, r)]
    context = {
        "rounds": rounds,
        "reports": list(selectors.my_reports(user)),
        "rating": rating,
        "form": form,
        "active_nav": NAV,
    }
    return render(request, "party/duty_review/index.html", context)


def _rules_preview(org: Org) -> dict:
    rules = Rules.load(kit.today())
    return {"items": review.rule_items(rules, org), "thresholds": review.rule_thresholds(rules, org)}


@login_required
def round_page(request, pk):
    user = request.user
    round_ = _round(user, pk)
    organizer = selectors.is_organizer(user, round_)
    reporters = list(selectors.reporters(user, round_))
    active = [r for r in reporters if r.withdrawn_at is None]
    context = {
        "round": round_,
        "organizer": organizer,
        "rater": selectors.rater_of(user, round_),
        "reporters": reporters,
        "raters": list(round_.raters.select_related("user").order_by("withdrawn_at", "pk"))
        if organizer
        else [],
        "rows": selectors.result_rows(user, round_),
        "config": (
            {"items": round_.items, "thresholds": round_.thresholds}
            if round_.status != RoundStatus.DRAFT
            else _rules_preview(round_.org)
        ),
        "next": NEXT.get(round_.status) if organizer else None,
        "steps": [(status, label, _done(round_, status)) for status, _code, label in STEPS],
        "today": kit.today(),
        "active_nav": NAV,
    }
    if organizer and not round_.locked:
        taken = {r.org_id for r in reporters}
        candidates = (
            scope.party_orgs(user)
            .filter(path__startswith=round_.org.path, kind__in=review.REPORTER_KINDS)
            .exclude(pk=round_.org_id)
            .exclude(pk__in=taken)
            .order_by("path")
        )
        if round_.status in (RoundStatus.DRAFT, RoundStatus.OPEN):
            context["reporter_form"] = review_forms.ReporterForm(orgs=candidates, prefix="rep")
        context["rater_form"] = review_forms.RaterForm(prefix="rater")
    if organizer and round_.status in (RoundStatus.RATING, RoundStatus.CLOSED):
        context["problem_form"] = review_forms.ProblemForm(reporters=active, prefix="prob")
    return render(request, "party/duty_review/round.html", context)


def _done(round_: ReviewRound, status: str) -> bool:
    order = [
        RoundStatus.DRAFT,
        RoundStatus.OPEN,
        RoundStatus.RATING,
        RoundStatus.CLOSED,
        RoundStatus.PUBLISHED,
    ]
    return order.index(round_.status) >= order.index(status)


def _back(round_: ReviewRound):
    return redirect("party:duty_review_round", round_.pk)


@login_required
@require_POST
def round_action(request, pk):
    round_ = _organized_round(request.user, pk)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404
    try:
        round_ = action(actor=request.user, round_=round_)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已完成:{round_.get_status_display()}")
    return _back(round_)


@login_required
@require_POST
def reporter_add(request, pk):
    user = request.user
    round_ = _organized_round(user, pk)
    org = scope.party_orgs(user).filter(pk=request.POST.get("rep-org") or 0).first()
    if org is None:
        messages.error(request, "请选择述职党组织")
        return _back(round_)
    try:
        reporter = review.add_reporter(
            actor=user, round_=round_, org=org, secretary_name=request.POST.get("rep-secretary_name", "")
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已增加述职对象:{reporter.org.name} {reporter.secretary_name}")
    return _back(round_)


@login_required
@require_POST
def reporter_withdraw(request, pk):
    reporter = get_object_or_404(ReviewReporter.objects.select_related("round__org"), pk=pk)
    round_ = _organized_round(request.user, reporter.round_id)
    try:
        review.withdraw_reporter(actor=request.user, reporter=reporter, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{reporter.org.name}已撤出本次述职评议")
    return _back(round_)


@login_required
@require_POST
def rater_add(request, pk):
    user = request.user
    round_ = _organized_round(user, pk)
    form = review_forms.RaterForm(request.POST, prefix="rater")
    if not form.is_valid():
        messages.error(request, "请填写评议人账号和身份")
        return _back(round_)
    rater_user = (
        get_user_model().objects.filter(username=form.cleaned_data["username"], is_active=True).first()
    )
    if rater_user is None:
        messages.error(request, "没有这个账号")
        return _back(round_)
    try:
        review.assign_rater(
            actor=user, round_=round_, user=rater_user, capacity=form.cleaned_data["capacity"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已指定评议人")
    return _back(round_)


@login_required
@require_POST
def problem_add(request, pk):
    user = request.user
    round_ = _organized_round(user, pk)
    reporter = round_.reporters.filter(pk=request.POST.get("prob-reporter") or 0).first()
    if reporter is None:
        messages.error(request, "请选择党组织")
        return _back(round_)
    try:
        review.add_problem(actor=user, reporter=reporter, text=request.POST.get("prob-text", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已列入问题清单")
    return redirect(f"{_back(round_).url}#problems")


@login_required
@require_POST
def problem_withdraw(request, pk):
    problem = get_object_or_404(ReviewProblem.objects.visible_to(request.user).select_related("round"), pk=pk)
    round_ = _organized_round(request.user, problem.round_id)
    try:
        review.withdraw_problem(actor=request.user, problem=problem, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "问题已撤回")
    return redirect(f"{_back(round_).url}#problems")


@login_required
def report(request, pk):
    """My report (述职报告): the secretary submits it on a phone; results once published."""
    user = request.user
    reporter = get_object_or_404(
        ReviewReporter.objects.visible_to(user).select_related("round__org", "org"), pk=pk
    )
    round_ = reporter.round
    can_submit = (
        round_.status == RoundStatus.OPEN
        and reporter.withdrawn_at is None
        and ReviewReporter.objects.visible_to(user, "change").filter(pk=reporter.pk).exists()
    )
    form = None
    if can_submit:
        if request.method == "POST":
            form = review_forms.ReportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    review.submit_report(
                        actor=user,
                        reporter=reporter,
                        summary=data["summary"],
                        upload=data["report_file"],
                        reported_on=data["reported_on"],
                    )
                except ServiceError as error:
                    form.attach(error)
                else:
                    messages.success(request, "述职报告已提交")
                    return redirect("party:duty_review_report", reporter.pk)
        else:
            form = review_forms.ReportForm(
                initial={"summary": reporter.report_summary, "reported_on": reporter.reported_on}
            )
    shown = selectors.results_visible(user, round_, reporter)
    context = {
        "reporter": reporter,
        "round": round_,
        "form": form,
        "shown": shown,
        "items": [{**i, "score": reporter.item_scores.get(i["code"], "")} for i in round_.items],
        "problems": list(reporter.problems.live().order_by("pk")) if shown else [],
        "today": kit.today(),
        "active_nav": NAV,
    }
    return render(request, "party/duty_review/report.html", context)


@login_required
def sheet(request, pk):
    """A rater's sheet on one reporter."""
    user = request.user
    reporter = get_object_or_404(
        ReviewReporter.objects.visible_to(user).active().select_related("round__org", "org"), pk=pk
    )
    round_ = reporter.round
    rater = selectors.rater_of(user, round_)
    if rater is None:
        raise Http404
    existing = selectors.sheets_of(rater).get(reporter.pk)
    editable = round_.status == RoundStatus.RATING
    if request.method == "POST" and editable:
        form = review_forms.SheetForm(request.POST, items=round_.items)
        if form.is_valid():
            try:
                review.rate(
                    actor=user, reporter=reporter, scores=form.scores(), comment=form.cleaned_data["comment"]
                )
            except ServiceError as error:
                form.attach(error)
            else:
                messages.success(request, f"已提交对{reporter.org.name}的评议")
                return redirect(f"{_back(round_).url}#rate")
    else:
        initial = {"comment": existing.comment} if existing else {}
        if existing:
            initial |= {f"score_{code}": value for code, value in existing.scores.items()}
        form = review_forms.SheetForm(initial=initial, items=round_.items)
    context = {
        "reporter": reporter,
        "round": round_,
        "form": form,
        "editable": editable,
        "existing": existing,
        "active_nav": NAV,
    }
    return render(request, "party/duty_review/sheet.html", context)


@login_required
def print_results(request, pk):
    round_ = _round(request.user, pk)
    rows = [r for r in selectors.result_rows(request.user, round_) if r["shown"]]
    if not rows:
        raise Http404("结果尚未公布")
    context = {"round": round_, "rows": rows, "printed_at": kit.today()}
    return render(request, "party/duty_review/print.html", context)


@login_required
def export(request, pk):
    round_ = _round(request.user, pk)
    today = kit.today()
    data = exports.round_workbook(request.user, round_, today)
    return xlsx_response(data, f"{round_.title}-{today:%Y%m%d}.xlsx")
