"""Every transition of the case workflow, and the refusals."""

import datetime as dt
import math

import pytest
import time_machine

from audit.models import AuditEvent
from audit.verify import verify
from cases import services
from cases.models import TOKEN_ALPHABET, AssignmentStatus, Case, CaseStatus, Category
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs import services as org_services
from orgs.models import Position

from .conftest import SQUARE, at, new_case, walk

pytestmark = pytest.mark.django_db


def test_tracking_numbers_are_daily_sequences_and_tokens_unguessable(world):
    with time_machine.travel(at(2026, 11, 27, 10), tick=False):
        first, second = new_case(world), new_case(world)
    assert first.number == "YL20261127-0001" and second.number == "YL20261127-0002"
    # 查询码: 13 symbols of a 30-letter alphabet (≥ 60 bits), no look-alikes (cases.models).
    assert first.access_token != second.access_token and len(first.access_token) == 13
    assert 13 * math.log2(len(TOKEN_ALPHABET)) >= 60
    with time_machine.travel(at(2026, 11, 30, 9), tick=False):
        assert new_case(world).number == "YL20261130-0001"


def test_location_by_point_in_polygon(world):
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    case = new_case(world, area=None, longitude=112.905, latitude=28.205)
    assert (case.grid, case.community, case.street, case.org) == (
        world["g1"],
        world["c1"],
        world["s1"],
        world["g1"],
    )
    # ~1 km east of the grid: outside every grid but within the district's margin (2 km).
    outside = new_case(world, area=None, longitude=112.92, latitude=28.205)
    assert outside.grid is None and outside.org == world["district"]  # the district dispatch queue
    with pytest.raises(ServiceError) as refused:  # ~60 km away: not in the district at all
        new_case(world, area=None, longitude=113.5, latitude=28.0)
    assert refused.value.field == "location" and "不在本区范围内" in refused.value.message


def test_the_grid_outlines_follow_every_change_of_the_tree(world):
    """Intake locates with this process's copy of the outlines (cases.locate.GRIDS): an outline
    moved in place, a grid archived (a QuerySet.update, no save signal) are seen at once."""
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    assert new_case(world, area=None, longitude=112.905, latitude=28.205).grid == world["g1"]
    shifted = {"type": "Polygon", "coordinates": [[[x + 0.02, y] for x, y in SQUARE["coordinates"][0]]]}
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=shifted)  # same count, id and path
    assert new_case(world, area=None, longitude=112.905, latitude=28.205).grid is None
    assert new_case(world, area=None, longitude=112.925, latitude=28.205).grid == world["g1"]
    for post in Position.objects.current().filter(org=world["g1"]):
        org_services.end_position(post, actor=SYSTEM, reason="网格调整")
    org_services.archive_org(world["g1"], actor=SYSTEM, reason="网格调整")
    assert new_case(world, area=None, longitude=112.925, latitude=28.205).grid is None


def test_location_by_picked_community(world):
    case = new_case(world, area=world["c3"])
    assert (case.community, case.street, case.org) == (world["c3"], world["s2"], world["c3"])


def test_intake_errors_name_the_field(world):
    for kwargs, field in [
        ({"description": " "}, "description"),
        ({"reporter_phone": "123"}, "reporter_phone"),
        ({"reporter_phone": "", "anonymous": False}, "reporter_phone"),
        ({"area": None}, "location"),
        ({"area": None, "longitude": "abc", "latitude": "1"}, "location"),
        ({"urgency": "whenever"}, "urgency"),
        ({"area": world["d1"]}, "area"),
    ]:
        with pytest.raises(ServiceError) as error:
            new_case(world, **kwargs)
        assert error.value.field == field, kwargs
    assert Case.objects.count() == 0
    anonymous = new_case(world, anonymous=True, reporter_phone="", reporter_name="不会保存")
    assert anonymous.reporter_name == "" and anonymous.reporter_phone_clear() == ""


def test_hotline_entry_needs_report_scope(world, actors):
    services.report_case(
        channel="hotline", description="路灯不亮", area=world["c1"], actor=actors["dispatcher"]
    )
    with pytest.raises(PermissionDenied):
        services.report_case(
            channel="hotline", description="路灯不亮", area=world["c1"], actor=actors["other_dispatcher"]
        )


