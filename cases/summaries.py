"""Stored monthly figures for the rankings (综合评价, issue 22): ``MonthlyFigures`` rows kept up to date
as cases change, so that ``evaluation.evaluate`` reads a few hundred rows instead of a month of
cases (``evaluation.evaluate_raw`` still computes from the raw rows; ``check`` compares the two).

What a record contributes (the definitions of ``cases.evaluation``):
- a case **closed** in a month (not 即报即办, not excluded as 不合理诉求; a merged duplicate is never
  closed itself) counts ``closed`` and its callback / on-time / rework figures once under its final
  lead unit, once under its street and once under its community (``FiguresKey``);
- a lead assignment counts ``dispatched`` in the month it was dispatched, under its unit, and
  ``returned`` while it stands returned and the return was not upheld;
- a 催办 (``SupervisionNotice`` of kind urge) counts ``urged`` in its month under the addressed unit.

Maintenance, one choke point: every ``save()`` / ``delete()`` of a ``Case``, ``CaseAssignment`` or
``SupervisionNotice`` (connected in ``CasesConfig.ready``) — the services (workflow, coordination,
approvals, supervision), the admin, the demo builder and the test factories all save through it.
Before the save the record's stored values are read back (one primary-key SELECT, only when the
save can touch a field that counts: ``update_fields`` outside them costs nothing); after it the
difference of the contribution after and before is added to the summary rows with
``UPDATE … SET n = n + d`` (a row is inserted when missing; a concurrent insert of the same row is
caught and turned into the UPDATE). Only the rows of the units concerned are written, in key order,
so unrelated units never wait for each other and two transactions cannot deadlock on them; the
case row itself is locked by the services (``workflow.locked``) before it changes.

Not seen: ``QuerySet.update()`` / ``bulk_create`` / raw SQL on the counted fields (none in the product
code; the bench loader bulk-loads and rebuilds after). ``rebuild(month)`` recomputes a month from the
raw rows, ``check(month)`` lists the differences (``luoshi cases summaries --check/--rebuild``).
Existing databases got their figures from migration ``0015_monthly_figures`` (``rebuild_all``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from .evaluation import CASE_AGGREGATES, closed_in, month_bounds, returns_in, urges_in
from .models import (
    AssignmentRole,
    Case,
    CaseAssignment,
    CaseStatus,
    FiguresKey,
    MonthlyFigures,
    NoticeKind,
    SupervisionNotice,
)

# closed, callbacks, contacted, resolved, satisfied, basic, on_time, reworked
CASE_COUNTS = tuple(CASE_AGGREGATES)
UNIT_COUNTS = ("dispatched", "returned", "urged")
COUNTS = (*CASE_COUNTS, *UNIT_COUNTS)
# the case field whose org a case-based figure is kept under
CASE_KEYS = (
    (FiguresKey.LEAD_UNIT, "lead_unit_id"),
    (FiguresKey.STREET, "street_id"),
    (FiguresKey.COMMUNITY, "community_id"),
)

Key = tuple[dt.date, str, int]  # (first day of the month, FiguresKey, org id)
Figures = dict[Key, dict[str, int]]


def month_of(value: dt.datetime) -> dt.date:
    """The calendar month (its first day, in the district's time zone) of an instant."""
    return value.astimezone(timezone.get_default_timezone()).date().replace(day=1)


# ---------------------------------------------------------------------------------------------
# What one record contributes (from its field values: attname → value)


def case_contribution(values: Mapping[str, Any]) -> Figures:
    if (
        values.get("status") != CaseStatus.CLOSED
        or values.get("closed_at") is None
        or values.get("resolved_on_spot")
        or values.get("excluded_from_evaluation")
    ):
        return {}
    rated = values.get("rated_at") is not None
    satisfaction = values.get("rating_satisfaction")
    counts = {
        "closed": 1,
        "callbacks": int(rated),
        "contacted": int(rated and values.get("rating_contacted") is True),
        "resolved": int(rated and values.get("rating_resolved") is True),
        "satisfied": int(rated and satisfaction == "satisfied"),
        "basic": int(rated and satisfaction == "basic"),
        "on_time": int(values.get("closed_on_time") is True),
        "reworked": int((values.get("rework_count") or 0) > 0),
    }
    month = month_of(values["closed_at"])
    return {(month, kind, values[field]): dict(counts) for kind, field in CASE_KEYS if values.get(field)}


def assignment_contribution(values: Mapping[str, Any]) -> Figures:
    if values.get("role") != AssignmentRole.LEAD or values.get("dispatched_at") is None:
        return {}
    returned = values.get("returned_at") is not None and values.get("return_upheld") is not True
    key = (month_of(values["dispatched_at"]), FiguresKey.UNIT, values["org_id"])
    return {key: {"dispatched": 1, "returned": int(returned)}}


def notice_contribution(values: Mapping[str, Any]) -> Figures:
    if values.get("kind") != NoticeKind.URGE or not values.get("unit_id") or values.get("created_at") is None:
        return {}
    return {(month_of(values["created_at"]), FiguresKey.UNIT, values["unit_id"]): {"urged": 1}}


SOURCES: dict[type[Model], tuple[tuple[str, ...], Any]] = {
    Case: (
        (
            "status",
            "closed_at",
            "resolved_on_spot",
            "excluded_from_evaluation",
            "rated_at",
            "rating_contacted",
            "rating_resolved",
            "rating_satisfaction",
            "closed_on_time",
            "rework_count",
            "lead_unit_id",
            "street_id",
            "community_id",
        ),
        case_contribution,
    ),
    CaseAssignment: (
        ("role", "org_id", "dispatched_at", "returned_at", "return_upheld"),
        assignment_contribution,
    ),
    SupervisionNotice: (("kind", "unit_id", "created_at"), notice_contribution),
}


def difference(before: Figures, after: Figures) -> Figures:
    """``after − before``, without the keys and counts that did not move."""
    delta: Figures = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        moved = {name: new.get(name, 0) - old.get(name, 0) for name in old.keys() | new.keys()}
        moved = {name: d for name, d in moved.items() if d}
        if moved:
            delta[key] = moved
    return delta


def apply(delta: Figures) -> None:
    """Add ``delta`` to the stored rows: ``UPDATE … SET n = n + d``; insert the row when missing."""
    for key in sorted(delta):
        month, kind, org_id = key
        counts = delta[key]
        rows = MonthlyFigures.objects.filter(month=month, kind=kind, org_id=org_id)
        increments = {name: F(name) + d for name, d in counts.items()}
        if rows.update(**increments):
            continue
        try:
            with transaction.atomic():
                MonthlyFigures.objects.create(month=month, kind=kind, org_id=org_id, **counts)
        except IntegrityError:  # inserted meanwhile by another transaction: add to it
            rows.update(**increments)


# ---------------------------------------------------------------------------------------------
# The choke point: saves and deletes of the three models (connected in CasesConfig.ready)

_BEFORE = "_monthly_figures_before"


def _values(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    instance.__dict__.pop(_BEFORE, None)
    fields, _contribution = SOURCES[sender]
    if raw:  # loaddata: the dump carries the MonthlyFigures rows themselves
        return
    if update_fields is not None:
        touched = {sender._meta.get_field(name).attname for name in update_fields}
        if not touched & set(fields):
            return
    stored: dict[str, Any] = {}
    if not instance._state.adding and instance.pk is not None:
        rows = sender._base_manager.filter(pk=instance.pk).values(*fields)[:1]  # no ORDER BY
        stored = next(iter(rows), {})
    instance.__dict__[_BEFORE] = stored


def _after_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs) -> None:
    stored = instance.__dict__.pop(_BEFORE, None)
    if stored is None:
        return
    fields, contribution = SOURCES[sender]
    if stored and update_fields is not None:
        names = {sender._meta.get_field(name).attname for name in update_fields}
        after = {**stored, **_values(instance, [name for name in fields if name in names])}
    else:
        after = _values(instance, fields)
    apply(difference(contribution(stored) if stored else {}, contribution(after)))


def _after_delete(sender, instance, **kwargs) -> None:
    fields, contribution = SOURCES[sender]
    apply(difference(contribution(_values(instance, fields)), {}))


_HOOKS = ((pre_save, _before_save), (post_save, _after_save), (post_delete, _after_delete))


def connect() -> None:
    for model in SOURCES:
        for signal, hook in _HOOKS:
            signal.connect(
                hook, sender=model, dispatch_uid=f"cases.summaries.{model.__name__}.{hook.__name__}"
            )


def disconnect() -> None:
    """Stop keeping the figures (the bench measures what keeping them costs); ``connect`` resumes."""
    for model in SOURCES:
        for signal, hook in _HOOKS:
            signal.disconnect(
                hook, sender=model, dispatch_uid=f"cases.summaries.{model.__name__}.{hook.__name__}"
            )


# ---------------------------------------------------------------------------------------------
# Rebuild and check from the raw rows


def computed(month: dt.date) -> Figures:
    """The figures of ``month`` from the raw rows (the queries of ``evaluation.evaluate_raw``)."""
    month = month.replace(day=1)
    figures: Figures = {}

    def add(key: Key, counts: Mapping[str, int]) -> None:
        row = figures.setdefault(key, {})
        for name, value in counts.items():
            if value:
                row[name] = row.get(name, 0) + value

    keyed = closed_in(month).order_by().values("lead_unit_id", "street_id", "community_id")
    for row in keyed.annotate(**CASE_AGGREGATES):
        counts = {name: row[name] for name in CASE_COUNTS}
        for kind, field in CASE_KEYS:
            if row[field]:
                add((month, kind, row[field]), counts)
    for row in returns_in(month, "org_id"):
        returns = {"dispatched": row["dispatched"], "returned": row["returned"] or 0}
        add((month, FiguresKey.UNIT, row["org_id"]), returns)
    for row in urges_in(month, "unit_id"):
        add((month, FiguresKey.UNIT, row["unit_id"]), {"urged": row["urged"]})
    return {key: counts for key, counts in figures.items() if counts}


def stored(month: dt.date) -> Figures:
    month = month.replace(day=1)
    figures: Figures = {}
    for row in MonthlyFigures.objects.filter(month=month).order_by().values("kind", "org_id", *COUNTS):
        counts = {name: row[name] for name in COUNTS if row[name]}
        if counts:
            figures[(month, row["kind"], row["org_id"])] = counts
    return figures


@dataclass(frozen=True)
class Difference:
    month: dt.date
    kind: str
    org_id: int
    figure: str
    stored: int
    computed: int

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {FiguresKey(self.kind).label} 单位#{self.org_id} {self.figure}:"
            f"汇总 {self.stored},按原始记录应为 {self.computed}"
        )


