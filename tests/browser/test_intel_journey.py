"""智能辅助 in the browser: the supervisor opens 热点分析 from the menu, sees the map and the
masked repeat reporters and turns a hot spot into a 督办任务; a dispatcher's suggestion fragment
renders the top-3 with the words that drove them, and on a registered case 填入主办单位 pre-fills
the dispatch form from the unit suggestions."""

import datetime as dt

import pytest

from cases import services
from cases.defaults import seed_defaults as seed_cases
from cases.models import Case, Category, Responsibility
from core import clock
from core.actors import SYSTEM
from intel.defaults import seed_defaults as seed_intel
from intel.models import HotSpotTask
from orgs.models import Org

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hot_spots_and_suggestions(staff_page, journey, live_server):
    seed_cases()
    seed_intel()  # flushed by earlier transactional tests
    world = journey["world"]
    square = [[112.90, 28.20], [112.91, 28.20], [112.91, 28.21], [112.90, 28.21], [112.90, 28.20]]
    Org.objects.filter(pk=world["g1"].pk).update(geometry={"type": "Polygon", "coordinates": [square]})
    shifted = [[x + 0.012, y] for x, y in square]
    Org.objects.filter(pk=world["g3"].pk).update(geometry={"type": "Polygon", "coordinates": [shifted]})
    Responsibility.objects.create(
        org=world["district"], category=Category.objects.get(code="0301"), unit=world["d1"]
    )
    now = clock.now()
    earlier = now - dt.timedelta(days=70)
    for code, n, area, when in [
        ("0301", 4, world["g1"], now),
        ("0305", 3, world["g3"], now),
        ("0102", 3, world["g1"], earlier),
    ]:
        category = Category.objects.get(code=code)
        for _ in range(n):
            case = services.report_case(
                channel="hotline",
                description=f"{category.name}的问题",
                area=area,
                address="枫林三路桥下",
                reporter_name="张三",
                reporter_phone="13912345678",
                actor=SYSTEM,
            )
            Case.objects.filter(pk=case.pk).update(category=category, created_at=when)

    page = staff_page("dudao")
    open_menu(page, "热点分析")
    page.wait_for_selector("h1:has-text('热点分析')")
    assert page.locator("#hot-cells >> text=暴露垃圾").count() == 1
    assert page.locator("text=上升分类").is_visible()
    assert page.locator("svg.hs-map polygon").count() == 2
    assert page.locator("#h-reporters ~ table code").count() >= 1
    assert "13912345678" not in page.content()
    page.locator("#hot-cells tr:has-text('暴露垃圾') >> text=转为督办任务").click()
    page.wait_for_selector("text=已转为督办任务")
    assert page.locator("#hot-cells tr:has-text('暴露垃圾') >> text=已转督办").count() == 1
    screenshot(page, "intel-hot-spots")
    spot = HotSpotTask.objects.get()
    assert spot.task.lead_unit_id == world["d1"].pk and spot.case_count == 4

    page = staff_page("jiedao")
    page.goto(f"{live_server.url}/intel/suggest/?text=小区门口烧烤店油烟很大,呛得开不了窗")
    assert page.locator("[data-category]").count() >= 1
    assert page.locator("[data-category] >> nth=0").inner_text().startswith("市容环境 / 油烟污染")
    assert page.locator("mark >> text=油烟").count() >= 1
    screenshot(page, "intel-suggestions-fragment")

    case = services.report_case(
        channel="hotline", description="小区门口垃圾堆了三天没人清运", area=world["g1"], actor=SYSTEM
    )
    services.register_case(case, actor=SYSTEM, category=Category.objects.get(code="0301"))
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.wait_for_selector("text=责任单位建议")
    assert page.locator(".intel-units >> text=责任清单:暴露垃圾").count() == 1
    page.locator(".intel-units >> text=填入主办单位").first.click()
    assert page.locator("#dispatch_lead_unit").input_value() == str(world["d1"].pk)
    screenshot(page, "intel-unit-suggestions")


def test_model_versions_page(staff_page, journey, settings, tmp_path):
    """分类模型: a dispatcher opens the page from the menu and sees the versions, the guard
    decision on the fixed validation set and the acceptance rate of each version's suggestions."""
    from intel import classify
    from intel.models import ModelVersion
    from orgs.models import User
    from tests.intel.conftest import registered_cases

    seed_cases()
    seed_intel()
    settings.VAR_DIR = tmp_path
    classify._forget_model()
    world = journey["world"]
    registered_cases(world, per_code=8)
    first = classify.train_from_cases().version
    registered_cases(world, per_code=3, seed=5)
    classify.train_from_cases()
    dispatcher = User.objects.get(username="jiedao")
    for code in ("0301", "0301", "0102"):
        case = services.report_case(
            channel="hotline", description="小区门口垃圾堆了三天没人清运", area=world["g1"], actor=SYSTEM
        )
        services.register_case(case, actor=dispatcher, category=Category.objects.get(code=code))

    page = staff_page("jiedao")
    open_menu(page, "分类模型")
    page.wait_for_selector("h1:has-text('分类模型')")
    screenshot(page, "intel-model-versions")
    assert page.locator("#model-versions tbody tr").count() == ModelVersion.objects.count() == 2
    assert page.locator("#model-versions >> text=当前使用").count() == 1
    assert page.locator("#model-versions >> text=第1版").count() >= 1
    assert f"#{first.pk}" not in page.content()
    # two of the three registered cases took the first suggestion (the 采纳首选 column)
    assert page.locator("#model-versions tr:has-text('当前使用') [data-rate=first]").inner_text() == "67%"
    classify._forget_model()
