"""Fixtures of the 走流程 tests: the district's supervision office (dudao), a 区领导 with an account
(lingdao) on the walk list, the case categories and the rule data."""

import datetime as dt

import pytest

from cases.defaults import seed_defaults as seed_cases
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from walks import services
from walks.defaults import seed_defaults
from walks.models import AsWhom, ChecklistItem, Leader, LeaderLevel

from ..conftest import grant
from ..factories import PersonFactory, UserFactory, make_org
from ..mediatools import jpeg


@pytest.fixture
def wk(world):
    seed_party()
    seed_cases()
    seed_defaults()
    office = make_org(world["district"], "department", "区委督查室")
    world.orgs["office"] = office
    grant(world, "dudao", Role.SUPERVISOR, "district")
    grant(world, "jiedao", Role.DISPATCHER, "s1")  # sees the street, not the walks
    grant(world, "outsider", Role.SUPERVISOR, "other")
    lingdao = UserFactory(username="lingdao")
    world.users["lingdao"] = lingdao
    person = PersonFactory(name="何志远", org=office, user=lingdao)
    world.people["lingdao"] = person
    world.leader = Leader.objects.create(
        person=person,
        org=office,
        title="区委副书记",
        level=LeaderLevel.DISTRICT,
        active_from=dt.date(2024, 1, 1),
    )
    other = PersonFactory(name="钱部长", org=world["d1"])
    world.other_leader = Leader.objects.create(
        person=other, org=world["d1"], title="局长", level=LeaderLevel.DEPARTMENT
    )
    return world


def answers(reached=True, note=""):
    return {item.pk: (reached, note) for item in ChecklistItem.objects.filter(active=True)}


def walk_with_problem(world, actor=None, *, photos=1, record=True):
    """A walk by the 区领导 with one step, the checklist answered and one problem with photos."""
    actor = actor or world.users["lingdao"]
    walk = services.create_walk(
        actor=actor,
        leader=world.leader,
        service="办理不动产登记",
        place="区政务服务中心不动产登记窗口",
        as_whom=AsWhom.RESIDENT,
        walked_on=dt.date(2026, 12, 3),
    )
    services.add_step(actor=actor, walk=walk, title="取号排队", minutes=35, observation="只有一个窗口开放")
    services.answer_checklist(actor=actor, walk=walk, answers=answers())
    problem = services.add_problem(
        actor=actor,
        walk=walk,
        description="取号后等候35分钟,窗口只开一个",
        uploads=[jpeg(f"p{i}.jpg") for i in range(photos)],
    )
    if record:
        services.record_walk(actor=actor, walk=walk)
        walk.refresh_from_db()
    return walk, problem
