"""理论学习中心组 through the API: recording a session (idempotent) through the same
``party.study_group.services`` as the pages, the year's figures, and the same scope."""

import datetime as dt

import pytest

from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults
from party.study_group import services
from party.study_group.models import StudySession
from tests.conftest import grant
from tests.factories import PersonFactory, PositionFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def group(world, api_for):
    seed_defaults()
    people = [PersonFactory(name=n, org=world["s1"]) for n in ("甲书记", "乙副书记", "丙委员")]
    for p, kind in zip(people, ("secretary", "deputy_secretary", "committee_member"), strict=True):
        PositionFactory(person=p, org=world["w1"], kind=kind, start_on=dt.date(2021, 1, 1))
    services.import_leaders(actor=SYSTEM, org=world["w1"], day=dt.date(2026, 1, 2))
    return {
        "org": world["w1"],
        "people": people,
        "dangwei": api_for(grant(world, "dw", Role.PARTY_COMMITTEE, "w1")),
        "other": api_for(grant(world, "dw2", Role.PARTY_COMMITTEE, "w2")),
    }


def body(group, **extra):
    a, b, c = group["people"]
    return {
        "org": group["org"].pk,
        "held_on": "2026-12-03",
        "topic": "学习全会精神",
        "kind": "seminar",
        "host": a.pk,
        "minutes": 180,
        "summary": "原文学习并交流研讨",
        "attendance": [
            {"person": a.pk, "status": "present"},
            {"person": b.pk, "status": "present"},
            {"person": c.pk, "status": "excused", "reason": "参加区委会议"},
        ],
        "speeches": [{"person": a.pk, "role": "lead", "summary": "领学公报"}],
        **extra,
    }


def test_record_session_idempotent_and_year(group):
    client = group["dangwei"]
    created = client.post(
        f"{BASE}/party/study-group/sessions", body(group), headers={"Idempotency-Key": "s-1"}
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["present"], data["excused"], data["speakers"]) == (2, 1, ["甲书记"])
    again = client.post(f"{BASE}/party/study-group/sessions", body(group), headers={"Idempotency-Key": "s-1"})
    assert again.json()["id"] == data["id"] and StudySession.objects.count() == 1
    year = client.get(f"{BASE}/party/study-group/orgs/{group['org'].pk}", {"year": 2026}).json()
    assert (year["held"], year["seminars"], year["min_sessions"]) == (1, 1, 12)


def test_rules_and_scope(group):
    client = group["dangwei"]
    bad = body(group, attendance=body(group)["attendance"][:2])
    response = client.post(f"{BASE}/party/study-group/sessions", bad)
    assert response.status_code == 422 and "请登记全部中心组成员的出席情况" in response.content.decode()
    outside = group["other"].post(f"{BASE}/party/study-group/sessions", body(group))
    assert outside.status_code == 404 and StudySession.objects.count() == 0
    assert group["other"].get(f"{BASE}/party/study-group/orgs/{group['org'].pk}").status_code == 404
