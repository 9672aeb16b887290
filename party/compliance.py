"""The compliance engine (合规检查): for any party organization (or administrative unit) and
period, the findings — what is missing, late or only on paper — each with its severity, the rule
and the rule's source, the evidence, a suggested action and a reason in plain Chinese.

``check(root, start, end)`` loads everything it needs for the subtree in a fixed number of
queries (orgs, members, posts, terms, meetings with their attendance summaries, lapse and study
aggregates, trainings, stored LSH candidate pairs, photo hash candidates) and evaluates the rules
in memory, so one organization costs as little as the whole district costs per organization
(bench/party.py: 10,000 branches in ~16 s, one branch in ~50 ms). Thresholds come from
``RuleParameter`` rows as of the period's reference day (``Rules``), never from constants.

Nothing here decides anything: the 6-month rule (党章 第九条) only flags a member for the branch
meeting's judgement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Min, Q

from core import kit
from orgs.models import PARTY_KINDS, UNIT_KINDS, Org, Position, PositionKind
from orgs.scoping import subtree_q

from . import files, memberyear
from .models import (
    DECIDING_KINDS,
    Appointment,
    Appraisal,
    ApprovalState,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    JointBranchUnit,
    LeadingCadre,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    Member,
    MemberCategory,
    MemberStatus,
    MinutesMatch,
    Period,
    Term,
)
from .rules import Rules

CST = dt.timezone(dt.timedelta(hours=8))
SEVERITY_LABELS = {"high": "严重", "medium": "一般", "low": "提示"}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SECRETARY_KINDS = ("party_committee", "working_committee", "general_branch", "branch")
TERM_KINDS = ("party_committee", "general_branch", "branch")
COMMITTEE_POSTS = ("secretary", "deputy_secretary", "committee_member")

# rule code → (title, severity, rule parameter whose source is quoted)
RULES = {
    "org.should_establish": ("应建未建", "high", "branch.min_formal"),
    "org.should_adjust": ("应撤未撤/应调整", "medium", "branch.min_formal"),
    "org.too_large": ("党支部党员超过50人", "low", "branch.max_members"),
    "org.committee_missing": ("应设支委会未设", "medium", "committee.required_at"),
    "org.secretary_vacant": ("书记空缺", "high", None),
    "org.secretary_not_formal": ("书记不是正式党员", "high", None),
    "org.secretary_unapproved": ("书记报批未批准", "medium", "appointment.approval_days"),
    "term.unrecorded": ("未登记换届任期", "low", "term.years.other"),
    "term.expired": ("任期届满未换届", "high", "term.years.other"),
    "term.expiring": ("任期即将届满", "low", "term.remind_months"),
    "term.unapproved": ("换届选举结果未批复", "medium", "appointment.approval_days"),
    "meeting.missing": ("组织生活未按期召开", "medium", None),
    "meeting.bunched": ("期末集中召开(被动召开)", "medium", "formalism.bunched_days"),
    "meeting.low_attendance": ("会议出席率低", "low", "attendance.min_rate"),
    "cadre.dual_life": ("领导干部未参加所在支部组织生活", "medium", "cadre.branch_life.period"),
    "cadre.democratic_life": (
        "领导班子未召开民主生活会或领导干部缺席",
        "medium",
        "meeting.democratic_life.period",
    ),
    "member.lapse_warning": ("党员3个月未参加组织生活", "low", "lapse.warn_months"),
    "member.lapse_flag": ("党员连续6个月未参加组织生活(待支部研究)", "high", "lapse.flag_months"),
    "study.gap": ("学习培训学时不足", "medium", "study.hours.member"),
    "formalism.duplicate_minutes": ("会议记录雷同", "medium", "formalism.similarity"),
    "formalism.thin_minutes": ("会议记录过简或无决定事项", "low", "formalism.min_chars"),
    "formalism.copied_attendance": ("出席名单连续多次完全相同", "medium", "formalism.copied_runs"),
    "formalism.reused_photo": ("会议照片重复使用", "medium", "formalism.photo_distance"),
    # Member development (发展党员): evaluated in party/devcompliance.py
    "dev.deviation": ("发展党员步骤未按规定办理", "medium", None),
    "dev.overdue": ("发展党员步骤超期", "medium", None),
    "dev.quota_exceeded": ("发展党员超过年度计划", "high", "dev.rush_days"),
    "dev.rush": ("突击发展党员", "medium", "dev.rush_days"),
    "dev.structure": ("发展党员结构未达计划", "low", "dev.rush_days"),
    # Transfers, floating members and dues: evaluated in party/memcompliance.py
    "transfer.pending_long": ("组织关系转出长期未接收", "medium", "transfer.receipt_days"),
    "member.away_no_transfer": ("党员外出半年以上未转接组织关系", "medium", "transfer.away_months"),
    "dues.arrears": ("党员欠缴党费", "medium", "dues.arrears_months"),
    "dues.base_missing": ("党费基数未核定", "medium", "dues.base_grace_months"),
    "care.not_visited": ("高龄、老党员未走访慰问", "low", "care.visit_months"),
    "appraisal.unrated": ("民主评议党员未评定等次", "medium", None),
    # 谈心谈话 (talk log): evaluated in party/talks.py
    "talk.coverage_gap": ("谈心谈话未全覆盖", "medium", "talk.committee_pairwise"),
    "talk.before_life_meeting": ("组织生活会前未开展谈心谈话", "medium", "talk.before_life_days"),
    # 四议两公开 (village decisions): evaluated in villages/compliance.py
    "village.deviation": ("四议两公开程序或公开不规范", "medium", "village.disclose_within"),
    "village.overdue": ("四议两公开应公开未公开", "high", "village.disclose_within"),
}
# Missing-meeting severity by kind: the members' meeting and the annual life meeting weigh most.
MISSING_SEVERITY = {
    MeetingKind.BRANCH_ASSEMBLY: "high",
    MeetingKind.LIFE_MEETING: "high",
    MeetingKind.GROUP: "low",
}
# 谈心谈话 is not a meeting to hold once a year any more: the talk log (party.talks) records each
# pair and ``talk.coverage_gap`` judges the year's coverage. Meetings of kind TALK recorded before
# stay as history and are not required.
BRANCH_PERIODIC = (
    MeetingKind.BRANCH_ASSEMBLY,
    MeetingKind.COMMITTEE,
    MeetingKind.LECTURE,
    MeetingKind.THEME_DAY,
    MeetingKind.LIFE_MEETING,
    MeetingKind.APPRAISAL,
)
BUNCH_KINDS = frozenset(
    {
        MeetingKind.BRANCH_ASSEMBLY,
        MeetingKind.COMMITTEE,
        MeetingKind.LECTURE,
        MeetingKind.THEME_DAY,
        MeetingKind.LIFE_MEETING,
    }
)
ATTENDANCE_KINDS = frozenset(
    {MeetingKind.BRANCH_ASSEMBLY, MeetingKind.LECTURE, MeetingKind.THEME_DAY, MeetingKind.LIFE_MEETING}
)
SHOWN_EVIDENCE = 12


@dataclass
class Finding:
    severity: str
    rule: str
    org_id: int
    org_name: str
    org_path: str
    reason: str
    evidence: list[str] = field(default_factory=list)
    action: str = ""
    source: str = ""
    period: str = ""
    meeting_ids: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return RULES[self.rule][0]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def line(self) -> str:
        return f"{self.severity_label}\t{self.rule}\t{self.org_name}\t{self.reason}"


# ---------------------------------------------------------------------------------------------
# Periods


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, first + relativedelta(months=3) - dt.timedelta(days=1)


def quarter_label(start: dt.date) -> str:
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"


@functools.lru_cache(maxsize=256)
def periods(kind: str, start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date, str], ...]:
    """The months / quarters / years of type ``kind`` that overlap [start, end]."""
    if kind == Period.MONTH:
        first, step = dt.date(start.year, start.month, 1), relativedelta(months=1)
    elif kind == Period.QUARTER:
        first, step = quarter_of(start)[0], relativedelta(months=3)
    elif kind == Period.YEAR:
        first, step = dt.date(start.year, 1, 1), relativedelta(years=1)
    else:
        return ()
    result = []
    while first <= end:
        last = first + step - dt.timedelta(days=1)
        if kind == Period.MONTH:
            label = f"{first.year}年{first.month}月"
        elif kind == Period.QUARTER:
            label = quarter_label(first)
        else:
            label = f"{first.year}年度"
        result.append((first, last, label))
        first += step
    return tuple(result)


def _months(first: dt.date, last: dt.date) -> frozenset[int]:
    """Every month from ``first`` to ``last``, as year * 12 + month - 1."""
    return frozenset(range(first.year * 12 + first.month - 1, last.year * 12 + last.month))


@functools.lru_cache(maxsize=4096)
def plus_months(day: dt.date, months: int) -> dt.date:
    """``day`` + ``months`` calendar months (clipped to the month's end), memoized: the lapse rules
    ask it for every member and there are only a few hundred distinct days."""
    return day + relativedelta(months=months)


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today."""
    return today - relativedelta(years=1) + dt.timedelta(days=1), today


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


# ---------------------------------------------------------------------------------------------
# The engine


class _Context:
    """Everything the rules need about one subtree, loaded in a fixed number of queries."""

    def __init__(self, root: Org, start: dt.date, end: dt.date, ref: dt.date):
        self.root, self.start, self.end, self.ref = root, start, end, ref
        self.rules = Rules.load(ref)
        self._param_memo: dict = {}
        self._source_memo: dict = {}
        self._branch_memo: dict = {}
        # Codes with a local override somewhere: only their value depends on the organization.
        self._local_codes = {code for code, rows in self.rules.rows.items() if any(r.org_path for r in rows)}
        if root.is_party:
            party_q = subtree_q("path", root.path)
            self.scope_q = lambda f="org_path": subtree_q(f, root.path)
        else:
            # An administrative unit: the party organizations built in it (and their subtrees).
            hosted = list(
                Org.objects.filter(subtree_q("host__path", root.path), kind__in=PARTY_KINDS).values_list(
                    "path", flat=True
                )
            )
            tops = [p for p in sorted(hosted) if not any(p != q and p.startswith(q) for q in hosted)]
            party_q = Q(pk__in=[])
            for path in tops:
                party_q |= subtree_q("path", path)

            def scope(f="org_path", tops=tops):
                q = Q(pk__in=[])
                for path in tops:
                    q |= subtree_q(f, path)
                return q

            self.scope_q = scope
        self.orgs = {
            o.pk: o
            for o in Org.objects.filter(
                party_q, kind__in=PARTY_KINDS, archived_at__isnull=True
            ).select_related("host")
        }
        self.by_path = {o.path: o for o in self.orgs.values()}
        self.branches = [o for o in self.orgs.values() if o.kind == "branch"]
        # The branch each organization's records count for (a party group's: its branch), for the
        # rules that look it up for every meeting.
        self.branch_by_org = {org_id: self.branch_of(org_id) for org_id in self.orgs}
        members = list(
            Member.objects.filter(self.scope_q(), status=MemberStatus.NORMAL, joined_on__lte=ref).values(
                "pk",
                "org_id",
                "category",
                "person_id",
                "joined_on",
                "full_member_on",
                "person__name",
                "person__org_id",
                "person__birth_date",
            )
        )
        self.members = {m["pk"]: m for m in members}
        self.members_of: dict[int, list[dict]] = defaultdict(list)
        for m in members:
            self.members_of[m["org_id"]].append(m)
        self.posts: dict[int, list[dict]] = defaultdict(list)
        for p in (
            Position.objects.current(ref)
            .filter(self.scope_q(), kind__in=COMMITTEE_POSTS)
            .values("org_id", "kind", "person_id", "person__name")
        ):
            self.posts[p["org_id"]].append(p)
        self.terms: dict[int, Term] = {}  # the approved term in force
        self.pending_terms: dict[int, Term] = {}  # an election reported, awaiting approval
        for term in (
            Term.objects.filter(self.scope_q(), started_on__lte=ref)
            .exclude(state=ApprovalState.REJECTED)
            .order_by("org_id", "started_on", "pk")
        ):
            if term.state == ApprovalState.APPROVED:
                self.terms[term.org_id] = term
            elif term.created_at.date() <= ref:
                self.pending_terms[term.org_id] = term
        self.pending_secretary: dict[int, Appointment] = {}
        for appointment in (
            Appointment.objects.filter(
                self.scope_q(), post="secretary", state=ApprovalState.REPORTED, elected_on__lte=ref
            )
            .select_related("person")
            .order_by("reported_at")
        ):
            self.pending_secretary[appointment.org_id] = appointment
        # Meetings of the window and the year before it (the last one held before a missing one),
        # as (pk, org, kind, day), latest first. The rules that concern few meetings ask the
        # database for those (``window_meetings``) instead.
        self.since = start - relativedelta(years=1)
        self.meetings = list(
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__gte=self.since, held_on__lte=ref)
            .order_by("-held_on", "-pk")
            .values_list("pk", "org_id", "kind", "held_on")
        )
        # Last time present at a live meeting (lapse rules), from the member years. Members present
        # since the earliest warning cutoff any organization's rule data allows are not lapsed.
        warn = min(self.param("lapse.warn_months", o) for o in [root, *self.branches])
        self.recent_cutoff = ref - relativedelta(months=warn) + dt.timedelta(days=7)
        in_scope = self.in_scope = Member.objects.filter(
            self.scope_q(), status=MemberStatus.NORMAL, joined_on__lte=ref
        )
        last = memberyear.last_present(in_scope, ref)
        self.recent_present = {m for m, day in last.items() if day > self.recent_cutoff}
        self.last_present = {m: day for m, day in last.items() if day <= self.recent_cutoff}
        first_by_org = dict(
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__lte=ref)
            .values("org_id")
            .annotate(first=Min("held_on"))
            .values_list("org_id", "first")
        )
        self.first_meeting: dict[int, dt.date] = {}
        for org_id, first in first_by_org.items():
            branch = self.branch_of(org_id)
            if branch is not None:
                current = self.first_meeting.get(branch.pk)
                self.first_meeting[branch.pk] = min(first, current) if current else first

    def window_meetings(self):
        """The live meetings in the window (up to ``ref``), for the rules that let the database
        pick the few that matter out of all of them. Latest first."""
        return (
            Meeting.objects.live()
            .filter(self.scope_q(), held_on__gte=self.start, held_on__lte=min(self.end, self.ref))
            .order_by("-held_on", "-pk")
        )

    @functools.cached_property
    def member_by_person(self) -> dict[tuple[int, int], dict]:
        """The members by (organization, person), for the rules that start from posts."""
        return {(m["org_id"], m["person_id"]): m for m in self.members.values()}

    def highest(self, code: str):
        """The highest value of a rule parameter over the organizations checked (local overrides
        included): a bound for picking candidates in the database."""
        return max(self.param(code, org) for org in [self.root, *self.branches])

    def lowest(self, code: str):
        """The lowest value of a rule parameter over the organizations checked (as ``highest``)."""
        return min(self.param(code, org) for org in [self.root, *self.branches])

    def branch_of(self, org_id: int) -> Org | None:
        try:
            return self._branch_memo[org_id]
        except KeyError:
            pass
        org = self.orgs.get(org_id)
        if org is not None and org.kind == "group":
            org = self.by_path.get(org.path[: -Org.steplen])
        self._branch_memo[org_id] = org
        return org

    def param(self, code: str, org: Org | None = None):
        """The rule value for ``org`` (memoized per code and path: the rules ask it for every
        meeting and member, and local overrides depend only on the path)."""
        key = (code, org.path if org is not None and code in self._local_codes else None)
        try:
            return self._param_memo[key]
        except KeyError:
            value = self._param_memo[key] = self.rules.get(code, org)
            return value

    def source(self, code: str | None, org: Org | None = None) -> str:
        """The rule's source text (memoized like ``param``)."""
        if not code:
            return ""
        key = (code, org.path if org is not None and code in self._local_codes else None)
        try:
            return self._source_memo[key]
        except KeyError:
            value = self._source_memo[key] = self.rules.source(code, org)
            return value


