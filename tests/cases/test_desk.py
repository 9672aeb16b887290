"""The dispatcher's desk: the 回访 queue and callbacks, the list's default order, bulk actions with a
result per row, the hotline's caller lookup (scope + audit), the 12345 ticket number, the district
queue, and the patrol reporter."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from cases import desk, selectors, services
from cases.evaluation import evaluate
from cases.models import CallbackOutcome, Case, CaseStatus, Stage
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import ROLE_ACTIONS, Role
from tests.conftest import grant

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def reload(case):
    return Case.objects.get(pk=case.pk)


def closed(world, actors, category, **kwargs):
    return walk(new_case(world, **kwargs), actors, world, category, "closed")


# ---------------------------------------------------------------------------------------------
# 回访 queue and callbacks


def test_callback_queue_lists_closed_cases_oldest_due_first_in_scope(world, actors, category):
    first = closed(world, actors, category)
    second = closed(world, actors, category)
    Case.objects.filter(pk=second.pk).update(due_at=first.due_at - dt.timedelta(days=3))
    elsewhere = new_case(world, area=world["c3"])
    Case.objects.filter(pk=elsewhere.pk).update(
        status=CaseStatus.CLOSED, stage=Stage.CALLBACK, due_at=first.due_at
    )
    queue = list(selectors.callback_queue(actors["dispatcher"]))
    assert [c.pk for c in queue] == [second.pk, first.pk]
    assert elsewhere.pk not in {c.pk for c in queue}
    assert not selectors.callback_queue(actors["handler"]).exists()  # units do not call back


def test_reached_callback_rates_the_case_and_feeds_the_evaluation(world, actors, category):
    case = closed(world, actors, category)
    services.record_callback(
        case,
        actor=actors["dispatcher"],
        reached=True,
        unit_contacted=True,
        resolved=True,
        satisfaction="basic",
        note="反映人表示基本满意",
    )
    case = reload(case)
    assert (case.callback_outcome, case.callback_attempts, case.stage) == (CallbackOutcome.RATED, 1, "")
    assert (case.rating_contacted, case.rating_resolved, case.rating_satisfaction) == (True, True, "basic")
    assert not selectors.callback_queue(actors["dispatcher"]).filter(pk=case.pk).exists()
    month = timezone.localtime(case.closed_at).date().replace(day=1)
    row = next(s for s in evaluate(month, "department") if s.unit == world["d1"])
    assert (row.callbacks, row.contacted, row.basic) == (1, 1, 1)
    with pytest.raises(StateConflict):
        services.record_callback(case, actor=actors["dispatcher"], reached=False)


def test_three_failed_attempts_close_the_callback_as_unreachable(world, actors, category):
    case = closed(world, actors, category)
    with pytest.raises(ServiceError) as error:
        services.record_callback(case, actor=actors["dispatcher"], reached=True, unit_contacted=True)
    assert error.value.field == "resolved"
    for attempt in (1, 2):
        services.record_callback(
            case, actor=actors["dispatcher"], reached=False, note=f"第{attempt}次无人接听"
        )
        case = reload(case)
        assert (case.callback_attempts, case.callback_outcome, case.stage) == (attempt, "", Stage.CALLBACK)
    services.record_callback(case, actor=actors["dispatcher"], reached=False, note="关机")
    case = reload(case)
    assert (case.callback_attempts, case.callback_outcome, case.stage, case.rated_at) == (
        3,
        CallbackOutcome.UNREACHABLE,
        "",
        None,
    )
    actions = list(AuditEvent.objects.for_subject(case).values_list("action", flat=True))
    assert actions.count("case.callback_missed") == 2 and actions[-1] == "case.callback_unreachable"
    month = timezone.localtime(case.closed_at).date().replace(day=1)
    row = next(s for s in evaluate(month, "department") if s.unit == world["d1"])
    assert row.callbacks == 0  # 无法联系 is not a valid callback


def test_callback_needs_the_callback_action(world, actors, category):
    case = closed(world, actors, category)
    for who in (actors["community"], actors["handler"], SYSTEM):
        with pytest.raises(PermissionDenied):
            services.record_callback(case, actor=who, reached=False)
    assert reload(case).callback_attempts == 0


def test_callback_pages(client, world, actors, category):
    case = closed(world, actors, category)
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:callbacks")).content.decode()
    assert case.number in page and "回访队列(1)" in page
    url = reverse("cases:callback_case", args=[case.number])
    assert "查看联系电话" in client.get(url).content.decode()
    response = client.post(url, {"reached": "1", "contacted": "1", "resolved": "1"})
    assert response.status_code == 400 and "请选择满意度" in response.content.decode()
    response = client.post(url, {"reached": "0", "comment": "无人接听"})
    assert response.status_code == 302 and reload(case).callback_attempts == 1
    response = client.post(
        url, {"reached": "1", "contacted": "1", "resolved": "0", "satisfaction": "satisfied"}
    )
    assert response.status_code == 302 and reload(case).callback_outcome == CallbackOutcome.RATED
    assert url not in client.get(reverse("cases:callbacks")).content.decode()
    assert as_user(client, actors["handler"]).get(reverse("cases:callbacks")).status_code == 404
    assert as_user(client, actors["other_dispatcher"]).get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# Default order of the list


def test_all_tab_is_newest_first_and_closed_callbacks_do_not_float_up(client, world, actors, category):
    old = closed(world, actors, category)
    Case.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=120), due_at=timezone.now() - dt.timedelta(days=100)
    )
    newest = new_case(world)
    everything = list(selectors.workbench(actors["dispatcher"], selectors.CaseFilters()))
    assert everything[0].pk == newest.pk and everything[-1].pk == old.pk
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:list")).content.decode()
    assert page.index(newest.number) < page.index(old.number)
    # A queue tab still puts the most urgent first.
    urgent = new_case(world)
    Case.objects.filter(pk=urgent.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    queue = list(selectors.workbench(actors["dispatcher"], selectors.CaseFilters(status="reported")))
    assert queue[0].pk == urgent.pk


# ---------------------------------------------------------------------------------------------
# Bulk actions


def test_bulk_register_reports_each_row(world, actors, category):
    ready = new_case(world, category=category)
    second = new_case(world, category=category)
    no_category = new_case(world)
    registered = walk(new_case(world), actors, world, category, "registered")
    outside = new_case(world, area=world["c3"], category=category)
    results = desk.bulk_apply(
        actors["dispatcher"],
        [ready.number, second.number, no_category.number, registered.number, outside.number],
        "register",
    )
    by_number = {r.number: r for r in results}
    assert [r.number for r in results][:2] == [ready.number, second.number]
    assert by_number[ready.number].ok and by_number[second.number].ok
    assert reload(ready).status == CaseStatus.REGISTERED
    assert not by_number[no_category.number].ok and "分类" in by_number[no_category.number].message
    assert not by_number[registered.number].ok and "待派遣" in by_number[registered.number].message
    assert by_number[outside.number].message == "未找到该事项或无权查看"
    assert reload(outside).status == CaseStatus.REPORTED
    # With a category chosen, the case without one is registered too.
    again = desk.bulk_apply(actors["dispatcher"], [no_category.number], "register", category=category)
    assert again[0].ok and reload(no_category).category_id == category.pk


def test_bulk_checks_permission_per_row(world, actors, category):
    mine = new_case(world, category=category)
    # A community worker sees the case but may not register it.
    results = desk.bulk_apply(actors["community"], [mine.number], "register")
    assert not results[0].ok and results[0].message == "您没有受理该事项的权限"
    with pytest.raises(PermissionDenied):
        desk.bulk_apply(SYSTEM, [mine.number], "register")
    with pytest.raises(ServiceError):
        desk.bulk_apply(actors["dispatcher"], [], "register")


def test_bulk_dispatch_and_remind(world, actors, category, django_capture_on_commit_callbacks):
    first = walk(new_case(world), actors, world, category, "registered")
    second = walk(new_case(world), actors, world, category, "registered")
    results = desk.bulk_apply(
        actors["dispatcher"], [first.number, second.number], "dispatch", lead_unit=world["d1"]
    )
    assert all(r.ok for r in results) and reload(first).lead_unit_id == world["d1"].pk
    results = desk.bulk_apply(
        actors["dispatcher"], [first.number, second.number], "remind", note="请今天签收"
    )
    assert all(r.ok for r in results)
    reminded = AuditEvent.objects.for_subject(first).filter(action="case.reminded").get()
    assert reminded.after["unit"] == world["d1"].name
    assert actors["handler"].notifications.filter(kind="case.reminder").count() == 2
    done = closed(world, actors, category)
    results = desk.bulk_apply(actors["dispatcher"], [done.number], "remind")
    assert not results[0].ok


def test_bulk_view_shows_per_row_results(client, world, actors, category):
    good = new_case(world, category=category)
    bad = new_case(world)
    response = as_user(client, actors["dispatcher"]).post(
        reverse("cases:bulk"),
        {"action": "register", "numbers": [good.number, bad.number]},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200 and "成功 <strong>1</strong> 件,共 2 件" in page
    assert response["HX-Trigger"] == "cases-changed"
    assert "未办理" in page and "<html" not in page
    list_page = client.get(reverse("cases:list")).content.decode()
    assert 'id="bulk-form"' in list_page and 'class="form-check-input bulk-row"' in list_page
    options = client.get(reverse("cases:bulk_options"), {"action": "dispatch"}).content.decode()
    assert 'name="lead_unit"' in options and world["d1"].name in options and 'name="category"' not in options
    options = client.get(reverse("cases:bulk_options"), {"action": "register"}).content.decode()
    assert 'name="category"' in options and "暴露垃圾" in options
    assert as_user(client, actors["handler"]).post(reverse("cases:bulk"), {}).status_code == 404


# ---------------------------------------------------------------------------------------------
# Caller lookup by phone (热线受理)


def test_hotline_action_only_for_dispatchers_and_admins():
    holders = {role for role, actions in ROLE_ACTIONS.items() if "hotline" in actions}
    assert holders == {Role.DISPATCHER, Role.ADMIN}


def test_caller_lookup_scope_and_audit(world, actors):
    mine = new_case(world, reporter_phone="13912345678")
    other_caller = new_case(world, reporter_phone="13800000000")
    elsewhere = new_case(world, area=world["c3"], reporter_phone="13912345678")
    found = desk.caller_cases(actors["dispatcher"], "+86 139-1234-5678", purpose="来电受理")
    assert [c.pk for c in found] == [mine.pk]
    assert other_caller.pk not in {c.pk for c in found} and elsewhere.pk not in {c.pk for c in found}
    event = AuditEvent.objects.filter(action="cases.caller_lookup").get()
    assert event.actor == actors["dispatcher"] and event.reason == "来电受理"
    assert event.after["found"] == 1 and "13912345678" not in str(event.after)
    for who in (actors["community"], actors["handler"], actors["supervisor"], SYSTEM):
        with pytest.raises(PermissionDenied):
            desk.caller_cases(who, "13912345678", purpose="查")
    with pytest.raises(ServiceError):
        desk.caller_cases(actors["dispatcher"], "13912345678", purpose="")
    assert AuditEvent.objects.filter(action="cases.caller_lookup").count() == 1


def test_caller_lookup_page(client, world, actors):
    case = new_case(world, reporter_phone="13912345678")
    as_user(client, actors["dispatcher"])
    assert client.get(reverse("cases:lookup")).status_code == 200
    page = client.post(reverse("cases:lookup"), {"phone": "13912345678", "purpose": "热线来电受理"})
    assert case.number in page.content.decode()
    assert as_user(client, actors["community"]).get(reverse("cases:lookup")).status_code == 404


def test_phone_hash_is_stored_and_normalised(world):
    case = new_case(world, reporter_phone="13912345678")
    assert case.reporter_phone_hash and "13912345678" not in case.reporter_phone_hash
    assert Case.objects.filter(reporter_phone_hash=desk.privacy.phone_index("0086 13912345678")).exists()


# ---------------------------------------------------------------------------------------------
# 12345 ticket number


def test_ticket_number_entry_search_and_uniqueness(client, world, actors):
    case = new_case(world, channel="hotline", ticket_number="GD-20261207-0042", actor=actors["dispatcher"])
    assert reload(case).ticket_number == "GD-20261207-0042"
    with pytest.raises(ServiceError) as error:
        new_case(world, channel="hotline", ticket_number="GD-20261207-0042", actor=actors["dispatcher"])
    assert error.value.field == "ticket_number" and case.number in error.value.message
    with pytest.raises(ServiceError):
        new_case(world, channel="hotline", ticket_number="工单一", actor=actors["dispatcher"])
    found = selectors.workbench(actors["dispatcher"], selectors.CaseFilters(q="GD-20261207-0042"))
    assert [c.pk for c in found] == [case.pk]
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:detail", args=[case.number]))
    assert "GD-20261207-0042" in page.content.decode()


def test_ticket_number_from_the_entry_form(client, world, actors):
    response = as_user(client, actors["dispatcher"]).post(
        reverse("cases:new"),
        {
            "mode": "report",
            "channel": "hotline",
            "description": "路灯不亮",
            "area": world["c1"].pk,
            "urgency": "ordinary",
            "reporter_phone": "13912345678",
            "ticket_number": "T12345",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(ticket_number="T12345").channel == "hotline"


# ---------------------------------------------------------------------------------------------
# District queue and the patrol reporter


def test_district_dispatcher_sees_and_works_the_district_queue(client, world, actors, category):
    district = grant(world, "quzhongxin", Role.DISPATCHER, "district")
    case = new_case(world, area=None, address="岳麓大道某处(无网格)", category=category)
    in_street = new_case(world)
    assert case.org_id == world["district"].pk
    assert not Case.objects.visible_to(actors["dispatcher"]).filter(pk=case.pk).exists()
    queue = list(selectors.workbench(district, selectors.CaseFilters(district=True)))
    assert [c.pk for c in queue] == [case.pk]  # not the streets' cases
    response = as_user(client, district).get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].endswith("?district=1")
    page = client.get(response["Location"]).content.decode()
    assert "区级待办(无网格)" in page and case.number in page and in_street.number not in page
    # 导出Excel of that tab holds the same cases as the tab (the list and its export share the filters).
    sheet = load_workbook(io.BytesIO(client.get(reverse("cases:export"), {"district": "1"}).content)).active
    assert "区级待办" in sheet["A3"].value
    numbers = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)]
    assert numbers == [case.number]
    assert as_user(client, actors["dispatcher"]).get(reverse("cases:list")).status_code == 200
    assert desk.bulk_apply(district, [case.number], "register")[0].ok


def test_patrol_report_shows_the_grid_worker(client, world, actors):
    worker = actors["worker"]
    worker.first_name, worker.last_name = "", "王网格"
    worker.save()
    case = services.report_case(channel="patrol", description="井盖缺失", area=world["g1"], actor=worker)
    assert case.reporter_display == "网格员巡查"
    page = as_user(client, actors["dispatcher"]).get(reverse("cases:detail", args=[case.number]))
    text = page.content.decode()
    assert "网格员巡查" in text and worker.display_name() in text
