"""述职评议考核 services: one function per business action, one transaction, one audit event.

    create_round ─► add_reporter / assign_rater ─► open_round (items and thresholds frozen from rule
    data) ─► submit_report (each secretary) ─► start_rating ─► rate (each rater, each reporter)
    ─► close_round (weighted scores, levels) ─► add_problem (问题清单) ─► publish_round

The organizer is whoever may change the round's committee (``require(actor, "change", round.org)``:
the 组织部 at the 区委, a 党工委's organizer at a street). A reporter's report is submitted by whoever
may change the reporting organization (its secretary). A sheet is filled by an assigned rater only.
A closed round is final: no report, sheet, reporter or rater changes; after publishing the problem
list is final too.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import Actor, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.models import Org, Position
from orgs.permissions import require
from party.duty_review.models import (
    Level,
    ReviewProblem,
    ReviewRater,
    ReviewReporter,
    ReviewRound,
    ReviewSheet,
    RoundStatus,
)
from party.files import clean_file, upload_name
from party.rules import Rules

E = events.register
ROUND_CREATED = E("party.duty_review_created", "创建述职评议考核")
REPORTER_ADDED = E("party.duty_review_reporter_added", "确定述职对象")
REPORTER_WITHDRAWN = E("party.duty_review_reporter_withdrawn", "撤出述职对象")
RATER_ASSIGNED = E("party.duty_review_rater_assigned", "指定评议人")
RATER_WITHDRAWN = E("party.duty_review_rater_withdrawn", "撤销评议人")
ROUND_OPENED = E("party.duty_review_opened", "启动述职评议(开始提交述职报告)")
REPORT_SUBMITTED = E("party.duty_review_report_submitted", "提交述职报告")
RATING_STARTED = E("party.duty_review_rating_started", "开始述职评议")
SHEET_SUBMITTED = E("party.duty_review_rated", "提交评议表")
ROUND_CLOSED = E("party.duty_review_closed", "结束述职评议(计算结果)")
PROBLEM_ADDED = E("party.duty_review_problem_added", "列入述职评议问题清单")
PROBLEM_WITHDRAWN = E("party.duty_review_problem_withdrawn", "撤回述职评议问题")
ROUND_PUBLISHED = E("party.duty_review_published", "公布述职评议结果")

ORGANIZER_KINDS = frozenset({"party_committee", "working_committee", "leading_group"})
REPORTER_KINDS = frozenset({"party_committee", "working_committee", "general_branch", "branch"})
MIN_SUMMARY = 20
MAX_SUMMARY = 3000
TWO = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Rule data: items, weights, levels


def rule_items(rules: Rules, org: Org | None = None) -> list[dict[str, Any]]:
    """The appraisal items in force for ``org``: [{"code", "label", "weight"}] (weights as strings,
    items weighted 0 left out)."""
    items = []
    for code in str(rules.get("duty_review.items", org)).split(","):
        code = code.strip()
        if not code:
            continue
        param = rules.param(f"duty_review.weight.{code}", org)
        weight = param.typed_value()
        if weight > 0:
            items.append({"code": code, "label": param.name, "weight": str(weight)})
    return items


def rule_thresholds(rules: Rules, org: Org | None = None) -> dict[str, str]:
    return {level: str(rules.get(f"duty_review.level.{level}", org)) for level in ("good", "fair", "average")}


def level_for(score: Decimal, thresholds: dict[str, str]) -> str:
    """好 / 较好 / 一般 from the lowest score of each level; below 一般: 差."""
    for level in (Level.GOOD, Level.FAIR, Level.AVERAGE):
        if score >= Decimal(thresholds[level]):
            return level
    return Level.POOR


def weighted(item_scores: dict[str, Decimal], items: list[dict[str, Any]]) -> Decimal:
    """The weighted score (0–100): Σ score × weight ÷ Σ weight over the round's items."""
    total = sum((Decimal(i["weight"]) for i in items), Decimal(0))
    if not total:
        return Decimal(0)
    value = sum((item_scores[i["code"]] * Decimal(i["weight"]) for i in items), Decimal(0)) / total
    return value.quantize(TWO, ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Helpers


def _lock(round_: ReviewRound) -> ReviewRound:
    return ReviewRound.objects.select_for_update(of=("self",)).select_related("org").get(pk=round_.pk)


def _organizer(actor: Actor, round_: ReviewRound, message: str = "无权组织该述职评议") -> None:
    require(actor, "change", round_.org, message)


def _status(round_: ReviewRound, allowed: tuple[str, ...], message: str) -> None:
    if round_.status not in allowed:
        raise StateConflict(message)


def _snapshot(round_: ReviewRound) -> dict[str, Any]:
    return {"status": round_.status, "year": round_.year, "title": round_.title}


def _now_stamp(round_: ReviewRound, step: str, actor: Actor) -> list[str]:
    setattr(round_, f"{step}_by", user_or_none(actor))
    setattr(round_, f"{step}_at", clock.now())
    return [f"{step}_by", f"{step}_at"]


def secretary_of(org: Org, day: dt.date):
    """(name, user) of the organization's current secretary, or ("", None)."""
    post = (
        Position.objects.current(day)
        .filter(org=org, kind="secretary")
        .select_related("person__user")
        .order_by("-start_on")
        .first()
    )
    if post is None:
        return "", None
    return post.person.name, getattr(post.person, "user", None)


# ---------------------------------------------------------------------------------------------
# Configuration (组织部)


@transaction.atomic
def create_round(
    *,
    actor: Actor,
    org: Org,
    year: int,
    report_due: dt.date,
    title: str = "",
    meeting_on: dt.date | None = None,
) -> ReviewRound:
    """A new round (草稿) of ``org``'s committee for ``year``."""
    require(actor, "change", org, "无权为该党组织组织述职评议")
    if org.kind not in ORGANIZER_KINDS:
        raise ServiceError("述职评议由党委、党工委组织,请选择上级党委", field="org")
    today = kit.today()
    if not 2000 <= year <= today.year + 1:
        raise ServiceError("年度不正确", field="year")
    if ReviewRound.objects.filter(org=org, year=year).exists():
        raise ServiceError(f"{org.name}{year}年度述职评议已创建", field="year")
    if report_due.year < year:
        raise ServiceError("述职报告提交截止日期不能早于考核年度", field="report_due")
    if meeting_on is not None and meeting_on < report_due:
        raise ServiceError("述职评议会日期不能早于报告提交截止日期", field="meeting_on")
    title = (
        kit.clean_text(title, "title", "名称", limit=100)
        or (f"{org.short_name or org.name}{year}年度书记抓基层党建工作述职评议考核")[:100]
    )
    round_ = ReviewRound.objects.create(
        org=org,
        year=year,
        title=title,
        report_due=report_due,
        meeting_on=meeting_on,
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(round_, ROUND_CREATED, actor=actor, after=_snapshot(round_))
    return round_


@transaction.atomic
def add_reporter(
    *, actor: Actor, round_: ReviewRound, org: Org, secretary_name: str = "", secretary=None
) -> ReviewReporter:
    """Add a reporting organization (述职对象) below the round's committee; its secretary is read
    from the current posts unless given."""
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.DRAFT, RoundStatus.OPEN), "评议已开始,不能再增加述职对象")
    if org.kind not in REPORTER_KINDS or org.archived_at is not None:
        raise ServiceError("述职对象须为党委、党工委、党总支或党支部", field="org")
    if org.pk == round_.org_id or not org.path.startswith(round_.org.path):
        raise ServiceError("述职对象须为本党委所属的党组织", field="org")
    if ReviewReporter.objects.filter(round=round_, org=org).exists():
        raise ServiceError(f"{org.name}已是述职对象", field="org")
    name, user = secretary_of(org, kit.today())
    secretary_name = kit.clean_text(secretary_name, "secretary_name", "书记姓名", limit=50) or name
    if not secretary_name:
        raise ServiceError(f"{org.name}书记空缺,请填写述职人姓名", field="secretary_name")
    reporter = ReviewReporter.objects.create(
        round=round_,
        org=org,
        secretary_name=secretary_name,
        secretary=secretary or user,
        is_demo=round_.is_demo,
    )
    record(reporter, REPORTER_ADDED, actor=actor, after={"org": org.name, "secretary": secretary_name})
    return reporter


