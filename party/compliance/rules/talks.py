"""谈心谈话 rules (the talk log, rules.md 1.17): ``talk.coverage_gap`` per branch and judged year,
``talk.before_life_meeting`` per 组织生活会 in the window with no talk logged in the days before it.

A district has hundreds of thousands of talks and most branches cover everyone, so the database
first names the branches that may have a gap (``_candidates``) and only those branches' rows are
loaded, in one query for all the years judged, and judged by ``party.talks.services.compute`` — the same
arithmetic as the coverage page. A small subtree (up to ``SMALL`` branches) skips the candidates:
all its talks are fewer rows than the queries cost. The 组织生活会 rule asks the database for the
last talk before each meeting."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Subquery

from orgs.models import Org
from party.compliance.registry import rule
from party.life.models import MeetingKind
from party.membership.models import Member, MemberStatus
from party.talks.models import Talk
from party.talks.services import POST_FIELDS, TALK_FIELDS, Coverage, compute, judged_day, posts_on

SMALL = 50
CHUNK = 2000


def _years_judged(ctx) -> list[tuple[int, dt.date, bool]]:
    """(year, judged day, year over) for the calendar years overlapping the window that are judged:
    finished years, and the running one from the first day of ``talk.pace_month``."""
    pace = min(ctx.param("talk.pace_month", o) for o in [ctx.root, *ctx.branches])
    judged = []
    for year in range(ctx.start.year, ctx.end.year + 1):
        day = judged_day(year, ctx.ref)
        if day >= dt.date(year, 12, 31):
            judged.append((year, day, True))
        elif day >= dt.date(year, max(1, min(12, pace)), 1):
            judged.append((year, day, False))
    return judged


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _judged(ctx) -> list[tuple]:
    """(year, day, over, posts on the day, candidate branch ids) for each year judged."""
    judged = []
    for year, day, over in _years_judged(ctx):
        posts = ctx.posts if day == ctx.ref else None  # the posts in force on the reference day
        if posts is None:
            posts = defaultdict(list)
            for p in posts_on(ctx.scope_q(), day).values(*POST_FIELDS):
                posts[p["org_id"]].append(p)
        if len(ctx.branches) <= SMALL:
            maybe = {b.pk for b in ctx.branches if posts.get(b.pk)}
        else:
            maybe = _candidates(ctx, year, day, posts)
        judged.append((year, day, over, posts, maybe))
    return judged


def _talks_of(judged: list[tuple]) -> dict[tuple[int, int], list[tuple]]:
    """The candidate branches' talks by (branch, year), in one query per chunk of branches."""
    wanted = sorted(set().union(*(maybe for *_, maybe in judged)))
    talks_of: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    if wanted:
        first = dt.date(judged[0][0], 1, 1)
        last = max(day for _, day, *_ in judged)
        for chunk in _chunks(wanted):
            for org_id, *row in (
                Talk.objects.live()
                .filter(org_id__in=chunk, held_on__gte=first, held_on__lte=last)
                .values_list("org_id", *TALK_FIELDS)
            ):
                talks_of[(org_id, row[2].year)].append(row)
    return talks_of


@rule(
    "talk.coverage_gap",
    "谈心谈话未全覆盖",
    severity="medium",
    data=("talk.committee_pairwise", "talk.new_member_days", "talk.pace_month"),
    cites="talk.committee_pairwise",
    source="《中国共产党支部工作条例(试行)》(2018) 第十三条",
)
def coverage_gaps(engine) -> None:
    """``talk.coverage_gap`` per branch and judged year."""
    ctx = engine.ctx
    if not ctx.branches:
        return
    judged = _judged(ctx)
    talks_of = _talks_of(judged)
    for year, day, over, posts, maybe in judged:
        for branch in ctx.branches:
            if branch.pk not in maybe:
                continue
            result = compute(
                year=year,
                day=day,
                members=ctx.members_of.get(branch.pk, []),
                posts=posts.get(branch.pk, []),
                talks=talks_of.get((branch.pk, year), []),
                pairwise=bool(ctx.param("talk.committee_pairwise", branch)),
                new_member_days=ctx.param("talk.new_member_days", branch),
                rows=False,
            )
            if result.has_committee and not result.full:
                _gap(engine, branch, result, over)


def _committees(ctx, posts: dict[int, list[dict]], day: dt.date) -> dict[int, set[int]]:
    """The member ids of each branch's committee on ``day``."""
    member_of = ctx.member_by_person
    branches = {b.pk for b in ctx.branches}
    committee: dict[int, set[int]] = defaultdict(set)
    for org_id, held in posts.items():
        if org_id not in branches:
            continue
        for p in held:
            m = member_of.get((org_id, p["person_id"]))
            if m is not None and m["joined_on"] <= day:
                committee[org_id].add(m["pk"])
    return committee


def _missing_pairs(ctx, live, committee: dict[int, set[int]]) -> set[int]:
    """The branches whose committee has a pair with no talk between them (as committee members)."""
    talked: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for org_id, a, b in (
        live.filter(ctx.scope_q("org__path"))  # through the organizations: the talks' index suffices
        .exclude(initiator_post="")
        .exclude(other_post="")
        .order_by()
        .values_list("org_id", "initiator_id", "other_id")
        .distinct()
    ):
        talked[org_id].add((min(a, b), max(a, b)))
    result = set()
    for org_id, ids in committee.items():
        done = talked.get(org_id, ())
        ordered = sorted(ids)
        if any((a, b) not in done for i, a in enumerate(ordered) for b in ordered[i + 1 :]):
            result.add(org_id)
    return result


