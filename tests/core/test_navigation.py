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
