"""领导干部走流程: recording a walk (steps, checklist, problems with photos), handing each problem in
one step to a grid case or a work-plan task, its progress to 销号, the yearly count against the rule
data, who may see and act, and the API."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services as cases
from cases.models import Case, CaseStatus, Category, Channel
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from party.rules.models import RuleParameter
from walks import selectors, services
from walks.models import ChecklistItem, Walk, WalkStatus
from workplan import services as wp
from workplan.models import Plan, PlanState, TaskState

from ..mediatools import jpeg
from .conftest import answers, walk_with_problem

pytestmark = pytest.mark.django_db


def close_case(case):
    lead = case.assignments.get(role="lead")
    cases.sign_assignment(lead, actor=SYSTEM)
    cases.give_feedback(lead, actor=SYSTEM, text="已增开两个窗口")
    return cases.check_case(Case.objects.get(pk=case.pk), actor=SYSTEM, passed=True, note="现场核实")


def test_leader_records_own_walk_and_the_problem_becomes_a_closed_case(wk):
    walk, problem = walk_with_problem(wk)
    assert walk.status == WalkStatus.RECORDED and walk.total_minutes == 35
    assert problem.photos.count() == 1
    case = services.hand_to_case(
        actor=wk.users["lingdao"],
        problem=problem,
        category=Category.objects.get(code="0301"),
        lead_unit=wk["d1"],
        area=wk["c1"],
    )
    assert case.channel == Channel.WALK and case.status == CaseStatus.DISPATCHED
    assert case.lead_unit == wk["d1"] and case.attachments.count() == 1  # the problem's photo
    assert "领导干部走流程发现" in case.description
    rows = selectors.problems_of(walk)
    assert rows[0][1].label == "待签收" and not rows[0][1].closed
    assert selectors.walk_state(walk, rows) == "问题整改中(0/1 已销号)"
    close_case(case)
    rows = selectors.problems_of(walk)
    assert rows[0][1].closed and rows[0][1].label == "已销号(已结案)"
    assert selectors.walk_state(walk, rows) == "问题已全部销号"
    codes = list(AuditEvent.objects.filter(action__startswith="walks.").values_list("action", flat=True))
    for code in ("walks.created", "walks.step_added", "walks.checklist_answered", "walks.problem_added"):
        assert code in codes
    assert "walks.recorded" in codes and "walks.handed_to_case" in codes


def test_a_problem_becomes_a_task_of_the_offices_yearly_plan_and_is_closed_when_verified(wk):
    walk, problem = walk_with_problem(wk, actor=wk.users["dudao"])
    task = services.hand_to_task(
        actor=wk.users["dudao"], problem=problem, lead_unit=wk["d2"], deadline=dt.date(2027, 1, 31)
    )
    plan = Plan.objects.get(pk=task.plan_id)
    assert plan.org == wk["office"] and plan.state == PlanState.APPROVED
    assert plan.title == "2026年领导干部走流程发现问题整改"
    assert task.lead_unit == wk["d2"] and task.leader == wk.leader.person
    assert task.links.filter(url=f"/walks/{walk.pk}/").exists()
    # a second problem goes to the same plan
    second = services.add_problem(actor=wk.users["dudao"], walk=walk, description="材料清单与网上不一致")
    again = services.hand_to_task(
        actor=wk.users["dudao"], problem=second, lead_unit=wk["d1"], deadline=dt.date(2027, 1, 31)
    )
    assert again.plan_id == plan.pk
    problem.refresh_from_db()
    assert selectors.progress(problem).label == "办理中"
    wp.report_progress(
        task, actor=SYSTEM, percent=100, done_text="已整改", complete=True, evidence=[("照片", jpeg())]
    )
    wp.verify_completion(task, actor=SYSTEM, accept=True, note="核验通过")
    problem.refresh_from_db()
    assert problem.task.state == TaskState.DONE
    assert selectors.progress(problem).closed


def test_recording_needs_steps_and_every_checklist_item(wk):
    lingdao = wk.users["lingdao"]
    walk = services.create_walk(
        actor=lingdao,
        leader=wk.leader,
        service="新生儿落户",
        place="望月湖派出所户籍窗口",
        as_whom="resident",
        walked_on=dt.date(2026, 12, 1),
    )
    with pytest.raises(ServiceError, match="办事环节"):
        services.record_walk(actor=lingdao, walk=walk)
    services.add_step(actor=lingdao, walk=walk, title="提交材料", minutes=10)
    with pytest.raises(ServiceError, match="检查项"):
        services.record_walk(actor=lingdao, walk=walk)
    partial = answers()
    first = next(iter(partial))
    partial[first] = (False, "")
    with pytest.raises(ServiceError, match="说明") as error:
        services.answer_checklist(actor=lingdao, walk=walk, answers=partial)
    assert error.value.field == f"note_{first}"
    partial[first] = (False, "要跑两个窗口")
    services.answer_checklist(actor=lingdao, walk=walk, answers=partial)
    services.record_walk(actor=lingdao, walk=walk)
    with pytest.raises(StateConflict):
        services.add_step(actor=lingdao, walk=walk, title="又一步", minutes=3)
    assert walk.checks.get(item_id=first).label == ChecklistItem.objects.get(pk=first).label


def test_checklist_is_rule_data(wk):
    """An added item must be answered; a retired one is no longer asked."""
    lingdao = wk.users["lingdao"]
    walk, _ = walk_with_problem(wk, record=False)
    ChecklistItem.objects.create(code="local", label="流程最优", sort=99)
    ChecklistItem.objects.filter(code="online").update(active=False)
    with pytest.raises(ServiceError, match="流程最优"):
        services.record_walk(actor=lingdao, walk=walk)
    services.answer_checklist(actor=lingdao, walk=walk, answers=answers())
    services.record_walk(actor=lingdao, walk=walk)


def test_hand_over_once_and_only_when_recorded(wk):
    walk, problem = walk_with_problem(wk, record=False)
    category = Category.objects.get(code="0301")
    with pytest.raises(StateConflict, match="记录完成后"):
        services.hand_to_case(
            actor=wk.users["lingdao"], problem=problem, category=category, lead_unit=wk["d1"]
        )
    services.record_walk(actor=wk.users["lingdao"], walk=walk)
    services.hand_to_case(actor=wk.users["lingdao"], problem=problem, category=category, lead_unit=wk["d1"])
    with pytest.raises(StateConflict, match="已交办"):
        services.hand_to_task(
            actor=wk.users["lingdao"], problem=problem, lead_unit=wk["d1"], deadline=dt.date(2027, 1, 1)
        )
    second = services.add_problem(actor=wk.users["lingdao"], walk=walk, description="指引牌不清楚")
    with pytest.raises(ServiceError) as error:
        services.hand_to_task(
            actor=wk.users["lingdao"], problem=second, lead_unit=wk["d1"], deadline=dt.date(2026, 1, 1)
        )
    assert error.value.field == "deadline"


def test_withdrawn_walk_leaves_the_yearly_count(wk):
    walk, _ = walk_with_problem(wk)
    rows = {r.leader.pk: r for r in selectors.yearly_counts(wk.users["dudao"], 2026, dt.date(2026, 12, 7))}
    assert (
        rows[wk.leader.pk].done == 1 and rows[wk.leader.pk].required == 2 and rows[wk.leader.pk].behind == 1
    )
    assert rows[wk.other_leader.pk].required == 4 and rows[wk.other_leader.pk].done == 0
    with pytest.raises(ServiceError):
        services.withdraw_walk(actor=wk.users["lingdao"], walk=walk, reason="")
    services.withdraw_walk(actor=wk.users["lingdao"], walk=walk, reason="误录")
    rows = {r.leader.pk: r for r in selectors.yearly_counts(wk.users["dudao"], 2026, dt.date(2026, 12, 7))}
    assert rows[wk.leader.pk].done == 0


def test_yearly_minimum_is_rule_data_with_local_override(wk):
    national = RuleParameter.objects.get(code="walks.yearly_min.district", org=None)
    assert national.confidence == "C" and not national.confirmed
    RuleParameter.objects.create(
        code="walks.yearly_min.district",
        name=national.name,
        value="6",
        value_type="int",
        source="本区文件",
        org=wk["district"],
        effective_from=dt.date(2026, 1, 1),
    )
    rows = {r.leader.pk: r for r in selectors.yearly_counts(wk.users["dudao"], 2026, dt.date(2026, 12, 7))}
    assert rows[wk.leader.pk].required == 6


# ---------------------------------------------------------------------------------------------
# Who may see and act (scope)


def test_scope_of_walks(wk):
    walk, problem = walk_with_problem(wk)
    dudao, lingdao, jiedao, outsider = (wk.users[k] for k in ("dudao", "lingdao", "jiedao", "outsider"))
    assert Walk.objects.visible_to(dudao).filter(pk=walk.pk).exists()
    assert Walk.objects.visible_to(lingdao).filter(pk=walk.pk).exists()
    assert not Walk.objects.visible_to(outsider).filter(pk=walk.pk).exists()
    assert not Walk.objects.visible_to(jiedao).filter(pk=walk.pk).exists()
    # another leader sees none of lingdao's walks
    assert not services.may_record(jiedao, wk.leader)
    with pytest.raises(PermissionDenied):
        services.add_problem(actor=outsider, walk=walk, description="x")
    with pytest.raises(PermissionDenied):
        services.create_walk(
            actor=jiedao,
            leader=wk.leader,
            service="x",
            place="y",
            as_whom="resident",
            walked_on=dt.date(2026, 12, 1),
        )
    # lingdao may record only for himself, dudao for every leader of the district
    assert [x.pk for x in services.leaders_for(lingdao)] == [wk.leader.pk]
    assert {x.pk for x in services.leaders_for(dudao)} == {wk.leader.pk, wk.other_leader.pk}
    assert services.leaders_for(outsider) == []
    assert [r.leader.pk for r in selectors.yearly_counts(outsider, 2026, dt.date(2026, 12, 7))] == []


def test_pages_scope(client, wk):
    walk, problem = walk_with_problem(wk)
    client.force_login(wk.users["outsider"])
    assert client.get(reverse("walks:detail", args=[walk.pk])).status_code == 404
    index = client.get(reverse("walks:index"))  # their own district's office: an empty list
    assert index.status_code == 200 and "办理不动产登记" not in index.content.decode()
    assert "何志远" not in client.get(reverse("walks:leaders")).content.decode()
    response = client.post(
        reverse("walks:hand_to_case", args=[problem.pk]),
        {f"c{problem.pk}-category": "1", f"c{problem.pk}-lead_unit": "1"},
    )
    assert response.status_code == 404
    client.force_login(wk.users["jiedao"])
    assert client.get(reverse("walks:detail", args=[walk.pk])).status_code == 404
    assert client.get(reverse("walks:index")).status_code == 404  # neither office nor leader


def test_pages_phone_flow(client, wk):
    """The leader records a walk through the pages and hands the problem to a case."""
    client.force_login(wk.users["lingdao"])
    assert client.get(reverse("walks:index")).status_code == 200
    response = client.post(
        reverse("walks:new"),
        {
            "leader": wk.leader.pk,
            "service": "开办企业",
            "place": "区政务服务中心企业开办专区",
            "as_whom": "enterprise",
            "walked_on": "2026-12-04",
        },
    )
    assert response.status_code == 302
    walk = Walk.objects.get(service="开办企业")
    url = reverse("walks:detail", args=[walk.pk])
    assert (
        client.post(reverse("walks:add_step", args=[walk.pk]), {"step_title": "", "minutes": "5"}).status_code
        == 400
    )
    client.post(reverse("walks:add_step", args=[walk.pk]), {"step_title": "网上申报", "minutes": "20"})
    data = {f"item_{pk}": "1" for pk in answers()}
    client.post(reverse("walks:checklist", args=[walk.pk]), data)
    client.post(
        reverse("walks:add_problem", args=[walk.pk]),
        {"description": "营业执照要跑两个窗口", "photos": [jpeg()]},
    )
    assert client.post(reverse("walks:record", args=[walk.pk])).status_code == 302
    page = client.get(url).content.decode()
    assert "转为网格事项" in page and "待交办" in page
    problem = walk.problems.get()
    response = client.post(
        reverse("walks:hand_to_case", args=[problem.pk]),
        {
            f"c{problem.pk}-category": Category.objects.get(code="0301").pk,
            f"c{problem.pk}-lead_unit": wk["d1"].pk,
            f"c{problem.pk}-area": wk["c1"].pk,
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.case is not None
    page = client.get(url).content.decode()
    assert problem.case.number in page and "待签收" in page
    assert client.get(reverse("walks:leaders")).status_code == 200


def test_api_records_a_walk_with_problems(client, wk):
    client.force_login(wk.users["lingdao"])
    items = list(ChecklistItem.objects.filter(active=True))
    payload = {
        "leader": wk.leader.pk,
        "service": "12345诉求",
        "place": "区12345热线",
        "as_whom": "resident",
        "walked_on": "2026-12-05",
        "steps": [{"title": "拨打热线", "minutes": 8}, {"title": "等待回访", "minutes": 2880}],
        "checklist": [{"item": i.pk, "reached": True} for i in items],
        "problems": [{"description": "回访超过承诺时限"}],
        "record": True,
    }
    response = client.post(reverse("api:api-v1:walks_create"), payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "recorded" and body["total_minutes"] == 2888
    assert body["problems"][0]["progress"] == "待交办"
    walk_id = body["id"]
    response = client.post(
        reverse("api:api-v1:walks_add_problem", args=[walk_id]),
        {"description": "热线号码不好记"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert len(response.json()["problems"]) == 2
    client.force_login(wk.users["outsider"])
    assert client.get(reverse("api:api-v1:walks_detail", args=[walk_id])).status_code == 404


def test_problem_photos_behind_the_media_view(client, wk):
    from ..mediatools import img_srcs

    walk, problem = walk_with_problem(wk)
    client.force_login(wk.users["lingdao"])
    page = client.get(reverse("walks:detail", args=[walk.pk])).content.decode()
    sources = [s for s in img_srcs(page) if "/media/" in s]
    assert len(sources) == 1
    assert client.get(sources[0]).status_code == 200
    client.force_login(wk.users["outsider"])
    assert client.get(sources[0]).status_code in (403, 404)


def test_home_section_of_a_leader(client, wk):
    walk_with_problem(wk)
    client.force_login(wk.users["lingdao"])
    page = client.get("/").content.decode()
    assert "领导干部走流程" in page and "年度要求 2 次" in page and "有问题待交办" in page
    client.force_login(wk.users["dudao"])
    assert "有问题待交办" not in client.get("/").content.decode()
