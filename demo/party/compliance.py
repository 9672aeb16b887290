"""Demo data that makes every compliance rule show at least once (演示:每条合规规则至少出现一次),
run by ``luoshi build_demo_party`` after the year of organization life, the elections, member
development and the talk log. Each function places one story relative to the build day:

* 应建未建 (``org.should_establish``): members working in a 两新 enterprise that has no party
  organization (their 组织关系 stays in their residential community's branch), and a 居家养老服务中心
  (a social organization in a community) with three formal members and no party organization;
* 党支部党员超过50人 (``org.too_large``): a community party committee's first branch that took in
  members of its sister branches and was not split;
* 书记不是正式党员 (``org.secretary_not_formal``): a branch whose new secretary is still probationary;
* 换届选举结果未批复 (``term.unapproved``): an election reported 40 days ago;
* 领导干部未参加所在支部组织生活 (``cadre.dual_life``): a leading cadre of the street's working
  committee who missed his branch's organization life last quarter;
* 发展党员结构未达计划 (``dev.structure``): last year's plan of a street with its structure targets;
* 正当理由 (``party.membership.status``): the oldest member of shuji's branch, housebound since
  early this year — a 行动不便 period decided by the branch, with care visits — absent from every
  meeting since, and neither a 6-month finding nor a low attendance.

Everything goes through the services (audited) except re-homing people (``Person.org``), which
the demo's bulk loader also writes directly. Reused when the demo status period exists.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from core.actors import SYSTEM
from orgs import services as org_services
from orgs.models import Org, Person, Position
from party.development import services as development
from party.life import services as life
from party.life.models import Attendance, AttendanceStatus, Meeting, MemberYear
from party.membership import services as membership
from party.membership import status
from party.membership.models import CareVisit, Member, MemberCategory, MemberStatus, MemberStatusPeriod
from party.structure.models import JointBranchUnit
from party.terms import cadres as cadre_services
from party.terms import services as terms
from party.terms.cadre_models import LeadingCadre
from party.terms.models import Appointment, ApprovalState, Term

SHUJI_BRANCH = "湖东社区党支部"
DEMO_STREET_CODE = "430104001"
POSTS = ("secretary", "deputy_secretary", "committee_member", "group_leader")


def build_demo_rules(stdout=None) -> dict[str, int]:
    """Place the compliance showcase (see the module docstring), or reuse it."""
    if MemberStatusPeriod.objects.filter(is_demo=True).exists():
        return {}
    branches = list(
        Org.objects.filter(is_demo=True, kind="branch", archived_at__isnull=True)
        .select_related("host")
        .order_by("path")
    )
    if not branches:
        return {}
    today = timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for step in (
            _housebound,
            _unhosted_enterprise,
            _care_centre,
            _oversized_branch,
            _probationary_secretary,
            _unapproved_election,
            _absent_cadre,
            _last_year_plan,
        ):
            counts[step.__name__.lstrip("_")] = step(branches, today)
        for model in (MemberStatusPeriod, Term, LeadingCadre, CareVisit):
            model.objects.filter(is_demo=False, created_at__date__gte=today - dt.timedelta(days=60)).filter(
                org__is_demo=True
            ).update(is_demo=True)
    if stdout:
        stdout.write(
            "演示合规规则:应建未建 {} 个单位、超过50人支部 {} 个、党员状态(正当理由){} 条。\n".format(
                counts.get("unhosted_enterprise", 0) + counts.get("care_centre", 0),
                counts.get("oversized_branch", 0),
                counts.get("housebound", 0),
            )
        )
    return counts


# -- helpers ---------------------------------------------------------------------------------------


def _street_of(org: Org) -> str:
    return org.path[: 2 * Org.steplen]


def _busy_people() -> set[int]:
    """People holding a committee post, a leading-cadre seat or a pending transfer: left in place."""
    busy = set(
        Position.objects.current(timezone.localdate())
        .filter(kind__in=POSTS)
        .values_list("person_id", flat=True)
    )
    busy |= set(LeadingCadre.objects.values_list("member__person_id", flat=True))
    busy |= set(Member.objects.filter(transfers__isnull=False).values_list("person_id", flat=True))
    busy |= set(Member.objects.filter(floating__isnull=False).values_list("person_id", flat=True))
    return busy


def _plain_formal(branch: Org, busy: set[int], n: int) -> list[Member]:
    """``n`` formal members in good standing of ``branch`` holding no post (latest joiners first)."""
    found = [
        m
        for m in Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
        .select_related("person")
        .order_by("-joined_on", "pk")
        if m.person_id not in busy
    ]
    return found[:n]


def _home(branches: list[Org]) -> str:
    """The path of shuji's street (its data belongs to other showcases: left alone)."""
    branch = next((b for b in branches if b.short_name == SHUJI_BRANCH), None)
    return _street_of(branch.host) if branch is not None and branch.host is not None else "-"


