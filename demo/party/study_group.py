"""Demo 理论学习中心组 and 两新 coverage (演示中心组学习、两新组织覆盖).

中心组 (members imported from each committee's leading team, a plan and sessions for last year and
this year, through ``party.study_group.services``):

* the district committee (区委): every month of both years, four 专题研讨 a year — compliant;
* 望月湖街道党工委 (``dangwei``'s): every month of last year; this year every month but the one
  before the current month, which the plan had a topic for (``study_group.month_missed``; the
  pace warning may follow), so recording a session is visibly missing;
* another street's committee: every other month, one 专题研讨 last year and none this year
  (``study_group.minimum`` and ``study_group.seminars`` for the year over; a pace warning this
  year from July).

Dates are relative to the build day, so every state shows on any build day. Coverage: a
党建指导员 (``party_instructor`` post) at some 两新 units that have no party organization, so every
coverage figure is non-zero and some gaps remain. Skips when already built."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs import services as org_services
from orgs.models import PARTY_KINDS, Org, Position
from party.study_group import services
from party.study_group.models import GroupMember, SessionKind, StudyPlan, StudySession

SEED = 20261207
TOPICS = [
    "深入学习贯彻党的二十届四中全会精神",
    "学习《习近平谈治国理政》有关篇目",
    "学习贯彻中央八项规定精神",
    "以党建引领基层治理专题研讨",
    "学习《中国共产党纪律处分条例》",
    "优化营商环境、为民办实事",
    "意识形态工作责任制专题学习",
    "党建引领网格化治理专题研讨",
    "学习省委全会精神",
    "安全生产和防灾减灾专题学习",
    "学习《中国共产党支部工作条例(试行)》",
    "年度民主生活会前专题学习研讨",
]
SEMINAR_MONTHS = (3, 6, 9, 12)
SPEECHES = [
    "结合分管工作谈学习体会,提出下一步改进措施",
    "联系街道实际,谈如何把学习成果转化为工作实效",
    "围绕专题作中心发言,剖析工作中的短板",
    "领学文件原文,解读重点内容",
]


def _months(year: int, today: dt.date) -> list[int]:
    """The months of ``year`` that have started by ``today``."""
    if year < today.year:
        return list(range(1, 13))
    return list(range(1, today.month + 1))


def _day_in(year: int, month: int, today: dt.date, rng: random.Random) -> dt.date | None:
    day = dt.date(year, month, rng.randint(5, 25))
    if day > today:
        day = today if (today.year, today.month) == (year, month) and today.day >= 2 else None
    return day


def _group(org: Org, today: dt.date) -> None:
    """The committee's current leading team (and its 组织员, as 学习秘书), members since 1 January
    of last year (the demo's posts may have started later: the demo backdates the group)."""
    start = dt.date(today.year - 1, 1, 1)
    roles = {
        "secretary": "leader",
        "deputy_secretary": "deputy",
        "committee_member": "member",
        "organizer": "secretary",
    }
    seen: set[int] = set()
    posts = Position.objects.current(today).filter(org=org, kind__in=list(roles)).select_related("person")
    for post in sorted(posts, key=lambda p: (list(roles).index(p.kind), p.pk)):
        if post.person_id in seen:
            continue
        seen.add(post.person_id)
        services.add_member(
            actor=SYSTEM,
            org=org,
            person=post.person,
            role=roles[post.kind],
            title=post.title or post.get_kind_display(),
            start_on=start,
        )


def _sessions(
    org: Org, today: dt.date, rng: random.Random, plan: dict[int, list[int]], seminars: dict[int, set]
):
    made = 0
    for year, months in plan.items():
        for month in months:
            day = _day_in(year, month, today, rng)
            if day is None:
                continue
            members = services.members_on(org, day)
            if not members:
                continue
            excused = members[-1] if len(members) > 3 and rng.random() < 0.4 else None
            attendance = [
                services.Attendee(
                    m.person, "excused" if m is excused else "present", "参加上级会议" if m is excused else ""
                )
                for m in members
            ]
            present = [m for m in members if m is not excused]
            speakers = [services.Speech(present[0].person, "lead", rng.choice(SPEECHES))]
            for m in present[1:3]:
                speakers.append(services.Speech(m.person, "central", rng.choice(SPEECHES)))
            services.record_session(
                actor=SYSTEM,
                org=org,
                held_on=day,
                topic=TOPICS[month - 1],
                kind=SessionKind.SEMINAR if month in seminars.get(year, set()) else SessionKind.COLLECTIVE,
                host=present[0].person,
                minutes=rng.choice((150, 180, 180, 210)),
                place="党工委会议室" if org.kind == "working_committee" else "常委会议室",
                materials=f"{TOPICS[month - 1]}相关文件和讲话原文",
                summary="中心组成员集体学习原文,结合本地工作实际交流研讨,明确了贯彻落实的具体措施。",
                attendance=attendance,
                speeches=speakers,
            )
            made += 1
    return made


def _plans(org: Org, today: dt.date) -> None:
    for year in (today.year - 1, today.year):
        services.save_plan(
            actor=SYSTEM,
            org=org,
            year=year,
            note="以学习贯彻党的创新理论为主线,每月集中学习一次,每季度开展一次专题研讨。",
            topics=[
                (m, TOPICS[m - 1], SessionKind.SEMINAR if m in SEMINAR_MONTHS else SessionKind.COLLECTIVE)
                for m in range(1, 13)
            ],
        )


def _instructors(today: dt.date) -> int:
    """A 党建指导员 at some 两新 units without a party organization of their own."""
    hosted = set(
        Org.objects.filter(kind__in=PARTY_KINDS, host__isnull=False).values_list("host_id", flat=True)
    )
    units = [
        u
        for u in Org.objects.filter(
            is_demo=True, kind__in=("enterprise", "social_org"), archived_at__isnull=True
        )
        .select_related()
        .order_by("path")
        if u.pk not in hosted
    ]
    made = 0
    for unit in units[::2][:4]:
        street = Org.objects.get_parent(unit)
        while street is not None and street.kind not in ("street", "town"):
            street = Org.objects.get_parent(street)
        person = org_services.create_person(
            actor=SYSTEM,
            org=street or unit,
            name=["周建华", "易红梅", "彭志强", "谭丽娟"][made],
            gender="M" if made % 2 == 0 else "F",
            reason="演示数据:党建指导员",
        )
        org_services.appoint(
            person,
            unit,
            actor=SYSTEM,
            kind="party_instructor",
            title="党建指导员",
            start_on=today - dt.timedelta(days=150 + 30 * made),
            reason="街道党工委选派党建指导员",
        )
        made += 1
    return made


def _alliances(today: dt.date) -> int:
    """党建联盟进物业、进网格: an enterprise of the district joins 湖东社区's alliance as its
    property-service partner, and two more communities of 望月湖街道 link their grids (the other
    communities show as gaps)."""
    from party.structure import services as structure

    shuji = (
        Org.objects.filter(is_demo=True, kind="branch", short_name="湖东社区党支部")
        .select_related("host")
        .first()
    )
    if shuji is None or shuji.host is None:
        return 0
    street = Org.objects.get_parent(shuji.host)
    company = (
        Org.objects.filter(is_demo=True, kind="enterprise", archived_at__isnull=True)
        .order_by("-depth", "path")
        .first()
    )
    if company is None:
        return 0
    made = 1
    structure.link_alliance(
        actor=SYSTEM,
        org=shuji,
        partner=company,
        partner_kind="property",
        alliance=f"{shuji.host.name}党建联盟",
        joined_on=today - dt.timedelta(days=180),
        note="红色物业:党员楼栋长与物业管家联合服务",
    )
    others = (
        Org.objects.filter(
            is_demo=True, kind="branch", host__kind="community", host__path__startswith=street.path
        )
        .exclude(pk=shuji.pk)
        .select_related("host")
        .order_by("path")[:2]
    )
    for branch in others:
        for grid in Org.objects.get_children(branch.host).filter(kind="grid").order_by("path")[:2]:
            structure.link_alliance(
                actor=SYSTEM,
                org=branch,
                partner=grid,
                partner_kind="grid",
                alliance=f"{branch.host.name}党建联盟",
                joined_on=today - dt.timedelta(days=90),
                note="网格党小组与驻区单位联合开展走访",
            )
            made += 1
    return made


def _joint_cover(today: dt.date) -> int:
    """A 两新 unit with 1–2 members and no organization joins an enterprise's branch as a
    联合党支部 member unit (so 联合建立 is never zero, whatever the members' categories that day)."""
    from core.errors import ServiceError
    from party.structure import coverage
    from party.structure import services as structure

    root = Org.objects.filter(is_demo=True, kind="party_committee", depth=1).select_related("host").first()
    if root is None:
        return 0
    report = coverage.compute(root, today)
    if report.figures()["joint_covered"]:
        return 0
    holder = (
        Org.objects.filter(is_demo=True, kind="branch", host__kind="enterprise", archived_at__isnull=True)
        .order_by("path")
        .first()
    )
    for row in report.units:
        if holder is None or row.size != "joint" or row.covered:
            continue
        try:
            structure.add_joint_unit(
                actor=SYSTEM,
                branch=holder,
                unit=row.unit,
                joined_on=today - dt.timedelta(days=60),
                note="党员不足3人,纳入联合党支部",
            )
        except ServiceError:
            continue
        return 1
    return 0


def build_demo_study_group(stdout=None) -> dict[str, int]:
    if StudyPlan.objects.filter(is_demo=True).exists():
        return {}
    today = timezone.localdate()
    committees = list(
        Org.objects.filter(
            is_demo=True, kind__in=("party_committee", "working_committee"), archived_at__isnull=True
        )
        .select_related("host")
        .order_by("path")
    )
    root = next((c for c in committees if c.depth == 1), None)
    streets = [c for c in committees if c.host is not None and c.host.kind in ("street", "town")]
    dangwei = next((c for c in streets if c.host.name == "望月湖街道"), None)
    weak = next((c for c in streets if c is not dangwei), None)
    if root is None or dangwei is None or weak is None:
        return {}
    rng = random.Random(SEED)
    last, this = today.year - 1, today.year
    counts = {"sessions": 0}
    with transaction.atomic():
        for org in (root, dangwei, weak):
            _group(org, today)
            _plans(org, today)
        seminars = {last: set(SEMINAR_MONTHS), this: set(SEMINAR_MONTHS)}
        counts["sessions"] += _sessions(
            org=root,
            today=today,
            rng=rng,
            plan={last: _months(last, today), this: _months(this, today)},
            seminars=seminars,
        )
        previous = today.replace(day=1) - dt.timedelta(days=1)
        plan = {last: _months(last, today), this: _months(this, today)}
        plan[previous.year] = [m for m in plan[previous.year] if m != previous.month]
        counts["sessions"] += _sessions(org=dangwei, today=today, rng=rng, plan=plan, seminars=seminars)
        sparse = {last: list(range(1, 13, 2)), this: [m for m in _months(this, today) if m % 2 == 1]}
        counts["sessions"] += _sessions(
            org=weak, today=today, rng=rng, plan=sparse, seminars={last: {3}, this: set()}
        )
        counts["alliances"] = _alliances(today)
        counts["instructors"] = _instructors(today)
        counts["joint_units"] = _joint_cover(today)
        from party.structure.models import AllianceLink, JointBranchUnit

        for model in (StudyPlan, StudySession, GroupMember, AllianceLink, JointBranchUnit):
            model.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    if stdout:
        stdout.write(
            f"演示中心组学习:{counts['sessions']} 次集体学习;党建指导员 {counts['instructors']} 名。\n"
        )
    return counts