class Engine:
    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        org: Org,
        reason: str,
        *,
        evidence=(),
        action="",
        severity=None,
        source=None,
        period="",
        meetings=(),
    ):
        title, default_severity, param = RULES[rule]
        evidence = list(evidence)
        if len(evidence) > SHOWN_EVIDENCE:
            evidence = evidence[:SHOWN_EVIDENCE] + [f"……共 {len(evidence)} 条"]
        self.findings.append(
            Finding(
                severity=severity or default_severity,
                rule=rule,
                org_id=org.pk,
                org_name=org.name,
                org_path=org.path,
                reason=reason,
                evidence=evidence,
                action=action,
                source=source if source is not None else self.ctx.source(param, org),
                period=period,
                meeting_ids=list(meetings),
            )
        )

    # -- organization structure ------------------------------------------------------------------

    def structure(self):
        ctx = self.ctx
        min_formal = ctx.param("branch.min_formal")
        for branch in ctx.branches:
            members = ctx.members_of.get(branch.pk, [])
            formal = [m for m in members if m["category"] == MemberCategory.FORMAL]
            total = len(members)
            if len(formal) < ctx.param("branch.min_formal", branch):
                self.add(
                    "org.should_adjust",
                    branch,
                    f"正式党员仅 {len(formal)} 人(预备党员 {total - len(formal)} 人不计),"
                    f"少于成立党支部所需的 {min_formal} 人",
                    evidence=[f"正式党员:{'、'.join(m['person__name'] for m in formal) or '无'}"],
                    action="上级党委研究调整或撤销该支部,或与相邻单位组建联合党支部",
                )
            limit = ctx.param("branch.max_members", branch)
            if total > limit:
                self.add(
                    "org.too_large",
                    branch,
                    f"党员 {total} 人,超过党支部一般不超过 {limit} 人的规定",
                    action="研究拆分党支部或升格为党总支",
                )
            required_at = ctx.param("committee.required_at", branch)
            committee = ctx.posts.get(branch.pk, [])
            if len(formal) >= required_at and len(committee) < ctx.param("committee.min_size", branch):
                self.add(
                    "org.committee_missing",
                    branch,
                    f"正式党员 {len(formal)} 人(≥{required_at} 人应设支部委员会),"
                    f"现有支委 {len(committee)} 人,不足 {ctx.param('committee.min_size', branch)} 人",
                    evidence=[f"{p['person__name']}({PositionKind(p['kind']).label})" for p in committee],
                    action="召开党员大会选举产生支部委员会(3至5人)",
                )
        formal_people = {
            m["person_id"] for m in ctx.members.values() if m["category"] == MemberCategory.FORMAL
        }
        for org in ctx.orgs.values():
            if org.kind not in SECRETARY_KINDS:
                continue
            secretaries = [p for p in ctx.posts.get(org.pk, []) if p["kind"] == "secretary"]
            pending = ctx.pending_secretary.get(org.pk)
            if not secretaries and pending is not None:
                days = (ctx.ref - pending.reported_at.astimezone(CST).date()).days
                limit = ctx.param("appointment.approval_days", org)
                self.add(
                    "org.secretary_unapproved",
                    org,
                    f"书记 {pending.person.name} 于 {pending.elected_on:%Y-%m-%d} 选出并报批,"
                    f"已 {days} 天上级党委尚未批准,书记暂未到任",
                    evidence=[f"报批:{pending.reported_at.astimezone(CST):%Y-%m-%d}"],
                    action="上级党委及时研究批复书记人选",
                    severity="high" if days > limit else "medium",
                )
            elif not secretaries:
                self.add(
                    "org.secretary_vacant",
                    org,
                    f"截至 {ctx.ref:%Y-%m-%d} 没有在任书记(书记配备不到位)",
                    action="上级党组织尽快选配书记,必要时指派",
                    source="《中国共产党支部工作条例(试行)》第二十一条:出现空缺应及时补齐",
                )
            elif org.kind == "branch":
                for s in secretaries:
                    if s["person_id"] not in formal_people:
                        self.add(
                            "org.secretary_not_formal",
                            org,
                            f"书记 {s['person__name']} 不是本组织的正式党员(或为预备党员)",
                            action="核实书记的党员身份和组织关系,不符合条件的应调整",
                            source="《中国共产党支部工作条例(试行)》第二十一条;《党章》第七条(预备党员无表决权、选举权)",
                        )

    def should_establish(self):
        """应建未建: a unit with ≥3 formal members (home unit) and no party organization in it."""
        ctx = self.ctx
        root = ctx.root
        if root.is_party and root.kind not in ("party_committee", "working_committee", "general_branch"):
            return
        unit_root = root.host if root.is_party else root
        if unit_root is None:
            return
        units = {
            u.pk: u
            for u in Org.objects.filter(
                subtree_q("path", unit_root.path), kind__in=UNIT_KINDS, archived_at__isnull=True
            )
        }
        hosted = set(
            Org.objects.filter(
                host_id__in=list(units), kind__in=PARTY_KINDS, archived_at__isnull=True
            ).values_list("host_id", flat=True)
        )
        # Units covered by a 联合党支部 have their organization.
        hosted |= set(
            JointBranchUnit.objects.active(ctx.ref)
            .filter(unit_id__in=list(units), joined_on__lte=ctx.ref, org__archived_at__isnull=True)
            .values_list("unit_id", flat=True)
        )
        counts: dict[int, list[str]] = defaultdict(list)
        for m in Member.objects.filter(
            person__org_id__in=[pk for pk in units if pk not in hosted],
            status=MemberStatus.NORMAL,
            category=MemberCategory.FORMAL,
        ).values("person__org_id", "person__name"):
            counts[m["person__org_id"]].append(m["person__name"])
        # Responsible organization: the nearest party org built in the unit or an ancestor unit.
        host_paths = {
            o.host.path: o
            for o in sorted(ctx.orgs.values(), key=lambda o: o.depth, reverse=True)
            if o.host is not None and o.kind in ("party_committee", "working_committee", "general_branch")
        }
        for unit_id, names in counts.items():
            unit = units[unit_id]
            if len(names) < ctx.param("branch.min_formal", unit):
                continue
            owner = None
            for cut in range(len(unit.path), 0, -Org.steplen):
                owner = host_paths.get(unit.path[:cut])
                if owner:
                    break
            owner = owner or (root if root.is_party else None)
            if owner is None:
                continue
            self.add(
                "org.should_establish",
                owner,
                f"{unit.name} 有正式党员 {len(names)} 人(≥{ctx.param('branch.min_formal', unit)} 人),"
                "尚未建立党组织",
                evidence=[f"{unit.name} 的正式党员:" + "、".join(names[:20])],
                action=f"指导 {unit.name} 申请成立党支部(上级党委一个月内批复)",
            )

    def terms(self):
        ctx = self.ctx
        remind = ctx.param("term.remind_months")
        for org in ctx.orgs.values():
            if org.kind not in TERM_KINDS or org.depth == 1:
                continue
            term = ctx.terms.get(org.pk)
            pending = ctx.pending_terms.get(org.pk)
            if pending is not None:
                days = (ctx.ref - pending.created_at.astimezone(CST).date()).days
                limit = ctx.param("appointment.approval_days", org)
                if days > limit:
                    self.add(
                        "term.unapproved",
                        org,
                        f"{pending.started_on:%Y-%m-%d} 换届选举结果报批已 {days} 天,上级党委尚未批复",
                        evidence=[f"新一届委员:{'、'.join(p['name'] for p in pending.committee)}"],
                        action="上级党委及时审批换届选举结果",
                    )
                continue  # the election was held: its approval is the open question
            if term is None:
                self.add(
                    "term.unrecorded",
                    org,
                    "未登记换届时间,无法判断任期是否届满",
                    action="补录最近一次换届选举的日期",
                )
                continue
            if term.ends_on <= ctx.ref:
                self.add(
                    "term.expired",
                    org,
                    f"{term.started_on:%Y-%m-%d} 换届,任期已于 {term.ends_on:%Y-%m-%d} 届满,尚未登记新的换届",
                    evidence=[f"任期:{term.started_on:%Y-%m-%d} 至 {term.ends_on:%Y-%m-%d}"],
                    action="按期换届;确需延期须报上级批准,延期一般不超过1年",
                )
            elif term.ends_on - relativedelta(months=remind) <= ctx.ref:
                self.add(
                    "term.expiring",
                    org,
                    f"任期将于 {term.ends_on:%Y-%m-%d} 届满(提前 {remind} 个月提醒)",
                    action="上级党组织提醒并指导做好换届准备",
                )

    # -- organization life -----------------------------------------------------------------------

    def meetings_missing(self):
        ctx = self.ctx
        # For each organization and kind of meeting: the months with one (as year * 12 + month - 1)
        # and the latest day in each (the meetings come latest first).
        seen: dict[tuple[int, str], dict[int, dt.date]] = defaultdict(dict)
        for _, org_id, kind, day in ctx.meetings:
            months = seen[(org_id, kind)]
            index = day.year * 12 + day.month - 1
            if index not in months:
                months[index] = day
        targets: list[tuple[Org, str]] = []
        for branch in ctx.branches:
            has_committee = bool(ctx.posts.get(branch.pk)) and len(ctx.posts[branch.pk]) >= 2
            for kind in BRANCH_PERIODIC:
                if kind == MeetingKind.COMMITTEE and not has_committee:
                    continue
                targets.append((branch, kind))
        for org in ctx.orgs.values():
            if org.kind == "group":
                targets.append((org, MeetingKind.GROUP))
        spans_of: dict[str, tuple] = {}  # period kind → the periods over, with their months
        for org, kind in targets:
            period = ctx.param(f"meeting.{kind}.period", org)
            try:
                spans, monthly = spans_of[period]
            except KeyError:
                spans = {
                    first.year * 12 + first.month - 1: (first, last, label, _months(first, last))
                    for first, last, label in periods(period, ctx.start, ctx.end)
                    if last <= ctx.ref  # not still running
                }
                monthly = period == Period.MONTH and spans.keys()
                spans_of[period] = spans, monthly
            months = seen.get((org.id, kind), {})
            if monthly:  # one set operation finds the months without a meeting
                missing = [spans[index] for index in sorted(monthly - months.keys())]
            else:
                missing = [span for span in spans.values() if months.keys().isdisjoint(span[3])]
            for first, last, label, inside in missing:
                source = ctx.source(f"meeting.{kind}.period", org)
                before = min(inside)
                earlier = [i for i in months if i < before]
                recent = months[max(earlier)] if earlier else None
                self.add(
                    "meeting.missing",
                    org,
                    f"{label}({first:%m-%d}至{last:%m-%d})未召开{MeetingKind(kind).label},"
                    f"按规定应{Period(period).label}召开",
                    evidence=[f"此前最近一次:{recent:%Y-%m-%d}" if recent else "此前未录入过该类会议"],
                    action=f"督促补开{MeetingKind(kind).label}并说明原因;如已召开请补录会议记录",
                    severity=MISSING_SEVERITY.get(kind, "medium"),
                    source=source,
                    period=label,
                )

    def bunched(self):
        ctx = self.ctx
        days = ctx.param("formalism.bunched_days")
        minimum = ctx.param("formalism.bunched_min")
        share = ctx.param("formalism.bunched_share")
        # For each finished quarter: its label and the day after which a meeting is "at its end".
        quarters = {
            (first.year, (first.month - 1) // 3): (label, last - dt.timedelta(days=days))
            for first, last, label in periods(Period.QUARTER, ctx.start, ctx.end)
            if last <= ctx.ref
        }
        held: Counter = Counter()  # (branch, year, quarter) → meetings
        tails: dict[tuple, list[dict]] = defaultdict(list)  # (branch, year, quarter) → those at its end
        start, end = ctx.start, ctx.end
        for pk, org_id, kind, day in ctx.meetings:  # latest first
            if day < start:
                break  # the year before the window
            if kind in BUNCH_KINDS and day <= end:
                branch = ctx.branch_by_org.get(org_id)
                if branch is None:
                    continue
                quarter = (day.year, (day.month - 1) // 3)
                key = (branch.id, *quarter)
                held[key] += 1
                if quarter in quarters and day > quarters[quarter][1]:
                    tails[key].append({"pk": pk, "kind": kind, "held_on": day})
        found = []
        for (branch_id, year, quarter), tail in tails.items():
            count = held[(branch_id, year, quarter)]
            if len(tail) >= minimum and Decimal(len(tail)) >= Decimal(count) * share:
                found.append((ctx.orgs[branch_id], quarters[(year, quarter)][0], count, tail))
        topics = {}
        ids = [m["pk"] for _, _, _, tail in found for m in tail]
        for i in range(0, len(ids), 2000):
            topics.update(Meeting.objects.filter(pk__in=ids[i : i + 2000]).values_list("pk", "topic"))
        for branch, label, count, tail in found:
            self.add(
                "meeting.bunched",
                branch,
                f"{label}的 {count} 次组织生活中有 {len(tail)} 次集中在季度最后 {days} 天召开,"
                "存在被动召开、临时补课的迹象",
                evidence=[
                    f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:{topics[m['pk']]}" for m in tail
                ],
                action="提醒支部制定年度组织生活计划,按月按季均衡召开",
                period=label,
                meetings=[m["pk"] for m in tail],
            )

    def attendance(self):
        ctx = self.ctx
        low: dict[int, list[str]] = defaultdict(list)
        ids: dict[int, list[int]] = defaultdict(list)
        minimum: dict[int, tuple[int, int]] = {}  # branch → the minimum rate as a fraction, exact
        # Candidates from the database: below the highest minimum any organization has.
        top, below = ctx.highest("attendance.min_rate").as_integer_ratio()
        candidates = (
            ctx.window_meetings()
            .filter(kind__in=ATTENDANCE_KINDS, attendance_expected__gte=3)
            .alias(short=F("attendance_expected") * top - F("attendance_present") * below)
            .filter(short__gt=0)
            .values("pk", "org_id", "kind", "held_on", "attendance_expected", "attendance_present")
        )
        for m in candidates:
            expected, present = m["attendance_expected"], m["attendance_present"]
            branch = ctx.branch_by_org.get(m["org_id"])
            if branch is None:
                continue
            try:
                numerator, denominator = minimum[branch.id]
            except KeyError:
                numerator, denominator = minimum[branch.id] = ctx.param(
                    "attendance.min_rate", branch
                ).as_integer_ratio()
            if present * denominator < expected * numerator:  # present / expected < the minimum
                rate = present / expected
                low[branch.pk].append(
                    f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:应到 {expected} 人,"
                    f"实到 {present} 人({_pct(rate)})"
                )
                ids[branch.pk].append(m["pk"])
        for branch_id, evidence in low.items():
            branch = ctx.orgs[branch_id]
            minimum = ctx.param("attendance.min_rate", branch)
            self.add(
                "meeting.low_attendance",
                branch,
                f"{len(evidence)} 次会议出席率低于 {_pct(float(minimum))}",
                evidence=evidence,
                action="了解党员缺席原因,对无故缺席的党员谈心谈话、批评教育",
                severity="medium" if len(evidence) >= 3 else "low",
                meetings=ids[branch_id],
            )

    def lapses(self):
        """党章 第九条: 6 consecutive months without organization life → flag for the branch meeting
        (never automatic); 3 months → a warning for education."""
        ctx = self.ctx
        for branch in ctx.branches:
            first = ctx.first_meeting.get(branch.pk)
            if first is None:
                continue  # the branch has recorded no meetings at all: the missing-meeting findings say so
            warn_m = ctx.param("lapse.warn_months", branch)
            flag_m = ctx.param("lapse.flag_months", branch)
            flagged, warned = [], []
            for m in ctx.members_of.get(branch.pk, []):
                if m["pk"] in ctx.recent_present:
                    continue  # present after the earliest warning cutoff
                last = ctx.last_present.get(m["pk"])
                since = last or max(m["joined_on"], first)
                if plus_months(since, flag_m) <= ctx.ref:
                    flagged.append((m, last))
                elif plus_months(since, warn_m) <= ctx.ref:
                    warned.append((m, last))

            def describe(pair):
                m, last = pair
                when = f"最近一次参加 {last:%Y-%m-%d}" if last else "系统中没有参加记录"
                return f"{m['person__name']}:{when}"

            for m, last in flagged:
                self.add(
                    "member.lapse_flag",
                    branch,
                    f"党员 {m['person__name']} 已连续 {flag_m} 个月以上未参加党的组织生活"
                    f"({'最近一次 ' + last.strftime('%Y-%m-%d') if last else '无参加记录'}),"
                    "属党章第九条所列情形,须由支部核实有无正当理由",
                    evidence=[describe((m, last))],
                    action="支部核实原因并谈话;是否按自行脱党处理须经支部大会讨论、报上级批准,系统不自动处理",
                )
            if warned:
                self.add(
                    "member.lapse_warning",
                    branch,
                    f"{len(warned)} 名党员已 {warn_m} 个月以上未参加组织生活",
                    evidence=[describe(p) for p in warned],
                    action="支部书记或支委谈心谈话,进行批评教育,督促参加组织生活",
                )

    def study(self):
        ctx = self.ctx
        year = ctx.end.year
        year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        ref = min(ctx.ref, year_end)
        if ref < year_start:
            return
        hours = memberyear.hours(ctx.in_scope, year, ref)
        cadres = {p["person_id"] for posts in ctx.posts.values() for p in posts}
        complete = ref >= year_end
        elapsed = Decimal((ref - year_start).days + 1) / Decimal((year_end - year_start).days + 1)
        for branch in ctx.branches:
            short = []
            pace = ctx.param("study.pace_share", branch)
            targets = {role: ctx.param(f"study.hours.{role}", branch) for role in ("secretary", "member")}
            dues = {
                role: target if complete else (target * elapsed * pace).quantize(Decimal("0.1"))
                for role, target in targets.items()
            }
            for m in ctx.members_of.get(branch.pk, []):
                role = "secretary" if m["person_id"] in cadres else "member"
                target, due = targets[role], dues[role]
                got = hours.get(m["pk"], Decimal(0))
                if got < due:
                    short.append(f"{m['person__name']}:{got} / 年度目标 {target} 学时")
            if short:
                reason = (
                    f"{year}年有 {len(short)} 名党员学习培训学时未达标"
                    if complete
                    else f"{year}年截至 {ref:%m-%d} 有 {len(short)} 名党员学时进度明显落后"
                    f"(低于应有进度的 {_pct(float(pace))})"
                )
                self.add(
                    "study.gap",
                    branch,
                    reason,
                    evidence=short,
                    action="组织集中学习、党课或网络培训,补足学时",
                    severity="medium" if complete else "low",
                    period=f"{year}年度",
                )

    # -- formalism (流于形式) ----------------------------------------------------------------------

    def appraisals(self):
        """民主评议党员 held but members left without a rating (rules.md 1.16: a rating per member)."""
        ctx = self.ctx
        held = list(
            ctx.window_meetings()
            .filter(kind=MeetingKind.APPRAISAL)
            .values("pk", "org_id", "held_on", "attendance_expected")
        )
        if not held:
            return
        rated = dict(
            Appraisal.objects.filter(
                ctx.scope_q(),
                superseded_at__isnull=True,
                meeting__held_on__gte=ctx.start,
                meeting__held_on__lte=ctx.end,
            )
            .values("meeting_id")
            .annotate(n=Count("id"))
            .values_list("meeting_id", "n")
        )
        for m in held:
            org = ctx.orgs.get(m["org_id"])
            expected, done = m["attendance_expected"] or 0, rated.get(m["pk"], 0)
            if org is None or done >= expected:
                continue
            self.add(
                "appraisal.unrated",
                org,
                f"{m['held_on']:%Y-%m-%d} 民主评议党员:应评议 {expected} 人,已评定等次 {done} 人",
                evidence=[f"未评定等次 {expected - done} 人"],
                action="经个人自评、党员互评、民主测评后,由支委会或党员大会逐人评定等次并登记",
                source="《中国共产党支部工作条例(试行)》第五章;rules.md 1.16",
                meetings=[m["pk"]],
            )

    def thin_minutes(self):
        ctx = self.ctx
        thin: dict[int, list[str]] = defaultdict(list)
        ids: dict[int, list[int]] = defaultdict(list)
        min_chars: dict[int, int] = {}
        # Candidates from the database: shorter than the highest minimum, or a deciding meeting
        # with no decisions recorded.
        candidates = (
            ctx.window_meetings()
            .exclude(kind=MeetingKind.TALK)
            .filter(
                Q(minutes_chars__lt=ctx.highest("formalism.min_chars"))
                | Q(kind__in=DECIDING_KINDS, decisions="")
            )
            .annotate(undecided=ExpressionWrapper(Q(decisions=""), output_field=BooleanField()))
            .values("pk", "org_id", "kind", "held_on", "minutes_chars", "undecided")
        )
        for m in candidates:
            branch = ctx.branch_by_org.get(m["org_id"])
            if branch is None:
                continue
            problems = []
            try:
                shortest = min_chars[branch.id]
            except KeyError:
                shortest = min_chars[branch.id] = ctx.param("formalism.min_chars", branch)
            if m["minutes_chars"] < shortest:
                problems.append(f"记录仅 {m['minutes_chars']} 字")
            if m["kind"] in DECIDING_KINDS and m["undecided"]:
                problems.append("未记载决定事项")
            if problems:
                thin[branch.pk].append(
                    f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:" + "、".join(problems)
                )
                ids[branch.pk].append(m["pk"])
        for branch_id, evidence in thin.items():
            branch = ctx.orgs[branch_id]
            self.add(
                "formalism.thin_minutes",
                branch,
                f"{len(evidence)} 次会议记录过于简单(少于 {ctx.param('formalism.min_chars', branch)} 字)"
                "或未记载决定事项",
                evidence=evidence,
                action="规范会议记录:议题、发言要点、决定事项和落实分工应完整",
                meetings=ids[branch_id],
            )

    def duplicate_minutes(self):
        """Near-duplicate minutes from the candidate pairs ``services.index_minutes`` stored when
        each meeting was indexed (LSH: one indexed lookup per band at write time): one query for the
        pairs of the window's meetings in scope, never a search over all minutes."""
        ctx = self.ctx
        min_chars = ctx.param("formalism.min_chars")
        floor = min(
            [float(ctx.param("formalism.similarity"))]
            + [float(ctx.param("formalism.similarity", b)) for b in ctx.branches]
        )
        candidates: dict[int, set[int]] = defaultdict(set)
        score_of: dict[tuple[int, int], float] = {}
        others: dict[int, dict] = {}
        meeting_of: dict[int, dict] = {}
        for row in MinutesMatch.objects.filter(
            ctx.scope_q("meeting__org_path"),
            meeting__held_on__gte=ctx.start,
            meeting__held_on__lte=ctx.end,
            meeting__voided_at__isnull=True,
            other__voided_at__isnull=True,
            similarity__gte=floor,
        ).values(
            "meeting_id",
            "other_id",
            "similarity",
            "other__org_id",
            "other__org__name",
            "other__held_on",
            "other__kind",
            "other__topic",
            "meeting__org_id",
            "meeting__held_on",
            "meeting__kind",
            "meeting__topic",
            "meeting__minutes_chars",
        ):
            mine = row["meeting_id"]
            # Minutes too short to compare are reported as thin, not as copies.
            if row["meeting__minutes_chars"] < min_chars:
                continue
            meeting_of[mine] = {
                "pk": mine,
                "org_id": row["meeting__org_id"],
                "held_on": row["meeting__held_on"],
                "kind": row["meeting__kind"],
                "topic": row["meeting__topic"],
            }
            candidates[mine].add(row["other_id"])
            score_of[(mine, row["other_id"])] = row["similarity"]
            others[row["other_id"]] = {
                "pk": row["other_id"],
                "org_id": row["other__org_id"],
                "org__name": row["other__org__name"],
                "held_on": row["other__held_on"],
                "kind": row["other__kind"],
                "topic": row["other__topic"],
            }
        for mine in candidates:
            me = meeting_of[mine]
            org = ctx.orgs.get(me["org_id"])
            others.setdefault(mine, {**me, "org__name": org.name if org else ""})
        reported: set[tuple[int, int]] = set()
        for mine, peers in candidates.items():
            me = others.get(mine)
            if me is None:
                continue
            branch = ctx.branch_of(me["org_id"])
            if branch is None:
                continue
            threshold = float(ctx.param("formalism.similarity", branch))
            for peer in sorted(peers):
                other = others.get(peer)
                if other is None:
                    continue
                # Report the later record (the copy); same day: both.
                if (other["held_on"], peer) > (me["held_on"], mine) and other["held_on"] != me["held_on"]:
                    continue
                pair = (min(mine, peer), max(mine, peer))
                if pair in reported:
                    continue
                score = score_of[(mine, peer)]
                if score < threshold:
                    continue
                reported.add(pair)
                where = "本组织" if other["org_id"] == me["org_id"] else other["org__name"]
                self.add(
                    "formalism.duplicate_minutes",
                    branch,
                    f"{me['held_on']:%Y-%m-%d} {MeetingKind(me['kind']).label}的会议记录与{where} "
                    f"{other['held_on']:%Y-%m-%d} {MeetingKind(other['kind']).label}的记录高度雷同"
                    f"(相似度约 {_pct(score)}),疑似照抄照搬",
                    evidence=[
                        f"本次:{me['held_on']:%Y-%m-%d}《{me['topic']}》",
                        f"雷同:{other['org__name']} {other['held_on']:%Y-%m-%d}《{other['topic']}》",
                    ],
                    action="核实会议是否实际召开,要求据实重新整理会议记录",
                    meetings=[mine, peer],
                )

    def copied_attendance(self):
        ctx = self.ctx
        # Consecutive meetings of one kind in one organization (monthly 主题党日, 支委会 …). Only an
        # organization and kind with one list repeated at least the (lowest) number of times can
        # have such a run: the database finds those, and their meetings are read in order.
        repeated = set(
            Meeting.objects.live()
            .filter(ctx.scope_q(), held_on__gte=ctx.since, held_on__lte=ctx.ref)
            .exclude(attendance_digest="")
            .values("org_id", "kind", "attendance_digest")
            .annotate(n=Count("pk"))
            .filter(n__gte=ctx.lowest("formalism.copied_runs"))
            .values_list("org_id", "kind")
        )
        by_org: dict[tuple[int, str], list[dict]] = defaultdict(list)
        orgs = sorted({org_id for org_id, _ in repeated})
        for i in range(0, len(orgs), 2000):  # an organization's meetings all come in one chunk, in order
            for m in (
                Meeting.objects.live()
                .filter(held_on__gte=ctx.since, held_on__lte=ctx.ref, org_id__in=orgs[i : i + 2000])
                .order_by("held_on", "pk")
                .values("pk", "org_id", "kind", "held_on", "attendance_digest")
            ):
                if (m["org_id"], m["kind"]) in repeated:
                    by_org[(m["org_id"], m["kind"])].append(m)
        for (org_id, _kind), meetings in by_org.items():
            branch = ctx.branch_of(org_id)
            if branch is None:
                continue
            run: list[dict] = []
            previous = None
            best: list[dict] = []
            for m in meetings:
                # The digest (services.attendance_digest) is set only when someone is on leave with a
                # reason: copying shows in repeated reasons; a member who simply stopped coming is
                # absent every time without one (that is the lapse rule's business).
                signature = m["attendance_digest"]
                if signature and signature == previous:
                    run.append(m)
                else:
                    run = [m] if signature else []
                previous = signature or None
                if len(run) > len(best):
                    best = list(run)
            if len(best) >= ctx.param("formalism.copied_runs", branch) and any(
                ctx.start <= m["held_on"] <= ctx.end for m in best
            ):
                rows = Attendance.objects.filter(meeting_id=best[0]["pk"]).exclude(
                    status=AttendanceStatus.PRESENT
                )
                absent = [
                    f"{name}({AttendanceStatus(status).label}{':' + reason if reason else ''})"
                    for name, status, reason in rows.order_by("member_id").values_list(
                        "member__person__name", "status", "reason"
                    )
                ]
                self.add(
                    "formalism.copied_attendance",
                    branch,
                    f"连续 {len(best)} 次会议({best[0]['held_on']:%Y-%m-%d} 至 "
                    f"{best[-1]['held_on']:%Y-%m-%d})"
                    "出席名单、缺席人员和缺席原因完全相同,疑似复制名单",
                    evidence=["每次缺席/请假:" + "、".join(absent)]
                    + [f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}" for m in best],
                    action="核对签到簿,据实登记每次会议的出席情况",
                    meetings=[m["pk"] for m in best],
                )

    def reused_photos(self):
        ctx = self.ctx
        mine = list(
            MeetingAttachment.objects.filter(
                ctx.scope_q("meeting__org_path"),
                meeting__held_on__gte=ctx.start,
                meeting__held_on__lte=ctx.end,
                meeting__voided_at__isnull=True,
                kind=AttachmentKind.PHOTO,
            )
            .exclude(phash="")
            .values(
                "pk",
                "meeting_id",
                "phash",
                "ph0",
                "ph1",
                "ph2",
                "ph3",
                "name",
                "meeting__org_id",
                "meeting__held_on",
                "meeting__kind",
            )
        )
        if not mine:
            return
        q = Q(pk__in=[])
        for part in ("ph0", "ph1", "ph2", "ph3"):
            q |= Q(**{f"{part}__in": {p[part] for p in mine}})
        pool = list(
            MeetingAttachment.objects.filter(
                q, kind=AttachmentKind.PHOTO, meeting__voided_at__isnull=True
            ).values("pk", "meeting_id", "phash", "meeting__held_on", "meeting__org__name", "meeting__kind")
        )
        reported = set()
        for photo in mine:
            me = {
                "pk": photo["meeting_id"],
                "org_id": photo["meeting__org_id"],
                "held_on": photo["meeting__held_on"],
                "kind": photo["meeting__kind"],
            }
            branch = ctx.branch_of(me["org_id"])
            if branch is None:
                continue
            limit = ctx.param("formalism.photo_distance", branch)
            for other in pool:
                if other["meeting_id"] == photo["meeting_id"]:
                    continue
                if (other["meeting__held_on"], other["meeting_id"]) > (me["held_on"], me["pk"]):
                    continue  # report the later use
                distance = files.hamming(photo["phash"], other["phash"])
                if distance > limit or (photo["meeting_id"], other["meeting_id"]) in reported:
                    continue
                reported.add((photo["meeting_id"], other["meeting_id"]))
                self.add(
                    "formalism.reused_photo",
                    branch,
                    f"{me['held_on']:%Y-%m-%d} {MeetingKind(me['kind']).label}的照片与"
                    f"{other['meeting__org__name']} {other['meeting__held_on']:%Y-%m-%d} "
                    f"{MeetingKind(other['meeting__kind']).label}的照片相同或几乎相同"
                    f"(感知哈希相差 {distance} 位)",
                    evidence=[f"照片:{photo['name']}"],
                    action="核实会议是否实际召开,不得以旧照片充当会议资料",
                    meetings=[photo["meeting_id"], other["meeting_id"]],
                )

    # -- leading cadres' dual organization life (双重组织生活) ------------------------------------

    def cadres(self):
        """A leading cadre must take part in the organization life of his or her own branch every
        period (as an ordinary member), and the leadership team must hold its 民主生活会 with them."""
        ctx = self.ctx
        cadres = list(
            LeadingCadre.objects.current(ctx.ref)
            .filter(ctx.scope_q(), member__status=MemberStatus.NORMAL)
            .values(
                "pk",
                "member_id",
                "member__person__name",
                "org_id",
                "title",
                "start_on",
                "team_id",
                "team__name",
            )
        )
        if not cadres:
            return
        ids = [c["member_id"] for c in cadres]
        attended: dict[int, list[dt.date]] = defaultdict(list)
        for member_id, day in (
            Attendance.objects.filter(
                member_id__in=ids,
                status=AttendanceStatus.PRESENT,
                held_on__gte=ctx.start,
                held_on__lte=ctx.ref,
                meeting__voided_at__isnull=True,
            )
            .exclude(meeting__kind=MeetingKind.DEMOCRATIC_LIFE)
            .values_list("member_id", "held_on")
        ):
            attended[member_id].append(day)
        for c in cadres:
            branch = ctx.orgs.get(c["org_id"])
            if branch is None:
                continue
            period = ctx.param("cadre.branch_life.period", branch)
            missed = [
                label
                for first, last, label in periods(period, ctx.start, ctx.end)
                if last <= ctx.ref
                and last >= c["start_on"]
                and not any(first <= day <= last for day in attended.get(c["member_id"], []))
            ]
            if missed:
                self.add(
                    "cadre.dual_life",
                    branch,
                    f"党员领导干部 {c['member__person__name']}({c['team__name']}{c['title']})"
                    f"{'、'.join(missed)}未以普通党员身份参加所在支部的组织生活",
                    evidence=[f"本期参加支部组织生活 {len(attended.get(c['member_id'], []))} 次"],
                    action="提醒领导干部按时参加所在支部(党小组)的组织生活,确有公务不能参加的应事先请假",
                    period="、".join(missed),
                )
        # The teams' 民主生活会 (held by the team's party organization, attended by its cadres).
        teams: dict[int, list[dict]] = defaultdict(list)
        for c in cadres:
            teams[c["team_id"]].append(c)
        held: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
        for pk, org_id, day in (
            Meeting.objects.live()
            .filter(
                org_id__in=list(teams),
                kind=MeetingKind.DEMOCRATIC_LIFE,
                held_on__gte=ctx.start,
                held_on__lte=ctx.ref,
            )
            .values_list("pk", "org_id", "held_on")
        ):
            held[org_id].append((pk, day))
        absent: dict[int, set[int]] = defaultdict(set)
        for meeting_id, member_id in Attendance.objects.filter(
            meeting_id__in=[pk for rows in held.values() for pk, _ in rows], status=AttendanceStatus.ABSENT
        ).values_list("meeting_id", "member_id"):
            absent[meeting_id].add(member_id)
        for team_id, members in teams.items():
            team = ctx.orgs.get(team_id)
            if team is None:
                continue  # the team is outside the organization being checked
            period = ctx.param("meeting.democratic_life.period", team)
            for first, last, label in periods(period, ctx.start, ctx.end):
                if last > ctx.ref:
                    continue
                meetings = [(pk, day) for pk, day in held.get(team_id, []) if first <= day <= last]
                if not meetings:
                    self.add(
                        "cadre.democratic_life",
                        team,
                        f"{label}{team.name}领导班子未召开民主生活会",
                        evidence=[f"班子成员:{'、'.join(c['member__person__name'] for c in members)}"],
                        action="按规定召开民主生活会,开展批评和自我批评",
                        period=label,
                    )
                    continue
                missing = [
                    c["member__person__name"]
                    for c in members
                    if all(c["member_id"] in absent[pk] for pk, _ in meetings)
                ]
                if missing:
                    self.add(
                        "cadre.democratic_life",
                        team,
                        f"{label}民主生活会有 {len(missing)} 名班子成员无故缺席",
                        evidence=[f"缺席:{'、'.join(missing)}"],
                        action="缺席的班子成员应说明原因,并在班子内补充开展批评和自我批评",
                        period=label,
                        meetings=[pk for pk, _ in meetings],
                    )

    def talks(self):
        from . import talks

        talks.run(self)

    def development(self):
        from . import devcompliance

        devcompliance.run(self)

    def membership(self):
        from . import memcompliance

        memcompliance.run(self)

    def villages(self):
        from django.apps import apps

        if apps.is_installed("villages"):
            from villages import compliance as villagecompliance

            villagecompliance.run(self)

    def run(self) -> list[Finding]:
        for step in (
            self.structure,
            self.should_establish,
            self.terms,
            self.meetings_missing,
            self.bunched,
            self.attendance,
            self.lapses,
            self.study,
            self.thin_minutes,
            self.duplicate_minutes,
            self.copied_attendance,
            self.reused_photos,
            self.cadres,
            self.appraisals,
            self.talks,
            self.development,
            self.membership,
            self.villages,
        ):
            step()
        self.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.org_path, f.rule, f.period))
        return self.findings


