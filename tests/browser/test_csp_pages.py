"""Pages whose scripts moved out of the templates for the Content-Security-Policy: the rankings
trend chart, an org's boundary map, the org tree's +/− toggles, a select that submits its form,
the back link. The console watch (conftest) fails the test on any CSP violation or JS error."""

import pytest

from core.actors import SYSTEM

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chart_map_and_toggles_under_the_policy(staff_page, live_server, journey):
    from orgs import services as org_services

    from ..cases.conftest import SQUARE

    world = journey["world"]
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    dudao = staff_page("dudao")

    dudao.goto(f"{live_server.url}/rankings/")
    dudao.wait_for_selector("#trend canvas")
    screenshot(dudao, "csp-rankings-trend")

    dudao.goto(f"{live_server.url}/orgs/{world['g1'].pk}/")
    dudao.wait_for_selector("#grid-map .leaflet-interactive")
    screenshot(dudao, "csp-grid-boundary")

    dudao.goto(f"{live_server.url}/orgs/")
    toggle = dudao.locator(f"#node-{world['district'].pk} > button.toggle")
    toggle.click()
    dudao.wait_for_selector(f"#children-{world['district'].pk} >> text=望月湖街道")
    assert toggle.inner_text() == "−"
    toggle.click()
    assert toggle.inner_text() == "+"
    assert dudao.locator(f"#children-{world['district'].pk} li").count() == 0
    toggle.click()  # expands again: loads the children again
    dudao.wait_for_selector(f"#children-{world['district'].pk} >> text=望月湖街道")