@transaction.atomic
def withdraw_reporter(*, actor: Actor, reporter: ReviewReporter, reason: str) -> ReviewReporter:
    round_ = _lock(reporter.round)
    _organizer(actor, round_)
    _status(
        round_, (RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.RATING), "评议已结束,述职对象不能再变动"
    )
    reason = kit.clean_text(reason, "reason", "撤出原因", required=True)
    reporter = ReviewReporter.objects.select_for_update().get(pk=reporter.pk)
    if reporter.withdrawn_at is not None:
        raise StateConflict("该述职对象已撤出")
    reporter.withdrawn_at = clock.now()
    reporter.withdraw_reason = reason
    reporter.save(update_fields=["withdrawn_at", "withdraw_reason"])
    record(reporter, REPORTER_WITHDRAWN, actor=actor, reason=reason)
    return reporter


@transaction.atomic
def assign_rater(*, actor: Actor, round_: ReviewRound, user, capacity: str = "上级党委委员") -> ReviewRater:
    """Assign ``user`` to rate every reporter of the round (评议人: the committee's members, 代表)."""
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.RATING), "评议已结束,不能再指定评议人")
    capacity = kit.clean_text(capacity, "capacity", "评议人身份", required=True, limit=30)
    if user is None or not user.is_active:
        raise ServiceError("请选择有效的评议人账号", field="user")
    existing = ReviewRater.objects.filter(round=round_, user=user).first()
    if existing is not None and existing.withdrawn_at is None:
        raise ServiceError("该账号已是评议人", field="user")
    if existing is not None:
        raise ServiceError("该账号的评议人资格已撤销,不能再次指定", field="user")
    rater = ReviewRater.objects.create(
        round=round_,
        org=round_.org,
        user=user,
        capacity=capacity,
        assigned_by=user_or_none(actor),
        assigned_at=clock.now(),
        is_demo=round_.is_demo,
    )
    record(rater, RATER_ASSIGNED, actor=actor, after={"user": user.get_username(), "capacity": capacity})
    return rater


