"""The demo activity list (演示活动清单): 能力作风建设年 for the build year, created from the template by
the campaign office (区委办公室, with the 组织部), issued on the first working days of January, with
the months in every state relative to the build day: past months closed or done with evidence, the
last past month with one activity still overdue and one awaiting verification, the current month
in progress, the months ahead not started. Built in January or February, last year's list (all
months past) is built as well, so the finished and overdue states show on any day.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import clock
from core.actors import SYSTEM
from orgs.models import Org
from workplan import activities, services
from workplan.models import Plan, Task

REPORT_TEXTS = {
    "done": "活动已按计划开展,参加人员、过程照片和成果材料已整理归档",
    "progress": "已制定活动方案并完成前期准备,正在组织实施",
}


def _local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _evidence(task: Task) -> SimpleUploadedFile:
    name = f"{task.deadline:%m}月活动佐证材料.pdf"
    body = f"%PDF-1.4\n% Luoshi demo evidence: {task.title}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _at(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Nothing is dated after the build moment."""
    return min(moment, now - dt.timedelta(minutes=5))


def _profile(task: Task, last_past: int, today: dt.date) -> str:
    """The last month that has ended left one activity overdue; the month before awaits
    verification; the one before that is done; older months are closed (销号)."""
    if task.deadline >= today:
        return "progress" if task.start_on <= today else "future"
    return {last_past: "overdue", last_past - 1: "submitted", last_past - 2: "done"}.get(
        task.deadline.month, "closed"
    )


def _play(task: Task, profile: str, office_actor, now: dt.datetime) -> None:
    if profile == "future":
        return
    if profile == "progress":
        with clock.frozen(_at(_local(task.start_on + dt.timedelta(days=3), 16), now)):
            if clock.now().date() >= task.start_on:
                services.report_progress(task, actor=SYSTEM, percent=40, done_text=REPORT_TEXTS["progress"])
        return
    if profile == "overdue":
        return  # the month ended without a report: 逾期未完成
    with clock.frozen(_at(_local(task.deadline - dt.timedelta(days=3), 16), now)):
        services.report_progress(
            task,
            actor=SYSTEM,
            percent=100,
            done_text=REPORT_TEXTS["done"],
            complete=True,
            evidence=[("文件", _evidence(task))],
        )
    if profile == "submitted":
        return
    with clock.frozen(_at(_local(task.deadline + dt.timedelta(days=2), 10), now)):
        services.verify_completion(task, actor=office_actor, accept=True, note="佐证材料齐全,同意办结")
    if profile == "closed":
        with clock.frozen(_at(_local(task.deadline + dt.timedelta(days=5), 10), now)):
            services.close_task(task, actor=office_actor, note="活动已完成,予以销号")


def build_activity_year(owner: Org, office_actor, now: dt.datetime, year: int) -> Plan:
    today = timezone.localdate(now)
    with clock.frozen(_at(_local(dt.date(year, 1, 4), 9), now)):
        plan = activities.create_from_template(actor=office_actor, owner=owner, year=year, is_demo=True)
        services.approve_plan(plan, actor=office_actor)
    # The last month that has ended (for last year's list: December).
    last_past = 12 if year < today.year else today.month - 1
    for task in plan.tasks.order_by("deadline", "sort", "pk"):
        _play(task, _profile(task, last_past, today), office_actor, now)
    return plan


def build_demo_activities(owner: Org, office_actor, now: dt.datetime) -> list[Plan]:
    today = timezone.localdate(now)
    years = [today.year - 1, today.year] if today.month <= 2 else [today.year]
    return [build_activity_year(owner, office_actor, now, year) for year in years]
