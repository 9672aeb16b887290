"""The demo plan (演示督办计划): the seed speech turned into a task tree, plus the district's urban
governance tasks, with a few months of history replayed through the real services.

The supervision office (``dudao``, 区委督查室) drafts the plan from the speech with the extractor,
fills in the lead units the speech leaves generic, decomposes two items onto the units the demo
accounts work in (``bumen`` → 区城管局, ``jiedao`` → 望月湖街道), and issues it about four months
ago. Then, day by day up to now and under ``core.clock.frozen``, the units report on their cadence
with a profile each — on track, lagging, silent, completed and verified, completion awaiting
verification, past the deadline — and the escalation ladder runs every working morning, so the
reminders, notices, circulars and an accountability proposal are the ladder's own output.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core import clock
from core.actors import SYSTEM
from core.errors import ServiceError
from demo import orgs as orgs_demo
from demo.activities import build_demo_activities
from orgs.models import Org, User
from orgs.scoping import can, subtree_q
from workdays.calendar import WorkCalendar, add_workdays
from workplan import escalation, services, status
from workplan.extract import extract
from workplan.models import Cadence, Plan, PlanKind, Task, TaskState
from workplan.units import LEADABLE_KINDS, UnitMatcher

SPEECH = Path(__file__).resolve().parent / "data" / "seed_speech.txt"
HISTORY_DAYS = 125
GENERIC = {"区委各部门", "各部门", "各单位", "各级党组织", "各街道", "各乡镇", ""}


class DemoWorkplanError(Exception):
    pass


@dataclass
class DemoWorkplanSummary:
    reused: bool = False
    plans: int = 0
    tasks: int = 0
    reports: int = 0
    notices: dict = field(default_factory=dict)
    by_status: dict = field(default_factory=dict)
    seconds: float = 0.0


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _pdf(name: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% Luoshi demo evidence: {name}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# What the units write in their reports, by how far along they are.
PROGRESS_TEXTS = [
    (0, "已制定工作方案,明确责任分工和时间节点", "个别配合单位对接不够及时", "召开推进会,细化任务清单"),
    (
        30,
        "完成前期摸底调研,建立工作台账,已召开专题推进会1次",
        "基层人手紧张,进度不平衡",
        "加强调度,每周通报进度",
    ),
    (60, "主体工作基本完成,正在查漏补缺", "部分点位整改质量有待提高", "开展回头看,巩固整改成效"),
    (85, "已完成绝大部分任务,正在整理成果材料", "", "完成收尾并报送佐证材料"),
]

# Urban-governance tasks of the 2026 key-work plan: (title, lead key, co keys, profile, deadline offset
# from today in days (negative: in the past), cadence, leader, responsible person).
URBAN_TASKS = [
    (
        "背街小巷环境综合整治提质",
        "urban",
        ["street"],
        "lagging",
        45,
        Cadence.FORTNIGHTLY,
        "周副区长",
        "彭建军",
    ),
    ("城市管理领域“马路办公”常态化", "urban", [], "submitted", 20, Cadence.MONTHLY, "周副区长", "彭建军"),
    (
        "占道经营和违规户外广告专项治理",
        "urban",
        ["street"],
        "overdue",
        -12,
        Cadence.MONTHLY,
        "周副区长",
        "彭建军",
    ),
    (
        "网格事项流转处置机制试点",
        "street",
        ["urban"],
        "on_track",
        60,
        Cadence.MONTHLY,
        "望月湖街道党工委书记",
        "刘婷",
    ),
    (
        "老旧小区物业党建联建全覆盖",
        "street",
        [],
        "silent",
        75,
        Cadence.MONTHLY,
        "望月湖街道党工委书记",
        "刘婷",
    ),
]


class _Builder:
    def __init__(self, root: Org, now: dt.datetime):
        self.root, self.now = root, now
        self.today = timezone.localdate(now)
        self.start = self.today - dt.timedelta(days=HISTORY_DAYS)
        self.year_end = dt.date(self.today.year, 12, 31)
        units = Org.objects.filter(
            subtree_q("path", root.path), archived_at__isnull=True, kind__in=LEADABLE_KINDS
        )
        self.matcher = UnitMatcher(units)
        self.units = {
            "office": self._unit(orgs_demo.SUPERVISION_DEPT),
            "urban": self._unit(orgs_demo.URBAN_MANAGEMENT_DEPT),
            "org_dept": self._unit(orgs_demo.ORG_DEPT),
            "committee_office": self._unit("区委办公室"),
            "street": Org.objects.get(is_demo=True, code=orgs_demo.DEMO_STREET_CODE),
        }
        self.users = {u.username: u for u in User.objects.filter(username__in=["dudao", "bumen", "jiedao"])}
        self.dudao = self.users.get("dudao") or SYSTEM
        self.profiles: dict[int, str] = {}
        self.calendar = WorkCalendar()
        # The "submitted" task reports its completion two working days before the build day, so
        # it waits for verification on any day (a Monday, after a long holiday, …).
        self.submit_day = add_workdays(self.today, -2, calendar=self.calendar)
        # The office's hand-issued notice, left for bumen to answer: four working days ago.
        self.notice_day = add_workdays(self.today, -4, calendar=self.calendar)
        self.reports = 0

    def _unit(self, name: str) -> Org:
        org = self.matcher.match(name)
        if org is None:
            raise DemoWorkplanError(f"演示数据不完整:找不到{name}。请先运行 luoshi build_demo")
        return org

    def reporter(self, unit: Org):
        for username in ("bumen", "jiedao"):
            user = self.users.get(username)
            if user is not None and can(user, "workplan_report", unit):
                return user
        return SYSTEM  # departments without a demo account report as the system

    # -- the plans -----------------------------------------------------------------------

    def speech_plan(self) -> Plan:
        text = SPEECH.read_text(encoding="utf-8")
        draft = extract(text, matcher=self.matcher, year=self.start.year)
        plan = services.create_plan(
            actor=self.dudao,
            owner=self.units["office"],
            title=f"{self.start.year}年区委重点工作推进会议部署事项",
            kind=PlanKind.MEETING,
            source_meeting=draft.title or "区委重点工作推进会议",
            document_no=f"岳督办〔{self.start.year}〕12号",
            source_date=self.start - dt.timedelta(days=3),
            source_text=text,
            is_demo=True,
        )
        index = 0

        def add(node, parent, parent_lead):
            nonlocal index
            if not node.is_task:
                return None  # 原则要求 are not supervised tasks
            lead = Org.objects.filter(pk=node.lead_org_id).first() if node.lead_org_id else None
            if lead is None and node.lead not in GENERIC:
                lead = self.matcher.match(node.lead)
            lead = lead or parent_lead or self.units["committee_office"]
            deadline = self.year_end
            profile = "on_track"
            title = node.title.replace("(原文不完整)", "")
            if "培训班" in title:
                deadline, profile = self.today - dt.timedelta(days=20), "overdue"
            elif "两先一优" in title:
                deadline, profile = self.start + dt.timedelta(days=50), "closed"
            elif "能力建设活动清单" in title:
                deadline, profile = self.start + dt.timedelta(days=40), "done"
            elif "品牌支部" in title:
                profile = "lagging"
            elif node.truncated or node.inferred:
                profile = "silent"  # 巡视发现问题的整改: nobody reports
            elif index % 7 == 3:
                profile = "lagging"
            index += 1
            task = services.create_task(
                plan,
                actor=self.dudao,
                parent=parent,
                title=title,
                description=node.text[:2000],
                lead_unit=lead,
                co_units=[self.units["org_dept"]]
                if "组织部门" in node.text and lead != self.units["org_dept"]
                else [],
                start_on=self.start,
                deadline=max(deadline, self.start + dt.timedelta(days=20)),
                cadence=Cadence.MONTHLY,
                evidence_kinds=["文件", "会议记录"] if node.kind == "directive" else [],
                expected_result="形成工作方案、推进台账和总结报告" if node.kind == "directive" else "",
                tags=_tags(node.lead + title),
                is_demo=True,
            )
            self.profiles[task.pk] = profile
            for child in node.children:
                add(child, task, lead)
            if "走流程" in title:
                # Decomposed onto the units of the demo accounts.
                for unit, who in ((self.units["urban"], "彭建军"), (self.units["street"], "刘婷")):
                    sub = services.create_task(
                        plan,
                        actor=self.dudao,
                        parent=task,
                        title=f"{unit.short_name or unit.name}领导班子“走流程”,解决群众办事堵点",
                        lead_unit=unit,
                        start_on=self.start,
                        deadline=self.year_end,
                        cadence=Cadence.MONTHLY,
                        responsible_name=who,
                        evidence_kinds=["文件", "照片"],
                        tags=["作风"],
                        is_demo=True,
                    )
                    self.profiles[sub.pk] = "on_track" if unit == self.units["street"] else "lagging"
            return task

        for node in draft.nodes:
            add(node, None, None)
        return plan

    def urban_plan(self) -> Plan:
        plan = services.create_plan(
            actor=self.dudao,
            owner=self.units["office"],
            title=f"{self.start.year}年区委重点工作(城市治理)",
            kind=PlanKind.KEY_WORK,
            source_meeting="区委常委会会议",
            document_no=f"岳办发〔{self.start.year}〕8号",
            source_date=self.start - dt.timedelta(days=5),
            is_demo=True,
        )
        from orgs.models import Person

        people = {
            p.user.username: p
            for p in Person.objects.filter(user__username__in=["bumen", "jiedao"]).select_related("user")
        }
        for title, lead, co, profile, offset, cadence, leader, person in URBAN_TASKS:
            task = services.create_task(
                plan,
                actor=self.dudao,
                title=title,
                lead_unit=self.units[lead],
                co_units=[self.units[key] for key in co],
                start_on=self.start,
                deadline=self.today + dt.timedelta(days=offset),
                cadence=cadence,
                leader_name=leader,
                responsible_name=person,
                responsible=people.get("bumen" if lead == "urban" else "jiedao"),
                evidence_kinds=["照片", "台账"],
                expected_result="问题清单全部销号,群众满意度明显提升",
                priority="high" if profile in ("lagging", "overdue") else "normal",
                tags=["城管", "基层治理"],
                is_demo=True,
            )
            self.profiles[task.pk] = profile
            if title.startswith("网格事项流转"):
                self._link_cases(task)
        return plan

    def _link_cases(self, task: Task) -> None:
        """The pilot's evidence includes real grid cases of the street (when the demo has them)."""
        from django.apps import apps

        if not apps.is_installed("cases"):
            return
        Case = apps.get_model("cases", "Case")
        street = self.units["street"]
        for case in Case.objects.filter(subtree_q("org_path", street.path), status="closed").order_by(
            "-closed_at"
        )[:2]:
            services.link_record(
                task, actor=SYSTEM, kind="case", ref=case.number, label=f"试点流转案例:{case.title}"
            )

    # -- the history ---------------------------------------------------------------------

    def _target(self, task: Task, profile: str, day: dt.date) -> int:
        expected = status.expected_progress(task, day, self.calendar)
        if profile == "lagging":
            return int(min(max(expected * 0.45, 5), 60))
        if profile == "overdue":
            return int(min(expected * 0.8, 80))
        # Units on track report what the next weeks will have done (a month's reports stay ahead).
        ahead = status.expected_progress(task, day + dt.timedelta(days=40), self.calendar)
        if profile in ("done", "closed", "submitted"):
            return int(min(ahead + 10, 95))
        return int(min(max(ahead, expected + 5), 95))

    def _report(self, task: Task, profile: str, moment: dt.datetime) -> None:
        day = timezone.localdate(moment)
        complete = profile in ("done", "closed") and day >= task.deadline - dt.timedelta(days=7)
        complete = complete or (profile == "submitted" and day >= self.submit_day)
        percent = 100 if complete else max(self._target(task, profile, day), int(task.progress))
        text = next(t for t in reversed(PROGRESS_TEXTS) if percent >= t[0])
        evidence = [("文件", _pdf(f"{task.number}-成果材料.pdf"))] if complete else []
        with clock.frozen(moment):
            services.report_progress(
                task,
                actor=self.reporter(task.lead_unit),
                percent=percent,
                done_text="任务已全部完成,成果材料已上传" if complete else text[1],
                problems="" if complete else text[2],
                next_steps="" if complete else text[3],
                complete=complete,
                evidence=evidence,
            )
        self.reports += 1

    def replay(self, plans: list[Plan]) -> None:
        with clock.frozen(_local(self.start, 10)):
            for plan in plans:
                services.approve_plan(plan, actor=self.dudao)
        day = self.start + dt.timedelta(days=1)
        while day <= self.today:
            if self.calendar.is_workday(day):
                # Nothing is dated after the moment of the build: on the build day itself the
                # ladder runs only once its morning has come, and the units' reports (16:00) wait.
                morning = _local(day, 8, 30)
                if day < self.today or morning <= self.now:
                    escalation.run_ladder(morning)
                if day < self.today:
                    self._day(plans, day)
            day += dt.timedelta(days=1)

    def _day(self, plans, day: dt.date) -> None:
        leaves = Task.objects.filter(
            plan__in=plans, children_count=0, state__in=(TaskState.ACTIVE, TaskState.SUBMITTED)
        ).select_related("lead_unit", "plan")
        for task in leaves:
            profile = self.profiles.get(task.pk, "on_track")
            if task.state == TaskState.SUBMITTED:
                if profile in ("done", "closed") and day >= timezone.localdate(
                    task.submitted_at
                ) + dt.timedelta(days=3):
                    with clock.frozen(_local(day, 11)):
                        services.verify_completion(
                            task, actor=self.dudao, accept=True, note="佐证材料齐全,核验属实"
                        )
                        if profile == "closed":
                            services.close_task(task, actor=self.dudao, note="已办结,予以销号")
                continue
            if profile == "silent" or task.next_report_due is None:
                continue
            if profile == "overdue" and day > task.deadline:
                continue  # stopped reporting after the deadline: the ladder takes over
            due = task.next_report_due
            if day >= due or (profile == "submitted" and day == self.submit_day):
                try:
                    self._report(task, profile, _local(day, 16, (task.pk * 7) % 60))
                except ServiceError:
                    continue
        if day == self.notice_day:
            self._manual_notice(plans, day)
        self._replies(plans, day)

    def _replies(self, plans, day: dt.date) -> None:
        """Units answer supervision notices the next working day — except the silent ones, and
        the notice the demo leaves for ``bumen`` to answer."""
        from workplan.models import Notice

        notices = Notice.objects.filter(
            task__plan__in=plans, kind="notice", replied_at__isnull=True, created_at__date__lt=day
        )
        for notice in notices.select_related("task", "unit"):
            profile = self.profiles.get(notice.task_id, "on_track")
            if profile == "silent" or (profile == "overdue" and notice.trigger == "deadline"):
                continue
            if notice.trigger == "manual":
                continue
            with clock.frozen(_local(day, 10)):
                escalation.reply_notice(
                    notice,
                    actor=self.reporter(notice.unit),
                    reply="收到督办通知后,单位主要负责同志专题研究,已明确专人负责,并按要求补报进展、加快推进。",
                )

    def _manual_notice(self, plans, day: dt.date) -> None:
        """The office issues a notice by hand for a lagging urban task (the ladder handles the late)."""
        task = Task.objects.filter(plan__in=plans, title="背街小巷环境综合整治提质").first()
        if task is None or task.state != TaskState.ACTIVE:
            return
        with clock.frozen(_local(day, 15)):
            escalation.issue_notice(
                task,
                actor=self.dudao,
                kind="notice",
                text=(
                    f"{task.lead_unit.name}:你单位牵头负责的“{task.title}”实际进度明显落后于计划进度,"
                    "请于限期内书面说明原因,提出整改措施,并加快推进。"
                ),
            )


