"""理论学习中心组 (a committee's theory study group): the yearly minimum of collective study and
专题研讨, and the months of the study plan that passed without a session.

A committee is judged once it has a 中心组 (a member recorded, or a study plan): the committees that
have none yet are listed on the study-group index, not here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from party.compliance.registry import Rule, rule, rules
from party.study_group.models import (
    COMMITTEE_KINDS,
    GroupMember,
    PlanTopic,
    SessionKind,
    StudyPlan,
    StudySession,
)

RULES_2017 = "《中国共产党党委(党组)理论学习中心组学习规则》(2017)"


def _groups(ctx) -> dict[int, object]:
    """The committees checked that have a 中心组."""
    committees = {pk: o for pk, o in ctx.orgs.items() if o.kind in COMMITTEE_KINDS}
    if not committees:
        return {}
    have = set(GroupMember.objects.filter(org_id__in=list(committees)).values_list("org_id", flat=True))
    have |= set(StudyPlan.objects.filter(org_id__in=list(committees)).values_list("org_id", flat=True))
    return {pk: committees[pk] for pk in sorted(have)}


def _sessions(ctx, ids: list[int], first: dt.date) -> dict[int, list[tuple[dt.date, str]]]:
    held: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for org_id, day, kind in (
        StudySession.objects.live()
        .filter(org_id__in=ids, held_on__gte=first, held_on__lte=ctx.ref)
        .values_list("org_id", "held_on", "kind")
    ):
        held[org_id].append((day, kind))
    return held


def _month_last(year: int, month: int) -> dt.date:
    return dt.date(year, 12, 31) if month == 12 else dt.date(year, month + 1, 1) - dt.timedelta(days=1)


@rules(
    Rule(
        "study_group.minimum",
        "理论学习中心组集体学习次数不足",
        "medium",
        data=("study_group.min_sessions", "study_group.pace_month"),
        cites="study_group.min_sessions",
        source=RULES_2017,
    ),
    Rule(
        "study_group.seminars",
        "理论学习中心组专题研讨次数不足",
        "low",
        data=("study_group.min_seminars",),
        cites="study_group.min_seminars",
        source=RULES_2017,
    ),
)
def minimum(engine) -> None:
    """A year over (31 December within the window, up to the reference day): fewer sessions than
    the minimum, fewer 专题研讨 than theirs. The current year from ``pace_month``: fewer sessions
    than the minimum pro rata to the months passed (a low-severity pace warning)."""
    ctx = engine.ctx
    groups = _groups(ctx)
    if not groups:
        return
    first = dt.date(ctx.start.year, 1, 1)
    held = _sessions(ctx, list(groups), first)
    for org_id, org in groups.items():
        minimum_ = ctx.param("study_group.min_sessions", org)
        seminars_ = ctx.param("study_group.min_seminars", org)
        for year in range(ctx.start.year, ctx.ref.year + 1):
            rows = [(d, k) for d, k in held.get(org_id, []) if d.year == year]
            end = dt.date(year, 12, 31)
            if ctx.start <= end <= ctx.ref:
                if len(rows) < minimum_:
                    engine.add(
                        "study_group.minimum",
                        org,
                        f"{year}年理论学习中心组集体学习 {len(rows)} 次,少于每年 {minimum_} 次的要求",
                        evidence=[f"学习日期:{'、'.join(f'{d:%m-%d}' for d, _ in sorted(rows)) or '无'}"],
                        action="党委(党组)书记作为第一责任人,制定并落实年度学习计划,按月开展集体学习",
                        period=f"{year}年",
                    )
                seminars = sum(1 for _, k in rows if k == SessionKind.SEMINAR)
                if seminars < seminars_:
                    engine.add(
                        "study_group.seminars",
                        org,
                        f"{year}年中心组专题研讨 {seminars} 次,少于 {seminars_} 次",
                        action="围绕年度学习专题组织专题研讨,安排中心发言和交流研讨",
                        period=f"{year}年",
                    )
            elif year == ctx.ref.year and ctx.ref.month >= ctx.param("study_group.pace_month", org):
                expected = minimum_ * (ctx.ref.month - 1) // 12
                if len(rows) < expected:
                    engine.add(
                        "study_group.minimum",
                        org,
                        f"今年已过 {ctx.ref.month - 1} 个月,中心组集体学习 {len(rows)} 次,"
                        f"按每年 {minimum_} 次应至少 {expected} 次,进度滞后",
                        action="按年度学习计划补上集体学习,避免年底集中突击",
                        severity="low",
                        period=f"{year}年",
                    )


@rule(
    "study_group.month_missed",
    "中心组学习计划月份未开展集体学习",
    severity="low",
    data=("study_group.min_sessions",),
    cites="study_group.min_sessions",
    source=RULES_2017,
)
def month_missed(engine) -> None:
    """A month of the study plan with a planned topic, over before the reference day and within
    the window, in which the 中心组 held no session at all."""
    ctx = engine.ctx
    groups = _groups(ctx)
    if not groups:
        return
    planned: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for org_id, year, month, topic in PlanTopic.objects.filter(
        org_id__in=list(groups),
        dropped_at__isnull=True,
        plan__year__gte=ctx.start.year,
        plan__year__lte=ctx.ref.year,
    ).values_list("org_id", "plan__year", "month", "topic"):
        last = _month_last(year, month)
        if ctx.start <= last < ctx.ref:
            planned[(org_id, year, month)].append(topic)
    if not planned:
        return
    held = {
        (o, d.year, d.month)
        for o, rows in _sessions(ctx, list(groups), ctx.start.replace(day=1)).items()
        for d, _ in rows
    }
    for (org_id, year, month), topics in sorted(planned.items()):
        if (org_id, year, month) in held:
            continue
        engine.add(
            "study_group.month_missed",
            groups[org_id],
            f"{year}年{month}月学习计划安排了专题,当月中心组未开展集体学习",
            evidence=[f"计划专题:{'、'.join(topics)}"],
            action="按计划补开集体学习,或调整学习计划并说明原因",
            period=f"{year}年{month}月",
        )
