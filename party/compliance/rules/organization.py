"""Organization rules: branch size and committee, secretaries, 应建未建, terms (换届)."""

from __future__ import annotations

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from orgs.models import PARTY_KINDS, UNIT_KINDS, Org, PositionKind
from orgs.scoping import subtree_q
from party.compliance.dates import CST
from party.compliance.registry import Rule, rule, rules, whole_subtree
from party.membership.models import Member, MemberCategory, MemberStatus
from party.structure.models import JointBranchUnit

SECRETARY_KINDS = ("party_committee", "working_committee", "general_branch", "branch")
TERM_KINDS = ("party_committee", "general_branch", "branch")
PARENT_KINDS = ("party_committee", "working_committee", "general_branch")
BRANCH_RULES = "《中国共产党支部工作条例(试行)》(2018)"
TERM_OPINION = "中办《关于党的基层组织任期的意见》(2018)"


@rules(
    Rule(
        "org.should_adjust",
        "应撤未撤/应调整",
        "medium",
        data=("branch.min_formal",),
        cites="branch.min_formal",
        source=f"{BRANCH_RULES} 第四条",
    ),
    Rule(
        "org.too_large",
        "党支部党员超过50人",
        "low",
        data=("branch.max_members",),
        cites="branch.max_members",
        source=f"{BRANCH_RULES} 第四条",
    ),
    Rule(
        "org.committee_missing",
        "应设支委会未设",
        "medium",
        data=("committee.required_at", "committee.min_size"),
        cites="committee.required_at",
        source=f"{BRANCH_RULES} 第二十条",
    ),
)
def branch_size(engine) -> None:
    ctx = engine.ctx
    min_formal = ctx.param("branch.min_formal")
    for branch in ctx.branches:
        members = ctx.members_of.get(branch.pk, [])
        formal = [m for m in members if m["category"] == MemberCategory.FORMAL]
        total = len(members)
        if len(formal) < ctx.param("branch.min_formal", branch):
            engine.add(
                "org.should_adjust",
                branch,
                f"正式党员仅 {len(formal)} 人(预备党员 {total - len(formal)} 人不计),"
                f"少于成立党支部所需的 {min_formal} 人",
                evidence=[f"正式党员:{'、'.join(m['person__name'] for m in formal) or '无'}"],
                action="上级党委研究调整或撤销该支部,或与相邻单位组建联合党支部",
            )
        limit = ctx.param("branch.max_members", branch)
        if total > limit:
            engine.add(
                "org.too_large",
                branch,
                f"党员 {total} 人,超过党支部一般不超过 {limit} 人的规定",
                action="研究拆分党支部或升格为党总支",
            )
        required_at = ctx.param("committee.required_at", branch)
        committee = ctx.posts.get(branch.pk, [])
        if len(formal) >= required_at and len(committee) < ctx.param("committee.min_size", branch):
            engine.add(
                "org.committee_missing",
                branch,
                f"正式党员 {len(formal)} 人(≥{required_at} 人应设支部委员会),"
                f"现有支委 {len(committee)} 人,不足 {ctx.param('committee.min_size', branch)} 人",
                evidence=[f"{p['person__name']}({PositionKind(p['kind']).label})" for p in committee],
                action="召开党员大会选举产生支部委员会(3至5人)",
            )


@rules(
    Rule(
        "org.secretary_vacant",
        "书记空缺",
        "high",
        source=f"{BRANCH_RULES} 第二十一条",
    ),
    Rule(
        "org.secretary_not_formal",
        "书记不是正式党员",
        "high",
        source=f"{BRANCH_RULES} 第二十一条;《中国共产党章程》第七条",
    ),
    Rule(
        "org.secretary_unapproved",
        "书记报批未批准",
        "medium",
        data=("appointment.approval_days",),
        cites="appointment.approval_days",
        source="《中国共产党基层组织选举工作条例》(2020)",
    ),
)
def secretaries(engine) -> None:
    ctx = engine.ctx
    formal_people = ctx.formal_people(
        p["person_id"] for posts in ctx.posts.values() for p in posts if p["kind"] == "secretary"
    )
    for org in ctx.orgs.values():
        if org.kind not in SECRETARY_KINDS:
            continue
        secretaries = [p for p in ctx.posts.get(org.pk, []) if p["kind"] == "secretary"]
        pending = ctx.pending_secretary.get(org.pk)
        if not secretaries and pending is not None:
            days = (ctx.ref - pending.reported_at.astimezone(CST).date()).days
            limit = ctx.param("appointment.approval_days", org)
            engine.add(
                "org.secretary_unapproved",
                org,
                f"书记 {pending.person.name} 于 {pending.elected_on:%Y-%m-%d} 选出并报批,"
                f"已 {days} 天上级党委尚未批准,书记暂未到任",
                evidence=[f"报批:{pending.reported_at.astimezone(CST):%Y-%m-%d}"],
                action="上级党委及时研究批复书记人选",
                severity="high" if days > limit else "medium",
            )
        elif not secretaries:
            engine.add(
                "org.secretary_vacant",
                org,
                f"截至 {ctx.ref:%Y-%m-%d} 没有在任书记(书记配备不到位)",
                action="上级党组织尽快选配书记,必要时指派",
                source="《中国共产党支部工作条例(试行)》第二十一条:出现空缺应及时补齐",
            )
        elif org.kind == "branch":
            for s in secretaries:
                if s["person_id"] not in formal_people:
                    engine.add(
                        "org.secretary_not_formal",
                        org,
                        f"书记 {s['person__name']} 不是本组织的正式党员(或为预备党员)",
                        action="核实书记的党员身份和组织关系,不符合条件的应调整",
                        source="《中国共产党支部工作条例(试行)》第二十一条;《党章》第七条(预备党员无表决权、选举权)",
                    )


