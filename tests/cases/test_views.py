"""Staff case pages: the workbench, the case page, every action POST, the entry form."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent
from cases import services
from cases.models import AssignmentStatus, Case, CaseStatus, Category
from core.actors import SYSTEM
from orgs.roles import Role
from tests.conftest import grant

from .conftest import SQUARE, new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def url(name, case, *args):
    return reverse(f"cases:{name}", args=[case.number, *args])


def as_user(client, user):
    client.force_login(user)
    return client


def reload(case):
    return Case.objects.get(pk=case.pk)


# ---------------------------------------------------------------------------------------------
# Workbench


def test_workbench_lists_scoped_cases_with_tabs(client, world, actors):
    case = new_case(world)
    other = new_case(world, area=world["c3"])
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:list")).content.decode()
    assert case.number in page and other.number not in page
    for tab in ("待受理", "待派遣", "退单待裁定", "已逾期", "待核查", "全部"):
        assert tab in page
    assert "?mine=pending" not in page  # dispatchers do not handle
    page = as_user(client, actors["other_dispatcher"]).get(reverse("cases:list")).content.decode()
    assert other.number in page and case.number not in page


def test_workbench_filters_and_htmx_partial(client, world, actors, category):
    reported = new_case(world, title="井盖丢了")
    registered = walk(new_case(world, title="垃圾堆积"), actors, world, category, "registered")
    client = as_user(client, actors["dispatcher"])
    page = client.get(reverse("cases:list"), {"status": "registered"}).content.decode()
    assert registered.number in page and reported.number not in page
    page = client.get(reverse("cases:list"), {"q": "井盖"}).content.decode()
    assert reported.number in page and registered.number not in page
    response = client.get(
        reverse("cases:list"), {"q": "垃圾"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-table"
    )
    partial = response.content.decode()
    assert registered.number in partial and "<html" not in partial and "快捷筛选" not in partial
    assert client.get(reverse("cases:list"), {"status": "bogus"}).status_code == 200


def test_department_handler_sees_only_cases_of_their_department(client, world, actors, category):
    ours = walk(new_case(world), actors, world, category, "dispatched")
    theirs = services.dispatch_case(
        walk(new_case(world), actors, world, category, "registered"),
        actor=actors["dispatcher"],
        lead_unit=world["d2"],
    )
    not_dispatched = new_case(world)
    page = as_user(client, actors["handler"]).get(reverse("cases:list")).content.decode()
    assert ours.number in page
    assert theirs.number not in page and not_dispatched.number not in page
    assert "?mine=pending" in page and "?mine=signed" in page and "?mine=overdue" in page
    page = client.get(reverse("cases:list"), {"mine": "pending"}).content.decode()
    assert ours.number in page


def test_workbench_is_404_without_case_scope(client, world):
    resident = grant(world, "jumin", Role.RESIDENT, "c1")
    assert as_user(client, resident).get(reverse("cases:list")).status_code == 404
    assert client.get(reverse("cases:new")).status_code == 404


def test_overdue_cases_are_flagged_red(client, world, actors):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=30))
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:list"), {"overdue": "1"}).content.decode()
    assert case.number in page and "已逾期 1天6小时" in page and "text-bg-danger" in page


# ---------------------------------------------------------------------------------------------
# Case page


def test_case_page_shows_everything_but_clear_personal_data(client, world, actors, category):
    case = walk(new_case(world, reporter_name="张三丰"), actors, world, category, "dispatched")
    page = as_user(client, actors["dispatcher"]).get(url("detail", case)).content.decode()
    assert case.title in page and case.description in page
    assert "张**" in page and "139****5678" in page
    assert "张三丰" not in page and "13912345678" not in page
    for label in ("上报事项", "立案", "派遣"):  # the timeline
        assert label in page
    assert "区城市管理和综合执法局" in page and "主办" in page and "协办" in page
    assert "查看联系电话" in page  # dispatchers call back
    page = as_user(client, actors["community"]).get(url("detail", case)).content.decode()
    assert "查看联系电话" not in page  # no callback


def test_outsider_gets_404_on_the_case_page(client, world, actors):
    case = new_case(world)
    assert as_user(client, actors["other_dispatcher"]).get(url("detail", case)).status_code == 404
    assert as_user(client, actors["other_handler"]).get(url("detail", case)).status_code == 404


def test_reporting_resident_is_sent_to_the_tracking_page(client, world):
    resident = grant(world, "jumin", Role.RESIDENT, "c1")
    case = new_case(world, actor=resident)
    response = as_user(client, resident).get(url("detail", case))
    assert response.status_code == 302
    assert response["Location"] == f"/track/{case.number}/?t={case.access_token}"


def test_only_possible_actions_are_shown(client, world, actors, category):
    case = new_case(world)
    page = as_user(client, actors["dispatcher"]).get(url("detail", case)).content.decode()
    assert (
        'id="form-register"' in page
        and 'id="form-reject"' in page
        and 'id="form-request-verification"' in page
    )
    assert 'id="form-dispatch"' not in page
    page = as_user(client, actors["handler"]).get(
        url("detail", walk(case, actors, world, category, "dispatched"))
    )
    page = page.content.decode()
    lead = case.assignments.get(role="lead")
    assert f'id="form-sign-{lead.pk}"' in page and f'id="form-return-{lead.pk}"' in page
    assert 'id="form-register"' not in page


# ---------------------------------------------------------------------------------------------
# Actions


def test_register(client, world, actors, category):
    case = new_case(world)
    data = {"category": category.pk, "urgency": "urgent", "title": "门口垃圾", "expected_status": "reported"}
    response = as_user(client, actors["dispatcher"]).post(url("register", case), data)
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    case = reload(case)
    assert (case.status, case.category, case.urgency, case.title) == (
        "registered",
        category,
        "urgent",
        "门口垃圾",
    )
    assert "已立案" in client.get(url("detail", case)).content.decode()


def test_register_refused_to_outsider_and_to_insider_without_dispatch(client, world, actors, category):
    case = new_case(world)
    data = {"category": category.pk, "urgency": "ordinary", "expected_status": "reported"}
    assert as_user(client, actors["other_dispatcher"]).post(url("register", case), data).status_code == 404
    assert as_user(client, actors["community"]).post(url("register", case), data).status_code == 403
    assert reload(case).status == CaseStatus.REPORTED


def test_stale_page_gets_the_conflict_message_and_changes_nothing(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "registered")
    data = {
        "category": Category.objects.get(code="0101").pk,
        "urgency": "urgent",
        "expected_status": "reported",
    }
    response = as_user(client, actors["dispatcher"]).post(url("register", case), data)
    assert response.status_code == 409
    assert "事项状态已变化" in response.content.decode()
    after = reload(case)
    assert (after.status, after.category, after.urgency) == ("registered", category, "ordinary")
    # The refreshed page offers what is possible now.
    assert 'id="form-dispatch"' in response.content.decode()


def test_form_errors_are_shown_next_to_the_field(client, world, actors):
    case = new_case(world)
    client = as_user(client, actors["dispatcher"])
    response = client.post(url("reject", case), {"reason": " ", "expected_status": "reported"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'name="reason"' in page and "is-invalid" in page
    assert '<div class="invalid-feedback d-block" role="alert">请填写不予立案理由</div>' in page
    # A category that needs verification first: the service's message on the category field.
    needs_check = Category.objects.get(code="0601")
    response = client.post(
        url("register", case),
        {"category": needs_check.pk, "urgency": "ordinary", "expected_status": "reported"},
    )
    assert response.status_code == 400 and "需先派网格员核实后才能立案" in response.content.decode()
    response = client.post(url("register", case), {"urgency": "ordinary", "expected_status": "reported"})
    assert response.status_code == 400 and "请选择分类" in response.content.decode()
    assert reload(case).status == CaseStatus.REPORTED


def test_reject(client, world, actors):
    case = new_case(world)
    response = as_user(client, actors["dispatcher"]).post(
        url("reject", case), {"reason": "不属于受理范围", "expected_status": "reported"}
    )
    assert response.status_code == 302
    assert reload(case).status == CaseStatus.REJECTED


def test_verification_request_and_result(client, world, actors, category):
    case = new_case(world)
    response = as_user(client, actors["dispatcher"]).post(
        url("request_verification", case), {"note": "请核实", "expected_status": "reported"}
    )
    assert response.status_code == 302 and reload(case).status == CaseStatus.VERIFYING
    data = {"confirmed": "1", "note": "现场属实", "expected_status": "verifying"}
    assert as_user(client, actors["other_community"]).post(url("verify", case), data).status_code == 404
    assert as_user(client, actors["handler"]).post(url("verify", case), data).status_code == 404
    response = as_user(client, actors["community"]).post(
        url("verify", case), {"expected_status": "verifying"}
    )
    assert response.status_code == 400 and "请选择核实结果" in response.content.decode()
    response = client.post(url("verify", case), data)
    assert response.status_code == 302
    case = reload(case)
    assert case.status == CaseStatus.REPORTED and case.verified_at is not None


def test_dispatch_to_a_department_outside_the_dispatchers_scope(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "registered")
    page = as_user(client, actors["dispatcher"]).get(url("detail", case)).content.decode()
    assert "区城市管理和综合执法局" in page and 'label="区直部门"' in page
    assert "东城区城管委" not in page  # another district's units are not offered
    data = {
        "lead_unit": world["d1"].pk,
        "co_units": [world["c1"].pk],
        "instructions": "请尽快清运",
        "expected_status": "registered",
    }
    assert as_user(client, actors["other_dispatcher"]).post(url("dispatch", case), data).status_code == 404
    response = as_user(client, actors["dispatcher"]).post(url("dispatch", case), data)
    assert response.status_code == 302
    case = reload(case)
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world["d1"]
    assert sorted(a.org.name for a in case.assignments.all()) == sorted(
        ["区城市管理和综合执法局", "湖东社区"]
    )


def test_dispatch_needs_a_lead_unit(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "registered")
    response = as_user(client, actors["dispatcher"]).post(
        url("dispatch", case), {"co_units": [world["d1"].pk], "expected_status": "registered"}
    )
    assert response.status_code == 400 and "请选择主办单位" in response.content.decode()


def test_sign_return_and_adjudicate(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    assert as_user(client, actors["other_handler"]).post(url("sign", case, lead.pk)).status_code == 404
    # The community can see the case (co-unit) but is not the lead unit's handler.
    assert as_user(client, actors["community"]).post(url("sign", case, lead.pk)).status_code == 403
    response = as_user(client, actors["handler"]).post(url("sign", case, lead.pk))
    assert response.status_code == 302 and reload(case).status == CaseStatus.HANDLING

    response = client.post(url("return", case, lead.pk), {"reason": "", "note": "不归我们管"})
    assert response.status_code == 400 and "请选择退单理由" in response.content.decode()
    response = client.post(url("return", case, lead.pk), {"reason": "not_our_duty", "note": "属教育局职责"})
    assert response.status_code == 302 and reload(case).status == CaseStatus.RETURNED

    data = {"upheld": "1", "lead_unit": world["d2"].pk, "note": "改派教育局", "expected_status": "returned"}
    assert as_user(client, actors["other_dispatcher"]).post(url("adjudicate", case), data).status_code == 404
    response = as_user(client, actors["dispatcher"]).post(url("adjudicate", case), data)
    assert response.status_code == 302
    case = reload(case)
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world["d2"]


def test_adjudicate_overruled(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    services.return_assignment(lead, actor=actors["handler"], reason="not_our_duty", note="不归我们")
    response = as_user(client, actors["dispatcher"]).post(
        url("adjudicate", case), {"upheld": "0", "note": "属于城管职责", "expected_status": "returned"}
    )
    assert response.status_code == 302
    assert reload(case).status == CaseStatus.HANDLING


def test_feedback_with_photos(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "handling")
    lead = case.assignments.get(role="lead")
    client = as_user(client, actors["handler"])
    response = client.post(url("feedback", case, lead.pk), {"text": ""})
    assert response.status_code == 400 and "请填写处置情况" in response.content.decode()
    response = client.post(
        url("feedback", case, lead.pk), {"text": "已清运", "photos": [photo(), photo("b.jpg")]}
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.status == CaseStatus.FED_BACK and case.attachments.filter(stage="feedback").count() == 2
    page = client.get(url("detail", case)).content.decode()
    assert "处置照片" in page and "/media/cases/" in page


def test_check_and_rework(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "fed_back")
    data = {"passed": "0", "note": "", "expected_status": "fed_back"}
    assert as_user(client, actors["other_community"]).post(url("check", case), data).status_code == 404
    response = as_user(client, actors["community"]).post(url("check", case), data)
    assert response.status_code == 400 and "请填写核查意见" in response.content.decode()
    response = client.post(url("check", case), {**data, "note": "还有垃圾"})
    assert response.status_code == 302 and reload(case).status == CaseStatus.HANDLING
    lead = case.assignments.get(role="lead")
    services.give_feedback(lead, actor=actors["handler"], text="已彻底清运")
    response = client.post(
        url("check", case), {"passed": "1", "expected_status": "fed_back", "photos": [photo()]}
    )
    assert response.status_code == 302 and reload(case).status == CaseStatus.CLOSED


def test_callback_rating(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "closed")
    data = {"contacted": "1", "resolved": "1", "satisfaction": "satisfied", "comment": "电话回访满意"}
    assert as_user(client, actors["community"]).post(url("callback", case), data).status_code == 403
    assert as_user(client, actors["other_dispatcher"]).post(url("callback", case), data).status_code == 404
    response = as_user(client, actors["dispatcher"]).post(url("callback", case), {**data, "satisfaction": ""})
    assert response.status_code == 400 and "请选择满意度" in response.content.decode()
    response = client.post(url("callback", case), data)
    assert response.status_code == 302
    case = reload(case)
    assert case.rating_satisfaction == "satisfied" and case.rating_contacted is True


def test_htmx_action_returns_the_refreshed_page_body(client, world, actors, category):
    case = new_case(world)
    response = as_user(client, actors["dispatcher"]).post(
        url("register", case),
        {"category": category.pk, "urgency": "ordinary", "expected_status": "reported"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="case-page",
    )
    page = response.content.decode()
    assert response.status_code == 200 and page.startswith('<div id="case-page">')
    assert "已立案,请派遣" in page and 'id="form-dispatch"' in page and "<html" not in page


def test_reveal_phone_is_audited_and_needs_callback(client, world, actors):
    case = new_case(world)
    client = as_user(client, actors["dispatcher"])
    response = client.post(url("reveal_phone", case), {"reason": ""})
    assert response.status_code == 400 and "请填写查看用途" in response.content.decode()
    response = client.post(url("reveal_phone", case), {"reason": "电话回访"})
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    event = AuditEvent.objects.for_subject(case).get(action="case.reporter_viewed")
    assert event.actor == actors["dispatcher"] and event.reason == "电话回访"
    response = as_user(client, actors["community"]).post(url("reveal_phone", case), {"reason": "看看"})
    assert response.status_code == 403 and "13912345678" not in response.content.decode()
    assert (
        as_user(client, actors["other_dispatcher"])
        .post(url("reveal_phone", case), {"reason": "x"})
        .status_code
        == 404
    )
    assert AuditEvent.objects.for_subject(case).filter(action="case.reporter_viewed").count() == 1


def test_actions_need_post(client, world, actors):
    case = new_case(world)
    assert as_user(client, actors["dispatcher"]).get(url("register", case)).status_code == 405


# ---------------------------------------------------------------------------------------------
# Entry


def test_hotline_entry_by_dispatcher(client, world, actors):
    client = as_user(client, actors["dispatcher"])
    page = client.get(reverse("cases:new")).content.decode()
    assert "湖东社区" in page and "桃子湖社区" not in page and "来电号码" in page
    assert "即报即办" not in page  # dispatchers do not handle grids
    response = client.post(
        reverse("cases:new"),
        {
            "description": "路灯不亮",
            "urgency": "ordinary",
            "area": world["c2"].pk,
            "reporter_name": "李四",
            "reporter_phone": "13800001111",
            "photos": [photo()],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    assert (case.channel, case.org, case.reporter_name) == ("hotline", world["c2"], "李四")
    assert case.reporter_phone_clear() == "13800001111" and case.attachments.count() == 1


def test_entry_errors_and_scope(client, world, actors):
    client = as_user(client, actors["dispatcher"])
    response = client.post(
        reverse("cases:new"), {"description": "", "urgency": "ordinary", "area": world["c1"].pk}
    )
    assert response.status_code == 400 and "请填写问题描述" in response.content.decode()
    response = client.post(reverse("cases:new"), {"description": "有问题", "urgency": "ordinary"})
    assert (
        response.status_code == 400
        and "请在地图上选择位置、选择所在社区,或填写地址" in response.content.decode()
    )
    # Another street's community is not a valid choice.
    response = client.post(
        reverse("cases:new"), {"description": "有问题", "urgency": "ordinary", "area": world["c3"].pk}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_entry_at_a_point_outside_the_users_area_is_refused(client, world, actors):
    from orgs import services as org_services

    org_services.update_org(world["g3"], actor=SYSTEM, geometry=SQUARE)  # a grid of the other street
    data = {"description": "有问题", "urgency": "ordinary", "longitude": "112.905", "latitude": "28.205"}
    response = as_user(client, actors["dispatcher"]).post(reverse("cases:new"), data)
    assert response.status_code == 403 and "您没有在该区域录入事项的权限" in response.content.decode()
    assert not Case.objects.exists()


def test_due_soon_is_amber(client, world, actors):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:list")).content.decode()
    assert "即将到期" in page and "text-bg-warning" in page


def test_grid_worker_patrol_and_on_spot(client, world, actors):
    client = as_user(client, actors["worker"])
    page = client.get(reverse("cases:new")).content.decode()
    assert "即报即办" in page and "来电号码" not in page
    response = client.post(
        reverse("cases:new"), {"description": "井盖松动", "urgency": "ordinary", "area": world["g1"].pk}
    )
    assert response.status_code == 302
    assert Case.objects.get().channel == "patrol"
    data = {"mode": "on_spot", "description": "小广告", "urgency": "ordinary", "area": world["g1"].pk}
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 400 and "即报即办需上传处置前和处置后照片" in response.content.decode()
    response = client.post(
        reverse("cases:new"), {**data, "before_photos": [photo()], "after_photos": [photo()]}
    )
    assert response.status_code == 302
    case = Case.objects.get(resolved_on_spot=True)
    assert case.status == CaseStatus.CLOSED and case.attachments.count() == 2


def test_navigation(client, world, actors):
    page = as_user(client, actors["dispatcher"]).get(reverse("home")).content.decode()
    assert reverse("cases:list") in page and reverse("cases:new") in page and reverse("portal:report") in page
    page = as_user(client, actors["handler"]).get(reverse("home")).content.decode()
    assert reverse("cases:list") in page and reverse("cases:new") not in page
    resident = grant(world, "jumin", Role.RESIDENT, "c1")
    page = as_user(client, resident).get(reverse("home")).content.decode()
    assert reverse("cases:list") not in page and reverse("portal:mine") in page


def test_co_unit_signs_and_feeds_back(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "handling")
    co = case.assignments.get(role="co")
    client = as_user(client, actors["community"])
    assert client.post(url("sign", case, co.pk)).status_code == 302
    response = client.post(url("feedback", case, co.pk), {"text": "已配合清运"})
    assert response.status_code == 302
    assert case.assignments.get(pk=co.pk).status == AssignmentStatus.FED_BACK
    assert reload(case).status == CaseStatus.HANDLING


def test_dispatcher_sees_category_suggestions_and_duplicates_before_registering(client, world, actors):
    from .conftest import new_case

    first = new_case(world, description="小区门口垃圾堆了三天没人清运,气味很大")
    second = new_case(world, description="小区门口的垃圾三天没人清运了")
    client.force_login(actors["dispatcher"])
    page = client.get(f"/cases/{second.number}/").content.decode()
    assert "智能辅助" in page and "疑似重复事项" in page and first.number in page
    # Not for staff who see the case but do not dispatch it.
    client.force_login(actors["community"])
    response = client.get(f"/cases/{second.number}/")
    assert response.status_code == 200 and "智能辅助" not in response.content.decode()
