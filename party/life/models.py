"""Organization life (组织生活): meetings (三会一课 and the others) with their attendance, resolutions,
revisions, attachments and minutes fingerprints, members' study hours per year (学习时长), training
records and the ratings of 民主评议党员."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from core.models import Attachment
from orgs.models import OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet
from party.membership.models import Member


class MeetingKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    APPRAISAL = "appraisal", "民主评议党员"
    TALK = "talk", "谈心谈话"
    LEADER_LECTURE = "leader_lecture", "领导干部讲党课"
    DEMOCRATIC_LIFE = "democratic_life", "民主生活会"


# Meeting kinds that take decisions (their minutes should record them).
DECIDING_KINDS = frozenset({MeetingKind.BRANCH_ASSEMBLY, MeetingKind.COMMITTEE, MeetingKind.LIFE_MEETING})


class MeetingQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(voided_at__isnull=True)


class Meeting(OrgScopedModel):
    """One session of organization life (三会一课, 主题党日 …). ``org`` is the branch (or party
    group) that held it. Corrections keep the prior version in ``MeetingRevision``; a record made
    in error is voided, never deleted."""

    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField("召开日期", db_index=True)
    place = models.CharField("地点", max_length=100, blank=True)
    convener = models.ForeignKey(
        Person,
        verbose_name="召集人/主持人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.CharField("主题", max_length=200)
    minutes = models.TextField("会议记录", blank=True)
    decisions = models.TextField("决定事项", blank=True)
    follow_ups = models.TextField("后续落实", blank=True)
    study_hours = models.DecimalField("计入学时", max_digits=4, decimal_places=1, default=0)
    # The length of the minutes in characters, stored by the database (the compliance engine
    # checks it for every meeting; computing it reads every record's text).
    minutes_chars = models.GeneratedField(
        expression=Length("minutes"), output_field=models.PositiveIntegerField(), db_persist=True
    )
    # Attendance summary, kept by ``services.summarize_attendance`` whenever the attendance rows
    # change (derived: the compliance engine reads it instead of every attendance row).
    attendance_expected = models.PositiveIntegerField("应到人数", default=0, editable=False)
    attendance_present = models.PositiveIntegerField("实到人数", default=0, editable=False)
    attendance_digest = models.CharField(
        "出席名单指纹",
        max_length=16,
        blank=True,
        editable=False,
        help_text="有请假原因时记录,用于发现复制名单",
    )
    version = models.PositiveIntegerField("版本", default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["org_path", "held_on"], name="meeting_path_day"),
            # The window's live meetings of one kind across a district (组织生活会, 民主评议).
            models.Index(
                fields=["kind", "held_on"], condition=Q(voided_at__isnull=True), name="meeting_live_kind_day"
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()}:{self.topic}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    ABSENT = "absent", "缺席"
    LEAVE = "leave", "请假"


class Attendance(OrgScopedModel):
    """Who should have attended a meeting and whether they did (出席/缺席/请假)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="attendance"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField("出席情况", max_length=8, choices=AttendanceStatus.choices)
    reason = models.CharField("缺席/请假原因", max_length=100, blank=True)
    held_on = models.DateField("会议日期")  # copy of meeting.held_on for per-member and area queries

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "出席记录"
        verbose_name_plural = "出席记录"
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique_member")]
        indexes = [
            models.Index(fields=["member", "status", "held_on"], name="attendance_member_day"),
            models.Index(fields=["org_path", "held_on"], name="attendance_path_day"),
        ]

    def __str__(self):
        return f"{self.member} · {self.get_status_display()}"


