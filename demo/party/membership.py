"""Demo transfers, floating members, dues and care visits (演示党员管理数据), called at the end of
``demo.party.life._build``. Dues rows are bulk-inserted (thousands); the handful of transfers, floating
registrations and care visits go through the services so their audit trail is real."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from core import clock
from core.actors import SYSTEM
from orgs.models import Org
from party.membership import reductions
from party.membership import services as membership
from party.membership.models import (
    CareVisit,
    Commendation,
    DuesBase,
    DuesKind,
    DuesPayment,
    DuesReduction,
    FloatingRecord,
    Transfer,
    TransferKind,
)
from party.models import Member
from party.rules import Rules

PLACES = [
    "广东省深圳市南山区",
    "浙江省杭州市余杭区",
    "上海市浦东新区",
    "湖南省株洲市天元区",
    "广东省东莞市长安镇",
]
GIFTS = {
    "old_member": ("“光荣在党50年”纪念章、慰问金", Decimal(500)),
    "elderly": ("慰问金、米油", Decimal(300)),
}
CARE = [
    ("old_member", "纪念章、慰问金", 500, ""),
    ("ill", "牛奶、水果、慰问金", 300, "协助申请医疗救助"),
    ("elderly", "米、油", None, ""),
    ("struggling", "慰问金", 800, "联系社区公益岗位"),
]


def build(
    branches: list[Org], members_of: dict[int, list[Member]], home: Org | None, rng: random.Random, today
):
    rules = Rules.load(today)
    this_month = today.replace(day=1)
    start = this_month - relativedelta(months=11)
    months = membership.months_between(start, this_month - relativedelta(months=1))
    bases, payments = [], []
    picks = {branch.pk: members_of.get(branch.pk, []) for branch in branches}
    # The ledger is kept in the system by the home street's branches and one in six others (the
    # rest keep paper ledgers in the demo story) — tens of thousands of rows would slow the demo.
    street = home.path[: 2 * Org.steplen] if home is not None else None
    ledger = [b for i, b in enumerate(branches) if (street and b.path.startswith(street)) or i % 6 == 0]
    # shuji's branch: one member exempted (免交) from three months ago — those months are unpaid.
    home_pool = [m for m in members_of.get(home.pk, []) if m.status == "normal"] if home is not None else []
    exempted = home_pool[2] if len(home_pool) >= 8 else None
    exempt_from = this_month - relativedelta(months=3)
    for branch in ledger:
        pool = members_of.get(branch.pk, [])
        for m in pool:
            roll = rng.random()
            if roll < 0.55:
                kind, income = (
                    DuesKind.SALARY,
                    Decimal(rng.choice([2800, 3600, 4500, 5200, 6800, 8800, 12500])),
                )
            elif roll < 0.85:
                kind, income = DuesKind.RETIREE, Decimal(rng.choice([2600, 3900, 4800, 5600]))
            elif roll < 0.95:
                kind, income = DuesKind.FARMER, None
            else:
                kind, income = DuesKind.RELIEF, None
            due, rate = membership.compute_due(kind, income, rules, branch, Decimal("0.5"))
            first = max(start, membership.month_start(m.joined_on))
            bases.append(
                DuesBase(
                    member=m,
                    org=branch,
                    org_path=branch.path,
                    kind=kind,
                    income_encrypted=membership.privacy.encrypt(str(income) if income else ""),
                    monthly_due=due,
                    rate=rate,
                    effective_month=first,
                    is_demo=True,
                )
            )
            r = rng.random()
            stop = len(months) - (rng.randint(3, 7) if r < 0.03 else 1 if r < 0.10 else 0)
            if branch == home and m is pool[0]:
                stop = len(months) - 4  # shuji's branch: one member four months behind
            for month in months[:stop]:
                if month >= first and not (m is exempted and month >= exempt_from):
                    day = min(month + relativedelta(days=rng.randint(2, 20)), today)
                    payments.append(
                        DuesPayment(
                            member=m,
                            org=branch,
                            org_path=branch.path,
                            month=month,
                            amount=due,
                            paid_on=day,
                            is_demo=True,
                        )
                    )
    DuesBase.objects.bulk_create(bases, batch_size=2000)
    DuesPayment.objects.bulk_create(payments, batch_size=5000)

    reduction_count = _reductions(home_pool, exempted, exempt_from, branches, members_of, ledger, today)
    visits = _care_visits(branches, members_of, home, rng, today, rules)

    # shuji's branch first, so the secretary's page shows every section.
    ordered = ([home] if home is not None else []) + [b for b in branches if b != home and picks.get(b.pk)]
    transfers = floating = 0
    others = [b for b in branches if b != home]
    for i, branch in enumerate(ordered[:6]):
        pool = [m for m in picks.get(branch.pk, []) if m.status == "normal"]
        if len(pool) < 6:
            continue
        a, c, d = pool[-1], pool[-2], pool[-3]
        if i % 2 == 0:
            target = rng.choice(others)
            membership.start_transfer(
                actor=SYSTEM,
                member=a,
                kind=TransferKind.IN_DISTRICT,
                to_org=target,
                reason="居住地变更,到现居住社区参加组织生活",
                sent_on=today - dt.timedelta(days=rng.randint(3, 20) if i else 55),  # shuji's: pending long
            )
        else:
            t = membership.start_transfer(
                actor=SYSTEM,
                member=a,
                kind=TransferKind.OUTSIDE,
                to_org_name=f"中共{rng.choice(PLACES)}某企业支部委员会",
                reason="工作调动",
                sent_on=today - dt.timedelta(days=40),
            )
            membership.receive_transfer(actor=SYSTEM, transfer=t, received_on=today - dt.timedelta(days=25))
        transfers += 1
        since = today - relativedelta(months=8 if i in (0, 3) else 2)
        membership.register_floating(
            actor=SYSTEM,
            member=c,
            place=rng.choice(PLACES),
            since=since,
            contact="流入地党组织联系人 电话已登记",
        )
        floating += 1
        reason, given, amount, follow = CARE[i % len(CARE)]
        membership.record_care_visit(
            actor=SYSTEM,
            member=d,
            reason=reason,
            visited_on=today - dt.timedelta(days=rng.randint(5, 60)),
            visitors="支部书记、社区党委委员",
            given=given,
            amount=amount,
            notes="了解身体和生活情况,听取对社区工作的意见建议。",
            follow_up=follow,
        )
        visits += 1
    # 两优一先: shuji's branch nominated an outstanding member now in public notice; another branch
    # an advanced organization awaiting review.
    commendations = 0
    for i, branch in enumerate(ordered[:2]):
        pool = [m for m in picks.get(branch.pk, []) if m.category == "formal" and m.status == "normal"]
        if not pool:
            continue
        if i == 0:
            c = membership.nominate(
                actor=SYSTEM,
                org=branch,
                category="outstanding_member",
                year=today.year,
                member=pool[1] if len(pool) > 1 else pool[0],  # pool[0] is behind on dues
                deeds="担任楼栋党小组长,常年组织志愿服务队开展助老服务,带头化解邻里纠纷,群众评价好。",
            )
            membership.review(actor=SYSTEM, commendation=c, passed=True, opinion="符合条件")
            membership.start_notice(actor=SYSTEM, commendation=c, starts_on=today - dt.timedelta(days=2))
        else:
            membership.nominate(
                actor=SYSTEM,
                org=branch,
                category="advanced_org",
                year=today.year,
                nominee_org=branch,
                deeds="组织生活规范,主题党日按月开展,党员志愿服务覆盖全部网格,群众满意度高。",
            )
        commendations += 1
    Commendation.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    Transfer.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    FloatingRecord.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    CareVisit.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    return {
        "dues_payments": len(payments),
        "dues_reductions": reduction_count,
        "transfers": transfers,
        "floating": floating,
        "care_visits": visits,
        "commendations": commendations,
    }


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _reductions(home_pool, exempted, exempt_from, branches, members_of, ledger, today) -> int:
    """党费减免 through the services (real audit trail): at shuji's branch one exemption approved
    by the street committee, one reduction awaiting approval (zuzhibu's queue) and one refused;
    another ledger branch has one awaiting approval too."""
    if exempted is None:
        return 0
    this_month = today.replace(day=1)
    applied = exempt_from + dt.timedelta(days=4)
    with clock.frozen(_at(applied + dt.timedelta(days=3))):
        r = reductions.report_reduction(
            actor=SYSTEM,
            member=exempted,
            first_month=exempt_from,
            last_month=exempt_from + relativedelta(months=5),
            monthly_amount="0",
            reason="illness",
            detail="本人患尿毒症长期透析,无固定收入,家庭靠低保生活",
            applied_on=applied,
            studied_on=applied + dt.timedelta(days=3),
            branch_opinion="经支委会研究,情况属实,同意免交6个月,报街道党工委审批",
        )
    with clock.frozen(_at(applied + dt.timedelta(days=10), 15)):
        reductions.decide_reduction(actor=SYSTEM, reduction=r, approve=True, note="同意免交,期满后重新核定")
    count = 1

    def pending(member, reason, detail, days_ago, months=6, share="0.2"):
        day = today - dt.timedelta(days=days_ago)
        base = DuesBase.objects.filter(member=member).order_by("-effective_month", "-pk").first()
        if base is None:
            return None
        amount = (base.monthly_due * Decimal(share)).quantize(Decimal("0.01"))
        amount = amount if Decimal("0.2") <= amount < base.monthly_due else Decimal("0")
        with clock.frozen(_at(day)):
            return reductions.report_reduction(
                actor=SYSTEM,
                member=member,
                first_month=this_month,
                last_month=this_month + relativedelta(months=months - 1),
                monthly_amount=str(amount),
                reason=reason,
                detail=detail,
                applied_on=day - dt.timedelta(days=2),
                studied_on=day,
                branch_opinion="经支委会研究,同意报上级党委审批",
            )

    if pending(home_pool[3], "hardship", "老伴长期住院,医疗开支大,家庭入不敷出", 5):
        count += 1
    refused = pending(home_pool[4], "other", "子女上学开支较大,申请减少党费", 45, share="0.5")
    if refused is not None:
        with clock.frozen(_at(today - dt.timedelta(days=38), 16)):
            reductions.decide_reduction(
                actor=SYSTEM,
                reduction=refused,
                approve=False,
                note="本人及配偶有稳定工资收入,不属于交纳党费确有困难的情形,请按规定比例交纳",
            )
        count += 1
    other = next((b for b in ledger if b != exempted.org and len(members_of.get(b.pk, [])) >= 5), None)
    fire = "家中遭遇火灾,房屋受损,暂无收入"
    if other is not None and pending(members_of[other.pk][1], "disaster", fire, 9, months=3):
        count += 1
    DuesReduction.objects.filter(is_demo=False, org__is_demo=True).update(is_demo=True)
    return count


def _care_visits(branches, members_of, home, rng, today, rules) -> int:
    """走访慰问 of elderly and old members (care.elder_age, care.old_member_years): most visited in
    the window (around 七一 and 春节), a handful of branches — shuji's among them — with one or two
    members not visited, so ``care.not_visited`` shows a few real gaps rather than every branch."""
    elder = rules.get("care.elder_age")
    old = rules.get("care.old_member_years")
    window = rules.get("care.visit_months")
    earliest = today - relativedelta(months=window) + dt.timedelta(days=15)
    occasions = [
        d
        for year in (today.year - 1, today.year)
        for d in (dt.date(year, 1, 20), dt.date(year, 6, 26))  # 春节 and 七一 visits
        if earliest <= d <= today - dt.timedelta(days=3)
    ] or [today - dt.timedelta(days=30)]

    def years(born, day):
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    due: dict[int, list] = {}
    for branch in branches:
        rows = []
        for m in members_of.get(branch.pk, []):
            born, full = m.person.birth_date, m.full_member_on
            age = years(born, today) if born else 0
            party_age = years(full, today) if full else 0
            if age >= elder or party_age >= old:
                rows.append((m, "elderly" if age >= elder else "old_member"))
        if rows:
            due[branch.pk] = rows
    with_due = [b for b in branches if b.pk in due and b != home]
    gaps = {b.pk: 1 + (i % 2) for i, b in enumerate(rng.sample(with_due, min(5, len(with_due))))}
    if home is not None and home.pk in due:
        gaps[home.pk] = 1
    visits = []
    for branch in branches:
        rows = due.get(branch.pk, [])
        skip = gaps.get(branch.pk, 0)
        for m, reason in rows[: len(rows) - skip] if skip else rows:
            day = rng.choice(occasions) + dt.timedelta(days=rng.randint(0, 6))
            given, amount = GIFTS[reason]
            visits.append(
                CareVisit(
                    member=m,
                    org=branch,
                    org_path=branch.path,
                    reason=reason,
                    visited_on=min(day, today - dt.timedelta(days=1)),
                    visitors="支部书记、支委",
                    given=given,
                    amount=amount,
                    notes="上门看望,了解身体和生活情况,宣讲党的政策,听取意见建议。",
                    is_demo=True,
                )
            )
    CareVisit.objects.bulk_create(visits, batch_size=2000)
    return len(visits)
