"""The menu: each entry once, and only what the user's roles allow."""

import pytest

from core.navigation import nav_for
from orgs.roles import Role
from tests.conftest import grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_menu_entry_appears_once(world):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    keys = [item["key"] for item in nav_for(admin)]
    assert len(keys) == len(set(keys)), keys
    assert {"cases", "notices", "rankings", "admin"} <= set(keys)


def test_a_resident_sees_the_portal_only(world):
    resident = grant(world, "resident", Role.RESIDENT, "c1")
    resident.is_staff = False
    resident.save(update_fields=["is_staff"])
    keys = {item["key"] for item in nav_for(resident)}
    assert keys == {"home", "portal_report", "portal_mine"}


def test_the_menu_bar_groups_entries_and_marks_the_active_group(world, client):
    from core.navigation import menu_for

    admin = UserFactory(username="root2", is_superuser=True, is_staff=True)
    menu = menu_for(admin)
    labels = [entry["label"] for entry in menu]
    assert labels[0] == "工作台" and len(labels) == len(set(labels)) and len(menu) <= 8, labels
    cases = next(entry for entry in menu if entry["label"] == "网格事项")
    assert [c["key"] for c in cases["children"]][:1] == ["cases"] and "rankings" in cases["member_keys"]
    flat = [c["key"] for entry in menu for c in entry.get("children", [entry])]
    from core.navigation import nav_for

    assert sorted(flat) == sorted(item["key"] for item in nav_for(admin))  # nothing lost
    # A group of one entry is shown as that entry.
    resident = grant(world, "resident2", Role.RESIDENT, "c1")
    assert all("children" not in entry for entry in menu_for(resident))
    client.force_login(admin)
    from django.urls import reverse

    page = client.get(reverse("rankings")).content.decode()
    assert 'class="nav-link dropdown-toggle active"' in page  # 网格事项, the group of 考核排名
    assert f'class="dropdown-item active" href="{reverse("rankings")}" aria-current="page"' in page
