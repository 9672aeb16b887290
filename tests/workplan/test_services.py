"""Plans, task trees, progress reports and verification through the services."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from audit.models import AuditEvent
from core.errors import PermissionDenied, ServiceError, StateConflict
from workplan import services
from workplan.models import CoInput, Evidence, ProgressReport, Task, TaskState, TaskUnit

from .conftest import at, make_task, pdf, png

pytestmark = pytest.mark.django_db


def events(obj):
    return list(AuditEvent.objects.for_subject(obj).order_by("seq").values_list("action", flat=True))


def approve(plan, wp):
    return services.approve_plan(plan, actor=wp.users["dudao"])


def test_deadline_before_start_is_refused(plan, wp):
    with pytest.raises(ServiceError) as error:
        make_task(plan, wp, start_on=dt.date(2026, 5, 1), deadline=dt.date(2026, 4, 30))
    assert error.value.field == "deadline"
    assert "不能早于开始日期" in error.value.message


def test_child_deadline_after_parent_is_refused(plan, wp):
    parent = make_task(plan, wp, deadline=dt.date(2026, 6, 30))
    with pytest.raises(ServiceError, match="不能晚于上级任务"):
        make_task(plan, wp, parent=parent, deadline=dt.date(2026, 7, 31))


def test_only_the_supervision_office_creates_tasks(plan, wp):
    with pytest.raises(PermissionDenied):
        make_task(plan, wp, actor=wp.users["bumen"])
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=wp.users["other_dudao"], owner=wp["office"], title="越权计划")


def test_cycles_are_refused(plan, wp):
    root = make_task(plan, wp, title="一级")
    child = make_task(plan, wp, title="二级", parent=root)
    grandchild = make_task(plan, wp, title="三级", parent=child)
    with pytest.raises(ServiceError, match="循环"):
        services.move_task(root, actor=wp.users["dudao"], new_parent=grandchild)
    with pytest.raises(ServiceError, match="循环"):
        services.move_task(root, actor=wp.users["dudao"], new_parent=root)
    other = make_task(plan, wp, title="另一个一级")
    services.move_task(grandchild, actor=wp.users["dudao"], new_parent=other)
    assert Task.objects.get(pk=grandchild.pk).parent_id == other.pk
    assert Task.objects.get(pk=child.pk).children_count == 0
    assert Task.objects.get(pk=other.pk).children_count == 1


def test_numbers_follow_the_tree(plan, wp):
    a = make_task(plan, wp, title="A")
    b = make_task(plan, wp, title="B")
    a1 = make_task(plan, wp, title="A1", parent=a)
    a2 = make_task(plan, wp, title="A2", parent=a)
    assert [a.number, b.number, a1.number, a2.number] == ["1", "2", "1.1", "1.2"]
    assert [t.title for t in services.tasks_of_plan(plan)] == ["A", "A1", "A2", "B"]


def test_weighted_roll_up_arithmetic(plan, wp):
    parent = make_task(plan, wp, title="父任务")
    a = make_task(plan, wp, title="子1", parent=parent, weight=3)
    b = make_task(plan, wp, title="子2", parent=parent, weight=1, lead_unit=wp["d2"], co_units=[])
    c = make_task(plan, wp, title="子3", parent=parent, weight=Decimal("2"), lead_unit=wp["s1"], co_units=[])
    approve(plan, wp)
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        services.report_progress(a, actor=wp.users["bumen"], percent=40, done_text="完成摸排")
        services.report_progress(b, actor=wp.users["bumen2"], percent=90, done_text="基本完成")
        services.report_progress(c, actor=wp.users["jiedao"], percent=10, done_text="已启动")
    parent.refresh_from_db()
    # (40×3 + 90×1 + 10×2) / 6 = 230/6 = 38.33…
    assert parent.progress == Decimal("38.3")
    # A cancelled child no longer counts: (40×3 + 90×1) / 4 = 52.5
    services.cancel_task(c, actor=wp.users["dudao"], reason="并入其他任务")
    parent.refresh_from_db()
    assert parent.progress == Decimal("52.5")
    # Grandparent level: the roll-up goes up to the root.
    assert services.weighted_progress(
        [
            Task(progress=Decimal(100), weight=1, state="active"),
            Task(progress=Decimal(0), weight=3, state="active"),
        ]
    ) == Decimal("25.0")


def test_parent_completes_when_all_children_are_verified(plan, wp):
    parent = make_task(plan, wp, title="父任务")
    a = make_task(plan, wp, title="子1", parent=parent)
    approve(plan, wp)
    with time_machine.travel(at(2026, 4, 1, 10), tick=False):
        services.report_progress(
            a, actor=wp.users["bumen"], percent=100, done_text="完成", evidence=[("文件", pdf())]
        )
        services.verify_completion(a, actor=wp.users["dudao"], accept=True)
    parent.refresh_from_db()
    assert parent.state == TaskState.DONE and parent.progress == 100
    assert "workplan.completed_by_children" in events(parent)


def test_report_by_a_unit_not_on_the_task_is_refused(plan, wp):
    task = make_task(plan, wp)
    approve(plan, wp)
    for outsider in ("bumen2", "outsider", "jiedao2"):
        with pytest.raises(PermissionDenied, match="只有牵头单位"):
            services.report_progress(task, actor=wp.users[outsider], percent=10, done_text="x")
    # The co-unit reports its input, not the task's progress.
    with pytest.raises(PermissionDenied):
        services.report_progress(task, actor=wp.users["jiedao"], percent=10, done_text="x")
    with pytest.raises(PermissionDenied):
        services.submit_co_input(task, actor=wp.users["bumen2"], unit=wp["d2"], text="x")


def test_report_before_approval_is_refused(plan, wp):
    task = make_task(plan, wp)
    with pytest.raises(StateConflict, match="尚未下达"):
        services.report_progress(task, actor=wp.users["bumen"], percent=10, done_text="x")


def test_approval_needs_a_lead_unit_on_every_leaf(plan, wp):
    make_task(plan, wp, lead_unit=None, co_units=[])
    with pytest.raises(ServiceError, match="未确定牵头单位"):
        approve(plan, wp)


def test_completion_requires_evidence_and_verification(plan, wp):
    task = make_task(plan, wp)
    approve(plan, wp)
    with time_machine.travel(at(2026, 4, 10, 10), tick=False):
        with pytest.raises(ServiceError, match="佐证材料") as error:
            services.report_progress(task, actor=wp.users["bumen"], percent=100, done_text="已完成")
        assert error.value.field == "evidence"
        with pytest.raises(ServiceError, match="内容与扩展名不符"):
            services.report_progress(
                task,
                actor=wp.users["bumen"],
                percent=100,
                done_text="已完成",
                evidence=[("文件", pdf("fake.docx"))],
            )
        with pytest.raises(ServiceError, match="格式不支持"):
            services.report_progress(
                task,
                actor=wp.users["bumen"],
                percent=100,
                done_text="已完成",
                evidence=[("文件", pdf("virus.exe"))],
            )
        services.submit_co_input(task, actor=wp.users["jiedao"], unit=wp["s1"], text="配合清理小巷12条")
        report = services.report_progress(
            task,
            actor=wp.users["bumen"],
            percent=100,
            done_text="整治完成",
            evidence=[("照片", png()), ("文件", pdf())],
        )
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    assert report.is_completion and "望月湖街道:配合清理小巷12条" in report.co_inputs
    assert CoInput.objects.get().report_id == report.pk
    assert Evidence.objects.filter(report=report).count() == 2
    with pytest.raises(StateConflict):
        services.report_progress(task, actor=wp.users["bumen"], percent=100, done_text="again")
    with pytest.raises(PermissionDenied):
        services.verify_completion(task, actor=wp.users["bumen"], accept=True)
    with pytest.raises(ServiceError, match="退回理由"):
        services.verify_completion(task, actor=wp.users["dudao"], accept=False, note="")
    with time_machine.travel(at(2026, 4, 13, 10), tick=False):
        services.verify_completion(task, actor=wp.users["dudao"], accept=False, note="照片不能反映整治效果")
    task.refresh_from_db()
    assert task.state == TaskState.ACTIVE and task.progress == 0
    assert ProgressReport.objects.get(pk=report.pk).status == "returned"
    with time_machine.travel(at(2026, 4, 20, 10), tick=False):
        services.report_progress(task, actor=wp.users["bumen"], percent=100, done_text="补充整治前后对比照片")
        services.verify_completion(task, actor=wp.users["dudao"], accept=True, note="核验属实")
        services.close_task(task, actor=wp.users["dudao"])
    task.refresh_from_db()
    assert task.state == TaskState.CLOSED
    assert events(task)[-5:] == [
        "workplan.completion_reported",
        "workplan.completion_returned",
        "workplan.completion_reported",
        "workplan.completion_verified",
        "workplan.task_closed",
    ]


def test_edits_after_approval_need_a_reason_and_keep_before_after(plan, wp):
    task = make_task(plan, wp)
    services.update_task(
        task, actor=wp.users["dudao"], deadline=dt.date(2026, 6, 20)
    )  # draft: no reason needed
    approve(plan, wp)
    with pytest.raises(ServiceError, match="须说明理由"):
        services.update_task(task, actor=wp.users["dudao"], deadline=dt.date(2026, 7, 31))
    services.update_task(
        task, actor=wp.users["dudao"], deadline=dt.date(2026, 7, 31), reason="区委常委会同意延期"
    )
    event = AuditEvent.objects.for_subject(task).order_by("-seq").first()
    assert event.action == "workplan.task_rescheduled"
    assert event.before == {"deadline": "2026-06-20"} and event.after == {"deadline": "2026-07-31"}
    assert event.reason == "区委常委会同意延期"
    services.update_task(
        task, actor=wp.users["dudao"], lead_unit=wp["d2"], co_units=[wp["s1"], wp["s2"]], reason="职能调整"
    )
    event = AuditEvent.objects.for_subject(task).order_by("-seq").first()
    assert event.action == "workplan.units_changed"
    assert event.before["lead_unit"] == "区城市管理和综合执法局" and event.after["lead_unit"] == "区教育局"
    assert event.after["co_units"] == ["望月湖街道", "岳麓街道"]
    # The old lead unit's row is kept (inactive), not deleted.
    assert TaskUnit.objects.filter(task=task, org=wp["d1"], active=False).exists()
    with pytest.raises(PermissionDenied):
        services.report_progress(task, actor=wp.users["bumen"], percent=10, done_text="x")


def test_cancel_keeps_the_rows_and_the_reason(plan, wp):
    parent = make_task(plan, wp, title="父")
    child = make_task(plan, wp, title="子", parent=parent)
    with pytest.raises(ServiceError, match="取消原因"):
        services.cancel_task(parent, actor=wp.users["dudao"], reason=" ")
    services.cancel_task(parent, actor=wp.users["dudao"], reason="上级不再部署")
    assert (
        Task.objects.filter(
            pk__in=[parent.pk, child.pk], state="cancelled", cancel_reason="上级不再部署"
        ).count()
        == 2
    )
    assert "workplan.task_cancelled" in events(child)
    with pytest.raises(RuntimeError):
        Task.objects.get(pk=child.pk).plan.org.delete()


def test_milestones_and_links(plan, wp):
    from workplan.models import Milestone

    task = make_task(plan, wp)
    with pytest.raises(ServiceError, match="节点时限应在"):
        services.add_milestone(task, actor=wp.users["dudao"], title="完成摸排", due_on=dt.date(2026, 8, 1))
    milestone = services.add_milestone(
        task, actor=wp.users["dudao"], title="完成摸排", due_on=dt.date(2026, 4, 30)
    )
    with pytest.raises(PermissionDenied):
        services.complete_milestone(milestone, actor=wp.users["jiedao"])  # a co-unit
    services.complete_milestone(milestone, actor=wp.users["bumen"], done_on=dt.date(2026, 4, 28))
    assert Milestone.objects.get().done_on == dt.date(2026, 4, 28)

    # Links: an organization by name, another record by URL; a record the actor cannot see is refused.
    link = services.link_record(task, actor=wp.users["dudao"], kind="org", ref="中共湖东社区支部委员会")
    assert link.url == f"/orgs/{wp['b1'].pk}/" and "党支部" in link.label
    with pytest.raises(ServiceError, match="已关联"):
        services.link_record(task, actor=wp.users["dudao"], kind="org", ref="中共湖东社区支部委员会")
    with pytest.raises(ServiceError, match="无权查看"):
        services.link_record(task, actor=wp.users["bumen"], kind="org", ref="中共湖东社区支部委员会")
    with pytest.raises(PermissionDenied):
        services.link_record(task, actor=wp.users["bumen2"], kind="url", ref="/x/", label="x")
    with pytest.raises(ServiceError, match="说明"):
        services.link_record(task, actor=wp.users["dudao"], kind="url", ref="/party/meetings/1/")
    services.link_record(
        task, actor=wp.users["dudao"], kind="url", ref="/party/meetings/1/", label="专题推进会会议记录"
    )
    assert task.links.count() == 2 and events(task).count("workplan.link_added") == 2
    with pytest.raises(ServiceError, match="无权查看"):
        services.link_record(task, actor=wp.users["dudao"], kind="org", ref="东城区城管委")


def test_link_a_grid_case(plan, wp):
    from cases import services as case_services

    task = make_task(plan, wp)
    case = case_services.report_case(
        channel="public",
        description="背街小巷垃圾堆积",
        area=wp["c1"],
        reporter_name="张三",
        reporter_phone="13912345678",
    )
    with pytest.raises(ServiceError, match="无权查看"):
        services.link_record(
            task, actor=wp.users["bumen"], kind="case", ref=case.number
        )  # not dispatched to it
    link = services.link_record(task, actor=wp.users["dudao"], kind="case", ref=case.number)
    assert link.url == f"/cases/{case.number}/" and case.number in link.label


def test_leader_view(plan, wp, client):
    from django.urls import reverse

    from ..factories import PersonFactory

    leader = PersonFactory(name="王副区长", org=wp["district"], user=wp.users["shequ"])
    task = make_task(plan, wp, leader=leader, leader_name="")
    assert task.leader_name == "王副区长"
    # The leader sees the task they answer for, outside their role scope, read-only.
    assert Task.objects.visible_to(wp.users["shequ"]).filter(pk=task.pk).exists()
    assert not Task.objects.visible_to(wp.users["shequ"], "workplan_report").filter(pk=task.pk).exists()
    services.approve_plan(plan, actor=wp.users["dudao"])
    client.force_login(wp.users["shequ"])
    page = client.get(reverse("workplan:workbench")).content.decode()
    assert "我负责的任务" in page and task.title in page