def test_full_journey_with_deadlines_and_audit(world, actors, category):
    # Wednesday 2026-09-30 10:00: the national-day holiday (10-01..10-07) and the make-up Saturday
    # 10-10 are in the way of every clock.
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        case = new_case(world)
        assert case.status == CaseStatus.REPORTED and case.stage == "register"
        assert case.due_at == at(2026, 10, 8, 17, 30)  # 1 working day → the first day after the holiday
        case = services.register_case(case, actor=actors["dispatcher"], category=category)
        assert case.status == CaseStatus.REGISTERED
        case = services.dispatch_case(
            case,
            actor=actors["dispatcher"],
            lead_unit=world["d1"],
            co_units=[world["c1"]],
            instructions="请尽快清运",
        )
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world["d1"]
    # ordinary: handle within 5 working days: 10-08, 10-09, 10-10 (Saturday worked), 10-12, 10-13
    assert case.handle_due_at == at(2026, 10, 13, 17, 30)
    lead = case.assignments.get(role="lead")
    co = case.assignments.get(role="co")
    # sign within 4 working hours: 30 min left on 09-30 (10:00→12:00 is 2 h, 14:00→16:00 is 2 h)
    assert lead.sign_due_at == at(2026, 9, 30, 16, 0)
    with time_machine.travel(at(2026, 9, 30, 11), tick=False):
        services.sign_assignment(lead, actor=actors["handler"])
        services.sign_assignment(co, actor=actors["community"])
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLING and case.due_at == case.handle_due_at
    with time_machine.travel(at(2026, 10, 9, 15), tick=False):
        services.give_feedback(co, actor=actors["community"], text="已配合劝导商户")
        case.refresh_from_db()
        assert case.status == CaseStatus.HANDLING  # a co-unit's feedback does not complete handling
        services.give_feedback(lead, actor=actors["handler"], text="已清运,现场已清洁")
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK and case.stage == "check"
    with time_machine.travel(at(2026, 10, 10, 9), tick=False):
        case = services.check_case(case, actor=actors["community"], passed=True, note="现场已清洁")
    assert case.status == CaseStatus.CLOSED and case.closed_on_time is True
    case = services.rate_case(case, token=case.access_token, resolved=True, satisfaction="satisfied")
    assert case.rating_satisfaction == "satisfied" and case.rating_contacted is True and case.due_at is None
    codes = list(AuditEvent.objects.for_subject(case).order_by("seq").values_list("action", flat=True))
    assert codes == [
        "case.reported",
        "case.registered",
        "case.dispatched",
        "case.signed",
        "case.signed",
        "case.co_fed_back",
        "case.fed_back",
        "case.closed",
        "case.rated",
    ]
    assert list(verify()) == []


def test_illegal_transitions_are_refused_with_a_reason(world, actors, category):
    case = new_case(world)
    with pytest.raises(StateConflict, match="待受理"):
        services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["d1"])
    with pytest.raises(StateConflict):
        services.check_case(case, actor=actors["community"], passed=True, note="")
    case = walk(case, actors, world, category, "closed")
    with pytest.raises(StateConflict, match="已结案"):
        services.reject_case(case, actor=actors["dispatcher"], reason="重复")


def test_stale_page_gets_a_conflict(world, actors, category):
    case = new_case(world)
    services.register_case(case, actor=actors["dispatcher"], category=category)
    with pytest.raises(StateConflict, match="刷新"):
        services.reject_case(case, actor=actors["dispatcher"], reason="重复", expected_status="reported")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REGISTERED


