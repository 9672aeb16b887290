"""The demo activity list (演示活动清单): 能力作风建设年 for the build year, created from the template by
the campaign office (区委办公室, with the 组织部), issued on the first working days of January, with
the months in every state relative to the build day: of the activities whose month has ended, the
last is overdue, the one before awaits verification, the one before that is done and older ones are
closed (销号) — all with evidence; the current month is in progress, the months ahead not started.
Built before April, last year's list (all months past) is built too, so every state shows on any day.
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


PAST_PROFILES = ("overdue", "submitted", "done")  # the last ended activity first; older: closed


def _profiles(tasks: list[Task], today: dt.date) -> list[str]:
    """Activities whose month has ended: the last one overdue, the one before awaiting
    verification, the one before that done, older ones closed (销号). The current month's are in
    progress, the months ahead not started."""
    past = [t for t in tasks if t.deadline < today]
    rank = {t.pk: i for i, t in enumerate(reversed(past))}
    out = []
    for task in tasks:
        if task.deadline >= today:
            out.append("progress" if task.start_on <= today else "future")
        else:
            i = rank[task.pk]
            out.append(PAST_PROFILES[i] if i < len(PAST_PROFILES) else "closed")
    return out


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
    tasks = list(plan.tasks.order_by("deadline", "sort", "pk"))
    for task, profile in zip(tasks, _profiles(tasks, today), strict=True):
        _play(task, profile, office_actor, now)
    return plan


def build_demo_activities(owner: Org, office_actor, now: dt.datetime) -> list[Plan]:
    today = timezone.localdate(now)
    # Until April fewer than four activities have ended this year: last year's list shows the rest.
    years = [today.year - 1, today.year] if today.month <= 3 else [today.year]
    return [build_activity_year(owner, office_actor, now, year) for year in years]
