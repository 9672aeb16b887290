"""The org forest (组织树), people (人员), positions (职务), user accounts and role grants.

One ``Org`` table holds every node of every tree: the administrative tree (区 → 街道/乡镇 → 社区/村 →
网格), district departments and their offices (区直部门/科室), 两新组织 (enterprises and social
organizations) and the party tree (区委 → 党(工)委 → 党总支 → 党支部 → 党小组). One table lets a role be
granted at any node with a single scoping rule, and lets a party organization point at the unit it
is built in. Subtree queries use treebeard's materialized path (``path`` prefix match).
"""

import datetime

from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from core import privacy
from core.scoping import QuerySetMixinBase, ScopedQuerySet, ScopedQuerySetMixin, subtree_q, under_paths

from .roles import Role


class OrgKind(models.TextChoices):
    DISTRICT = "district", "区/县"
    STREET = "street", "街道"
    TOWN = "town", "乡镇"
    COMMUNITY = "community", "社区"
    VILLAGE = "village", "村"
    GRID = "grid", "网格"
    DEPARTMENT = "department", "区直部门"
    OFFICE = "office", "科室/中心"
    ENTERPRISE = "enterprise", "非公企业"
    SOCIAL_ORG = "social_org", "社会组织"
    PARTY_COMMITTEE = "party_committee", "党委"
    WORKING_COMMITTEE = "working_committee", "党工委"
    LEADING_GROUP = "leading_group", "党组"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


ADMIN_KINDS = frozenset({"district", "street", "town", "community", "village", "grid"})
UNIT_KINDS = frozenset(
    {"district", "street", "town", "community", "village", "department", "office", "enterprise", "social_org"}
)
PARTY_KINDS = frozenset(
    {"party_committee", "working_committee", "leading_group", "general_branch", "branch", "group"}
)

# Which kinds may sit under which. ``None`` is the root of a tree.
ALLOWED_CHILDREN: dict[str | None, frozenset[str]] = {
    None: frozenset({"district", "party_committee"}),
    "district": frozenset({"street", "town", "department"}),
    "street": frozenset({"community", "village", "enterprise", "social_org", "office"}),
    "town": frozenset({"community", "village", "enterprise", "social_org", "office"}),
    "community": frozenset({"grid", "enterprise", "social_org"}),
    "village": frozenset({"grid", "enterprise", "social_org"}),
    "grid": frozenset(),
    "department": frozenset({"office"}),
    "office": frozenset({"office"}),
    "enterprise": frozenset(),
    "social_org": frozenset(),
    "party_committee": frozenset(
        {"party_committee", "working_committee", "leading_group", "general_branch", "branch"}
    ),
    "working_committee": frozenset({"party_committee", "general_branch", "branch"}),
    "leading_group": frozenset({"party_committee", "general_branch", "branch"}),
    "general_branch": frozenset({"branch"}),
    "branch": frozenset({"group"}),
    "group": frozenset(),
}


class GridType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合网格"
    DEDICATED = "dedicated", "专属网格"


class OrgQuerySet(ScopedQuerySetMixin, MP_NodeQuerySet):
    scope_field = "path"

    def own_q(self, user, action, paths):
        # A party organization built in a unit the user may see is visible too (read only): the
        # community's staff see the community's party branch.
        if action != "view" or not paths:
            return None
        return under_paths(paths, "host__path")

    def active(self):
        return self.filter(archived_at__isnull=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(code__startswith=text))


class OrgManager(MP_NodeManager):
    def get_queryset(self):
        return OrgQuerySet(self.model).order_by("path")

    def visible_to(self, user, action="view"):
        return self.get_queryset().visible_to(user, action)


