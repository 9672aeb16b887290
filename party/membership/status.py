"""Member status periods (党员状态期间: 请假 / 行动不便 / 长期外出 / 流动党员) — the 正当理由 of 党章
第九条 (rules.md §3.1: only a member who "without proper reason" stays away six months lapses).

The branch decides (支部研究同意) and records the period with its reason and days; an open-ended
period (长期) needs a review day. One function per action, each in one transaction — scope check →
rule checks → row → one audit event. Never deleted:

    record_status_period ─► end_status_period (ended early, with reason)
                         └► revoke_status_period (recorded in error, with reason)

What a period changes (``party.compliance``): the days inside it do not count towards the 3- and
6-month lapse rules (a member inside a period on the reference day is not flagged; after it ends
the count starts again), absences from meetings inside it are excused (请假, not 缺席) in the
attendance rate, and the yearly study-hour target is pro-rated by the days outside it. Dues are
unaffected: a member who cannot pay applies for a reduction (党费减免, ``reductions.py``).

``excused_days`` is the set-based loader the engine uses: one query for a subtree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import user_or_none
from core.errors import ServiceError, StateConflict
from core.kit import clean_text
from orgs.permissions import require
from party.membership.models import Member, MemberStatus, MemberStatusPeriod, StatusKind
from party.membership.services import lock_for_update

E = events.register
STATUS_RECORDED = E("party.status_period_recorded", "登记党员状态(请假/行动不便/外出)")
STATUS_ENDED = E("party.status_period_ended", "提前结束党员状态")
STATUS_REVOKED = E("party.status_period_revoked", "撤销党员状态登记")

MAX_AHEAD_DAYS = 90  # a leave may be recorded before it starts, not a season ahead
MAX_REVIEW_MONTHS = 12  # an open-ended period is reviewed at least once a year


def parse_day(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    """A date from a form value (may lie ahead: a leave is recorded before it starts, a review
    day is in the future)."""
    if value in (None, ""):
        if required:
            raise ServiceError(f"请填写{label}", field=field)
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ServiceError(f"{label}格式不正确(应为 年-月-日)", field=field) from error


def _after(period: MemberStatusPeriod) -> dict:
    return {
        "member": period.member.person.name,
        "kind": period.get_kind_display(),
        "reason": period.reason,
        "start_on": period.start_on.isoformat(),
        "end_on": period.end_on.isoformat() if period.end_on else "",
        "review_on": period.review_on.isoformat() if period.review_on else "",
        "decision_note": period.decision_note,
    }


def _check_days(member: Member, start: dt.date, end: dt.date | None, review: dt.date | None) -> None:
    today = kit.today()
    if start < member.joined_on:
        raise ServiceError("起始日期不能早于入党日期", field="start_on")
    if start > today + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise ServiceError(f"起始日期最多可提前 {MAX_AHEAD_DAYS} 天登记", field="start_on")
    if end is not None and end < start:
        raise ServiceError("截止日期不能早于起始日期", field="end_on")
    if end is None:
        if review is None:
            raise ServiceError("未填截止日期(长期)的,须填写复核日期", field="review_on")
        if review <= start or review <= today:
            raise ServiceError("复核日期应晚于起始日期和今天", field="review_on")
        if review > max(start, today) + dt.timedelta(days=366 * MAX_REVIEW_MONTHS // 12):
            raise ServiceError(f"复核日期不能晚于 {MAX_REVIEW_MONTHS} 个月后", field="review_on")


@transaction.atomic
def record_status_period(
    *,
    actor,
    member: Member,
    kind: str,
    reason: str,
    start_on,
    end_on=None,
    review_on=None,
    decision_note: str = "",
) -> MemberStatusPeriod:
    """Record a status period the branch decided (支部研究同意), with its reason and days."""
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权为该党员登记党员状态")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(f"党员状态为“{member.get_status_display()}”,不能登记", field="member")
    if kind not in StatusKind.values:
        raise ServiceError("请选择党员状态", field="kind")
    reason = clean_text(reason, "reason", "正当理由", required=True, limit=200)
    note = clean_text(decision_note, "decision_note", "支部研究意见", required=True, limit=200)
    start = parse_day(start_on, "start_on", "起始日期") or kit.today()
    end = parse_day(end_on, "end_on", "截止日期", required=False)
    review = parse_day(review_on, "review_on", "复核日期", required=False)
    _check_days(member, start, end, review)
    clash = MemberStatusPeriod.objects.filter(member=member).overlapping(start, end or dt.date.max).first()
    if clash is not None:
        raise StateConflict(
            f"与已登记的“{clash.get_kind_display()}”({clash.span_label})时间重叠,请先结束或撤销原登记",
            field="start_on",
        )
    now = clock.now()
    period = MemberStatusPeriod.objects.create(
        member=member,
        org=member.org,
        kind=kind,
        reason=reason,
        start_on=start,
        end_on=end,
        review_on=None if end is not None else review,
        decided_by=user_or_none(actor),
        decided_at=now,
        decision_note=note,
        recorded_by=user_or_none(actor),
        created_at=now,
    )
    record(period, STATUS_RECORDED, actor=actor, reason=reason, after=_after(period))
    return period


@transaction.atomic
def end_status_period(*, actor, period: MemberStatusPeriod, end_on, reason: str) -> MemberStatusPeriod:
    """End a period early (the member is back, recovered …): the days up to ``end_on`` stay excused."""
    period = lock_for_update(MemberStatusPeriod, period.pk)
    require(actor, "change", period.org, "无权结束该党员状态")
    if period.revoked_at is not None:
        raise StateConflict("该登记已撤销", field="end_on")
    end = parse_day(end_on, "end_on", "结束日期") or kit.today()
    if end < period.start_on:
        raise ServiceError("结束日期不能早于起始日期", field="end_on")
    if period.end_on is not None and end >= period.end_on:
        raise ServiceError(f"结束日期应早于原截止日期 {period.end_on:%Y-%m-%d}", field="end_on")
    before = _after(period)
    period.end_on = end
    period.end_reason = clean_text(reason, "end_reason", "结束原因", required=True, limit=200)
    period.save(update_fields=["end_on", "end_reason"])
    record(period, STATUS_ENDED, actor=actor, reason=period.end_reason, before=before, after=_after(period))
    return period


@transaction.atomic
def revoke_status_period(*, actor, period: MemberStatusPeriod, reason: str) -> MemberStatusPeriod:
    """Revoke a period recorded in error: it excuses nothing any more (kept, marked 已撤销)."""
    period = lock_for_update(MemberStatusPeriod, period.pk)
    require(actor, "change", period.org, "无权撤销该党员状态")
    if period.revoked_at is not None:
        raise StateConflict("该登记已撤销", field="reason")
    period.revoke_reason = clean_text(reason, "revoke_reason", "撤销原因", required=True, limit=200)
    period.revoked_at = clock.now()
    period.save(update_fields=["revoked_at", "revoke_reason"])
    record(period, STATUS_REVOKED, actor=actor, reason=period.revoke_reason, before=_after(period))
    return period


# ---------------------------------------------------------------------------------------------
# What the periods excuse (read by the compliance rules)

Span = tuple[dt.date, dt.date | None, str, str]  # start, end (None: open), kind label, reason


def spans(q, start: dt.date, end: dt.date) -> dict[int, list[Span]]:
    """The live periods with a day in [start, end] of the members matching ``q`` (a ``Q`` over
    ``MemberStatusPeriod``, e.g. the subtree's ``org_path``), by member, earliest first. One query."""
    result: dict[int, list[Span]] = defaultdict(list)
    labels = dict(StatusKind.choices)
    for member_id, first, last, kind, reason in (
        MemberStatusPeriod.objects.filter(q)
        .overlapping(start, end)
        .order_by("member_id", "start_on", "pk")
        .values_list("member_id", "start_on", "end_on", "kind", "reason")
    ):
        result[member_id].append((first, last, labels.get(kind, kind), reason))
    return result


def covering(periods: list[Span], day: dt.date) -> Span | None:
    """The period covering ``day``, if any."""
    for period in periods:
        if period[0] <= day and (period[1] is None or day <= period[1]):
            return period
    return None


def days_inside(periods: list[Span], start: dt.date, end: dt.date) -> int:
    """How many days of [start, end] the periods cover (they never overlap)."""
    total = 0
    for first, last, _, _ in periods:
        lo, hi = max(first, start), min(last or end, end)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def restart_after(periods: list[Span], since: dt.date, upto: dt.date) -> dt.date:
    """The day from which absence counts again for the lapse rules: the day after the last period
    that ended in (since, upto]; ``since`` when none did."""
    for first, last, _, _ in periods:
        if last is not None and since <= last < upto and first <= upto:
            since = max(since, last + dt.timedelta(days=1))
    return since
