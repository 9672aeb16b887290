"""述职评议考核 rules: a secretary appraised 一般 or 差 in the latest published round of the last two
years (``duty_review.average``, ``duty_review.poor``).

This is how the appraisal feeds the scores (考评得分, ``party.compliance.scoring``): the finding takes
the severity's weight off the organization's score like any other finding (一般 → a medium finding,
差 → a high one), shows on the dashboard with its reason and stays until a later round's result
replaces it (the finding of a year's round applies in that year and the next). 好 and 较好 add
nothing; the score is never raised by a round.
"""

from __future__ import annotations

from party.compliance.registry import Rule, rules
from party.duty_review.models import Level, ReviewReporter, RoundStatus

SOURCE = (
    "中组部《关于开展市县乡党委书记抓基层党建工作述职评议考核的意见》(2014);"
    "《中国共产党党组织工作条例》第三十七条"
)


@rules(
    Rule(
        "duty_review.average",
        "书记抓基层党建述职评议等次为“一般”",
        "medium",
        data=("duty_review.level.fair", "duty_review.level.average"),
        cites="duty_review.level.fair",
        source=SOURCE,
    ),
    Rule(
        "duty_review.poor",
        "书记抓基层党建述职评议等次为“差”",
        "high",
        data=("duty_review.level.average",),
        cites="duty_review.level.average",
        source=SOURCE,
    ),
)
def levels(engine) -> None:
    ctx = engine.ctx
    latest: dict[int, ReviewReporter] = {}
    reporters = (
        ReviewReporter.objects.filter(
            ctx.scope_q(),
            withdrawn_at__isnull=True,
            round__status=RoundStatus.PUBLISHED,
            round__published_at__date__lte=ctx.ref,
            round__year__gte=ctx.ref.year - 1,
        )
        .select_related("round")
        .order_by("round__year", "round__published_at")
    )
    for reporter in reporters:
        latest[reporter.org_id] = reporter  # the latest round wins
    for org_id, reporter in sorted(latest.items()):
        org = ctx.orgs.get(org_id)
        if org is None or reporter.level not in (Level.AVERAGE, Level.POOR):
            continue
        code = "duty_review.average" if reporter.level == Level.AVERAGE else "duty_review.poor"
        engine.add(
            code,
            org,
            f"{reporter.round.year}年度书记抓基层党建工作述职评议,{reporter.secretary_name}"
            f"综合得分 {reporter.score} 分,等次为“{reporter.get_level_display()}”",
            evidence=[reporter.round.title],
            action="对照述职评议问题清单逐项整改,整改情况向上级党委报告",
            period=str(reporter.round.year),
        )