@transaction.atomic
def withdraw_rater(*, actor: Actor, rater: ReviewRater, reason: str) -> ReviewRater:
    round_ = _lock(rater.round)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.RATING), "评议已结束,评议人不能再变动")
    reason = kit.clean_text(reason, "reason", "撤销原因", required=True)
    rater = ReviewRater.objects.select_for_update().get(pk=rater.pk)
    if rater.withdrawn_at is not None:
        raise StateConflict("该评议人已撤销")
    rater.withdrawn_at = clock.now()
    rater.withdraw_reason = reason
    rater.save(update_fields=["withdrawn_at", "withdraw_reason"])
    record(rater, RATER_WITHDRAWN, actor=actor, reason=reason)
    return rater


@transaction.atomic
def open_round(*, actor: Actor, round_: ReviewRound) -> ReviewRound:
    """草稿 → 提交述职报告: the items, weights and level thresholds in force for the committee are
    frozen on the round."""
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.DRAFT,), "只有草稿状态的述职评议可以启动")
    if not round_.reporters.active().exists():
        raise ServiceError("请先确定述职对象", field="org")
    today = kit.today()
    rules = Rules.load(today)
    items = rule_items(rules, round_.org)
    if not items:
        raise ServiceError("规则参数中没有评议项目,请在管理后台“规则参数”中设置", field="items")
    round_.items = items
    round_.thresholds = rule_thresholds(rules, round_.org)
    round_.rules_day = today
    round_.status = RoundStatus.OPEN
    fields = ["items", "thresholds", "rules_day", "status", *_now_stamp(round_, "opened", actor)]
    round_.save(update_fields=fields)
    record(round_, ROUND_OPENED, actor=actor, after={**_snapshot(round_), "items": items})
    return round_


# ---------------------------------------------------------------------------------------------
# The report (书记)


@transaction.atomic
def submit_report(
    *,
    actor: Actor,
    reporter: ReviewReporter,
    summary: str,
    upload=None,
    reported_on: dt.date | None = None,
) -> ReviewReporter:
    """The secretary submits (or replaces, while reports are open) the 述职报告: a text summary and
    optionally the file (PDF/Word)."""
    round_ = _lock(reporter.round)
    reporter = (
        ReviewReporter.objects.select_for_update(of=("self",)).select_related("org").get(pk=reporter.pk)
    )
    require(actor, "change", reporter.org, "只有本党组织可以提交述职报告")
    if reporter.withdrawn_at is not None:
        raise StateConflict("该党组织已撤出本次述职评议")
    _status(round_, (RoundStatus.OPEN,), "当前不在述职报告提交阶段")
    summary = kit.clean_text(summary, "summary", "述职报告摘要", required=True, limit=MAX_SUMMARY)
    if len(summary) < MIN_SUMMARY:
        raise ServiceError(f"述职报告摘要不少于{MIN_SUMMARY}字", field="summary")
    today = kit.today()
    if reported_on is not None and (reported_on > today or reported_on.year < round_.year):
        raise ServiceError("述职时间不正确", field="reported_on")
    fields = ["report_summary", "submitted_at", "submitted_by", "reported_on"]
    if upload is not None:
        try:
            content = clean_file(upload)
        except ServiceError as error:
            raise ServiceError(error.message, field="report_file") from error
        reporter.report_name = upload_name(upload)
        reporter.report_file.save(content.name or "report", content, save=False)
        fields += ["report_file", "report_name"]
    elif not reporter.report_file:
        pass  # a text-only report is accepted; the file may follow while reports are open
    replaced = reporter.submitted
    reporter.report_summary = summary
    reporter.submitted_at = clock.now()
    reporter.submitted_by = user_or_none(actor)
    reporter.reported_on = reported_on or reporter.reported_on
    reporter.save(update_fields=fields)
    record(
        reporter,
        REPORT_SUBMITTED,
        actor=actor,
        after={"replaced": replaced, "file": reporter.report_name, "late": today > round_.report_due},
    )
    return reporter


