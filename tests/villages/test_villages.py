"""四议两公开: order enforced, quorum and majority of each body at their edges, disclosure periods
and late disclosure flagged, scoping (outsider 404), the public page without login or personal data."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.models import Org
from orgs.roles import Role
from villages import services
from villages.models import Decision, DecisionStatus, DecisionStep, StepKind

from ..conftest import grant

pytestmark = pytest.mark.django_db
START = dt.date(2026, 9, 1)


def propose(village, **kw):
    return services.propose_decision(
        actor=kw.pop("actor", SYSTEM),
        village=village,
        title="组级道路硬化工程",
        matter="project",
        summary="硬化道路3公里,预算60万元",
        held_on=START,
        **kw,
    )


def step(decision, kind, day, **kw):
    return services.record_step(
        actor=kw.pop("actor", SYSTEM), decision=decision, kind=kind, held_on=day, **kw
    )


def through(decision, upto):
    days = {
        2: dt.date(2026, 9, 3),
        3: dt.date(2026, 9, 6),
        4: dt.date(2026, 9, 10),
        5: dt.date(2026, 9, 12),
        6: dt.date(2026, 11, 1),
    }
    kinds = [
        None,
        None,
        StepKind.CONSULTATION,
        StepKind.MEMBERS_REVIEW,
        StepKind.VILLAGERS_RESOLUTION,
        StepKind.RESOLUTION_DISCLOSURE,
        StepKind.RESULT_DISCLOSURE,
    ]
    for n in range(decision.done_steps + 1, upto + 1):
        kw = {"minutes": "会议讨论并表决"}
        if n == 2:
            kw["votes"] = {"expected": 7, "present": 7, "yes": 6}
        if n == 3:
            kw["votes"] = {"expected": 30, "present": 20, "yes": 16}
        if n == 4:
            kw.update(villagers_body="representatives", votes={"expected": 42, "present": 28, "yes": 15})
        if n in (5, 6):
            kw.update(channel="村务公开栏", disclose_to=days[n] + dt.timedelta(days=6))
        if n == 6:
            kw["result"] = "道路已完工验收"
        step(decision, kinds[n], days[n], **kw)
        decision.refresh_from_db()
    return decision


def test_full_process_and_public_page(client, village):
    d = through(propose(village), 6)
    assert d.status == DecisionStatus.DONE and d.done_steps == 6 and d.deviations == 0
    response = client.get(reverse("villages:public", args=[village.code]))
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "组级道路硬化工程" in page
        and "赞成 15" in page
        and "道路已完工验收" in page
    )
    assert "会议讨论并表决" not in page  # minutes (may name people) stay internal


def test_public_page_hides_undisclosed_items_and_unknown_village(client, village):
    through(propose(village), 4)
    page = client.get(reverse("villages:public", args=[village.code])).content.decode()
    assert "组级道路硬化工程" not in page and "暂无公开事项" in page
    assert client.get(reverse("villages:public", args=["999"])).status_code == 404


def test_order_enforced(village):
    d = propose(village)
    with pytest.raises(ServiceError) as error:
        step(
            d,
            StepKind.MEMBERS_REVIEW,
            dt.date(2026, 9, 3),
            votes={"expected": 30, "present": 30, "yes": 30},
            minutes="x",
        )
    assert error.value.field == "kind" and "须先完成“村“两委”会议商议”" in error.value.message
    through(d, 3)
    with pytest.raises(ServiceError, match="须先完成"):
        step(
            d,
            StepKind.RESOLUTION_DISCLOSURE,
            dt.date(2026, 9, 12),
            channel="栏",
            disclose_to=dt.date(2026, 9, 20),
        )


def test_members_meeting_quorum_two_thirds_and_pass_over_half_of_expected(village):
    d = through(propose(village), 2)
    with pytest.raises(ServiceError) as error:
        step(
            d,
            StepKind.MEMBERS_REVIEW,
            dt.date(2026, 9, 6),
            votes={"expected": 30, "present": 19, "yes": 19},
            minutes="x",
        )
    assert (
        error.value.field == "present"
        and "三分之二" not in error.value.message
        and "2/3" in error.value.message
    )
    s = step(
        d,
        StepKind.MEMBERS_REVIEW,
        dt.date(2026, 9, 6),
        votes={"expected": 30, "present": 20, "yes": 15},
        minutes="x",
    )
    assert not s.passed  # 15 = half of 30: not more than half
    d.refresh_from_db()
    assert d.done_steps == 2
    s = step(
        d,
        StepKind.MEMBERS_REVIEW,
        dt.date(2026, 9, 6),
        votes={"expected": 30, "present": 20, "yes": 16},
        minutes="x",
    )
    assert s.passed


def test_representatives_quorum_and_majority_of_attendees(village):
    d = through(propose(village), 3)
    with pytest.raises(ServiceError, match="组成人员 42 人的2/3"):
        step(
            d,
            StepKind.VILLAGERS_RESOLUTION,
            dt.date(2026, 9, 10),
            villagers_body="representatives",
            votes={"expected": 42, "present": 27, "yes": 27},
            minutes="x",
        )
    s = step(
        d,
        StepKind.VILLAGERS_RESOLUTION,
        dt.date(2026, 9, 10),
        villagers_body="representatives",
        votes={"expected": 42, "present": 28, "yes": 14},
        minutes="x",
    )
    assert not s.passed  # 14 = half of 28 attendees
    s = step(
        d,
        StepKind.VILLAGERS_RESOLUTION,
        dt.date(2026, 9, 10),
        villagers_body="representatives",
        votes={"expected": 42, "present": 28, "yes": 15},
        minutes="x",
    )
    assert s.passed and "第二十六条" in s.checks[-1]["source"]


def test_villagers_assembly_quorum_by_people_or_households(village):
    d = through(propose(village), 3)
    with pytest.raises(ServiceError, match="未超过本村18周岁以上村民"):
        step(
            d,
            StepKind.VILLAGERS_RESOLUTION,
            dt.date(2026, 9, 10),
            villagers_body="assembly",
            votes={"expected": 1000, "present": 500, "yes": 400},
            minutes="x",
        )
    s = step(
        d,
        StepKind.VILLAGERS_RESOLUTION,
        dt.date(2026, 9, 10),
        villagers_body="assembly",
        votes={"expected": 1000, "present": 500, "yes": 400, "households": 420, "households_present": 280},
        minutes="x",
    )
    assert s.passed and s.households_present == 280


def test_votes_must_add_up_and_minutes_required(village):
    d = through(propose(village), 1)
    with pytest.raises(ServiceError, match="超过实到"):
        step(
            d,
            StepKind.CONSULTATION,
            dt.date(2026, 9, 3),
            votes={"expected": 7, "present": 5, "yes": 6},
            minutes="x",
        )
    with pytest.raises(ServiceError, match="请填写会议记录"):
        step(d, StepKind.CONSULTATION, dt.date(2026, 9, 3), votes={"expected": 7, "present": 7, "yes": 6})
    with pytest.raises(ServiceError, match="应到人数"):
        step(d, StepKind.CONSULTATION, dt.date(2026, 9, 3), votes={"present": 7, "yes": 6}, minutes="x")


def test_late_and_short_disclosure_are_deviations(village):
    d = through(propose(village), 4)
    assert d.due_on == dt.date(2026, 9, 15)
    assert Decision.objects.filter(due_on__lt=dt.date(2026, 9, 16)).exists()
    s = step(
        d,
        StepKind.RESOLUTION_DISCLOSURE,
        dt.date(2026, 9, 16),
        channel="公开栏",
        disclose_to=dt.date(2026, 9, 20),
    )
    results = {c["rule"]: c["result"] for c in s.checks}
    assert (
        results["village.disclose_within"] == "deviation"
        and results["village.resolution_days"] == "deviation"
    )
    d2 = through(propose(village), 4)
    s = step(
        d2,
        StepKind.RESOLUTION_DISCLOSURE,
        dt.date(2026, 9, 15),
        channel="公开栏",
        disclose_to=dt.date(2026, 9, 21),
    )
    assert not s.has_deviation  # exactly 5 days after, exactly 7 days long


def test_scoping_outsider_404_and_cannot_act(client, world, village):
    d = propose(village)
    staff = grant(world, "v_staff", Role.COMMUNITY_STAFF, "village")
    secretary = grant(world, "v_shuji", Role.BRANCH_SECRETARY, "vbranch")
    outsider = grant(world, "v_out", Role.COMMUNITY_STAFF, "c1")
    url = reverse("villages:detail", args=[d.pk])
    for user in (staff, secretary):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"kind": "consultation", "expected_steps": 1, "held_on": "2026-09-03"}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=outsider,
            decision=d,
            kind=StepKind.CONSULTATION,
            held_on=dt.date(2026, 9, 3),
            votes={"expected": 7, "present": 7, "yes": 7},
            minutes="x",
        )
    assert not Decision.objects.visible_to(outsider).exists()
    assert not DecisionStep.objects.visible_to(outsider).exists()


def test_staff_pages_record_a_step(client, world, village):
    secretary = grant(world, "v_shuji2", Role.BRANCH_SECRETARY, "vbranch")
    client.force_login(secretary)
    response = client.post(
        reverse("villages:new"),
        {
            "village": village.pk,
            "title": "村集体厂房出租",
            "matter": "assets",
            "summary": "公开招租",
            "held_on": "2026-09-01",
        },
    )
    d = Decision.objects.get(title="村集体厂房出租")
    assert response.status_code == 302
    response = client.post(
        reverse("villages:detail", args=[d.pk]),
        {
            "kind": "consultation",
            "expected_steps": 1,
            "held_on": "2026-09-03",
            "expected": 7,
            "present": 3,
            "yes": 3,
            "minutes": "讨论",
        },
    )
    assert "未超过应到 7 人的半数" in response.content.decode()
    response = client.post(
        reverse("villages:detail", args=[d.pk]),
        {
            "kind": "consultation",
            "expected_steps": 1,
            "held_on": "2026-09-03",
            "expected": 7,
            "present": 7,
            "yes": 6,
            "minutes": "讨论",
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.done_steps == 2
    assert "村集体厂房出租" in client.get(reverse("villages:index")).content.decode()


def test_only_villages_take_decisions(world, village):
    with pytest.raises(ServiceError, match="须属于一个村"):
        services.propose_decision(
            actor=SYSTEM,
            village=Org.objects.get(pk=world["c1"].pk),
            title="x",
            matter="project",
            summary="x",
            held_on=START,
        )


def test_every_villages_model_offers_visible_to():
    from django.apps import apps

    from orgs.scoping import ScopedQuerySetMixin

    models = apps.get_app_config("villages").get_models()
    for model in models:
        assert isinstance(model._default_manager.all(), ScopedQuerySetMixin), model._meta.label
