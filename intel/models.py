"""智能辅助 configuration and bookkeeping: keyword rules (关键词规则) for the cold start and the
versions of the trained category model (分类模型版本)."""

from django.db import models
from django.utils import timezone


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
    macro_f1 = models.FloatField("宏平均F1")
    accuracy = models.FloatField("准确率", default=0)
    path = models.CharField("模型文件", max_length=300)
    data_signature = models.CharField("训练数据标识", max_length=64, blank=True)
    active = models.BooleanField("当前使用", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

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
