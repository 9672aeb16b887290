"""巡视巡察整改 (rectification): problem lists (问题清单) issued by a body to an inspected unit, their
problems (问题) and each problem's rectification items (整改事项).

A problem list is a 整改台账 of the work-plan app (``workplan.Plan`` of kind ``rectify``) and each
rectification item is one of its tasks (``workplan.Task``): deadline, progress reports with
evidence, 核验/销号 and the escalation ladder (催办 → 督办通知单 → 通报 → 问责) come from there. This
app owns the list, the problems, their link to the tasks and the loop's pages and printouts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import Org, OrgScopedModel
from orgs.scoping import ScopedQuerySet, under_paths
from workplan.models import Plan, Task, TaskState


class Source(models.TextChoices):
    XUNSHI = "xunshi", "巡视反馈"
    XUNCHA = "xuncha", "巡察反馈"
    SELF_CHECK = "self_check", "自查"
    DUTY_REVIEW = "duty_review", "述职评议"
    COMPLIANCE = "compliance", "合规检查"


class ItemStatus(models.TextChoices):
    """The status of a rectification item, computed from its task's state and deadline."""

    RECTIFYING = "rectifying", "整改中"
    OVERDUE = "overdue", "逾期"
    AWAITING = "awaiting", "已完成待销号"
    CLOSED = "closed", "已销号"
    CANCELLED = "cancelled", "已取消"


STATUS_COLOUR = {
    ItemStatus.RECTIFYING: "primary",
    ItemStatus.OVERDUE: "danger",
    ItemStatus.AWAITING: "warning",
    ItemStatus.CLOSED: "success",
    ItemStatus.CANCELLED: "secondary",
}


def item_status(task: Task, today) -> str:
    if task.state == TaskState.CANCELLED:
        return ItemStatus.CANCELLED
    if task.state in (TaskState.DONE, TaskState.CLOSED):
        return ItemStatus.CLOSED
    if task.state == TaskState.SUBMITTED:
        return ItemStatus.AWAITING
    return ItemStatus.OVERDUE if task.deadline < today else ItemStatus.RECTIFYING


class ProblemListQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        # The inspected unit and every responsible unit see the list (its own items only are theirs).
        return under_paths(paths, "unit__path") | Q(
            pk__in=RectifyItem.objects.filter(under_paths(paths, "unit__path")).values(
                "problem__problem_list_id"
            )
        )


class ProblemList(OrgScopedModel):
    """问题清单: ``org`` is the issuing body (下发/销号单位: 区委, its 组织部 or 巡察办), ``unit`` the
    inspected unit (被巡视/巡察单位)."""

    title = models.CharField("清单名称", max_length=150)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    issuer_name = models.CharField("反馈主体", max_length=100, blank=True, help_text="如 省委第三巡视组")
    unit = models.ForeignKey(Org, verbose_name="被巡视/巡察单位", on_delete=models.PROTECT, related_name="+")
    document_no = models.CharField("文号", max_length=60, blank=True)
    feedback_on = models.DateField("反馈日期")
    report_due = models.DateField("整改情况报告期限", null=True, blank=True)
    report_rule = models.CharField("期限依据", max_length=200, blank=True)
    plan = models.OneToOneField(
        Plan, verbose_name="整改台账", on_delete=models.PROTECT, related_name="problem_list"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = ProblemListQuerySet.as_manager()

    class Meta:
        verbose_name = "问题清单"
        verbose_name_plural = "问题清单"
        ordering = ["-feedback_on", "-pk"]

    def __str__(self):
        return self.title


class ProblemQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        return under_paths(paths, "problem_list__unit__path") | Q(
            pk__in=RectifyItem.objects.filter(under_paths(paths, "unit__path")).values("problem_id")
        )


class Problem(OrgScopedModel):
    """问题: one problem of a list. ``org`` is the list's issuing body. A problem that came from a
    compliance finding keeps the finding's key (rule code, organization, period), one from 述职评议
    its review problem's id: the same finding or review problem is then not turned into two open
    problems (``open`` turns false when every item is 销号)."""

    problem_list = models.ForeignKey(
        ProblemList, verbose_name="问题清单", on_delete=models.PROTECT, related_name="problems"
    )
    number = models.CharField("序号", max_length=20)
    text = models.TextField("问题描述")
    finding_rule = models.CharField("来源规则", max_length=64, blank=True)
    finding_org = models.ForeignKey(
        Org, verbose_name="问题所在组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding_period = models.CharField("检查期间", max_length=40, blank=True)
    source_ref = models.CharField("来源记录", max_length=100, blank=True, help_text="来源系统中的编号")
    # 述职评议: the ``party.ReviewProblem`` this problem came from (an id, not a key: rectify
    # reaches party only through its selectors); a review problem is one open problem at most.
    review_problem_id = models.PositiveBigIntegerField("述职评议问题", null=True, blank=True, editable=False)
    open = models.BooleanField("整改未完成", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["problem_list", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding_rule", "finding_org", "finding_period"],
                condition=Q(open=True) & ~Q(finding_rule=""),
                name="rectify_finding_open_once",
            ),
            models.UniqueConstraint(
                fields=["review_problem_id"],
                condition=Q(open=True) & Q(review_problem_id__isnull=False),
                name="rectify_review_problem_open_once",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.text[:40]}"


class ItemQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return under_paths(paths, "unit__path") if paths else None


class RectifyItem(OrgScopedModel):
    """整改事项: a measure (整改措施) of a problem, carried out by a responsible unit (责任单位) as the
    work-plan task ``task`` (its lead unit is ``unit``). ``org`` is the issuing body."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.PROTECT, related_name="items")
    task = models.OneToOneField(
        Task, verbose_name="督办任务", on_delete=models.PROTECT, related_name="rectify_item"
    )
    unit = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["problem", "pk"]

    def __str__(self):
        return self.task.title
