"""The escalation ladder end to end, with time travel: 催办 → 督办通知单 → 通报 → 问责建议 → 决定."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.models import Notification
from workdays.calendar import add_workdays
from workplan import escalation, services
from workplan.models import Accountability, Notice

from .conftest import at, make_task

pytestmark = pytest.mark.django_db


def run(*moment):
    with time_machine.travel(at(*moment), tick=False):
        return escalation.run_ladder()


def test_ladder_end_to_end(wp, plan):
    bumen = wp.users["bumen"]
    task = make_task(
        plan, wp, start_on=dt.date(2026, 3, 2), deadline=dt.date(2026, 4, 30), responsible_name="陈经办"
    )
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        services.approve_plan(plan, actor=wp.users["dudao"])
    task.refresh_from_db()
    assert task.next_report_due == dt.date(2026, 4, 2)

    assert run(2026, 3, 20, 9).reminders == 0  # nothing due yet
    report = run(2026, 3, 30, 9)
    assert report.reminders == 1
    assert run(2026, 3, 30, 10).reminders == 0  # idempotent: the same reminder is not sent twice
    reminder = Notice.objects.get(kind="reminder")
    assert reminder.trigger == "report" and reminder.due_on == dt.date(2026, 4, 2)
    assert Notification.objects.filter(user=bumen, kind="workplan.reminder").count() == 1

    report = run(2026, 4, 3, 9)  # the report of Apr 2 was missed
    assert report.notices == 1
    notice = Notice.objects.get(kind="notice")
    assert notice.number == "督办〔2026〕1号"
    assert notice.reply_due_on == add_workdays(dt.date(2026, 4, 3), 3)
    assert "至今未报送" in notice.text
    assert run(2026, 4, 3, 15).notices == 0

    # Not answered by the reply deadline → circular.
    report = run(*(notice.reply_due_on + dt.timedelta(days=1)).timetuple()[:3], 9)
    assert report.circulars == 1
    circular = Notice.objects.get(kind="circular")
    assert circular.escalated_from_id == notice.pk and circular.number == "通报〔2026〕1号"
    assert "逾期未回复" in circular.text

    # Late replies are still possible but do not undo the circular; only the unit may reply.
    with pytest.raises(PermissionDenied):
        escalation.reply_notice(notice, actor=wp.users["bumen2"], reply="x")
    with time_machine.travel(at(2026, 4, 15, 9), tick=False):
        escalation.reply_notice(notice, actor=bumen, reply="因汛期抢险延误,已安排专人推进")
    assert Notification.objects.filter(user=wp.users["dudao"], kind="workplan.replied").count() == 1
    with pytest.raises(StateConflict):
        escalation.reply_notice(notice, actor=bumen, reply="again")

    # Still no report ten working days after the circular → an accountability proposal.
    proposal_day = add_workdays(circular.created_at.date(), 10)
    assert run(*(proposal_day - dt.timedelta(days=1)).timetuple()[:3], 9).proposals == 0
    report = run(*proposal_day.timetuple()[:3], 9)
    assert report.proposals == 1
    proposal = Accountability.objects.get()
    assert (
        proposal.status == "proposed"
        and proposal.person_name == "陈经办"
        and proposal.source_id == circular.pk
    )
    assert run(*proposal_day.timetuple()[:3], 15).proposals == 0

    # Only the supervision office decides, with a form and a document number.
    with pytest.raises(PermissionDenied):
        escalation.decide_accountability(proposal, actor=bumen, form="talk", decision_no="x")
    with pytest.raises(ServiceError, match="问责方式"):
        escalation.decide_accountability(
            proposal, actor=wp.users["dudao"], form="", decision_no="岳督〔2026〕3号"
        )
    escalation.decide_accountability(
        proposal, actor=wp.users["dudao"], form="talk", decision_no="岳督〔2026〕3号"
    )
    proposal.refresh_from_db()
    assert proposal.status == "decided" and proposal.decided_by == wp.users["dudao"]

    # Deadline passes too: a second notice, for the deadline this time.
    report = run(2026, 5, 6, 9)
    assert Notice.objects.filter(kind="notice", trigger="deadline", due_on=dt.date(2026, 4, 30)).exists()

    actions = list(AuditEvent.objects.for_subject(task).order_by("seq").values_list("action", "actor_id"))
    codes = [a for a, _ in actions]
    for code in (
        "workplan.reminded",
        "workplan.notice_issued",
        "workplan.circular_issued",
        "workplan.notice_replied",
        "workplan.accountability_proposed",
        "workplan.accountability_decided",
    ):
        assert code in codes
    assert dict(actions)["workplan.accountability_decided"] == wp.users["dudao"].pk
    assert dict(actions)["workplan.notice_issued"] is None  # the system's ladder


def test_reporting_on_time_stops_the_ladder(wp, plan):
    task = make_task(plan, wp, start_on=dt.date(2026, 3, 2), deadline=dt.date(2026, 9, 30))
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 4, 1, 9), tick=False):
        services.report_progress(task, actor=wp.users["bumen"], percent=20, done_text="完成第一阶段")
    task.refresh_from_db()
    assert task.next_report_due == dt.date(2026, 5, 6)  # May 1–5 is the Labour Day holiday
    assert run(2026, 4, 3, 9).notices == 0
    assert not Notice.objects.filter(kind="notice").exists()


def test_manual_notice_for_a_lagging_task(wp, plan):
    task = make_task(plan, wp)
    services.approve_plan(plan, actor=wp.users["dudao"])
    with pytest.raises(PermissionDenied):
        escalation.issue_notice(task, actor=wp.users["bumen"], kind="notice", text="x")
    with pytest.raises(ServiceError, match="督办内容"):
        escalation.issue_notice(task, actor=wp.users["dudao"], kind="notice", text="")
    with time_machine.travel(at(2026, 5, 11, 9), tick=False):
        notice = escalation.issue_notice(
            task, actor=wp.users["dudao"], kind="notice", text="进度滞后,请加快推进", reply_days=2
        )
    assert notice.reply_due_on == dt.date(2026, 5, 13) and notice.issued_by == wp.users["dudao"]
    assert notice.trigger == "manual" and notice.number.startswith("督办〔2026〕")
    # Manual notices are not escalated by the ladder's circular rule for automatic ones.
    assert run(2026, 5, 20, 9).circulars == 0


def test_several_workers_issue_each_step_once(wp, plan):
    """Two passes racing over the same tasks (simulated by running twice at the same moment)."""
    for i in range(3):
        make_task(plan, wp, title=f"任务{i}", deadline=dt.date(2026, 4, 30))
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        services.approve_plan(plan, actor=wp.users["dudao"])
    first, second = run(2026, 5, 6, 9), run(2026, 5, 6, 9)
    assert first.notices == 6 and second.notices == 0 and second.skipped >= 6
    assert Notice.objects.filter(kind="notice").count() == 6


def test_notices_carry_the_issuers_prefix_in_the_series_shared_with_case_notices(wp, plan):
    """issue 20: 督办通知单 numbers carry the issuer's 发文代字 (岳督办〔2026〕12号); case and
    work-plan notices of one issuer share one series (core.docnumbers)."""
    from core import docnumbers

    wp["district"].doc_prefix = "岳"
    wp["district"].save(update_fields=["doc_prefix"])
    assert docnumbers.allocate("岳", "督办", 2026) == "岳督办〔2026〕1号"  # e.g. a case notice
    task = make_task(plan, wp)
    services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 5, 11, 9), tick=False):
        notice = escalation.issue_notice(task, actor=wp.users["dudao"], kind="notice", text="进度滞后")
        circular = escalation.issue_notice(task, actor=wp.users["dudao"], kind="circular", text="通报")
    assert (notice.number, circular.number) == ("岳督办〔2026〕2号", "岳通报〔2026〕1号")
    # The office's own 发文代字 wins over the district's.
    wp["office"].doc_prefix = "岳督查"
    wp["office"].save(update_fields=["doc_prefix"])
    with time_machine.travel(at(2026, 5, 12, 9), tick=False):
        again = escalation.issue_notice(task, actor=wp.users["dudao"], kind="notice", text="再次督办")
    assert again.number == "岳督查督办〔2026〕1号"


def test_a_task_added_to_an_approved_plan_is_announced_to_its_lead_unit(wp, plan):
    """approve_plan announces the plan's tasks; a task added later (a 每月一题, a walk-through's
    problem, a village decision's implementation) is announced when it is created."""
    mine = Notification.objects.filter(user=wp.users["bumen"], kind="workplan.assigned")
    first = make_task(plan, wp)
    assert not mine.exists()  # a draft's tasks wait for the approval
    services.approve_plan(plan, actor=wp.users["dudao"])
    assert list(mine.values_list("url", flat=True)) == [f"/workplan/tasks/{first.pk}/"]
    task = services.create_task(
        plan,
        actor=wp.users["dudao"],
        title="新增的督办任务",
        start_on=dt.date(2026, 12, 7),
        deadline=dt.date(2027, 3, 31),
        lead_unit=wp["d1"],
    )
    assert mine.count() == 2
    assert mine.filter(url=f"/workplan/tasks/{task.pk}/", title="督办任务下达:新增的督办任务").exists()