def _tags(text: str) -> list[str]:
    tags = []
    for key, tag in (
        ("组织", "组织"),
        ("宣传", "宣传"),
        ("政法", "政法"),
        ("统战", "统战"),
        ("党建", "党建"),
        ("作风", "作风"),
    ):
        if key in text:
            tags.append(tag)
    return tags[:3]


def summarize(summary: DemoWorkplanSummary, day: dt.date) -> DemoWorkplanSummary:
    from django.db.models import Count

    from workplan.models import Notice, ProgressReport

    tasks = Task.objects.filter(is_demo=True)
    summary.plans = Plan.objects.filter(is_demo=True).count()
    summary.tasks = tasks.count()
    summary.reports = ProgressReport.objects.filter(task__is_demo=True).count()
    rows = tasks.with_status(day).order_by().values("status_code").annotate(n=Count("pk"))
    summary.by_status = {row["status_code"]: row["n"] for row in rows}
    notices = Notice.objects.filter(task__is_demo=True).order_by().values("kind").annotate(n=Count("pk"))
    summary.notices = {row["kind"]: row["n"] for row in notices}
    return summary


def build_demo_workplan(stdout=None) -> DemoWorkplanSummary:
    started = time.monotonic()
    root = orgs_demo.find_demo_root()
    if root is None:
        raise DemoWorkplanError("尚未生成演示区划,请先运行 luoshi build_demo")
    now = timezone.now()
    if Plan.objects.filter(is_demo=True).exists():
        summary = summarize(DemoWorkplanSummary(reused=True), timezone.localdate(now))
    else:
        with transaction.atomic():
            builder = _Builder(root, now)
            with status.shared_calendar(builder.calendar):
                with clock.frozen(_local(builder.start - dt.timedelta(days=2), 9)):
                    plans = [builder.speech_plan(), builder.urban_plan()]
                builder.replay(plans)
                build_demo_activities(builder.units["committee_office"], builder.dudao, now)
        summary = summarize(DemoWorkplanSummary(), timezone.localdate(now))
    summary.seconds = time.monotonic() - started
    if stdout is not None:
        write_summary(summary, stdout)
    return summary


def write_summary(summary: DemoWorkplanSummary, out) -> None:
    from workplan.models import NoticeKind, TaskStatus

    if summary.reused:
        out.write(f"演示督办计划已存在,直接复用(共 {summary.plans} 个计划、{summary.tasks} 项任务)\n")
    else:
        out.write(
            f"演示督办计划已生成,用时 {summary.seconds:.1f} 秒:{summary.plans} 个计划、"
            f"{summary.tasks} 项任务、{summary.reports} 次进展报送\n"
        )
    statuses = "、".join(f"{TaskStatus(k).label} {v}" for k, v in sorted(summary.by_status.items()) if v)
    out.write(f"  按状态:{statuses}\n")
    notices = "、".join(f"{NoticeKind(k).label} {v}" for k, v in summary.notices.items())
    out.write(f"  催办督办:{notices or '无'}\n")
