"""Key-task supervision (督查督办): plans, their task trees, progress reports with evidence, and the
escalation ladder (催办 → 督办通知单 → 通报 → 问责).

A plan (工作计划/任务清单) comes from a source — a meeting, a document, a leader's instruction — and is
owned by an office (``Plan.org``, usually the 区委督查室). Its tasks form a tree (``Task.parent``);
each task has a lead unit (牵头单位) and co-units (配合单位) as ``TaskUnit`` rows, so a unit's tasks
are one indexed prefix match on the unit's path. Every change goes through ``workplan.services``
and lands in the audit chain of the task, which *is* the task's timeline.

Stored columns keep the board a single query: ``lags_from`` is the first day on which the task's
progress falls behind the time-proportional plan by the configured margin (computed on the
working-day calendar whenever progress or dates change), ``next_report_due`` is when the next
progress report is due. "Overdue" and "lagging" are then comparisons with today, not flags.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import Org, OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet, under_paths


class SupervisionRule(models.Model):
    """督办规则 (configuration as data): thresholds of the status board and the escalation ladder,
    from a date on. The rule in force on a day is the one with the latest ``effective_from``."""

    effective_from = models.DateField("生效日期", unique=True)
    lag_margin = models.PositiveSmallIntegerField(
        "滞后判定幅度(百分点)", default=10, help_text="实际进度低于按时间进度推算的计划进度超过该幅度即为滞后"
    )
    remind_days = models.PositiveSmallIntegerField("提前催办(工作日)", default=3)
    notice_reply_days = models.PositiveSmallIntegerField("督办通知单回复期限(工作日)", default=3)
    circular_after_days = models.PositiveSmallIntegerField("督办后仍未整改予以通报(工作日)", default=5)
    accountability_after_days = models.PositiveSmallIntegerField(
        "通报后仍未整改提出问责建议(工作日)", default=10
    )
    max_evidence_mb = models.PositiveSmallIntegerField("佐证材料单个文件上限(MB)", default=20)
    note = models.CharField("依据/说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "督办规则"
        verbose_name_plural = "督办规则"
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.effective_from} 起:滞后幅度 {self.lag_margin} 个百分点"


class PlanKind(models.TextChoices):
    KEY_WORK = "key_work", "重点工作"
    ACTIVITY_LIST = "activity_list", "活动清单"
    PRACTICAL = "practical", "为民办实事"
    INSTRUCTION = "instruction", "领导批示件"
    MEETING = "meeting", "会议决定事项"
    RECTIFY = "rectify", "整改台账"


# The permissions a plan kind's owner-office actions (下达, 核验, 销号, 调整) and its units' reports
# need, when not ``supervise`` / ``workplan_report``: a 整改台账 (巡视巡察整改, the ``rectify`` app) is
# issued and 销号'd by the issuing body (组织部 too, who holds no ``supervise``) and reported by the
# responsible units' staff (党组织书记 too).
KIND_ACTIONS: dict[str, tuple[str, str]] = {"rectify": ("rectify_issue", "rectify_report")}


def supervise_action(kind: str) -> str:
    """The permission of the owner office's actions on a plan of ``kind``."""
    return KIND_ACTIONS.get(kind, ("supervise", "workplan_report"))[0]


def report_action(kind: str) -> str:
    """The permission of a unit's progress report on a task of a plan of ``kind``."""
    return KIND_ACTIONS.get(kind, ("supervise", "workplan_report"))[1]


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已下达"
    ARCHIVED = "archived", "已归档"


class PlanQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        q = Q(pk__in=[])
        if action == "view":
            q |= Q(
                pk__in=Task.objects.filter(Q(leader__user=user) | Q(responsible__user=user)).values("plan_id")
            )
        if paths:
            units = TaskUnit.objects.filter(under_paths(paths), active=True)
            q |= Q(pk__in=units.values("task__plan_id"))
        return q


