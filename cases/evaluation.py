"""Monthly evaluation of handling units (综合评价): 三率 plus on-time, rework and return rates.

Definitions (rules.md §8.12–8.15, anchors.md §1.7), for a unit and a calendar month:
- the unit's cases are those **closed** in the month whose final lead unit is the unit (a
  department or office), or — for the territorial tables — whose place is in the street /
  community (grids count for their community);
- valid callbacks (有效回访) = those cases with a callback rating;
- 响应率 = callbacks where the reporter says the unit contacted them ÷ valid callbacks;
- 解决率 = callbacks rated resolved ÷ valid callbacks;
- 满意率 = (满意 + 基本满意 × factor) ÷ valid callbacks (factor configurable, default 0.9);
- 按期结案率 = cases whose lead fed back by the handling deadline ÷ closed cases;
- 返工率 = closed cases that went back for rework at least once ÷ closed cases;
- 退单率 = lead assignments the unit returned (dispatched in the month) ÷ lead assignments
  dispatched to it in the month; returns the dispatcher upheld (a wrong dispatch, not the unit's
  fault) are excluded.
Cases the supervision office approved as unreasonable claims (不合理诉求, ``CaseRequest`` of kind
exclusion) are left out of every case-based rate; duplicates merged into a master case count once
(through the master). Returns are counted on the dispatch record alone.
Composite = Σ weight × rate, with 返工率 and 退单率 counted as (1 − rate), minus
``urge_deduction`` points for each 催办 the supervision office sent the unit in the month (被催办次数,
``SupervisionNotice`` of kind urge, addressed to the unit or an office under it); weights are versioned
by month (``EvaluationWeights``). A rate with no denominator is "—" and its weight is spread
over the others, so a unit is not punished or rewarded for having no callbacks; a unit that
closed nothing in the month is listed without a score or rank.
``evaluate`` reads the stored monthly figures (``MonthlyFigures``, kept up to date by
``cases.summaries`` as cases change): one query over a few hundred rows. ``evaluate_raw`` computes
the same table from the raw rows with a few aggregate queries per month (no per-case Python loops);
``summaries.check`` and the tests hold the two together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from orgs.models import Org, OrgKind

from .models import (
    AssignmentRole,
    Case,
    CaseAssignment,
    CaseStatus,
    EvaluationWeights,
    FiguresKey,
    MonthlyFigures,
    NoticeKind,
    SupervisionNotice,
)

DEFAULT_WEIGHTS = EvaluationWeights(
    effective_from=dt.date(2000, 1, 1),
    response=Decimal("0.10"),
    resolution=Decimal("0.30"),
    satisfaction=Decimal("0.30"),
    on_time=Decimal("0.20"),
    rework=Decimal("0.05"),
    returns=Decimal("0.05"),
    urge_deduction=Decimal("0.5"),
    basic_satisfied_factor=Decimal("0.9"),
    note="系统默认",
)
RATES = ("response", "resolution", "satisfaction", "on_time", "rework", "returns")
RATE_LABELS = {
    "response": "响应率",
    "resolution": "解决率",
    "satisfaction": "满意率",
    "on_time": "按期结案率",
    "rework": "返工率",
    "returns": "退单率",
}
GROUPS = {"department": "区直部门", "street": "街道/乡镇", "community": "社区/村"}
# group → (kinds of the ranked units, the case field whose org path attributes a case to a unit):
# departments by the lead unit (their offices count for them), streets and communities by place.
GROUP_SOURCES = {
    "department": ((OrgKind.DEPARTMENT,), "lead_unit__path"),
    "street": ((OrgKind.STREET, OrgKind.TOWN), "street__path"),
    "community": ((OrgKind.COMMUNITY, OrgKind.VILLAGE), "community__path"),
}


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def weights_for(month: dt.date) -> EvaluationWeights:
    first = month.replace(day=1)
    return EvaluationWeights.objects.filter(effective_from__lte=first).first() or DEFAULT_WEIGHTS


@dataclass
class UnitScore:
    unit: Org
    closed: int = 0
    callbacks: int = 0
    contacted: int = 0
    resolved: int = 0
    satisfied: int = 0
    basic: int = 0
    on_time: int = 0
    reworked: int = 0
    dispatched: int = 0
    returned: int = 0
    urged: int = 0  # 被催办次数: manual 催办 by the supervision office in the month
    rates: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None


def _ratio(numerator, denominator) -> float | None:
    return None if not denominator else numerator / denominator


def _finish(score: UnitScore, weights: EvaluationWeights) -> UnitScore:
    factor = float(weights.basic_satisfied_factor)
    score.rates = {
        "response": _ratio(score.contacted, score.callbacks),
        "resolution": _ratio(score.resolved, score.callbacks),
        "satisfaction": _ratio(score.satisfied + factor * score.basic, score.callbacks),
        "on_time": _ratio(score.on_time, score.closed),
        "rework": _ratio(score.reworked, score.closed),
        "returns": _ratio(score.returned, score.dispatched),
    }
    total_weight, weighted = 0.0, 0.0
    for rate in RATES:
        value = score.rates[rate]
        if value is None:
            continue
        weight = float(getattr(weights, rate))
        total_weight += weight
        weighted += weight * ((1 - value) if rate in ("rework", "returns") else value)
    # A unit with no closed case in the month is listed but not scored: a lone pending dispatch
    # would otherwise score 100 on its return rate alone.
    score.score = round(100 * weighted / total_weight, 2) if total_weight and score.closed else None
    if score.score is not None and score.urged:
        score.score = round(max(0.0, score.score - score.urged * float(weights.urge_deduction)), 2)
    return score


CASE_AGGREGATES = {
    "closed": Count("id"),
    "callbacks": Count("id", filter=Q(rated_at__isnull=False)),
    "contacted": Count("id", filter=Q(rated_at__isnull=False, rating_contacted=True)),
    "resolved": Count("id", filter=Q(rated_at__isnull=False, rating_resolved=True)),
    "satisfied": Count("id", filter=Q(rated_at__isnull=False, rating_satisfaction="satisfied")),
    "basic": Count("id", filter=Q(rated_at__isnull=False, rating_satisfaction="basic")),
    "on_time": Count("id", filter=Q(closed_on_time=True)),
    "reworked": Count("id", filter=Q(rework_count__gt=0)),
}


def closed_in(month: dt.date):
    start, end = month_bounds(month)
    return Case.objects.filter(
        status=CaseStatus.CLOSED,
        closed_at__gte=start,
        closed_at__lt=end,
        resolved_on_spot=False,
        excluded_from_evaluation=False,
    )


def returns_in(month: dt.date, unit_field: str):
    start, end = month_bounds(month)
    leads = CaseAssignment.objects.filter(
        role=AssignmentRole.LEAD, dispatched_at__gte=start, dispatched_at__lt=end
    )
    # order_by(): the model's default ordering starts with ``case`` and would join cases_case.
    return (
        leads.order_by()
        .values(unit_field)
        .annotate(
            dispatched=Count("id"),
            returned=Sum(
                SqlCase(
                    When(Q(returned_at__isnull=False) & ~Q(return_upheld=True), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
    )


def urges_in(month: dt.date, unit_field: str = "unit__path"):
    """催办 by the supervision office in the month, per addressed unit."""
    start, end = month_bounds(month)
    return (
        SupervisionNotice.objects.filter(kind=NoticeKind.URGE, created_at__gte=start, created_at__lt=end)
        .order_by()
        .values(unit_field)
        .annotate(urged=Count("id"))
    )


SUMMARY_KEYS = {
    "department": FiguresKey.LEAD_UNIT,
    "street": FiguresKey.STREET,
    "community": FiguresKey.COMMUNITY,
}


class _Table:
    """The units of a group, each with an empty ``UnitScore``, and ``owner(path)``: the unit whose
    subtree holds a path (exact unit, an office of a department, a grid of a community)."""

    def __init__(self, group: str):
        if group not in GROUPS:
            raise ValueError(group)
        kinds, _case_key = GROUP_SOURCES[group]
        units = Org.objects.filter(kind__in=kinds, archived_at__isnull=True)
        self.scores = {unit.path: UnitScore(unit=unit) for unit in units}

    def owner(self, path: str | None) -> UnitScore | None:
        if not path:
            return None
        for length in range(len(path), 0, -4):
            hit = self.scores.get(path[:length])
            if hit is not None:
                return hit
        return None

    def add(self, path: str | None, counts: dict[str, int]) -> None:
        target = self.owner(path)
        if target is not None:
            for key, value in counts.items():
                setattr(target, key, getattr(target, key) + (value or 0))

    def ranked(self, month: dt.date) -> list[UnitScore]:
        weights = weights_for(month)
        active = [score for score in self.scores.values() if score.closed or score.dispatched]
        table = [_finish(score, weights) for score in active]
        table.sort(key=lambda s: (s.score is None, -(s.score or 0), -s.closed, s.unit.name))
        for position, score in enumerate(table, start=1):
            score.rank = position if score.score is not None else None
        return table


_UNIT_COUNTS = ("dispatched", "returned", "urged")


def evaluate(month: dt.date, group: str) -> list[UnitScore]:
    """The ranked table of ``group`` (department / street / community) for ``month``, from the
    stored monthly figures (``MonthlyFigures``, kept by ``cases.summaries``): one query over the
    month's rows of the group's key and of the units, a few hundred rows."""
    table = _Table(group)
    kinds = (SUMMARY_KEYS[group], FiguresKey.UNIT)
    rows = (
        MonthlyFigures.objects.filter(month=month.replace(day=1), kind__in=kinds)
        .order_by()
        .values_list("kind", "org__path", *CASE_AGGREGATES, *_UNIT_COUNTS)
    )
    case_figures = slice(2, 2 + len(CASE_AGGREGATES))
    unit_figures = slice(2 + len(CASE_AGGREGATES), None)
    for row in rows:
        if row[0] == FiguresKey.UNIT:
            table.add(row[1], dict(zip(_UNIT_COUNTS, row[unit_figures], strict=True)))
        else:
            table.add(row[1], dict(zip(CASE_AGGREGATES, row[case_figures], strict=True)))
    return table.ranked(month)


def evaluate_raw(month: dt.date, group: str) -> list[UnitScore]:
    """``evaluate`` computed from the raw rows (cases, lead assignments, urges) — what the stored
    figures must agree with (``summaries.check``); aggregate queries over the whole month."""
    table = _Table(group)
    _kinds, case_key = GROUP_SOURCES[group]
    for row in closed_in(month).values(case_key).annotate(**CASE_AGGREGATES):
        table.add(row[case_key], {key: row[key] for key in CASE_AGGREGATES})
    for row in returns_in(month, "org_path"):
        table.add(row["org_path"], {"dispatched": row["dispatched"], "returned": row["returned"]})
    for row in urges_in(month):
        table.add(row["unit__path"], {"urged": row["urged"]})
    return table.ranked(month)


PAST_MONTH_CACHE_SECONDS = 600


def evaluate_cached(month: dt.date, group: str) -> list[UnitScore]:
    """``evaluate`` for the rankings page's trend: months before the current one change only when
    a late callback or an approved exclusion lands, so their tables are kept for ten minutes
    (bench/README.md: the page ran ``evaluate`` seven times, 4.4 s at 1M cases). The current month
    is always computed afresh."""
    from django.core.cache import cache

    this_month = timezone.localdate().replace(day=1)
    if month.replace(day=1) >= this_month:
        return evaluate(month, group)
    key = f"cases:evaluate:{month:%Y-%m}:{group}"
    table = cache.get(key)
    if table is None:
        table = evaluate(month, group)
        cache.set(key, table, PAST_MONTH_CACHE_SECONDS)
    return table
