"""Member development (发展党员): every rule both ways at its edge, the rule version by step date,
the vote arithmetic of the admission meeting, approval authority, the 25-step happy path with the
Member record it creates, extension and cancellation."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.models import Org
from orgs.roles import Role
from party.development import services as development_services
from party.development.models import Applicant, ApplicantStatus
from party.life import services
from party.models import MeetingKind, Member, Resolution, RuleParameter

from ..conftest import grant
from ..factories import ApprovalAuthorityFactory, DisciplineFactory, PersonFactory, make_org
from .conftest import add_members, all_present

pytestmark = pytest.mark.django_db


def apply(branch, day=dt.date(2023, 3, 1), born=dt.date(1995, 5, 4), **kw):
    return development_services.apply_for_membership(
        actor=SYSTEM,
        branch=branch,
        applied_on=day,
        name=kw.pop("name", "申请人甲"),
        gender="F",
        birth_date=born,
        **kw,
    )


def assembly(branch, day, overrides=None):
    expected = list(services.expected_members(branch, MeetingKind.BRANCH_ASSEMBLY, day))
    return services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.BRANCH_ASSEMBLY,
        held_on=day,
        topic="讨论接收预备党员",
        attendance=all_present(expected, overrides),
    )


def step(applicant, number, day, **kw):
    return development_services.record_step(
        actor=SYSTEM, applicant=applicant, number=number, done_on=day, **kw
    )


def committee(branch):
    return Org.objects.get_parent(branch)


def committee_talker(branch):
    """A 组织员 of the branch's higher 党委 (step 16's talker), created once."""
    from orgs.models import Position

    org = committee(branch)
    post = Position.objects.filter(org=org, kind="organizer").select_related("person").first()
    if post is None:
        person = PersonFactory(org=org.host or org, name="组织员甲")
        post = Position.objects.create(
            person=person, org=org, kind="organizer", title="组织员", start_on=dt.date(2014, 1, 1)
        )
    return post.person


# Dates of a 2014-rules happy path (all before the 2026 revision's effective date).
D = {
    2: dt.date(2023, 3, 20),
    3: dt.date(2023, 6, 1),
    4: dt.date(2023, 6, 5),
    5: dt.date(2023, 6, 6),
    6: dt.date(2024, 5, 20),
    7: dt.date(2024, 6, 1),
    8: dt.date(2024, 6, 5),
    9: dt.date(2024, 6, 6),
    10: dt.date(2024, 7, 1),
    11: dt.date(2024, 8, 1),
    12: dt.date(2024, 9, 2),
    13: dt.date(2024, 9, 10),
    14: dt.date(2024, 9, 20),
    15: dt.date(2024, 10, 10),
    16: dt.date(2024, 10, 20),
    17: dt.date(2024, 11, 20),
    18: dt.date(2024, 11, 25),
    19: dt.date(2024, 11, 26),
    20: dt.date(2024, 12, 1),
    21: dt.date(2025, 6, 1),
    22: dt.date(2025, 9, 20),
    23: dt.date(2025, 10, 10),
    24: dt.date(2025, 11, 10),
    25: dt.date(2025, 11, 20),
}


def walk(applicant, branch, upto, dates=None, **overrides):
    """Record steps 2..upto with valid data."""
    dates = {**D, **(dates or {})}
    formal = [m.person for m in branch.members]
    for n in range(applicant.step + 1, upto + 1):
        applicant.refresh_from_db()
        kw = dict(overrides.get(n, {}))
        if n == 2:
            kw.setdefault("people", [formal[0]])
        if n == 16:
            kw.setdefault("people", [committee_talker(branch)])
        if n in (4, 8, 13, 16, 17, 18, 24):
            kw.setdefault("deciding_org", committee(branch))
        if n == 5:
            kw.setdefault("people", [formal[1]])
        if n == 9:
            kw.setdefault("people", [formal[1], formal[2]])
        if n == 11:
            kw.setdefault("training_days", 3)
        if n in (15, 23):
            meeting = assembly(branch, dates[n])
            kw.setdefault("vote", development_services.Vote(meeting=meeting, yes=8))
        if n == 25:
            kw.setdefault("checklist", list(development_services.development_steps.ARCHIVE_CHECKLIST))
        step(applicant, n, dates[n], **kw)
    applicant.refresh_from_db()
    return applicant


@pytest.fixture
def applicant(branch):
    return apply(branch)


# -- age ≥ 18 at application ----------------------------------------------------------------------


def test_exactly_18_on_the_application_day_is_accepted(branch):
    a = apply(branch, day=dt.date(2024, 3, 1), born=dt.date(2006, 3, 1))
    assert a.step == 1 and a.due_on == dt.date(2024, 4, 1)
    assert a.steps.get().checks[0]["result"] == "passed"


def test_one_day_short_of_18_is_refused_naming_field_and_source(branch):
    with pytest.raises(ServiceError) as error:
        apply(branch, day=dt.date(2024, 2, 29), born=dt.date(2006, 3, 1))
    assert error.value.field == "birth_date"
    assert "未满18周岁" in error.value.message and "第五条" in error.value.message
    assert not Applicant.objects.exists()


def test_a_member_cannot_apply_again(branch):
    with pytest.raises(ServiceError, match="已是党员"):
        development_services.apply_for_membership(
            actor=SYSTEM, branch=branch, applied_on=dt.date(2024, 1, 1), person=branch.members[3].person
        )


# -- order -------------------------------------------------------------------------------------


def test_steps_run_in_order(applicant):
    with pytest.raises(ServiceError) as error:
        step(applicant, 3, dt.date(2023, 4, 1))
    assert error.value.field == "number" and "须先完成第2步" in error.value.message


def test_date_before_previous_step_refused(applicant, branch):
    with pytest.raises(ServiceError, match="不能早于上一步"):
        step(applicant, 2, dt.date(2023, 2, 1), people=[branch.members[0].person])


# -- talk within 1 month -------------------------------------------------------------------------


def test_talk_exactly_one_month_later_is_on_time(applicant, branch):
    s = step(applicant, 2, dt.date(2023, 4, 1), people=[branch.members[0].person])
    assert not s.has_deviation and s.checks[0]["result"] == "passed"


def test_talk_one_day_late_is_recorded_as_deviation_with_rule(applicant, branch):
    s = step(applicant, 2, dt.date(2023, 4, 2), people=[branch.members[0].person])
    assert s.has_deviation
    check = s.checks[0]
    assert check["result"] == "deviation" and "第七条" in check["source"] and check["version"] == "2014"
    applicant.refresh_from_db()
    assert applicant.deviations == 1 and applicant.step == 2


def test_overdue_is_a_query_over_the_stored_deadline(applicant):
    assert Applicant.objects.overdue(dt.date(2023, 4, 1)).count() == 0
    assert Applicant.objects.overdue(dt.date(2023, 4, 2)).get() == applicant


# -- mentors and sponsors -----------------------------------------------------------------------


def test_mentors_one_or_two_formal_members(applicant, branch):
    walk(applicant, branch, 4)
    people = [m.person for m in branch.members]
    with pytest.raises(ServiceError, match="1至2名"):
        step(applicant, 5, D[5], people=people[:3])
    with pytest.raises(ServiceError, match="1至2名"):
        step(applicant, 5, D[5], people=[])
    assert step(applicant, 5, D[5], people=people[:2]).people.count() == 2


def test_probationary_or_disciplined_member_cannot_sponsor(applicant, branch):
    walk(applicant, branch, 8)
    probationary = add_members(branch, 0, 1)[0]
    people = [m.person for m in branch.members]
    with pytest.raises(ServiceError, match="预备党员"):
        step(applicant, 9, D[9], people=[people[1], probationary.person])
    DisciplineFactory(member=branch.members[2], kind="probation", decided_on=dt.date(2024, 1, 1))
    with pytest.raises(ServiceError, match="留党察看"):
        step(applicant, 9, D[9], people=[people[1], people[2]])
    with pytest.raises(ServiceError, match="2名"):
        step(applicant, 9, D[9], people=[people[1]])
    assert step(applicant, 9, D[9], people=[people[1], people[3]]).role == "入党介绍人"


def test_restored_member_may_sponsor_again(applicant, branch):
    walk(applicant, branch, 8)
    DisciplineFactory(
        member=branch.members[2],
        kind="probation",
        decided_on=dt.date(2022, 1, 1),
        restored_on=dt.date(2023, 1, 1),
    )
    people = [m.person for m in branch.members]
    step(applicant, 9, D[9], people=[people[1], people[2]])


# -- activist ≥ 1 year ----------------------------------------------------------------------------


def test_candidate_exactly_one_year_after_activist(applicant, branch):
    walk(applicant, branch, 6)
    assert applicant.earliest_on == dt.date(2024, 6, 1)
    with pytest.raises(ServiceError) as error:
        step(applicant, 7, dt.date(2024, 5, 31))
    assert (
        error.value.field == "done_on"
        and "不满一年" in error.value.message
        and "第十三条" in error.value.message
    )
    assert not step(applicant, 7, dt.date(2024, 6, 1)).has_deviation


# -- 公示 in working days ----------------------------------------------------------------------------


def test_notice_counts_working_days_across_the_national_day_holiday():
    # 2025-09-30 (Tue) … 国庆/中秋 10-01..10-08 off, 10-11 (Sat) a make-up working day.
    assert development_services.notice_end(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 13)
    assert development_services.notice_workdays(dt.date(2025, 9, 30), dt.date(2025, 10, 10)) == 3
    assert development_services.notice_workdays(dt.date(2025, 9, 30), dt.date(2025, 10, 11)) == 4
    assert development_services.notice_workdays(dt.date(2025, 9, 29), dt.date(2025, 10, 11)) == 5


def test_short_notice_is_a_deviation_enough_is_not(branch):
    a = apply(branch, day=dt.date(2024, 6, 1))
    dates = {
        2: dt.date(2024, 6, 10),
        3: dt.date(2024, 7, 1),
        4: dt.date(2024, 7, 2),
        5: dt.date(2024, 7, 3),
        6: dt.date(2025, 6, 1),
    }
    walk(a, branch, 6, dates)
    s = step(a, 7, dt.date(2025, 10, 12), notice_from=dt.date(2025, 9, 30), notice_to=dt.date(2025, 10, 11))
    assert s.has_deviation and "只有 4 个工作日" in s.checks[-1]["message"]
    b = apply(branch, day=dt.date(2024, 6, 1), name="申请人乙")
    walk(b, branch, 6, dates)
    s = step(b, 7, dt.date(2025, 10, 12), notice_from=dt.date(2025, 9, 29), notice_to=dt.date(2025, 10, 11))
    assert not s.has_deviation and s.details["notice"][2] == 5


# -- training, review, pre-review ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "hours", "ok"), [(3, 0, True), (0, 24, True), (2, 23.5, False), (2, 24, True), (0, 0, False)]
)
def test_training_three_days_or_24_hours(applicant, branch, days, hours, ok):
    walk(applicant, branch, 10)
    if ok:
        step(applicant, 11, D[11], training_days=days, training_hours=hours)
    else:
        with pytest.raises(ServiceError) as error:
            step(applicant, 11, D[11], training_days=days, training_hours=hours)
        assert error.value.field == "training_hours" and "第十七条" in error.value.message


def test_failed_political_review_blocks_admission(applicant, branch):
    walk(applicant, branch, 9)
    s = step(applicant, 10, D[10], passed=False)
    assert not s.passed
    applicant.refresh_from_db()
    assert applicant.step == 9
    with pytest.raises(ServiceError, match="须先完成第10步"):
        step(applicant, 11, D[11], training_days=3)


def test_prereview_only_by_a_committee_with_authority(applicant, branch, world):
    walk(applicant, branch, 12)
    general = make_org(world["w1"], "general_branch", "某总支")
    with pytest.raises(ServiceError, match="上级党委"):
        step(applicant, 13, D[13], deciding_org=general)
    ApprovalAuthorityFactory(
        org=committee(branch), granted=False, effective_from=dt.date(2020, 1, 1), basis="临时党组织"
    )
    with pytest.raises(ServiceError) as error:
        step(applicant, 13, D[13], deciding_org=committee(branch))
    assert "审批权" in error.value.message and "临时党组织" in error.value.message


# -- branch meeting vote ---------------------------------------------------------------------------


def test_admission_vote_needs_quorum(applicant, branch):
    walk(applicant, branch, 14)
    absent = {m.pk: ("absent", "") for m in branch.members[:4]}
    meeting = assembly(branch, D[15], {m.pk: "absent" for m in branch.members[:3]})
    # 5 of 8 present: quorum. Now a meeting with 4 of 8 present has none.
    del absent
    services_meeting = services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.BRANCH_ASSEMBLY,
        held_on=D[15],
        topic="第二次大会",
        attendance={m.pk: ("present" if i >= 4 else "absent") for i, m in enumerate(branch.members)},
    )
    with pytest.raises(ServiceError) as error:
        step(applicant, 15, D[15], vote=development_services.Vote(meeting=services_meeting, yes=4))
    assert "未超过应到会 8 人的半数" in error.value.message and error.value.field == "votes"
    s = step(applicant, 15, D[15], vote=development_services.Vote(meeting=meeting, yes=5))
    assert s.passed and s.resolution.eligible == 8 and s.resolution.present == 5


def test_exactly_half_yes_fails_written_opinions_count(applicant, branch):
    walk(applicant, branch, 14)
    meeting = assembly(branch, D[15], {m.pk: "absent" for m in branch.members[:2]})  # 6 of 8 present
    s = step(applicant, 15, D[15], vote=development_services.Vote(meeting=meeting, yes=4, no=2))
    assert not s.passed and s.has_deviation  # 4 = half of 8: not more than half
    applicant.refresh_from_db()
    assert applicant.step == 14 and applicant.admitted_on is None
    meeting2 = assembly(branch, D[15], {m.pk: "absent" for m in branch.members[:2]})
    s = step(
        applicant, 15, D[15], vote=development_services.Vote(meeting=meeting2, yes=4, no=2, written_yes=1)
    )
    assert s.passed and s.resolution.yes == 5
    applicant.refresh_from_db()
    assert applicant.probation_ends_on == dt.date(2025, 10, 10)
    with pytest.raises(ServiceError, match="书面意见"):
        development_services._vote(
            applicant,
            development_services.Vote(meeting=meeting2, yes=1, written_yes=3),
            D[15],
            development_services._Judge(development_services.DevRules(D[15])),
            "x",
            "admission",
        )


def test_probationary_members_do_not_count_in_the_vote(applicant, branch):
    walk(applicant, branch, 14)
    extra = add_members(branch, 2, 0, joined=dt.date(2024, 1, 1))
    Member.objects.filter(pk__in=[m.pk for m in extra]).update(category="probationary", full_member_on=None)
    meeting = assembly(branch, D[15])
    assert meeting.attendance.count() == 10
    s = step(applicant, 15, D[15], vote=development_services.Vote(meeting=meeting, yes=5))
    assert s.resolution.eligible == 8 and s.passed


def test_each_candidate_voted_separately(branch):
    a = walk(apply(branch), branch, 14)
    b = walk(apply(branch, name="申请人乙"), branch, 14)
    meeting = assembly(branch, D[15])
    step(a, 15, D[15], vote=development_services.Vote(meeting=meeting, yes=8))
    step(b, 15, D[15], vote=development_services.Vote(meeting=meeting, yes=7))
    assert Resolution.objects.filter(meeting=meeting, kind="admission").count() == 2


# -- approval authority and 3/6 months --------------------------------------------------------------


def test_authority_rules(world, branch):
    village = make_org(world["s1"], "village", "某村")
    vc = make_org(world["w1"], "party_committee", "某村党委", host=village)
    general = make_org(world["w1"], "general_branch", "某总支", host=world["c2"])
    assert development_services.approval_authority(world["w1"])[0]
    assert (
        not development_services.approval_authority(vc)[0]
        and "村(社区)党委" in development_services.approval_authority(vc)[1]
    )
    assert (
        not development_services.approval_authority(general)[0]
        and "只有党委" in development_services.approval_authority(general)[1]
    )
    sub = make_org(world["w1"], "party_committee", "某企业党委")
    assert not development_services.approval_authority(sub)[0]
    ApprovalAuthorityFactory(
        org=sub, granted=True, effective_from=dt.date(2020, 1, 1), basis="县委组织部批复"
    )
    assert development_services.approval_authority(sub)[0]
    assert development_services.approving_orgs(branch)[0] == world["w1"]


def test_approval_within_three_months_deviation_until_six_refused_after(applicant, branch):
    walk(applicant, branch, 16)
    org = committee(branch)
    with pytest.raises(ServiceError) as error:
        step(applicant, 17, dt.date(2025, 4, 11), deciding_org=org)
    assert "6个月" in error.value.message and error.value.field == "done_on"
    with pytest.raises(ServiceError) as error:
        step(applicant, 17, dt.date(2025, 1, 11), deciding_org=org)
    assert error.value.field == "note"
    s = step(applicant, 17, dt.date(2025, 1, 11), deciding_org=org, note="党委换届,延期审批")
    assert s.has_deviation


def test_approval_exactly_three_months_is_on_time_and_creates_member(applicant, branch):
    walk(applicant, branch, 16)
    s = step(applicant, 17, dt.date(2025, 1, 10), deciding_org=committee(branch))
    assert not s.has_deviation
    applicant.refresh_from_db()
    member = Member.objects.get(person=applicant.person)
    assert applicant.member == member and applicant.status == ApplicantStatus.PROBATIONARY
    assert member.category == "probationary" and member.joined_on == D[15] and member.org == branch


def test_branch_secretary_cannot_record_the_committees_approval(applicant, branch, world):
    walk(applicant, branch, 16)
    shuji = grant(world, "shuji_x", Role.BRANCH_SECRETARY, "w1")
    shuji_branch = grant(world, "shuji_b", Role.BRANCH_SECRETARY, "b1")
    from orgs.models import RoleGrant

    RoleGrant.objects.filter(user=shuji_branch).update(org=branch, org_path=branch.path)
    with pytest.raises(PermissionDenied, match="审批须由"):
        development_services.record_step(
            actor=shuji_branch, applicant=applicant, number=17, done_on=D[17], deciding_org=committee(branch)
        )
    development_services.record_step(
        actor=shuji, applicant=applicant, number=17, done_on=D[17], deciding_org=committee(branch)
    )


# -- probation, extension, full membership ------------------------------------------------------


def test_full_path_party_age_from_probation_end(applicant, branch):
    walk(applicant, branch, 25)
    member = Member.objects.get(person=applicant.person)
    assert applicant.status == ApplicantStatus.FULL and applicant.step == 25
    assert member.category == "formal" and member.full_member_on == dt.date(2025, 10, 10)
    assert member.party_age(dt.date(2026, 10, 10)) == 1 and member.party_age(dt.date(2026, 10, 9)) == 0
    codes = list(AuditEvent.objects.filter(subject_type="party.applicant").values_list("action", flat=True))
    assert codes.count("party.dev_step_recorded") == 24


def test_full_membership_vote_not_before_probation_end(applicant, branch):
    walk(applicant, branch, 22)
    meeting = assembly(branch, dt.date(2025, 10, 9))
    with pytest.raises(ServiceError, match="期满前不能讨论转正"):
        step(applicant, 23, dt.date(2025, 10, 9), vote=development_services.Vote(meeting=meeting, yes=8))


def test_extension_once_between_6_and_12_months(applicant, branch):
    walk(applicant, branch, 22)
    for months in (5, 13):
        meeting = assembly(branch, D[23])
        with pytest.raises(ServiceError) as error:
            step(
                applicant,
                23,
                D[23],
                vote=development_services.Vote(meeting=meeting, yes=8),
                outcome="extend",
                extension_months=months,
            )
        assert error.value.field == "extension_months"
    meeting = assembly(branch, D[23])
    step(
        applicant,
        23,
        D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=6,
    )
    applicant.refresh_from_db()
    # The branch meeting's extension waits for the 党委's approval (step 24).
    assert applicant.step == 23 and applicant.probation_ends_on == dt.date(2025, 10, 10)
    assert "延长预备期审批" in applicant.due_label
    approval = step(applicant, 24, D[24], deciding_org=committee(branch))
    assert approval.details["approves"] == "extend" and approval.details["extension_months"] == 6
    applicant.refresh_from_db()
    assert applicant.step == 22 and applicant.probation_ends_on == dt.date(2026, 4, 10)
    assert applicant.extended_months == 6
    meeting = assembly(branch, dt.date(2026, 4, 10))
    with pytest.raises(ServiceError, match="只能延长一次"):
        step(
            applicant,
            23,
            dt.date(2026, 4, 10),
            vote=development_services.Vote(meeting=meeting, yes=8),
            outcome="extend",
            extension_months=6,
        )
    step(applicant, 23, dt.date(2026, 4, 10), vote=development_services.Vote(meeting=meeting, yes=8))
    step(applicant, 24, dt.date(2026, 7, 10), deciding_org=committee(branch))
    applicant.refresh_from_db()
    assert applicant.full_member_on == dt.date(2026, 4, 10)  # from the end of the extended probation


def test_full_approval_after_three_months_is_a_deviation(applicant, branch):
    walk(applicant, branch, 23)
    s = step(applicant, 24, dt.date(2026, 1, 11), deciding_org=committee(branch))
    assert s.has_deviation and "转正审批晚于期限 2026-01-10" in s.checks[-1]["message"]


def test_cancel_probationary_status(applicant, branch):
    walk(applicant, branch, 22)
    meeting = assembly(branch, D[23])
    step(applicant, 23, D[23], vote=development_services.Vote(meeting=meeting, yes=8), outcome="cancel")
    applicant.refresh_from_db()
    assert applicant.status == ApplicantStatus.PROBATIONARY and applicant.step == 23
    assert Member.objects.get(person=applicant.person).status == "normal"
    step(applicant, 24, D[24], deciding_org=committee(branch))
    applicant.refresh_from_db()
    assert applicant.status == ApplicantStatus.CANCELLED
    member = Member.objects.get(person=applicant.person)
    assert member.status == "probation_cancelled" and member.get_status_display() == "取消预备党员资格"


def test_cancel_applicant_keeps_record(applicant):
    development_services.cancel_applicant(actor=SYSTEM, applicant=applicant, reason="本人撤回申请")
    applicant.refresh_from_db()
    assert applicant.status == ApplicantStatus.CANCELLED and applicant.due_on is None
    with pytest.raises(ServiceError, match="已终止"):
        step(applicant, 2, dt.date(2023, 3, 5), people=[applicant.person])


def test_archive_needs_the_whole_checklist(applicant, branch):
    walk(applicant, branch, 24)
    with pytest.raises(ServiceError) as error:
        step(applicant, 25, D[25], checklist=["入党申请书"])
    assert error.value.field == "checklist" and "入党志愿书" in error.value.message


# -- versions -----------------------------------------------------------------------------------


def test_version_by_step_date_and_unconfirmed_flag(branch):
    before = development_services.DevRules(dt.date(2026, 5, 10))
    after = development_services.DevRules(dt.date(2026, 5, 11))
    assert (before.version, before.confirmed) == ("2014", True)
    assert (after.version, after.confirmed) == ("2026", False)
    assert after.get("dev.candidate_notice") == 1 and before.get("dev.candidate_notice") == 0
    assert "未经确认" in after.cite("dev.oath_months")


def test_2026_rules_flag_missing_notice_and_late_oath_2014_does_not(branch):
    a = apply(branch, day=dt.date(2025, 3, 3))
    dates = {
        2: dt.date(2025, 3, 10),
        3: dt.date(2025, 4, 1),
        4: dt.date(2025, 4, 2),
        5: dt.date(2025, 4, 3),
        6: dt.date(2026, 3, 1),
    }
    walk(a, branch, 6, dates)
    s = step(a, 7, dt.date(2026, 5, 11))
    assert s.rule_version == "2026" and not s.rule_confirmed
    assert s.has_deviation and any(c["rule"] == "dev.candidate_notice" for c in s.checks)
    b = apply(branch, day=dt.date(2025, 3, 3), name="申请人乙")
    walk(b, branch, 6, dates)
    s = step(b, 7, dt.date(2026, 5, 10))
    assert s.rule_version == "2014" and not s.has_deviation


def test_confirming_2026_needs_an_administrator(world, branch):
    from tests.factories import UserFactory

    staff = grant(world, "zzb", Role.ORG_DEPT, "party")
    with pytest.raises(PermissionDenied):
        development_services.confirm_rule_version(actor=staff, version="2026", reason="已核对")
    admin = UserFactory(username="root", is_superuser=True)
    assert (
        development_services.confirm_rule_version(actor=admin, version="2026", reason="已对照12371官方文本")
        > 20
    )
    assert development_services.DevRules(dt.date(2026, 6, 1)).confirmed
    assert not RuleParameter.objects.filter(
        code__startswith="dev.", effective_from=dt.date(2026, 5, 11), confirmed=False
    ).exists()


def test_2026_rule_versions_listed():
    versions = development_services.rule_versions()
    assert [v["version"] for v in versions] == ["2014", "2026"]
    assert [v["confirmed"] for v in versions] == [True, False]


# -- documents, plans ---------------------------------------------------------------------------


def test_documents_checked_by_content(branch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ServiceError, match="格式不支持"):
        apply(branch, documents=[SimpleUploadedFile("申请书.pdf", b"not a pdf")])
    a = apply(branch, documents=[("入党申请书", SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 test"))])
    assert a.steps.get().documents.get().title == "入党申请书"


def test_plan_validation(branch, world):
    with pytest.raises(ServiceError) as error:
        development_services.set_plan(actor=SYSTEM, org=world["w1"], year=2026, quota=2, women_min=3)
    assert error.value.field == "women_min"
    plan = development_services.set_plan(actor=SYSTEM, org=world["w1"], year=2026, quota=5, women_min=2)
    assert development_services.set_plan(actor=SYSTEM, org=world["w1"], year=2026, quota=6).pk == plan.pk
