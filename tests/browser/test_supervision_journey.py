"""督查室 in the browser: dudao finds an overdue case under 已逾期, 催办s it with a reason, issues a
督办通知单, opens its A4 print page (文号 with the issuer's prefix, no ids or codes) and downloads
the Word file."""

import datetime as dt
import re
import zipfile

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, Category, NoticeKind, SupervisionNotice
from core.actors import SYSTEM

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dudao_urges_an_overdue_case_and_prints_the_notice(staff_page, live_server, journey):
    world = journey["world"]
    world["district"].doc_prefix = "岳"
    world["district"].save(update_fields=["doc_prefix"])
    category = Category.objects.get(code="0301")
    case = services.report_case(
        channel="hotline",
        description="湖东社区3栋门口垃圾堆了三天没人清运",
        area=world["c1"],
        reporter_name="王小明",
        reporter_phone="13987654321",
        actor=SYSTEM,
    )
    case = services.register_case(case, actor=SYSTEM, category=category)
    case = services.dispatch_case(case, actor=SYSTEM, lead_unit=world["d1"])
    # The department has not signed and the sign-for limit passed two hours ago.
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))

    dudao = staff_page("dudao")
    open_menu(dudao, "网格事项")
    dudao.click(".case-tabs >> text=已逾期")
    dudao.wait_for_selector(f"#case-table >> text={case.number}")
    dudao.click(f"#case-table >> text={case.number}")
    dudao.wait_for_selector("#form-urge")

    # 1. 催办 needs a reason; then it goes to the department that must sign.
    dudao.click("#form-urge button[type=submit]")
    dudao.wait_for_selector("#form-urge >> text=请填写催办事由")
    dudao.fill("#urge_reason", "群众多次来电反映,请立即签收并安排清运")
    screenshot(dudao, "supervision-01-urge")
    dudao.click("#form-urge button[type=submit]")
    dudao.wait_for_selector("text=已催办")
    urge = SupervisionNotice.objects.get(kind=NoticeKind.URGE)
    assert urge.unit == world["d1"] and urge.issued_by.username == "dudao"

    # 2. A numbered 督办通知单.
    dudao.click("summary:has-text('发出督办通知单')")
    dudao.fill("#case_notice_text", "该事项签收已逾期,经催办仍未签收,请于限期内办结并书面说明逾期原因。")
    dudao.click("#form-case-notice button[type=submit]")
    dudao.wait_for_selector("text=已发出督办通知单")
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    assert re.fullmatch(r"岳督办〔\d{4}〕1号", notice.number)
    screenshot(dudao, "supervision-02-case-page")

    # 3. The A4 page: the number with the issuer's prefix, the addressee, no ids or codes.
    dudao.click("#h-supervision ~ ul >> a:has-text('打印')")
    dudao.wait_for_selector("article.a4")
    article = dudao.inner_text("article.a4")
    assert notice.number in article and "区城市管理和综合执法局" in article and case.number in article
    assert "岳麓区" in article
    for internal in (f"/{notice.pk}/", "case.", "sign", "rules.md", "§"):
        assert internal not in article
    dudao.emulate_media(media="print")
    assert not dudao.locator("nav.navbar").is_visible()
    screenshot(dudao, "supervision-03-notice-a4")
    dudao.emulate_media(media="screen")

    # 4. The Word file says the same.
    with dudao.expect_download() as download_info:
        dudao.click("a:has-text('下载 Word')")
    with zipfile.ZipFile(download_info.value.path()) as archive:
        xml = archive.read("word/document.xml").decode()
    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    assert notice.number in text and "经催办仍未签收" in text and "区城市管理和综合执法局" in text
