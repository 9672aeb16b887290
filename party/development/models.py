"""Models of member development (发展党员): the applicant's process, its recorded steps and their
documents, approval authority, annual development plans and discipline records that bar a member
from sponsoring. Imported by ``party.models`` so the app registry sees them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Attachment
from orgs.models import Org, OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet


class ApplicantStatus(models.TextChoices):
    ACTIVE = "active", "培养考察中"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "已转正"
    CANCELLED = "cancelled", "已终止"


class ApplicantQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=(ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY))

    def overdue(self, day):
        """Applicants whose next step's time limit has passed (a query, not a flag)."""
        return self.open().filter(due_on__lt=day)


class Applicant(OrgScopedModel):
    """One person's development process (发展党员全程纪实). ``org`` is the branch (党支部) that
    develops the person. ``step`` is the last completed step (1–25); deadlines of the next step
    are stored columns (``due_on``) computed when a step is recorded, so "overdue" is a query."""

    person = models.ForeignKey(Person, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=16, choices=ApplicantStatus.choices, default=ApplicantStatus.ACTIVE
    )
    step = models.PositiveSmallIntegerField("已完成步骤", default=0)
    frontline = models.BooleanField("生产工作一线", default=False)
    applied_on = models.DateField("递交申请日期")
    activist_on = models.DateField("确定为积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    admitted_on = models.DateField("支部大会接收日期", null=True, blank=True)
    approved_on = models.DateField("上级党委审批日期", null=True, blank=True)
    probation_ends_on = models.DateField("预备期满日期", null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField("延长预备期(月)", default=0)
    full_member_on = models.DateField("转正日期(党龄起算)", null=True, blank=True)
    due_on = models.DateField("下一步期限", null=True, blank=True, db_index=True)
    due_label = models.CharField("期限说明", max_length=200, blank=True)
    earliest_on = models.DateField("下一步最早日期", null=True, blank=True)
    deviations = models.PositiveSmallIntegerField("偏差数", default=0)
    member = models.ForeignKey(
        "party.Member",
        verbose_name="党员记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField("终止原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员对象"
        verbose_name_plural = "发展党员对象"
        ordering = ["org_path", "-applied_on", "pk"]
        indexes = [models.Index(fields=["org_path", "status", "step"], name="applicant_path_step")]
        constraints = [
            models.CheckConstraint(condition=Q(step__lte=25), name="applicant_step_max"),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=("active", "probationary")),
                name="applicant_one_open_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.person.name}({self.org.short_name or self.org.name})"

    @property
    def stage(self) -> int:
        from party.development.steps import BY_NUMBER

        return BY_NUMBER[max(self.step, 1)].stage if self.step else 1

    @property
    def next_step(self):
        from party.development.steps import BY_NUMBER

        if self.status not in (ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY):
            return None
        return BY_NUMBER.get(self.step + 1)


class CheckResult(models.TextChoices):
    PASSED = "passed", "符合"
    DEVIATION = "deviation", "偏差"
    PENDING = "pending", "待定"


class DevelopmentStep(OrgScopedModel):
    """A recorded step: its date, the deciding body, people, vote, approval and documents, and the
    rule checks it was judged by (``checks``: rule, result, message, source, rule version and
    whether that version is confirmed). A correction supersedes a row (``superseded_by``); rows are
    never deleted."""

    applicant = models.ForeignKey(
        Applicant, verbose_name="发展对象", on_delete=models.PROTECT, related_name="steps"
    )
    number = models.PositiveSmallIntegerField("步骤")
    done_on = models.DateField("日期")
    body = models.CharField("决定/办理主体", max_length=100)
    deciding_org = models.ForeignKey(
        Org, verbose_name="决定组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    people = models.ManyToManyField(Person, verbose_name="相关人员", blank=True, related_name="+")
    role = models.CharField("人员身份", max_length=20, blank=True, help_text="谈话人/培养联系人/入党介绍人")
    meeting = models.ForeignKey(
        "party.Meeting",
        verbose_name="会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.OneToOneField(
        "party.Resolution",
        verbose_name="表决",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="development_step",
    )
    passed = models.BooleanField("通过/合格", default=True)
    details = models.JSONField("登记内容", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    checks = models.JSONField("规则检查", default=list, blank=True)
    rule_version = models.CharField("适用细则版本", max_length=8)
    rule_confirmed = models.BooleanField("版本已确认", default=True)
    has_deviation = models.BooleanField("有偏差", default=False)
    deviation_reason = models.TextField(
        "偏差说明", blank=True, help_text="登记时提示偏差、经确认仍登记的理由"
    )
    submission = models.ForeignKey(
        "party.StepSubmission",
        verbose_name="报送",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员步骤记录"
        verbose_name_plural = "发展党员步骤记录"
        ordering = ["applicant", "number", "pk"]
        indexes = [models.Index(fields=["org_path", "done_on"], name="devstep_path_day")]

    def __str__(self):
        return f"{self.applicant_id} 第{self.number}步 {self.done_on}"


def devdoc_path(instance, filename):
    return f"party/development/{instance.step.applicant_id}/{instance.step.number:02d}-{filename}"


class StepDocument(OrgScopedModel, Attachment):
    """A document of a step (入党申请书, 谈话记录, 志愿书 …), checked like meeting files."""

    step = models.ForeignKey(
        DevelopmentStep, verbose_name="步骤", on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField("材料名称", max_length=100)
    file = models.FileField("文件", upload_to=devdoc_path, max_length=255)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员材料"
        verbose_name_plural = "发展党员材料"
        indexes = [models.Index(fields=["file"], name="stepdocument_file")]  # media view lookup

    def __str__(self):
        return self.title


class ApprovalAuthorityQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q() if action == "view" and paths else None


class ApprovalAuthority(OrgScopedModel):
    """Explicit approval authority (审批权) of a party organization, overriding the default rule
    (``development.approval_authority``): e.g. a big enterprise 党委 granted authority by the county
    committee, or a temporary organization (临时党组织) with its authority withdrawn."""

    granted = models.BooleanField("有审批权", default=True)
    effective_from = models.DateField("生效日期")
    basis = models.CharField("依据", max_length=200)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ApprovalAuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员审批权"
        verbose_name_plural = "发展党员审批权"
        ordering = ["org_path", "-effective_from"]

    def __str__(self):
        return f"{self.org} {'有' if self.granted else '无'}审批权({self.effective_from} 起)"


class Discipline(OrgScopedModel):
    """A disciplinary sanction (党纪处分) of a member; ``org`` is the member's branch. A member under
    留党察看 whose rights are not restored cannot be a sponsor or mentor (rules.md §2.8)."""

    class Kind(models.TextChoices):
        WARNING = "warning", "警告"
        SERIOUS_WARNING = "serious_warning", "严重警告"
        REMOVAL_FROM_POST = "removal_from_post", "撤销党内职务"
        PROBATION = "probation", "留党察看"

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("处分", max_length=20, choices=Kind.choices)
    decided_on = models.DateField("处分日期")
    restored_on = models.DateField("恢复党员权利日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "党纪处分"
        verbose_name_plural = "党纪处分"

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"


class DevelopmentPlan(OrgScopedModel):
    """The annual development plan (年度发展党员计划) of a party organization: the quota and the
    structure targets (women, age ≤35, front-line) (细则 第三条; rules.md §2.23)."""

    year = models.PositiveSmallIntegerField("年度")
    quota = models.PositiveSmallIntegerField("发展名额")
    women_min = models.PositiveSmallIntegerField("其中女性不少于", default=0)
    young_min = models.PositiveSmallIntegerField("其中35岁及以下不少于", default=0)
    frontline_min = models.PositiveSmallIntegerField("其中生产工作一线不少于", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("下达时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度发展党员计划"
        verbose_name_plural = "年度发展党员计划"
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="devplan_unique_year")]

    def __str__(self):
        return f"{self.org} {self.year}年 {self.quota}名"


class SubmissionState(models.TextChoices):
    PENDING = "pending", "待上级党委办理"
    APPROVED = "approved", "已办结"
    RETURNED = "returned", "已退回"


SUBMISSION_KINDS = {4: "备案", 8: "备案", 13: "预审", 17: "审批", 24: "审批"}


class StepSubmission(OrgScopedModel):
    """A branch's request (请示/报告) to its higher 党委 for a step the 党委 decides (备案 4 and 8,
    预审 13, 审批 17 and 24). ``org`` is the branch; ``committee`` handles it. Approving records the
    step with the 党委 as the deciding body (``step``); returning keeps the request with the reason.
    Never deleted."""

    applicant = models.ForeignKey(
        Applicant, verbose_name="发展对象", on_delete=models.PROTECT, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField("步骤")
    committee = models.ForeignKey(Org, verbose_name="上级党委", on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField("报送日期")
    due_on = models.DateField("办理期限", null=True, blank=True)
    due_label = models.CharField("期限说明", max_length=200, blank=True)
    note = models.TextField("报送说明", blank=True)
    state = models.CharField(
        "状态", max_length=12, choices=SubmissionState.choices, default=SubmissionState.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("办理时间", null=True, blank=True)
    decision_note = models.TextField("办理意见/退回理由", blank=True)
    step = models.ForeignKey(
        DevelopmentStep,
        verbose_name="登记的步骤",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("报送时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员报送事项"
        verbose_name_plural = "发展党员报送事项"
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["committee", "state"], name="devsubmission_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "number"],
                condition=Q(state="pending"),
                name="devsubmission_one_pending",
            ),
        ]

    def __str__(self):
        return f"{self.applicant_id} 第{self.number}步 报{self.committee_id}"

    @property
    def kind_label(self) -> str:
        return SUBMISSION_KINDS.get(self.number, "办理")

    @property
    def step_label(self) -> str:
        from party.development.steps import BY_NUMBER

        return BY_NUMBER[self.number].label


def subdoc_path(instance, filename):
    return f"party/submissions/{instance.submission.applicant_id}/{instance.submission.number:02d}-{filename}"


class SubmissionDocument(OrgScopedModel, Attachment):
    """A document the branch sent with a submission; copied onto the step when it is approved."""

    submission = models.ForeignKey(
        StepSubmission, verbose_name="报送", on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField("材料名称", max_length=100)
    file = models.FileField("文件", upload_to=subdoc_path, max_length=255)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员报送材料"
        verbose_name_plural = "发展党员报送材料"
        indexes = [models.Index(fields=["file"], name="submissiondocument_file")]

    def __str__(self):
        return self.title