def _at_home(branch: Org, branches: list[Org]) -> bool:
    """Whether ``branch`` is built in shuji's street."""
    return branch.host is not None and branch.host.path.startswith(_home(branches))


def _rehome(members: list[Member], unit: Org) -> None:
    Person.objects.filter(pk__in=[m.person_id for m in members]).update(org=unit, org_path=unit.path)


def _community_branches(branches: list[Org], street: str) -> list[Org]:
    return [
        b
        for b in branches
        if b.host is not None
        and b.host.path.startswith(street)
        and b.host is not None
        and b.host.kind == "community"
        and b.short_name != SHUJI_BRANCH
    ]


# -- 应建未建 ---------------------------------------------------------------------------------------


def _unhosted_enterprise(branches: list[Org], today: dt.date) -> int:
    """A 两新 enterprise with no party organization (nor a joint branch) where four formal members
    work; their 组织关系 stays in their community's branch."""
    joint = set(JointBranchUnit.objects.values_list("unit_id", flat=True))
    busy = _busy_people()
    firms = Org.objects.filter(
        is_demo=True, kind="enterprise", archived_at__isnull=True, party_orgs__isnull=True
    ).order_by("path")
    for firm in firms:
        if firm.pk in joint or _street_of(firm) == _home(branches):
            continue
        for branch in _community_branches(branches, _street_of(firm)):
            members = _plain_formal(branch, busy, 4)
            if len(members) == 4:
                _rehome(members, firm)
                return 1
    return 0


def _care_centre(branches: list[Org], today: dt.date) -> int:
    """A 居家养老服务中心 (民办非企业单位) in a community, where three formal members of the
    community's branch now work: no party organization yet."""
    busy = _busy_people()
    for branch in branches:
        host = branch.host
        if host is None or host.kind != "community" or branch.short_name == SHUJI_BRANCH:
            continue
        if _at_home(branch, branches):
            continue
        members = _plain_formal(branch, busy, 3)
        if len(members) < 3:
            continue
        centre = org_services.create_org(
            actor=SYSTEM,
            parent=host,
            kind="social_org",
            reason="演示数据",
            name=f"长沙市岳麓区{host.name}居家养老服务中心",
            short_name=f"{host.name}养老服务中心",
        )
        Org.objects.filter(pk=centre.pk).update(is_demo=True)
        _rehome(members, centre)
        return 1
    return 0


# -- 超过50人 ----------------------------------------------------------------------------------------


