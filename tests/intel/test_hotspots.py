"""热点分析 / 每月一题: grid hot spots, repeat reporters (masked) and locations, the trend and map,
and turning a hot spot into a workplan task (转为督办任务)."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.models import Case, Category
from core import clock
from core.actors import SYSTEM
from core.errors import PermissionDenied, StateConflict
from intel import hotspots, selectors
from intel.models import HotSpotTask
from orgs.models import Org
from orgs.roles import Role
from tests.conftest import grant
from tests.factories import ResponsibilityFactory
from workplan.models import Task

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.90, 28.20], [112.91, 28.20], [112.91, 28.21], [112.90, 28.21], [112.90, 28.20]]],
}


@pytest.fixture
def month():
    return selectors.month_start(clock.now().date())


@pytest.fixture
def spot(world, month):
    """Four 暴露垃圾 cases at one spot of grid g1 this month, three by the same phone."""
    garbage = Category.objects.get(code="0301")
    when = dt.datetime.combine(month + dt.timedelta(days=1), dt.time(9), tzinfo=clock.now().tzinfo)
    Org.objects.filter(pk=world["g1"].pk).update(geometry=SQUARE)
    ids = []
    for i in range(4):
        case = services.report_case(
            channel="hotline",
            description="桥下垃圾堆积",
            area=world["g1"],
            address="枫林三路桥下",
            reporter_name="张三",
            reporter_phone="13912345678" if i < 3 else "13800000000",
            actor=SYSTEM,
        )
        ids.append(case.pk)
    Case.objects.filter(pk__in=ids).update(category=garbage, created_at=when)
    return garbage


def test_page_sections(client, world, month, spot):
    supervisor = grant(world, "dudao", Role.SUPERVISOR, "district")
    reporters = hotspots.repeat_reporters(supervisor, month)
    assert [r["count"] for r in reporters] == [3]
    assert len(reporters[0]["key"]) == 8 and "1391" not in reporters[0]["key"]
    locations = hotspots.repeat_locations(supervisor, month)
    assert locations[0]["count"] == 4 and locations[0]["address"] == "枫林三路桥下"
    assert hotspots.grid_cells(supervisor, month)[0]["count"] == 4
    bars = hotspots.trend(supervisor, month)["bars"]
    assert len(bars) == 6 and bars[-1]["current"] and bars[-1]["count"] == 4
    shapes = hotspots.grid_map(supervisor, month)["shapes"]
    assert len(shapes) == 1 and shapes[0]["count"] == 4 and shapes[0]["fill"] != "#f1f3f5"

    client.force_login(supervisor)
    html = client.get(reverse("intel:hot_spots"), {"month": f"{month:%Y-%m}"}).content.decode()
    for text in ("重复反映人", "重复地点", "网格分布图", "近6个月事项数", "转为督办任务", "<polygon"):
        assert text in html, text
    assert "13912345678" not in html and "张三" not in html  # never the reporter

    # Outsider supervisor (another district): nothing of it.
    outsider = grant(world, "dudao2", Role.SUPERVISOR, "other")
    assert hotspots.repeat_reporters(outsider, month) == []
    assert hotspots.grid_map(outsider, month) is None


def test_turn_hot_spot_into_workplan_task(client, world, month, spot):
    ResponsibilityFactory(org=world["district"], category=spot, unit=world["d1"])
    supervisor = grant(world, "dudao", Role.SUPERVISOR, "district")
    client.force_login(supervisor)
    data = {"month": f"{month:%Y-%m}", "category": spot.pk, "community": world["c1"].pk}
    response = client.post(reverse("intel:hot_spot_task"), data)
    assert response.status_code == 302
    hot = HotSpotTask.objects.get()
    task = hot.task
    assert hot.case_count == 4 and hot.community == world["c1"] and hot.created_by == supervisor
    assert task.lead_unit == world["d1"] and "每月一题" in task.title and "湖东社区" in task.title
    assert task.plan.title == f"{month.year}年每月一题(热点督办)" and task.plan.org == world["district"]
    assert AuditEvent.objects.filter(action="intel.hot_spot_task").count() == 1

    html = client.get(reverse("intel:hot_spots"), {"month": f"{month:%Y-%m}"}).content.decode()
    assert "已转督办" in html and reverse("workplan:task", args=[task.pk]) in html

    with pytest.raises(StateConflict):  # once per hot spot
        hotspots.create_hot_spot_task(actor=supervisor, month=month, category=spot, community=world["c1"])
    assert Task.objects.count() == 1


def test_hot_spot_task_needs_supervise_scope(client, world, month, spot):
    dispatcher = grant(world, "jiedao", Role.DISPATCHER, "s1")
    with pytest.raises(PermissionDenied):
        hotspots.create_hot_spot_task(actor=dispatcher, month=month, category=spot, community=world["c1"])
    outsider = grant(world, "dudao2", Role.SUPERVISOR, "other")
    client.force_login(outsider)
    data = {"month": f"{month:%Y-%m}", "category": spot.pk, "community": world["c1"].pk}
    assert client.post(reverse("intel:hot_spot_task"), data).status_code == 403
    assert not HotSpotTask.objects.exists()
