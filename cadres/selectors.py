"""Scoped reads of cadre supervision: every query starts from ``visible_to`` (``cadres.access``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from orgs.models import PARTY_KINDS, Org, Person, Position
from orgs.scoping import under_paths

from . import access
from .models import (
    Accountability,
    AccountabilityForm,
    Adjustment,
    AdjustmentKind,
    CadreFile,
    Ground,
    TargetKind,
)
from .services import READ_CODES

SEARCH_LIMIT = 20
UP_COLUMNS = (AdjustmentKind.PROMOTE, AdjustmentKind.ADVANCE, AdjustmentKind.REUSE)


def files(user) -> QuerySet[CadreFile]:
    return (
        CadreFile.objects.visible_to(user)
        .live()
        .select_related("person", "org")
        .order_by("org_path", "person__name")
    )


def file_for(user, pk: int) -> CadreFile | None:
    return CadreFile.objects.visible_to(user).live().select_related("person", "org").filter(pk=pk).first()


def candidates(user, text: str) -> list[Person]:
    """People in the holder's subtrees (home unit or a current post there) matching ``text``."""
    paths = access.holder_paths(user)
    text = (text or "").strip()
    if not paths or not text:
        return []
    posted = Position.objects.current().filter(under_paths(paths)).values("person_id")
    people = (
        Person.objects.active().filter(Q(under_paths(paths)) | Q(pk__in=posted)).filter(name__contains=text)
    )
    return list(people.select_related("org").order_by("name", "pk")[:SEARCH_LIMIT])


def units(user) -> QuerySet[Org]:
    """Units a file may be placed in: live orgs of the holder's subtrees (not grids or groups)."""
    paths = access.holder_paths(user)
    if not paths:
        return Org.objects.none()
    return Org.objects.filter(under_paths(paths, "path"), archived_at__isnull=True).exclude(
        kind__in=("grid", "group")
    )


def party_orgs(user) -> QuerySet[Org]:
    """Party organizations whose host unit lies in the holder's subtrees (问责 of an organization)."""
    paths = access.holder_paths(user)
    if not paths:
        return Org.objects.none()
    return Org.objects.filter(
        under_paths(paths, "host__path"), archived_at__isnull=True, kind__in=PARTY_KINDS
    ).order_by("path")


def current_posts(file: CadreFile) -> list[Position]:
    return list(
        Position.objects.current().filter(person=file.person).select_related("org").order_by("start_on")
    )


def read_log(file: CadreFile) -> list[AuditEvent]:
    """The file's own log (reads first among equals): shown to holders only, on the file page."""
    return list(AuditEvent.objects.for_subject(file).select_related("actor").order_by("-seq"))


def grounds(kind: str) -> QuerySet[Ground]:
    return Ground.objects.filter(kind=kind, active=True)


def is_read(event: AuditEvent) -> bool:
    return event.action in READ_CODES


# ---------------------------------------------------------------------------------------------
# Statistics (能上能下统计)


@dataclass
class UnitRow:
    unit: str
    up: dict[str, int] = field(default_factory=dict)  # adjustment kind → count
    unsuitable: int = 0
    accountability_adjust: int = 0
    accountability_other: int = 0

    @property
    def up_values(self) -> list[int]:
        return [self.up.get(kind, 0) for kind in UP_COLUMNS]

    @property
    def up_total(self) -> int:
        return sum(self.up.values())

    @property
    def down_total(self) -> int:
        return self.unsuitable + self.accountability_adjust


@dataclass
class Statistics:
    year: int
    rows: list[UnitRow]

    @property
    def total(self) -> UnitRow:
        total = UnitRow("合计")
        for row in self.rows:
            for key, n in row.up.items():
                total.up[key] = total.up.get(key, 0) + n
            total.unsuitable += row.unsuitable
            total.accountability_adjust += row.accountability_adjust
            total.accountability_other += row.accountability_other
        return total


def statistics(user, year: int) -> Statistics:
    """能上 (提拔/晋升职级/重用) and 能下 (不适宜担任现职调整; 问责 by 组织调整或者组织处理) of
    leaders by unit (the unit of the cadre's file), decided in ``year``; live records only. Other
    问责 of leaders (通报、诫勉、纪律处分) are shown beside them, not counted as 能下."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows: dict[str, UnitRow] = {}

    def row_for(name: str) -> UnitRow:
        return rows.setdefault(name, UnitRow(name))

    adjustments = (
        Adjustment.objects.visible_to(user)
        .live()
        .filter(decided_on__range=(start, end), file__revoked_at__isnull=True)
        .values_list("org__name", "kind")
    )
    for unit, kind in adjustments:
        row = row_for(unit)
        if kind == AdjustmentKind.UNSUITABLE:
            row.unsuitable += 1
        else:
            row.up[kind] = row.up.get(kind, 0) + 1
    decisions = (
        Accountability.objects.visible_to(user)
        .live()
        .filter(decided_on__range=(start, end), target=TargetKind.LEADER, file__revoked_at__isnull=True)
        .values_list("org__name", "form")
    )
    for unit, form in decisions:
        row = row_for(unit)
        if form == AccountabilityForm.ADJUST:
            row.accountability_adjust += 1
        else:
            row.accountability_other += 1
    return Statistics(year=year, rows=sorted(rows.values(), key=lambda r: r.unit))


def organization_decisions(user) -> QuerySet[Accountability]:
    return (
        Accountability.objects.visible_to(user)
        .live()
        .filter(target=TargetKind.ORGANIZATION)
        .select_related("party_org", "ground")
        .order_by("-decided_on", "-pk")
    )
