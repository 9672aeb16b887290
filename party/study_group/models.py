"""党委(党组)理论学习中心组 (the committee's theory study group): the group's members (中心组成员,
drawn from the committee's leading team), the yearly study plan (学习计划) with its planned topics
by month (专题), and the sessions (集体学习) with their host (主持人), speakers (领学/中心发言 with a
summary of what they said) and attendance (出席/请假/缺席). The yearly minimum and the planned
months are judged by the compliance rules ``study_group.*`` (``party.compliance.rules.study_group``).

A session recorded in error is voided with a reason; a member who leaves the group gets an end
date. Nothing is deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import OrgScopedModel
from orgs.scoping import ScopedQuerySet

# Party organizations that have a 理论学习中心组 (党委、党工委、党组).
COMMITTEE_KINDS = ("party_committee", "working_committee", "leading_group")


class GroupRole(models.TextChoices):
    LEADER = "leader", "组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"
    SECRETARY = "secretary", "学习秘书"


class GroupMemberQuerySet(ScopedQuerySet):
    def current(self, day):
        return self.filter(start_on__lte=day).filter(Q(end_on__isnull=True) | Q(end_on__gt=day))


class GroupMember(OrgScopedModel):
    """A member of ``org``'s 中心组 from ``start_on`` to ``end_on`` (exclusive; empty = still)."""

    person = models.ForeignKey("orgs.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("组内职务", max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER)
    title = models.CharField("领导职务", max_length=50, blank=True)
    start_on = models.DateField("加入日期")
    end_on = models.DateField("退出日期", null=True, blank=True)
    end_reason = models.CharField("退出原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = GroupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组成员"
        verbose_name_plural = "中心组成员"
        ordering = ["org_path", "start_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "person"], condition=Q(end_on__isnull=True), name="studygroup_member_once"
            ),
        ]

    def __str__(self):
        return f"{self.org} · {self.person}"


class StudyPlan(OrgScopedModel):
    """``org``'s 中心组 study plan (学习计划) for ``year``."""

    year = models.PositiveIntegerField("年度")
    note = models.TextField("总体安排", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组学习计划"
        verbose_name_plural = "中心组学习计划"
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="studyplan_org_year")]

    def __str__(self):
        return f"{self.org} {self.year}年中心组学习计划"


class SessionKind(models.TextChoices):
    COLLECTIVE = "collective", "集体学习"
    SEMINAR = "seminar", "专题研讨"
    LECTURE = "lecture", "专家辅导"


class PlanTopic(OrgScopedModel):
    """One planned topic (专题) of a plan, in a month; ``dropped_at`` when taken out of the plan."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name="学习计划", on_delete=models.PROTECT, related_name="topics"
    )
    month = models.PositiveSmallIntegerField("计划月份")
    topic = models.CharField("学习专题", max_length=120)
    kind = models.CharField(
        "学习形式", max_length=12, choices=SessionKind.choices, default=SessionKind.COLLECTIVE
    )
    dropped_at = models.DateTimeField("移出计划时间", null=True, blank=True)
    drop_reason = models.CharField("移出原因", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组计划专题"
        verbose_name_plural = "中心组计划专题"
        ordering = ["plan", "month", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plantopic_month"),
        ]

    def __str__(self):
        return f"{self.month}月 {self.topic}"


class SessionQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(voided_at__isnull=True)


class StudySession(OrgScopedModel):
    """One 集体学习 of ``org``'s 中心组."""

    held_on = models.DateField("学习日期", db_index=True)
    topic = models.CharField("学习专题", max_length=120)
    kind = models.CharField(
        "学习形式", max_length=12, choices=SessionKind.choices, default=SessionKind.COLLECTIVE
    )
    plan_topic = models.ForeignKey(
        PlanTopic,
        verbose_name="对应计划专题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    host = models.ForeignKey("orgs.Person", verbose_name="主持人", on_delete=models.PROTECT, related_name="+")
    place = models.CharField("学习地点", max_length=100, blank=True)
    minutes = models.PositiveIntegerField("学习时长(分钟)")
    materials = models.TextField("学习内容(篇目)", blank=True)
    summary = models.TextField("学习情况摘要")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组集体学习"
        verbose_name_plural = "中心组集体学习"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["org", "held_on"], name="studysession_org_day")]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    @property
    def present_names(self) -> str:
        return "、".join(a.person.name for a in self.attendance.all() if a.status == Presence.PRESENT)

    @property
    def away_text(self) -> str:
        """请假/缺席 with the reason, e.g. ``赵委员(请假:参加区委全会)``."""
        return "、".join(
            f"{a.person.name}({a.get_status_display()}{':' + a.reason if a.reason else ''})"
            for a in self.attendance.all()
            if a.status != Presence.PRESENT
        )


class SpeechRole(models.TextChoices):
    LEAD = "lead", "领学"
    CENTRAL = "central", "中心发言"
    EXCHANGE = "exchange", "交流发言"


class SessionSpeech(OrgScopedModel):
    """A speaker of a session (领学 / 中心发言 / 交流发言) with the summary of the speech."""

    session = models.ForeignKey(
        StudySession, verbose_name="集体学习", on_delete=models.PROTECT, related_name="speeches"
    )
    person = models.ForeignKey(
        "orgs.Person", verbose_name="发言人", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("发言类型", max_length=10, choices=SpeechRole.choices)
    summary = models.TextField("发言摘要")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组学习发言"
        verbose_name_plural = "中心组学习发言"
        ordering = ["session", "pk"]

    def __str__(self):
        return f"{self.person} {self.get_role_display()}"


class Presence(models.TextChoices):
    PRESENT = "present", "出席"
    EXCUSED = "excused", "请假"
    ABSENT = "absent", "缺席"


class SessionAttendance(OrgScopedModel):
    """A 中心组 member's attendance at a session; an excused absence (请假) carries its reason."""

    session = models.ForeignKey(
        StudySession, verbose_name="集体学习", on_delete=models.PROTECT, related_name="attendance"
    )
    person = models.ForeignKey("orgs.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("出席情况", max_length=8, choices=Presence.choices)
    reason = models.CharField("请假事由", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "中心组学习出席"
        verbose_name_plural = "中心组学习出席"
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="studyattendance_once")]

    def __str__(self):
        return f"{self.person} {self.get_status_display()}"
