"""Scoping matrix over every REST endpoint (anonymous 401, outsider 404 or empty), and each error
code of the error contract."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api import services as api_services
from api.models import WebhookSubscription
from api.v1.api import api
from cases import approvals
from core.actors import SYSTEM
from orgs.roles import Role
from party.development.models import Applicant
from party.duty_review.models import ReviewReporter, ReviewRound
from party.membership.models import DuesPayment, DuesReduction
from party.models import Member, Talk
from party.study_group.models import StudySession
from rectify.models import ProblemList
from tests.conftest import grant
from tests.factories import (
    CaseAttachmentFactory,
    DuesReductionFactory,
    LeaderFactory,
    MeetingFactory,
    MemberFactory,
    PersonFactory,
    PlanFactory,
    ResponsibilityFactory,
    StepSubmissionFactory,
    TalkFactory,
    WalkFactory,
    make_org,
)
from villages import services as village_services
from villages.defaults import seed_defaults as village_defaults
from villages.models import Decision
from walks.models import Walk
from workplan import services as workplan_services
from workplan.models import Task

from .conftest import ApiClient, new_case, walk

pytestmark = pytest.mark.django_db


def key_task(world, actors):
    """An approved plan of the district's supervision office with one task led by d1, and a
    progress report with one evidence file (督查督办)."""
    office = make_org(world["district"], "department", "区委督查室", short_name="督查室")
    plan = workplan_services.create_plan(actor=actors["supervisor"], owner=office, title="2026年重点工作")
    task = workplan_services.create_task(
        plan,
        actor=actors["supervisor"],
        title="推进背街小巷环境整治",
        lead_unit=world["d1"],
        co_units=[world["c1"]],
        start_on=dt.date(2026, 3, 2),
        deadline=dt.date(2027, 6, 30),
    )
    workplan_services.approve_plan(plan, actor=actors["supervisor"])
    workplan_services.report_progress(
        task,
        actor=actors["handler"],
        percent=20,
        done_text="已完成摸底排查",
        evidence=[("文件", SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n"))],
    )
    return plan, task


@pytest.fixture
def scene(world, actors, category, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan, task = key_task(world, actors)
    case = walk(new_case(world), actors, world, category, "dispatched")
    attachment = CaseAttachmentFactory(case=case, stage="report", file="cases/x.jpg")
    insider_token, _ = api_services.issue_token(owner=actors["dispatcher"], name="insider", actor=SYSTEM)
    subscription = api_services.subscribe_webhook(
        org=world["s1"], url="http://127.0.0.1:9/hook", actor=actors["dispatcher"]
    )
    outsider = api_for(actors["other_dispatcher"])
    request = approvals.request_exclusion(case, actor=actors["dispatcher"], reason="诉求于法无据")
    village_defaults()
    village = make_org(make_org(world["district"], "town", "莲花镇"), "village", "桐木村", households=300)
    decision = village_services.propose_decision(
        actor=SYSTEM,
        village=village,
        title="道路硬化",
        matter="project",
        summary="硬化道路",
        held_on=dt.date(2026, 9, 1),
    )
    first = Member.objects.get(person=world.people["member1"])
    second = MemberFactory(person=PersonFactory(name="何党员", org=world["c1"]), org=world["b1"])
    talk = TalkFactory(
        org=world["b1"],
        held_on=dt.date(2026, 10, 16),
        initiator=first,
        other=second,
        summary="谈思想谈工作" * 3,
    )
    reduction = DuesReductionFactory(
        member=first,
        first_month=dt.date(2026, 10, 1),
        last_month=dt.date(2026, 12, 1),
        monthly_amount=0,
        reason="illness",
        detail="长期住院",
        applied_on=dt.date(2026, 10, 8),
        studied_on=dt.date(2026, 10, 10),
        branch_opinion="同意报批",
    )
    # Records of the newer party and supervision endpoints, all in 望月湖街道's scope.
    review_round = ReviewRound.objects.create(
        org=world["w1"], year=2026, title="2026年度述职评议", report_due=dt.date(2026, 12, 20)
    )
    problem_list = ProblemList.objects.create(
        org=world["w1"],
        title="巡察反馈问题",
        source="xuncha",
        unit=world["b1"],
        feedback_on=dt.date(2026, 11, 20),
        plan=PlanFactory(org=world["w1"], title="巡察整改台账"),
    )
    return {
        "case": case,
        "values": {
            "number": case.number,
            "assignment_id": case.assignments.get(role="lead").pk,
            "attachment_id": attachment.pk,
            "token_id": insider_token.pk,
            "webhook_id": subscription.pk,
            "request_id": request.pk,
            "org_id": world["b1"].pk,
            "meeting_id": MeetingFactory(
                org=world["b1"], kind="branch_assembly", held_on=dt.date(2026, 10, 15), topic="x"
            ).pk,
            "talk_id": talk.pk,
            "member_id": first.pk,
            "reduction_id": reduction.pk,
            "fmt": "csv",
            "plan_id": plan.pk,
            "task_id": task.pk,
            "evidence_id": task.evidence.get().pk,
            "decision_id": decision.pk,
            "step_id": decision.steps.get().pk,
            "applicant_id": Applicant.objects.create(
                person=PersonFactory(name="申请人丙", org=world["c1"]),
                org=world["b1"],
                applied_on=dt.date(2026, 9, 1),
                step=1,
            ).pk,
            "submission_id": StepSubmissionFactory(
                applicant=Applicant.objects.filter(org=world["b1"]).latest("pk"),
                committee=world["w1"],
            ).pk,
            "session_id": StudySession.objects.create(
                org=world["w1"],
                held_on=dt.date(2026, 11, 5),
                topic="学习全会精神",
                host=second.person,
                minutes=120,
                summary="原文学习",
            ).pk,
            "round_id": review_round.pk,
            "reporter_id": ReviewReporter.objects.create(
                org=world["b1"], round=review_round, secretary_name="刘书记"
            ).pk,
            "list_id": problem_list.pk,
            "walk_id": WalkFactory(leader=LeaderFactory(org=world["d1"], person=second.person)).pk,
        },
        "outsider": outsider,
    }


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method.upper(), path


def fill(path: str, values: dict) -> str:
    for key, value in values.items():
        path = path.replace("{" + key + "}", str(value))
    return path


# What an outsider (a dispatcher of the other street) gets from endpoints without a path id.
OUTSIDER_LISTS = {
    ("GET", "/api/v1/me"): 200,
    ("GET", "/api/v1/categories"): 200,
    ("GET", "/api/v1/orgs"): 200,
    ("GET", "/api/v1/tokens"): 200,
    ("POST", "/api/v1/tokens"): 422,  # empty body: schema error, nothing created for anyone else
    ("GET", "/api/v1/evaluation"): 403,
    ("GET", "/api/v1/webhooks"): 200,
    ("POST", "/api/v1/webhooks"): 422,
    ("GET", "/api/v1/cases"): 200,
    ("GET", "/api/v1/party/orgs"): 200,
    ("GET", "/api/v1/party/meetings"): 200,
    ("POST", "/api/v1/party/meetings"): 422,
    ("POST", "/api/v1/party/talks"): 404,  # a well-formed talk for another street's branch
    ("GET", "/api/v1/party/dues/reductions"): 200,  # nothing awaits the outsider's decision
    ("POST", "/api/v1/cases"): 422,
    ("GET", "/api/v1/workplan/plans"): 200,
    ("GET", "/api/v1/workplan/tasks"): 200,
    ("GET", "/api/v1/workplan/tasks.csv"): 200,
    ("GET", "/api/v1/villages/decisions"): 200,
    ("POST", "/api/v1/villages/decisions"): 422,
    ("GET", "/api/v1/party/development/submissions"): 200,  # nothing submitted to the outsider
    ("POST", "/api/v1/party/signin"): 422,  # empty body; a member signs in only for themselves
    ("POST", "/api/v1/party/study-group/sessions"): 422,
    ("GET", "/api/v1/party/duty-review/rounds"): 200,  # nothing of the other street's rounds
    ("GET", "/api/v1/party/duty-review/problems"): 200,
    ("GET", "/api/v1/rectify/items"): 200,
    ("POST", "/api/v1/rectify/lists"): 422,
    ("GET", "/api/v1/walks/checklist"): 200,  # the same checklist for everyone
    ("POST", "/api/v1/walks"): 422,
}


def test_every_endpoint_needs_authentication(scene):
    anonymous = Client()
    seen = 0
    for method, path in operations():
        url = fill(path, scene["values"])
        response = (
            anonymous.get(url)
            if method == "GET"
            else anonymous.post(url, {}, content_type="application/json")
        )
        assert response.status_code == 401, (method, path, response.status_code)
        body = response.json()
        assert body["code"] == "unauthenticated" and body["message"] and "field" in body
        seen += 1
    assert seen >= 25


def valid_bodies(world, category) -> dict:
    """A well-formed body per action, so the outsider's 404 comes from scoping, not the schema."""
    return {
        "reveal-phone": {"reason": "回访"},
        "register": {"category": category.pk},
        "verify": {"confirmed": True, "note": "属实"},
        "/api/v1/workplan/tasks/{task_id}/verify": {"accept": True, "note": "属实"},
        "/api/v1/party/talks/{talk_id}/corrections": {"reason": "更正"},
        "/api/v1/villages/decisions/{decision_id}/steps/{step_id}/corrections": {"reason": "更正"},
        "reject": {"reason": "不受理"},
        "dispatch": {"lead_unit": world["d1"].pk},
        "adjudicate": {"upheld": False, "note": "不成立"},
        "check": {"passed": True},
        "rate": {"resolved": True, "satisfaction": "satisfied"},
        "return": {"reason": "other", "note": "退回"},
        "feedback": {"text": "已处理"},
        "extension": {"days": 2, "reason": "材料未到"},
        "parking": {"until": "2027-06-30", "reason": "纳入改造计划"},
        "rehandle": {"reason": "未解决"},
        "exclusion": {"reason": "诉求不合理"},
        "decide": {"approve": True},
        "summon": {"units": [world["d2"].pk], "note": "联合处置"},
        "report-in": {"note": "已报到"},
        "merge": {"into": "YL20260101-0001", "reason": "重复"},
        "public": {"public": False, "reason": "隐私"},
        "reports": {"percent": 50, "done_text": "已推进"},
        "corrections": {"reason": "日期有误", "topic": "改"},
        "void": {"reason": "误录"},
        "talks": {  # POST /party/talks (the GET …/orgs/{org_id}/talks sends no body)
            "org": world["b1"].pk,
            "held_on": "2026-11-20",
            "initiator": 1,
            "other": 2,
            "summary": "交流思想和工作情况,听取意见建议。",
        },
        "payments": {
            "first_month": "2026-10",
            "last_month": "2026-10",
            "proxy_name": "王某",
            "proxy_relation": "配偶",
        },
        "decision": {"approve": True, "note": "同意"},
        "/api/v1/party/development/applicants/{applicant_id}/steps": {"number": 2, "done_on": "2026-09-10"},
        "/api/v1/party/development/applicants/{applicant_id}/submissions": {
            "number": 4,
            "submitted_on": "2026-09-10",
        },
        "/api/v1/party/duty-review/reporters/{reporter_id}/sheet": {"scores": [{"code": "x", "score": 90}]},
        "/api/v1/walks/{walk_id}/problems": {"description": "窗口只开一个"},
        "steps": {
            "kind": "consultation",
            "held_on": "2026-09-03",
            "votes": {"expected": 7, "present": 7, "yes": 7},
        },
    }


