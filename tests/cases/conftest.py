"""Case fixtures: the shared world plus the people who handle cases, and a helper to walk a case."""

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.models import Category
from core.actors import SYSTEM
from orgs.roles import Role

from ..conftest import grant

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.90, 28.20], [112.91, 28.20], [112.91, 28.21], [112.90, 28.21], [112.90, 28.20]]],
}


@pytest.fixture
def actors(world):
    """Insiders for every case role, plus outsiders of the same roles elsewhere."""
    return {
        "dispatcher": grant(world, "jiedao", Role.DISPATCHER, "s1"),
        "other_dispatcher": grant(world, "jiedao2", Role.DISPATCHER, "s2"),
        "handler": grant(world, "bumen", Role.DEPT_HANDLER, "d1"),
        "other_handler": grant(world, "bumen2", Role.DEPT_HANDLER, "d2"),
        "community": grant(world, "shequ", Role.COMMUNITY_STAFF, "c1"),
        "other_community": grant(world, "shequ3", Role.COMMUNITY_STAFF, "c3"),
        "worker": grant(world, "wgy", Role.GRID_WORKER, "g1"),
        "supervisor": grant(world, "dudao", Role.SUPERVISOR, "district"),
    }


@pytest.fixture
def category(db):
    return Category.objects.get(code="0301")  # 市容环境 / 暴露垃圾


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_default_timezone())


def new_case(world, **kwargs):
    defaults = {
        "channel": "public",
        "description": "小区门口垃圾堆了三天没人清运",
        "area": world["c1"],
        "reporter_name": "张三",
        "reporter_phone": "13912345678",
    }
    merged = {**defaults, **kwargs}
    if merged["channel"] != "public":
        merged.setdefault("actor", SYSTEM)  # entered by staff: the system unless a user is given
    return services.report_case(**merged)


def walk(case, actors, world, category, to: str):
    """Advance ``case`` through the real services up to the stage ``to``."""
    steps = ["registered", "dispatched", "handling", "fed_back", "closed"]
    if to not in steps:
        raise ValueError(to)
    case = services.register_case(case, actor=actors["dispatcher"], category=category)
    if to == "registered":
        return case
    case = services.dispatch_case(
        case, actor=actors["dispatcher"], lead_unit=world["d1"], co_units=[world["c1"]]
    )
    if to == "dispatched":
        return case
    lead = case.assignments.get(role="lead")
    services.sign_assignment(lead, actor=actors["handler"])
    if to == "handling":
        return type(case).objects.get(pk=case.pk)
    services.give_feedback(lead, actor=actors["handler"], text="已清运,现场已清洁")
    if to == "fed_back":
        return type(case).objects.get(pk=case.pk)
    return services.check_case(case, actor=actors["community"], passed=True, note="")