@transaction.atomic
def start_rating(*, actor: Actor, round_: ReviewRound) -> ReviewRound:
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.OPEN,), "只有提交述职报告阶段的述职评议可以开始评议")
    if not round_.raters.filter(withdrawn_at__isnull=True).exists():
        raise ServiceError("请先指定评议人", field="user")
    round_.status = RoundStatus.RATING
    round_.save(update_fields=["status", *_now_stamp(round_, "rating", actor)])
    record(round_, RATING_STARTED, actor=actor, after=_snapshot(round_))
    return round_


# ---------------------------------------------------------------------------------------------
# Rating (评议人)


def parse_scores(raw: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, str]:
    """Every item's score, 0–100 (rounded to one decimal), as strings keyed by item code."""
    scores = {}
    for item in items:
        code = item["code"]
        value = raw.get(code)
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ServiceError(f"请为“{item['label']}”打分(0—100)", field=f"score_{code}") from None
        if not number.is_finite() or not 0 <= number <= 100:
            raise ServiceError(f"“{item['label']}”的得分须在0—100之间", field=f"score_{code}")
        scores[code] = str(number.quantize(Decimal("0.1"), ROUND_HALF_UP))
    unknown = set(raw) - {i["code"] for i in items}
    if unknown:
        raise ServiceError("评分中有不属于本次评议的项目", field="scores")
    return scores


@transaction.atomic
def rate(
    *,
    actor: Actor,
    reporter: ReviewReporter,
    scores: dict[str, Any],
    comment: str = "",
    rater: ReviewRater | None = None,
) -> ReviewSheet:
    """An assigned rater's sheet on one reporter (a score per item and a comment); submitted again
    while the round is rating, it replaces the rater's earlier scores."""
    round_ = _lock(reporter.round)
    reporter = ReviewReporter.objects.select_related("org").get(pk=reporter.pk)
    user = user_or_none(actor)
    if rater is None:
        if user is None:
            raise ServiceError("请指定评议人", field="rater")
        rater = ReviewRater.objects.filter(round=round_, user=user, withdrawn_at__isnull=True).first()
        if rater is None:
            raise PermissionDenied("您不是本次述职评议的评议人")
    elif rater.round_id != round_.pk or rater.withdrawn_at is not None:
        raise ServiceError("评议人不属于本次述职评议", field="rater")
    elif user is not None and rater.user_id != user.pk:
        raise PermissionDenied("只能提交本人的评议表")
    _status(round_, (RoundStatus.RATING,), "当前不在评议阶段,不能打分")
    if reporter.withdrawn_at is not None:
        raise StateConflict("该党组织已撤出本次述职评议")
    if reporter.secretary_id is not None and reporter.secretary_id == rater.user_id:
        raise PermissionDenied("不能评议本人的述职")
    values = parse_scores(scores, round_.items)
    comment = kit.clean_text(comment, "comment", "评议意见", limit=1000)
    sheet, created = ReviewSheet.objects.select_for_update().get_or_create(
        reporter=reporter,
        rater=rater,
        defaults={
            "org": round_.org,
            "scores": values,
            "comment": comment,
            "submitted_at": clock.now(),
            "is_demo": round_.is_demo,
        },
    )
    before = None
    if not created:
        before = {"scores": sheet.scores, "comment": sheet.comment}
        sheet.scores, sheet.comment, sheet.submitted_at = values, comment, clock.now()
        sheet.save(update_fields=["scores", "comment", "submitted_at"])
    record(sheet, SHEET_SUBMITTED, actor=actor, before=before, after={"scores": values, "comment": comment})
    return sheet


# ---------------------------------------------------------------------------------------------
# Results (组织部)


