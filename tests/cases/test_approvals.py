"""Requests that change a case only once approved: 延期, 挂账, 重办, 不合理诉求认定."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from cases import approvals, services
from cases.evaluation import evaluate
from cases.models import AssignmentStatus, Case, CaseRequest, CaseStatus, RequestStatus
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.models import Notification

from .conftest import at, new_case, walk

pytestmark = pytest.mark.django_db


def handling(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):  # a Monday
        return walk(new_case(world), actors, world, category, "handling")


def test_extension_moves_the_deadline_only_when_approved(world, actors, category):
    case = handling(world, actors, category)
    due = case.handle_due_at
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        request = approvals.request_extension(case, actor=actors["handler"], days=3, reason="需协调产权单位")
    case.refresh_from_db()
    assert case.handle_due_at == due and request.status == RequestStatus.PENDING
    assert request.org == case.org and request.requester_unit == world["d1"]
    # The dispatch centre of the area is told and sees it among its requests to decide.
    assert Notification.objects.filter(user=actors["dispatcher"], kind="case.request").exists()
    assert CaseRequest.objects.visible_to(actors["dispatcher"], "dispatch").pending().get() == request
    assert not CaseRequest.objects.visible_to(actors["other_dispatcher"], "dispatch").exists()
    # The requesting unit sees its own request, wherever the case is.
    assert CaseRequest.objects.visible_to(actors["handler"], "view").get() == request

    with time_machine.travel(at(2026, 11, 24, 11), tick=False):
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="同意")
    case.refresh_from_db()
    # Monday 09:00 + 5 working days = Monday 30 Nov 17:30; + 3 working days = Thursday 3 Dec 17:30.
    assert due == at(2026, 11, 30, 17, 30)
    assert case.handle_due_at == at(2026, 12, 3, 17, 30)
    assert case.due_at == case.handle_due_at and case.extended_days == 3
    assert case.assignments.get(role="lead").handle_due_at == case.handle_due_at
    event = AuditEvent.objects.filter(action=approvals.REQUEST_APPROVED).get()
    assert event.actor == actors["dispatcher"] and event.before["handle_due_at"]
    assert Notification.objects.filter(user=actors["handler"], kind="case.request_decided").exists()


def test_extension_refusals(world, actors, category):
    case = handling(world, actors, category)
    for kwargs, field in [({"days": 0}, "days"), ({"days": 31}, "days"), ({"days": "x"}, "days")]:
        with pytest.raises(ServiceError) as error:
            approvals.request_extension(case, actor=actors["handler"], reason="理由", **kwargs)
        assert error.value.field == field
    with pytest.raises(ServiceError) as error:
        approvals.request_extension(case, actor=actors["handler"], days=2, reason=" ")
    assert error.value.field == "reason"
    # Only the lead unit asks; a co-unit or another department cannot.
    with pytest.raises(PermissionDenied):
        approvals.request_extension(case, actor=actors["community"], days=2, reason="理由")
    with pytest.raises(PermissionDenied):
        approvals.request_extension(case, actor=actors["other_handler"], days=2, reason="理由")
    request = approvals.request_extension(case, actor=actors["handler"], days=2, reason="理由")
    with pytest.raises(StateConflict, match="待审批"):
        approvals.request_extension(case, actor=actors["handler"], days=2, reason="再次申请")
    # Nobody approves their own request; an outsider cannot; refusing needs a reason.
    with pytest.raises(PermissionDenied):
        approvals.decide_request(request, actor=actors["other_dispatcher"], approve=True, note="")
    with pytest.raises(PermissionDenied):
        approvals.decide_request(request, actor=actors["handler"], approve=True, note="")
    with pytest.raises(ServiceError) as error:
        approvals.decide_request(request, actor=actors["dispatcher"], approve=False, note="")
    assert error.value.field == "note"
    approvals.decide_request(request, actor=actors["dispatcher"], approve=False, note="理由不充分")
    with pytest.raises(StateConflict):
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="")
    case.refresh_from_db()
    assert case.extended_days == 0
    # After a refusal the unit may ask again.
    approvals.request_extension(case, actor=actors["handler"], days=1, reason="补充理由")


def test_parking_holds_the_case_until_a_date_and_the_unit_still_finishes_it(world, actors, category):
    case = handling(world, actors, category)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        with pytest.raises(ServiceError) as error:
            approvals.request_parking(case, actor=actors["handler"], until=dt.date(2026, 11, 24), reason="x")
        assert error.value.field == "until"
        with pytest.raises(ServiceError):
            approvals.request_parking(case, actor=actors["handler"], until=dt.date(2028, 1, 1), reason="x")
        request = approvals.request_parking(
            case, actor=actors["handler"], until=dt.date(2027, 3, 31), reason="纳入明年改造计划"
        )
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="同意挂账")
    case.refresh_from_db()
    assert case.status == CaseStatus.PARKED and case.is_open and case.parked_at is not None
    assert case.handle_due_at == at(2027, 3, 31, 17, 30)
    # Not overdue in December; the supervision queries see it as running.
    assert not Case.objects.overdue(at(2026, 12, 15, 10)).filter(pk=case.pk).exists()
    with time_machine.travel(at(2027, 3, 1, 10), tick=False):
        lead = case.assignments.get(role="lead")
        services.give_feedback(lead, actor=actors["handler"], text="改造完成")
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK and case.closed_on_time is None


def closed_and_rated(world, actors, category, *, resolved, satisfaction):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "closed")
        return services.rate_case(
            case, actor=actors["dispatcher"], contacted=True, resolved=resolved, satisfaction=satisfaction
        )


def test_rehandle_reopens_an_unresolved_dissatisfied_case_once_approved(world, actors, category):
    satisfied = closed_and_rated(world, actors, category, resolved=True, satisfaction="satisfied")
    with pytest.raises(ServiceError, match="未解决"):
        approvals.request_rehandle(satisfied, actor=actors["dispatcher"], reason="x")

    case = closed_and_rated(world, actors, category, resolved=False, satisfaction="dissatisfied")
    with pytest.raises(PermissionDenied):
        approvals.request_rehandle(case, actor=actors["handler"], reason="x")  # no callback right
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        request = approvals.request_rehandle(
            case, actor=actors["dispatcher"], reason="反映人称垃圾又堆起来了"
        )
        # The supervision office decides, not the dispatch centre whose work is judged.
        with pytest.raises(PermissionDenied, match="督查室"):
            approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="")
        approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="同意重办")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.rehandle_count == 1
    assert case.closed_at is None and case.rated_at is None and case.rating_satisfaction == ""
    leads = case.assignments.filter(role="lead").order_by("pk")
    assert [a.status for a in leads] == [AssignmentStatus.FED_BACK, AssignmentStatus.PENDING]
    # The unit handles it again through the normal steps, and it can be rated again.
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        new_lead = leads.last()
        services.sign_assignment(new_lead, actor=actors["handler"])
        services.give_feedback(new_lead, actor=actors["handler"], text="已清理")
        # A rework after re-handling goes back to the new lead assignment, not the old one.
        case = services.check_case(case, actor=actors["community"], passed=False, note="还有残留")
        new_lead.refresh_from_db()
        assert new_lead.status == AssignmentStatus.SIGNED
        services.give_feedback(new_lead, actor=actors["handler"], text="已彻底清理并加装监控")
        case = services.check_case(case, actor=actors["community"], passed=True, note="")
        services.rate_case(
            case, actor=actors["dispatcher"], contacted=True, resolved=True, satisfaction="basic"
        )
    # The earlier rating stays in the timeline.
    assert AuditEvent.objects.filter(subject_id=str(case.pk), action=services.RATED).count() == 2


def test_unreasonable_claims_leave_the_evaluation_once_the_supervision_office_agrees(world, actors, category):
    case = closed_and_rated(world, actors, category, resolved=False, satisfaction="dissatisfied")
    before = {s.unit.name: s.callbacks for s in evaluate(dt.date(2026, 11, 1), "department")}
    assert before[world["d1"].name] == 1
    # The lead unit may ask; a department with nothing to do with the case may not.
    with pytest.raises(PermissionDenied):
        approvals.request_exclusion(case, actor=actors["other_handler"], reason="x")
    request = approvals.request_exclusion(case, actor=actors["handler"], reason="诉求于法无据")
    with pytest.raises(PermissionDenied):
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="")
    approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="属实")
    case.refresh_from_db()
    assert case.excluded_from_evaluation
    after = {s.unit.name: s for s in evaluate(dt.date(2026, 11, 1), "department")}
    d1 = after[world["d1"].name]  # still listed for its dispatch, but its only case no longer counts
    assert (d1.closed, d1.callbacks, d1.score) == (0, 0, None)
    with pytest.raises(ServiceError, match="已认定"):
        approvals.request_exclusion(case, actor=actors["dispatcher"], reason="x")


def test_request_pages(client, world, actors, category):
    case = handling(world, actors, category)
    client.force_login(actors["handler"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "申请延期" in page and "申请挂账" in page
    response = client.post(f"/cases/{case.number}/extension/", {"days": "", "reason": ""})
    assert response.status_code == 400 and "请填写延期工作日数" in response.content.decode()
    response = client.post(f"/cases/{case.number}/extension/", {"days": "40", "reason": "x"})
    assert response.status_code == 400 and "不能超过30个工作日" in response.content.decode()
    response = client.post(f"/cases/{case.number}/extension/", {"days": "2", "reason": "材料未到"})
    assert response.status_code == 302
    request = CaseRequest.objects.get()

    # The requester sees it waiting; the dispatcher finds it under 待审批 and decides.
    assert "等待审批" in client.get(f"/cases/{case.number}/").content.decode()
    client.force_login(actors["dispatcher"])
    listing = client.get("/cases/?requests=1").content.decode()
    assert case.number in listing and "待审批" in listing
    response = client.post(
        f"/cases/{case.number}/requests/{request.pk}/decide/", {"approve": "0", "note": ""}
    )
    assert response.status_code == 400 and "请填写审批意见" in response.content.decode()
    response = client.post(
        f"/cases/{case.number}/requests/{request.pk}/decide/", {"approve": "1", "note": ""}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_by == actors["dispatcher"]
    assert case.number not in client.get("/cases/?requests=1").content.decode()
    # An outsider gets 404.
    client.force_login(actors["other_dispatcher"])
    assert (
        client.post(f"/cases/{case.number}/requests/{request.pk}/decide/", {"approve": "1"}).status_code
        == 404
    )


def test_approved_parking_withdraws_a_pending_extension(world, actors, category):
    """A pending 延期 must not survive an approved 挂账 and later move the parking date."""
    case = handling(world, actors, category)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        extension = approvals.request_extension(case, actor=actors["handler"], days=4, reason="需协调")
        # Only one pending request per kind: a parking request may be pending beside it.
        parking = approvals.request_parking(
            case, actor=actors["handler"], until=dt.date(2027, 3, 31), reason="纳入明年改造计划"
        )
        approvals.decide_request(parking, actor=actors["dispatcher"], approve=True, note="同意挂账")
    extension.refresh_from_db()
    assert extension.status == RequestStatus.WITHDRAWN and extension.decided_at is not None
    assert "挂账" in extension.decision_note
    withdrawn = AuditEvent.objects.filter(action=approvals.REQUEST_WITHDRAWN).get()
    assert withdrawn.reason == approvals.EXTENSION_WITHDRAWN
    case.refresh_from_db()
    assert case.handle_due_at == at(2027, 3, 31, 17, 30)
    # A parked case asks for no extension: the parking date is its deadline.
    with pytest.raises(StateConflict, match="挂账"):
        approvals.request_extension(case, actor=actors["handler"], days=2, reason="再延")


def test_an_extension_decided_on_a_parked_case_leaves_the_parking_date(world, actors, category):
    """Requests pending from before this fix: approving refuses in Chinese, the date stays."""
    case = handling(world, actors, category)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        parking = approvals.request_parking(
            case, actor=actors["handler"], until=dt.date(2027, 3, 31), reason="纳入明年改造计划"
        )
        approvals.decide_request(parking, actor=actors["dispatcher"], approve=True, note="同意挂账")
        # A legacy pending extension (created before 挂账 withdrew them).
        legacy = CaseRequest.objects.create(
            case=case, org=case.org, kind="extension", reason="旧申请", days=4, requester_unit=world["d1"]
        )
        with pytest.raises(StateConflict, match="挂账"):
            approvals.decide_request(legacy, actor=actors["dispatcher"], approve=True, note="同意")
        approvals.decide_request(legacy, actor=actors["dispatcher"], approve=False, note="已挂账")
    case.refresh_from_db()
    assert case.handle_due_at == at(2027, 3, 31, 17, 30) and case.extended_days == 0


def test_rehandle_and_rework_clear_the_extended_badge(client, world, actors, category):
    case = handling(world, actors, category)
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        request = approvals.request_extension(case, actor=actors["handler"], days=3, reason="需协调")
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="同意")
    case.refresh_from_db()
    assert case.extended_days == 3
    client.force_login(actors["dispatcher"])
    assert "已延期 3 个工作日" in client.get(f"/cases/{case.number}/").content.decode()
    lead = case.assignments.get(role="lead")
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        services.give_feedback(lead, actor=actors["handler"], text="已清运")
        case = services.check_case(case, actor=actors["community"], passed=False, note="仍有残留")
    case.refresh_from_db()
    assert case.extended_days == 0  # 返工: a fresh handling period
    assert "已延期" not in client.get(f"/cases/{case.number}/").content.decode()
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        request = approvals.request_extension(case, actor=actors["handler"], days=2, reason="需协调")
        approvals.decide_request(request, actor=actors["dispatcher"], approve=True, note="同意")
        services.give_feedback(lead, actor=actors["handler"], text="已彻底清运")
        case = services.check_case(case, actor=actors["community"], passed=True, note="")
        case = services.rate_case(
            case, actor=actors["dispatcher"], contacted=True, resolved=False, satisfaction="dissatisfied"
        )
        request = approvals.request_rehandle(case, actor=actors["dispatcher"], reason="反映人称又堆了")
        approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="同意重办")
    case.refresh_from_db()
    assert case.rehandle_count == 1 and case.extended_days == 0  # 重办
    assert "已延期" not in client.get(f"/cases/{case.number}/").content.decode()