class MemberYear(models.Model):
    """A member's year of organization life (党员年度组织生活台账): the study hours of the live
    meetings they were present at and the last day they were present. Derived from the attendance
    rows and kept in step with them by ``memberyear.refresh`` whenever a meeting's attendance, date,
    hours or validity changes (``memberyear.rebuild`` after bulk loads), so that the compliance
    engine reads one row a member instead of a year of attendance. Training hours
    (``TrainingRecord``) are added where hours are read."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    hours = models.DecimalField("组织生活学时", max_digits=7, decimal_places=1, default=0)
    last_present_on = models.DateField("最近一次参加", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "党员年度组织生活台账"
        verbose_name_plural = "党员年度组织生活台账"
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="member_year_unique")]

    def __str__(self):
        return f"{self.member} · {self.year} · {self.hours}"


class ResolutionKind(models.TextChoices):
    ADMISSION = "admission", "接收预备党员"
    FULL_MEMBERSHIP = "full_membership", "预备党员转正"
    DISCIPLINE = "discipline", "表彰/处分"
    MAJOR_MATTER = "major_matter", "重大事项"
    OTHER = "other", "其他"


class Resolution(OrgScopedModel):
    """A vote taken at a meeting (表决). Quorum: voting members present > half of those who should
    attend; passes with yes > half of those who should attend (支部工作条例 第十一条). Probationary
    members have no vote."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="resolutions"
    )
    kind = models.CharField("表决事项类型", max_length=20, choices=ResolutionKind.choices)
    subject = models.CharField("表决事项", max_length=200)
    eligible = models.PositiveIntegerField("应到会有表决权党员")
    present = models.PositiveIntegerField("实到会有表决权党员")
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("反对")
    abstain = models.PositiveIntegerField("弃权")
    passed = models.BooleanField("通过")
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "表决"
        verbose_name_plural = "表决"

    def __str__(self):
        return f"{self.subject}:{'通过' if self.passed else '未通过'}"


class MeetingRevision(OrgScopedModel):
    """The state of a meeting record before a correction (更正留痕)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="revisions"
    )
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("更正前内容")
    reason = models.CharField("更正原因", max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更正人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField("更正时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议记录历史版本"
        verbose_name_plural = "会议记录历史版本"
        ordering = ["meeting", "-version"]
        constraints = [models.UniqueConstraint(fields=["meeting", "version"], name="revision_unique_version")]

    def __str__(self):
        return f"{self.meeting_id} v{self.version}"


def meeting_file_path(instance, filename):
    return f"party/meetings/{instance.meeting.held_on:%Y/%m}/{instance.meeting_id}-{filename}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "照片"
    FILE = "file", "文件"


class MeetingAttachment(OrgScopedModel, Attachment):
    """A photo or file of a meeting. Photos carry a perceptual hash (pHash) split into four
    16-bit chunks: two photos within Hamming distance 3 share at least one chunk (pigeonhole), so
    reuse is found with indexed lookups instead of comparing every pair."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField("类型", max_length=8, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=meeting_file_path, max_length=255)
    phash = models.CharField("感知哈希", max_length=16, blank=True)
    ph0 = models.CharField(max_length=4, blank=True, db_index=True)
    ph1 = models.CharField(max_length=4, blank=True, db_index=True)
    ph2 = models.CharField(max_length=4, blank=True, db_index=True)
    ph3 = models.CharField(max_length=4, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议照片/附件"
        verbose_name_plural = "会议照片/附件"
        indexes = [models.Index(fields=["file"], name="meetingattachment_file")]  # media view lookup

    def __str__(self):
        return self.name

    def set_phash(self, value: str) -> None:
        self.phash = value
        self.ph0, self.ph1, self.ph2, self.ph3 = (value[i : i + 4] for i in range(0, 16, 4))


class MeetingDerivedQuerySet(ScopedQuerySet):
    """Derived rows (search index) are scoped through their meeting."""

    scope_field = "meeting__org_path"


class MinutesBand(models.Model):
    """One LSH band key of a meeting's minutes (MinHash signature cut into bands). Meetings sharing
    a band key are near-duplicate candidates: one indexed lookup per band, not all pairs. A derived
    search index, rebuilt whenever the minutes change."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="bands")
    band = models.PositiveSmallIntegerField("分段")
    key = models.BigIntegerField("分段哈希")

    objects = MeetingDerivedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议记录指纹分段"
        verbose_name_plural = "会议记录指纹分段"
        indexes = [models.Index(fields=["key"], name="minutesband_key")]

    def __str__(self):
        return f"{self.meeting_id}:{self.band}"


class MinutesSignature(models.Model):
    """The MinHash signature of a meeting's minutes (to estimate similarity of candidates)."""

    meeting = models.OneToOneField(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="signature"
    )
    values = models.BinaryField("签名")
    length = models.PositiveIntegerField("正文字数")

    objects = MeetingDerivedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议记录指纹"
        verbose_name_plural = "会议记录指纹"

    def __str__(self):
        return str(self.meeting_id)


class MinutesMatch(models.Model):
    """A near-duplicate candidate pair (会议记录雷同候选): two meetings whose minutes share an LSH
    band, with the similarity estimated from their signatures. Written both ways when a meeting's
    minutes are indexed (``services.index_minutes``: one indexed lookup per band), so the compliance
    engine reads the pairs of its meetings instead of searching. A derived search index."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="matches"
    )
    other = models.ForeignKey(Meeting, verbose_name="雷同会议", on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField("估计相似度")

    objects = MeetingDerivedQuerySet.as_manager()

    class Meta:
        verbose_name = "会议记录雷同候选"
        verbose_name_plural = "会议记录雷同候选"
        constraints = [models.UniqueConstraint(fields=["meeting", "other"], name="minutesmatch_unique_pair")]

    def __str__(self):
        return f"{self.meeting_id}~{self.other_id}"


class TrainingRecord(OrgScopedModel):
    """External study and training hours (集中培训、网络学习 …) of a member; ``org`` is the member's
    branch."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="trainings"
    )
    title = models.CharField("培训名称", max_length=150)
    organizer = models.CharField("举办单位", max_length=100, blank=True)
    started_on = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "培训学时记录"
        verbose_name_plural = "培训学时记录"
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive")]

    def __str__(self):
        return f"{self.member} · {self.title}"


