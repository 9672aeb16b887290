"""活动清单 (activity lists): a year-long campaign such as 能力作风建设年, month by month.

An activity list is a ``Plan`` of kind ``PlanKind.ACTIVITY_LIST`` whose tasks are the monthly
activities: each runs from the first to the last day of its month, led by the responsible office
(责任处室), with its 载体/形式 (kept in the task's ``description`` — for activities the task
requirement *is* the vehicle), the expected outcome (``expected_result``) and the evidence forms
that close it (``evidence_kinds``). The activities then live the life of every supervised task:
reports, completion only with evidence (``services.report_progress`` refuses a completion without a
file), verification and 销号 by the campaign office, escalation when a month passes undone.

The list is created from a template (``data/activity_templates.toml``: 能力作风建设年, owned by 区委办
with the 组织部 as partner on every activity). ``months`` gives the month view (12 columns: planned
vs done with evidence); ``ledger_bytes`` the printable Excel (core.ledger).
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Q

from audit import events
from audit.services import record
from core import ledger
from core.errors import ServiceError
from core.kit import today
from orgs.models import Org

from . import services
from .models import Plan, PlanKind, Task, TaskState
from .units import UnitMatcher

DATA = Path(__file__).resolve().parent / "data" / "activity_templates.toml"
ACTIVITY_LIST_CREATED = events.register("workplan.activity_list_created", "按模板生成活动清单")
MONTHS = range(1, 13)
DONE_STATES = (TaskState.DONE, TaskState.CLOSED)


@dataclass(frozen=True)
class ActivityRow:
    month: int
    title: str
    lead: str
    carrier: str  # 载体/形式
    outcome: str  # 预期成果
    evidence: tuple[str, ...]  # 成果形式


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    campaign: str
    owner: str
    partner: str
    source: str
    activities: tuple[ActivityRow, ...]


@cache
def templates() -> dict[str, Template]:
    with DATA.open("rb") as handle:
        rows = tomllib.load(handle)["template"]
    return {
        row["key"]: Template(
            key=row["key"],
            title=row["title"],
            campaign=row["campaign"],
            owner=row["owner"],
            partner=row.get("partner", ""),
            source=row.get("source", ""),
            activities=tuple(
                ActivityRow(
                    month=int(a["month"]),
                    title=a["title"],
                    lead=a["lead"],
                    carrier=a.get("carrier", ""),
                    outcome=a.get("outcome", ""),
                    evidence=tuple(a.get("evidence", ())),
                )
                for a in row["activity"]
            ),
        )
        for row in rows
    }


def template_choices() -> list[tuple[str, str]]:
    return [(t.key, t.title) for t in templates().values()]


def default_owner(queryset) -> Org | None:
    """The campaign office (区委办) among the units the user may choose."""
    first = next(iter(templates().values()), None)
    if first is None:
        return None
    return queryset.filter(name=first.owner).first()


def month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def create_from_template(
    *, actor, owner: Org, year: int, template_key: str = "ability_style_year", is_demo: bool = False
) -> Plan:
    """The campaign's activity list for ``year``: one plan, one task per activity of the template."""
    template = templates().get(template_key)
    if template is None:
        raise ServiceError("活动清单模板不存在", field="template")
    if not 2000 <= year <= 2100:
        raise ServiceError("年度无效", field="year")
    title = f"{year}年{template.title}"
    if Plan.objects.filter(org=owner, kind=PlanKind.ACTIVITY_LIST, year=year, title=title).exists():
        raise ServiceError(f"{owner.name}已有{title}", field="year")
    plan = services.create_plan(
        actor=actor,
        owner=owner,
        title=title,
        kind=PlanKind.ACTIVITY_LIST,
        year=year,
        source_meeting=template.source,
        is_demo=is_demo,
    )
    matcher = UnitMatcher()
    partner = matcher.match(template.partner) if template.partner else None
    for row in sorted(template.activities, key=lambda a: a.month):
        start_on, deadline = month_span(year, row.month)
        lead = matcher.match(row.lead) or owner
        services.create_task(
            plan,
            actor=actor,
            title=row.title,
            start_on=start_on,
            deadline=deadline,
            lead_unit=lead,
            co_units=[partner] if partner is not None and partner != lead else [],
            description=row.carrier,
            expected_result=row.outcome,
            evidence_kinds=row.evidence,
            tags=("作风",),
            is_demo=is_demo,
        )
    record(
        plan,
        ACTIVITY_LIST_CREATED,
        actor=actor,
        after={"template": template.title, "year": year, "activities": len(template.activities)},
    )
    return plan


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class MonthColumn:
    month: int
    planned: int = 0
    done: int = 0  # done or closed, with evidence
    overdue: int = 0
    current: bool = False
    activities: list[Task] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.month}月"

    @property
    def state(self) -> str:
        """完成 / 进行中 / 未完成 / 未开始 / 无活动 — the colour of the month's header."""
        if not self.planned:
            return "none"
        if self.done == self.planned:
            return "done"
        if self.overdue:
            return "overdue"
        return "current" if self.current else "future"


