"""Excel export of a branch's dues ledger for a year (党费台账): one row per member, one column per
month with the amount paid (or 欠缴 / 免交 under an approved 党费减免 / blank before the base),
totals. Income is never exported."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from core.tabular import workbook_bytes
from party.membership import services as membership
from party.membership.models import DuesBase, DuesPayment, Member

ARREARS_FILL = PatternFill("solid", fgColor="F8D7DA")


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
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年党费"
    sheet.append([f"{org.name} {year}年党费缴纳台账"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        ["姓名", "类别", "每月应缴(元)"] + [f"{m}月" for m in range(1, 13)] + ["已缴合计", "欠缴月数"]
    )
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for member in members:
        own = bases.get(member.pk, [])
        current = membership.base_for(own, dt.date(year, 12, 1)) or (own[-1] if own else None)
        row = [
            member.person.name,
            current.get_kind_display() if current else "未核定",
            float(current.monthly_due) if current else None,
        ]
        total, owed, owed_cells, proxies = 0.0, 0, [], {}
        for m in range(1, 13):
            month = dt.date(year, m, 1)
            payment = paid.get((member.pk, month))
            due, reduction = membership.due_for(own, cuts.get(member.pk, []), month)
            if payment is not None:
                row.append(float(payment.amount))
                total += float(payment.amount)
                if payment.proxy_label:  # 委托代交: a note on the month's cell
                    proxies[3 + m] = payment.proxy_label
            elif reduction is not None and due == 0:
                row.append("免交")
            elif due is not None and due > 0 and month < last_due:
                row.append("欠缴")
                owed += 1
                owed_cells.append(3 + m)
            else:
                row.append(None)
        row += [round(total, 2), owed]
        sheet.append(row)
        for column in owed_cells:
            sheet.cell(row=sheet.max_row, column=column).fill = ARREARS_FILL
        for column, label in proxies.items():
            sheet.cell(row=sheet.max_row, column=column).comment = Comment(label, "落实")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 18
    return workbook_bytes(book)
