"""Rule parameters (规则参数): editable rule data with effective dates and sources."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.scoping import ScopedQuerySet


class ValueType(models.TextChoices):
    INT = "int", "整数"
    DECIMAL = "decimal", "小数"
    PERIOD = "period", "周期"
    TEXT = "text", "文本"


class Period(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"
    NONE = "none", "不作要求"


class Confidence(models.TextChoices):
    A = "A", "A 条文原文已核对"
    B = "B", "B 多个来源一致,条款号待核"
    C = "C", "C 地方做法/单一来源"
    UNCONFIRMED = "unconfirmed", "未经核实"


class RuleParameterQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        # National defaults (no org) are readable by everyone signed in; local overrides follow
        # the org they are set for.
        return Q(org__isnull=True) if action == "view" else None


class RuleParameter(models.Model):
    """One rule parameter (规则参数) in force from ``effective_from``: the version with the latest
    ``effective_from`` not after the day in question wins; a row with ``org`` set overrides the
    national default for that org's subtree (地方规定)."""

    code = models.CharField("参数代码", max_length=64, db_index=True)
    name = models.CharField("名称", max_length=100)
    value = models.CharField("取值", max_length=64)
    value_type = models.CharField("取值类型", max_length=8, choices=ValueType.choices)
    unit = models.CharField("单位", max_length=16, blank=True)
    source = models.CharField("依据", max_length=200, help_text="文件名称及条款")
    source_url = models.URLField("依据链接", max_length=300, blank=True)
    confidence = models.CharField("可信度", max_length=12, choices=Confidence.choices)
    confirmed = models.BooleanField("已对照官方文本确认", default=False)
    effective_from = models.DateField("生效日期")
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name="适用组织(空为全国默认)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    # Set on every save: ``Rules.load`` and the findings snapshots tell from it that a row was
    # edited (a raw ``QuerySet.update`` must set it too).
    changed_at = models.DateTimeField("修改时间", auto_now=True)

    objects = RuleParameterQuerySet.as_manager()

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective_from"],
                condition=Q(org__isnull=True),
                name="ruleparam_unique_default",
            ),
            models.UniqueConstraint(
                fields=["code", "org", "effective_from"],
                condition=Q(org__isnull=False),
                name="ruleparam_unique_local",
            ),
        ]

    def __str__(self):
        return f"{self.name} = {self.value}{self.unit}({self.effective_from:%Y-%m-%d} 起)"

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        super().save(*args, **kwargs)

    def typed_value(self):
        from decimal import Decimal

        if self.value_type == ValueType.INT:
            return int(self.value)
        if self.value_type == ValueType.DECIMAL:
            return Decimal(self.value)
        return self.value
