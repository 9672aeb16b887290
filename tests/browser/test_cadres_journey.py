"""干部监督 in a browser: ganbu (干部监督人员 at the district) opens a cadre file (the purpose
prompt first), records a 考察 with the 8小时以外 section, reveals that section behind its own
purpose prompt, records a 不适宜担任现职 adjustment with its ground, and sees the statistics;
zuzhibu (organization department) and admin (superuser) cannot open the pages."""

import pytest

from cadres import services
from cadres.defaults import seed_grounds
from cadres.models import Ground
from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from tests.conftest import build_world
from tests.factories import PersonFactory, RoleGrantFactory, UserFactory

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cadres_world(transactional_db):
    seed_grounds(Ground)
    seed_party()  # the home page of zuzhibu and admin shows party findings
    world = build_world()
    person = PersonFactory(name="甲干部", org=world["c1"])
    file = services.create_file(person, world["c1"], actor=SYSTEM, rank="正科级", post="社区居委会主任")
    ganbu = UserFactory(username="ganbu", is_staff=False)
    RoleGrantFactory(user=ganbu, org=world["district"], role=Role.CADRE_SUPERVISOR)
    zuzhibu = UserFactory(username="zuzhibu", is_staff=True)
    RoleGrantFactory(user=zuzhibu, org=world["party"], role=Role.ORG_DEPT)
    RoleGrantFactory(user=zuzhibu, org=world["district"], role=Role.SUPERVISOR)
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    RoleGrantFactory(user=admin, org=world["district"], role=Role.ADMIN)
    return {"file": file}


def login(browser, live_server, username, size=None):
    size = size or {"width": 1280, "height": 900}
    context = browser.new_context(locale="zh-CN", viewport=size)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_ganbu_opens_a_file_records_and_sees_statistics(cadres_world, browser, live_server):
    file = cadres_world["file"]
    context, page = login(browser, live_server, "ganbu")
    try:
        open_menu(page, "干部监督")
        page.wait_for_selector("#cadre-files")
        screenshot(page, "cadres-1-index")
        page.locator("#cadre-files a:has-text('查阅档案')").first.click()
        page.wait_for_selector("#purpose-form")
        assert "基本情况" not in page.inner_text("main")
        screenshot(page, "cadres-2-purpose")
        page.click("#purpose-form button[type=submit]")
        assert "请填写查阅目的" in page.inner_text("main")
        page.fill("#id_purpose", "年度考察前了解干部情况")
        page.click("#purpose-form button[type=submit]")
        page.wait_for_selector("#read-log")
        assert "年度考察前了解干部情况" in page.inner_text("#read-log")

        page.click("a:has-text('登记考察')")
        page.wait_for_selector("#inspection-form")
        page.select_option("#id_occasion", "promotion")
        for key in ("political", "conduct", "integrity", "style"):
            page.select_option(f"#id_{key}_level", "good")
        page.fill("#id_political_text", "政治立场坚定,贯彻决策部署有力")
        page.fill("#id_conclusion", "符合提拔条件")
        page.fill("#id_life_circle", "业余时间参加社区志愿服务")
        page.fill("#id_social_circle", "未发现与管理服务对象不当交往")
        screenshot(page, "cadres-3-inspection-form")
        page.click("#inspection-form button[type=submit]")
        page.wait_for_selector(".inspection")
        main = page.inner_text("main")
        assert "政治立场坚定" in main and "社区志愿服务" not in main
        page.fill("#offhours-purpose", "核实8小时以外表现")
        with page.expect_response(lambda r: "/offhours/" in r.url):
            page.click("#offhours button[type=submit]")
        page.wait_for_selector("#offhours :text('社区志愿服务')")
        assert "本次查阅已记录" in page.inner_text("#offhours")
        screenshot(page, "cadres-4-file-offhours")

        page.click("a:has-text('登记能上能下')")
        page.wait_for_selector("#adjustment-form")
        page.select_option("#id_kind", "unsuitable")
        page.select_option(
            "#id_ground", label="第五条第(七)项 事业心和责任感不强,敷衍塞责,工作推拖绕躲、贻误事业发展"
        )
        page.select_option("#id_method", "transfer")
        page.fill("#id_facts", "对群众反映的问题推拖绕躲,经提醒谈话后仍未改正")
        page.click("#adjustment-form button[type=submit]")
        page.wait_for_selector("#adjustments")
        assert "第五条第(七)项" in page.inner_text("#adjustments")
        screenshot(page, "cadres-5-file-adjustment")

        page.goto(f"{live_server.url}/cadres/statistics/")
        page.wait_for_selector("#statistics")
        assert "湖东社区" in page.inner_text("#statistics")
        screenshot(page, "cadres-6-statistics")
    finally:
        context.close()
    # A phone can read the file too (after its own purpose prompt in this new session).
    context, phone = login(browser, live_server, "ganbu", {"width": 390, "height": 844})
    try:
        phone.goto(f"{live_server.url}/cadres/{file.pk}/")
        phone.fill("#id_purpose", "手机查阅")
        phone.click("#purpose-form button[type=submit]")
        phone.wait_for_selector("#read-log")
        screenshot(phone, "cadres-7-file-phone")
    finally:
        context.close()


@pytest.mark.parametrize("username", ["zuzhibu", "admin"])
def test_others_cannot_open_the_pages(cadres_world, browser, live_server, username):
    context, page = login(browser, live_server, username)
    try:
        assert "干部监督" not in page.inner_text("nav")
        for url in ("/cadres/", f"/cadres/{cadres_world['file'].pk}/", "/cadres/statistics/"):
            response = page.goto(f"{live_server.url}{url}")
            assert response.status in (403, 404), url
        screenshot(page, f"cadres-8-{username}-404")
    finally:
        context.close()
