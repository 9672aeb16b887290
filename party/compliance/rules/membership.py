"""Membership rules: transfers, floating members, dues and care visits. A fixed number of queries
per subtree:

* ``transfer.pending_long`` — a transfer letter issued more than ``transfer.receipt_days`` days ago
  and still not received (the sending branch stays responsible until receipt);
* ``member.away_no_transfer`` — a member registered as away (流动党员) for ``transfer.away_months``
  months or more with no transfer started since (党员教育管理工作条例 第二十五条);
* ``dues.arrears`` — members with ``dues.arrears_months`` or more unpaid months, or with an unpaid
  month more than ``dues.backpay_months`` (6) months back, past the back-payment limit (dues
  regulation 第十二条: paying it now needs the branch's consent); high when the consecutive run
  reaches ``lapse.flag_months`` (党章 第九条: for the branch to judge, never automatic). Months
  exempted by an approved 党费减免 are not arrears (``membership.arrears``);
* ``dues.base_missing`` — members in good standing who joined (支部大会通过, rules.md §3.5: dues
  are owed from that month) ``dues.base_grace_months`` (1) whole months or more before the last
  complete month and have no dues base (党费基数) in force for that month: nothing is ever due for
  them, so they never show arrears. Only branches that keep their dues ledger in Luoshi (have set
  at least one base) are judged — like ``dues.arrears``, which is silent for a branch that has
  none. Two queries for the subtree (the ledger branches, the members with a base in force);
* ``care.not_visited`` — elderly members (``care.elder_age``) and old members (party age
  ``care.old_member_years``) with no 走访慰问 in the last ``care.visit_months`` months (local rule
  data, unconfirmed).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from party.compliance.dates import plus_months
from party.compliance.registry import rule
from party.membership import services as membership
from party.membership.models import (
    CareVisit,
    DuesBase,
    FloatingRecord,
    Member,
    MemberStatus,
    Transfer,
    TransferState,
)

DUES_RULES = "中组部《关于中国共产党党费收缴、使用和管理的规定》(2008)"


@rule(
    "transfer.pending_long",
    "组织关系转出长期未接收",
    severity="medium",
    data=("transfer.receipt_days",),
    cites="transfer.receipt_days",
    source="中组部《关于进一步加强和改进党员组织关系接转工作的通知》",
)
def pending_transfers(engine) -> None:
    """Transfers pending receipt too long (组织关系转出后长期未接收)."""
    ctx = engine.ctx
    orgs, ref = ctx.orgs, ctx.ref
    pending: dict[int, list] = defaultdict(list)
    for t in (
        Transfer.objects.filter(ctx.scope_q(), state=TransferState.PENDING, sent_on__lte=ref)
        .select_related("member__person")
        .order_by("sent_on", "pk")
    ):
        org = orgs.get(t.org_id)
        if org is not None and t.sent_on + dt.timedelta(days=ctx.param("transfer.receipt_days", org)) <= ref:
            pending[t.org_id].append(t)
    for org_id, transfers in pending.items():
        org = orgs[org_id]
        days = ctx.param("transfer.receipt_days", org)
        engine.add(
            "transfer.pending_long",
            org,
            f"{len(transfers)} 名党员的组织关系转出超过 {days} 天仍未接收,接收前仍由本支部负责管理",
            evidence=[
                f"{t.member.person.name}:{t.sent_on:%Y-%m-%d} 转往 {t.to_org_name},"
                f"已 {(ref - t.sent_on).days} 天"
                for t in transfers
            ],
            action="联系接收党组织核实接收情况;党员未报到的督促其报到,转出有误的撤销转接",
        )


def _away(ctx, floating: list) -> dict[int, list]:
    """The floating records away long enough with no transfer started since, by organization."""
    transferred = defaultdict(list)
    for member_id, sent_on in (
        Transfer.objects.filter(member_id__in=[f.member_id for f in floating], sent_on__lte=ctx.ref)
        .exclude(state=TransferState.CANCELLED)
        .values_list("member_id", "sent_on")
    ):
        transferred[member_id].append(sent_on)
    away: dict[int, list] = defaultdict(list)
    for f in floating:
        org = ctx.orgs.get(f.org_id)
        if org is None:
            continue
        if f.since + relativedelta(months=ctx.param("transfer.away_months", org)) > ctx.ref:
            continue
        if any(day >= f.since for day in transferred.get(f.member_id, [])):
            continue
        away[f.org_id].append(f)
    return away


@rule(
    "member.away_no_transfer",
    "党员外出半年以上未转接组织关系",
    severity="medium",
    data=("transfer.away_months",),
    cites="transfer.away_months",
    source="《中国共产党党员教育管理工作条例》(2019) 第二十五条",
)
def away_without_transfer(engine) -> None:
    """Away ≥ N months without a transfer (外出半年以上未转接组织关系)."""
    ctx = engine.ctx
    floating = list(
        FloatingRecord.objects.filter(ctx.scope_q(), since__lte=ctx.ref)
        .exclude(ended_on__lte=ctx.ref)
        .filter(member__status=MemberStatus.NORMAL)
        .select_related("member__person")
        .order_by("since", "pk")
    )
    if not floating:
        return
    for org_id, records in _away(ctx, floating).items():
        org = ctx.orgs[org_id]
        months = ctx.param("transfer.away_months", org)
        engine.add(
            "member.away_no_transfer",
            org,
            f"{len(records)} 名党员外出 {months} 个月以上且相对固定,未转接组织关系",
            evidence=[f"{f.member.person.name}:{f.since:%Y-%m-%d} 起在 {f.place}" for f in records],
            action="督促外出党员将组织关系转至工作或居住地党组织;确不具备转接条件的,"
            "开具流动党员活动证并保持联系",
        )


def _in_arrears(ctx) -> dict[int, list]:
    """(name, unpaid months, trailing run, months past the back-payment limit) of the members in
    arrears, by organization."""
    ref = ctx.ref
    unpaid = membership.arrears(ctx.in_scope, ref)
    by_org: dict[int, list] = defaultdict(list)
    for pk, org_id, name in (
        Member.objects.filter(pk__in=[pk for pk, months in unpaid.items() if months])
        .order_by("person__name", "pk")
        .values_list("pk", "org_id", "person__name")
    ):
        months = unpaid[pk]
        org = ctx.orgs.get(org_id)
        if org is None:
            continue
        limit = ctx.param("dues.backpay_months", org)
        beyond = sum(1 for m in months if membership.months_back(m, ref) > limit)
        if len(months) < ctx.param("dues.arrears_months", org) and not beyond:
            continue
        by_org[org_id].append((name, months, membership.trailing_run(months, ref), beyond))
    return by_org


@rule(
    "dues.arrears",
    "党员欠缴党费",
    severity="medium",
    data=("dues.arrears_months", "dues.backpay_months", "lapse.flag_months"),
    cites="dues.arrears_months",
    source=f"{DUES_RULES};《中国共产党章程》第九条",
)
def arrears(engine) -> None:
    """Dues arrears (欠缴党费)."""
    ctx = engine.ctx
    for org_id, rows in _in_arrears(ctx).items():
        org = ctx.orgs[org_id]
        threshold = ctx.param("dues.arrears_months", org)
        flag = ctx.param("lapse.flag_months", org)
        limit = ctx.param("dues.backpay_months", org)
        serious = [r for r in rows if r[2] >= flag]
        late = [r for r in rows if r[3]]
        parts = []
        if late:
            parts.append(f"{len(late)} 名有超过 {limit} 个月补缴期限的欠缴月份(补缴须经支部同意)")
        if serious:
            parts.append(f"{len(serious)} 名已连续 {flag} 个月以上未交纳(党章第九条所列情形,须支部核实)")
        engine.add(
            "dues.arrears",
            org,
            f"{len(rows)} 名党员欠缴党费"
            + (f"(欠缴 {threshold} 个月以上或超过补缴期限)" if late else f" {threshold} 个月以上")
            + (",其中 " + ";".join(parts) if parts else ""),
            evidence=[
                f"{name}:欠缴 {len(months)} 个月({months[0]:%Y-%m} 起),连续 {run} 个月"
                + (f",其中 {beyond} 个月已超过 {limit} 个月补缴期限" if beyond else "")
                for name, months, run, beyond in rows
            ],
            action=f"提醒党员按月交纳并补缴(补缴一般不超过{limit}个月,超过的须经支部同意并登记理由);"
            "确有困难的经支部研究、报上级党委批准后少交或免交;"
            "连续6个月不交纳的由支部核实有无正当理由,系统不自动处理",
            severity="high" if serious else None,
        )


@rule(
    "dues.base_missing",
    "党费基数未核定",
    severity="medium",
    data=("dues.base_grace_months",),
    cites="dues.base_grace_months",
    source=DUES_RULES,
)
def base_missing(engine) -> None:
    """``dues.base_missing``: one finding per branch, the members' names as evidence."""
    ctx = engine.ctx
    in_scope = ctx.in_scope
    if "dues.base_grace_months" not in ctx.rules.rows:
        return
    last = membership.month_start(ctx.ref) - relativedelta(months=1)
    # The branches that keep their dues ledger in the system (at least one base set).
    ledger = set(
        DuesBase.objects.filter(ctx.scope_q()).order_by().values_list("org_id", flat=True).distinct()
    )
    if not ledger:
        return
    candidates = []
    for m in ctx.members.values():
        org = ctx.orgs.get(m["org_id"])
        if org is None or m["org_id"] not in ledger:
            continue
        # Joined in or before the month ``grace`` months before the last complete one.
        if m["joined_on"] < plus_months(last, 1 - ctx.param("dues.base_grace_months", org)):
            candidates.append(m)
    if not candidates:
        return
    with_base = set(
        DuesBase.objects.filter(member_id__in=in_scope.values("pk"), effective_month__lte=last)
        .order_by()
        .values_list("member_id", flat=True)
        .distinct()
    )
    by_org: dict[int, list[dict]] = defaultdict(list)
    for m in candidates:
        if m["pk"] not in with_base:
            by_org[m["org_id"]].append(m)
    for org_id, rows in by_org.items():
        org = ctx.orgs[org_id]
        grace = ctx.param("dues.base_grace_months", org)
        rows.sort(key=lambda m: (m["person__name"], m["pk"]))
        engine.add(
            "dues.base_missing",
            org,
            f"{len(rows)} 名党员入党(支部大会通过)已超过 {grace} 个月仍未核定党费基数,"
            f"截至 {last:%Y年%m月} 没有适用的党费基数,系统无法计算其应缴党费和欠缴情况",
            evidence=[
                f"{m['person__name']}({'预备党员' if m['category'] == 'probationary' else '正式党员'}):"
                f"{m['joined_on']:%Y-%m-%d} 入党,应自 {m['joined_on']:%Y年%m月} 起交纳党费"
                for m in rows
            ],
            action="为其核定党费基数(预备党员的起缴月份为支部大会通过的月份),"
            "登记已交纳的党费,未交纳的提醒按规定补缴",
        )