def compute_result(reporter: ReviewReporter, round_: ReviewRound) -> dict[str, Any]:
    """A reporter's result from its sheets: the mean score per item, the weighted score, the level
    and the number of raters (sheets of withdrawn raters are left out)."""
    sheets = list(reporter.sheets.filter(rater__withdrawn_at__isnull=True))
    if not sheets:
        return {"item_scores": {}, "score": None, "level": "", "rater_count": 0}
    means = {}
    for item in round_.items:
        code = item["code"]
        total = sum((Decimal(s.scores[code]) for s in sheets), Decimal(0))
        means[code] = (total / len(sheets)).quantize(TWO, ROUND_HALF_UP)
    score = weighted(means, round_.items)
    return {
        "item_scores": {code: str(value) for code, value in means.items()},
        "score": score,
        "level": level_for(score, round_.thresholds),
        "rater_count": len(sheets),
    }


@transaction.atomic
def close_round(*, actor: Actor, round_: ReviewRound) -> ReviewRound:
    """评议中 → 已结束: each reporter's weighted score, level and rater count are computed and kept;
    from now on reports, sheets, reporters and raters are final."""
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.RATING,), "只有评议中的述职评议可以结束")
    if not ReviewSheet.objects.filter(reporter__round=round_, rater__withdrawn_at__isnull=True).exists():
        raise ServiceError("还没有评议人提交评议表,不能结束评议", field="status")
    for reporter in round_.reporters.active().select_for_update():
        result = compute_result(reporter, round_)
        for name, value in result.items():
            setattr(reporter, name, value)
        reporter.save(update_fields=list(result))
    round_.status = RoundStatus.CLOSED
    round_.save(update_fields=["status", *_now_stamp(round_, "closed", actor)])
    results = {
        r.org.name: {"score": str(r.score) if r.score is not None else "", "level": r.level}
        for r in round_.reporters.active().select_related("org")
    }
    record(round_, ROUND_CLOSED, actor=actor, after={**_snapshot(round_), "results": results})
    return round_


@transaction.atomic
def add_problem(*, actor: Actor, reporter: ReviewReporter, text: str) -> ReviewProblem:
    """Put a problem on the reporting organization's list (问题清单), while rating or before
    publishing."""
    round_ = _lock(reporter.round)
    _organizer(actor, round_, "无权录入述职评议问题清单")
    _status(round_, (RoundStatus.RATING, RoundStatus.CLOSED), "问题清单在评议中或结束后、公布前录入")
    if reporter.withdrawn_at is not None:
        raise StateConflict("该党组织已撤出本次述职评议")
    text = kit.clean_text(text, "text", "问题", required=True, limit=500)
    if ReviewProblem.objects.live().filter(reporter=reporter, text=text).exists():
        raise ServiceError("问题清单中已有相同的问题", field="text")
    problem = ReviewProblem.objects.create(
        round=round_,
        reporter=reporter,
        org=reporter.org,
        text=text,
        created_by=user_or_none(actor),
        created_at=clock.now(),
        is_demo=round_.is_demo,
    )
    record(problem, PROBLEM_ADDED, actor=actor, after={"org": reporter.org.name, "text": text})
    return problem


@transaction.atomic
def withdraw_problem(*, actor: Actor, problem: ReviewProblem, reason: str) -> ReviewProblem:
    round_ = _lock(problem.round)
    _organizer(actor, round_, "无权修改述职评议问题清单")
    _status(round_, (RoundStatus.RATING, RoundStatus.CLOSED), "结果已公布,问题清单不能再修改")
    reason = kit.clean_text(reason, "reason", "撤回原因", required=True)
    problem = ReviewProblem.objects.select_for_update().get(pk=problem.pk)
    if problem.withdrawn_at is not None:
        raise StateConflict("该问题已撤回")
    problem.withdrawn_at = clock.now()
    problem.withdraw_reason = reason
    problem.save(update_fields=["withdrawn_at", "withdraw_reason"])
    record(problem, PROBLEM_WITHDRAWN, actor=actor, reason=reason)
    return problem


@transaction.atomic
def publish_round(*, actor: Actor, round_: ReviewRound) -> ReviewRound:
    """已结束 → 结果已公布: each reporter sees its own result and problem list."""
    round_ = _lock(round_)
    _organizer(actor, round_)
    _status(round_, (RoundStatus.CLOSED,), "只有已结束的述职评议可以公布结果")
    round_.status = RoundStatus.PUBLISHED
    round_.save(update_fields=["status", *_now_stamp(round_, "published", actor)])
    problems = ReviewProblem.objects.live().filter(round=round_).count()
    record(round_, ROUND_PUBLISHED, actor=actor, after={**_snapshot(round_), "problems": problems})
    return round_
