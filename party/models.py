"""Party membership (党员). This issue keeps the core record the demo district needs; the
organization-life, dues and transfer records come with the party-organization issue."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet


class MemberCategory(models.TextChoices):
    FORMAL = "formal", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class MemberStatus(models.TextChoices):
    NORMAL = "normal", "正常"
    LOST_CONTACT = "lost_contact", "失联"
    SUSPENDED = "suspended", "停止党籍"
    TRANSFERRED_OUT = "transferred_out", "已转出"
    DECEASED = "deceased", "已故"
    REMOVED = "removed", "已出党"


class MemberQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        return Q(person__user=user) if action == "view" else None

    def in_good_standing(self):
        return self.filter(status=MemberStatus.NORMAL)


class Member(OrgScopedModel):
    """A party member's membership record; ``org`` is the branch (党支部) the member belongs to."""

    person = models.OneToOneField(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="membership"
    )
    category = models.CharField("党员类别", max_length=16, choices=MemberCategory.choices)
    joined_on = models.DateField("入党日期")
    full_member_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        constraints = [
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gte=models.F("joined_on")),
                name="member_full_after_joined",
            ),
        ]

    def __str__(self):
        return self.person.name

    def party_age(self, day=None) -> int | None:
        """Party age (党龄) in whole years, counted from the full-membership date."""
        if not self.full_member_on:
            return None
        day = day or timezone.localdate()
        start = self.full_member_on
        return day.year - start.year - ((day.month, day.day) < (start.month, start.day))
