"""Pages: every role's view renders, outsiders get 404, actions go through the services."""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from orgs.scoping import ScopedQuerySetMixin
from workplan import escalation, services
from workplan.models import Notice, Task, TaskState

from .conftest import at, make_task, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(wp, plan):
    task = make_task(
        plan, wp, title="背街小巷环境整治", start_on=dt.date(2026, 3, 2), deadline=dt.date(2026, 6, 30)
    )
    other = make_task(plan, wp, title="教育系统专项任务", lead_unit=wp["d2"], co_units=[])
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        services.approve_plan(plan, actor=wp.users["dudao"])
    notice = escalation.issue_notice(task, actor=wp.users["dudao"], kind="notice", text="请加快推进")
    return {"task": task, "other": other, "notice": notice, "plan": plan}


def login(client, user):
    client.force_login(user)
    return client


def test_every_workplan_model_offers_visible_to():
    exempt = {
        "workplan.supervisionrule": "configuration",
        "workplan.doccounter": "internal numbering",
        "workplan.milestone": "reached only through a visible task",
        "workplan.evidence": "reached only through a visible task (download checks the task)",
        "workplan.tasklink": "reached only through a visible task; the linked page checks its own scope",
    }
    for model in apps.get_app_config("workplan").get_models():
        if model._meta.label_lower in exempt:
            continue
        assert isinstance(model._default_manager.all(), ScopedQuerySetMixin), model._meta.label


@pytest.mark.parametrize(
    "username, sees_task, sees_other",
    [
        ("dudao", True, True),
        ("bumen", True, False),  # the lead unit
        ("jiedao", True, False),  # a co-unit
        ("bumen2", False, True),
        ("jiedao2", False, False),
        ("outsider", False, False),
        ("other_dudao", False, False),
        ("shequ", False, False),
    ],
)
def test_scoping_matrix(client, wp, live, username, sees_task, sees_other):
    login(client, wp.users[username])
    task, other, notice = live["task"], live["other"], live["notice"]
    assert (client.get(reverse("workplan:task", args=[task.pk])).status_code == 200) == sees_task
    assert (client.get(reverse("workplan:task", args=[other.pk])).status_code == 200) == sees_other
    assert (client.get(reverse("workplan:notice", args=[notice.pk])).status_code == 200) == (
        username in ("dudao", "bumen")
    )
    assert (client.get(reverse("workplan:plan", args=[live["plan"].pk])).status_code == 200) == (
        sees_task or sees_other
    )
    board = client.get(reverse("workplan:board"))
    if board.status_code == 200:
        body = board.content.decode()
        assert ("背街小巷环境整治" in body) == sees_task
        assert ("教育系统专项任务" in body) == sees_other
    else:
        assert board.status_code == 404
    export = client.get(reverse("workplan:export"))
    if export.status_code == 200:
        import io

        from openpyxl import load_workbook

        titles = [
            row[3]  # 工作任务, below the title block and the header (row 3)
            for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=4, values_only=True)
        ]
        assert ("背街小巷环境整治" in titles) == sees_task and ("教育系统专项任务" in titles) == sees_other


def test_resident_and_anonymous(client, wp, live):
    assert client.get(reverse("workplan:board")).status_code == 302  # to the login page
    from orgs.roles import Role
    from tests.conftest import grant

    resident = grant(wp, "jumin", Role.RESIDENT, "c1")
    login(client, resident)
    for name, args in [("board", []), ("workbench", []), ("task", [live["task"].pk]), ("draft", [])]:
        assert client.get(reverse(f"workplan:{name}", args=args)).status_code == 404