def check(root: Org, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None):
    """The findings for ``root``'s subtree (a party organization, or the party organizations built
    in an administrative unit) for the period [start, end] (default: the last twelve months).
    State rules (secretary, terms, member counts, lapses) are evaluated as of min(end, today)."""
    today = today or kit.today()
    if start is None or end is None:
        start, end = default_window(today)
    ref = min(end, today)
    with _batch_planner(root):
        return Engine(_Context(root, start, end, ref)).run()


# The study-hours aggregate over a district's year of attendance spills to disk at 4 MB.
BATCH_SETTINGS = {"max_parallel_workers_per_gather": "2", "work_mem": "64MB"}


@contextlib.contextmanager
def _batch_planner(root: Org):
    """A district- or street-wide recomputation is a batch job: on PostgreSQL let its large
    aggregates use parallel workers (the web's connections run with none, luoshi/settings.py) and
    more sort/hash memory, and put the settings back afterwards."""
    if connection.vendor != "postgresql" or root.depth > 2:
        yield
        return
    with connection.cursor() as cursor:
        previous = {}
        for name, value in BATCH_SETTINGS.items():
            cursor.execute(f"SHOW {name}")
            previous[name] = cursor.fetchone()[0]
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


# ---------------------------------------------------------------------------------------------
# Scores (考评得分)


