"""Duplicate candidates (重复事项候选): place × time window × text similarity."""

import datetime as dt

import pytest

from cases import services
from cases.models import Case, CaseStatus
from core.actors import SYSTEM
from intel.duplicates import find_duplicates, haversine_m

pytestmark = pytest.mark.django_db

LON, LAT = 112.905, 28.205
GARBAGE = "桃花苑小区南门垃圾桶满了好几天没人清运,臭气熏天,请尽快处理"


def report(description, *, title="", area=None, lon=None, lat=None, days_ago=0):
    case = services.report_case(
        channel="hotline",
        description=description,
        title=title,
        area=area,
        longitude=lon,
        latitude=lat,
        address="" if area or lon else "岳麓区",
        actor=SYSTEM,
    )
    if days_ago:
        Case.objects.filter(pk=case.pk).update(created_at=case.created_at - dt.timedelta(days=days_ago))
        case.refresh_from_db()
    return case


def test_haversine():
    assert haversine_m(112.0, 28.0, 112.0, 28.0) == 0
    assert 110_000 < haversine_m(112.0, 28.0, 112.0, 29.0) < 112_000


def test_same_grid_similar_text_recent_is_a_candidate(world):
    old = report(GARBAGE, area=world["g1"], days_ago=2)
    new = report("桃花苑小区南门的垃圾桶满了,好几天都没有人来清运,很臭", area=world["g1"])
    found = find_duplicates(new)
    assert [d.case.pk for d in found] == [old.pk]
    reason = found[0].reason
    assert "同一网格" in reason and "相似度0." in reason and "2天内" in reason


def test_other_text_other_place_or_old_are_not_candidates(world):
    new = report(GARBAGE, area=world["g1"])
    report("枫林三路路灯不亮,晚上很黑", area=world["g1"])  # same grid, other problem
    report(GARBAGE, area=world["g3"])  # same text, other grid, no coordinates
    report(GARBAGE, area=world["g1"], days_ago=20)  # outside the 7-day window
    closed = report(GARBAGE, area=world["g1"])
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    assert find_duplicates(new) == []


def test_nearby_point_counts_far_point_does_not(world):
    near = report(GARBAGE, lon=LON + 0.001, lat=LAT)  # ~98 m east
    report(GARBAGE, lon=LON + 0.05, lat=LAT)  # ~4.9 km east
    new = report(GARBAGE, lon=LON, lat=LAT)
    found = find_duplicates(new)
    assert [d.case.pk for d in found] == [near.pk]
    assert 90 < found[0].distance_m < 110
    assert "相距98米" in found[0].reason or "相距97米" in found[0].reason


def test_candidates_respect_the_given_queryset(world):
    from orgs.roles import Role
    from tests.conftest import grant

    report(GARBAGE, area=world["g1"], days_ago=1)
    new = report(GARBAGE, area=world["g1"])
    outsider = grant(world, "jiedao2", Role.DISPATCHER, "s2")
    assert find_duplicates(new, queryset=Case.objects.visible_to(outsider)) == []
    insider = grant(world, "jiedao", Role.DISPATCHER, "s1")
    assert len(find_duplicates(new, queryset=Case.objects.visible_to(insider))) == 1
