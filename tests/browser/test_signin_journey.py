"""扫码签到 on a phone (issue 21 part 7, "a member signing in by QR on a phone"): the secretary (shuji)
opens a meeting's 签到码 on the meeting page; the QR on the screen is decoded from a screenshot and
reads as the sign-in URL; the member (dangyuan) opens that URL on a phone, logs in, confirms and
is signed in; the secretary's page shows the sign-in beside the typed list; the member's own view
(我的党员信息) shows the meeting with the sign-in."""

import io

import pytest
from PIL import Image

from core.actors import SYSTEM
from core.kit import today
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.life import services as life
from party.models import MeetingKind
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def meeting(transactional_db):
    seed_party()
    world = build_world()
    org = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(org, 5)
    appoint(members[0], org, "secretary")
    RoleGrantFactory(user=UserFactory(username="shuji"), org=org, role=Role.BRANCH_SECRETARY)
    member = members[3]
    user = UserFactory(username="dangyuan")
    member.person.user = user
    member.person.save(update_fields=["user"])
    RoleGrantFactory(user=user, org=org, role=Role.PARTY_MEMBER)
    held = life.record_meeting(
        actor=SYSTEM,
        org=org,
        kind=MeetingKind.THEME_DAY,
        held_on=today(),
        topic="学习贯彻党的二十届四中全会精神",
        place="湖西社区党员活动室",
        minutes="书记领学全会公报,党员结合社区网格工作交流学习体会,明确了下一步志愿服务安排。" * 2,
        attendance={m.pk: "present" for m in members},
    )
    return {"meeting": held, "member": member}


def login(browser, live_server, username, size, next_url=""):
    context = browser.new_context(
        locale="zh-CN", viewport=size, is_mobile=size["width"] < 500, has_touch=size["width"] < 500
    )
    page = context.new_page()
    page.goto(next_url or f"{live_server.url}/login/")
    page.wait_for_selector("#id_username")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def decode_qr(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_member_signs_in_by_qr_on_a_phone(meeting, browser, live_server):
    held, member = meeting["meeting"], meeting["member"]
    secretary, shuji = login(browser, live_server, "shuji", PHONE)
    member_context = None
    try:
        shuji.goto(f"{live_server.url}/party/meetings/{held.pk}/")
        shuji.click("a:has-text('签到码')")
        shuji.wait_for_url("**/signin-code/")
        shuji.click("button:has-text('开启签到码')")
        shuji.wait_for_selector("#signin-code svg")
        assert "签到进行中" in shuji.inner_text("#signin-code")
        url = shuji.get_attribute(".signin-qr", "data-signin-url")
        assert url.startswith(f"{live_server.url}/party/signin/")
        screenshot(shuji, "signin-1-shuji-phone-code")
        # The QR as shown on the screen reads back as the sign-in URL.
        assert decode_qr(shuji.locator(".signin-qr svg").screenshot()) == [url]

        member_context, phone = login(browser, live_server, "dangyuan", PHONE, next_url=url)
        phone.wait_for_selector("button:has-text('确认签到')")
        assert held.topic in phone.inner_text("main")
        screenshot(phone, "signin-2-dangyuan-phone-confirm")
        phone.click("button:has-text('确认签到')")
        phone.wait_for_selector("#signed-in")
        assert "签到成功" in phone.inner_text("main")
        screenshot(phone, "signin-3-dangyuan-phone-done")
        phone.click("main a:has-text('我的党员信息')")
        phone.wait_for_selector("#my-meetings")
        assert held.topic in phone.inner_text("#my-meetings")
        assert "已扫码签到" in phone.inner_text("#my-meetings")
        assert "学时" in phone.inner_text("#my-study")
        screenshot(phone, "signin-4-dangyuan-phone-me")
        open_menu(phone, "我的党员信息")
        phone.wait_for_selector("#my-study")

        shuji.reload()
        row = shuji.locator("#signins tr", has_text=member.person.name)
        assert "出席" in row.inner_text() and ":" in row.inner_text()
        shuji.goto(f"{live_server.url}/party/meetings/{held.pk}/")
        assert "扫码签到与出席登记对照" in shuji.inner_text("main")
        screenshot(shuji, "signin-5-shuji-phone-meeting")
    finally:
        if member_context is not None:
            member_context.close()
        secretary.close()