def test_outsider_gets_404_or_nothing_on_every_endpoint(scene, world, category):
    outsider = scene["outsider"]
    bodies = valid_bodies(world, category)
    before = scene["case"].status
    for method, path in operations():
        url = fill(path, scene["values"])
        body = bodies.get(path) or bodies.get(path.rsplit("/", 1)[-1], {})
        response = outsider.get(url) if method == "GET" else outsider.post(url, body)
        if "{" in path and path != "/api/v1/cases.{fmt}":
            assert response.status_code == 404, (method, path, response.status_code, response.content[:200])
            assert response.json()["code"] == "not_found"
            continue
        if path == "/api/v1/cases.{fmt}":
            assert response.status_code == 200
            assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 1
            continue
        assert (method, path) in OUTSIDER_LISTS, f"add {method} {path} to the scoping matrix"
        assert response.status_code == OUTSIDER_LISTS[(method, path)], (method, path, response.content[:200])
    number = scene["case"].number
    scene["case"].refresh_from_db()
    assert scene["case"].status == before
    assert outsider.get("/api/v1/cases").json()["items"] == []
    assert [t["name"] for t in outsider.get("/api/v1/tokens").json()] == ["测试令牌"]  # only its own
    assert outsider.get("/api/v1/webhooks").json() == []
    names = {o["name"] for o in outsider.get("/api/v1/orgs").json()}
    assert "望月湖街道" not in names and "岳麓街道" in names
    assert number not in outsider.get("/api/v1/cases", {"q": number}).content.decode()
    assert outsider.get("/api/v1/workplan/plans").json() == []
    assert outsider.get("/api/v1/workplan/tasks").json() == []
    ledger = b"".join(outsider.get("/api/v1/workplan/tasks.csv").streaming_content).decode("utf-8-sig")
    assert len(ledger.strip().splitlines()) == 1  # the header only
    task = Task.objects.get(pk=scene["values"]["task_id"])
    assert (task.reports_count, task.state) == (1, "active")  # the outsider's report/verify did nothing
    assert outsider.get("/api/v1/villages/decisions").json() == []
    assert Decision.objects.get(pk=scene["values"]["decision_id"]).done_steps == 1
    talk = Talk.objects.get(pk=scene["values"]["talk_id"])
    assert talk.live and talk.summary == "谈思想谈工作" * 3  # the outsider's correction/void did nothing
    assert not Talk.objects.exclude(pk=talk.pk).exists()
    assert outsider.get("/api/v1/party/dues/reductions").json() == []
    assert DuesReduction.objects.get(pk=scene["values"]["reduction_id"]).state == "reported"
    assert not DuesPayment.objects.exists()
    assert outsider.get("/api/v1/party/duty-review/rounds").json() == []
    assert outsider.get("/api/v1/party/duty-review/problems").json() == []
    assert outsider.get("/api/v1/rectify/items").json() == []
    assert Walk.objects.get(pk=scene["values"]["walk_id"]).problems.count() == 0