def _unhosted_formal_members(ctx, unit_root: Org) -> tuple[dict[int, Org], dict[int, list[str]]]:
    """The units under ``unit_root`` and, for those with no party organization of their own (nor a
    联合党支部 covering them), the names of the formal members whose home unit they are."""
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
    return units, counts


def _responsible(ctx, unit: Org, host_paths: dict[str, Org]) -> Org | None:
    """The nearest party organization built in the unit or an ancestor unit (else the root)."""
    owner = None
    for cut in range(len(unit.path), 0, -Org.steplen):
        owner = host_paths.get(unit.path[:cut])
        if owner:
            break
    return owner or (ctx.root if ctx.root.is_party else None)


@whole_subtree
@rule(
    "org.should_establish",
    "应建未建",
    severity="high",
    data=("branch.min_formal",),
    cites="branch.min_formal",
    source=f"{BRANCH_RULES} 第四条",
)
def should_establish(engine) -> None:
    """应建未建: a unit with ≥3 formal members (home unit) and no party organization in it."""
    ctx = engine.ctx
    root = ctx.root
    if root.is_party and root.kind not in PARENT_KINDS:
        return
    unit_root = root.host if root.is_party else root
    if unit_root is None:
        return
    units, counts = _unhosted_formal_members(ctx, unit_root)
    host_paths = {
        o.host.path: o
        for o in sorted(ctx.orgs.values(), key=lambda o: o.depth, reverse=True)
        if o.host is not None and o.kind in PARENT_KINDS
    }
    for unit_id, names in counts.items():
        unit = units[unit_id]
        if len(names) < ctx.param("branch.min_formal", unit):
            continue
        owner = _responsible(ctx, unit, host_paths)
        if owner is None:
            continue
        engine.add(
            "org.should_establish",
            owner,
            f"{unit.name} 有正式党员 {len(names)} 人(≥{ctx.param('branch.min_formal', unit)} 人),"
            "尚未建立党组织",
            evidence=[f"{unit.name} 的正式党员:" + "、".join(names[:20])],
            action=f"指导 {unit.name} 申请成立党支部(上级党委一个月内批复)",
        )


def _pending_term(engine, org: Org, pending) -> None:
    ctx = engine.ctx
    days = (ctx.ref - pending.created_at.astimezone(CST).date()).days
    if days > ctx.param("appointment.approval_days", org):
        engine.add(
            "term.unapproved",
            org,
            f"{pending.started_on:%Y-%m-%d} 换届选举结果报批已 {days} 天,上级党委尚未批复",
            evidence=[f"新一届委员:{'、'.join(p['name'] for p in pending.committee)}"],
            action="上级党委及时审批换届选举结果",
        )


@rules(
    Rule(
        "term.unrecorded",
        "未登记换届任期",
        "low",
        data=("term.years.other",),
        cites="term.years.other",
        source=f"{TERM_OPINION};{BRANCH_RULES} 第二十一条",
    ),
    Rule(
        "term.expired",
        "任期届满未换届",
        "high",
        data=("term.years.other",),
        cites="term.years.other",
        source=f"{TERM_OPINION};{BRANCH_RULES} 第二十一条",
    ),
    Rule(
        "term.expiring",
        "任期即将届满",
        "low",
        data=("term.remind_months",),
        cites="term.remind_months",
        source=TERM_OPINION,
    ),
    Rule(
        "term.unapproved",
        "换届选举结果未批复",
        "medium",
        data=("appointment.approval_days",),
        cites="appointment.approval_days",
        source="《中国共产党基层组织选举工作条例》(2020)",
    ),
)
def terms(engine) -> None:
    ctx = engine.ctx
    remind = ctx.param("term.remind_months")
    for org in ctx.orgs.values():
        if org.kind not in TERM_KINDS or org.depth == 1:
            continue
        term = ctx.terms.get(org.pk)
        pending = ctx.pending_terms.get(org.pk)
        if pending is not None:
            _pending_term(engine, org, pending)
            continue  # the election was held: its approval is the open question
        if term is None:
            engine.add(
                "term.unrecorded",
                org,
                "未登记换届时间,无法判断任期是否届满",
                action="补录最近一次换届选举的日期",
            )
        elif term.ends_on <= ctx.ref:
            engine.add(
                "term.expired",
                org,
                f"{term.started_on:%Y-%m-%d} 换届,任期已于 {term.ends_on:%Y-%m-%d} 届满,尚未登记新的换届",
                evidence=[f"任期:{term.started_on:%Y-%m-%d} 至 {term.ends_on:%Y-%m-%d}"],
                action="按期换届;确需延期须报上级批准,延期一般不超过1年",
            )
        elif term.ends_on - relativedelta(months=remind) <= ctx.ref:
            engine.add(
                "term.expiring",
                org,
                f"任期将于 {term.ends_on:%Y-%m-%d} 届满(提前 {remind} 个月提醒)",
                action="上级党组织提醒并指导做好换届准备",
            )
