"""吹哨报到, merging duplicates, and the public-visibility flag."""

import pytest
import time_machine

from audit.models import AuditEvent
from cases import coordination, services
from cases.models import AssignmentStatus, Case, CaseAssignment, CaseStatus
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.models import Notification

from .conftest import at, new_case, walk

pytestmark = pytest.mark.django_db


def test_whistle_summons_departments_who_report_in_then_feed_back(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):  # Monday
        case = new_case(world)
        case = services.register_case(case, actor=actors["dispatcher"], category=category)
        case = services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["c1"])
        summoned = coordination.summon_units(
            case, actor=actors["dispatcher"], units=[world["d1"], world["d2"]], note="垃圾清运涉及多部门"
        )
    assert [a.role for a in summoned] == ["summoned", "summoned"]
    # Ordinary cases: report within one working day (Tuesday 17:30 local).
    assert {a.sign_due_at for a in summoned} == {at(2026, 11, 24, 17, 30)}
    assert Notification.objects.filter(user=actors["handler"], kind="case.summoned").exists()
    # The summoned department now sees the case and reports in (签收 is not the way for it).
    assert Case.objects.visible_to(actors["handler"]).filter(pk=case.pk).exists()
    mine = CaseAssignment.objects.get(case=case, org=world["d1"])
    with pytest.raises(ServiceError, match="报到"):
        services.sign_assignment(mine, actor=actors["handler"])
    with pytest.raises(PermissionDenied):
        coordination.report_in(mine, actor=actors["other_handler"], note="x")
    with pytest.raises(ServiceError) as error:
        coordination.report_in(mine, actor=actors["handler"], note="")
    assert error.value.field == "note"
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):  # a day late
        coordination.report_in(mine, actor=actors["handler"], note="执法中队已到场")
    event = AuditEvent.objects.filter(action=coordination.REPORTED_IN).get()
    assert event.after == {"unit": world["d1"].name, "late": True}
    with pytest.raises(ServiceError, match="不是区直部门"):
        coordination.summon_units(case, actor=actors["dispatcher"], units=[world["c2"]], note="x")
    # Once the lead signs, the summoned unit feeds back like a co-unit; the lead completes.
    with time_machine.travel(at(2026, 11, 25, 10), tick=False):
        lead = case.assignments.get(role="lead")
        services.sign_assignment(lead, actor=actors["community"])
        services.give_feedback(mine, actor=actors["handler"], text="已依法处理")
        mine.refresh_from_db()
        assert mine.status == AssignmentStatus.FED_BACK
        services.give_feedback(lead, actor=actors["community"], text="已清运")
    with pytest.raises(StateConflict):  # fed back: no longer in the whistle window
        coordination.summon_units(case, actor=actors["dispatcher"], units=[world["d1"]], note="x")


def test_whistle_refusals(world, actors, category):
    case = walk(new_case(world), actors, world, category, "handling")  # d1 lead, c1 co-unit
    with pytest.raises(ServiceError, match="已在办理"):
        coordination.summon_units(case, actor=actors["dispatcher"], units=[world["d1"]], note="x")
    with pytest.raises(ServiceError) as error:
        coordination.summon_units(case, actor=actors["dispatcher"], units=[], note="x")
    assert error.value.field == "units"
    with pytest.raises(PermissionDenied):
        coordination.summon_units(case, actor=actors["handler"], units=[world["d2"]], note="x")
    with pytest.raises(ServiceError, match="不属于本区"):
        coordination.summon_units(case, actor=actors["dispatcher"], units=[world["other_dept"]], note="x")
    # The same department picked twice is summoned once.
    summoned = coordination.summon_units(case, actor=actors["dispatcher"], units=[world["d2"]] * 2, note="x")
    assert [a.org for a in summoned] == [world["d2"]]


