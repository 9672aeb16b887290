"""领导干部走流程 in the browser: a 区领导 (lingdao) records a walk on his phone — steps, the “四最”
checklist, a problem with a photo — and turns the problem into a grid case in one step; the
department (bumen) signs and reports back, the community (shequ) checks and closes it; the walk
then shows the problem 销号; the supervision office (dudao) sees the yearly count."""

import datetime as dt

import pytest

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def leader(journey):
    from party.defaults import seed_defaults as seed_party
    from tests.factories import PersonFactory, UserFactory, make_org
    from walks.defaults import seed_defaults
    from walks.models import Leader

    seed_party()
    seed_defaults()
    world = journey["world"]
    office = make_org(world["district"], "department", "区委督查室")
    user = UserFactory(username="lingdao")
    person = PersonFactory(name="何志远", org=office, user=user)
    since = dt.date(2024, 1, 1)
    return Leader.objects.create(person=person, org=office, title="区委副书记", active_from=since)


def phone_login(browser, live_server, username):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_walk_journey(browser, staff_page, live_server, journey, leader):
    context, phone = phone_login(browser, live_server, "lingdao")
    try:
        # 1. The leader opens 领导走流程 from the menu and starts a walk.
        open_menu(phone, "领导走流程")
        phone.wait_for_selector("h1:has-text('领导干部“走流程”')")
        screenshot(phone, "walk-01-list-phone")
        phone.click("#new-walk")
        phone.fill("#id_service", "办理不动产登记")
        phone.fill("#id_place", "区政务服务中心不动产登记窗口")
        phone.click("#walk-form button[type=submit]")  # walked_on is today by default
        phone.wait_for_selector("#step-form")
        screenshot(phone, "walk-02-new-phone")

        # 2. Steps with the time each took; an empty step is refused with the field named.
        phone.fill("#id_minutes", "35")
        phone.click("#step-form button[type=submit]")
        phone.wait_for_selector("text=请填写环节")
        phone.fill("#id_step_title", "取号排队")
        phone.fill("#id_minutes", "35")
        phone.fill("#id_observation", "只开了一个窗口")
        phone.click("#step-form button[type=submit]")
        phone.wait_for_selector("#steps li:has-text('取号排队')")
        phone.fill("#id_step_title", "窗口受理")
        phone.fill("#id_minutes", "20")
        phone.click("#step-form button[type=submit]")
        phone.wait_for_selector("#total-minutes:has-text('55')")

        # 3. The checklist: one item not reached needs a note.
        radios = phone.locator("#checklist-form input[type=radio][value='1']")
        for i in range(radios.count()):
            radios.nth(i).check()
        phone.locator("#checklist-form input[type=radio][value='0']").nth(1).check()
        phone.click("#checklist-form button[type=submit]")
        phone.wait_for_selector("#checklist-form .alert-danger")
        assert "说明" in phone.inner_text("#checklist-form .alert-danger")
        phone.locator("#checklist-form input[name^=note_]").nth(1).fill("排队等候35分钟")
        phone.click("#checklist-form button[type=submit]")
        phone.wait_for_selector("text=已保存检查项")

        # 4. A problem with a photo; then the record is complete.
        phone.fill("#id_description", "政务服务中心门前人行道被车辆占用,办事群众只能绕行")
        phone.set_input_files("#id_photos", str(journey["photo"]))
        phone.click("#problem-form button[type=submit]")
        phone.wait_for_selector("#problem-1 img.walk-thumb")
        phone.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=phone.locator("#problem-1 img.walk-thumb").element_handle(),
        )
        screenshot(phone, "walk-03-draft-phone")
        phone.click("#record-form button[type=submit]")
        phone.wait_for_selector("text=走流程记录已完成")
        assert phone.locator("#problem-1 .problem-progress").inner_text() == "待交办"
        assert phone.locator("#check-results").count() == 1

        # 5. One step: the problem becomes a grid case, registered and dispatched.
        phone.click("#problem-1 summary")
        # the case form's fields are prefixed c<record id>: find them by name, not by that id
        handover = "#problem-1 [name^='c'][name$='-{}']".format
        phone.select_option(handover("category"), label="0301 暴露垃圾")
        phone.select_option(handover("area"), label="湖东社区")
        phone.select_option(handover("lead_unit"), label="区城市管理和综合执法局")
        phone.fill(handover("instructions"), "请三日内整改")
        screenshot(phone, "walk-04-hand-over-phone")
        phone.click("#case-form-1 button[type=submit]")
        phone.wait_for_selector("text=已转为网格事项")
        assert phone.locator("#problem-1 .problem-progress").inner_text() == "待签收"
        number = phone.locator("#problem-1 a").last.inner_text().strip()
        assert number.startswith("YL")
        screenshot(phone, "walk-05-handed-phone")
    finally:
        pass

    # 6. The department signs for the case and reports back; the community checks and closes it.
    bumen = staff_page("bumen")
    bumen.goto(f"{live_server.url}/cases/{number}/")
    assert "领导走流程" in bumen.inner_text("body")
    bumen.click("button:has-text('签收')")
    bumen.wait_for_selector("#case-status:has-text('处置中')")
    bumen.fill("[id^=feedback-][id$=_text]", "已清理占道车辆,设置隔离桩")
    bumen.set_input_files("[id^=feedback-][id$=_photos]", str(journey["photo"]))
    bumen.click("[id^=form-feedback-] button[type=submit]")
    bumen.wait_for_selector("#case-status:has-text('待核查')")
    screenshot(bumen, "walk-06-case-fed-back")
    shequ = staff_page("shequ")
    shequ.goto(f"{live_server.url}/cases/{number}/")
    shequ.check("#form-check input[value='1']")
    shequ.fill("#check_note", "现场已整改")
    shequ.click("#form-check button[type=submit]")
    shequ.wait_for_selector("#case-status:has-text('已结案')")

    # 7. The walk shows the problem 销号.
    phone.reload()
    assert phone.locator("#problem-1 .problem-progress").inner_text() == "已销号(已结案)"
    assert phone.locator("#walk-state").inner_text() == "问题已全部销号"
    screenshot(phone, "walk-07-closed-phone")
    context.close()

    # 8. The supervision office sees the walk and the yearly count.
    dudao = staff_page("dudao")
    open_menu(dudao, "领导走流程")
    dudao.wait_for_selector("#walks >> text=办理不动产登记")
    screenshot(dudao, "walk-08-office-list")
    dudao.click("text=年度次数")
    dudao.wait_for_selector("#leaders >> text=何志远")
    screenshot(dudao, "walk-09-yearly-count")
