"""Demo 述职评议考核: the 区委's round of last year, closed and published (results 好/较好/一般 and
each organization's 问题清单, so the ``duty_review.average`` finding shows), and this year's round in
rating: reports submitted but one missing, dangwei's sheets in, zuzhibu's still to come. Reporters:
shuji's street 党工委 and up to four of its branches (shuji's first). Everything through
``party.duty_review.services`` as the system; dates relative to the build day, so every state
shows on any build day."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org
from party.duty_review import services as review
from party.duty_review.models import ReviewRound

from .life import SHUJI_BRANCH

REPORT = (
    "{org}书记{name}述职:本年度认真履行抓基层党建第一责任人职责,定期研究党建工作;"
    "落实“三会一课”、主题党日和组织生活会制度;推进网格党建,党员联系服务群众;"
    "存在的不足是党员教育管理创新不够,下一步将对照问题清单抓好整改。"
)
# Scores of this year's round per reporter position: the committee, shuji's branch, the others.
THIS_YEAR = [90, 86, 78, 92, 84]


def last_year_bases(n: int) -> list[int]:
    """Last year's scores: 好 for the committee, 较好 for shuji's branch, 一般 and 差 for the last
    two (every level and both findings show)."""
    bases = [93, 85, *([91] * max(0, n - 2))][:n]
    bases[-1] = 55
    if n >= 4:
        bases[-2] = 72
    return bases


PROBLEMS = {
    "good": ["党员教育培训形式较单一,创新不够"],
    "fair": ["“三会一课”记录不够规范,个别会议记录过于简单", "发展党员工作计划性不强"],
    "average": [
        "支部主题党日流于形式,内容与社区治理结合不紧",
        "党员联系服务群众制度落实不到位,部分党员未亮身份",
        "党费收缴不够及时,存在补缴现象",
    ],
    "poor": [
        "书记履行第一责任人职责不到位,全年未专题研究党建工作",
        "“三会一课”多次未按期召开,会议记录补写",
        "党员队伍老化,连续三年未发展党员",
    ],
}


def _scores(base: int, items: list[dict], spread: int) -> dict[str, int]:
    return {item["code"]: max(0, min(100, base + ((i * 3 + spread) % 5) - 2)) for i, item in enumerate(items)}


def _round(org: Org, year: int, report_due: dt.date, reporters: list[Org], raters: list) -> ReviewRound:
    round_ = review.create_round(actor=SYSTEM, org=org, year=year, report_due=report_due)
    ReviewRound.objects.filter(pk=round_.pk).update(is_demo=True)
    round_.is_demo = True
    for reporter in reporters:
        review.add_reporter(actor=SYSTEM, round_=round_, org=reporter)
    for user, capacity in raters:
        review.assign_rater(actor=SYSTEM, round_=round_, user=user, capacity=capacity)
    return review.open_round(actor=SYSTEM, round_=round_)


def _report(reporter, reported_on: dt.date | None) -> None:
    review.submit_report(
        actor=SYSTEM,
        reporter=reporter,
        summary=REPORT.format(org=reporter.org.short_name or reporter.org.name, name=reporter.secretary_name),
        reported_on=reported_on,
    )


def build(today: dt.date) -> dict[str, int]:
    shuji = Org.objects.filter(is_demo=True, kind="branch", short_name=SHUJI_BRANCH).first()
    if shuji is None:
        return {}
    street = Org.objects.get_parent(shuji)
    top = Org.objects.filter(is_demo=True, kind="party_committee", depth=1).order_by("path").first()
    if top is None or street is None:
        return {}
    others = list(
        Org.objects.filter(
            is_demo=True, kind="branch", path__startswith=street.path, archived_at__isnull=True
        )
        .exclude(pk=shuji.pk)
        .order_by("path")
    )
    reporters = [o for o in (street, shuji, *others) if review.secretary_of(o, today)[0]][:5]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=("zuzhibu", "dangwei"))}
    raters = [
        (users[n], c) for n, c in (("dangwei", "上级党委委员"), ("zuzhibu", "组织部门干部")) if n in users
    ]
    if len(reporters) < 4 or not raters:
        return {}
    # Last year: closed and published with the problem lists.
    last = _round(top, today.year - 1, dt.date(today.year - 1, 12, 31), reporters, raters)
    rows = list(last.reporters.select_related("org").order_by("pk"))
    for reporter in rows:
        _report(reporter, today - dt.timedelta(days=7))
    last = review.start_rating(actor=SYSTEM, round_=last)
    for (i, reporter), base in zip(enumerate(rows), last_year_bases(len(rows)), strict=True):
        for j, rater in enumerate(last.raters.order_by("pk")):
            review.rate(actor=SYSTEM, reporter=reporter, rater=rater, scores=_scores(base, last.items, i + j))
    last = review.close_round(actor=SYSTEM, round_=last)
    problems = 0
    for reporter in last.reporters.order_by("pk"):
        for text in PROBLEMS.get(reporter.level, []):
            review.add_problem(actor=SYSTEM, reporter=reporter, text=text)
            problems += 1
    review.publish_round(actor=SYSTEM, round_=last)
    # This year: reports in (the last reporter's missing), rating under way (dangwei done).
    this = _round(top, today.year, today + dt.timedelta(days=10), reporters, raters)
    rows = list(this.reporters.select_related("org").order_by("pk"))
    for reporter in rows[:-1]:
        _report(reporter, None)
    this = review.start_rating(actor=SYSTEM, round_=this)
    first = this.raters.order_by("pk").first()
    for (i, reporter), base in zip(enumerate(rows[:-1]), THIS_YEAR, strict=False):
        review.rate(actor=SYSTEM, reporter=reporter, rater=first, scores=_scores(base, this.items, i))
    return {"rounds": 2, "reporters": len(reporters), "problems": problems}


def build_demo_duty_review(stdout=None) -> int:
    if ReviewRound.objects.filter(is_demo=True).exists():
        return 0
    with transaction.atomic():
        made = build(timezone.localdate())
    if stdout and made:
        stdout.write(
            f"演示述职评议:{made['rounds']} 轮,述职对象 {made['reporters']} 个,问题 {made['problems']} 条。\n"
        )
    return made.get("rounds", 0)