class Rating(models.TextChoices):
    """民主评议 results (rules.md 1.16: the categories are set locally; these are the common ones)."""

    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class Appraisal(OrgScopedModel):
    """民主评议党员: one member's rating at an appraisal meeting, after 个人自评 → 党员互评 → 民主测评
    (rules.md 1.16). ``org`` is the meeting's organization. A re-rating keeps the prior row
    (``superseded_at``); at most one live rating per member and meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="评议会议", on_delete=models.PROTECT, related_name="appraisals"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="appraisals"
    )
    rating = models.CharField("评议等次", max_length=16, choices=Rating.choices)
    note = models.CharField("评议意见", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "民主评议结果"
        verbose_name_plural = "民主评议结果"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=Q(superseded_at__isnull=True),
                name="appraisal_one_live_per_member",
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.get_rating_display()}"


class SignInWindow(OrgScopedModel):
    """The QR sign-in (扫码签到) of a meeting: the secretary opens it with the meeting's start and
    end time; members sign in from the code between ``starts_at`` minus and ``ends_at`` plus the
    margins of the rule data (``signin.before_minutes``, ``signin.after_minutes``). One a meeting;
    the times may be corrected (audited). ``org`` is the meeting's organization."""

    meeting = models.OneToOneField(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="signin_window"
    )
    starts_at = models.DateTimeField("会议开始时间")
    ends_at = models.DateTimeField("会议结束时间")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开启人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField("开启时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "签到码"
        verbose_name_plural = "签到码"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="signin_window_order")
        ]

    def __str__(self):
        return f"{self.meeting} 签到码"


class SignInQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        # A member sees their own sign-ins (本人签到记录), wherever the meeting was held.
        return Q(user=user) if action == "view" else None


class SignIn(OrgScopedModel):
    """A member's QR sign-in at a meeting (扫码签到): who, when, from which account. Once per member
    and meeting; never deleted (a sign-in is evidence beside the secretary's typed list).
    ``org`` is the meeting's organization."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="signins"
    )
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="signins")
    # The member's own account; empty only for rows the system wrote (the demo, an import).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签到账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签到时间", default=timezone.now)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = SignInQuerySet.as_manager()

    class Meta:
        verbose_name = "扫码签到记录"
        verbose_name_plural = "扫码签到记录"
        ordering = ["meeting", "signed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="signin_once_per_member")]

    def __str__(self):
        return f"{self.member} · {self.signed_at:%H:%M}"