def test_resident_without_roles_sees_only_own_cases(world, api_for):
    from tests.factories import UserFactory

    resident = UserFactory(username="jumin")
    mine = new_case(world, actor=resident, reporter_phone="13912345678")
    new_case(world)
    client = api_for(resident)
    assert [c["number"] for c in client.get("/api/v1/cases").json()["items"]] == [mine.number]


# ---------------------------------------------------------------------------------------------
# Error contract


def test_400_unparseable_body_and_bad_idempotency_key(world, actors, api_for):
    client = api_for(actors["dispatcher"])
    response = client.client.post(
        "/api/v1/cases", data="{not json", content_type="application/json", headers=client._headers({})
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    payload = {"description": "x", "area": world["c1"].pk}
    long_key = client.post("/api/v1/cases", payload, headers={"Idempotency-Key": "k" * 300})
    assert long_key.status_code == 400 and long_key.json()["field"] == "Idempotency-Key"


def test_401_for_bad_and_revoked_tokens(actors):
    token, raw = api_services.issue_token(owner=actors["dispatcher"], name="t", actor=SYSTEM)
    assert ApiClient(raw=raw).get("/api/v1/me").status_code == 200
    assert ApiClient(raw=raw + "x").get("/api/v1/me").status_code == 401
    api_services.revoke_token(token, actor=SYSTEM)
    response = ApiClient(raw=raw).get("/api/v1/me")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_403_service_refusal_and_csrf(world, actors, category, api_for):
    case = new_case(world)
    # The supervisor sees the case but may not register it: the service refuses.
    response = api_for(actors["supervisor"]).post(
        f"/api/v1/cases/{case.number}/register", {"category": category.pk}
    )
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "您没有受理该事项的权限", "field": None}
    # Session auth: GET works, unsafe methods need the CSRF token.
    session = Client(enforce_csrf_checks=True)
    session.force_login(actors["dispatcher"])
    assert session.get("/api/v1/me").status_code == 200
    refused = session.post(
        f"/api/v1/cases/{case.number}/register",
        json.dumps({"category": category.pk}),
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    session.get("/api/tokens/")  # sets the CSRF cookie
    csrf = session.cookies["csrftoken"].value
    accepted = session.post(
        f"/api/v1/cases/{case.number}/register",
        json.dumps({"category": category.pk}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 200, accepted.content


def test_404_unknown_case(actors, api_for):
    response = api_for(actors["dispatcher"]).get("/api/v1/cases/YL00000000-9999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_409_when_the_state_moved(world, actors, category, api_for):
    client = api_for(actors["dispatcher"])
    case = new_case(world)
    first = client.post(
        f"/api/v1/cases/{case.number}/register", {"category": category.pk, "expected_status": "reported"}
    )
    assert first.status_code == 200
    again = client.post(
        f"/api/v1/cases/{case.number}/register", {"category": category.pk, "expected_status": "reported"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict" and "状态已变化" in again.json()["message"]


def test_422_schema_and_business_rule(world, actors, category, api_for):
    client = api_for(actors["dispatcher"])
    missing = client.post("/api/v1/cases", {"area": world["c1"].pk})
    assert missing.status_code == 422
    assert missing.json() == {
        "code": "invalid",
        "message": "字段“description”为必填项",
        "field": "description",
    }
    wrong_type = client.get("/api/v1/cases", {"limit": "many"})
    assert wrong_type.status_code == 422 and wrong_type.json()["field"] == "limit"
    case = new_case(world)
    parent = category.parent
    rule = client.post(f"/api/v1/cases/{case.number}/register", {"category": parent.pk})
    assert rule.status_code == 422
    assert rule.json() == {"code": "rule_violation", "message": "请选择有效的小类", "field": "category"}
    bad_photo = client.post(
        "/api/v1/cases",
        {
            "description": "x",
            "area": world["c1"].pk,
            "photos": [{"filename": "a.jpg", "content_base64": "@@"}],
        },
    )
    # Not Base64 at all: the schema's pattern refuses it (the field named precisely).
    assert bad_photo.status_code == 422 and bad_photo.json()["field"] == "content_base64"
    not_image = client.post(
        "/api/v1/cases",
        {
            "description": "x",
            "area": world["c1"].pk,
            "photos": [{"filename": "a.jpg", "content_base64": "aGVsbG8="}],
        },
    )
    assert not_image.status_code == 422 and "不是有效的图片" in not_image.json()["message"]


def test_429_per_token_with_retry_after(settings, actors, api_for):
    settings.LUOSHI_API_RATE = "3/min"
    client = api_for(actors["dispatcher"])
    other = api_for(actors["community"])
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/me")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/api/v1/me").status_code == 200  # per token, not global


def test_429_per_ip_for_failed_authentication(settings):
    settings.LUOSHI_API_ANON_RATE = "2/min"
    anonymous = ApiClient(raw="ls_guess_wrong")
    statuses = [anonymous.get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_webhook_subscription_needs_change_or_dispatch(world, actors, api_for):
    handler = api_for(actors["handler"])  # view + handle only
    response = handler.post("/api/v1/webhooks", {"org": world["d1"].pk, "url": "http://127.0.0.1:9/x"})
    assert response.status_code == 403
    client = api_for(actors["dispatcher"])
    bad = client.post("/api/v1/webhooks", {"org": world["s1"].pk, "url": "ftp://x"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    unknown = client.post(
        "/api/v1/webhooks", {"org": world["s1"].pk, "url": "http://x.example/h", "events": ["nope"]}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "events"
    assert not WebhookSubscription.objects.exists()


def test_outsider_of_other_district_supervisor(world, actors, api_for):
    outsider = grant(world, "dudao_other", Role.SUPERVISOR, "other")
    rows = api_for(outsider).get("/api/v1/evaluation").json()["rows"]
    assert rows == []


def test_case_suggestions_for_dispatchers_only(world, actors, category, api_for):
    """GET /cases/{number}/suggestions (智能辅助): the dispatcher's panel as JSON; a handler of the
    case's unit sees the case but not the suggestions; outsiders get 404 (matrix above)."""

    ResponsibilityFactory(org=world["district"], category=category, unit=world["d1"])
    case = new_case(world)
    body = api_for(actors["dispatcher"]).get(f"/api/v1/cases/{case.number}/suggestions").json()
    assert body["categories"][0]["category"]["code"] == "0301" and body["categories"][0]["words"]
    assert body["units"][0]["unit"]["id"] == world["d1"].pk
    assert any("责任清单" in r for r in body["units"][0]["reasons"])
    assert body["duplicates"] == []
    case = walk(case, actors, world, category, "dispatched")
    response = api_for(actors["handler"]).get(f"/api/v1/cases/{case.number}/suggestions")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
