"""Shared fixtures: a frozen clock, and a small two-district world with an insider and an outsider
for every role."""

import datetime as dt
import os
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orgs.models import Org
from orgs.roles import Role

from .factories import MemberFactory, PersonFactory, PositionFactory, RoleGrantFactory, UserFactory, make_org


@dataclass
class World:
    orgs: dict[str, Org] = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.orgs[key]


def build_world() -> World:
    w = World()
    o = w.orgs
    o["district"] = make_org(None, "district", "岳麓区", code="430104")
    o["s1"] = make_org(o["district"], "street", "望月湖街道", code="430104001")
    o["s2"] = make_org(o["district"], "street", "岳麓街道", code="430104002")
    o["c1"] = make_org(o["s1"], "community", "湖东社区", code="430104001001")
    o["c2"] = make_org(o["s1"], "community", "湖西社区", code="430104001002")
    o["c3"] = make_org(o["s2"], "community", "桃子湖社区", code="430104002001")
    o["g1"] = make_org(o["c1"], "grid", "湖东社区第1网格", code="43010400100101", households=420)
    o["g2"] = make_org(o["c1"], "grid", "湖东社区第2网格", code="43010400100102", households=380)
    o["g3"] = make_org(o["c3"], "grid", "桃子湖社区第1网格", code="43010400200101", households=350)
    o["d1"] = make_org(o["district"], "department", "区城市管理和综合执法局")
    o["d2"] = make_org(o["district"], "department", "区教育局")
    o["party"] = make_org(None, "party_committee", "中共长沙市岳麓区委员会", short_name="区委")
    o["w1"] = make_org(o["party"], "working_committee", "中共望月湖街道工作委员会", host=o["s1"])
    o["w2"] = make_org(o["party"], "working_committee", "中共岳麓街道工作委员会", host=o["s2"])
    o["b1"] = make_org(o["w1"], "branch", "中共湖东社区支部委员会", host=o["c1"])
    o["b3"] = make_org(o["w2"], "branch", "中共桃子湖社区支部委员会", host=o["c3"])
    # Another district: the outsider for district-wide roles.
    o["other"] = make_org(None, "district", "东城区", code="110101")
    o["other_party"] = make_org(None, "party_committee", "中共北京市东城区委员会")
    o["other_dept"] = make_org(o["other"], "department", "东城区城管委")

    p = w.people
    p["resident1"] = PersonFactory(name="张居民", org=o["c1"])
    p["resident3"] = PersonFactory(name="李居民", org=o["c3"])
    p["worker1"] = PersonFactory(name="王网格", org=o["c1"])
    PositionFactory(person=p["worker1"], org=o["g1"], kind="grid_worker", title="专职网格员")
    p["worker3"] = PersonFactory(name="赵网格", org=o["c3"])
    PositionFactory(person=p["worker3"], org=o["g3"], kind="grid_worker", title="专职网格员")
    p["handler1"] = PersonFactory(name="陈经办", org=o["d1"])
    PositionFactory(person=p["handler1"], org=o["d1"], kind="department_handler")
    p["handler2"] = PersonFactory(name="周经办", org=o["d2"])
    PositionFactory(person=p["handler2"], org=o["d2"], kind="department_handler")
    p["member1"] = PersonFactory(name="刘党员", org=o["c1"])
    MemberFactory(person=p["member1"], org=o["b1"])
    p["member3"] = PersonFactory(name="孙党员", org=o["c3"])
    MemberFactory(person=p["member3"], org=o["b3"])
    p["other_person"] = PersonFactory(name="吴东城", org=o["other"])
    return w


# role → (insider grant node, outsider grant node, a record key the insider must see)
ROLE_MATRIX = {
    Role.ADMIN: ("district", "other", "resident1"),
    Role.SUPERVISOR: ("district", "other", "resident1"),
    Role.ORG_DEPT: ("party", "other_party", "member1"),
    Role.DISPATCHER: ("s1", "s2", "resident1"),
    Role.DEPT_HANDLER: ("d1", "d2", "handler1"),
    Role.COMMUNITY_STAFF: ("c1", "c3", "resident1"),
    Role.GRID_WORKER: ("g1", "g3", "worker1"),
    Role.BRANCH_SECRETARY: ("b1", "b3", "member1"),
    Role.PARTY_COMMITTEE: ("w1", "w2", "member1"),
}


def grant(world: World, username: str, role: str, org_key: str):
    user = UserFactory(username=username, is_staff=True)
    RoleGrantFactory(user=user, org=world[org_key], role=role)
    world.users[username] = user
    return user


# The longest tests (each builds the whole demo district, about a minute) start first, so that the
# xdist workers share them instead of one worker running the last of them alone at the end. (Not the
# browser journeys: they flush the database, so pytest-django runs them after the other tests.)
LONGEST_FIRST = ("tests/test_demo_dates.py",)

# CI runs the whole suite twice, on SQLite and on PostgreSQL. These tests do not depend on the
# database — the browser journeys drive pages whose database behaviour the unit tests cover on both
# (locks, isolation, NUL bytes, sequences), the classifier's evaluation reads CSV files — so the
# PostgreSQL run leaves them to the SQLite run and CI stays within its time.
SQLITE_RUN_ONLY = (
    "tests/browser/",
    "tests/intel/test_evaluate.py::test_evaluate_real_messages",
    "tests/intel/test_evaluate.py::test_evaluate_kfold_synthetic",
    # The parts of the demo one by one: the PostgreSQL run builds the whole demo district at the
    # frozen moment (tests/test_demo_dates.py, with every account's showcase checked), which runs
    # these builders on PostgreSQL; their own checks and awkward moments are about the calendar.
    "tests/cases/test_demo_cases.py::test_build_demo_cases",
    "tests/workplan/test_demo.py::test_build_demo_workplan",
    "tests/rectify/test_demo.py::test_build_demo_rectify",
)
ON_POSTGRESQL = os.environ.get("LUOSHI_TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable: order kept otherwise
    if ON_POSTGRESQL and not os.environ.get("LUOSHI_ALL_TESTS_ON_POSTGRESQL"):
        skip = pytest.mark.skip(reason="run by the SQLite suite (tests/conftest.py SQLITE_RUN_ONLY)")
        for item in items:
            if item.nodeid.startswith(SQLITE_RUN_ONLY):
                item.add_marker(skip)


# Every test runs at this moment (the clock ticks on from it) unless it travels elsewhere itself:
# no test may depend on the day or the time of day the suite happens to run. Set
# LUOSHI_TEST_NOW=2027-01-04T09:00 to run the whole suite at another moment (Asia/Shanghai).
FROZEN_NOW = dt.datetime.fromisoformat(os.environ.get("LUOSHI_TEST_NOW") or "2026-12-07T10:00").replace(
    tzinfo=ZoneInfo("Asia/Shanghai")
)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Freeze the clock (overridden in tests/browser: a real browser keeps real time, and a session
    cookie issued "in the past" would expire at once)."""
    with time_machine.travel(FROZEN_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: pages cache computed tables (rankings of past months,
    party findings, the map's grid outlines) that another test's data must not leak into."""
    from django.core.cache import cache

    from core import procache
    from party import rules

    cache.clear()
    rules.forget()  # the process's copy of the rule table: a rolled-back test's rows must not leak
    procache.forget_all()  # the same for the SLA rules, the calendar's rows and the org tree
    yield


@pytest.fixture
def world(db) -> World:
    return build_world()
