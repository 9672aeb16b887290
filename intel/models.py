"""智能辅助 configuration and bookkeeping: keyword rules (关键词规则) for the cold start, the
versions of the trained category model (分类模型版本), the dispatchers' accepted / corrected
suggestions (建议采纳记录) and hot spots turned into workplan tasks (热点转督办)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orgs.models import OrgScopedModel


class KeywordRule(models.Model):
    """关键词规则: words that point to one category, used until a trained model is active."""

    category = models.OneToOneField(
        "cases.Category", verbose_name="分类", on_delete=models.PROTECT, related_name="keyword_rule"
    )
    words = models.TextField("关键词", help_text="以空格、逗号或顿号分隔")
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "关键词规则"
        verbose_name_plural = "关键词规则"
        ordering = ["category__sort", "category__code"]

    def __str__(self):
        return f"{self.category} · {self.words[:30]}"

    def word_list(self) -> list[str]:
        import re

        return [w for w in re.split(r"[\s,,、;;]+", self.words) if w]


class ModelVersion(models.Model):
    """分类模型版本: one trained category model file with its held-out metrics."""

    created_at = models.DateTimeField("训练时间", default=timezone.now)
    n_train = models.PositiveIntegerField("训练样本数")
    n_test = models.PositiveIntegerField("测试样本数", default=0)
    n_classes = models.PositiveIntegerField("类别数", default=0)
    macro_f1 = models.FloatField("宏平均F1", help_text="在固定验证集上")
    accuracy = models.FloatField("准确率", default=0)
    path = models.CharField("模型文件", max_length=300)
    data_signature = models.CharField("训练数据标识", max_length=64, blank=True)
    active = models.BooleanField("当前使用", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    # 把关 (the retraining guard): every version is measured on a fixed validation set (固定验证集)
    # — case ids drawn once and kept from version to version, never trained on — together with
    # the version it would replace; it goes live only if it is no worse there.
    validation_ids = models.JSONField("固定验证集(事项)", default=list, blank=True)
    baseline = models.ForeignKey(
        "self",
        verbose_name="对比的原模型",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    baseline_f1 = models.FloatField("原模型在验证集上的宏平均F1", null=True, blank=True)
    passed_guard = models.BooleanField("通过把关", default=True)
    n_corrections = models.PositiveIntegerField("含调度修正", default=0)

    class Meta:
        verbose_name = "分类模型版本"
        verbose_name_plural = "分类模型版本"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="intel_one_active"
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M} F1={self.macro_f1:.3f}"


class FeedbackKind(models.TextChoices):
    CATEGORY = "category", "分类建议"
    UNIT = "unit", "责任单位建议"


class SuggestionFeedback(OrgScopedModel):
    """建议采纳记录: what was suggested when a dispatcher registered (分类) or dispatched (主办单位)
    a case, and what they chose — accepted (the top suggestion) or corrected. ``org`` is the case's
    place, so the records are scoped like the case. The corrected category is also the training
    label (the case's final category); this row keeps the evidence of how good the suggestions were."""

    case = models.ForeignKey("cases.Case", verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("建议类型", max_length=16, choices=FeedbackKind.choices)
    model_version = models.ForeignKey(
        ModelVersion,
        verbose_name="模型版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("建议来源", max_length=16, help_text="model / keywords / rules")
    suggested = models.JSONField("建议(前三及得分)", default=list)
    final_id = models.PositiveIntegerField("最终选择ID")
    final_name = models.CharField("最终选择", max_length=100)
    accepted = models.BooleanField("采纳首选建议")
    in_top3 = models.BooleanField("在前三建议中")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "建议采纳记录"
        verbose_name_plural = "建议采纳记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "model_version"], name="intel_feedback_version")]

    def __str__(self):
        return f"{self.get_kind_display()} · {'采纳' if self.accepted else '修正'} · {self.final_name}"


class HotSpotTask(OrgScopedModel):
    """热点转督办: a monthly hot spot (小类 × 社区) turned into a workplan task (每月一题). ``org`` is
    the community (or the district when the hot spot has no community); one task per hot spot."""

    month = models.DateField("月份")
    category = models.ForeignKey(
        "cases.Category", verbose_name="分类", on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "orgs.Org", verbose_name="社区/村", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_count = models.PositiveIntegerField("事项数")
    task = models.ForeignKey(
        "workplan.Task", verbose_name="督办任务", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="转办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("转办时间", default=timezone.now)

    class Meta:
        verbose_name = "热点转督办"
        verbose_name_plural = "热点转督办"
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["month", "category", "community"], name="intel_hotspot_once")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.category} · {self.community or '全区'}"