def _candidates(ctx, year: int, day: dt.date, posts: dict[int, list[dict]]) -> set[int]:
    """The branches with a committee whose coverage for ``year`` as of ``day`` may have a gap — a
    superset of those ``compute`` finds incomplete (it never leaves one out; it may name a branch
    that turns out complete, e.g. one whose committee members talked before taking office). Two
    queries:

    * the talks between two members who both held a committee post that day: a branch whose
      committee on ``day`` (``posts``) has a pair not among them may have a missing pair;
    * the members with no talk this year whose other side held a committee post of the branch that
      day, less the committee members (judged by their pairs) and the members who joined too
      recently to be counted."""
    committee = _committees(ctx, posts, day)
    if not committee:
        return set()
    live = Talk.objects.live().filter(held_on__gte=dt.date(year, 1, 1), held_on__lte=day)
    result = _missing_pairs(ctx, live, committee)
    mine = live.filter(org_id=OuterRef("org_id"))  # a talk in the member's branch
    uncovered = (
        Member.objects.filter(ctx.scope_q(), status=MemberStatus.NORMAL, joined_on__lte=day)
        .filter(
            ~Exists(mine.filter(initiator_id=OuterRef("pk")).exclude(other_post="")),
            ~Exists(mine.filter(other_id=OuterRef("pk")).exclude(initiator_post="")),
        )
        .order_by()
        .values_list("org_id", "pk")
    )
    for org_id, pk in uncovered:
        if org_id in result or org_id not in committee:
            continue
        branch = ctx.orgs[org_id]
        if pk in committee[org_id] and ctx.param("talk.committee_pairwise", branch):
            continue  # judged by the pairs above
        member = ctx.members.get(pk)
        if (
            member is None
            or member["joined_on"] + dt.timedelta(days=ctx.param("talk.new_member_days", branch)) > day
        ):
            continue  # joined too recently to be counted
        result.add(org_id)
    return result


@rule(
    "talk.before_life_meeting",
    "组织生活会前未开展谈心谈话",
    severity="medium",
    data=("talk.before_life_days",),
    cites="talk.before_life_days",
    source="《中国共产党支部工作条例(试行)》(2018) 第十三条",
)
def before_life_meetings(engine) -> None:
    """``talk.before_life_meeting``: a 组织生活会 with no talk of its branch logged in the
    ``talk.before_life_days`` days before it (the meeting's day included)."""
    ctx = engine.ctx
    if not ctx.branches:
        return
    last_talk = (
        Talk.objects.live()
        .filter(org_id=OuterRef("org_id"), held_on__lte=OuterRef("held_on"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    for m in (
        ctx.window_meetings()
        .filter(kind=MeetingKind.LIFE_MEETING)
        .annotate(last_talk=Subquery(last_talk))
        .values("pk", "org_id", "held_on", "last_talk")
    ):
        branch = ctx.branch_of(m["org_id"])
        if branch is None:
            continue
        last = m["last_talk"]
        if branch.pk != m["org_id"]:  # a party group's meeting: its branch's talks
            last = (
                Talk.objects.live()
                .filter(org_id=branch.pk, held_on__lte=m["held_on"])
                .order_by("-held_on")
                .values_list("held_on", flat=True)
                .first()
            )
        days = ctx.param("talk.before_life_days", branch)
        since = m["held_on"] - dt.timedelta(days=days)
        if last is not None and last >= since:
            continue  # a talk in the days before
        engine.add(
            "talk.before_life_meeting",
            branch,
            f"{m['held_on']:%Y-%m-%d} 召开组织生活会,会前 {days} 天内没有登记谈心谈话",
            evidence=[f"{since:%Y-%m-%d} 至 {m['held_on']:%Y-%m-%d} 谈心谈话记录 0 条"],
            action="组织生活会前,支委之间、支委和党员之间应开展谈心谈话,交流思想、听取意见;已谈的请补录谈话记录",
            source=f"{ctx.source('talk.before_life_days', branch)}",
            meetings=[m["pk"]],
        )


def run(engine) -> None:
    """Both talk rules (what the engine runs for them; tests call it alone)."""
    coverage_gaps(engine)
    before_life_meetings(engine)


def _gap(engine, branch: Org, result: Coverage, over: bool) -> None:
    ctx = engine.ctx
    parts = []
    if result.missing_pairs:
        parts.append(f"支委之间尚有 {len(result.missing_pairs)} 对未谈")
    if result.members_missing:
        parts.append(f"{len(result.members_missing)} 名党员未与任何支委谈话")
    detail = "、".join(parts)
    if over:
        reason = f"{result.year}年谈心谈话未全覆盖:{detail}(覆盖率 {result.percent}%)"
    else:
        reason = (
            f"{result.year}年截至 {result.day:%m-%d} 谈心谈话覆盖率 {result.percent}%:{detail},应在年底前谈到"
        )
    evidence = [f"支委之间未谈:{a}—{b}" for a, b in result.missing_pairs]
    names = [m["name"] for m in result.members_missing]
    for i in range(0, len(names), 10):
        evidence.append("未与支委谈话:" + "、".join(names[i : i + 10]))
    engine.add(
        "talk.coverage_gap",
        branch,
        reason,
        evidence=evidence,
        action="书记、支委按“支委之间两两谈、支委与每名党员至少谈1次”安排谈心谈话,谈后在“谈心谈话”中登记",
        severity="medium" if over else "low",
        source=f"{ctx.source('talk.committee_pairwise', branch)}",
        period=f"{result.year}年度",
    )
