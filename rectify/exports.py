"""The printable 整改台账 as an Excel ledger (``core.ledger``): 问题, 整改措施, 责任单位, 责任人, 时限,
进展, 销号情况."""

from __future__ import annotations

import datetime as dt

from core.ledger import Column, Ledger, ledger_bytes

from .models import ItemStatus, ProblemList
from .selectors import ProblemRows

COLUMNS = (
    Column("序号", 6, "seq"),
    Column("问题", 40),
    Column("整改措施", 40),
    Column("责任单位", 18),
    Column("责任人", 10),
    Column("完成时限", 12, "date"),
    Column("整改进展", 36),
    Column("销号情况", 16),
)


def closure(row) -> str:
    task = row.item.task
    if row.status == ItemStatus.CLOSED:
        when = task.closed_at or task.done_at
        return f"已销号({when:%Y-%m-%d})" if when else "已销号"
    return row.status_label


def ledger_rows(groups: list[ProblemRows]) -> list[list]:
    out, index = [], 0
    for group in groups:
        if not group.rows:
            index += 1
            out.append(
                [
                    index,
                    f"{group.problem.number}. {group.problem.text}",
                    "",
                    "",
                    "",
                    None,
                    "",
                    "未制定整改措施",
                ]
            )
        for row in group.rows:
            index += 1
            task = row.item.task
            out.append(
                [
                    index,
                    f"{group.problem.number}. {group.problem.text}",
                    task.title,
                    row.item.unit.name,
                    task.responsible_name,
                    task.deadline,
                    f"{task.progress:.0f}% {task.latest_summary}".strip(),
                    closure(row),
                ]
            )
    return out


def ledger_workbook(plist: ProblemList, groups: list[ProblemRows], *, maker: str, made_on: dt.date) -> bytes:
    return ledger_bytes(
        Ledger(
            title=f"{plist.title}整改台账",
            columns=COLUMNS,
            rows=ledger_rows(groups),
            unit=plist.org.name,
            period=f"{plist.get_source_display()} 反馈日期 {plist.feedback_on:%Y-%m-%d}",
            maker=maker,
            made_on=made_on,
            sheet="整改台账",
        )
    )