def weight(severity: str, rules: Rules, org=None) -> Decimal:
    """The points a finding of ``severity`` takes off a score (rule data)."""
    return rules.get(f"score.weight.{severity}", org)


@dataclass
class Score:
    org: Org
    score: Decimal
    findings: list[Finding]
    counts: dict[str, int]
    branches: int


def scores(root: Org, findings: list[Finding], rules: Rules) -> dict[int, Score]:
    """A score for every party organization under ``root``: a branch starts at 100 and loses the
    configured weight per finding (severity weights are rule data); a parent's score is the mean of
    its branches' scores less its own findings. Each branch's score and each organization's finding
    counts are added to its ancestors in the subtree (a path has a few levels), so a district of
    10,000 branches costs one pass, not one scan of every organization per organization."""
    orgs, groups = {}, set()
    for o in Org.objects.filter(subtree_q("path", root.path), kind__in=PARTY_KINDS, archived_at__isnull=True):
        if o.kind == "group":
            groups.add(o.pk)
        else:
            orgs[o.pk] = o
    own: dict[int, list[Finding]] = defaultdict(list)
    by_path = {o.path: o for o in orgs.values()}
    for f in findings:
        org_id = f.org_id
        if org_id in groups:  # a party group's finding belongs to its branch
            parent = by_path.get(f.org_path[: -Org.steplen])
            if parent is None:
                continue
            org_id = parent.pk
        elif org_id not in orgs:  # outside the subtree, or archived since
            continue
        own[org_id].append(f)
    weights = {severity: weight(severity, rules) for severity in SEVERITY_LABELS}

    def deduct(org_id):
        return sum((weights[f.severity] for f in own.get(org_id, [])), Decimal(0))

    def up(org):
        """``org`` and its ancestors within the subtree."""
        steps = range(Org.steplen, len(org.path) + 1, Org.steplen)
        return [by_path[org.path[:cut]].pk for cut in steps if org.path[:cut] in by_path]

    branch_scores: dict[int, Decimal] = {}
    total: dict[int, Decimal] = defaultdict(Decimal)  # sum of the branch scores below
    inside: Counter = Counter()  # branches below (itself included)
    counts: dict[int, Counter] = defaultdict(Counter)  # findings below, by severity
    for org in orgs.values():
        if org.kind == "branch":
            value = branch_scores[org.pk] = max(Decimal(0), Decimal(100) - deduct(org.pk))
            for pk in up(org):
                total[pk] += value
                inside[pk] += 1
        if org.pk in own:
            severities = Counter(f.severity for f in own[org.pk])
            for pk in up(org):
                counts[pk].update(severities)
    result: dict[int, Score] = {}
    for org in orgs.values():
        if org.kind == "branch":
            value = branch_scores[org.pk]
        else:
            mean = (total[org.pk] / inside[org.pk]) if inside[org.pk] else Decimal(100)
            value = max(Decimal(0), mean - deduct(org.pk))
        result[org.pk] = Score(
            org,
            value.quantize(Decimal("0.1")),
            own.get(org.pk, []),
            {s: counts[org.pk][s] for s in SEVERITY_LABELS},
            inside[org.pk],
        )
    return result