class Org(MP_Node):
    """A node of the org forest: an administrative area, a unit or a party organization."""

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    doc_prefix = models.CharField(
        "发文代字",
        max_length=10,
        blank=True,
        help_text="本单位发文文号的机关代字,如“岳”(文号:岳督办〔2026〕12号);留空时沿用上级单位的代字",
    )
    kind = models.CharField("类型", max_length=24, choices=OrgKind.choices)
    code = models.CharField(
        "编码",
        max_length=32,
        blank=True,
        db_index=True,
        help_text="统计用区划代码、网格编码或统一社会信用代码",
    )
    host = models.ForeignKey(
        "self",
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_orgs",
        help_text="党组织建立在哪个单位(社区、村、部门、两新组织)",
    )
    grid_type = models.CharField("网格类型", max_length=16, choices=GridType.choices, blank=True)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    geometry = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    phone = models.CharField("办公电话", max_length=32, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    archived_at = models.DateTimeField("撤销/归档时间", null=True, blank=True)
    archived_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = OrgManager()

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        indexes = [models.Index(fields=["kind", "path"], name="org_kind_path")]

    def __str__(self):
        return self.name

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def delete(self, *args, **kwargs):
        raise RuntimeError("组织不能删除,请使用 orgs.services.archive_org 撤销")

    def subtree(self):
        """This node and all its descendants (one indexed prefix match)."""
        return Org.objects.filter(subtree_q("path", self.path))

    def issuing_prefix(self) -> str:
        """发文代字 of documents this org issues: its own, else the nearest ancestor's (one query)."""
        if self.doc_prefix:
            return self.doc_prefix
        paths = [self.path[:i] for i in range(self.steplen, len(self.path), self.steplen)]
        row = (
            Org.objects.filter(path__in=paths)
            .exclude(doc_prefix="")
            .order_by("-depth")
            .values_list("doc_prefix", flat=True)
            .first()
        )
        return row or ""


class User(AbstractUser):
    """A login account. The person behind it is ``user.person`` (may be absent for service accounts)."""

    # A resident who subscribed to WeChat messages (订阅消息) from the mini program / official account.
    wechat_openid = models.CharField("微信 openid", max_length=64, blank=True, default="")

    objects = UserManager()  # type: ignore[misc]  # django-stubs: a manager redeclared on a subclass

    class Meta:
        verbose_name = "用户账号"
        verbose_name_plural = "用户账号"

    def display_name(self) -> str:
        person = getattr(self, "person", None)
        return person.name if person else (self.get_full_name() or self.username)


class OrgScopedModel(models.Model):
    """A record owned by an org node; ``org_path`` is a denormalized copy of ``org.path`` so that
    scoping and area filters are one indexed prefix match. ``orgs.services.move_org`` keeps it
    in sync when a subtree moves."""

    org = models.ForeignKey(Org, verbose_name="所属组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.org_id and (not self.org_path or self.org_path != self.org.path):
            self.org_path = self.org.path
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "org_path"}
        super().save(*args, **kwargs)


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


# Other ways a person belongs to an org besides their home unit: each entry maps a list of scope
# paths to a queryset of person ids. ``party`` adds "member of a branch under the paths".
# Current positions are built in.
PERSON_SCOPE_LINKS: list = []


class PersonQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        q = Q(user=user) if action == "view" else Q(pk__in=[])
        if not paths:
            return q
        # People holding a current position in a visible org are visible too. Subqueries on
        # person ids (not joins) keep each part on its own index and need no DISTINCT.
        holders = Position.objects.current().filter(under_paths(paths)).values("person_id")
        q |= Q(pk__in=holders)
        for link in PERSON_SCOPE_LINKS:
            q |= Q(pk__in=link(paths))
        return q

    def active(self):
        return self.filter(archived_at__isnull=True)


class Person(OrgScopedModel):
    """A person known to the system: a resident, cadre, grid worker or party member.

    ``org`` is the person's home unit: the community or village they live in, or the unit they
    work for. ID and phone numbers are stored encrypted (``core.privacy``); use the ``*_masked``
    properties for display.
    """

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_encrypted = models.TextField(blank=True, editable=False)
    education = models.CharField("学历", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = PersonQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a manager redeclared on a subclass

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="person_unique_id_number"
            ),
        ]

    def __str__(self):
        return self.name

    # Personal data: set through these methods, read masked by default.
    def set_id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        self.id_number_encrypted = privacy.encrypt(value)
        self.id_number_index = privacy.blind_index(value)

    def set_phone(self, value: str) -> None:
        self.phone_encrypted = privacy.encrypt((value or "").strip())

    def id_number_clear(self) -> str:
        """The clear ID number. Callers must check ``view_personal`` and audit the access."""
        return privacy.decrypt(self.id_number_encrypted)

    def phone_clear(self) -> str:
        return privacy.decrypt(self.phone_encrypted)

    @property
    def id_number_masked(self) -> str:
        return privacy.mask_id_number(self.id_number_clear())

    @property
    def phone_masked(self) -> str:
        return privacy.mask_phone(self.phone_clear())

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_date:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PositionKind(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    COMMITTEE_MEMBER = "committee_member", "委员"
    ORGANIZER = "organizer", "组织员"  # a 基层党委's designated 组织员 (talks before approval)
    GROUP_LEADER = "group_leader", "党小组组长"
    DIRECTOR = "director", "主任/主要负责人"
    DEPUTY_DIRECTOR = "deputy_director", "副主任/副职"
    GRID_WORKER = "grid_worker", "网格员"
    DEPARTMENT_HANDLER = "department_handler", "部门经办人"
    DISPATCHER = "dispatcher", "调度员"
    SUPERVISOR = "supervisor", "督查专员"
    STAFF = "staff", "工作人员"
    # 党建指导员: sent by the street/town committee to a 两新 organization without enough members for
    # a party organization of its own (party.structure.coverage counts them).
    PARTY_INSTRUCTOR = "party_instructor", "党建指导员"


class CurrentQuerySetMixin(QuerySetMixinBase):
    """Records valid from ``start_on`` (inclusive) to ``end_on`` (exclusive; empty = open)."""

    def current(self, day: datetime.date | None = None):
        day = day or timezone.localdate()
        return self.filter(start_on__lte=day).filter(Q(end_on__isnull=True) | Q(end_on__gt=day))


class PositionQuerySet(CurrentQuerySetMixin, ScopedQuerySet):
    pass


class Position(OrgScopedModel):
    """A person's post in an org (任职) from ``start_on`` to ``end_on``; ended, never deleted."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="positions"
    )
    kind = models.CharField("职务类别", max_length=24, choices=PositionKind.choices)
    title = models.CharField("职务名称", max_length=50, blank=True, help_text="如:党支部书记、组织委员")
    start_on = models.DateField("任职日期")
    end_on = models.DateField("离任日期", null=True, blank=True, help_text="自该日起不再任职")
    end_reason = models.CharField("离任原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = PositionQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a manager redeclared on a subclass

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="position_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} · {self.title or self.get_kind_display()}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_on <= today and (self.end_on is None or self.end_on > today)


class RoleGrantQuerySet(CurrentQuerySetMixin, ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q(user=user) if action == "view" else None


class RoleGrant(OrgScopedModel):
    """A role granted to a user at an org node; it covers the node's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    start_on = models.DateField("生效日期", default=timezone.localdate)
    end_on = models.DateField("失效日期", null=True, blank=True, help_text="自该日起失效")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("授权依据", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = RoleGrantQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a manager redeclared on a subclass

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.org}"


class LoginFailure(AccessFailureLog):
    """django-axes' failure log (one row per wrong password; ``orgs.lockout`` counts it), under a
    Chinese name in the admin, where administrators unlock accounts."""

    class Meta:
        proxy = True
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录(解锁账号)"

    def __str__(self):
        return f"{self.username or '—'} @ {self.ip_address} · {self.attempt_time:%Y-%m-%d %H:%M}"
