"""One case's whole journey in the browser: a resident reports it on a phone, the street dispatcher
(jiedao) registers and dispatches it, the department (bumen) signs and feeds back, the community
(shequ) checks it, and the resident rates it through the tracking link."""

import pytest

from core.actors import SYSTEM

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_journey(staff_page, phone_page, live_server, journey):
    resident = phone_page

    # 1. A resident reports a problem on their phone, without logging in.
    resident.goto(f"{live_server.url}/report/")
    screenshot(resident, "journey-01-report-form-phone")
    resident.fill("#id_description", "湖东社区3栋门口垃圾堆了三天没人清运,气味很大")
    resident.select_option("#id_area", label="湖东社区")
    resident.fill("#id_address", "湖东社区3栋")
    resident.fill("#id_reporter_name", "王小明")
    resident.click("button[type=submit]")  # forgot the phone number: the service explains
    resident.wait_for_selector("text=请留下联系电话以便回访,或选择匿名反映")
    assert resident.input_value("#id_description").startswith("湖东社区3栋")  # nothing typed is lost
    screenshot(resident, "journey-01b-report-error-phone")
    resident.fill("#id_reporter_phone", "13987654321")
    resident.click("button[type=submit]")
    resident.wait_for_selector("text=请保存查询链接")
    number = resident.inner_text("#case-number").strip()
    link = resident.inner_text("#tracking-link").strip()
    assert link.startswith(f"{live_server.url}/track/{number}/?t=")
    assert resident.locator("#case-status").inner_text() == "待受理"
    screenshot(resident, "journey-02-report-done-phone")

    # 2. The street dispatcher registers it (暴露垃圾) and dispatches it to the department with the
    #    community as co-unit.
    jiedao = staff_page("jiedao")
    open_menu(jiedao, "录入事项")
    jiedao.wait_for_selector("text=来电人(12345 热线)")
    screenshot(jiedao, "journey-02b-hotline-entry-form")
    open_menu(jiedao, "网格事项")
    jiedao.click("text=待受理")
    jiedao.wait_for_selector(f"#case-table >> text={number}")
    screenshot(jiedao, "journey-03-dispatcher-workbench")
    jiedao.fill("#id_q", "井盖")  # the filters update the table in place (htmx) and the address
    jiedao.wait_for_selector("#case-table >> text=没有符合条件的事项")
    assert "q=%E4%BA%95%E7%9B%96" in jiedao.url
    jiedao.fill("#id_q", "垃圾")
    jiedao.wait_for_selector(f"#case-table >> text={number}")
    jiedao.click(f"#case-table >> text={number}")
    jiedao.wait_for_selector("#form-register")
    jiedao.wait_for_load_state()  # the reporter card comes after the form: don't count mid-parse
    assert jiedao.locator("text=王**").count() == 1 and jiedao.locator("text=13987654321").count() == 0
    screenshot(jiedao, "journey-04-case-reported")
    jiedao.select_option("#register_category", label="0301 暴露垃圾")
    jiedao.click("#form-register button[type=submit]")
    jiedao.wait_for_selector("#form-dispatch")
    assert jiedao.locator("#case-status").inner_text() == "待派遣"
    assert jiedao.locator("text=已立案,请派遣").count() == 1
    jiedao.select_option("#dispatch_lead_unit", label="区城市管理和综合执法局")
    jiedao.select_option("#dispatch_co_units", label="湖东社区")
    jiedao.fill("#dispatch_instructions", "请今天内清运")
    screenshot(jiedao, "journey-05-dispatch-form")
    jiedao.click("#form-dispatch button[type=submit]")
    jiedao.wait_for_selector("#case-status:has-text('待签收')")
    screenshot(jiedao, "journey-06-dispatched")

    # 3. The department signs for it and reports back with a photo.
    bumen = staff_page("bumen")
    open_menu(bumen, "网格事项")
    bumen.click(".case-tabs >> text=待签收")
    bumen.wait_for_selector(f"#case-table >> text={number}")
    screenshot(bumen, "journey-07-department-workbench")
    bumen.click(f"#case-table >> text={number}")
    bumen.click("button:has-text('签收')")
    bumen.wait_for_selector("#case-status:has-text('处置中')")
    bumen.fill("[id^=feedback-][id$=_text]", "已安排环卫人员清运,现场已清洁")
    bumen.set_input_files("[id^=feedback-][id$=_photos]", str(journey["photo"]))
    screenshot(bumen, "journey-08-feedback-form")
    bumen.click("[id^=form-feedback-] button[type=submit]")
    bumen.wait_for_selector("#case-status:has-text('待核查')")
    assert bumen.locator("img.case-thumb").count() == 1
    # The photo is served by the permission-checked media view (no test shortcut) and loads.
    bumen.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=bumen.locator("img.case-thumb").element_handle()
    )
    screenshot(bumen, "journey-09-fed-back")

    # 4. The community checks it on the spot: passed, closed.
    shequ = staff_page("shequ")
    open_menu(shequ, "网格事项")
    shequ.click(".case-tabs >> text=待核查")
    shequ.click(f"#case-table >> text={number}")
    shequ.check("#form-check input[value='1']")
    shequ.fill("#check_note", "现场已清理干净")
    screenshot(shequ, "journey-10-check-form")
    shequ.click("#form-check button[type=submit]")
    shequ.wait_for_selector("#case-status:has-text('已结案')")
    assert shequ.locator("text=核查通过,已结案").count() >= 1
    screenshot(shequ, "journey-11-closed")

    # 5. The resident opens the tracking link and rates the result.
    resident.goto(link)
    assert resident.locator("#case-status").inner_text() == "已结案"
    assert resident.locator("text=王小明").count() == 0 and resident.locator("text=13987654321").count() == 0
    screenshot(resident, "journey-12-track-closed-phone")
    resident.click("label:has-text('已解决')")
    resident.click("label:has-text('满意') >> nth=0")
    resident.fill("#id_comment", "处理很及时,谢谢")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("text=感谢您的评价")
    assert resident.locator("#case-status").inner_text() == "已结案"
    assert "满意度:满意" in resident.locator("#rating").inner_text()
    screenshot(resident, "journey-13-rated-phone")

    # Later, by number and 查询码 on the tracking form.
    resident.click(".portal-nav >> text=进度查询")
    resident.fill("#id_number", number)
    resident.fill("#id_t", "wrong-code")
    resident.click("button:has-text('查询')")
    resident.wait_for_selector("text=事项编号或查询码不正确")
    screenshot(resident, "journey-13b-track-form-error-phone")
    resident.fill("#id_t", link.split("?t=", 1)[1])
    resident.click("button:has-text('查询')")
    resident.wait_for_selector("#rating")

    # The dispatcher's page shows the rating in the case's record.
    jiedao.reload()
    assert "满意" in jiedao.locator("#h-basic + .card-body").inner_text()
    screenshot(jiedao, "journey-14-dispatcher-after-rating")