def check(month: dt.date) -> list[Difference]:
    """The differences between the stored figures of ``month`` and the raw rows ([] when right)."""
    have, want = stored(month), computed(month)
    differences = []
    for key in sorted(have.keys() | want.keys()):
        for name in COUNTS:
            old, new = have.get(key, {}).get(name, 0), want.get(key, {}).get(name, 0)
            if old != new:
                differences.append(Difference(key[0], key[1], key[2], name, old, new))
    return differences


@transaction.atomic
def rebuild(month: dt.date) -> int:
    """Replace the stored figures of ``month`` by those computed from the raw rows; the rows written.

    On PostgreSQL the summary table is locked against writers first (SHARE ROW EXCLUSIVE): a service
    that changed a case before the lock is waited for and read; one blocked by it adds its delta
    after the rebuild, on top of raw rows that did not include its change."""
    month = month.replace(day=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MonthlyFigures._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    figures = computed(month)
    MonthlyFigures.objects.filter(month=month).delete()
    rows = [MonthlyFigures(month=m, kind=k, org_id=org, **counts) for (m, k, org), counts in figures.items()]
    MonthlyFigures.objects.bulk_create(rows, batch_size=500)
    return len(figures)


def months_with_data() -> list[dt.date]:
    """Every month from the first to the last closure, lead dispatch or 催办 (and stored figures)."""
    bounds = [
        Case.objects.filter(status=CaseStatus.CLOSED).aggregate(
            first=Min("closed_at"), last=Max("closed_at")
        ),
        CaseAssignment.objects.filter(role=AssignmentRole.LEAD).aggregate(
            first=Min("dispatched_at"), last=Max("dispatched_at")
        ),
        SupervisionNotice.objects.filter(kind=NoticeKind.URGE).aggregate(
            first=Min("created_at"), last=Max("created_at")
        ),
    ]
    months = [month_of(b[end]) for b in bounds for end in ("first", "last") if b[end] is not None]
    kept = MonthlyFigures.objects.aggregate(first=Min("month"), last=Max("month"))
    months += [kept[end] for end in ("first", "last") if kept[end] is not None]
    if not months:
        return []
    month, last, result = min(months), max(months), []
    while month <= last:
        result.append(month)
        month = month_bounds(month)[1].date()
    return result


def rebuild_all() -> int:
    """``rebuild`` every month with data; the rows written."""
    return sum(rebuild(month) for month in months_with_data())
