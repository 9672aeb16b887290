"""理论学习中心组 and 两新 coverage in a browser: the street 党工委's 组织员 (role 基层党委/党工委), on a
phone, opens 中心组学习 from the menu, sees the planned month missed, records a session (attendance
with an excused absence and its reason, a 领学 speech) and sees the count go up; the organization
department (组织部), on a desktop, reads the 两新组织 coverage on the dashboard and its detail page
with the definitions."""

import datetime as dt

import pytest

from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.structure import services as structure
from party.study_group import services as study
from tests.conftest import build_world
from tests.factories import (
    MeetingFactory,
    PersonFactory,
    PositionFactory,
    RoleGrantFactory,
    UserFactory,
    make_org,
)
from tests.party.conftest import add_members

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(transactional_db):
    seed_party()
    world = build_world()
    w1, s1 = world["w1"], world["s1"]
    people = [PersonFactory(name=n, org=s1) for n in ("谢书记", "李副书记", "王委员", "赵委员")]
    for p, kind in zip(
        people, ("secretary", "deputy_secretary", "committee_member", "committee_member"), strict=True
    ):
        PositionFactory(person=p, org=w1, kind=kind, start_on=dt.date(2021, 1, 1))
    study.import_leaders(actor=SYSTEM, org=w1, day=dt.date(2026, 1, 2))
    study.save_plan(
        actor=SYSTEM,
        org=w1,
        year=2026,
        topics=[
            (10, "学习全会精神", "collective"),
            (11, "党建引领基层治理", "seminar"),
            (12, "年度专题研讨", "seminar"),
        ],
    )
    study.record_session(
        actor=SYSTEM,
        org=w1,
        held_on=dt.date(2026, 10, 16),
        topic="学习全会精神",
        kind="collective",
        host=people[0],
        minutes=180,
        summary="原文学习全会公报,交流研讨",
        attendance=[study.Attendee(p, "present") for p in people],
        speeches=[study.Speech(people[0], "lead", "领学全会公报")],
    )
    # 两新 units of the street: one with its own branch and organization life, one 应建未建, one with
    # a 党建指导员; an alliance with a grid and a property company.
    firm = make_org(s1, "enterprise", "岳麓科技有限公司")
    own = make_org(w1, "branch", "中共岳麓科技有限公司支部委员会", host=firm)
    add_members(own, 4)
    MeetingFactory(org=own, held_on=dt.date(2026, 11, 5))
    builder = make_org(s1, "enterprise", "湘江建材有限公司")
    holder = make_org(w1, "branch", "中共湖西社区支部委员会", host=world["c2"])
    add_members(holder, 3, home=builder)
    centre = make_org(world["c2"], "social_org", "湖西养老服务中心")
    PositionFactory(person=PersonFactory(name="陈指导员", org=s1), org=centre, kind="party_instructor")
    structure.link_alliance(
        actor=SYSTEM,
        org=world["b1"],
        partner=world["g1"],
        partner_kind="grid",
        alliance="湖东社区党建联盟",
        joined_on=dt.date(2026, 3, 1),
    )
    structure.link_alliance(
        actor=SYSTEM,
        org=world["b1"],
        partner=firm,
        partner_kind="property",
        alliance="湖东社区党建联盟",
        joined_on=dt.date(2026, 3, 1),
    )
    RoleGrantFactory(user=UserFactory(username="dangwei", is_staff=False), org=w1, role=Role.PARTY_COMMITTEE)
    RoleGrantFactory(user=UserFactory(username="zuzhibu", is_staff=False), org=w1, role=Role.ORG_DEPT)
    return {"w1": w1, "people": people}


def login(browser, live_server, username, size):
    context = browser.new_context(
        locale="zh-CN", viewport=size, is_mobile=size["width"] < 500, has_touch=size["width"] < 500
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_committee_records_a_session_on_a_phone(scene, browser, live_server):
    secretary, deputy, _member, away = scene["people"]
    context, phone = login(browser, live_server, "dangwei", {"width": 390, "height": 844})
    try:
        open_menu(phone, "中心组学习")
        phone.wait_for_selector("#study-groups")
        phone.locator("#study-groups a").first.click()
        phone.wait_for_selector("#study-summary")
        assert "1/12 次" in phone.inner_text("#study-summary")
        assert "11月" in phone.inner_text("#study-summary")  # the planned month missed
        screenshot(phone, "study-1-dangwei-phone-year")
        phone.click("#session-new")
        phone.wait_for_selector("#session-form")
        phone.fill("#id_held_on", "2026-12-04")
        phone.fill("#id_topic", "年度专题研讨")
        phone.select_option("#id_kind", "seminar")
        phone.fill("#id_summary", "围绕全面从严治党开展专题研讨,查摆问题,明确整改措施。")
        phone.select_option(f"#id_att_{away.pk}", "excused")
        phone.click("#session-form button[type=submit]")
        assert "请填写 赵委员 的请假事由" in phone.inner_text("main")
        phone.fill(f"#id_reason_{away.pk}", "参加区委全会")
        phone.fill("#id_speech_1", "领学《中国共产党纪律处分条例》有关条款")
        phone.select_option("#id_speaker_2", str(deputy.pk))
        phone.fill("#id_speech_2", "结合分管工作谈体会,提出改进措施")
        screenshot(phone, "study-2-dangwei-phone-form")
        phone.click("#session-form button[type=submit]")
        phone.wait_for_selector("#study-summary")
        assert "已登记" in phone.inner_text("main")
        assert "2/12 次" in phone.inner_text("#study-summary")
        assert "年度专题研讨" in phone.inner_text("#study-months")
        screenshot(phone, "study-3-dangwei-phone-after")
        phone.locator("#study-months a", has_text="年度专题研讨").click()
        phone.wait_for_selector("#attendance-list")
        assert "赵委员 请假" in phone.inner_text("#attendance-list")
        screenshot(phone, "study-4-dangwei-phone-session")
    finally:
        context.close()
    context, desktop = login(browser, live_server, "dangwei", {"width": 1280, "height": 900})
    try:
        desktop.goto(f"{live_server.url}/party/study-group/orgs/{scene['w1'].pk}/print/")
        assert "学习记录" in desktop.inner_text("body") and "参加区委全会" in desktop.inner_text("body")
        screenshot(desktop, "study-5-print")
    finally:
        context.close()


def test_organization_department_sees_coverage(scene, browser, live_server):
    context, page = login(browser, live_server, "zuzhibu", {"width": 1280, "height": 900})
    try:
        page.goto(f"{live_server.url}/party/dashboard/?org={scene['w1'].pk}")
        page.wait_for_selector("#coverage-summary")
        assert "两新组织 3 个" in page.inner_text("#coverage-summary")
        screenshot(page, "coverage-1-dashboard")
        page.click("#coverage-link")
        page.wait_for_selector("#coverage-figures")
        assert "湘江建材有限公司" in page.inner_text("#coverage-gaps")
        assert "应建未建" in page.inner_text("#coverage-gaps")
        page.click("#coverage-help summary")
        assert "有效覆盖" in page.inner_text("#coverage-help")
        screenshot(page, "coverage-2-detail")
    finally:
        context.close()
