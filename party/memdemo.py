"""Demo transfers, floating members, dues and care visits (演示党员管理数据), called at the end of
``party.demo._build``. Dues rows are bulk-inserted (thousands); the handful of transfers, floating
registrations and care visits go through the services so their audit trail is real."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from orgs.models import Org

from . import membership
from .memmodels import (
    CareVisit,
    Commendation,
    DuesBase,
    DuesKind,
    DuesPayment,
    FloatingRecord,
    Transfer,
    TransferKind,
)
from .models import Member
from .rules import Rules

PLACES = [
    "广东省深圳市南山区",
    "浙江省杭州市余杭区",
    "上海市浦东新区",
    "湖南省株洲市天元区",
    "广东省东莞市长安镇",
]
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
                if month >= first:
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

    # shuji's branch first, so the secretary's page shows every section.
    ordered = ([home] if home is not None else []) + [b for b in branches if b != home and picks.get(b.pk)]
    transfers = floating = visits = 0
    others = [b for b in branches if b != home]
    for i, branch in enumerate(ordered[:6]):
        pool = [m for m in picks.get(branch.pk, []) if m.status == "normal"]
        if len(pool) < 6:
            continue
        a, c, d = pool[-1], pool[-2], pool[-3]
        if i % 2 == 0:
            target = rng.choice(others)
            membership.start_transfer(
                actor=None,
                member=a,
                kind=TransferKind.IN_DISTRICT,
                to_org=target,
                reason="居住地变更,到现居住社区参加组织生活",
                sent_on=today - dt.timedelta(days=rng.randint(3, 20) if i else 55),  # shuji's: pending long
            )
        else:
            t = membership.start_transfer(
                actor=None,
                member=a,
                kind=TransferKind.OUTSIDE,
                to_org_name=f"中共{rng.choice(PLACES)}某企业支部委员会",
                reason="工作调动",
                sent_on=today - dt.timedelta(days=40),
            )
            membership.receive_transfer(actor=None, transfer=t, received_on=today - dt.timedelta(days=25))
        transfers += 1
        since = today - relativedelta(months=8 if i in (0, 3) else 2)
        membership.register_floating(
            actor=None,
            member=c,
            place=rng.choice(PLACES),
            since=since,
            contact="流入地党组织联系人 电话已登记",
        )
        floating += 1
        reason, given, amount, follow = CARE[i % len(CARE)]
        membership.record_care_visit(
            actor=None,
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
                actor=None,
                org=branch,
                category="outstanding_member",
                year=today.year,
                member=pool[1] if len(pool) > 1 else pool[0],  # pool[0] is behind on dues
                deeds="担任楼栋党小组长,常年组织志愿服务队开展助老服务,带头化解邻里纠纷,群众评价好。",
            )
            membership.review(actor=None, commendation=c, passed=True, opinion="符合条件")
            membership.start_notice(actor=None, commendation=c, starts_on=today - dt.timedelta(days=2))
        else:
            membership.nominate(
                actor=None,
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
        "transfers": transfers,
        "floating": floating,
        "care_visits": visits,
        "commendations": commendations,
    }