def test_pages_render_for_each_role(client, wp, live):
    login(client, wp.users["dudao"])
    for name, args in [
        ("board", []),
        ("plans", []),
        ("plan_new", []),
        ("draft", []),
        ("plan_import", []),
        ("plan", [live["plan"].pk]),
    ]:
        response = client.get(reverse(f"workplan:{name}", args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("workplan:task", args=[live["task"].pk])).content.decode()
    assert "发出" in page and "报送进展(牵头单位)" not in page
    login(client, wp.users["bumen"])
    page = client.get(reverse("workplan:workbench")).content.decode()
    assert "背街小巷环境整治" in page and "督办通知单 · 待回复" in page
    page = client.get(reverse("workplan:task", args=[live["task"].pk])).content.decode()
    assert "报送进展(牵头单位)" in page and "核验办结" not in page
    login(client, wp.users["jiedao"])
    page = client.get(reverse("workplan:task", args=[live["task"].pk])).content.decode()
    assert "配合单位报送" in page and "报送进展(牵头单位)" not in page
    home = client.get(reverse("home")).content.decode()
    assert "督办任务" in home
    login(client, wp.users["bumen"])
    assert "督办任务 · 待报送" in client.get(reverse("home")).content.decode()
    login(client, wp.users["dudao"])
    assert "督查督办 · 重点任务" in client.get(reverse("home")).content.decode()


def test_report_verify_and_reply_through_the_pages(client, wp, live):
    task = live["task"]
    login(client, wp.users["bumen"])
    url = reverse("workplan:task_report", args=[task.pk])
    response = client.post(
        url, {"percent": 100, "done_text": "整治完成", "evidence_kind": "文件", "complete": "on"}
    )
    assert response.status_code == 400 and "佐证材料" in response.content.decode()
    response = client.post(
        url,
        {
            "percent": 100,
            "done_text": "整治完成",
            "evidence_kind": "文件",
            "complete": "on",
            "evidence": [pdf()],
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    evidence = task.evidence.get()
    assert client.get(reverse("workplan:evidence", args=[evidence.pk])).status_code == 200
    reply = client.post(reverse("workplan:notice", args=[live["notice"].pk]), {"reply": "已加快推进并完成"})
    assert reply.status_code == 302 and Notice.objects.get(pk=live["notice"].pk).replied_at is not None
    # Another unit can neither verify nor download the evidence.
    login(client, wp.users["bumen2"])
    assert client.get(reverse("workplan:evidence", args=[evidence.pk])).status_code == 404
    assert (
        client.post(reverse("workplan:task_verify", args=[task.pk]), {"decision": "accept"}).status_code
        == 404
    )
    login(client, wp.users["bumen"])
    assert (
        client.post(reverse("workplan:task_verify", args=[task.pk]), {"decision": "accept"}).status_code
        == 403
    )
    login(client, wp.users["dudao"])
    response = client.post(reverse("workplan:task_verify", args=[task.pk]), {"decision": "return"})
    assert response.status_code == 400 and "退回理由" in response.content.decode()
    assert (
        client.post(
            reverse("workplan:task_verify", args=[task.pk]), {"decision": "accept", "note": "属实"}
        ).status_code
        == 302
    )
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE


def test_create_plan_and_tasks_through_the_pages(client, wp):
    login(client, wp.users["dudao"])
    bad = client.post(
        reverse("workplan:plan_new"),
        {"title": "x", "kind": "practical", "owner": wp["office"].pk, "source_file": pdf("纪要.exe")},
    )
    assert bad.status_code == 200 and "格式不支持" in bad.content.decode()
    response = client.post(
        reverse("workplan:plan_new"),
        {
            "title": "为民办实事项目",
            "kind": "practical",
            "owner": wp["office"].pk,
            "source_file": pdf("会议纪要.pdf"),
        },
    )
    assert response.status_code == 302
    plan_url = response["Location"]
    plan_id = int(plan_url.rstrip("/").rsplit("/", 1)[1])
    add = reverse("workplan:plan_add_task", args=[plan_id])
    bad = client.post(
        add,
        {
            "title": "x",
            "start_on": "2026-05-01",
            "deadline": "2026-04-01",
            "cadence": "monthly",
            "priority": "normal",
            "weight": "1",
        },
    )
    assert bad.status_code == 400 and "不能早于开始日期" in bad.content.decode()
    ok = client.post(
        add,
        {
            "title": "老旧小区加装电梯",
            "lead_unit": wp["d1"].pk,
            "start_on": "2026-05-01",
            "deadline": "2026-10-31",
            "cadence": "monthly",
            "priority": "high",
            "weight": "1",
            "evidence_kinds": ["照片"],
        },
    )
    assert ok.status_code == 302
    assert client.post(reverse("workplan:plan_approve", args=[plan_id])).status_code == 302
    assert Task.objects.get(title="老旧小区加装电梯").plan.state == "approved"
    source = client.get(reverse("workplan:plan_source", args=[plan_id]))
    assert source.status_code == 200 and b"".join(source.streaming_content).startswith(b"%PDF")
    login(client, wp.users["bumen2"])
    assert client.get(reverse("workplan:plan_source", args=[plan_id])).status_code == 404


def test_draft_page_review_and_accept(client, wp):
    login(client, wp.users["dudao"])
    text = "关于开展活动的通知\n第一,加强培训。\n1.组织部门要在6月底前举办培训班2期。\n"
    page = client.post(reverse("workplan:draft"), {"text": text, "year": 2026})
    body = page.content.decode()
    assert page.status_code == 200 and "举办培训班2期 [区委组织部] (时限:2026-06-30)" in body
    accept = {
        "title": "活动清单",
        "kind": "activity_list",
        "owner": wp["office"].pk,
        "start_on": "2026-03-02",
        "default_deadline": "2026-12-31",
        "outline": "加强培训 [区委组织部]\n  举办培训班2期 [区委组织部] (时限:2026-06-30)\n  另一项 [组织处]",
    }
    page = client.post(reverse("workplan:draft"), accept)
    assert page.status_code == 400 and "第3行" in page.content.decode()
    accept["outline"] = accept["outline"].replace("[组织处]", "[区委组织部]")
    assert client.post(reverse("workplan:draft"), accept).status_code == 302
    assert Task.objects.filter(plan__title="活动清单").count() == 3


def test_print_page_and_word_file_of_a_notice(client, wp, live):
    import io
    import zipfile
    from xml.dom import minidom

    from django.core.files.uploadedfile import SimpleUploadedFile

    from workplan.evidence import check_upload

    notice = live["notice"]
    login(client, wp.users["dudao"])
    body = client.get(reverse("workplan:notice", args=[notice.pk])).content.decode()
    assert "督办通知单" in body and "@page { size: A4" in body and notice.number in body
    word = client.get(reverse("workplan:notice_docx", args=[notice.pk]))
    assert word.status_code == 200 and word["Content-Type"].endswith("wordprocessingml.document")
    document = zipfile.ZipFile(io.BytesIO(word.content)).read("word/document.xml").decode()
    minidom.parseString(document)  # well-formed
    assert notice.number in document and "请加快推进" in document and "区城市管理和综合执法局" in document
    check_upload(SimpleUploadedFile("n.docx", word.content))  # a valid OOXML Word file
    login(client, wp.users["bumen2"])
    assert client.get(reverse("workplan:notice_docx", args=[notice.pk])).status_code == 404


def test_board_filters_counts_and_order(client, wp, plan):
    parent = make_task(
        plan,
        wp,
        title="无牵头单位的上级任务",
        lead_unit=None,
        co_units=[],
        start_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 12, 31),
    )
    done = make_task(
        plan,
        wp,
        title="已核验的任务",
        parent=parent,
        start_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 12, 31),
    )
    make_task(
        plan,
        wp,
        title="滞后的任务",
        parent=parent,
        start_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 12, 31),
    )
    make_task(plan, wp, title="逾期的任务", start_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 10, 30))
    with time_machine.travel(at(2026, 9, 1, 9), tick=False):
        services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        services.report_progress(
            done, actor=wp.users["bumen"], percent=100, done_text="完成", evidence=[("文件", pdf())]
        )
        services.verify_completion(done, actor=wp.users["dudao"], accept=True)
        login(client, wp.users["dudao"])
        body = client.get(reverse("workplan:board")).content.decode()
        assert body.index("逾期的任务") < body.index("滞后的任务") < body.index("已核验的任务")
        lagging = client.get(reverse("workplan:board"), {"status": "lagging"}).content.decode()
        assert "滞后的任务" in lagging and "逾期的任务" not in lagging and "已核验的任务" not in lagging
        partial = client.get(
            reverse("workplan:board"), {"q": "逾期"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table"
        )
        assert "<html" not in partial.content.decode() and "逾期的任务" in partial.content.decode()


def test_milestone_and_link_through_the_pages(client, wp, live):
    task = live["task"]
    login(client, wp.users["dudao"])
    bad = client.post(
        reverse("workplan:task_milestone", args=[task.pk]), {"title": "完成摸排", "due_on": "2027-01-01"}
    )
    assert bad.status_code == 400 and "节点时限应在" in bad.content.decode()
    assert (
        client.post(
            reverse("workplan:task_milestone", args=[task.pk]), {"title": "完成摸排", "due_on": "2026-04-30"}
        ).status_code
        == 302
    )
    milestone = task.milestones.get()
    login(client, wp.users["jiedao"])
    assert client.post(reverse("workplan:milestone_done", args=[task.pk, milestone.pk])).status_code == 403
    login(client, wp.users["bumen"])
    assert client.post(reverse("workplan:milestone_done", args=[task.pk, milestone.pk])).status_code == 302
    response = client.post(
        reverse("workplan:task_link", args=[task.pk]), {"kind": "org", "ref": "区城市管理和综合执法局"}
    )
    assert response.status_code == 302
    page = client.get(reverse("workplan:task", args=[task.pk])).content.decode()
    assert "关联记录" in page and "区城市管理和综合执法局" in page and "完成" in page
    login(client, wp.users["bumen2"])
    assert (
        client.post(
            reverse("workplan:task_link", args=[task.pk]), {"kind": "url", "ref": "/x/", "label": "x"}
        ).status_code
        == 404
    )


def test_change_a_task_through_the_page(client, wp, live):
    from audit.models import AuditEvent

    task = live["task"]
    login(client, wp.users["dudao"])
    url = reverse("workplan:task_change", args=[task.pk])
    fields = {
        "title": task.title,
        "deadline": "2026-07-31",
        "lead_unit": wp["d1"].pk,
        "co_units": [wp["s1"].pk],
    }
    response = client.post(url, fields)
    assert response.status_code == 400 and "须说明理由" in response.content.decode()
    response = client.post(
        url, {**fields, "reason": "汛期影响,区委同意延期", "weight": "2", "leader_name": "周副区长"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.deadline == dt.date(2026, 7, 31) and task.weight == 2 and task.leader_name == "周副区长"
    event = AuditEvent.objects.for_subject(task).order_by("-seq").first()
    assert event.action == "workplan.task_rescheduled" and event.before["deadline"] == "2026-06-30"
    assert event.reason == "汛期影响,区委同意延期"


def test_change_form_edits_requirements_tags_and_evidence_kinds(client, wp, live):
    from audit.models import AuditEvent

    task = live["task"]
    login(client, wp.users["dudao"])
    url = reverse("workplan:task_change", args=[task.pk])
    page = client.get(reverse("workplan:task", args=[task.pk])).content.decode()
    assert 'name="expected_result"' in page and 'name="evidence_kinds"' in page and 'name="tags"' in page
    response = client.post(
        url,
        {
            "description": "年底前完成全部背街小巷改造",
            "expected_result": "改造完成并通过验收",
            "evidence_kinds": ["照片", "报告"],
            "tags": "城建、民生",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.description == "年底前完成全部背街小巷改造" and task.expected_result == "改造完成并通过验收"
    assert task.evidence_kind_list == ["照片", "报告"] and task.tag_list == ["城建", "民生"]
    event = AuditEvent.objects.for_subject(task).order_by("-seq").first()
    assert event.action == "workplan.task_changed" and event.after["tags"] == "城建、民生"
    # Sent empty: cleared; left out: unchanged. Unknown evidence kinds are refused with the field.
    response = client.post(url, {"tags": "", "evidence_kinds": ["照片"]})
    task.refresh_from_db()
    assert task.tags == "" and task.evidence_kind_list == ["照片"]
    assert task.description == "年底前完成全部背街小巷改造"
    response = client.post(url, {"evidence_kinds": ["口头汇报"]})
    assert response.status_code == 400 and "成果形式" in response.content.decode()
