"""谈心谈话记录 (heart-to-heart talk log): one talk between two members of a branch (rules.md 1.17).

A talk is a pair — the 谈话人 (initiator) and the 谈话对象 (the other party), both members of the
branch in good standing on the day. Coverage (who has talked with whom this year) is computed by
``party.talks.services.coverage`` and judged by the compliance engine (``talk.coverage_gap``). Corrections
write a new row that ``replaces`` the prior one, which keeps its content and gets ``superseded_at``;
a record made in error is voided with a reason. Nothing is deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import OrgScopedModel
from orgs.scoping import ScopedQuerySet


class TalkKind(models.TextChoices):
    """The occasions a branch records. 诫勉谈话 is left out on purpose: it is an organizational
    handling measure (问责/纪律处分条例) decided and filed by a party committee or the discipline
    inspection body with its own procedure, not branch organization life."""

    DAILY = "daily", "日常谈心谈话"
    LIFE_MEETING = "life_meeting", "组织生活会前谈心谈话"
    REMINDER = "reminder", "提醒谈话"


POST_CHOICES = [("secretary", "书记"), ("deputy_secretary", "副书记"), ("committee_member", "委员")]


class TalkQuerySet(ScopedQuerySet):
    def live(self):
        """The talks in force: neither replaced by a correction nor voided."""
        return self.filter(superseded_at__isnull=True, voided_at__isnull=True)


class Talk(OrgScopedModel):
    """One 谈心谈话 between two members of ``org`` (the branch)."""

    held_on = models.DateField("谈话日期", db_index=True)
    place = models.CharField("谈话地点", max_length=100, blank=True)
    initiator = models.ForeignKey(
        "party.Member", verbose_name="谈话人", on_delete=models.PROTECT, related_name="talks_held"
    )
    other = models.ForeignKey(
        "party.Member", verbose_name="谈话对象", on_delete=models.PROTECT, related_name="talks_received"
    )
    kind = models.CharField("谈话类型", max_length=16, choices=TalkKind.choices, default=TalkKind.DAILY)
    # The committee post each side held in the branch on the day of the talk (谈话时职务), read from
    # the post records (``orgs.Position``) when the talk is recorded and again whenever a post of
    # one of them changes (``party.talks.services.restamp``). Empty: not on the committee that day.
    initiator_post = models.CharField("谈话人谈话时职务", max_length=24, choices=POST_CHOICES, blank=True)
    other_post = models.CharField("谈话对象谈话时职务", max_length=24, choices=POST_CHOICES, blank=True)
    summary = models.TextField("谈话内容摘要")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    replaces = models.ForeignKey(
        "self",
        verbose_name="更正的原记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.CharField("更正原因", max_length=200, blank=True)
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = "谈心谈话记录"
        verbose_name_plural = "谈心谈话记录"
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="talk_path_day"),
            # The live talks' pairs and posts of the day in a year, read without the rows (an
            # index-only scan) by the compliance engine over a whole district
            # (compliance.rules.talks._candidates).
            models.Index(
                fields=["held_on", "org", "initiator", "other", "initiator_post", "other_post"],
                condition=Q(superseded_at__isnull=True, voided_at__isnull=True),
                name="talk_live_day_pairs",
            ),
            # A branch's live talks (one branch's check), its last talk before a day (组织生活会).
            models.Index(
                fields=["org", "held_on"],
                condition=Q(superseded_at__isnull=True, voided_at__isnull=True),
                name="talk_live_org_day",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(initiator=models.F("other")), name="talk_two_people"),
            # A correction replaces one record once (the chain never forks).
            models.UniqueConstraint(
                fields=["replaces"], condition=Q(replaces__isnull=False), name="talk_replaced_once"
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.initiator} 与 {self.other} 谈心谈话"

    @property
    def live(self) -> bool:
        return self.superseded_at is None and self.voided_at is None
