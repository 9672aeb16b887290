"""Fixtures of the 四议两公开 tests: a town with a village and the village's party branch."""

import pytest

from party.defaults import seed_defaults as seed_party
from villages.defaults import seed_defaults

from ..factories import make_org


@pytest.fixture
def village(world):
    seed_party()
    seed_defaults()
    town = make_org(world["district"], "town", "莲花镇", code="430104100")
    v = make_org(town, "village", "桐木村", code="430104100201", households=420)
    world.orgs["town"], world.orgs["village"] = town, v
    world.orgs["vbranch"] = make_org(world["party"], "branch", "中共桐木村支部委员会", host=v)
    return v