def _oversized_branch(branches: list[Org], today: dt.date) -> int:
    """A community party committee's first branch takes in members of its sister branches until it
    has 52 (the sisters keep at least ten each)."""
    busy = _busy_people()
    sizes = dict(
        Member.objects.filter(org__in=branches, status=MemberStatus.NORMAL)
        .values("org_id")
        .annotate(n=Count("pk"))
        .values_list("org_id", "n")
    )
    by_parent: dict[str, list[Org]] = {}
    for b in branches:
        by_parent.setdefault(b.path[: -Org.steplen], []).append(b)
    for _parent, sisters in sorted(by_parent.items()):
        if len(sisters) < 3 or _at_home(sisters[0], branches):
            continue
        target, others = sisters[0], sisters[1:]
        need = 52 - sizes.get(target.pk, 0)
        spare = sum(max(0, sizes.get(o.pk, 0) - 10) for o in others)
        if need <= 0 or spare < need:
            continue
        for other in others:
            take = min(need, max(0, sizes.get(other.pk, 0) - 10))
            movers = [
                m
                for m in Member.objects.filter(org=other, status=MemberStatus.NORMAL).order_by(
                    "-joined_on", "pk"
                )
                if m.person_id not in busy
            ][:take]
            Member.objects.filter(pk__in=[m.pk for m in movers]).update(org=target, org_path=target.path)
            need -= len(movers)
            if need <= 0:
                return 1
    return 0


# -- secretaries, elections, cadres ----------------------------------------------------------------


def _probationary_secretary(branches: list[Org], today: dt.date) -> int:
    """A branch whose secretary left; the member elected in his place is still probationary."""
    pending = set(Term.objects.filter(state=ApprovalState.REPORTED).values_list("org_id", flat=True))
    for branch in branches:
        if _at_home(branch, branches) or branch.pk in pending:
            continue
        current = list(Position.objects.current(today).filter(org=branch, kind="secretary"))
        probationary = (
            Member.objects.filter(
                org=branch, status=MemberStatus.NORMAL, category=MemberCategory.PROBATIONARY
            )
            .select_related("person")
            .order_by("joined_on", "pk")
            .first()
        )
        if len(current) != 1 or probationary is None:
            continue
        start = today - dt.timedelta(days=75)
        if probationary.joined_on > start or current[0].start_on >= start:
            continue
        org_services.end_position(current[0], actor=SYSTEM, end_on=start, reason="调任街道工作")
        org_services.appoint(
            probationary.person,
            branch,
            actor=SYSTEM,
            kind="secretary",
            title="书记",
            start_on=start,
            reason="演示数据",
        )
        return 1
    return 0


def _unapproved_election(branches: list[Org], today: dt.date) -> int:
    """An election held 42 days ago, reported two days later, still not approved."""
    pending = set(Term.objects.filter(state=ApprovalState.REPORTED).values_list("org_id", flat=True))
    pending |= set(Appointment.objects.filter(state=ApprovalState.REPORTED).values_list("org_id", flat=True))
    for branch in reversed(branches):
        if branch.short_name == SHUJI_BRANCH or branch.pk in pending:
            continue
        formal = list(
            Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
            .select_related("person")
            .order_by("joined_on", "pk")
        )
        if len(formal) < 9:
            continue
        present = len(formal) - 1
        rows = [
            {"person": m.person, "post": post, "votes": present - i}
            for i, (m, post) in enumerate(
                zip(formal[:3], ("secretary", "deputy_secretary", "committee_member"), strict=True)
            )
        ]
        term = terms.record_election(
            actor=SYSTEM,
            org=branch,
            held_on=today - dt.timedelta(days=42),
            eligible=len(formal),
            present=present,
            committee=rows,
            note="演示:报批已超过一个月",
        )
        reported = timezone.now() - dt.timedelta(days=40)
        Term.objects.filter(pk=term.pk).update(created_at=reported, is_demo=True)
        Appointment.objects.filter(term=term).update(reported_at=reported, is_demo=True)
        return 1
    return 0


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _absent_cadre(branches: list[Org], today: dt.date) -> int:
    """A member of the working committee's team (领导干部) who last took part in his branch's
    organization life before last quarter began."""
    cadre = LeadingCadre.objects.select_related("team").order_by("pk").first()
    if cadre is None:
        return 0
    team = cadre.team
    last_quarter = _quarter_start(_quarter_start(today) - dt.timedelta(days=1))
    busy = _busy_people()
    last = dict(
        MemberYear.objects.filter(member__org_path__startswith=team.path)
        .values("member_id")
        .annotate(last=Max("last_present_on"))
        .values_list("member_id", "last")
    )
    candidates = [
        m
        for m in Member.objects.filter(
            org_path__startswith=team.path, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL
        )
        .exclude(org__short_name=SHUJI_BRANCH)
        .order_by("pk")
        if m.person_id not in busy and last.get(m.pk) and last[m.pk] < last_quarter
    ]
    if not candidates:
        return 0
    member = max(candidates, key=lambda m: (last[m.pk], -m.pk))
    cadre_services.mark_leading_cadre(
        actor=SYSTEM, member=member, team=team, title="党工委委员", start_on=dt.date(today.year - 2, 1, 5)
    )
    return 1


