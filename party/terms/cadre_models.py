"""Leading cadres' dual organization life (领导干部双重组织生活, rules.md §1.18): a member who sits on
a leadership team (区委、街道党工委、党组 …) takes part both in the team's 民主生活会 and, as an
ordinary member, in the organization life of his or her own branch. ``org`` is the member's branch;
``team`` the party organization of the leadership team."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import CurrentQuerySetMixin, OrgScopedModel
from orgs.scoping import ScopedQuerySet


class LeadingCadreQuerySet(CurrentQuerySetMixin, ScopedQuerySet):
    pass


class LeadingCadre(OrgScopedModel):
    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="cadre_posts"
    )
    team = models.ForeignKey(
        "orgs.Org", verbose_name="所在领导班子(党委/党工委/党组)", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("领导职务", max_length=50)
    start_on = models.DateField("任职日期")
    end_on = models.DateField("离任日期", null=True, blank=True, help_text="自该日起不再是领导干部")
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = LeadingCadreQuerySet.as_manager()

    class Meta:
        verbose_name = "党员领导干部"
        verbose_name_plural = "党员领导干部"
        ordering = ["org_path", "start_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="leadingcadre_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.title}"
