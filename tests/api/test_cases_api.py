"""The cases REST API: end-to-end lifecycle, list filters, cursor pagination, idempotency, export,
photos and evaluation — all through HTTP only."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import Case
from tests.factories import CaseAttachmentFactory

from .conftest import new_case, photo_b64, walk

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_create_follow_and_close_a_case_through_the_api_only(world, actors, category, api_for):
    """The "done when" journey: a dispatcher's client creates a case, the department's client
    signs and reports, the community's client checks and closes, the caller rates it."""
    dispatcher = api_for(actors["dispatcher"])
    handler = api_for(actors["handler"])
    community = api_for(actors["community"])

    created = dispatcher.post(
        f"{BASE}/cases",
        {
            "channel": "hotline",
            "description": "望月湖小区3栋门口垃圾堆积,气味很大",
            "area": world["c1"].pk,
            "reporter_name": "张三",
            "reporter_phone": "13912345678",
            "photos": [{"filename": "scene.png", "content_base64": photo_b64()}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert body["status"] == "reported"
    assert body["reporter"] == "张*"  # masked, never the phone
    assert "13912345678" not in created.content.decode()
    assert len(body["attachments"]) == 1

    photo = dispatcher.get(body["attachments"][0]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"

    step = dispatcher.post(
        f"{BASE}/cases/{number}/register", {"category": category.pk, "expected_status": "reported"}
    )
    assert step.status_code == 200, step.content
    assert step.json()["status"] == "registered"

    units = {u["name"]: u["id"] for u in dispatcher.get(f"{BASE}/cases/{number}/handling-units").json()}
    assert "区城市管理和综合执法局" in units and "东城区城管委" not in units
    step = dispatcher.post(
        f"{BASE}/cases/{number}/dispatch",
        {
            "lead_unit": units["区城市管理和综合执法局"],
            "co_units": [world["c1"].pk],
            "instructions": "请当日清运",
        },
    )
    assert step.status_code == 200, step.content
    detail = step.json()
    assert detail["status"] == "dispatched" and detail["lead_unit"]["id"] == world["d1"].pk

    # The department finds it in its queue by unit filter and signs its lead assignment.
    queue = handler.get(f"{BASE}/cases", {"unit": world["d1"].pk, "status": "dispatched"}).json()
    assert [c["number"] for c in queue["items"]] == [number]
    lead = next(a for a in handler.get(f"{BASE}/cases/{number}").json()["assignments"] if a["role"] == "lead")
    assert handler.post(f"{BASE}/cases/{number}/assignments/{lead['id']}/sign").status_code == 200
    step = handler.post(
        f"{BASE}/cases/{number}/assignments/{lead['id']}/feedback",
        {
            "text": "已清运,现场已清洁",
            "photos": [{"filename": "done.png", "content_base64": photo_b64((0, 200, 0))}],
        },
    )
    assert step.status_code == 200, step.content
    assert step.json()["status"] == "fed_back"

    step = community.post(f"{BASE}/cases/{number}/check", {"passed": True, "expected_status": "fed_back"})
    assert step.status_code == 200, step.content
    assert step.json()["status"] == "closed"

    step = dispatcher.post(
        f"{BASE}/cases/{number}/rate", {"resolved": True, "satisfaction": "satisfied", "contacted": True}
    )
    assert step.status_code == 200, step.content

    final = dispatcher.get(f"{BASE}/cases/{number}").json()
    actions = [e["action"] for e in final["timeline"]]
    assert actions == [
        "case.reported",
        "case.registered",
        "case.dispatched",
        "case.signed",
        "case.fed_back",
        "case.closed",
        "case.rated",
    ]
    assert final["rating"]["satisfaction"] == "satisfied"
    assert {a["stage"] for a in final["attachments"]} == {"report", "feedback"}
    # Every step went through the services: one audit event each, with the acting user.
    events = AuditEvent.objects.filter(
        subject_type="cases.case", subject_id=str(Case.objects.get(number=number).pk)
    )
    assert events.filter(actor=actors["handler"], action="case.fed_back").exists()


def test_verification_reject_return_and_adjudicate_endpoints(world, actors, category, api_for):
    dispatcher = api_for(actors["dispatcher"])
    handler = api_for(actors["handler"])
    community = api_for(actors["community"])

    case = new_case(world)
    r = dispatcher.post(f"{BASE}/cases/{case.number}/request-verification", {"note": "请核实"})
    assert r.status_code == 200 and r.json()["status"] == "verifying"
    r = community.post(f"{BASE}/cases/{case.number}/verify", {"confirmed": True, "note": "属实"})
    assert r.status_code == 200 and r.json()["status"] == "reported"

    other = new_case(world, description="楼道里堆了杂物")
    r = dispatcher.post(f"{BASE}/cases/{other.number}/reject", {"reason": "不属于受理范围"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"

    walk(case, actors, world, category, "dispatched")
    lead = Case.objects.get(pk=case.pk).assignments.get(role="lead")
    r = handler.post(
        f"{BASE}/cases/{case.number}/assignments/{lead.pk}/return",
        {"reason": "not_our_duty", "note": "应由教育局处理"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "returned"
    assert r.json()["suggested_units"] is not None
    r = dispatcher.post(
        f"{BASE}/cases/{case.number}/adjudicate",
        {"upheld": True, "note": "改派", "lead_unit": world["d2"].pk},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "dispatched" and r.json()["lead_unit"]["id"] == world["d2"].pk


def test_list_filters(world, actors, category, api_for):
    client = api_for(actors["dispatcher"])
    a = new_case(world, description="湖东社区路灯不亮")
    b = new_case(world, description="湖西社区井盖缺失", area=world["c2"])
    walk(b, actors, world, category, "dispatched")
    new_case(world, description="岳麓街道的事项", area=world["c3"])  # outside the dispatcher's street

    def numbers(**params):
        r = client.get(f"{BASE}/cases", params)
        assert r.status_code == 200, r.content
        return {c["number"] for c in r.json()["items"]}

    assert numbers() == {a.number, b.number}
    assert numbers(status="dispatched") == {b.number}
    assert numbers(status="reported,dispatched") == {a.number, b.number}
    assert numbers(area=world["c2"].pk) == {b.number}
    assert numbers(unit=world["d1"].pk) == {b.number}
    assert numbers(category=category.parent_id) == {b.number}
    assert numbers(q="路灯") == {a.number}
    today = timezone.localdate()
    assert numbers(created_from=today.isoformat(), created_to=today.isoformat()) == {a.number, b.number}
    assert numbers(created_to=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert numbers(overdue="true") == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert numbers(overdue="true") == {a.number, b.number}
    bad = client.get(f"{BASE}/cases", {"status": "nonsense"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"


def test_cursor_pagination_walks_every_case_once_in_order(world, actors, api_for):
    client = api_for(actors["dispatcher"])
    moment = timezone.now()
    made = []
    for i in range(7):
        # Two cases share each timestamp: the keyset must break ties on id.
        with time_machine.travel(moment - dt.timedelta(minutes=i // 2), tick=False):
            made.append(new_case(world, description=f"第{i}件"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{BASE}/cases", params).json()
        seen += [c["number"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = [c.number for c in sorted(made, key=lambda c: (c.created_at, c.pk), reverse=True)]
    assert seen == expected and pages == 3
    assert client.get(f"{BASE}/cases", {"cursor": "!!not-a-cursor"}).status_code == 400


def test_idempotency_key_returns_the_same_case(world, actors, api_for):
    client = api_for(actors["dispatcher"])
    payload = {
        "channel": "hotline",
        "description": "路面塌陷",
        "area": world["c1"].pk,
        "reporter_phone": "13912345678",
    }
    key = {"Idempotency-Key": "5b7c0c4e-retry-1"}
    first = client.post(f"{BASE}/cases", payload, headers=key)
    second = client.post(f"{BASE}/cases", payload, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.filter(description="路面塌陷").count() == 1
    # Same key, different body: refused; another user's identical key is independent.
    changed = client.post(f"{BASE}/cases", {**payload, "description": "别的事"}, headers=key)
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_mismatch"
    other = api_for(actors["community"]).post(f"{BASE}/cases", payload, headers=key)
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    # A failed create does not burn the key: fixing the body and retrying works.
    bad = client.post(f"{BASE}/cases", {**payload, "description": " "}, headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 422
    good = client.post(
        f"{BASE}/cases", {**payload, "description": "修好的描述"}, headers={"Idempotency-Key": "k2"}
    )
    assert good.status_code == 201


def test_export_streams_csv_and_ndjson_without_personal_data(world, actors, category, api_for):
    client = api_for(actors["dispatcher"])
    for i in range(3):
        new_case(world, description=f"导出测试{i}")
    new_case(world, description="别的街道", area=world["c3"])
    csv_response = client.get(f"{BASE}/cases.csv")
    assert csv_response.status_code == 200 and csv_response.streaming
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("事项编号,") and len(lines) == 4
    assert "13912345678" not in text and "张三" not in text
    nd = client.get(f"{BASE}/cases.ndjson", {"q": "导出测试1"})
    rows = [json.loads(line) for line in b"".join(nd.streaming_content).decode().splitlines()]
    assert [r["title"] for r in rows] == ["导出测试1"]
    assert client.get(f"{BASE}/cases.xlsx").status_code == 404


def test_attachment_download_is_scoped(world, actors, api_for):
    case = new_case(world)
    CaseAttachmentFactory(case=case, stage="report", file="cases/x.jpg")
    attachment = case.attachments.get()
    outsider = api_for(actors["other_dispatcher"])
    r = outsider.get(f"{BASE}/cases/{case.number}/attachments/{attachment.pk}")
    assert r.status_code == 404
    missing_file = api_for(actors["dispatcher"]).get(
        f"{BASE}/cases/{case.number}/attachments/{attachment.pk}"
    )
    assert missing_file.status_code == 404


def test_reveal_phone_is_audited_and_needs_callback(world, actors, api_for):
    case = new_case(world)
    r = api_for(actors["dispatcher"]).post(f"{BASE}/cases/{case.number}/reveal-phone", {"reason": "回访"})
    assert r.status_code == 200 and r.json()["phone"] == "13912345678"
    assert AuditEvent.objects.filter(action=services.REPORTER_VIEWED, actor=actors["dispatcher"]).exists()
    r = api_for(actors["community"]).post(f"{BASE}/cases/{case.number}/reveal-phone", {"reason": "回访"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_evaluation_table_for_supervisors_only(world, actors, category, api_for):
    case = new_case(world)
    walk(case, actors, world, category, "closed")
    month = timezone.localdate().strftime("%Y-%m")
    r = api_for(actors["supervisor"]).get(f"{BASE}/evaluation", {"month": month, "group": "department"})
    assert r.status_code == 200, r.content
    rows = r.json()["rows"]
    assert [row["unit"]["name"] for row in rows] == ["区城市管理和综合执法局"]
    assert rows[0]["closed"] == 1 and rows[0]["rates"]["on_time"] == 1.0
    assert api_for(actors["dispatcher"]).get(f"{BASE}/evaluation").status_code == 403
    assert api_for(actors["supervisor"]).get(f"{BASE}/evaluation", {"group": "x"}).status_code == 422


def test_reference_endpoints(world, actors, api_for):
    client = api_for(actors["dispatcher"])
    me = client.get(f"{BASE}/me").json()
    assert me["username"] == "jiedao" and "dispatch" in me["actions"] and me["token"]
    cats = client.get(f"{BASE}/categories", {"public_only": "true"}).json()
    assert cats and all(c["accepts_public"] for c in cats)
    orgs = client.get(f"{BASE}/orgs", {"kind": "community"}).json()
    assert {o["name"] for o in orgs} == {"湖东社区", "湖西社区"}
    assert all(o["parent_id"] == world["s1"].pk for o in orgs)


def test_requests_whistle_merge_and_public_endpoints(world, actors, category, api_for):
    dispatcher = api_for(actors["dispatcher"])
    handler = api_for(actors["handler"])
    supervisor = api_for(actors["supervisor"])
    case = walk(new_case(world), actors, world, category, "handling")

    # 延期: the lead unit asks, the dispatch centre approves; the deadline moves.
    r = handler.post(f"{BASE}/cases/{case.number}/extension", {"days": 40, "reason": "x"})
    assert r.status_code == 422 and r.json()["field"] == "days"
    r = handler.post(f"{BASE}/cases/{case.number}/extension", {"days": 2, "reason": "材料未到"})
    assert r.status_code == 200, r.content
    request = r.json()["requests"][0]
    assert (request["kind"], request["status"], request["days"]) == ("extension", "pending", 2)
    before = r.json()["handle_due_at"]
    decide = f"{BASE}/cases/{case.number}/requests/{request['id']}/decide"
    assert handler.post(decide, {"approve": True}).status_code == 403  # not one's own request
    r = dispatcher.post(decide, {"approve": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["requests"][0]["status"] == "approved"
    assert r.json()["handle_due_at"] > before and r.json()["extended_days"] == 2
    assert dispatcher.post(decide, {"approve": False, "note": "x"}).status_code == 409

    # 吹哨报到: the street summons 区教育局, whose handler reports in.
    r = dispatcher.post(f"{BASE}/cases/{case.number}/summon", {"units": [world["d2"].pk], "note": "联合处置"})
    assert r.status_code == 200, r.content
    summoned = next(a for a in r.json()["assignments"] if a["role"] == "summoned")
    r = api_for(actors["other_handler"]).post(
        f"{BASE}/cases/{case.number}/assignments/{summoned['id']}/report-in", {"note": "已到场"}
    )
    assert r.status_code == 200, r.content
    assert next(a for a in r.json()["assignments"] if a["id"] == summoned["id"])["status"] == "signed"

    # Merge a duplicate into the case; unknown numbers are a field error.
    duplicate = new_case(world, description="门口垃圾还是没人清")
    r = dispatcher.post(f"{BASE}/cases/{duplicate.number}/merge", {"into": "YL00000000-0000", "reason": "x"})
    assert r.status_code == 422 and r.json()["field"] == "into"
    r = dispatcher.post(f"{BASE}/cases/{duplicate.number}/merge", {"into": case.number, "reason": "重复"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["merged_into"]) == ("merged", case.number)
    assert dispatcher.get(f"{BASE}/cases/{case.number}").json()["merged_cases"] == [duplicate.number]

    # Public flag; the exclusion request is decided by the supervision office.
    r = dispatcher.post(f"{BASE}/cases/{case.number}/public", {"public": False, "reason": "涉及隐私"})
    assert r.status_code == 200 and r.json()["is_public"] is False
    r = dispatcher.post(f"{BASE}/cases/{case.number}/exclusion", {"reason": "诉求于法无据"})
    exclusion = next(q for q in r.json()["requests"] if q["kind"] == "exclusion")
    decide = f"{BASE}/cases/{case.number}/requests/{exclusion['id']}/decide"
    r = supervisor.post(decide, {"approve": True, "note": "属实"})
    assert r.status_code == 200 and r.json()["excluded_from_evaluation"] is True


def test_an_action_that_moves_the_case_out_of_view_answers_only_number_and_status(
    world, actors, category, api_for, monkeypatch
):
    """After an action the caller can no longer see the case (here: the dispatcher re-assigns it
    at the same moment), the API answers like the page, which goes back to the list: 200 with the
    number and the new status only (``visible: false``), never an unscoped detail; a GET is 404."""
    case = walk(new_case(world), actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    sign = services.sign_assignment

    def sign_then_reassigned(assignment, *, actor):
        signed = sign(assignment, actor=actor)
        case.assignments.filter(org=world["d1"]).update(status="cancelled")
        return signed

    monkeypatch.setattr(services, "sign_assignment", sign_then_reassigned)
    handler = api_for(actors["handler"])
    response = handler.post(f"{BASE}/cases/{case.number}/assignments/{lead.pk}/sign")
    assert response.status_code == 200
    assert response.json() == {
        "number": case.number,
        "status": "handling",
        "status_label": "处置中",
        "visible": False,
    }
    assert handler.get(f"{BASE}/cases/{case.number}").status_code == 404


def test_actions_answer_what_the_caller_may_do_now(world, actors, category, api_for):
    case = new_case(world)
    actions = api_for(actors["dispatcher"]).get(f"{BASE}/cases/{case.number}/actions").json()
    assert [a["action"] for a in actions] == ["register", "request_verification", "reject", "merge", "public"]
    assert actions[0] == {
        "action": "register",
        "label": "立案",
        "method": "POST",
        "endpoint": f"/api/v1/cases/{case.number}/register",
        "assignment": None,
    }
    case = walk(case, actors, world, category, "dispatched")
    lead = case.assignments.get(role="lead")
    actions = api_for(actors["handler"]).get(f"{BASE}/cases/{case.number}/actions").json()
    assert {(a["action"], a["assignment"]) for a in actions} == {("sign", lead.pk), ("return", lead.pk)}
    assert api_for(actors["other_dispatcher"]).get(f"{BASE}/cases/{case.number}/actions").status_code == 404


def test_ticket_number_through_the_api(world, actors, api_for):
    """The 12345 工单号: given on create, searchable with ``q``, exported, refused twice."""
    dispatcher = api_for(actors["dispatcher"])
    payload = {
        "channel": "hotline",
        "description": "路灯不亮",
        "area": world["c1"].pk,
        "ticket_number": "GD2026120700042",
    }
    created = dispatcher.post(f"{BASE}/cases", payload)
    assert created.status_code == 201, created.content
    assert created.json()["ticket_number"] == "GD2026120700042"
    again = dispatcher.post(f"{BASE}/cases", payload)
    assert again.status_code == 422 and again.json()["field"] == "ticket_number"
    found = dispatcher.get(f"{BASE}/cases", {"q": "GD2026120700042"}).json()["items"]
    assert [c["number"] for c in found] == [created.json()["number"]]
    export = b"".join(dispatcher.get(f"{BASE}/cases.csv").streaming_content).decode()
    assert "12345工单号" in export and "GD2026120700042" in export
