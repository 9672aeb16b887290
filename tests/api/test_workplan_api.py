"""Key-task supervision (督查督办) through the API only: a lead unit reports with evidence, the
supervision office sends back and then accepts; refusals carry the status and field of the
error contract; lists, the task tree and the 台账 are scoped like the pages."""

import base64
import datetime as dt

import pytest

from audit.models import AuditEvent
from tests.factories import UserFactory, make_org
from workplan import selectors
from workplan import services as wp
from workplan.models import Evidence, ReportStatus, Task, TaskState

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workplan"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def plan(world, actors, settings, tmp_path):
    """An approved plan of the district's supervision office: task 1 (led by d1, co-unit s1) with
    sub-task 1.1 (led by d1) and 1.2 (led by d2), and an overdue task 2 (led by d2)."""
    settings.MEDIA_ROOT = tmp_path
    office = make_org(world["district"], "department", "区委督查室", short_name="督查室")
    dudao = actors["supervisor"]
    plan = wp.create_plan(actor=dudao, owner=office, title="2026年区委重点工作")
    today = selectors.today()
    common = {"actor": dudao, "start_on": today, "evidence_kinds": ["文件", "照片"]}
    parent = wp.create_task(
        plan,
        title="推进背街小巷环境整治",
        lead_unit=world["d1"],
        deadline=today + dt.timedelta(days=200),
        **common,
    )
    leaf = wp.create_task(
        plan,
        parent=parent,
        title="完成12条背街小巷改造",
        lead_unit=world["d1"],
        co_units=[world["s1"]],
        deadline=today + dt.timedelta(days=120),
        **common,
    )
    other = wp.create_task(
        plan,
        parent=parent,
        title="建立长效保洁机制",
        lead_unit=world["d2"],
        deadline=today + dt.timedelta(days=120),
        **common,
    )
    late = wp.create_task(
        plan,
        title="老旧小区加装电梯",
        lead_unit=world["d2"],
        deadline=today - dt.timedelta(days=3),
        **{**common, "start_on": today - dt.timedelta(days=30)},
    )
    wp.approve_plan(plan, actor=dudao)
    return {"plan": plan, "parent": parent, "leaf": leaf, "other": other, "late": late}


