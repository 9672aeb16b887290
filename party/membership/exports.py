"""Excel export of a branch's dues ledger for a year (党费台账): one row per member, one column per
month with the amount paid (or 欠缴 / 免交 under an approved 党费减免 / blank before the base),
totals (合计 row), in the 台账 layout of ``core.ledger``. Income is never exported."""

from __future__ import annotations

import datetime as dt

from core.ledger import TOTAL_LABEL, Cell, Column, Ledger, ledger_bytes
from orgs.selectors import ledger_signature
from party.membership import services as membership
from party.membership.models import DuesBase, DuesPayment, Member

ARREARS_FILL = "F8D7DA"
COLUMNS = [
    Column("姓名", 12),
    Column("类别", 16),
    Column("每月应缴(元)", 11, "money"),
    *[Column(f"{m}月", 8, "money") for m in range(1, 13)],
    Column("已缴合计", 10, "money"),
    Column("欠缴月数", 8, "int"),
]


def dues_workbook(user, org, year: int, today: dt.date) -> bytes:
    members = list(
        Member.objects.visible_to(user)
        .filter(org=org)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    bases: dict[int, list[DuesBase]] = {}
    for base in (
        DuesBase.objects.visible_to(user).filter(member__in=members).order_by("-effective_month", "-pk")
    ):
        bases.setdefault(base.member_id, []).append(base)
    cuts = membership.reductions_of([m.pk for m in members])
    paid = {
        (p.member_id, p.month): p
        for p in DuesPayment.objects.visible_to(user).live().filter(member__in=members, month__year=year)
    }
    last_due = membership.month_start(today)
    rows = []
    month_totals = [0.0] * 12
    for member in members:
        own = bases.get(member.pk, [])
        current = membership.base_for(own, dt.date(year, 12, 1)) or (own[-1] if own else None)
        row: list = [
            member.person.name,
            current.get_kind_display() if current else "未核定",
            current.monthly_due if current else None,
        ]
        total, owed = 0.0, 0
        for m in range(1, 13):
            month = dt.date(year, m, 1)
            payment = paid.get((member.pk, month))
            due, reduction = membership.due_for(own, cuts.get(member.pk, []), month)
            if payment is not None:
                amount = float(payment.amount)
                total += amount
                month_totals[m - 1] += amount
                # 委托代交: a note on the month's cell
                row.append(Cell(amount, comment=payment.proxy_label) if payment.proxy_label else amount)
            elif reduction is not None and due == 0:
                row.append("免交")
            elif due is not None and due > 0 and month < last_due:
                row.append(Cell("欠缴", fill=ARREARS_FILL))
                owed += 1
            else:
                row.append(None)
        row += [round(total, 2), owed]
        rows.append(row)
    totals = [
        TOTAL_LABEL,
        f"{len(members)}人",
        None,
        *[round(v, 2) for v in month_totals],
        round(sum(month_totals), 2),
        sum(r[-1] for r in rows),
    ]
    _unit, maker = ledger_signature(user)
    ledger = Ledger(
        title=f"{org.name} {year}年党费缴纳台账",
        columns=COLUMNS,
        rows=rows,
        unit=org.name,
        period=f"{year}年1月—12月",
        maker=maker,
        made_on=today,
        sheet=f"{year}年党费",
        totals=totals,
        freeze_columns=1,
    )
    return ledger_bytes(ledger)
