"""Corrections of recorded development steps (更正): the prior version is kept, the corrected step
and every later step are judged again, a correction that would break a later hard rule is refused,
scope and audit; and the 党委's approval of an extension or cancellation (延长预备期/取消预备党员资格)."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.models import Org, RoleGrant
from orgs.roles import Role
from party.development import services as development_services
from party.development.models import ApplicantStatus, DevelopmentStep
from party.models import Member

from ..conftest import grant
from ..factories import ApprovalAuthorityFactory, make_org
from .test_development import D, apply, assembly, committee, step, walk

pytestmark = pytest.mark.django_db


def live(applicant, number):
    return applicant.steps.get(number=number, superseded_at__isnull=True)


def test_correcting_a_date_keeps_the_prior_version_and_rejudges(branch):
    a = walk(apply(branch), branch, 2, dates={2: dt.date(2023, 4, 10)})  # 40 days: a deviation
    old = live(a, 2)
    assert old.has_deviation
    new = development_services.correct_step(
        actor=SYSTEM, step=old, reason="谈话记录日期录错", done_on=dt.date(2023, 3, 28)
    )
    old.refresh_from_db()
    assert old.superseded_at is not None and old.done_on == dt.date(2023, 4, 10)
    assert new.done_on == dt.date(2023, 3, 28) and not new.has_deviation
    assert (
        new.details["correction"]["of"] == old.pk
        and new.details["correction"]["reason"] == "谈话记录日期录错"
    )
    assert list(new.people.all()) == list(old.people.all())
    a.refresh_from_db()
    assert a.deviations == 0
    event = AuditEvent.objects.filter(action="party.dev_step_corrected").get()
    assert event.reason == "谈话记录日期录错" and event.before["done_on"] == "2023-04-10"
    assert event.after["done_on"] == "2023-03-28"


def test_correction_can_create_a_deviation_at_the_boundary(branch):
    a = walk(apply(branch), branch, 2, dates={2: dt.date(2023, 4, 1)})  # exactly one month: on time
    assert not live(a, 2).has_deviation
    new = development_services.correct_step(
        actor=SYSTEM, step=live(a, 2), reason="核对原始记录", done_on=dt.date(2023, 4, 2)
    )
    assert new.has_deviation and "晚于期限 2023-04-01" in new.checks[-1]["message"]


def test_later_steps_are_rechecked_and_hard_rules_refuse(branch):
    a = walk(apply(branch), branch, 7)
    # Activist on 2023-06-01, candidate on 2024-06-01: exactly one year. Moving step 3 one day
    # later would make step 7 break the one-year rule → refused, nothing changes.
    with pytest.raises(ServiceError, match="更正后第7步") as error:
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 3), reason="日期有误", done_on=dt.date(2023, 6, 2)
        )
    assert error.value.field == "done_on"
    assert a.steps.filter(superseded_at__isnull=False).count() == 0
    # Moving step 3 earlier keeps step 7 valid: its check message changes, so it gets a new version.
    development_services.correct_step(
        actor=SYSTEM, step=live(a, 3), reason="日期有误", done_on=dt.date(2023, 5, 30)
    )
    a.refresh_from_db()
    assert a.activist_on == dt.date(2023, 5, 30)
    seven = live(a, 7)
    assert seven.details["recheck"]["reason"] == "第3步更正后重新检查"
    assert any("2023-05-30" in c["message"] for c in seven.checks)
    assert a.steps.filter(number=7).count() == 2


def test_correction_keeps_order_and_refuses_meeting_dates(branch):
    a = walk(apply(branch), branch, 15)
    with pytest.raises(ServiceError, match="不能晚于下一步") as error:
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 5), reason="x", done_on=D[6] + dt.timedelta(days=1)
        )
    assert error.value.field == "done_on"
    with pytest.raises(ServiceError, match="不能早于上一步"):
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 5), reason="x", done_on=D[4] - dt.timedelta(days=1)
        )
    with pytest.raises(ServiceError, match="会议记录") as error:
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 15), reason="x", done_on=D[15] + dt.timedelta(days=1)
        )
    # A note correction of the vote step keeps the vote (its resolution moves to the live version).
    vote = live(a, 15)
    resolution = vote.resolution
    new = development_services.correct_step(actor=SYSTEM, step=vote, reason="补充说明", note="表决票已归档")
    assert new.resolution == resolution and new.details["yes"] == vote.details["yes"]
    assert any(c["rule"] == "vote.pass_share" for c in new.checks)
    with pytest.raises(ServiceError, match="请填写更正原因"):
        development_services.correct_step(actor=SYSTEM, step=new, reason=" ", note="y")
    with pytest.raises(ServiceError, match="已被更正"):
        development_services.correct_step(actor=SYSTEM, step=vote, reason="z", note="y")
    with pytest.raises(ServiceError, match="没有需要更正"):
        development_services.correct_step(actor=SYSTEM, step=new, reason="z", note="表决票已归档")


def test_correcting_sponsors_checks_them_again(branch):
    a = walk(apply(branch), branch, 9)
    formal = [m.person for m in branch.members]
    with pytest.raises(ServiceError) as error:
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 9), reason="介绍人录错", people=[formal[3]]
        )
    assert error.value.field == "people" and "2名" in error.value.message
    new = development_services.correct_step(
        actor=SYSTEM, step=live(a, 9), reason="介绍人录错", people=[formal[3], formal[4]]
    )
    assert set(new.people.all()) == {formal[3], formal[4]}


def test_correcting_the_application_date_checks_the_age(branch):
    a = apply(branch, born=dt.date(2005, 3, 1), day=dt.date(2023, 3, 1))  # exactly 18
    with pytest.raises(ServiceError, match="未满18周岁"):
        development_services.correct_step(
            actor=SYSTEM, step=live(a, 1), reason="日期录错", done_on=dt.date(2023, 2, 28)
        )
    development_services.correct_step(
        actor=SYSTEM, step=live(a, 1), reason="日期录错", done_on=dt.date(2023, 3, 2)
    )
    a.refresh_from_db()
    assert a.applied_on == dt.date(2023, 3, 2) and a.due_on == dt.date(2023, 4, 2)


def test_only_an_authorised_user_corrects(world, branch):
    a = walk(apply(branch), branch, 2)
    outsider = grant(world, "corr_out", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        development_services.correct_step(actor=outsider, step=live(a, 2), reason="x", note="y")
    shuji = grant(world, "corr_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    development_services.correct_step(actor=shuji, step=live(a, 2), reason="补充", note="谈话记录已补")
    assert live(a, 2).recorded_by == shuji


# -- approval of extension / cancellation (延长预备期/取消预备党员资格) ---------------------------


def test_extension_needs_the_committee_with_authority(branch, world):
    a = walk(apply(branch), branch, 22)
    meeting = assembly(branch, D[23])
    step(
        a,
        23,
        D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=12,
    )
    a.refresh_from_db()
    assert a.next_step.number == 24 and a.probation_ends_on == dt.date(2025, 10, 10)
    # A general branch (总支) or a village committee has no approval authority: refused.
    general = make_org(committee(branch), "general_branch", "某党总支")
    with pytest.raises(ServiceError, match="审批") as error:
        step(a, 24, D[24], deciding_org=general)
    assert error.value.field == "deciding_org"
    ApprovalAuthorityFactory(
        org=committee(branch), granted=False, effective_from=dt.date(2020, 1, 1), basis="撤销审批权"
    )
    with pytest.raises(ServiceError, match="无审批权"):
        step(a, 24, D[24], deciding_org=committee(branch))
    ApprovalAuthorityFactory(
        org=committee(branch), granted=True, effective_from=dt.date(2025, 1, 1), basis="恢复审批权"
    )
    s = step(a, 24, D[24], deciding_org=committee(branch))
    assert any("延长预备期审批在期限" in c["message"] for c in s.checks)
    a.refresh_from_db()
    assert a.extended_months == 12 and a.probation_ends_on == dt.date(2026, 10, 10) and a.step == 22
    assert AuditEvent.objects.filter(action="party.dev_probation_extended").exists()


def test_refused_cancellation_goes_back_to_the_branch(branch):
    a = walk(apply(branch), branch, 22)
    meeting = assembly(branch, D[23])
    step(a, 23, D[23], vote=development_services.Vote(meeting=meeting, yes=8), outcome="cancel")
    step(a, 24, D[24], deciding_org=committee(branch), passed=False)
    a.refresh_from_db()
    assert a.status == ApplicantStatus.PROBATIONARY and a.step == 22
    assert Member.objects.get(person=a.person).status == "normal"


def test_extension_approval_after_three_months_is_a_deviation(branch):
    a = walk(apply(branch), branch, 22)
    meeting = assembly(branch, D[23])
    step(
        a,
        23,
        D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=6,
    )
    on_time = step(a, 24, dt.date(2026, 1, 10), deciding_org=committee(branch))
    assert not on_time.has_deviation  # exactly 3 months
    b = walk(apply(branch, name="申请人乙"), branch, 22)
    meeting = assembly(branch, D[23])
    step(
        b,
        23,
        D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=6,
    )
    late = step(b, 24, dt.date(2026, 1, 11), deciding_org=committee(branch))
    assert late.has_deviation and "延长预备期审批晚于期限 2026-01-10" in late.checks[-1]["message"]


def test_committee_user_without_scope_cannot_approve(world, branch):
    a = walk(apply(branch), branch, 22)
    meeting = assembly(branch, D[23])
    step(a, 23, D[23], vote=development_services.Vote(meeting=meeting, yes=8), outcome="cancel")
    shuji = grant(world, "appr_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    with pytest.raises(PermissionDenied):
        development_services.record_step(
            actor=shuji, applicant=a, number=24, done_on=D[24], deciding_org=committee(branch)
        )
    assert isinstance(committee(branch), Org) and DevelopmentStep.objects.filter(number=24).count() == 0