def test_duplicates_merge_into_a_master_case_whose_closure_reaches_every_reporter(
    world, actors, category, django_user_model, django_capture_on_commit_callbacks
):
    resident = django_user_model.objects.create_user("resident_dup", password="x" * 12)
    master = new_case(world)
    duplicate = new_case(world, actor=resident, description="门口的垃圾三天了还在")
    with pytest.raises(ServiceError) as error:
        coordination.merge_case(duplicate, actor=actors["dispatcher"], into=duplicate, reason="x")
    assert error.value.field == "into"
    with pytest.raises(PermissionDenied):
        coordination.merge_case(duplicate, actor=actors["other_dispatcher"], into=master, reason="x")
    with pytest.raises(ServiceError) as error:
        coordination.merge_case(duplicate, actor=actors["dispatcher"], into=master, reason="")
    assert error.value.field == "reason"
    coordination.merge_case(duplicate, actor=actors["dispatcher"], into=master, reason="同一地点同一问题")
    duplicate.refresh_from_db()
    assert duplicate.status == CaseStatus.MERGED and duplicate.merged_into == master
    assert duplicate.due_at is None and not duplicate.is_open
    # A merged case cannot take the master role, nor be merged again.
    third = new_case(world)
    with pytest.raises(ServiceError, match="不能并入"):
        coordination.merge_case(third, actor=actors["dispatcher"], into=duplicate, reason="x")
    with pytest.raises(StateConflict):
        coordination.merge_case(duplicate, actor=actors["dispatcher"], into=third, reason="x")
    # Once handling started, a case is not merged.
    started = walk(new_case(world), actors, world, category, "dispatched")
    with pytest.raises(StateConflict, match="已开始办理"):
        coordination.merge_case(started, actor=actors["dispatcher"], into=master, reason="x")

    with django_capture_on_commit_callbacks(execute=True):
        walk(master, actors, world, category, "closed")
    assert Notification.objects.filter(user=resident, kind="case.merged_closed").count() == 1
    # The reporter's tracking page follows the master case (no personal data).
    from django.test import Client

    page = Client().get(f"/track/{duplicate.number}/?t={duplicate.access_token}").content.decode()
    assert master.number in page and "已办结" in page and "张三" not in page


def test_public_flag(world, actors, category, client):
    case = new_case(world)
    with pytest.raises(PermissionDenied):
        coordination.set_public(case, actor=actors["handler"], public=False, reason="x")
    with pytest.raises(ServiceError) as error:
        coordination.set_public(case, actor=actors["dispatcher"], public=True, reason="x")
    assert error.value.field == "public"
    client.force_login(actors["dispatcher"])
    response = client.post(f"/cases/{case.number}/public/", {"public": "0", "reason": "涉及个人隐私"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.is_public
    event = AuditEvent.objects.filter(action=coordination.VISIBILITY_CHANGED).get()
    assert (event.before, event.after, event.reason) == ({"public": True}, {"public": False}, "涉及个人隐私")


def test_merge_and_summon_pages(world, actors, category, client):
    master = new_case(world)
    duplicate = new_case(world)
    client.force_login(actors["dispatcher"])
    page = client.get(f"/cases/{duplicate.number}/").content.decode()
    assert "合并重复事项" in page and "吹哨报到" not in page  # 吹哨 once registered
    response = client.post(f"/cases/{duplicate.number}/merge/", {"into": "YL00000000-9999", "reason": "x"})
    assert response.status_code == 400 and "找不到您可以处理的事项" in response.content.decode()
    response = client.post(
        f"/cases/{duplicate.number}/merge/",
        {"into": master.number.lower(), "reason": "同一问题", "expected_status": "reported"},
    )
    assert response.status_code == 302
    assert f"/cases/{duplicate.number}/" in client.get(f"/cases/{master.number}/").content.decode()

    case = walk(new_case(world), actors, world, category, "registered")
    assert "吹哨报到" in client.get(f"/cases/{case.number}/").content.decode()
    response = client.post(f"/cases/{case.number}/summon/", {"units": [], "note": "x"})
    assert response.status_code == 400 and "请选择要召集报到的部门" in response.content.decode()
    response = client.post(f"/cases/{case.number}/summon/", {"units": [world["d2"].pk], "note": "联合处置"})
    assert response.status_code == 302
    client.force_login(actors["other_handler"])  # 区教育局 handler: summoned, sees the 报到 form
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "报到" in page and "form-report-in" in page