def _last_year_plan(branches: list[Org], today: dt.date) -> int:
    """Last year's development plan of a street (not shuji's) with structure targets its
    admissions missed."""
    for street in Org.objects.filter(is_demo=True, kind="working_committee", depth=2).order_by("path"):
        if street.host is not None and street.host.code == DEMO_STREET_CODE:
            continue
        development.set_plan(
            actor=SYSTEM,
            org=street,
            year=today.year - 1,
            quota=4,
            women_min=2,
            young_min=3,
            frontline_min=2,
            note="区委组织部下达",
        )
        return 1
    return 0


# -- 正当理由 ---------------------------------------------------------------------------------------


def _housebound(branches: list[Org], today: dt.date) -> int:
    """shuji's oldest member, housebound since early this year: the branch records a 行动不便
    period (decided at its committee), visits him, and marks him absent from every meeting since."""
    branch = next((b for b in branches if b.short_name == SHUJI_BRANCH), None)
    if branch is None:
        return 0
    busy = _busy_people()
    recent = today - dt.timedelta(days=60)
    present_lately = set(
        Attendance.objects.filter(
            member__org=branch, status=AttendanceStatus.PRESENT, held_on__gte=recent
        ).values_list("member_id", flat=True)
    )
    oldest = [
        m
        for m in Member.objects.filter(org=branch, status=MemberStatus.NORMAL, category=MemberCategory.FORMAL)
        .select_related("person")
        .order_by("person__birth_date", "pk")
        # not a demo account's own member (dangyuan signs in at the branch's meetings)
        if m.person_id not in busy and m.pk in present_lately and m.person.user_id is None
    ]
    if not oldest:
        return 0
    member = oldest[0]
    start = today - relativedelta(months=10)
    age = member.person.age_on(today) if member.person.birth_date else None
    status.record_status_period(
        actor=SYSTEM,
        member=member,
        kind="infirm",
        reason=(f"{age}岁高龄," if age else "") + "年老体弱,长期卧床,不能外出参加组织生活",
        start_on=start,
        end_on=None,
        review_on=today + relativedelta(months=2),
        decision_note="支委会研究同意;由支委每季度上门送学、传达会议精神",
    )
    for visited_on, notes in (
        (start + dt.timedelta(days=6), "上门看望,了解身体状况,传达支部会议精神"),
        (today - dt.timedelta(days=40), "送学上门,学习党的二十届四中全会精神,听取意见建议"),
    ):
        membership.record_care_visit(
            actor=SYSTEM,
            member=member,
            reason="elderly",
            visited_on=visited_on,
            visitors="支部书记、组织委员",
            given="牛奶、水果",
            notes=notes,
        )
    # Absent (not present) from the meetings since: the rules excuse it.
    meeting_ids = list(
        Attendance.objects.filter(member=member, held_on__gte=start).values_list("meeting_id", flat=True)
    )
    Attendance.objects.filter(member=member, meeting_id__in=meeting_ids).update(
        status=AttendanceStatus.ABSENT, reason=""
    )
    for meeting in Meeting.objects.filter(pk__in=meeting_ids):
        life.summarize_attendance(meeting)
    return 1
