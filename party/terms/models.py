"""Elections and approvals of the leadership (换届选举、书记副书记报批). A branch reports its 换届 —
the election's date, who should and did vote, the new committee with each member's votes — and
its secretary and deputy (报批); the higher party committee approves (批准) or refuses. Positions
(``orgs.Position``) are only created on approval, so a secretary awaiting approval is not yet in
office and the compliance engine reports it (``org.secretary_unapproved``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Decided
from orgs.models import OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet


class ApprovalState(models.TextChoices):
    REPORTED = "reported", "已报批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"


class AppointmentPost(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"


class Appointment(OrgScopedModel, Decided):
    """A secretary or deputy secretary elected by the organization and reported for approval
    (书记、副书记报批); ``org`` is the organization they lead. Approval by the higher party committee
    creates the ``Position``."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    post = models.CharField("职务", max_length=20, choices=AppointmentPost.choices)
    elected_on = models.DateField("选举日期")
    term = models.ForeignKey(
        "party.Term",
        verbose_name="换届记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    state = models.CharField(
        "审批状态", max_length=10, choices=ApprovalState.choices, default=ApprovalState.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField("报批时间", default=timezone.now)
    position = models.ForeignKey(
        "orgs.Position",
        verbose_name="任职记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "书记副书记报批"
        verbose_name_plural = "书记副书记报批"
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "post"],
                condition=Q(state="reported") & Q(post="secretary"),
                name="appointment_one_pending_secretary",
            )
        ]

    def __str__(self):
        return f"{self.person.name} {self.get_post_display()}({self.get_state_display()})"


class Term(OrgScopedModel, Decided):
    """A party organization's term of office (任期), from the election (换届) that started it."""

    started_on = models.DateField("任期开始(换届日期)")
    ends_on = models.DateField("任期届满")
    note = models.CharField("说明", max_length=200, blank=True)
    # The election (换届选举) and its approval by the higher party committee. Terms registered
    # before elections were recorded here (or by hand) count as approved.
    state = models.CharField("审批状态", max_length=10, default="approved", choices=ApprovalState.choices)
    eligible = models.PositiveIntegerField("应到会有选举权党员", null=True, blank=True)
    present = models.PositiveIntegerField("实到会有选举权党员", null=True, blank=True)
    committee = models.JSONField(
        "新一届委员会", default=list, blank=True, help_text="[{person_id, name, post, votes}]"
    )
    reminded_on = models.DateField("届满提醒日期", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "任期(换届)记录"
        verbose_name_plural = "任期(换届)记录"
        ordering = ["org", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("started_on")), name="term_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.org} {self.started_on:%Y-%m}–{self.ends_on:%Y-%m}"
