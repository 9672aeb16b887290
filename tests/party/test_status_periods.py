"""Member status periods (党员状态期间, 正当理由): recorded by the branch with reason and days, never
deleted, and excused by the lapse (党章第九条), attendance and study-hour rules — the branch score
does not drop for an excused member."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from party.compliance.context import Context
from party.compliance.scoring import scores
from party.life import services as life
from party.membership import status
from party.models import MeetingKind, MemberStatusPeriod, TrainingRecord
from party.rules import Rules

from ..conftest import grant
from .conftest import REF, all_present
from .test_compliance import Q3, check, meet, rules_of

pytestmark = pytest.mark.django_db


def record(member, **kwargs):
    values = {
        "actor": SYSTEM,
        "member": member,
        "kind": "infirm",
        "reason": "88岁高龄,长期卧床,行动不便",
        "start_on": dt.date(2026, 1, 10),
        "end_on": None,
        "review_on": dt.date(2027, 1, 10),
        "decision_note": "支委会研究同意,由支委每季度上门送学",
    }
    values.update(kwargs)
    return status.record_status_period(**values)


# -- services -----------------------------------------------------------------------------------


def test_record_end_and_revoke_are_audited_and_nothing_is_deleted(world, branch):
    secretary = grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1")
    member = branch.members[5]
    period = record(member, actor=secretary)
    assert period.org == branch and period.decided_by == secretary and period.decided_at is not None
    assert period.covers(dt.date(2026, 6, 1)) and not period.covers(dt.date(2026, 1, 9))
    status.end_status_period(actor=secretary, period=period, end_on="2026-08-31", reason="身体康复")
    period.refresh_from_db()
    assert period.end_on == dt.date(2026, 8, 31) and period.end_reason == "身体康复"
    status.revoke_status_period(actor=secretary, period=period, reason="录入错误")
    period.refresh_from_db()
    assert period.revoked_at is not None and not period.covers(dt.date(2026, 6, 1))
    assert MemberStatusPeriod.objects.filter(pk=period.pk).exists()
    actions = list(AuditEvent.objects.for_subject(period).order_by("pk").values_list("action", flat=True))
    assert actions == [status.STATUS_RECORDED, status.STATUS_ENDED, status.STATUS_REVOKED]
    with pytest.raises(StateConflict):
        status.revoke_status_period(actor=secretary, period=period, reason="再撤销")


def test_reason_review_day_and_overlap_are_checked(branch):
    member = branch.members[5]
    with pytest.raises(ServiceError) as error:
        record(member, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(ServiceError) as error:
        record(member, review_on=None)  # open-ended needs a review day
    assert error.value.field == "review_on"
    with pytest.raises(ServiceError) as error:
        record(member, end_on=dt.date(2026, 1, 1))  # before the start
    assert error.value.field == "end_on"
    with pytest.raises(ServiceError) as error:
        record(member, start_on=dt.date(2000, 1, 1))  # before joining (2010)
    assert error.value.field == "start_on"
    record(member, kind="leave", reason="外出就医", end_on=dt.date(2026, 3, 31), review_on=None)
    with pytest.raises(StateConflict):
        record(member, start_on=dt.date(2026, 3, 1))
    record(member, start_on=dt.date(2026, 4, 1))  # right after: fine


def test_only_the_branch_in_scope_may_record(world, branch):
    outsider = grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        record(branch.members[5], actor=outsider)
    assert not MemberStatusPeriod.objects.exists()
    assert MemberStatusPeriod.objects.visible_to(outsider, "view").count() == 0


# -- rules ----------------------------------------------------------------------------------------


def _absent_since_march(branch):
    m = branch.members
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 3, 10))
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 9, 10), attendance=all_present(m, {m[5].pk: "absent"}))
    return m[5]


def test_a_member_inside_a_period_is_not_a_lapse_and_the_score_does_not_drop(branch):
    member = _absent_since_march(branch)
    before = check(branch)
    assert [f for f in before if f.rule == "member.lapse_flag" and member.person.name in f.reason]
    record(member, start_on=dt.date(2026, 4, 1))
    after = check(branch)
    assert "member.lapse_flag" not in rules_of(after)
    assert not any(member.person.name in " ".join(f.evidence) for f in after if f.rule.startswith("member."))
    rules = Rules.load(REF)
    assert scores(branch, after, rules)[branch.pk].score > scores(branch, before, rules)[branch.pk].score


def test_the_count_starts_again_when_the_period_ends(branch):
    member = _absent_since_march(branch)
    record(member, kind="leave", reason="外出就医", start_on=dt.date(2026, 4, 1), end_on=dt.date(2026, 6, 15))
    found = check(branch)
    assert "member.lapse_flag" not in rules_of(found)  # counted from 06-16: 3½ months
    warnings = [f for f in found if f.rule == "member.lapse_warning"]
    assert warnings and member.person.name in warnings[0].evidence[0]


def test_a_revoked_period_excuses_nothing(branch):
    member = _absent_since_march(branch)
    period = record(member, start_on=dt.date(2026, 4, 1))
    status.revoke_status_period(actor=SYSTEM, period=period, reason="核实并无此事")
    assert [f for f in check(branch) if f.rule == "member.lapse_flag"]


def test_absences_inside_a_period_are_leave_not_absence_in_the_attendance_rate(branch):
    m = branch.members
    # 8 expected, 6 present: 75% < 80%.
    meeting_day = dt.date(2026, 7, 10)
    meet(
        branch,
        MeetingKind.THEME_DAY,
        meeting_day,
        attendance=all_present(m, {m[6].pk: "absent", m[7].pk: "absent"}),
    )
    assert "meeting.low_attendance" in rules_of(check(branch))
    record(m[7], start_on=dt.date(2026, 7, 1))
    assert "meeting.low_attendance" not in rules_of(check(branch))  # 6 of 7: 86%


def test_attendance_excuse_needs_the_period_to_cover_the_meeting_day(branch):
    m = branch.members
    meet(
        branch,
        MeetingKind.THEME_DAY,
        dt.date(2026, 7, 10),
        attendance=all_present(m, {m[6].pk: "absent", m[7].pk: "absent"}),
    )
    record(m[7], start_on=dt.date(2026, 7, 11))
    found = [f for f in check(branch) if f.rule == "meeting.low_attendance"]
    assert found and "经支部备案请假" not in found[0].evidence[0]


def test_study_hours_are_pro_rated_by_the_days_outside_the_period(branch):
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    after_year = dt.date(2027, 1, 5)
    for member in branch.members:
        life.record_training(
            actor=SYSTEM, member=member, title="党员冬训", started_on=dt.date(2026, 11, 1), hours=60
        )
    member = branch.members[5]
    # 32 hours a year for a member: a half-year period (182 days) leaves a 16.1-hour target.
    TrainingRecord.objects.filter(member=member).update(hours=20)
    assert "study.gap" in rules_of(check(branch, *year, today=after_year))
    record(
        member,
        kind="away",
        reason="赴新疆支教一年",
        start_on=dt.date(2026, 7, 3),
        end_on=dt.date(2026, 12, 31),
    )
    assert "study.gap" not in rules_of(check(branch, *year, today=after_year))
    TrainingRecord.objects.filter(member=member).update(hours=10)
    found = [f for f in check(branch, *year, today=after_year) if f.rule == "study.gap"]
    assert found and "按比例应达" in found[0].evidence[0]


def test_the_periods_load_in_one_query_for_the_subtree(branch, django_assert_num_queries):
    for member in branch.members[4:8]:
        record(member, start_on=dt.date(2026, 4, 1))
    ctx = Context(branch, *Q3, REF)
    ctx.orgs  # noqa: B018 (the scope is resolved first)
    with django_assert_num_queries(1):
        spans = ctx.status_spans
    assert len(spans) == 4


# -- pages ----------------------------------------------------------------------------------------


def test_the_secretary_records_a_period_on_the_phone_form_and_sees_it_listed(client, world, branch):
    from django.urls import reverse

    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    member = branch.members[5]
    url = reverse("party:status_new", args=[branch.pk])
    page = client.get(url + f"?member={member.pk}")
    assert page.status_code == 200 and "正当理由" in page.content.decode()
    bad = client.post(
        url, {"member": member.pk, "kind": "infirm", "reason": "年老体弱", "start_on": "2026-11-01"}
    )
    assert bad.status_code == 200 and "复核日期" in bad.content.decode()  # the service's message on the form
    response = client.post(
        url,
        {
            "member": member.pk,
            "kind": "infirm",
            "reason": "年老体弱,长期卧床",
            "start_on": "2026-11-01",
            "review_on": "2027-05-01",
            "decision_note": "11月支委会研究同意",
        },
    )
    assert response.status_code == 302
    period = MemberStatusPeriod.objects.get(member=member)
    branch_page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    assert "年老体弱,长期卧床" in branch_page and "生效中" in branch_page
    dues_page = client.get(reverse("party:member_dues", args=[member.pk])).content.decode()
    assert "行动不便" in dues_page and "11月支委会研究同意" in dues_page
    client.post(reverse("party:status_end", args=[period.pk]), {"end_on": "2026-12-01", "reason": "已康复"})
    period.refresh_from_db()
    assert period.end_on == dt.date(2026, 12, 1) and period.end_reason == "已康复"
    client.post(reverse("party:status_revoke", args=[period.pk]), {"reason": ""})  # a reason is required
    period.refresh_from_db()
    assert period.revoked_at is None


def test_outside_the_branch_the_pages_are_not_found(client, world, branch):
    from django.urls import reverse

    period = record(branch.members[5])
    client.force_login(grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3"))
    assert client.get(reverse("party:status_new", args=[branch.pk])).status_code == 404
    response = client.post(reverse("party:status_revoke", args=[period.pk]), {"reason": "越权"})
    assert response.status_code == 404
    period.refresh_from_db()
    assert period.revoked_at is None


def test_the_meeting_page_shows_an_excused_absence_as_leave(client, world, branch):
    from django.urls import reverse

    m = branch.members
    record(m[7], start_on=dt.date(2026, 7, 1))
    meeting = meet(
        branch,
        MeetingKind.THEME_DAY,
        dt.date(2026, 7, 10),
        attendance=all_present(m, {m[6].pk: "absent", m[7].pk: "absent"}),
    )
    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    page = client.get(reverse("party:meeting", args=[meeting.pk])).content.decode()
    assert f"{m[7].person.name}(行动不便(年老体弱、患病),支部备案)" in page
    assert f"缺席</span> {m[6].person.name}" in page