def test_outsiders_cannot_act(world, actors, category):
    case = new_case(world)
    with pytest.raises(PermissionDenied):
        services.register_case(case, actor=actors["other_dispatcher"], category=category)
    case = walk(case, actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    with pytest.raises(PermissionDenied):
        services.sign_assignment(lead, actor=actors["other_handler"])
    with pytest.raises(PermissionDenied):
        services.sign_assignment(lead, actor=actors["community"])  # c1 is a co-unit, not the lead
    services.sign_assignment(lead, actor=actors["handler"])
    services.give_feedback(lead, actor=actors["handler"], text="已处理")
    with pytest.raises(PermissionDenied):
        services.check_case(case, actor=actors["other_community"], passed=True, note="")
    with pytest.raises(PermissionDenied):
        services.reveal_reporter_phone(case, actor=actors["handler"], reason="回访")


def test_registration_needs_a_leaf_and_verification_when_required(world, actors):
    case = new_case(world)
    with pytest.raises(ServiceError) as error:
        services.register_case(case, actor=actors["dispatcher"], category=Category.objects.get(code="03"))
    assert error.value.field == "category"
    building = Category.objects.get(code="0602")  # 违法建设: verify first
    with pytest.raises(ServiceError, match="核实"):
        services.register_case(case, actor=actors["dispatcher"], category=building)
    case = services.request_verification(case, actor=actors["dispatcher"])
    assert case.status == CaseStatus.VERIFYING
    case = services.record_verification(case, actor=actors["community"], confirmed=True, note="现场确有违建")
    case = services.register_case(case, actor=actors["dispatcher"], category=building)
    assert case.status == CaseStatus.REGISTERED


def test_verification_not_confirmed_rejects_with_public_reason(world, actors):
    case = services.request_verification(new_case(world), actor=actors["dispatcher"])
    case = services.record_verification(
        case, actor=actors["community"], confirmed=False, note="现场未发现问题"
    )
    assert case.status == CaseStatus.REJECTED and "现场未发现问题" in case.rejected_reason


def test_reject_needs_a_reason_the_reporter_sees(world, actors):
    case = new_case(world)
    with pytest.raises(ServiceError) as error:
        services.reject_case(case, actor=actors["dispatcher"], reason=" ")
    assert error.value.field == "reason"
    case = services.reject_case(case, actor=actors["dispatcher"], reason="属于物业服务范围,已告知联系物业")
    from cases.selectors import timeline

    assert any("物业" in e.after["public_note"] for e in timeline(case, public=True))


def test_return_within_window_and_adjudication(world, actors, category):
    with time_machine.travel(at(2026, 11, 26, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "dispatched")
        lead = case.assignments.get(role="lead")
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        with pytest.raises(ServiceError):
            services.return_assignment(lead, actor=actors["handler"], reason="bogus", note="x")
        services.return_assignment(lead, actor=actors["handler"], reason="not_our_duty", note="属社区职责")
        case.refresh_from_db()
        assert case.status == CaseStatus.RETURNED
        with pytest.raises(ServiceError, match="其他单位"):
            services.adjudicate_return(
                case, actor=actors["dispatcher"], upheld=True, note="改派", lead_unit=world["d1"]
            )
        case = services.adjudicate_return(
            case, actor=actors["dispatcher"], upheld=True, note="改派社区", lead_unit=world["c1"]
        )
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world["c1"]
    statuses = dict(case.assignments.values_list("org__name", "status").order_by("pk")[:2])
    assert statuses["区城市管理和综合执法局"] == AssignmentStatus.RETURNED
    assert case.assignments.filter(status=AssignmentStatus.CANCELLED).count() == 1  # the old co-unit


def test_overruled_return_puts_the_unit_back_to_work(world, actors, category):
    case = walk(new_case(world), actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    services.return_assignment(lead, actor=actors["handler"], reason="not_our_duty", note="不归我们")
    case = services.adjudicate_return(
        case, actor=actors["dispatcher"], upheld=False, note="属城管职责,请办理"
    )
    lead.refresh_from_db()
    assert case.status == CaseStatus.HANDLING and lead.status == AssignmentStatus.SIGNED
    assert lead.return_upheld is False


def test_return_after_the_window_is_refused(world, actors, category):
    with time_machine.travel(at(2026, 11, 26, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    with time_machine.travel(at(2026, 11, 30, 9), tick=False), pytest.raises(ServiceError, match="退单期限"):
        services.return_assignment(lead, actor=actors["handler"], reason="not_our_duty", note="晚了")


def test_closing_releases_co_units_that_never_reported(world, actors, category):
    case = walk(new_case(world), actors, world, category, "closed")
    co = case.assignments.get(role="co")
    assert co.status == AssignmentStatus.CANCELLED


def test_units_of_another_district_cannot_be_dispatched(world, actors, category):
    case = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
    with pytest.raises(ServiceError, match="不属于本区") as error:
        services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["other_dept"])
    assert error.value.field == "lead_unit"


def test_co_units_cannot_return(world, actors, category):
    case = walk(new_case(world), actors, world, category, "dispatched")
    with pytest.raises(ServiceError, match="协办"):
        services.return_assignment(
            case.assignments.get(role="co"), actor=actors["community"], reason="other", note="x"
        )


def test_failed_check_means_rework_with_a_new_period(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "fed_back")
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        with pytest.raises(ServiceError) as error:
            services.check_case(case, actor=actors["community"], passed=False, note="")
        assert error.value.field == "note"
        case = services.check_case(case, actor=actors["community"], passed=False, note="仍有垃圾未清")
    assert case.status == CaseStatus.HANDLING and case.rework_count == 1
    assert case.handle_due_at == at(2026, 12, 1, 17, 30)  # 5 working days from 11-24
    lead = case.assignments.get(role="lead")
    assert lead.status == AssignmentStatus.SIGNED
    services.give_feedback(lead, actor=actors["handler"], text="已彻底清理")
    case = services.check_case(case, actor=actors["community"], passed=True, note="")
    assert case.status == CaseStatus.CLOSED


def test_late_feedback_is_not_on_time(world, actors, category):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "handling")
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        assert Case.objects.overdue().filter(pk=case.pk).exists()
        services.give_feedback(case.assignments.get(role="lead"), actor=actors["handler"], text="已处理")
        case = services.check_case(case, actor=actors["community"], passed=True, note="")
    assert case.closed_on_time is False


def test_rating_rules(world, actors, category):
    case = walk(new_case(world), actors, world, category, "closed")
    with pytest.raises(PermissionDenied):
        services.rate_case(case, token="wrong", resolved=True, satisfaction="satisfied")
    with pytest.raises(ServiceError) as error:
        services.rate_case(case, token=case.access_token, resolved=True, satisfaction="great")
    assert error.value.field == "satisfaction"
    services.rate_case(
        case, actor=actors["dispatcher"], contacted=True, resolved=False, satisfaction="dissatisfied"
    )
    with pytest.raises(StateConflict, match="已评价"):
        services.rate_case(case, token=case.access_token, resolved=True, satisfaction="satisfied")


def test_reporter_phone_is_masked_and_reveal_is_audited(world, actors):
    case = new_case(world)
    assert case.reporter_phone_masked == "139****5678" and case.reporter_display == "张*"
    assert "13912345678" not in str(Case.objects.filter(pk=case.pk).values().get())
    assert services.reveal_reporter_phone(case, actor=actors["dispatcher"], reason="回访") == "13912345678"
    assert AuditEvent.objects.for_subject(case).filter(action="case.reporter_viewed").count() == 1


def test_case_scoping(world, actors, category):
    case = walk(new_case(world), actors, world, category, "dispatched")
    visible = {
        name: Case.objects.visible_to(user).filter(pk=case.pk).exists() for name, user in actors.items()
    }
    assert visible == {
        "dispatcher": True,
        "other_dispatcher": False,
        "handler": True,
        "other_handler": False,
        "community": True,
        "other_community": False,
        "worker": False,
        "supervisor": True,
    }


def test_overdue_is_a_query_over_due_at(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "dispatched")
    assert not Case.objects.overdue(now=at(2026, 11, 23, 10)).filter(pk=case.pk).exists()
    assert Case.objects.overdue(now=at(2026, 11, 24, 9)).filter(pk=case.pk).exists()  # sign within 4 h
    # sign due 15:00 (09:00–12:00 and 14:00–15:00 of office time)
    assert case.due_at == at(2026, 11, 23, 15)
    soon = Case.objects.due_soon(dt.timedelta(hours=2), now=at(2026, 11, 23, 14))
    assert soon.filter(pk=case.pk).exists()


def test_co_units_sign_appear_in_their_to_sign_list_and_show_on_the_case_page(
    client, world, actors, category
):
    from cases.approvals import decide_request, request_parking

    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "handling")  # c1 is the co-unit
    co = case.assignments.get(role="co")
    assert co.status == AssignmentStatus.PENDING and co.sign_due_at is not None
    client.force_login(actors["community"])
    listing = client.get("/cases/?mine=pending").content.decode()
    assert case.number in listing
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert f"/cases/{case.number}/assignments/{co.pk}/sign/" in page
    # The lead parks the case; the co-unit can still sign for its part.
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        request = request_parking(
            case, actor=actors["handler"], until=dt.date(2027, 3, 31), reason="纳入明年改造计划"
        )
        decide_request(request, actor=actors["dispatcher"], approve=True, note="同意")
        services.sign_assignment(co, actor=actors["community"])
    co.refresh_from_db()
    assert co.status == AssignmentStatus.SIGNED and co.signed_by == actors["community"]
    assert case.number not in client.get("/cases/?mine=pending").content.decode()
    client.force_login(actors["dispatcher"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "湖东社区" in page and "协办" in page and "处置中" in page
