"""领导干部“走流程” (leaders walking a service process): a leader goes through a service (办理不动产
登记, 新生儿落户, 开办企业, 12345 诉求 …) as an ordinary person would (以群众/企业/办事人身份),
records the steps with the time each took, answers a configurable checklist (“四最” and the like:
``ChecklistItem``, admin-editable), and lists the problems found with photos. Each problem is handed
in one step to a grid case (``cases``) or a work-plan task (``workplan``); the walk shows each one's
progress to 销号. Nothing is deleted: a walk recorded by mistake is withdrawn with a reason."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from orgs.models import OrgScopedModel
from orgs.scoping import ScopedQuerySet


class ChecklistItem(models.Model):
    """One item of the walk-through checklist (走流程检查项). The default set is the “四最” wording
    common in several provinces (审批事项最少、办事效率最高、投资环境最优、群众获得感最强); other
    provinces word it differently, so the set is data: edit, add or retire items in the admin."""

    code = models.SlugField("代码", max_length=40, unique=True)
    label = models.CharField("检查项", max_length=60)
    question = models.CharField("检查要点", max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True, help_text="停用后新的走流程记录不再显示该项")
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "走流程检查项(“四最”等)"
        verbose_name_plural = "走流程检查项(“四最”等)"
        ordering = ["sort", "pk"]

    def __str__(self):
        return self.label


class LeaderLevel(models.TextChoices):
    DISTRICT = "district", "区领导"
    DEPARTMENT = "department", "部门负责人"


class LeaderQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q(person__user=user)


class Leader(OrgScopedModel):
    """A leader expected to walk processes (走流程领导干部名单): the person, the post, the level
    that sets the yearly minimum (rule data ``walks.yearly_min.<level>``). ``org``: the unit whose
    office keeps the leader's walks (for a 区领导 the district's supervision office or the
    government office). Leaving the list sets ``active_to``; rows are never deleted."""

    person = models.ForeignKey("orgs.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("职务", max_length=60)
    level = models.CharField("层级", max_length=16, choices=LeaderLevel.choices, default=LeaderLevel.DISTRICT)
    active_from = models.DateField("起始日期", null=True, blank=True)
    active_to = models.DateField("终止日期", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = LeaderQuerySet.as_manager()

    class Meta:
        verbose_name = "走流程领导干部"
        verbose_name_plural = "走流程领导干部名单"
        ordering = ["org_path", "level", "pk"]

    def __str__(self):
        return f"{self.person.name}({self.title})"

    @property
    def name(self) -> str:
        return self.person.name


class AsWhom(models.TextChoices):
    RESIDENT = "resident", "群众"
    ENTERPRISE = "enterprise", "企业"
    AGENT = "agent", "办事人(代办)"


class WalkStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    RECORDED = "recorded", "已记录"
    WITHDRAWN = "withdrawn", "已撤回"


class WalkQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q(leader__person__user=user)


class Walk(OrgScopedModel):
    """One walk-through (一次走流程) by ``leader``; ``org`` is the leader's ``org``."""

    leader = models.ForeignKey(
        Leader, verbose_name="领导干部", on_delete=models.PROTECT, related_name="walks"
    )
    service = models.CharField(
        "办理事项", max_length=100, help_text="如:办理不动产登记、新生儿落户、开办企业"
    )
    place = models.CharField("办事地点/窗口", max_length=150)
    as_whom = models.CharField("身份", max_length=16, choices=AsWhom.choices, default=AsWhom.RESIDENT)
    walked_on = models.DateField("走流程日期")
    status = models.CharField("状态", max_length=16, choices=WalkStatus.choices, default=WalkStatus.DRAFT)
    total_minutes = models.PositiveIntegerField("总用时(分钟)", default=0)
    summary = models.TextField("总体感受", blank=True)
    recorded_at = models.DateTimeField("记录完成时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = WalkQuerySet.as_manager()

    class Meta:
        verbose_name = "领导干部走流程"
        verbose_name_plural = "领导干部走流程"
        ordering = ["-walked_on", "-pk"]
        indexes = [models.Index(fields=["org_path", "walked_on"], name="walk_path_day")]

    def __str__(self):
        return f"{self.service}({self.walked_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("walks:detail", args=[self.pk])


class WalkStep(models.Model):
    """One step of the walk (办事环节): what was done, how long it took, what was seen."""

    walk = models.ForeignKey(Walk, verbose_name="走流程", on_delete=models.PROTECT, related_name="steps")
    sort = models.PositiveSmallIntegerField("顺序")
    title = models.CharField("环节", max_length=100)
    minutes = models.PositiveIntegerField("用时(分钟)")
    observation = models.TextField("观察到的情况", blank=True)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "走流程环节"
        verbose_name_plural = "走流程环节"
        ordering = ["walk", "sort"]
        constraints = [models.UniqueConstraint(fields=["walk", "sort"], name="walkstep_unique_sort")]

    def __str__(self):
        return f"{self.sort}. {self.title}"


class WalkCheck(models.Model):
    """The answer to one checklist item (达到/未达到, with a note), the item's label kept as
    answered so a later rewording does not change the record."""

    walk = models.ForeignKey(Walk, verbose_name="走流程", on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(ChecklistItem, verbose_name="检查项", on_delete=models.PROTECT, related_name="+")
    label = models.CharField("检查项", max_length=60)
    reached = models.BooleanField("达到")
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "走流程检查结果"
        verbose_name_plural = "走流程检查结果"
        ordering = ["walk", "item__sort", "item_id"]
        constraints = [models.UniqueConstraint(fields=["walk", "item"], name="walkcheck_unique_item")]

    def __str__(self):
        return f"{self.label}:{'达到' if self.reached else '未达到'}"


class Handover(models.TextChoices):
    CASE = "case", "网格事项"
    TASK = "task", "督办任务"


class WalkProblem(models.Model):
    """A problem found on the walk, handed once to a grid case (``case``) or a work-plan task
    (``task``) with its lead unit and deadline; 销号 when the case is closed or the task verified."""

    walk = models.ForeignKey(Walk, verbose_name="走流程", on_delete=models.PROTECT, related_name="problems")
    sort = models.PositiveSmallIntegerField("序号")
    step = models.ForeignKey(
        WalkStep, verbose_name="发现环节", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField("问题描述")
    handover = models.CharField("交办方式", max_length=8, choices=Handover.choices, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="网格事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        "workplan.Task",
        verbose_name="督办任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_at = models.DateTimeField("交办时间", null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="交办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "走流程发现问题"
        verbose_name_plural = "走流程发现问题"
        ordering = ["walk", "sort"]
        constraints = [models.UniqueConstraint(fields=["walk", "sort"], name="walkproblem_unique_sort")]

    def __str__(self):
        return f"{self.walk_id}-{self.sort}"


def photo_path(instance, filename):
    return f"walks/{instance.problem.walk_id}/{uuid.uuid4().hex}.jpg"


class WalkPhoto(models.Model):
    """A photo of a problem, re-encoded without EXIF/GPS (``cases.photos``)."""

    problem = models.ForeignKey(
        WalkProblem, verbose_name="问题", on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField("照片", upload_to=photo_path, max_length=255)
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "走流程问题照片"
        verbose_name_plural = "走流程问题照片"
        ordering = ["problem", "created_at", "pk"]
        indexes = [models.Index(fields=["file"], name="walkphoto_file")]  # media view lookup

    def __str__(self):
        return f"{self.problem_id} 照片"
