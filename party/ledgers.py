"""台账 of a branch in the ``core.ledger`` layout: the member development pipeline
(发展党员工作台账) and organization life (三会一课台账). Same scoped selectors as the pages."""

from __future__ import annotations

import datetime as dt

from core.ledger import Column, Ledger, as_of, ledger_bytes
from orgs.models import Org
from orgs.selectors import ledger_signature
from party import selectors
from party.development import selectors as development_selectors

DEVELOPMENT_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("姓名", 10),
    Column("生产工作一线", 8),
    Column("递交申请日期", 11, "date"),
    Column("确定为积极分子日期", 11, "date"),
    Column("确定为发展对象日期", 11, "date"),
    Column("支部大会接收日期", 11, "date"),
    Column("上级党委审批日期", 11, "date"),
    Column("预备期满日期", 11, "date"),
    Column("转正日期", 11, "date"),
    Column("所处阶段", 14),
    Column("已完成步骤", 22),
    Column("下一步", 22),
    Column("下一步期限", 11, "date"),
    Column("状态", 12),
]

MEETING_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("召开日期", 11, "date"),
    Column("会议类型", 12),
    Column("召开组织", 22),
    Column("主题", 36),
    Column("地点", 16),
    Column("主持人", 9),
    Column("应到人数", 7, "int"),
    Column("实到人数", 7, "int"),
    Column("出席率", 8, "percent"),
    Column("计入学时", 7, "number", "0.0"),
    Column("状态", 14),
]


def _step(step) -> str:
    return f"第{step.number}步 {step.name}" if step else ""


def _state(row: dict) -> str:
    applicant = row["a"]
    if applicant.status != "active":
        return applicant.get_status_display()
    if row["overdue"]:
        return "已超期"
    if row["due_soon"]:
        return "14天内到期"
    return "正常推进"


def development_workbook(user, branch: Org, today: dt.date) -> bytes:
    rows = []
    for seq, row in enumerate(development_selectors.board(user, branch, today), start=1):
        a = row["a"]
        rows.append(
            [
                seq,
                a.person.name,
                "是" if a.frontline else "否",
                a.applied_on,
                a.activist_on,
                a.candidate_on,
                a.admitted_on,
                a.approved_on,
                a.probation_ends_on,
                a.full_member_on,
                row["stage"],
                _step(row["last"]),
                _step(row["next"]),
                a.due_on,
                _state(row),
            ]
        )
    _unit, maker = ledger_signature(user)
    return ledger_bytes(
        Ledger(
            title=f"{branch.name}发展党员工作台账",
            columns=DEVELOPMENT_COLUMNS,
            rows=rows,
            unit=branch.name,
            period=as_of(today),
            maker=maker,
            made_on=today,
            sheet="发展党员",
            freeze_columns=2,
        )
    )


def meetings_workbook(user, branch: Org, year: int, today: dt.date) -> bytes:
    meetings = selectors.meetings_of(user, branch, year).order_by("held_on", "pk")
    rows = []
    for seq, m in enumerate(meetings, start=1):
        expected, present = getattr(m, "expected", 0), getattr(m, "present", 0)
        rows.append(
            [
                seq,
                m.held_on,
                m.get_kind_display(),
                m.org.short_name or m.org.name,
                m.topic,
                m.place,
                m.convener.name if m.convener_id else "",
                expected,
                present,
                round(present / expected, 4) if expected else None,
                m.study_hours,
                f"已作废:{m.void_reason}" if m.voided_at else "有效",
            ]
        )
    _unit, maker = ledger_signature(user)
    return ledger_bytes(
        Ledger(
            title=f"{branch.name}{year}年“三会一课”台账",
            columns=MEETING_COLUMNS,
            rows=rows,
            unit=branch.name,
            period=f"{year}年",
            maker=maker,
            made_on=today,
            sheet=f"{year}年组织生活",
            freeze_columns=2,
        )
    )
