"""A resident is told what happens (办理进度通知), on a 390px phone: they find the landing page,
report a problem with a photo and a map point without logging in, and read each milestone from the
demo's file outbox while staff (through the services, to keep it quick) register, dispatch, answer,
fail the check once (rework), answer again and close it; the tracking page tells the story with the
unit's answer and the after photo, and the resident rates it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import outbound
from core.actors import SYSTEM

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_resident_journey(browser, phone_page, live_server, journey, settings, tmp_path):
    from cases import services
    from cases.models import Case, Category
    from orgs import services as org_services
    from orgs.models import User

    from ..cases.conftest import SQUARE

    settings.LUOSHI_OUTBOX_FILE = str(tmp_path / "outbox.jsonl")
    settings.LUOSHI_RESIDENT_CHANNELS = ["inbox", "file"]
    settings.LUOSHI_PUBLIC_URL = live_server.url
    world = journey["world"]
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    resident = phone_page

    def inbox_for(number):
        return [line for line in outbound.read_outbox() if line["params"]["number"] == number]

    # 1. The site root is a landing page for a visitor, not the staff login.
    resident.goto(f"{live_server.url}/")
    resident.wait_for_selector("#landing-report")
    assert resident.locator("#landing-login").count() == 1 and resident.locator("#id_t").count() == 1
    assert no_horizontal_overflow(resident)
    screenshot(resident, "resident-01-landing-phone")

    # A neighbour's report of the same kind, public and open, a few metres from the point chosen below.
    earlier = services.report_case(
        channel="public",
        description="13栋旁路灯坏了好几天",
        title="13栋旁路灯不亮",
        area=world["c1"],
        longitude=112.905,
        latitude=28.205,
        reporter_name="王小明",
        reporter_phone="13811112222",
    )
    earlier = services.register_case(earlier, actor=SYSTEM, category=Category.objects.get(code="0301"))

    # 2. Report with a photo and a point on the map, leaving a phone number (and one in the text);
    # the form first offers the neighbour's case (已有人反映) — the resident reports anyway.
    resident.click("#landing-report")
    resident.wait_for_selector(".pick-map .leaflet-interactive")
    resident.select_option("#id_category", value=str(earlier.category_id))
    box = resident.locator(".pick-map").bounding_box()
    resident.locator(".pick-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    resident.wait_for_selector("text=已选位置")
    resident.wait_for_selector("[data-nearby] >> text=已有人反映,关注进展")
    assert resident.locator(f"[data-nearby] >> text={earlier.title}").count() == 1
    assert "王小明" not in resident.inner_text("[data-nearby]")
    resident.locator("[data-nearby]").scroll_into_view_if_needed()
    screenshot(resident, "resident-01b-nearby-phone")
    resident.fill("#id_description", "13栋旁路灯不亮 有事打13987654321")
    resident.set_input_files("#id_photos", str(journey["photo"]))
    resident.fill("#id_reporter_phone", "13987654321")
    assert resident.is_checked("#id_notify_reporter")  # 接收办理进度通知: on by default
    resident.click("button[type=submit]")
    resident.wait_for_selector("text=请保存查询链接")
    number = resident.inner_text("#case-number").strip()
    code = resident.inner_text("#access-code").strip()
    assert len(code) == 15 and code.count("-") == 2 and not set(code) & set("01OIL")
    assert "13987654321" not in resident.content()  # masked in the title
    case = Case.objects.get(number=number)
    assert case.grid == world["g1"]
    [received] = inbox_for(number)
    assert received["kind"] == "received" and received["to"]["phone"] == "139****4321"
    assert code in received["text"] and received["url"].startswith(f"{live_server.url}/track/{number}/")

    # 3. Staff move it on; the resident hears of each step once.
    jiedao, bumen, shequ = (User.objects.get(username=n) for n in ("jiedao", "bumen", "shequ"))
    case = services.register_case(case, actor=jiedao, category=Category.objects.get(code="0301"))
    case = services.dispatch_case(case, actor=jiedao, lead_unit=world["d1"])
    assert [m["kind"] for m in inbox_for(number)] == ["received", "registered", "dispatched"]
    lead = case.assignments.get(role="lead")
    services.sign_assignment(lead, actor=bumen)
    photo = journey["photo"].read_bytes()
    services.give_feedback(lead, actor=bumen, text="已更换灯泡,路灯恢复照明")
    case = services.check_case(Case.objects.get(pk=case.pk), actor=shequ, passed=False, note="东侧一盏仍不亮")
    reworked = inbox_for(number)[-1]
    assert reworked["kind"] == "reworked" and "退回重新办理" in reworked["text"]

    # After the rework the tracking page says so (not "正在核查" forever).
    resident.goto(reworked["url"])
    resident.wait_for_selector("#story")
    story = resident.inner_text("#story")
    assert "已退回责任单位重新办理" in story and "正在核查" not in story
    assert "正在重新办理" in resident.inner_text("#next-step")
    assert "东侧一盏仍不亮" not in resident.content()  # the checker's note is internal
    assert no_horizontal_overflow(resident)
    screenshot(resident, "resident-02-tracking-rework-phone")

    services.give_feedback(
        lead,
        actor=bumen,
        text="已更换东侧灯具,全部恢复照明,如有问题请联系 0731-88881234",
        uploads=[SimpleUploadedFile("after.jpg", photo, content_type="image/jpeg")],
    )
    services.check_case(Case.objects.get(pk=case.pk), actor=shequ, passed=True, note="")
    kinds = [m["kind"] for m in inbox_for(number)]
    assert kinds == ["received", "registered", "dispatched", "answered", "reworked", "answered", "closed"]

    # 4. The tracking page: the answer, the after photo, and the rating form.
    resident.goto(inbox_for(number)[-1]["url"])
    # The photo loads (lazily: scrolled to, then given time); a broken image never gets a width.
    resident.locator("#after-photos img").first.scroll_into_view_if_needed()
    resident.wait_for_function(
        "() => { const img = document.querySelector('#after-photos img');"
        " return img && img.complete && img.naturalWidth > 0; }",
        timeout=10_000,
    )
    answers = resident.locator(".step-answer").all_inner_texts()
    assert "已更换灯泡,路灯恢复照明" in answers[0] and "已更换东侧灯具" in answers[1]
    assert "88881234" not in answers[1]  # numbers in the answer are masked
    assert "bumen" not in resident.content() and "shequ" not in resident.content()
    assert no_horizontal_overflow(resident)
    screenshot(resident, "resident-03-tracking-closed-phone")
    resident.click("label:text-is('已解决')")
    resident.click("label:text-is('满意')")
    resident.click("text=提交评价")
    resident.wait_for_selector("text=感谢您的评价")
    assert "您已评价" in resident.inner_text("#story")
    screenshot(resident, "resident-04-rated-phone")

    # 5. The staff case list on a phone: cards, no sideways scrolling.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True
    )
    try:
        staff = context.new_page()
        staff.goto(f"{live_server.url}/login/")
        staff.fill("#id_username", "jiedao")
        staff.fill("#id_password", "pw-123456")
        staff.click("button[type=submit]")
        staff.wait_for_url(f"{live_server.url}/")
        staff.goto(f"{live_server.url}/cases/")
        staff.wait_for_selector(f"#case-table >> text={number}")
        assert no_horizontal_overflow(staff)
        screenshot(staff, "resident-05-staff-case-list-phone")
    finally:
        context.close()
