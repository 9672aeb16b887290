"""Reads of the 走流程 pages and the API: every list starts from ``visible_to``; each problem's
progress to 销号 is read from its case or task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from orgs.scoping import has_scope
from party.rules import Rules

from .models import Handover, Leader, Walk, WalkProblem, WalkStatus


def walks(user, action: str = "view"):
    return Walk.objects.visible_to(user, action).select_related("leader__person", "org")


def may_see_walks(user) -> bool:
    """The menu entry: the supervision office (``walk``), or a leader on the list."""
    if has_scope(user, "walk"):
        return True
    return Leader.objects.filter(person__user=user).exists()


@dataclass
class Progress:
    label: str  # 待交办 / the case's or task's state
    closed: bool  # 已销号
    url: str = ""
    ref: str = ""  # the case number or the task's number and title
    unit: str = ""
    deadline: dt.date | None = None


def progress(problem: WalkProblem, user=None) -> Progress:
    """Where a problem stands: 待交办, or its case (已结案 = 销号) or task (已办结/已销号 = 销号)."""
    from cases.models import CaseStatus
    from workplan.models import TaskState

    if problem.handover == Handover.CASE and problem.case is not None:
        case = problem.case
        closed = case.status == CaseStatus.CLOSED
        return Progress(
            "已销号(已结案)" if closed else case.get_status_display(),
            closed,
            reverse("cases:detail", args=[case.number]),
            case.number,
            case.lead_unit.name if case.lead_unit_id else "",  # type: ignore[union-attr]
            case.handle_due_at.date() if case.handle_due_at else None,
        )
    if problem.handover == Handover.TASK and problem.task is not None:
        task = problem.task
        closed = task.state in (TaskState.DONE, TaskState.CLOSED)
        return Progress(
            "已销号(已核验)" if closed else task.get_state_display(),
            closed,
            reverse("workplan:task", args=[task.pk]),
            task.title,
            task.lead_unit.name if task.lead_unit_id else "",  # type: ignore[union-attr]
            task.deadline,
        )
    return Progress("待交办", False)


def problems_of(walk: Walk) -> list[tuple[WalkProblem, Progress]]:
    rows = walk.problems.select_related("case__lead_unit", "task__lead_unit", "step").prefetch_related(
        "photos"
    )
    return [(p, progress(p)) for p in rows]


def walk_state(walk: Walk, rows: list[tuple[WalkProblem, Progress]]) -> str:
    """The state a reader sees: 草稿 / 已撤回 / 未发现问题 / 问题整改中(n/m 已销号) / 问题已全部销号."""
    if walk.status != WalkStatus.RECORDED:
        return walk.get_status_display()
    if not rows:
        return "已记录,未发现问题"
    done = sum(1 for _, p in rows if p.closed)
    if done == len(rows):
        return "问题已全部销号"
    return f"问题整改中({done}/{len(rows)} 已销号)"


@dataclass
class YearRow:
    leader: Leader
    done: int
    required: int
    source: str

    @property
    def behind(self) -> int:
        return max(self.required - self.done, 0)


def yearly_counts(user, year: int, day: dt.date) -> list[YearRow]:
    """Each visible leader on the list in ``year``: recorded walks of the year against the yearly
    minimum of the leader's level (rule data ``walks.yearly_min.<level>``, local overrides apply)."""
    rules = Rules.load(day)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    leaders = (
        Leader.objects.visible_to(user)
        .select_related("person", "org")
        .exclude(active_to__lte=start)
        .exclude(active_from__gt=end)
    )
    counts: dict[int, int] = {}
    for leader_id in Walk.objects.filter(
        leader__in=leaders, status=WalkStatus.RECORDED, walked_on__gte=start, walked_on__lte=end
    ).values_list("leader_id", flat=True):
        counts[leader_id] = counts.get(leader_id, 0) + 1
    rows = []
    for leader in leaders:
        param = rules.param(f"walks.yearly_min.{leader.level}", leader.org)
        source = param.source + ("" if param.confirmed else "(地方默认值,待按本地规定确认)")
        rows.append(YearRow(leader, counts.get(leader.pk, 0), int(param.typed_value()), source))
    rows.sort(key=lambda r: (-r.behind, r.leader.org_path, r.leader.pk))
    return rows
