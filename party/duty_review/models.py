"""述职评议考核 (the yearly report and appraisal of secretaries on grassroots party building).

A round (``ReviewRound``, 年度述职评议) is organized by a party committee (its ``org``: the 区委 or a
街道党工委, acted on by the 组织部 / the committee's organizer) for one year. Its reporters
(``ReviewReporter``, 述职对象: one row per reporting party organization below the committee, with its
secretary) upload the 述职报告; the assigned raters (``ReviewRater``, 评议人: users, the committee's
members and 代表) fill one sheet each per reporter (``ReviewSheet``, 评议表: a score per appraisal item
and a comment); closing computes each reporter's weighted score, level (等次) and rater count; the
committee records the problem list per organization (``ReviewProblem``, 问题清单) and publishes.

Items, weights and level thresholds are rule data (``party.rules``, ``duty_review.*``), frozen on
the round when it opens (``items``, ``thresholds``), so editing the rules later never changes a
running or a closed round. Statuses: draft → open → rating → closed → published; each step keeps
who and when (and an audit event). Nothing is deleted: a reporter is withdrawn, a problem
withdrawn, both with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.scoping import under_paths
from orgs.models import OrgScopedModel
from orgs.scoping import ScopedQuerySet


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "述职报告提交中"
    RATING = "rating", "评议中"
    CLOSED = "closed", "已结束(待公布)"
    PUBLISHED = "published", "结果已公布"


class Level(models.TextChoices):
    GOOD = "good", "好"
    FAIR = "fair", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


def _user_fk(label: str):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class RoundQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        """A rater sees the rounds they are assigned to; a reporting organization's people see the
        rounds it reports in (read only)."""
        if action != "view":
            return None
        q = Q(pk__in=ReviewRater.objects.filter(user=user, withdrawn_at__isnull=True).values("round_id"))
        if paths:
            q |= Q(pk__in=ReviewReporter.objects.filter(under_paths(paths)).values("round_id"))
        return q


class ReviewRound(OrgScopedModel):
    """年度述职评议: one committee's (``org``) round for ``year``."""

    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    report_due = models.DateField("述职报告提交截止日期")
    meeting_on = models.DateField("述职评议会日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Frozen from rule data when the round opens: [{"code", "label", "weight"}] and
    # {"good": 90, "fair": 80, "average": 60} (the lowest score of each level; below: 差).
    items = models.JSONField("评议项目及权重", default=list, blank=True)
    thresholds = models.JSONField("等次划分", default=dict, blank=True)
    rules_day = models.DateField("规则取值日期", null=True, blank=True)
    created_by = _user_fk("创建人")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    opened_by = _user_fk("启动人")
    opened_at = models.DateTimeField("启动时间", null=True, blank=True)
    rating_by = _user_fk("开始评议操作人")
    rating_at = models.DateTimeField("开始评议时间", null=True, blank=True)
    closed_by = _user_fk("结束评议操作人")
    closed_at = models.DateTimeField("结束评议时间", null=True, blank=True)
    published_by = _user_fk("公布人")
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "述职评议考核"
        verbose_name_plural = "述职评议考核"
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="duty_review_round_once")]

    def __str__(self):
        return self.title

    @property
    def locked(self) -> bool:
        """Closed or published: reports and scores are final."""
        return self.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED)


class ReporterQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        """A rater sees the reporters of the rounds they rate."""
        if action != "view":
            return None
        return Q(
            round__in=ReviewRater.objects.filter(user=user, withdrawn_at__isnull=True).values("round_id")
        )

    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class ReviewReporter(OrgScopedModel):
    """述职对象: the reporting party organization (``org``) of a round, its secretary and report,
    and (once closed) its result."""

    round = models.ForeignKey(
        ReviewRound, verbose_name="述职评议", on_delete=models.PROTECT, related_name="reporters"
    )
    secretary_name = models.CharField("书记", max_length=50)
    secretary = _user_fk("书记账号")
    report_summary = models.TextField("述职报告摘要", blank=True)
    report_file = models.FileField("述职报告", upload_to="party/duty_review/%Y/", max_length=255, blank=True)
    report_name = models.CharField("报告文件名", max_length=150, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = _user_fk("提交人")
    reported_on = models.DateField("述职时间", null=True, blank=True)
    score = models.DecimalField("综合得分", max_digits=5, decimal_places=2, null=True, blank=True)
    item_scores = models.JSONField("各项得分", default=dict, blank=True)
    level = models.CharField("等次", max_length=8, choices=Level.choices, blank=True)
    rater_count = models.PositiveSmallIntegerField("评议人数", default=0)
    withdrawn_at = models.DateTimeField("撤出时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤出原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = ReporterQuerySet.as_manager()

    class Meta:
        verbose_name = "述职对象"
        verbose_name_plural = "述职对象"
        ordering = ["round", "org_path"]
        constraints = [models.UniqueConstraint(fields=["round", "org"], name="duty_review_reporter_once")]

    def __str__(self):
        return f"{self.org.name} {self.secretary_name}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class RaterQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q(user=user) if action == "view" else None


class ReviewRater(OrgScopedModel):
    """评议人: a user assigned by the organizer to rate every reporter of the round (``org`` is the
    round's committee)."""

    round = models.ForeignKey(
        ReviewRound, verbose_name="述职评议", on_delete=models.PROTECT, related_name="raters"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评议人", on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.CharField("身份", max_length=30, default="上级党委委员")
    assigned_by = _user_fk("指定人")
    assigned_at = models.DateTimeField("指定时间", default=timezone.now)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = RaterQuerySet.as_manager()

    class Meta:
        verbose_name = "评议人"
        verbose_name_plural = "评议人"
        ordering = ["round", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="duty_review_rater_once")]

    def __str__(self):
        return f"{self.round} 评议人"


class SheetQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        """A rater sees (and, while the round is rating, changes) their own sheets."""
        return Q(rater__user=user)


class ReviewSheet(OrgScopedModel):
    """评议表: one rater's scores (0–100 per item, ``scores`` by item code) and comment on one
    reporter. ``org`` is the round's committee: a reporter never sees who gave which score."""

    reporter = models.ForeignKey(
        ReviewReporter, verbose_name="述职对象", on_delete=models.PROTECT, related_name="sheets"
    )
    rater = models.ForeignKey(
        ReviewRater, verbose_name="评议人", on_delete=models.PROTECT, related_name="sheets"
    )
    scores = models.JSONField("各项评分", default=dict)
    comment = models.TextField("评议意见", blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = SheetQuerySet.as_manager()

    class Meta:
        verbose_name = "评议表"
        verbose_name_plural = "评议表"
        ordering = ["reporter", "rater"]
        constraints = [models.UniqueConstraint(fields=["reporter", "rater"], name="duty_review_sheet_once")]

    def __str__(self):
        return f"{self.reporter} 评议表"


class ProblemQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(withdrawn_at__isnull=True)


class ReviewProblem(OrgScopedModel):
    """问题清单: one problem found in a round for a reporting organization (``org``). Published with
    the round; the rectification (整改) app turns each into a rectification item."""

    round = models.ForeignKey(
        ReviewRound, verbose_name="述职评议", on_delete=models.PROTECT, related_name="problems"
    )
    reporter = models.ForeignKey(
        ReviewReporter, verbose_name="述职对象", on_delete=models.PROTECT, related_name="problems"
    )
    text = models.TextField("问题")
    created_by = _user_fk("录入人")
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "述职评议问题"
        verbose_name_plural = "述职评议问题清单"
        ordering = ["round", "org_path", "pk"]

    def __str__(self):
        return self.text[:40]
