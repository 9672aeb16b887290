"""干部监督 (cadre supervision): cadre files, 考察 records, 能上能下 adjustments, 问责 decisions
and their legal grounds (rule data).

Every record model's queryset is scoped by ``cadres.access`` (explicit 干部监督人员 grants only,
never superusers). Nothing is deleted: a file or record entered in error is revoked (撤销) with a
reason; statistics count live records only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import Org, OrgScopedModel, Person
from orgs.scoping import ScopedQuerySetMixin, under_paths

from . import access


class CadreQuerySet(ScopedQuerySetMixin, models.QuerySet):
    """``visible_to`` by the explicit 干部监督人员 grants alone (``cadres.access``); the action
    argument is ignored: the role allows one action."""

    def visible_to(self, user, action: str = access.ACTION):
        paths = access.holder_paths(user)
        if not paths:
            return self.none()
        return self.filter(under_paths(paths, self.scope_field))

    def live(self):
        return self.filter(revoked_at__isnull=True)


class Revocable(OrgScopedModel):
    """Who recorded it, and the revocation (撤销) that takes it out of the file and statistics."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = CadreQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a manager redeclared on a subclass

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CadreFile(Revocable):
    """干部档案: one person under supervision; ``org`` is the unit the cadre serves in (scoping)."""

    person = models.ForeignKey(Person, verbose_name="干部", on_delete=models.PROTECT, related_name="+")
    rank = models.CharField("职级", max_length=30, blank=True, help_text="如:正科级、副科级")
    post = models.CharField(
        "现任职务", max_length=100, blank=True, help_text="建档时的职务;任职记录见组织人员"
    )

    class Meta:
        verbose_name = "干部档案"
        verbose_name_plural = "干部档案"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(revoked_at__isnull=True), name="cadrefile_one_live_per_person"
            )
        ]

    def __str__(self):
        return f"干部档案 · {self.person.name}"


class Level(models.TextChoices):
    GOOD = "good", "好"
    FAIR_GOOD = "fair_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


class Occasion(models.TextChoices):
    PROMOTION = "promotion", "提拔考察"
    ANNUAL = "annual", "年度考察"
    SPECIAL = "special", "专项考察"


# The standard dimensions of a 考察 (field prefix, label).
DIMENSIONS = (
    ("political", "政治素质"),
    ("conduct", "品行"),
    ("integrity", "廉洁"),
    ("style", "形象(作风)"),
)


class Inspection(Revocable):
    """干部考察: the standard dimensions with a level and findings each, and the restricted
    8小时以外 section (生活圈、社交圈), shown only after its own purpose prompt."""

    file = models.ForeignKey(
        CadreFile, verbose_name="干部档案", on_delete=models.PROTECT, related_name="inspections"
    )
    held_on = models.DateField("考察日期")
    occasion = models.CharField("考察类型", max_length=16, choices=Occasion.choices)
    political_level = models.CharField("政治素质", max_length=16, choices=Level.choices)
    political_text = models.TextField("政治素质情况", blank=True)
    conduct_level = models.CharField("品行", max_length=16, choices=Level.choices)
    conduct_text = models.TextField("品行情况", blank=True)
    integrity_level = models.CharField("廉洁", max_length=16, choices=Level.choices)
    integrity_text = models.TextField("廉洁情况", blank=True)
    style_level = models.CharField("形象(作风)", max_length=16, choices=Level.choices)
    style_text = models.TextField("形象(作风)情况", blank=True)
    conclusion = models.TextField("考察结论", blank=True)
    life_circle = models.TextField("8小时以外·生活圈", blank=True)
    social_circle = models.TextField("8小时以外·社交圈", blank=True)

    class Meta:
        verbose_name = "干部考察"
        verbose_name_plural = "干部考察"

    def __str__(self):
        return f"干部考察 · {self.held_on:%Y-%m-%d}"

    @property
    def has_offhours(self) -> bool:
        return bool(self.life_circle or self.social_circle)

    def dimensions(self) -> list[dict]:
        return [
            {
                "label": label,
                "level": getattr(self, f"get_{key}_level_display")(),
                "text": getattr(self, f"{key}_text"),
            }
            for key, label in DIMENSIONS
        ]


class GroundKind(models.TextChoices):
    UNSUITABLE = "unsuitable", "不适宜担任现职情形"
    ACCOUNTABILITY = "accountability", "问责情形"