class Plan(OrgScopedModel):
    """A plan (工作计划/任务清单) and its source. ``org`` is the owner office (牵头督办单位)."""

    title = models.CharField("计划名称", max_length=120)
    kind = models.CharField("类别", max_length=16, choices=PlanKind.choices, default=PlanKind.KEY_WORK)
    year = models.PositiveSmallIntegerField("年度")
    source_meeting = models.CharField("来源会议/文件", max_length=200, blank=True)
    document_no = models.CharField("文号", max_length=60, blank=True)
    source_date = models.DateField("会议/发文日期", null=True, blank=True)
    source_text = models.TextField("来源原文", blank=True)
    source_file = models.FileField("来源文件", upload_to="workplan/sources/%Y/", blank=True)
    state = models.CharField("状态", max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    approved_at = models.DateTimeField("下达时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下达人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "工作计划"
        verbose_name_plural = "工作计划"
        ordering = ["-year", "-created_at"]
        indexes = [models.Index(fields=["source_file"], name="plan_source_file")]  # media view lookup

    def __str__(self):
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.state != PlanState.DRAFT


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "每周"
    FORTNIGHTLY = "fortnightly", "每两周"
    MONTHLY = "monthly", "每月"


class Priority(models.TextChoices):
    HIGH = "high", "重点"
    NORMAL = "normal", "一般"


class TaskState(models.TextChoices):
    """The stored lifecycle; the board status (``TaskStatus``) is computed from it and the dates."""

    ACTIVE = "active", "办理中"
    SUBMITTED = "submitted", "已报办结"
    DONE = "done", "已办结"
    CLOSED = "closed", "已销号"
    CANCELLED = "cancelled", "已取消"


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    LAGGING = "lagging", "滞后"
    OVERDUE = "overdue", "逾期"
    PENDING_VERIFY = "pending_verify", "待核验"
    DONE = "done", "已办结"
    CLOSED = "closed", "已销号"
    CANCELLED = "cancelled", "已取消"


# Board order (overdue and lagging first) and the red/amber/green light of each status.
STATUS_RANK = {
    TaskStatus.OVERDUE: 0,
    TaskStatus.LAGGING: 1,
    TaskStatus.PENDING_VERIFY: 2,
    TaskStatus.NOT_STARTED: 3,
    TaskStatus.IN_PROGRESS: 4,
    TaskStatus.DONE: 5,
    TaskStatus.CLOSED: 6,
    TaskStatus.CANCELLED: 7,
}
STATUS_LIGHT = {
    TaskStatus.OVERDUE: "red",
    TaskStatus.LAGGING: "amber",
    TaskStatus.PENDING_VERIFY: "green",
    TaskStatus.NOT_STARTED: "grey",
    TaskStatus.IN_PROGRESS: "green",
    TaskStatus.DONE: "green",
    TaskStatus.CLOSED: "green",
    TaskStatus.CANCELLED: "grey",
}
LIGHT_COLOUR = {"red": "danger", "amber": "warning", "green": "success", "grey": "secondary"}

EVIDENCE_KINDS = ["文件", "照片", "数据", "会议记录", "制度", "报告", "台账", "其他"]
TAGS = ["组织", "宣传", "政法", "统战", "纪检", "党建", "作风", "民生", "城管", "基层治理"]

OPEN_STATES = (TaskState.ACTIVE, TaskState.SUBMITTED)


class TaskQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        q = Q(pk__in=[])
        if action == "view":
            # Leaders and responsible persons see the tasks they answer for (责任领导视图).
            q |= Q(leader__user=user) | Q(responsible__user=user)
        if paths:
            # A unit sees the tasks it leads or co-operates on, whoever owns the plan.
            q |= Q(pk__in=TaskUnit.objects.filter(under_paths(paths), active=True).values("task_id"))
        return q

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today):
        return self.filter(state=TaskState.ACTIVE, deadline__lt=today)

    def lagging(self, today):
        return self.filter(state=TaskState.ACTIVE, deadline__gte=today, lags_from__lte=today)

    def with_status(self, today):
        """Annotate ``status_code`` and ``status_rank`` (one CASE expression each, no joins)."""
        from django.db.models import Case, IntegerField, Value, When

        whens = [
            (Q(state=TaskState.CANCELLED), TaskStatus.CANCELLED),
            (Q(state=TaskState.CLOSED), TaskStatus.CLOSED),
            (Q(state=TaskState.DONE), TaskStatus.DONE),
            (Q(state=TaskState.SUBMITTED), TaskStatus.PENDING_VERIFY),
            (Q(deadline__lt=today), TaskStatus.OVERDUE),
            (Q(lags_from__lte=today), TaskStatus.LAGGING),
            (Q(progress=0), TaskStatus.NOT_STARTED),
        ]
        return self.annotate(
            status_code=Case(
                *[When(cond, then=Value(str(code))) for cond, code in whens],
                default=Value(str(TaskStatus.IN_PROGRESS)),
                output_field=models.CharField(),
            ),
            status_rank=Case(
                *[When(cond, then=Value(STATUS_RANK[code])) for cond, code in whens],
                default=Value(STATUS_RANK[TaskStatus.IN_PROGRESS]),
                output_field=IntegerField(),
            ),
        )


class Task(OrgScopedModel):
    """A key task (重点任务) or sub-task. ``org`` is the plan's owner office (kept equal to it)."""

    plan = models.ForeignKey(Plan, verbose_name="所属计划", on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey(
        "self",
        verbose_name="上级任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    number = models.CharField("序号", max_length=20, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)
    title = models.CharField("工作任务", max_length=300)
    description = models.TextField("任务要求", blank=True)
    lead_unit = models.ForeignKey(
        Org, verbose_name="牵头单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader_name = models.CharField("责任领导", max_length=50, blank=True)
    leader = models.ForeignKey(
        Person,
        verbose_name="责任领导(人员)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_name = models.CharField("责任人", max_length=50, blank=True)
    responsible = models.ForeignKey(
        Person, verbose_name="责任人(人员)", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_on = models.DateField("开始日期")
    deadline = models.DateField("完成时限")
    cadence = models.CharField("报送频次", max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    expected_result = models.CharField("预期成果", max_length=300, blank=True)
    evidence_kinds = models.CharField("成果形式", max_length=100, blank=True, help_text="以顿号分隔")
    priority = models.CharField("优先级", max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    tags = models.CharField("标签", max_length=100, blank=True, help_text="以顿号分隔")
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2, default=1)
    progress = models.DecimalField("进度(%)", max_digits=5, decimal_places=1, default=0)
    state = models.CharField("状态", max_length=16, choices=TaskState.choices, default=TaskState.ACTIVE)
    lags_from = models.DateField("滞后起算日", null=True, blank=True)
    next_report_due = models.DateField("下次报送日期", null=True, blank=True)
    last_report_at = models.DateTimeField("最近报送", null=True, blank=True)
    reports_count = models.PositiveIntegerField("报送次数", default=0)
    children_count = models.PositiveIntegerField("子任务数", default=0)
    latest_summary = models.CharField("最新进展", max_length=300, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=300, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    submitted_at = models.DateTimeField("报办结时间", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "督办任务"
        verbose_name_plural = "督办任务"
        ordering = ["plan", "sort", "pk"]
        indexes = [
            models.Index(fields=["plan", "parent", "sort"], name="wp_task_tree"),
            models.Index(fields=["state", "deadline"], name="wp_task_state_deadline"),
            models.Index(fields=["state", "lags_from"], name="wp_task_state_lag"),
            models.Index(fields=["state", "next_report_due"], name="wp_task_state_report"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("start_on")), name="wp_task_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="wp_task_progress_range"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="wp_task_weight_positive"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def is_leaf(self) -> bool:
        return self.children_count == 0

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("、") if t]

    @property
    def evidence_kind_list(self) -> list[str]:
        return [t for t in self.evidence_kinds.split("、") if t]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class UnitRole(models.TextChoices):
    LEAD = "lead", "牵头"
    CO = "co", "配合"


class TaskUnitQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return under_paths(paths, "task__org_path") if paths else None


class TaskUnit(OrgScopedModel):
    """A unit's part in a task: the lead unit (牵头) or a co-unit (配合). ``org`` is the unit.
    When the units change, old rows are deactivated (kept for the record), never deleted."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="units")
    role = models.CharField("角色", max_length=8, choices=UnitRole.choices)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TaskUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "任务承办单位"
        verbose_name_plural = "任务承办单位"
        indexes = [models.Index(fields=["org_path", "active"], name="wp_taskunit_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "org", "role"], condition=Q(active=True), name="wp_taskunit_once"
            ),
        ]

    def __str__(self):
        return f"{self.task_id} {self.get_role_display()} {self.org}"


class Milestone(models.Model):
    """A dated node of a task's plan (节点目标)."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField("节点目标", max_length=200)
    due_on = models.DateField("节点时限")
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "节点目标"
        verbose_name_plural = "节点目标"
        ordering = ["due_on", "pk"]

    def __str__(self):
        return f"{self.due_on} {self.title}"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "已报送"
    AWAITING = "awaiting", "待核验"
    ACCEPTED = "accepted", "核验通过"
    RETURNED = "returned", "已退回"


class ReportQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        involved = TaskUnit.objects.filter(under_paths(paths), active=True).values("task_id")
        return under_paths(paths, "task__org_path") | Q(task_id__in=involved)


class ProgressReport(OrgScopedModel):
    """A progress report (进展报送) by the lead unit (``org``), merging the co-units' inputs."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="reports")
    percent = models.PositiveSmallIntegerField("完成进度(%)")
    done_text = models.TextField("工作进展")
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    co_inputs = models.TextField("配合单位报送情况", blank=True)
    is_completion = models.BooleanField("申请办结", default=False)
    previous_progress = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    status = models.CharField(
        "状态", max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    verify_note = models.CharField("核验意见", max_length=500, blank=True)
    created_at = models.DateTimeField("报送时间", default=timezone.now, db_index=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "进展报送"
        verbose_name_plural = "进展报送"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["task", "created_at"], name="wp_report_task")]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="wp_report_percent")]

    def __str__(self):
        return f"{self.task_id} {self.percent}%"


class CoInputQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return under_paths(paths, "task__org_path") if paths else None


class CoInput(OrgScopedModel):
    """A co-unit's contribution (配合单位报送), merged into the lead unit's next report."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="co_inputs")
    text = models.TextField("配合工作情况")
    report = models.ForeignKey(
        ProgressReport,
        verbose_name="并入报送",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inputs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CoInputQuerySet.as_manager()

    class Meta:
        verbose_name = "配合单位报送"
        verbose_name_plural = "配合单位报送"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.org} → {self.task_id}"


def evidence_path(instance, filename):
    when = instance.created_at or timezone.now()
    extension = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:8]
    return f"workplan/{when:%Y/%m}/{secrets.token_hex(8)}.{extension}"


class Evidence(models.Model):
    """A file that proves progress or completion (佐证材料). Reached only through a visible task."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="evidence")
    report = models.ForeignKey(
        ProgressReport,
        verbose_name="报送",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    kind = models.CharField("成果形式", max_length=16)
    file = models.FileField("文件", upload_to=evidence_path)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["file"], name="evidence_file")]  # media view lookup

    def __str__(self):
        return self.original_name


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "催办"
    NOTICE = "notice", "督办通知单"
    CIRCULAR = "circular", "通报"


class NoticeTrigger(models.TextChoices):
    REPORT = "report", "进展报送"
    DEADLINE = "deadline", "完成时限"
    ESCALATION = "escalation", "督办后未整改"
    MANUAL = "manual", "督查室决定"


class NoticeQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        # The unit a notice is addressed to sees it, wherever the plan's owner is.
        return under_paths(paths, "unit__path") if paths else None

    def awaiting_reply(self):
        return self.filter(kind=NoticeKind.NOTICE, replied_at__isnull=True)


class Notice(OrgScopedModel):
    """A step of the escalation ladder addressed to a unit. ``org`` is the plan's owner office.

    Automatic steps are unique per (task, kind, trigger, due_on) and circulars per notice they
    escalate, so the periodic job can run any number of times on any number of workers.
    """

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("类型", max_length=16, choices=NoticeKind.choices)
    trigger = models.CharField("起因", max_length=16, choices=NoticeTrigger.choices)
    due_on = models.DateField("对应时限", null=True, blank=True)
    unit = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("文号", max_length=40, blank=True)
    text = models.TextField("内容")
    reply_due_on = models.DateField("回复期限", null=True, blank=True)
    reply = models.TextField("情况说明", blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_from = models.ForeignKey(
        "self",
        verbose_name="由…升级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("发出时间", default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "trigger", "due_on"], name="wp_notice_once"),
            models.UniqueConstraint(
                fields=["escalated_from"], condition=Q(kind="circular"), name="wp_circular_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()


class AccountabilityForm(models.TextChoices):
    TALK = "talk", "约谈"
    CRITICISM = "criticism", "通报批评"
    SELF_CHECK = "self_check", "责令书面检查"
    ADMONITION = "admonition", "诫勉"
    ORGANIZATIONAL = "organizational", "组织处理"
    DISCIPLINARY = "disciplinary", "党纪政务处分"


class AccountabilityStatus(models.TextChoices):
    PROPOSED = "proposed", "待决定"
    DECIDED = "decided", "已决定"
    DISMISSED = "dismissed", "不予问责"


class AccountabilityQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return under_paths(paths, "unit__path") if paths else None


class Accountability(OrgScopedModel):
    """问责 record: who (person, unit), what form, why, and the decision document.

    The ladder may *propose* one (status 待决定) when a circular did not help; only the
    supervision office decides, and that decision is an audited action with its author."""

    task = models.ForeignKey(
        Task, verbose_name="任务", on_delete=models.PROTECT, related_name="accountability"
    )
    unit = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField("责任人", max_length=50, blank=True)
    form = models.CharField("问责方式", max_length=16, choices=AccountabilityForm.choices, blank=True)
    reason = models.TextField("问责事由")
    decision_no = models.CharField("决定文号", max_length=60, blank=True)
    decision_file = models.FileField("决定文书", upload_to=evidence_path, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=AccountabilityStatus.choices, default=AccountabilityStatus.PROPOSED
    )
    source = models.OneToOneField(
        Notice,
        verbose_name="起因通报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提出时间", default=timezone.now)

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = "问责记录"
        verbose_name_plural = "问责记录"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["decision_file"], name="accountability_decision_file")
        ]  # media view lookup

    def __str__(self):
        return f"问责 {self.unit} {self.person_name}".strip()

    # ``created_at`` drives the upload path of the decision file.


class DocCounter(models.Model):
    """Legacy: the last number of each year's notices and circulars before the shared series
    (``core.DocNumberCounter``, migration 0004 carried the values over). No longer written."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "文号计数"
        verbose_name_plural = "文号计数"
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="wp_doccounter_once")]

    def __str__(self):
        return f"{self.year} {self.kind}: {self.last}"


class LinkKind(models.TextChoices):
    CASE = "case", "网格事项"
    ORG = "org", "组织/党组织"
    URL = "url", "其他记录(链接)"


class TaskLink(models.Model):
    """A record that shows the task's work (关联记录): a grid case, a party organization, or another
    record by link. Reached only through a visible task; the linked page checks its own scope."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="links")
    kind = models.CharField("类型", max_length=8, choices=LinkKind.choices)
    target_id = models.CharField("记录编号", max_length=64, blank=True)
    label = models.CharField("说明", max_length=200)
    url = models.CharField("链接", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "关联记录"
        verbose_name_plural = "关联记录"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "kind", "target_id"], condition=~Q(target_id=""), name="wp_link_once"
            )
        ]

    def __str__(self):
        return self.label
