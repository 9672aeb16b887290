"""Member development and 四议两公开 in a browser: the branch secretary (shuji) records the talk with
an applicant on a phone, later than the one-month limit; the step lands on the timeline with the
deviation and its rule, and the organization department (zuzhibu) sees it on the overview. A visitor
reads a village's public disclosure page without logging in."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.defaults import seed_defaults as seed_cases
from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.development import services as development_services
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint
from villages import services as village_services
from villages.defaults import seed_defaults as seed_villages
from villages.models import StepKind

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(transactional_db):
    seed_cases()
    seed_party()
    seed_villages()
    world = build_world()
    branch = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(branch, 6)
    appoint(members[0], branch)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    RoleGrantFactory(
        user=UserFactory(username="zuzhibu", is_staff=True), org=world["party"], role=Role.ORG_DEPT
    )
    applied = timezone.localdate() - dt.timedelta(days=75)
    applicant = development_services.apply_for_membership(
        actor=SYSTEM,
        branch=branch,
        applied_on=applied,
        name="林晓雨",
        gender="F",
        birth_date=dt.date(1999, 4, 2),
    )
    town = make_org(world["district"], "town", "莲花镇", code="430104100")
    village = make_org(town, "village", "桐木村", code="430104100201")
    start = timezone.localdate() - dt.timedelta(days=30)
    decision = village_services.propose_decision(
        actor=SYSTEM,
        village=village,
        title="组级道路硬化工程",
        matter="project",
        summary="硬化道路3公里,预算60万元",
        held_on=start,
    )
    day = start
    for kind, kw in [
        (StepKind.CONSULTATION, {"votes": {"expected": 7, "present": 7, "yes": 6}}),
        (StepKind.MEMBERS_REVIEW, {"votes": {"expected": 30, "present": 24, "yes": 22}}),
        (
            StepKind.VILLAGERS_RESOLUTION,
            {"villagers_body": "representatives", "votes": {"expected": 42, "present": 36, "yes": 33}},
        ),
    ]:
        day += dt.timedelta(days=3)
        village_services.record_step(
            actor=SYSTEM, decision=decision, kind=kind, held_on=day, minutes="讨论表决", **kw
        )
    day += dt.timedelta(days=2)
    village_services.record_step(
        actor=SYSTEM,
        decision=decision,
        kind=StepKind.RESOLUTION_DISCLOSURE,
        held_on=day,
        channel="村务公开栏",
        disclose_to=day + dt.timedelta(days=7),
    )
    return {
        "branch": branch,
        "members": members,
        "applicant": applicant,
        "applied": applied,
        "village": village,
    }


@pytest.fixture
def login(browser, live_server):
    contexts = []

    def open_page(username, phone=False):
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-123456")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_secretary_records_a_late_talk_and_zuzhibu_sees_the_deviation(journey, login, live_server, browser):
    branch = journey["branch"]
    shuji = login("shuji", phone=True)
    shuji.goto(f"{live_server.url}/party/development/orgs/{branch.pk}/")
    board = shuji.locator("#pipeline").inner_text()
    assert "林晓雨" in board and "已超期" in board
    screenshot(shuji, "development-1-shuji-board-phone")
    shuji.click("text=林晓雨")
    assert "第2步 党组织派人谈话" in shuji.inner_text("#pending")
    talk_day = journey["applied"] + dt.timedelta(days=50)
    shuji.fill("#id_done_on", talk_day.isoformat())
    shuji.select_option("#id_people", [str(journey["members"][0].person_id)])
    shuji.fill("#id_note", "支部书记与申请人谈话,了解入党动机")
    shuji.click("#step-form button[type=submit]")
    # The talk is late (a soft rule): the page asks for a reason before recording it.
    warnings = shuji.locator("#step-warnings").inner_text()
    assert "谈话晚于期限" in warnings and "dev." not in warnings
    shuji.fill("#id_confirm_reason", "申请人在外地培训,返回后即安排谈话")
    shuji.click("#confirm-step")
    shuji.wait_for_selector(".alert-success")
    timeline = shuji.locator("#timeline").inner_text()
    assert (
        "偏差" in timeline and "谈话晚于期限" in timeline and "第七条" not in timeline
    )  # sources: staff help
    assert "申请人在外地培训,返回后即安排谈话" in timeline
    screenshot(shuji, "development-2-shuji-timeline-phone")

    zuzhibu = login("zuzhibu")
    zuzhibu.goto(f"{live_server.url}/party/development/")
    deviations = zuzhibu.locator("#deviations").inner_text()
    assert "林晓雨" in deviations and "谈话晚于期限" in deviations
    assert "未经确认" in zuzhibu.inner_text("#versions")
    screenshot(zuzhibu, "development-3-zuzhibu-overview")

    visitor = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = visitor.new_page()
    page.goto(f"{live_server.url}/villages/public/{journey['village'].code}/")
    text = page.inner_text("main")
    assert "组级道路硬化工程" in text and "赞成 33" in text and "讨论表决" not in text
    screenshot(page, "villages-public-phone")
    visitor.close()
