"""The report map on a phone without tiles (offline demo): search a community, the map zooms to
it; a tap on the map offers the open public case of the same category nearby (已有人反映); follow
it; the public list and map."""

import pytest

from cases import services
from cases.models import Category
from core.actors import SYSTEM

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

G1 = {
    "type": "Polygon",
    "coordinates": [[[112.90, 28.20], [112.91, 28.20], [112.91, 28.21], [112.90, 28.21], [112.90, 28.20]]],
}
G2 = {
    "type": "Polygon",
    "coordinates": [[[112.91, 28.20], [112.92, 28.20], [112.92, 28.21], [112.91, 28.21], [112.91, 28.20]]],
}
# another street's community a few kilometres away: the district view is wider than 湖东社区
G3 = {
    "type": "Polygon",
    "coordinates": [[[112.95, 28.24], [112.97, 28.24], [112.97, 28.26], [112.95, 28.26], [112.95, 28.24]]],
}


def seed(world):
    for name, geometry in (("g1", G1), ("g2", G2), ("g3", G3)):
        world[name].geometry = geometry
        world[name].save(update_fields=["geometry"])
    category = Category.objects.get(code="0301")
    case = services.report_case(
        channel="public",
        description="湖东路口垃圾桶满溢没人清运",
        title="湖东路口垃圾桶满溢",
        area=world["c1"],
        longitude=112.909,
        latitude=28.205,
        address="湖东路 8 号",
        reporter_name="王小明",
        reporter_phone="13987654321",
    )
    return services.register_case(case, actor=SYSTEM, category=category)


def test_public_map_on_a_phone(phone_page, live_server, journey):
    case = seed(journey["world"])
    page = phone_page
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("[data-report-map][data-loaded]")
    page.wait_for_selector(".map-label")  # community labels on the plain background
    before = float(page.get_attribute("[data-report-map]", "data-zoom"))
    screenshot(page, "public-map-01-report-phone")

    page.fill("[data-place-search]", "湖东")
    page.click("[data-place-results] button:has-text('湖东社区')")
    page.wait_for_selector("[data-pick-status]:has-text('已定位到湖东社区')")
    page.wait_for_timeout(500)  # the zoom animation (no page script may be evaluated: CSP)
    assert float(page.get_attribute("[data-report-map]", "data-zoom")) > before
    assert page.input_value("#id_area") == str(journey["world"]["c1"].pk)

    page.select_option("#id_category", label="暴露垃圾")
    box = page.locator("[data-report-map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("[data-nearby] >> text=已有人反映,关注进展")
    assert page.locator("[data-nearby] >> text=湖东路口垃圾桶满溢").count() == 1
    assert page.input_value("#id_longitude") and page.input_value("#id_latitude")
    assert page.locator("[data-pick-status]:has-text('网格')").count() == 1
    page.locator("[data-nearby]").scroll_into_view_if_needed()
    screenshot(page, "public-map-02-nearby-phone")

    page.click("[data-nearby] >> text=查看并关注")
    page.wait_for_selector("[data-point-map][data-loaded]")
    page.click("#follow button[type=submit]")
    page.wait_for_selector("text=已关注")
    assert page.locator("text=王小明").count() == 0 and page.locator("text=13987654321").count() == 0
    screenshot(page, "public-map-03-case-phone")

    page.click("a.nav-link:text-is('公开事项')")
    page.wait_for_selector("[data-reports-map][data-loaded]")
    assert page.locator(f"[data-report-rows] >> text={case.title}").count() == 1
    assert page.locator(".leaflet-interactive").count() > 2  # grids and the case's point
    screenshot(page, "public-map-04-list-phone")
