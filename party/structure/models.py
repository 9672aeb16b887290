"""Forms of organization beyond one unit's branch (组织设置): 联合党支部 (a branch for several small
units, each listed with the dates it joined and left), 品牌支部 (a branch designated as a model by
the higher committee, with the citation) and 党建联盟 (links between a community's party
organization and property-management companies, grid organizations and other co-building units)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orgs.models import OrgScopedModel
from orgs.scoping import ScopedQuerySet


class ActiveQuerySet(ScopedQuerySet):
    def active(self, day=None):
        day = day or timezone.localdate()
        return self.filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day))


class JointBranchUnit(OrgScopedModel):
    """A unit covered by a 联合党支部 (``org``): its members belong to the joint branch, so the unit
    is not a 应建未建 case."""

    unit = models.ForeignKey("orgs.Org", verbose_name="成员单位", on_delete=models.PROTECT, related_name="+")
    joined_on = models.DateField("纳入日期")
    ended_on = models.DateField("退出日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = "联合党支部成员单位"
        verbose_name_plural = "联合党支部成员单位"
        ordering = ["org_path", "joined_on"]

    def __str__(self):
        return f"{self.org} · {self.unit}"


class BrandDesignation(OrgScopedModel):
    """A 品牌支部 (model branch) designation by the higher committee, with its citation."""

    title = models.CharField("品牌名称/称号", max_length=60)
    citation = models.TextField("命名理由(事迹)")
    designated_on = models.DateField("命名日期")
    designated_by = models.ForeignKey(
        "orgs.Org", verbose_name="命名党组织", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_on = models.DateField("撤销日期", null=True, blank=True)
    end_reason = models.CharField("撤销原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = "品牌支部"
        verbose_name_plural = "品牌支部"
        ordering = ["-designated_on", "-pk"]

    def __str__(self):
        return f"{self.org} · {self.title}"


class AlliancePartner(models.TextChoices):
    PROPERTY = "property", "物业服务企业"
    GRID = "grid", "网格(党小组)"
    UNIT = "unit", "驻区共建单位"
    SOCIAL = "social", "社会组织"


class AllianceLink(OrgScopedModel):
    """A 党建联盟 link: ``org`` (a community's party organization) and a partner organization."""

    partner = models.ForeignKey(
        "orgs.Org", verbose_name="联盟成员", on_delete=models.PROTECT, related_name="+"
    )
    partner_kind = models.CharField("成员类型", max_length=10, choices=AlliancePartner.choices)
    alliance = models.CharField("联盟名称", max_length=60)
    joined_on = models.DateField("加入日期")
    ended_on = models.DateField("退出日期", null=True, blank=True)
    note = models.CharField("共建事项", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = "党建联盟成员"
        verbose_name_plural = "党建联盟成员"
        ordering = ["org_path", "alliance", "joined_on"]

    def __str__(self):
        return f"{self.alliance} · {self.partner}"
