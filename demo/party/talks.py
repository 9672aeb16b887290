"""Demo talk log (演示谈心谈话): last year and this year's talks of every demo branch with a committee
— committee members pairwise, every other member with a committee member — most branches complete,
some with gaps (pairs or members left out), a few with none at all (so ``talk.coverage_gap`` and
``talk.before_life_meeting`` show). shuji's branch: last year complete; this year one committee pair
and two members still to talk with, so recording a talk visibly moves its coverage.

Rows are ``bulk_create``d with exactly what ``party.talks.services.record_talk`` checks: both people members
in good standing of the branch on the day, the committee member in office on the day, no future
dates, a summary above the minimum length. Seeded: two builds on the same day give the same talks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.utils import timezone

from orgs.models import Org, Position
from party.models import Member, MemberStatus
from party.talks.models import Talk, TalkKind
from party.talks.services import restamp

SEED = 20261129 + 19
TOPICS = [
    "社区网格党建和为民办实事",
    "本人思想和工作情况",
    "支部班子团结和分工",
    "发挥党员先锋模范作用",
    "参加组织生活和学习情况",
    "家庭和生活困难",
    "群众反映的突出问题",
    "年度组织生活会查摆问题",
]
SAYS = [
    "谈了近期思想状况和工作中的困惑",
    "对支部工作提出了意见建议",
    "介绍了本人联系楼栋群众的情况",
    "反映了家庭生活上的实际困难",
    "谈了学习党的创新理论的体会",
    "就自身存在的不足作了剖析",
]
ANSWERS = [
    "双方交换了意见,明确了改进方向",
    "约定下一步共同推进相关工作",
    "支部将协调解决反映的困难",
    "相互提出了批评意见,表示虚心接受",
    "鼓励其在网格服务中亮身份、作表率",
]


def _summary(rng: random.Random) -> str:
    return f"围绕{rng.choice(TOPICS)}谈心谈话。对方{rng.choice(SAYS)},{rng.choice(ANSWERS)}。"


def build(branches: list[Org], shuji_branch: Org | None, today: dt.date) -> dict[str, int]:
    rng = random.Random(SEED)
    ids = [b.pk for b in branches]
    members_of: dict[int, list[Member]] = defaultdict(list)
    for m in Member.objects.filter(org_id__in=ids, status=MemberStatus.NORMAL).order_by("pk"):
        members_of[m.org_id].append(m)
    spans: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for org_id, person_id, start, end in (
        Position.objects.filter(
            org_id__in=ids, kind__in=("secretary", "deputy_secretary", "committee_member")
        )
        .order_by("pk")
        .values_list("org_id", "person_id", "start_on", "end_on")
    ):
        spans[org_id][person_id].append((start, end))
    rows: list[Talk] = []
    for branch in branches:
        pool = members_of.get(branch.pk, [])
        by_person = {m.person_id: m for m in pool}
        for year in (today.year - 1, today.year):
            last = min(today, dt.date(year, 12, 31))
            # The committee at the year's end (the coverage grid's rows), with the post held then.
            committee = []
            for person_id, held in sorted(spans[branch.pk].items()):
                now = [(a, b) for a, b in held if a <= last and (b is None or b > last)]
                if person_id in by_person and now:
                    committee.append((by_person[person_id], now[0]))
            if not committee:
                continue
            roll = rng.random()
            profile = "complete" if roll < 0.8 else "partial" if roll < 0.96 else "none"
            if branch == shuji_branch:
                profile = "complete" if year < today.year else "shuji"
            if profile == "none":
                continue
            drop = 0.25 if profile == "partial" else 0.0
            pairs = [
                (a, b) for i, a in enumerate(committee) for b in committee[i + 1 :] if rng.random() >= drop
            ]
            if profile == "shuji" and len(pairs) > 1:
                pairs = pairs[:-1]  # one committee pair still to talk
            chosen = {m.pk for m, _ in committee}
            others = [m for m in pool if m.pk not in chosen and rng.random() >= drop]
            if profile == "shuji":
                others = others[:-2]  # two members still to talk with
            for (a, _), (b, _) in pairs:
                _add(rows, rng, branch, a, b, None, year, last)
            for m in others:
                talker, post = rng.choice(committee)
                _add(rows, rng, branch, talker, m, post, year, last)
    Talk.objects.bulk_create(rows, batch_size=5000)
    restamp(Talk.objects.filter(is_demo=True))  # the posts each side held that day
    return {"talks": len(rows)}


def _add(rows, rng, branch, a: Member, b: Member, post, year: int, last: dt.date):
    """One talk on a day when both were members and, for a member's talk with a committee member
    (``post`` = that member's (start, end) in office), the committee member was in office."""
    pairwise = post is None
    # From the 10th of January, or from the build day itself when the demo is built in the first
    # days of a year (so this year's coverage shows whatever the day).
    opening = min(dt.date(year, 1, 10), last)
    first = max(opening, a.joined_on, b.joined_on, post[0] if post else dt.date(year, 1, 1))
    stop = last
    if post and post[1] is not None:
        stop = min(stop, post[1] - dt.timedelta(days=1))
    if first > stop:
        return
    # Most talks in the run-up to the year's 组织生活会 (Q4), the rest through the year.
    autumn = max(first, dt.date(year, 10, 1))
    if autumn <= stop and rng.random() < 0.6:
        first = autumn
    day = first + dt.timedelta(days=rng.randint(0, (stop - first).days))
    kind = TalkKind.LIFE_MEETING if day.month >= 10 else TalkKind.DAILY
    if not pairwise and rng.random() < 0.04:
        kind = TalkKind.REMINDER
    created = min(
        timezone.make_aware(
            dt.datetime.combine(min(day + dt.timedelta(days=rng.randint(0, 3)), last), dt.time(20))
        ),
        timezone.now(),  # entered that evening, or by the moment of the build
    )
    initiator, other = (a, b) if pairwise or rng.random() < 0.85 else (b, a)
    rows.append(
        Talk(
            org=branch,
            org_path=branch.path,
            held_on=day,
            place=f"{(branch.host or branch).name}党员活动室" if rng.random() < 0.7 else "党员家中",
            initiator=initiator,
            other=other,
            kind=kind,
            summary=_summary(rng),
            created_at=created,
            is_demo=True,
        )
    )
