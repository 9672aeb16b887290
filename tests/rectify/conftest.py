"""Rectify fixtures: the shared world with the rule data, an organization department (组织部) at
the district committee, and the responsible units' staff (insiders and outsiders)."""

import datetime as dt

import pytest

from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from rectify import services
from rectify.defaults import seed_defaults
from workplan.defaults import seed_defaults as seed_workplan

from ..conftest import grant
from ..workplan.conftest import pdf, png  # noqa: F401  (upload helpers)


@pytest.fixture
def rw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_party()
    seed_workplan()
    seed_defaults()
    world.users.update(
        {
            "zzb": grant(world, "zzb", Role.ORG_DEPT, "party"),
            "zzb_other": grant(world, "zzb_other", Role.ORG_DEPT, "other_party"),
            "shuji": grant(world, "shuji", Role.BRANCH_SECRETARY, "b1"),
            "shuji3": grant(world, "shuji3", Role.BRANCH_SECRETARY, "b3"),
            "bumen": grant(world, "bumen", Role.DEPT_HANDLER, "d1"),
            "grid": grant(world, "grid", Role.GRID_WORKER, "g1"),
        }
    )
    return world


def make_list(rw, **kwargs):
    values = {
        "actor": rw.users["zzb"],
        "issuer": rw["party"],
        "unit": rw["w1"],
        "title": "区委第二巡察组反馈问题",
        "source": "xuncha",
        "feedback_on": dt.date(2026, 11, 20),
        "issuer_name": "区委第二巡察组",
    }
    values.update(kwargs)
    return services.create_list(**values)


@pytest.fixture
def plist(rw):
    return make_list(rw)


@pytest.fixture
def item(rw, plist):
    problem = services.add_problem(plist, actor=rw.users["zzb"], text="“三会一课”被动召开、流于形式")
    return services.add_item(
        problem,
        actor=rw.users["zzb"],
        measure="制定支部年度组织生活计划,按月召开支部委员会",
        unit=rw["b1"],
        responsible_name="刘书记",
        deadline=dt.date(2027, 1, 20),
    )