def _years_before(day: dt.date, years: int) -> dt.date:
    """The last birthday on which someone is ``years`` old on ``day`` (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@rule(
    "care.not_visited",
    "高龄、老党员未走访慰问",
    severity="low",
    data=("care.elder_age", "care.old_member_years", "care.visit_months"),
    cites="care.visit_months",
    source="地方规定(《中国共产党党内关怀帮扶办法》)",
)
def care_not_visited(engine) -> None:
    ctx = engine.ctx
    ref = ctx.ref
    if "care.elder_age" not in ctx.rules.rows:
        return
    due: dict[int, list[tuple[dict, str]]] = defaultdict(list)
    # Whoever was born (became a full member) after these days is neither elderly (nor an old
    # member) under any organization's rule data: most members, left out by one comparison.
    born_by = _years_before(ref, min(ctx.param("care.elder_age", o) for o in [ctx.root, *ctx.branches]))
    full_by = _years_before(
        ref, min(ctx.param("care.old_member_years", o) for o in [ctx.root, *ctx.branches])
    )
    for m in ctx.members.values():
        born, full = m["person__birth_date"], m["full_member_on"]
        if (born is None or born > born_by) and (full is None or full > full_by):
            continue
        org = ctx.orgs.get(m["org_id"])
        if org is None:
            continue
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day)) if born else 0
        party_age = ref.year - full.year - ((ref.month, ref.day) < (full.month, full.day)) if full else 0
        why = []
        if age >= ctx.param("care.elder_age", org):
            why.append(f"{age} 岁")
        if party_age >= ctx.param("care.old_member_years", org):
            why.append(f"党龄 {party_age} 年")
        if why:
            due[m["pk"]].append((m, "、".join(why)))
    if not due:
        return
    months = ctx.param("care.visit_months")
    visited = set(
        CareVisit.objects.filter(
            ctx.scope_q("member__org_path"),
            visited_on__gt=ref - relativedelta(months=months),
            visited_on__lte=ref,
        ).values_list("member_id", flat=True)
    )
    by_org: dict[int, list[str]] = defaultdict(list)
    for member_id, rows in due.items():
        if member_id in visited:
            continue
        m, why = rows[0]
        by_org[m["org_id"]].append(f"{m['person__name']}({why})")
    for org_id, names in by_org.items():
        org = ctx.orgs[org_id]
        engine.add(
            "care.not_visited",
            org,
            f"{len(names)} 名高龄或老党员近 {ctx.param('care.visit_months', org)} 个月没有走访慰问记录",
            evidence=sorted(names),
            action="支部书记或支委上门走访慰问,了解困难并登记后续帮扶事项",
        )