def test_report_by_a_point_on_the_map(staff_page, phone_page, live_server, journey):
    """With grid boundaries in the system, a resident taps the map instead of picking a community;
    the case lands in the grid containing the point and its page shows the point in the grid."""
    from cases.models import Case
    from orgs import services as org_services

    from ..cases.conftest import SQUARE

    org_services.update_org(journey["world"]["g1"], actor=SYSTEM, geometry=SQUARE)
    resident = phone_page
    resident.goto(f"{live_server.url}/report/")
    resident.wait_for_selector(".pick-map .leaflet-interactive")
    box = resident.locator(".pick-map").bounding_box()
    resident.locator(".pick-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    resident.wait_for_selector("text=已选位置")
    resident.fill("#id_description", "路灯不亮")
    resident.check("#id_anonymous")
    assert resident.locator("#id_reporter_phone").is_hidden()
    screenshot(resident, "map-01-report-by-point-phone")
    resident.click("button[type=submit]")
    resident.wait_for_selector("text=请保存查询链接")
    case = Case.objects.get()
    assert case.grid == journey["world"]["g1"] and case.anonymous
    assert 112.90 < case.longitude < 112.91 and 28.20 < case.latitude < 28.21

    jiedao = staff_page("jiedao")
    jiedao.goto(f"{live_server.url}/cases/{case.number}/")
    jiedao.wait_for_selector(".case-map path.leaflet-interactive")
    assert jiedao.locator(".case-map path.leaflet-interactive").count() == 2  # the grid and the point
    screenshot(jiedao, "map-02-case-with-grid")
