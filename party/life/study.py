"""A member's year of organization life in one row (``MemberYear``, 党员年度组织生活台账): the study
hours of the live meetings they were present at and the last day they were present.

Both are derived from the attendance rows and kept in step with them: ``refresh`` recomputes a
member's rows whenever a meeting's attendance, date, hours or validity changes (the meeting
services call it), ``rebuild`` after a bulk load that wrote attendance directly. The compliance
engine and the member list read one row a member and year instead of a year of attendance joined
to its meetings: ``hours`` (with the training records, ``TrainingRecord``) for the study-hour
targets, ``last_present`` for the lapse rules (党章第九条). Both fall back to the attendance rows when
asked about a day in the past: the rows hold each year so far.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import ExtractYear

from core import clock
from party.life.models import Attendance, AttendanceStatus, MemberYear, TrainingRecord
from party.membership.models import Member

CST = dt.timezone(dt.timedelta(hours=8))
CHUNK = 2000


def _totals(attendance):
    """(member, year, hours, last day present) of the live meetings present at, in the database."""
    return (
        attendance.filter(status=AttendanceStatus.PRESENT, meeting__voided_at__isnull=True)
        .values("member_id", year=ExtractYear("held_on"))
        .annotate(hours=Sum("meeting__study_hours"), last=Max("held_on"))
        .values_list("member_id", "year", "hours", "last")
        .order_by()
    )


def refresh(member_ids, years) -> None:
    """Recompute the ``MemberYear`` rows of these members for these years. The members' rows are
    locked first (FOR NO KEY UPDATE, which does not wait on the key-share locks that inserting
    attendance takes), so two meetings recorded at once for the same members each count the
    other's committed rows."""
    member_ids = sorted(set(member_ids))
    now = clock.now()
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        list(
            Member.objects.select_for_update(no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk")
        )
        for year in sorted(set(years)):
            attendance = Attendance.objects.filter(
                member_id__in=chunk, held_on__gte=dt.date(year, 1, 1), held_on__lte=dt.date(year, 12, 31)
            )
            found = {member_id: (hours, last) for member_id, _, hours, last in _totals(attendance)}
            MemberYear.objects.bulk_create(
                [
                    MemberYear(
                        member_id=m,
                        year=year,
                        hours=found.get(m, (None, None))[0] or Decimal(0),
                        last_present_on=found.get(m, (None, None))[1],
                        updated_at=now,
                    )
                    for m in chunk
                ],
                update_conflicts=True,
                unique_fields=["year", "member"],
                update_fields=["hours", "last_present_on", "updated_at"],
            )


@transaction.atomic
def rebuild() -> int:
    """Rebuild every member's ``MemberYear`` rows from the attendance rows — after a bulk load that
    wrote attendance directly (the demo, the benchmark loader). Returns the rows written."""
    MemberYear.objects.all().delete()  # derived rows, rebuilt below from the records
    now = clock.now()
    rows = (
        MemberYear(
            member_id=member_id, year=year, hours=hours or Decimal(0), last_present_on=last, updated_at=now
        )
        for member_id, year, hours, last in _totals(Attendance.objects.all()).iterator(chunk_size=10000)
    )
    written = 0
    while batch := list(itertools.islice(rows, 10000)):
        MemberYear.objects.bulk_create(batch)
        written += len(batch)
    return written


def _so_far(day: dt.date) -> bool:
    """Whether the rows answer for ``day``: nothing is recorded with a future date, so a year's
    row is the year up to any day from today on."""
    return day >= clock.now().astimezone(CST).date()


def hours(members, year: int, upto: dt.date | None = None) -> dict[int, Decimal]:
    """Study hours of ``members`` (a queryset) in ``year``, up to ``upto`` (the year so far when
    None): the meetings they were present at, wherever held, and their training records."""
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    upto = min(upto or year_end, year_end)
    result: dict[int, Decimal] = defaultdict(Decimal)
    if upto >= year_end or _so_far(upto):
        rows = MemberYear.objects.filter(year=year, member__in=members).values_list("member_id", "hours")
    else:
        attendance = Attendance.objects.filter(member__in=members, held_on__gte=year_start, held_on__lte=upto)
        rows = ((member_id, total) for member_id, _, total, _ in _totals(attendance))
    for member_id, total in rows:
        result[member_id] += total or Decimal(0)
    for member_id, total in (
        TrainingRecord.objects.filter(member__in=members, started_on__gte=year_start, started_on__lte=upto)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    ):
        result[member_id] += total
    return result


def last_present(members, upto: dt.date) -> dict[int, dt.date]:
    """The last day each of ``members`` (a queryset) was present at a live meeting, up to ``upto``;
    members never present are left out."""
    if _so_far(upto):
        rows = MemberYear.objects.filter(member__in=members, last_present_on__isnull=False)
    else:
        rows = Attendance.objects.filter(
            member__in=members,
            status=AttendanceStatus.PRESENT,
            held_on__lte=upto,
            meeting__voided_at__isnull=True,
        )
    field = "last_present_on" if rows.model is MemberYear else "held_on"
    return dict(
        rows.values("member_id").annotate(last=Max(field)).values_list("member_id", "last").order_by()
    )
