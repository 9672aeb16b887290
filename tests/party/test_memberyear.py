"""Member years (党员年度组织生活台账: study hours and the last day present): kept in step with the
attendance by the meeting services, rebuilt after bulk loads, and read the same way by the
compliance engine and the member list."""

import datetime as dt
from decimal import Decimal

import pytest

from core.actors import SYSTEM
from party.life import services
from party.life import study as memberyear
from party.models import MeetingKind, Member, MemberYear

from .conftest import all_present

pytestmark = pytest.mark.django_db


def record(branch, held_on, attendance, kind=MeetingKind.THEME_DAY, hours=None):
    return services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=kind,
        held_on=held_on,
        topic="学习党的二十届四中全会精神",
        attendance=attendance,
        minutes="支部书记领学全会公报,党员结合岗位逐一交流学习体会。" * 4,
        study_hours=hours,
    )


def table(year):
    return {m: h for m, h in MemberYear.objects.filter(year=year).values_list("member_id", "hours")}


def test_recording_correcting_and_voiding_keep_the_yearly_hours(seeded, branch):
    m = branch.members
    first = record(branch, dt.date(2026, 3, 5), all_present(m, {m[1].pk: ("absent", "")}), hours=2)
    record(branch, dt.date(2026, 4, 9), all_present(m, {m[2].pk: ("leave", "外出务工")}), hours="1.5")
    hours = table(2026)
    assert hours[m[0].pk] == Decimal("3.5")
    assert hours[m[1].pk] == Decimal("1.5")  # absent at the first
    assert hours[m[2].pk] == Decimal("2")  # on leave at the second
    assert len(hours) == len(m)

    # Present → absent, and the hours of the meeting changed.
    services.correct_meeting(
        actor=SYSTEM,
        meeting=first,
        reason="补录缺席",
        attendance=all_present(m, {m[0].pk: ("absent", ""), m[1].pk: ("absent", "")}),
        study_hours="3",
    )
    hours = table(2026)
    assert hours[m[0].pk] == Decimal("1.5") and hours[m[3].pk] == Decimal("4.5")

    # Moved to the year before: it leaves this year's hours and enters last year's.
    services.correct_meeting(actor=SYSTEM, meeting=first, reason="日期录错", held_on=dt.date(2025, 12, 18))
    assert table(2026)[m[3].pk] == Decimal("1.5") and table(2025)[m[3].pk] == Decimal("3")

    services.void_meeting(actor=SYSTEM, meeting=first, reason="重复录入")
    assert table(2025)[m[3].pk] == Decimal("0") and table(2026)[m[3].pk] == Decimal("1.5")


def test_rebuild_gives_what_the_services_kept(seeded, branch):
    m = branch.members
    record(branch, dt.date(2026, 2, 12), all_present(m, {m[4].pk: ("absent", "")}), hours=2)
    voided = record(branch, dt.date(2026, 5, 14), all_present(m), hours=4)
    services.void_meeting(actor=SYSTEM, meeting=voided, reason="重复录入")
    kept = table(2026)
    MemberYear.objects.all().delete()
    assert memberyear.rebuild() == len(m) - 1  # m[4] was present at no live meeting: no row
    rebuilt = table(2026)
    assert rebuilt == {k: v for k, v in kept.items() if v}
    assert kept[m[4].pk] == 0


def test_reading_the_past_sums_the_attendance_up_to_that_day(seeded, branch):
    m = branch.members
    record(branch, dt.date(2026, 3, 5), all_present(m), hours=2)
    record(branch, dt.date(2026, 6, 4), all_present(m, {m[0].pk: ("absent", "")}), hours=3)
    services.record_training(
        actor=SYSTEM, member=m[0], title="网络培训", started_on=dt.date(2026, 4, 1), hours="6"
    )
    members = Member.objects.filter(org=branch)
    now = memberyear.hours(members, 2026)  # the table
    assert now[m[0].pk] == Decimal("8") and now[m[1].pk] == Decimal("5")
    spring = memberyear.hours(members, 2026, dt.date(2026, 4, 30))  # before the June meeting
    assert spring[m[0].pk] == Decimal("8") and spring[m[1].pk] == Decimal("2")
    winter = memberyear.hours(members, 2026, dt.date(2026, 3, 31))  # before the training too
    assert winter[m[0].pk] == Decimal("2")
    # The table and the sum of the attendance agree on the year so far.
    MemberYear.objects.all().delete()
    assert memberyear.hours(members, 2026)[m[1].pk] == Decimal("0")  # the table is what is read
    memberyear.rebuild()
    assert memberyear.hours(members, 2026) == now


def test_last_present_skips_voided_meetings_and_reads_the_past_from_attendance(seeded, branch):
    m = branch.members
    record(branch, dt.date(2025, 11, 6), all_present(m))
    record(branch, dt.date(2026, 3, 5), all_present(m, {m[0].pk: ("absent", "")}))
    voided = record(branch, dt.date(2026, 6, 4), all_present(m))
    services.void_meeting(actor=SYSTEM, meeting=voided, reason="重复录入")
    members = Member.objects.filter(org=branch)
    now = memberyear.last_present(members, dt.date(2026, 11, 29))
    assert now[m[0].pk] == dt.date(2025, 11, 6) and now[m[1].pk] == dt.date(2026, 3, 5)
    past = memberyear.last_present(members, dt.date(2026, 2, 1))  # from the attendance rows
    assert past[m[1].pk] == dt.date(2025, 11, 6)
    assert memberyear.last_present(members, dt.date(2025, 1, 1)) == {}
