"""Accepting a reviewed draft (indented outline) into a real plan — all or nothing.

The review page shows the extractor's draft as the same indented text the CLI prints
(``title [lead、co-units] (时限:YYYY-MM-DD)``); the person edits it and accepts. Every line is
checked first (indentation, unit names against the org tree with near-miss suggestions, dates);
any problem rejects the whole outline with the line numbers. Otherwise the plan and its tasks are
created in one transaction through ``services.create_plan`` / ``services.create_task``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from core.errors import ServiceError
from orgs.models import Org

from . import services
from .extract import parse_outline
from .models import Plan, PlanKind
from .units import UnitMatcher


@dataclass(frozen=True)
class LineError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行:{self.message}" if self.row else self.message


class OutlineRejected(ServiceError):
    def __init__(self, errors: list[LineError]):
        super().__init__(";".join(str(e) for e in errors[:5]), field="outline")
        self.errors = errors


@transaction.atomic
def create_plan_from_outline(
    *,
    actor,
    owner: Org,
    title: str,
    outline: str,
    start_on: dt.date,
    default_deadline: dt.date,
    kind: str = PlanKind.KEY_WORK,
    source_meeting: str = "",
    document_no: str = "",
    source_date: dt.date | None = None,
    source_text: str = "",
    is_demo: bool = False,
) -> Plan:
    if default_deadline is None or start_on is None:
        raise ServiceError("请填写开始日期和默认完成时限", field="default_deadline")
    if default_deadline < start_on:
        raise ServiceError("默认完成时限不能早于开始日期", field="default_deadline")
    lines, problems = parse_outline(outline)
    errors = [LineError(row, message) for row, message in problems]
    matcher = UnitMatcher()
    resolved: list[tuple[Org | None, list[Org]]] = []
    for line in lines:
        orgs = []
        for name in line.units:
            org = matcher.match(name)
            if org is None:
                errors.append(LineError(line.row, matcher.explain_miss(name)))
            orgs.append(org)
        resolved.append((orgs[0] if orgs else None, [o for o in orgs[1:] if o is not None]))
        if line.deadline and line.deadline < start_on:
            errors.append(LineError(line.row, f"时限{line.deadline:%Y-%m-%d}早于开始日期"))
    if errors:
        raise OutlineRejected(errors)
    plan = services.create_plan(
        actor=actor,
        owner=owner,
        title=title,
        kind=kind,
        year=start_on.year,
        source_meeting=source_meeting,
        document_no=document_no,
        source_date=source_date,
        source_text=source_text,
        is_demo=is_demo,
    )
    # A parent's deadline must cover its children's: take the latest deadline in each subtree.
    deadlines = [line.deadline or default_deadline for line in lines]
    for i in range(len(lines) - 1, -1, -1):
        for j in range(i + 1, len(lines)):
            if lines[j].depth <= lines[i].depth:
                break
            deadlines[i] = max(deadlines[i], deadlines[j])
    stack: list[tuple[int, object]] = []
    for line, (lead, co_units), deadline in zip(lines, resolved, deadlines, strict=True):
        while stack and stack[-1][0] >= line.depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        try:
            task = services.create_task(
                plan,
                actor=actor,
                parent=parent,
                title=line.title,
                lead_unit=lead,
                co_units=co_units,
                start_on=start_on,
                deadline=deadline,
                is_demo=is_demo,
            )
        except ServiceError as error:
            raise OutlineRejected([LineError(line.row, error.message)]) from error
        stack.append((line.depth, task))
    return plan
