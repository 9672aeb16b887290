"""书记抓基层党建工作述职评议考核 through the API: the rounds and results a user may see, a rater's
sheet submitted from elsewhere (a tablet at the 述职评议会, a survey tool), the published problem lists
(问题清单) — the same selectors and ``party.duty_review.services`` calls as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import Field

from party.duty_review import selectors
from party.duty_review import services as review
from party.duty_review.models import ReviewReporter, ReviewRound

from . import schemas as s

router = Router(tags=["述职评议考核"])


class ReviewItemOut(Schema):
    code: str
    label: str
    weight: str = Field(description="权重(%),启动时按规则参数 duty_review.weight.* 固定")


class RoundOut(Schema):
    id: int
    year: int
    title: str
    org: s.Ref = Field(description="组织单位(上级党委)")
    status: str = Field(
        description="draft 草稿 / open 提交述职报告 / rating 评议中 / closed 已结束 / published 已公布"
    )
    status_label: str
    report_due: dt.date
    items: list[ReviewItemOut]
    thresholds: dict[str, str] = Field(description="各等次最低综合得分:good 好、fair 较好、average 一般")


class ReporterOut(Schema):
    id: int
    org: s.Ref
    secretary: str
    submitted: bool
    submitted_at: dt.datetime | None
    reported_on: dt.date | None
    score: Decimal | None = Field(description="综合得分(结果可见时)")
    level: str = Field(description="good 好 / fair 较好 / average 一般 / poor 差(结果可见时,否则空)")
    level_label: str
    item_scores: dict[str, str] = Field(description="各项平均得分(结果可见时)")
    rater_count: int | None


class ReviewProblemOut(Schema):
    id: int
    round: int
    year: int
    org: s.Ref
    text: str
    label: str
    created_at: dt.datetime


class RoundDetail(RoundOut):
    reporters: list[ReporterOut]
    problems: list[ReviewProblemOut] = Field(description="问题清单(结果可见时)")


class ScoreIn(s.In):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$", description="评议项目代码(见述职评议详情的 items)")
    score: float = Field(ge=0, le=100, description="得分 0—100(四舍五入保留一位小数)")


class SheetIn(s.In):
    scores: list[ScoreIn] = Field(max_length=20, description="每个评议项目一项,须覆盖本次评议的全部项目")
    comment: str = Field("", max_length=1000, description="评议意见")


class SheetOut(Schema):
    reporter: int
    scores: dict[str, str]
    comment: str
    submitted_at: dt.datetime


def _ref(org) -> dict:
    return {"id": org.pk, "name": org.name}


def _round_out(r: ReviewRound) -> dict:
    return {
        "id": r.pk,
        "year": r.year,
        "title": r.title,
        "org": _ref(r.org),
        "status": r.status,
        "status_label": r.get_status_display(),
        "report_due": r.report_due,
        "items": r.items,
        "thresholds": r.thresholds,
    }


def _problem_out(p) -> dict:
    return {
        "id": p.pk,
        "round": p.round_id,
        "year": p.round.year,
        "org": _ref(p.org),
        "text": p.text,
        "label": selectors.problem_label(p),
        "created_at": p.created_at,
    }


@router.get("/party/duty-review/rounds", response={200: list[RoundOut], **s.ERRORS}, summary="述职评议列表")
def rounds(request):
    return [_round_out(r) for r in selectors.rounds(request.user)]


@router.get(
    "/party/duty-review/rounds/{round_id}",
    response={200: RoundDetail, **s.ERRORS},
    summary="述职评议详情:述职对象、报告提交情况、结果和问题清单",
)
def round_detail(request, round_id: int):
    r = get_object_or_404(ReviewRound.objects.visible_to(request.user).select_related("org"), pk=round_id)
    reporters, problems = [], []
    for row in selectors.result_rows(request.user, r):
        rep, shown = row["reporter"], row["shown"]
        reporters.append(
            {
                "id": rep.pk,
                "org": _ref(rep.org),
                "secretary": rep.secretary_name,
                "submitted": rep.submitted,
                "submitted_at": rep.submitted_at,
                "reported_on": rep.reported_on,
                "score": rep.score if shown else None,
                "level": rep.level if shown else "",
                "level_label": rep.get_level_display() if shown else "",
                "item_scores": rep.item_scores if shown else {},
                "rater_count": rep.rater_count if shown else None,
            }
        )
        if shown:
            problems += [_problem_out(p) for p in row["problems"]]
    return {**_round_out(r), "reporters": reporters, "problems": problems}


@router.post(
    "/party/duty-review/reporters/{reporter_id}/sheet",
    response={200: SheetOut, **s.ERRORS},
    summary="提交评议表(评议人对一名述职人逐项打分)",
)
def submit_sheet(request, reporter_id: int, payload: SheetIn):
    """``party.duty_review.services.rate``: only an assigned rater, only while the round is rating
    (409 otherwise), never on one's own report (403); a new sheet replaces the rater's earlier one."""
    reporter = get_object_or_404(ReviewReporter.objects.visible_to(request.user), pk=reporter_id)
    scores = {item.code: item.score for item in payload.scores}
    sheet = review.rate(actor=request.user, reporter=reporter, scores=scores, comment=payload.comment)
    return {
        "reporter": reporter.pk,
        "scores": sheet.scores,
        "comment": sheet.comment,
        "submitted_at": sheet.submitted_at,
    }


@router.get(
    "/party/duty-review/problems",
    response={200: list[ReviewProblemOut], **s.ERRORS},
    summary="已公布的述职评议问题清单(整改来源)",
)
def problems(request):
    return [_problem_out(p) for p in selectors.published_problems(request.user)[:500]]