def test_unit_reports_with_evidence_and_office_verifies(plan, world, actors, api_for):
    unit = api_for(actors["handler"])  # 部门经办人 of d1, the lead unit
    office = api_for(actors["supervisor"])
    leaf = plan["leaf"]
    url = f"{BASE}/tasks/{leaf.pk}"

    # The unit sees its task on the board, with the co-unit and the computed status.
    mine = unit.get(f"{BASE}/tasks").json()
    assert leaf.pk in {t["id"] for t in mine} and plan["late"].pk not in {t["id"] for t in mine}
    row = next(t for t in mine if t["id"] == leaf.pk)
    assert row["co_units"] == [{"id": world["s1"].pk, "name": world["s1"].name}]
    assert row["lead_unit"]["id"] == world["d1"].pk and row["parent_id"] == plan["parent"].pk
    assert (row["status"], row["status_label"]) == ("not_started", "未启动")

    progress = unit.post(
        f"{url}/reports",
        {
            "percent": 40,
            "done_text": "已完成5条背街小巷改造",
            "problems": "部分管线迁改滞后",
            "next_steps": "协调供水公司",
            "evidence": [{"kind": "照片", "filename": "现场.pdf", "content_base64": b64(PDF)}],
        },
    )
    assert progress.status_code == 201, progress.content
    body = progress.json()
    assert body["progress"] == 40 and body["status"] == "in_progress"
    assert body["reports"][0]["problems"] == "部分管线迁改滞后"
    evidence = body["reports"][0]["evidence"][0]
    assert (evidence["kind"], evidence["name"], evidence["size"]) == ("照片", "现场.pdf", len(PDF))
    download = unit.get(evidence["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    # Completion with the evidence the task asks for → 待核验, the parent rolls up.
    done = unit.post(
        f"{url}/reports",
        {
            "percent": 100,
            "done_text": "12条背街小巷全部改造完成",
            "complete": True,
            "evidence": [{"kind": "文件", "filename": "验收报告.pdf", "content_base64": b64(PDF)}],
        },
    )
    assert done.status_code == 201, done.content
    assert (done.json()["status"], done.json()["status_label"]) == ("pending_verify", "待核验")
    waiting = office.get(f"{BASE}/tasks", {"status": "pending_verify"}).json()
    assert [t["id"] for t in waiting] == [leaf.pk]

    # The office sends it back with a reason: progress returns to the last value.
    back = office.post(f"{url}/verify", {"accept": False, "note": "缺少竣工验收照片"})
    assert back.status_code == 200, back.content
    assert back.json()["state"] == "active" and back.json()["progress"] == 40
    assert back.json()["reports"][0]["status"] == ReportStatus.RETURNED
    assert back.json()["reports"][0]["verify_note"] == "缺少竣工验收照片"

    again = unit.post(
        f"{url}/reports",
        {
            "percent": 100,
            "done_text": "补充竣工验收照片",
            "complete": True,
            "evidence": [{"kind": "照片", "filename": "验收.pdf", "content_base64": b64(PDF)}],
        },
    )
    assert again.status_code == 201, again.content
    accepted = office.post(f"{url}/verify", {"accept": True, "note": "材料齐全"})
    assert accepted.status_code == 200, accepted.content
    detail = accepted.json()
    assert (detail["status"], detail["status_label"]) == ("done", "已办结")
    assert [e["action"] for e in detail["timeline"]] == [
        "workplan.task_created",
        "workplan.progress_reported",
        "workplan.completion_reported",
        "workplan.completion_returned",
        "workplan.completion_reported",
        "workplan.completion_verified",
    ]
    assert detail["timeline"][-1]["label"] == "核验通过,办结"
    assert Evidence.objects.filter(task=leaf).count() == 3
    assert (
        AuditEvent.objects.for_subject(Task.objects.get(pk=leaf.pk))
        .filter(actor=actors["supervisor"])
        .count()
        == 3
    )
    leaf.refresh_from_db()
    assert leaf.state == TaskState.DONE


def test_refusals_follow_the_error_contract(plan, world, actors, api_for):
    leaf = plan["leaf"]
    url = f"{BASE}/tasks/{leaf.pk}"
    unit = api_for(actors["handler"])
    report = {"percent": 30, "done_text": "推进中"}

    # The co-unit (street s1) sees the task but may not report for the lead unit: 403.
    co_unit = api_for(actors["dispatcher"])
    assert co_unit.get(url).status_code == 200
    refused = co_unit.post(f"{url}/reports", report)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert world["d1"].name in refused.json()["message"]
    # A unit not on the task does not even see it: 404.
    stranger = api_for(actors["other_handler"])
    assert stranger.post(f"{url}/reports", report).status_code == 404
    assert stranger.get(url).json()["code"] == "not_found"
    # The office may not report either, and a unit may not verify.
    assert api_for(actors["supervisor"]).post(f"{url}/reports", report).status_code == 403

    # Completion without evidence, bad Base64, a renamed file, a wrong kind: 422 on "evidence".
    cases = [
        {"percent": 100, "done_text": "完成", "complete": True},
        {**report, "evidence": [{"kind": "文件", "filename": "a.pdf", "content_base64": "@@"}]},
        {**report, "evidence": [{"kind": "文件", "filename": "a.pdf", "content_base64": b64(b"MZ\x90")}]},
        {**report, "evidence": [{"kind": "视频", "filename": "a.pdf", "content_base64": b64(PDF)}]},
    ]
    for payload in cases:
        response = unit.post(f"{url}/reports", payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["field"] in ("evidence", "content_base64", "kind"), response.json()
    partial = unit.post(f"{url}/reports", {**report, "complete": True})
    assert partial.status_code == 422 and partial.json()["field"] == "percent"
    schema = unit.post(f"{url}/reports", {"percent": 101, "done_text": "x"})
    assert schema.status_code == 422 and schema.json()["field"] == "percent"
    blank = unit.post(f"{url}/reports", {"percent": 10, "done_text": "  "})
    assert blank.status_code == 422 and blank.json()["field"] == "done_text"
    # A parent task's progress is rolled up from its sub-tasks.
    parent = unit.post(f"{BASE}/tasks/{plan['parent'].pk}/reports", report)
    assert parent.status_code == 422 and parent.json()["code"] == "rule_violation"

    # Verification: nothing pending → 409; a unit may not verify → 403; sending back needs a reason.
    office = api_for(actors["supervisor"])
    assert office.post(f"{url}/verify", {"accept": True}).status_code == 409
    done = unit.post(
        f"{url}/reports",
        {
            "percent": 100,
            "done_text": "完成",
            "complete": True,
            "evidence": [{"kind": "文件", "filename": "a.pdf", "content_base64": b64(PDF)}],
        },
    )
    assert done.status_code == 201
    assert unit.post(f"{url}/verify", {"accept": True}).status_code == 403
    no_reason = office.post(f"{url}/verify", {"accept": False})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    # While waiting for verification the unit cannot report again: 409.
    assert unit.post(f"{url}/reports", report).status_code == 409
    leaf.refresh_from_db()
    assert leaf.state == TaskState.SUBMITTED and leaf.reports_count == 1


def test_plans_tree_board_filters_and_ledger(plan, world, actors, api_for):
    office = api_for(actors["supervisor"])
    unit = api_for(actors["handler"])
    p = plan["plan"]

    assert [x["title"] for x in office.get(f"{BASE}/plans").json()] == [p.title]
    tree = office.get(f"{BASE}/plans/{p.pk}").json()
    assert tree["state"] == "approved" and tree["owner"]["name"] == "区委督查室"
    assert [(t["number"], t["depth"], t["parent_id"]) for t in tree["tasks"]] == [
        ("1", 0, None),
        ("1.1", 1, plan["parent"].pk),
        ("1.2", 1, plan["parent"].pk),
        ("2", 0, None),
    ]
    assert tree["tasks"][3]["status"] == "overdue" and tree["tasks"][3]["status_label"] == "逾期"
    # The unit sees the plan, but only its own tasks in the tree.
    assert [t["id"] for t in unit.get(f"{BASE}/plans/{p.pk}").json()["tasks"]] == [
        plan["parent"].pk,
        plan["leaf"].pk,
    ]

    overdue = office.get(f"{BASE}/tasks", {"overdue": "true"}).json()
    assert [t["id"] for t in overdue] == [plan["late"].pk]
    assert plan["late"].pk not in {t["id"] for t in office.get(f"{BASE}/tasks", {"overdue": "false"}).json()}
    by_unit = office.get(f"{BASE}/tasks", {"unit": world["d2"].pk}).json()
    assert {t["id"] for t in by_unit} == {plan["other"].pk, plan["late"].pk}
    assert len(office.get(f"{BASE}/tasks", {"offset": 1, "limit": 2}).json()) == 2
    bad = office.get(f"{BASE}/tasks", {"status": "late"})
    assert bad.status_code == 422 and bad.json()["field"] == "status"

    ledger = office.get(f"{BASE}/tasks.csv", {"unit": world["d2"].pk})
    assert ledger.status_code == 200 and ledger["Content-Type"].startswith("text/csv")
    lines = b"".join(ledger.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("序号,工作任务,牵头单位,配合单位")
    assert len(lines) == 3 and lines[1].startswith("2,老旧小区加装电梯") and lines[1].endswith("逾期")

    # Without any role the office pages' lists are 404, like the pages.
    nobody = api_for(UserFactory(username="jumin"))
    assert nobody.get(f"{BASE}/plans").status_code == 404
    assert nobody.get(f"{BASE}/tasks").status_code == 404
    assert nobody.get(f"{BASE}/tasks/{plan['leaf'].pk}").status_code == 404
