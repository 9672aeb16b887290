"""智能辅助 in the browser: the supervisor opens 热点分析 from the menu; a dispatcher's suggestion
fragment renders the top-3 with the words that drove them."""

import datetime as dt

import pytest

from cases import services
from cases.defaults import seed_defaults as seed_cases
from cases.models import Case, Category
from core import clock
from intel.defaults import seed_defaults as seed_intel

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hot_spots_and_suggestions(staff_page, journey, live_server):
    seed_cases()
    seed_intel()  # flushed by earlier transactional tests
    world = journey["world"]
    now = clock.now()
    earlier = now - dt.timedelta(days=70)
    for code, n, area, when in [
        ("0301", 4, world["g1"], now),
        ("0305", 3, world["g3"], now),
        ("0102", 3, world["g1"], earlier),
    ]:
        category = Category.objects.get(code=code)
        for _ in range(n):
            case = services.report_case(channel="hotline", description=f"{category.name}的问题", area=area)
            Case.objects.filter(pk=case.pk).update(category=category, created_at=when)

    page = staff_page("dudao")
    open_menu(page, "热点分析")
    page.wait_for_selector("h1:has-text('热点分析')")
    assert page.locator("table >> text=暴露垃圾").count() == 1
    assert page.locator("text=上升分类").is_visible()
    screenshot(page, "intel-hot-spots")

    page = staff_page("jiedao")
    page.goto(f"{live_server.url}/intel/suggest/?text=小区门口烧烤店油烟很大,呛得开不了窗")
    assert page.locator("[data-category]").count() >= 1
    assert page.locator("[data-category] >> nth=0").inner_text().startswith("市容环境 / 油烟污染")
    assert page.locator("mark >> text=油烟").count() >= 1
    screenshot(page, "intel-suggestions-fragment")
