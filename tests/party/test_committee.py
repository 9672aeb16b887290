"""The 基层党委/党工委 (PARTY_COMMITTEE role): its scope, the branch's submissions (请示/报告) it
files, pre-reviews and approves from its queue, returns with a reason; warnings at entry (a soft
rule asks for a reason, stored with the step; a hard rule refuses); step 16's talker from the
committee; the step-1 correction without a birth date."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.models import Person, Position, RoleGrant
from orgs.roles import Role
from party.development import services as development_services
from party.development.models import Applicant, StepSubmission, SubmissionState

from ..conftest import grant
from .test_development import D, apply, committee_talker, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, branch):
    shuji = grant(world, "c_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    return {
        "shuji": shuji,
        "dangwei": grant(world, "c_dangwei", Role.PARTY_COMMITTEE, "w1"),
        "other_dangwei": grant(world, "c_other", Role.PARTY_COMMITTEE, "w2"),
        "zuzhibu": grant(world, "c_zzb", Role.ORG_DEPT, "party"),
    }


def pdf(name="备案表.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


# -- role and scope ---------------------------------------------------------------------------------


def test_committee_sees_its_subtree_only(client, people, branch, world):
    a = apply(branch)
    url = reverse("party:development_applicant", args=[a.pk])
    client.force_login(people["dangwei"])
    assert client.get(url).status_code == 200
    client.force_login(people["other_dangwei"])
    assert client.get(url).status_code == 404
    assert not Applicant.objects.visible_to(people["other_dangwei"]).exists()
    assert Applicant.objects.visible_to(people["dangwei"], "change").filter(pk=a.pk).exists()


def test_secretary_cannot_record_or_decide_a_committee_step(people, branch, world):
    a = walk(apply(branch), branch, 3)
    with pytest.raises(PermissionDenied, match="提交上级党委"):
        development_services.record_step(
            actor=people["shuji"], applicant=a, number=4, done_on=D[4], deciding_org=world["w1"]
        )
    sub = development_services.submit_step(actor=people["shuji"], applicant=a, number=4, submitted_on=D[4])
    with pytest.raises(PermissionDenied):
        development_services.decide_submission(
            actor=people["shuji"], submission=sub, approve=True, done_on=D[4]
        )
    with pytest.raises(PermissionDenied):
        development_services.decide_submission(
            actor=people["other_dangwei"], submission=sub, approve=True, done_on=D[4]
        )
    a.refresh_from_db()
    assert a.step == 3


# -- submission → approval → step recorded ----------------------------------------------------------


def test_submission_approved_records_the_step_by_the_committee(people, branch, world):
    a = walk(apply(branch), branch, 7)
    sub = development_services.submit_step(
        actor=people["shuji"],
        applicant=a,
        number=8,
        submitted_on=D[8],
        note="报送发展对象备案表",
        documents=[pdf()],
    )
    assert sub.committee == world["w1"] and sub.state == SubmissionState.PENDING
    assert sub.due_on == D[8] + dt.timedelta(days=30)
    with pytest.raises(ServiceError, match="已报送"):
        development_services.submit_step(actor=people["shuji"], applicant=a, number=8, submitted_on=D[8])
    sub = development_services.decide_submission(
        actor=people["dangwei"], submission=sub, approve=True, done_on=D[8] + dt.timedelta(days=2)
    )
    a.refresh_from_db()
    assert a.step == 8 and sub.state == SubmissionState.APPROVED
    step = sub.step
    assert step.deciding_org == world["w1"] and step.recorded_by == people["dangwei"]
    assert step.submission == sub and world["w1"].name in step.body
    assert [d.title for d in step.documents.all()] == ["发展对象备案(审批)表"]


def test_return_needs_a_reason_and_the_branch_can_submit_again(client, people, branch, world):
    a = walk(apply(branch), branch, 12)
    sub = development_services.submit_step(actor=people["shuji"], applicant=a, number=13, submitted_on=D[13])
    with pytest.raises(ServiceError) as error:
        development_services.decide_submission(
            actor=people["dangwei"], submission=sub, approve=False, note=" "
        )
    assert error.value.field == "note"
    sub = development_services.decide_submission(
        actor=people["dangwei"], submission=sub, approve=False, note="政审材料缺少直系亲属部分,请补充"
    )
    assert sub.state == SubmissionState.RETURNED
    a.refresh_from_db()
    assert a.step == 12
    client.force_login(people["shuji"])
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert "请补充" in page and "提交上级党委" in page
    again = development_services.submit_step(
        actor=people["shuji"], applicant=a, number=13, submitted_on=D[13]
    )
    assert again.state == SubmissionState.PENDING


def test_pages_submit_queue_and_approve(client, people, branch, world):
    a = walk(apply(branch), branch, 7)
    client.force_login(people["shuji"])
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert 'id="submit-form"' in page and 'id="step-form"' not in page and world["w1"].name in page
    response = client.post(
        reverse("party:development_submit", args=[a.pk]), {"submitted_on": str(D[8]), "note": "请备案"}
    )
    assert response.status_code == 302
    sub = StepSubmission.objects.get(applicant=a)
    # the branch cannot open the committee's queue, the committee sees the item with its deadline
    assert client.get(reverse("party:development_committee")).status_code == 404
    client.force_login(people["dangwei"])
    queue = client.get(reverse("party:development_committee")).content.decode()
    assert a.person.name in queue and "超期" in queue  # submitted in 2024, due a month later
    url = reverse("party:development_submission", args=[sub.pk])
    response = client.post(url, {"action": "approve", "done_on": str(D[8])})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.step == 8
    client.force_login(people["other_dangwei"])
    assert client.get(url).status_code == 404


# -- warnings at entry ------------------------------------------------------------------------------


def test_soft_breach_needs_a_reason_which_is_stored(people, branch):
    a = apply(branch)
    late = dt.date(2023, 4, 20)
    talker = [branch.members[0].person]
    with pytest.raises(development_services.NeedsConfirmation) as error:
        development_services.record_step(
            actor=people["shuji"], applicant=a, number=2, done_on=late, people=talker
        )
    assert any("谈话晚于期限" in w for w in error.value.warnings)
    assert "dev." not in error.value.message
    with pytest.raises(ServiceError) as error:
        development_services.record_step(
            actor=people["shuji"], applicant=a, number=2, done_on=late, people=talker, confirm=True
        )
    assert error.value.field == "confirm_reason"
    step = development_services.record_step(
        actor=people["shuji"],
        applicant=a,
        number=2,
        done_on=late,
        people=talker,
        confirm=True,
        confirm_reason="申请人外出务工,返回后即谈话",
    )
    assert step.has_deviation and step.deviation_reason == "申请人外出务工,返回后即谈话"


def test_hard_rule_refuses_even_when_confirmed(people, branch):
    a = walk(apply(branch), branch, 6)
    with pytest.raises(ServiceError) as error:
        development_services.record_step(
            actor=people["shuji"],
            applicant=a,
            number=7,
            done_on=dt.date(2024, 5, 25),
            confirm=True,
            confirm_reason="想提前",
        )
    assert error.value.field == "done_on" and "不满一年" in error.value.message


def test_step_form_asks_for_a_reason_then_records(client, people, branch):
    a = apply(branch)
    client.force_login(people["shuji"])
    url = reverse("party:development_applicant", args=[a.pk])
    data = {"number": 2, "expected_step": 1, "done_on": "2023-04-20", "people": [branch.members[0].person.pk]}
    page = client.post(url, data).content.decode()
    assert 'id="step-warnings"' in page and "谈话晚于期限" in page and "仍要登记" in page
    a.refresh_from_db()
    assert a.step == 1
    page = client.post(url, {**data, "confirm": "1"}).content.decode()
    assert "请填写说明理由" in page
    a.refresh_from_db()
    assert a.step == 1
    response = client.post(url, {**data, "confirm": "1", "confirm_reason": "书记住院,返岗后补谈"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "书记住院,返岗后补谈" in page
    printed = client.get(reverse("party:development_print", args=[a.pk])).content.decode()
    assert "书记住院,返岗后补谈" in printed


def test_system_records_deviations_without_asking(branch):
    a = apply(branch)
    step = development_services.record_step(
        actor=SYSTEM, applicant=a, number=2, done_on=dt.date(2023, 4, 20), people=[branch.members[0].person]
    )
    assert step.has_deviation and step.deviation_reason == ""


# -- step 16: the talker is a committee member or 组织员 ---------------------------------------------


def test_step16_talker_must_be_of_the_approving_committee(client, people, branch, world):
    a = walk(apply(branch), branch, 15)
    with pytest.raises(ServiceError) as error:
        development_services.record_step(
            actor=people["dangwei"],
            applicant=a,
            number=16,
            done_on=D[16],
            deciding_org=world["w1"],
            people=[branch.members[0].person],
        )
    assert error.value.field == "people" and "委员或组织员" in error.value.message
    talker = committee_talker(branch)
    client.force_login(people["dangwei"])
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert talker.name in page and f'value="{branch.members[0].person.pk}"' not in page
    client.force_login(people["shuji"])
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert 'id="step-form"' not in page and 'id="handled-by"' in page
    step = development_services.record_step(
        actor=people["dangwei"],
        applicant=a,
        number=16,
        done_on=D[16],
        deciding_org=world["w1"],
        people=[talker],
    )
    assert list(step.people.all()) == [talker]


def test_ended_post_is_not_a_talker(branch, world):
    a = walk(apply(branch), branch, 15)
    talker = committee_talker(branch)
    Position.objects.filter(person=talker).update(end_on=D[16] - dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="委员或组织员"):
        development_services.record_step(
            actor=SYSTEM, applicant=a, number=16, done_on=D[16], deciding_org=world["w1"], people=[talker]
        )


# -- step 1 corrected after the birth date was removed ----------------------------------------------


def test_correcting_step1_without_birth_date_names_the_field(branch):
    a = apply(branch)
    Person.objects.filter(pk=a.person_id).update(birth_date=None)
    with pytest.raises(ServiceError) as error:
        development_services.correct_step(
            actor=SYSTEM, step=a.steps.get(number=1), reason="日期录错", done_on=dt.date(2023, 3, 2)
        )
    assert error.value.field == "birth_date" and "出生日期" in error.value.message


def test_navigation_offers_the_queue_to_the_committee(client, people):
    client.force_login(people["dangwei"])
    assert "报批事项" in client.get("/").content.decode()
    client.force_login(people["shuji"])
    assert "报批事项" not in client.get("/").content.decode()


def test_recording_the_step_directly_closes_the_pending_submission(people, branch, world):
    a = walk(apply(branch), branch, 3)
    sub = development_services.submit_step(actor=people["shuji"], applicant=a, number=4, submitted_on=D[4])
    step = development_services.record_step(
        actor=people["dangwei"], applicant=a, number=4, done_on=D[4], deciding_org=world["w1"]
    )
    sub.refresh_from_db()
    assert sub.state == SubmissionState.APPROVED and sub.step == step and sub.decided_by == people["dangwei"]


def test_correcting_step16_to_a_branch_member_is_refused(branch, world):
    a = walk(apply(branch), branch, 16)
    step = a.steps.get(number=16, superseded_at__isnull=True)
    with pytest.raises(ServiceError) as error:
        development_services.correct_step(
            actor=SYSTEM, step=step, reason="谈话人录错", people=[branch.members[0].person]
        )
    assert error.value.field == "people"
    new = development_services.correct_step(
        actor=SYSTEM, step=step, reason="日期录错", done_on=D[16] + dt.timedelta(days=1)
    )
    assert list(new.people.all()) == [committee_talker(branch)]