def activities(plan: Plan, user=None):
    """The plan's activities (the ones ``user`` may see when given), with their evidence counts."""
    tasks = Task.objects.filter(plan=plan).exclude(state=TaskState.CANCELLED)
    if user is not None:
        tasks = tasks.filter(pk__in=Task.objects.visible_to(user).values("pk"))
    return (
        tasks.select_related("lead_unit")
        .prefetch_related("units__org")
        .annotate(evidence_count=Count("evidence", distinct=True))
        .order_by("deadline", "sort", "pk")
    )


def months(plan: Plan, user=None, day: dt.date | None = None) -> list[MonthColumn]:
    day = day or today()
    columns = {m: MonthColumn(m, current=(plan.year == day.year and m == day.month)) for m in MONTHS}
    for task in activities(plan, user):
        if task.deadline.year != plan.year:
            continue
        column = columns[task.deadline.month]
        column.planned += 1
        column.activities.append(task)
        task.done_with_evidence = task.state in DONE_STATES and task.evidence_count > 0
        task.overdue = task.state not in DONE_STATES and task.deadline < day
        column.done += task.done_with_evidence
        column.overdue += task.overdue
    return [columns[m] for m in MONTHS]


def activity_lists(user):
    return (
        Plan.objects.visible_to(user)
        .filter(kind=PlanKind.ACTIVITY_LIST)
        .select_related("org")
        .annotate(
            planned=Count("tasks", filter=~Q(tasks__state=TaskState.CANCELLED), distinct=True),
            done=Count("tasks", filter=Q(tasks__state__in=DONE_STATES), distinct=True),
        )
        .order_by("-year", "title", "pk")
    )


def co_names(task: Task) -> str:
    return "、".join(u.org.name for u in task.units.all() if u.role == "co" and u.active)


LEDGER_COLUMNS = [
    ledger.Column("序号", 6, "seq"),
    ledger.Column("月份", 7),
    ledger.Column("活动内容", 36),
    ledger.Column("责任处室", 16),
    ledger.Column("配合单位", 14),
    ledger.Column("载体/形式", 16),
    ledger.Column("预期成果", 30),
    ledger.Column("成果形式", 12),
    ledger.Column("完成时限", 11, "date"),
    ledger.Column("完成情况", 10),
    ledger.Column("佐证材料(份)", 9, "int"),
]


def status_text(task: Task, day: dt.date) -> str:
    if task.state in DONE_STATES:
        return task.get_state_display()
    if task.state == TaskState.SUBMITTED:
        return "待核验"
    return "逾期未完成" if task.deadline < day else "未完成"


def ledger_bytes(plan: Plan, user, maker: str = "") -> bytes:
    day = today()
    rows = []
    for column in months(plan, user, day):
        for task in column.activities:
            rows.append(
                [
                    len(rows) + 1,
                    column.label,
                    task.title,
                    task.lead_unit.name if task.lead_unit else "",
                    co_names(task),
                    task.description,
                    task.expected_result,
                    task.evidence_kinds,
                    task.deadline,
                    status_text(task, day),
                    task.evidence_count,
                ]
            )
    sheet = ledger.Ledger(
        title=plan.title,
        columns=LEDGER_COLUMNS,
        rows=rows,
        unit=plan.org.name,
        period=f"{plan.year}年1月—12月",
        maker=maker,
        made_on=day,
        sheet="活动清单",
        freeze_columns=3,
    )
    return ledger.ledger_bytes(sheet)