class Ground(models.Model):
    """依据 (rule data): one listed situation of a regulation, cited by an adjustment or a 问责
    decision. Seeded by ``cadres.defaults`` (a data migration), editable in the admin."""

    code = models.CharField("编码", max_length=40, unique=True)
    kind = models.CharField("类别", max_length=16, choices=GroundKind.choices)
    regulation = models.CharField("法规", max_length=100)
    article = models.CharField("条款", max_length=40)
    text = models.CharField("情形", max_length=300)
    source = models.CharField("来源说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "干部监督依据"
        verbose_name_plural = "干部监督依据"
        ordering = ["kind", "order", "code"]

    def __str__(self):
        return f"《{self.regulation}》{self.article}:{self.text}"

    @property
    def citation(self) -> str:
        return f"《{self.regulation}》{self.article}"


class Direction(models.TextChoices):
    UP = "up", "能上"
    DOWN = "down", "能下"


class AdjustmentKind(models.TextChoices):
    PROMOTE = "promote", "提拔"
    ADVANCE = "advance", "晋升职级"
    REUSE = "reuse", "重用"
    UNSUITABLE = "unsuitable", "不适宜担任现职调整"


UP_KINDS = (AdjustmentKind.PROMOTE, AdjustmentKind.ADVANCE, AdjustmentKind.REUSE)


class AdjustmentMethod(models.TextChoices):
    """The ways of adjusting a cadre not suited to the post (《推进领导干部能上能下规定》2022)."""

    TRANSFER = "transfer", "调离岗位"
    OTHER_POST = "other_post", "改任其他职务"
    REMOVE = "remove", "免职"
    DEMOTE = "demote", "降职"


class Adjustment(Revocable):
    """能上 (提拔/晋升职级/重用) or 能下 (不适宜担任现职调整, with its ground and method)."""

    file = models.ForeignKey(
        CadreFile, verbose_name="干部档案", on_delete=models.PROTECT, related_name="adjustments"
    )
    kind = models.CharField("类型", max_length=16, choices=AdjustmentKind.choices)
    decided_on = models.DateField("决定日期")
    method = models.CharField("调整方式", max_length=16, choices=AdjustmentMethod.choices, blank=True)
    ground = models.ForeignKey(
        Ground, verbose_name="依据", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_post = models.CharField("调整后职务", max_length=100, blank=True)
    facts = models.TextField("事实与理由", blank=True)

    class Meta:
        verbose_name = "能上能下记录"
        verbose_name_plural = "能上能下记录"

    def __str__(self):
        return f"{self.get_kind_display()} · {self.decided_on:%Y-%m-%d}"

    @property
    def direction(self) -> str:
        return Direction.DOWN if self.kind == AdjustmentKind.UNSUITABLE else Direction.UP


class TargetKind(models.TextChoices):
    LEADER = "leader", "党的领导干部"
    ORGANIZATION = "organization", "党组织"


class AccountabilityForm(models.TextChoices):
    """问责方式 (《中国共产党问责条例》2019 第八条)."""

    CHECK = "check", "检查"
    ORG_CIRCULAR = "org_circular", "通报(党组织)"
    REORGANIZE = "reorganize", "改组"
    CIRCULAR = "circular", "通报"
    ADMONISH = "admonish", "诫勉"
    ADJUST = "adjust", "组织调整或者组织处理"
    DISCIPLINE = "discipline", "纪律处分"


ORGANIZATION_FORMS = (
    AccountabilityForm.CHECK,
    AccountabilityForm.ORG_CIRCULAR,
    AccountabilityForm.REORGANIZE,
)
LEADER_FORMS = (
    AccountabilityForm.CIRCULAR,
    AccountabilityForm.ADMONISH,
    AccountabilityForm.ADJUST,
    AccountabilityForm.DISCIPLINE,
)


class Accountability(Revocable):
    """问责 decision: on a leader (with their file) or on a party organization (``party_org``).
    ``org`` is the unit the record belongs to: the leader's file's unit, or the unit hosting the
    party organization (the holders' grants are on the unit tree, not the party tree)."""

    target = models.CharField("问责对象类别", max_length=16, choices=TargetKind.choices)
    file = models.ForeignKey(
        CadreFile,
        verbose_name="干部档案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountabilities",
    )
    party_org = models.ForeignKey(
        Org,
        verbose_name="被问责党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="对党组织问责时;记录归属其所在单位(scoping)",
    )
    form = models.CharField("问责方式", max_length=16, choices=AccountabilityForm.choices)
    ground = models.ForeignKey(Ground, verbose_name="依据", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("决定日期")
    decided_by = models.CharField("问责决定机关", max_length=100, blank=True)
    facts = models.TextField("失职失责事实", blank=True)

    class Meta:
        verbose_name = "问责决定"
        verbose_name_plural = "问责决定"
        constraints = [
            models.CheckConstraint(
                condition=Q(target="organization") | Q(file__isnull=False),
                name="accountability_leader_has_file",
            ),
            models.CheckConstraint(
                condition=Q(target="leader") | Q(party_org__isnull=False),
                name="accountability_org_has_party_org",
            ),
        ]

    def __str__(self):
        return f"问责 · {self.get_form_display()} · {self.decided_on:%Y-%m-%d}"
