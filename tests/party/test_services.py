"""Meeting records: refusals with Chinese messages, vote arithmetic, corrections that keep the
prior version, voiding instead of deleting, rule versions by effective date."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role
from party.life import services
from party.models import Meeting, MeetingKind, MeetingRevision, Resolution, RuleParameter
from party.rules import Rules
from party.terms import services as term_services

from ..conftest import grant
from ..factories import RuleParameterFactory
from .conftest import add_members, all_present

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 9, 10)


def record(branch, **kwargs):
    defaults = {
        "actor": SYSTEM,
        "org": branch,
        "kind": MeetingKind.BRANCH_ASSEMBLY,
        "held_on": DAY,
        "topic": "讨论接收预备党员",
        "attendance": all_present(branch.members),
        "minutes": "会议讨论了接收预备党员事项。" * 10,
    }
    defaults.update(kwargs)
    return services.record_meeting(**defaults)


# -- vote arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eligible", "present", "yes", "quorum", "passed"),
    [
        (10, 6, 6, True, True),
        (10, 5, 5, False, False),  # exactly half present: no quorum ("超过半数")
        (10, 6, 5, True, False),  # 5 yes of 10 who should attend: not more than half
        (10, 10, 6, True, True),
        (9, 5, 5, True, True),  # 5 > 4.5
        (9, 9, 4, True, False),
        (7, 4, 4, True, True),
    ],
)
def test_tally_divides_by_those_who_should_attend(seeded, eligible, present, yes, quorum, passed):
    result = services.tally(eligible, present, yes, present - yes, 0, Rules.load(DAY))
    assert (result.quorum, result.passed) == (quorum, passed)


def test_tally_refuses_impossible_counts(seeded):
    with pytest.raises(ServiceError, match="超过实到会有表决权党员"):
        services.tally(10, 6, 5, 2, 0)
    with pytest.raises(ServiceError, match="不能多于应到会人数"):
        services.tally(5, 6, 3, 0, 0)


def test_probationary_members_attend_but_do_not_vote(world, seeded, branch):
    extra = add_members(branch, 0, 4)  # 8 formal + 4 probationary
    branch.members = branch.members + extra
    m = branch.members
    attendance = all_present(m, {x.pk: "absent" for x in m[3:8]})  # 3 formal present + 4 probationary
    with pytest.raises(ServiceError, match="到会有表决权的党员 3 人,未超过应到会 8 人的半数"):
        record(branch, attendance=attendance, resolutions=[{"subject": "接收张三为预备党员", "yes": 3}])
    attendance = all_present(m, {x.pk: ("leave", "出差") for x in m[5:8]})  # 5 of 8 formal present
    meeting = record(
        branch,
        attendance=attendance,
        resolutions=[{"subject": "接收张三为预备党员", "kind": "admission", "yes": 5}],
    )
    vote = Resolution.objects.get(meeting=meeting)
    assert (vote.eligible, vote.present, vote.passed) == (8, 5, True)
    meeting = record(
        branch, attendance=attendance, resolutions=[{"subject": "接收李四为预备党员", "yes": 4, "no": 1}]
    )
    assert Resolution.objects.get(meeting=meeting).passed is False  # 4 is not more than 8 / 2


def test_only_assemblies_and_committees_vote(seeded, branch):
    with pytest.raises(ServiceError, match="只有支部党员大会和支委会可以表决"):
        record(branch, kind=MeetingKind.THEME_DAY, resolutions=[{"subject": "某事", "yes": 8}])


# -- refusals -----------------------------------------------------------------------------------


def test_future_date_refused(seeded, branch):
    with pytest.raises(ServiceError, match="召开日期不能晚于今天") as error:
        record(branch, held_on=timezone.localdate() + dt.timedelta(days=2))
    assert error.value.field == "held_on"


def test_attendee_not_in_the_organization_refused(world, seeded, branch):
    outsider = world.people["member3"].membership  # a member of another branch
    attendance = all_present(branch.members, {outsider.pk: "present"})
    with pytest.raises(ServiceError, match="孙党员 不是本组织应到会党员"):
        record(branch, attendance=attendance)


def test_every_expected_member_needs_a_status_and_leave_a_reason(seeded, branch):
    m = branch.members
    with pytest.raises(ServiceError, match="请登记以下党员的出席情况"):
        record(branch, attendance={x.pk: "present" for x in m[:-1]})
    with pytest.raises(ServiceError, match="请假,请填写请假原因"):
        record(branch, attendance=all_present(m, {m[0].pk: ("leave", "")}))


def test_convener_must_be_a_member(world, seeded, branch):
    with pytest.raises(ServiceError, match="召集人/主持人须为本组织党员"):
        record(branch, convener=world.people["resident1"])
    assert record(branch, convener=branch.members[0].person).convener == branch.members[0].person


def test_committee_meeting_expects_the_committee_only(seeded, branch):
    committee = branch.members[:3]
    with pytest.raises(ServiceError, match="不是本组织应到会党员"):
        record(branch, kind=MeetingKind.COMMITTEE, attendance=all_present(branch.members))
    meeting = record(branch, kind=MeetingKind.COMMITTEE, attendance=all_present(committee))
    assert meeting.attendance.count() == 3


def test_bad_uploads_refused(seeded, branch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ServiceError, match="不是有效的图片"):
        record(branch, photos=[fake])
    exe = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 binary", content_type="application/pdf")
    with pytest.raises(ServiceError, match="格式不支持"):
        record(branch, documents=[exe])
    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    assert record(branch, documents=[pdf]).attachments.count() == 1


def test_outsider_cannot_record(world, seeded, branch):
    outsider = grant(world, "shuji_out", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        record(branch, actor=outsider)
    insider = grant(world, "shuji_in", Role.BRANCH_SECRETARY, "w1")
    assert record(branch, actor=insider).recorded_by == insider


# -- corrections and voiding --------------------------------------------------------------------


def test_correction_keeps_the_prior_version_and_is_audited(world, seeded, branch):
    meeting = record(branch)
    user = grant(world, "zzb", Role.ORG_DEPT, "party")
    services.correct_meeting(
        actor=user, meeting=meeting, reason="补充发言要点", minutes="更正后的会议记录。" * 12
    )
    meeting.refresh_from_db()
    assert meeting.version == 2 and meeting.minutes.startswith("更正后")
    revision = MeetingRevision.objects.get(meeting=meeting)
    assert revision.version == 1 and revision.data["minutes"].startswith("会议讨论了")
    assert len(revision.data["attendance"]) == 8
    codes = list(AuditEvent.objects.filter(subject_id=str(meeting.pk)).values_list("action", flat=True))
    assert codes == ["party.meeting_recorded", "party.meeting_corrected"]
    with pytest.raises(ServiceError, match="请填写更正原因"):
        services.correct_meeting(actor=user, meeting=meeting, reason=" ", topic="x")


def test_void_keeps_the_record(seeded, branch):
    meeting = record(branch)
    services.void_meeting(actor=SYSTEM, meeting=meeting, reason="重复录入")
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert not Meeting.objects.live().filter(pk=meeting.pk).exists()
    with pytest.raises(ServiceError, match="已作废"):
        services.correct_meeting(actor=SYSTEM, meeting=meeting, reason="x", topic="y")


def test_copy_attendance_from_last_meeting(seeded, branch):
    m = branch.members
    record(branch, kind=MeetingKind.THEME_DAY, attendance=all_present(m, {m[2].pk: ("leave", "出差")}))
    last = services.last_attendance(branch, MeetingKind.THEME_DAY)
    assert last[m[2].pk] == ("leave", "出差") and last[m[0].pk] == ("present", "")


# -- rule data ----------------------------------------------------------------------------------


def test_rules_are_versioned_and_seeded_with_sources(seeded, branch):
    default = RuleParameter.objects.get(code="study.hours.member", org__isnull=True)
    assert default.value == "32" and "第二十条" in default.source and default.confirmed
    RuleParameterFactory(
        code="study.hours.member",
        name="党员年度学时",
        value="40",
        value_type="decimal",
        source="新规划",
        confidence="unconfirmed",
        effective_from=dt.date(2027, 1, 1),
    )
    assert Rules.load(dt.date(2026, 12, 31)).get("study.hours.member") == 32
    assert Rules.load(dt.date(2027, 1, 1)).get("study.hours.member") == 40
    assert term_services.term_years(branch, Rules.load(DAY)) == 5
