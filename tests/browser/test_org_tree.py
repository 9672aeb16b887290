"""As a community staff member (shequ): log in, open the org tree, expand it, search, open a grid."""

import pytest

from orgs.roles import Role
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shequ(transactional_db):
    world = build_world()
    user = UserFactory(username="shequ", is_staff=True)
    RoleGrantFactory(user=user, org=world["c1"], role=Role.COMMUNITY_STAFF)
    world.people["worker1"].user = None
    return world


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_shequ_browses_the_org_tree(page, live_server, shequ):
    login(page, live_server, "shequ")
    assert page.locator("h1").inner_text().startswith("shequ")
    screenshot(page, "shequ-home")
    open_menu(page, "组织架构")
    page.wait_for_selector(".org-tree")
    assert page.locator(".org-tree >> text=湖东社区").count() == 1
    assert page.locator("text=桃子湖社区").count() == 0  # another street's community stays hidden
    page.click(f"#node-{shequ['c1'].pk} button.toggle")
    page.wait_for_selector("text=湖东社区第1网格")
    assert page.locator("text=湖东社区第2网格").is_visible()
    screenshot(page, "shequ-org-tree")
    page.fill("#org-q", "第2网格")
    page.wait_for_selector("#search-results >> text=湖东社区第2网格")
    page.click("#search-results >> text=湖东社区第2网格")
    page.wait_for_selector("h1:has-text('湖东社区第2网格')")
    assert page.locator("text=380").count() >= 1
    screenshot(page, "shequ-grid-detail")


def test_shequ_on_a_phone(phone_page, live_server, shequ):
    login(phone_page, live_server, "shequ")
    open_menu(phone_page, "人员")
    phone_page.wait_for_selector("text=张居民")
    assert phone_page.locator("text=138****5678").count() >= 1
    screenshot(phone_page, "shequ-people-phone")
