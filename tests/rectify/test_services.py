"""The rectification loop through the services: list → problem → item (a 整改台账 task) → report
with evidence → 销号 / 退回, the finding key, permissions and audit events."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from core.errors import PermissionDenied, ServiceError, StateConflict
from rectify import services
from rectify.models import ItemStatus, Problem, item_status
from workplan.models import PlanKind, PlanState, TaskState

from .conftest import make_list, pdf, png

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def finish(item, actor, text="整改完成"):
    """The unit reports the rectification complete, with a file as evidence."""
    services.report(item, actor=actor, percent=100, text=text, complete=True, evidence=[("文件", pdf())])


def events_of(obj):
    return list(AuditEvent.objects.for_subject(obj).order_by("seq").values_list("action", flat=True))


def test_list_is_a_rectify_plan_with_the_rule_deadline(rw, plist):
    assert plist.plan.kind == PlanKind.RECTIFY and plist.plan.org == rw["party"]
    # 巡察反馈: 整改情况报告 within 2 months of the feedback (rule data rectify.xuncha_report_months)
    assert plist.report_due == dt.date(2027, 1, 20)
    assert "巡视工作条例" in plist.report_rule
    xunshi = make_list(rw, source="xunshi", feedback_on=dt.date(2026, 10, 31), title="省委巡视反馈问题")
    assert xunshi.report_due == dt.date(2026, 12, 31)
    assert "rectify.list_created" in events_of(plist)


def test_list_refuses_future_feedback_and_outsiders(rw):
    with pytest.raises(ServiceError) as error:
        make_list(rw, feedback_on=TODAY + dt.timedelta(days=1))
    assert error.value.field == "feedback_on"
    with pytest.raises(PermissionDenied):
        make_list(rw, actor=rw.users["zzb_other"])
    with pytest.raises(PermissionDenied):
        make_list(rw, actor=rw.users["shuji"])


def test_item_is_a_task_led_by_the_unit_and_the_plan_is_issued(rw, item):
    task = item.task
    assert task.plan.state == PlanState.APPROVED and task.lead_unit == rw["b1"]
    assert task.responsible_name == "刘书记" and task.deadline == dt.date(2027, 1, 20)
    assert item_status(task, TODAY) == ItemStatus.RECTIFYING
    assert item_status(task, dt.date(2027, 1, 21)) == ItemStatus.OVERDUE
    assert "rectify.item_added" in events_of(item)


def test_unit_reports_with_evidence_and_issuer_closes(rw, item):
    shuji, zzb = rw.users["shuji"], rw.users["zzb"]
    services.report(item, actor=shuji, percent=40, text="已制定年度计划")
    with pytest.raises(ServiceError) as error:
        services.report(item, actor=shuji, percent=100, text="整改完成", complete=True)
    assert error.value.field == "evidence"
    services.report(
        item,
        actor=shuji,
        percent=100,
        text="整改完成",
        complete=True,
        evidence=[("文件", pdf()), ("照片", png())],
    )
    item.task.refresh_from_db()
    assert item_status(item.task, TODAY) == ItemStatus.AWAITING
    with pytest.raises(PermissionDenied):
        services.close_item(item, actor=shuji)
    with pytest.raises(PermissionDenied):
        services.close_item(item, actor=rw.users["zzb_other"])
    services.close_item(item, actor=zzb, note="佐证材料齐全,同意销号")
    item.task.refresh_from_db()
    assert item.task.state == TaskState.CLOSED and item_status(item.task, TODAY) == ItemStatus.CLOSED
    assert not Problem.objects.get(pk=item.problem_id).open
    assert events_of(item)[-1] == "rectify.item_closed"
    with pytest.raises(StateConflict):
        services.close_item(item, actor=zzb)


def test_return_needs_a_reason_and_the_unit_rectifies_again(rw, item):
    services.report(
        item, actor=rw.users["shuji"], percent=100, text="完成", complete=True, evidence=[("文件", pdf())]
    )
    with pytest.raises(ServiceError) as error:
        services.return_item(item, actor=rw.users["zzb"], reason="  ")
    assert error.value.field == "reason"
    services.return_item(item, actor=rw.users["zzb"], reason="缺少支部委员会会议记录")
    item.task.refresh_from_db()
    assert item.task.state == TaskState.ACTIVE and item_status(item.task, TODAY) == ItemStatus.RECTIFYING
    assert Problem.objects.get(pk=item.problem_id).open
    assert "rectify.item_returned" in events_of(item)


def test_only_the_responsible_unit_reports(rw, item):
    for outsider in ("shuji3", "bumen", "zzb", "grid"):
        with pytest.raises(PermissionDenied):
            services.report(item, actor=rw.users[outsider], percent=10, text="进展")


def test_a_finding_becomes_one_open_problem_until_closed(rw):
    zzb = rw.users["zzb"]
    kwargs = {
        "actor": zzb,
        "issuer": rw["party"],
        "rule": "meeting.missing",
        "org": rw["b1"],
        "period": "2026年第三季度",
        "text": "支部委员会会议次数不足",
        "measure": "补齐支部委员会会议",
    }
    item = services.from_finding(**kwargs)
    assert item.unit == rw["b1"] and item.problem.finding_rule == "meeting.missing"
    assert item.problem.problem_list.source == "compliance"
    assert item.task.deadline == dt.date(2027, 3, 7)  # rectify.finding_months = 3
    with pytest.raises(StateConflict) as error:
        services.from_finding(**kwargs)
    assert error.value.field == "rule"
    services.report(
        item, actor=rw.users["shuji"], percent=100, text="已补开", complete=True, evidence=[("文件", pdf())]
    )
    services.close_item(item, actor=zzb)
    again = services.from_finding(**kwargs)  # the earlier problem is 销号: a new one may open
    assert again.problem_id != item.problem_id
    with pytest.raises(PermissionDenied):
        services.from_finding(**{**kwargs, "actor": rw.users["zzb_other"], "period": "x"})


def test_items_cannot_be_added_to_a_closed_problem_and_deadline_checked(rw, plist):
    zzb = rw.users["zzb"]
    problem = services.add_problem(plist, actor=zzb, text="党费收缴不规范")
    with pytest.raises(ServiceError) as error:
        services.add_item(
            problem, actor=zzb, measure="整改", unit=rw["b1"], deadline=TODAY - dt.timedelta(days=1)
        )
    assert error.value.field == "deadline"
    with pytest.raises(ServiceError) as error:
        services.add_item(problem, actor=zzb, measure="整改", unit=rw["g1"], deadline=TODAY)
    assert error.value.field == "unit"
    with pytest.raises(PermissionDenied):
        services.add_problem(plist, actor=rw.users["shuji"], text="x")


def test_a_problem_closed_on_the_work_plan_page_does_not_block_the_finding(rw):
    from workplan import services as workplan

    zzb = rw.users["zzb"]
    kwargs = {
        "actor": zzb,
        "issuer": rw["party"],
        "rule": "meeting.missing",
        "org": rw["b1"],
        "period": "2026年第二季度",
        "text": "支部党员大会未召开",
        "measure": "召开支部党员大会",
    }
    item = services.from_finding(**kwargs)
    finish(item, rw.users["shuji"])
    # 组织部 (rectify_issue over the 整改台账's owner) may verify and 销号 on the task page too.
    workplan.verify_completion(item.task, actor=zzb, accept=True)
    workplan.close_task(item.task, actor=zzb)
    assert Problem.objects.get(pk=item.problem_id).open  # not told yet
    again = services.from_finding(**kwargs)
    assert again.problem_id != item.problem_id and not Problem.objects.get(pk=item.problem_id).open


def test_the_responsible_unit_is_told_of_each_item(rw, plist, item):
    """The first item issues the 整改台账 (its tasks are announced then); every item added to the
    issued list is announced to the unit's people on its own, with the task's page."""
    from core.models import Notification

    first = Notification.objects.filter(user=rw.users["shuji"], kind="workplan.assigned")
    assert list(first.values_list("title", "url")) == [
        (f"整改任务下达:{item.task.title[:40]}", f"/workplan/tasks/{item.task.pk}/")
    ]
    problem = services.add_problem(plist, actor=rw.users["zzb"], text="党员发展程序不规范")
    second = services.add_item(
        problem,
        actor=rw.users["zzb"],
        measure="逐人核查发展党员档案",
        unit=rw["b1"],
        deadline=dt.date(2027, 1, 20),
    )
    assert first.count() == 2
    assert first.filter(url=f"/workplan/tasks/{second.task.pk}/").exists()
    # Nobody else: not the other branch's secretary, not the issuer.
    assert not Notification.objects.filter(kind="workplan.assigned").exclude(user=rw.users["shuji"]).exists()
