"""Village decisions by 四议两公开 (four deliberations, two disclosures): a major matter of a
village goes 党组织提议 → 两委会议商议 → 党员大会审议 → 村民代表会议或村民会议决议 → 决议公开 →
实施结果公开, each step dated, with its body, attendance and votes (rules.md §5.2)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orgs.models import PARTY_KINDS, Org, OrgScopedModel
from orgs.scoping import ScopedQuerySet, under_paths


class StepKind(models.TextChoices):
    PROPOSAL = "proposal", "村党组织提议"
    CONSULTATION = "consultation", "村“两委”会议商议"
    MEMBERS_REVIEW = "members_review", "党员大会审议"
    VILLAGERS_RESOLUTION = "villagers_resolution", "村民代表会议或村民会议决议"
    RESOLUTION_DISCLOSURE = "resolution_disclosure", "决议公开"
    RESULT_DISCLOSURE = "result_disclosure", "实施结果公开"


ORDER = [
    StepKind.PROPOSAL,
    StepKind.CONSULTATION,
    StepKind.MEMBERS_REVIEW,
    StepKind.VILLAGERS_RESOLUTION,
    StepKind.RESOLUTION_DISCLOSURE,
    StepKind.RESULT_DISCLOSURE,
]
# The steps that are meetings with attendance and a vote (the others are disclosures).
MEETING_STEPS = (StepKind.CONSULTATION, StepKind.MEMBERS_REVIEW, StepKind.VILLAGERS_RESOLUTION)


class MatterKind(models.TextChoices):
    ASSETS = "assets", "集体资产、资源处置"
    LAND = "land", "土地承包、流转和宅基地"
    PROJECT = "project", "村级公益事业和建设项目"
    BUDGET = "budget", "集体收入使用和财务预算"
    SUBSIDY = "subsidy", "补贴、救助和低保分配"
    COMPENSATION = "compensation", "征地补偿费使用分配"
    OTHER = "other", "其他重大事项"


class DecisionStatus(models.TextChoices):
    DELIBERATING = "deliberating", "审议中"
    RESOLVED = "resolved", "已决议待公开"
    DISCLOSED = "disclosed", "决议已公开,实施中"
    DONE = "done", "实施结果已公开"


class DecisionQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        # The village's party organizations' secretaries and the organization department act on
        # the village's decisions too: villages hosting a party organization in their scope.
        if not paths:
            return None
        hosts = Org.objects.filter(under_paths(paths, "path"), kind__in=PARTY_KINDS).values("host_id")
        return Q(org_id__in=hosts)

    def published(self):
        return self.filter(status__in=(DecisionStatus.DISCLOSED, DecisionStatus.DONE))


class Decision(OrgScopedModel):
    """One major matter (村级重大事项) of a village (``org``) and where it stands."""

    title = models.CharField("事项名称", max_length=150)
    matter = models.CharField("事项类别", max_length=16, choices=MatterKind.choices)
    summary = models.TextField("事项内容(公开)", help_text="将在公开页显示,请勿填写个人信息")
    status = models.CharField(
        "状态", max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DELIBERATING
    )
    done_steps = models.PositiveSmallIntegerField("已完成步骤", default=0)
    started_on = models.DateField("提议日期", null=True, blank=True)
    due_on = models.DateField("下一步期限", null=True, blank=True, db_index=True)
    due_label = models.CharField("期限说明", max_length=200, blank=True)
    deviations = models.PositiveSmallIntegerField("偏差数", default=0)
    result = models.TextField("实施结果(公开)", blank=True)
    task = models.ForeignKey(
        "workplan.Task",
        verbose_name="实施任务(督查督办)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reminded_key = models.CharField("已提醒", max_length=40, blank=True, help_text="最近一次到期/逾期提醒")
    is_demo = models.BooleanField("演示数据", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "村级重大事项(四议两公开)"
        verbose_name_plural = "村级重大事项(四议两公开)"
        ordering = ["org_path", "-created_at"]
        indexes = [models.Index(fields=["org_path", "status"], name="decision_path_status")]

    def __str__(self):
        return self.title

    @property
    def next_kind(self):
        return ORDER[self.done_steps] if self.done_steps < len(ORDER) else None


class VillagersBody(models.TextChoices):
    REPRESENTATIVES = "representatives", "村民代表会议"
    ASSEMBLY = "assembly", "村民会议"


class DecisionStepQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        hosts = Org.objects.filter(under_paths(paths, "path"), kind__in=PARTY_KINDS).values("host_id")
        return Q(org_id__in=hosts)


class DecisionStep(OrgScopedModel):
    """One recorded step: the meeting (date, body, 应到/实到, votes, minutes) or the disclosure
    (channel, period), with the rule checks it was judged by. Corrections add a new row and mark
    the old one ``superseded_at``; nothing is deleted."""

    decision = models.ForeignKey(
        Decision, verbose_name="事项", on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField("步骤", max_length=24, choices=StepKind.choices)
    held_on = models.DateField("日期")
    body = models.CharField("会议/主体", max_length=100)
    villagers_body = models.CharField(
        "村民决议机构", max_length=16, choices=VillagersBody.choices, blank=True
    )
    expected = models.PositiveIntegerField("应到", null=True, blank=True)
    present = models.PositiveIntegerField("实到", null=True, blank=True)
    households = models.PositiveIntegerField("户数(村民会议)", null=True, blank=True)
    households_present = models.PositiveIntegerField("到会户代表", null=True, blank=True)
    yes = models.PositiveIntegerField("赞成", null=True, blank=True)
    no = models.PositiveIntegerField("反对", null=True, blank=True)
    abstain = models.PositiveIntegerField("弃权", null=True, blank=True)
    passed = models.BooleanField("通过", default=True)
    decided = models.TextField(
        "决定事项", blank=True, help_text="表决通过时会议决定的事项;未通过的表决不形成决定事项"
    )
    expected_note = models.CharField(
        "应到说明", max_length=200, blank=True, help_text="应到人数与名册不一致(名册不全)时的原因"
    )
    minutes = models.TextField("会议记录/公开内容", blank=True)
    channel = models.CharField("公开方式", max_length=100, blank=True)
    disclose_from = models.DateField("公开开始", null=True, blank=True)
    disclose_to = models.DateField("公开结束", null=True, blank=True)
    checks = models.JSONField("规则检查", default=list, blank=True)
    has_deviation = models.BooleanField("有偏差", default=False)
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = DecisionStepQuerySet.as_manager()

    class Meta:
        verbose_name = "四议两公开步骤"
        verbose_name_plural = "四议两公开步骤"
        ordering = ["decision", "held_on", "pk"]

    def __str__(self):
        return f"{self.decision_id} {self.get_kind_display()}"


class PhotoStage(models.TextChoices):
    ITEM = "item", "事项照片"
    RESULT = "result", "实施结果照片"


def photo_path(instance, filename):
    return f"villages/{instance.decision_id}/{uuid.uuid4().hex}.jpg"


class DecisionPhoto(OrgScopedModel):
    """A photo of a decision item (现场、公示栏) or of its implementation result, re-encoded without
    EXIF/GPS when uploaded; shown on the public page. Withdrawn photos (``withdrawn_at``) stay in
    the record but leave the public page; nothing is deleted."""

    decision = models.ForeignKey(
        Decision, verbose_name="事项", on_delete=models.PROTECT, related_name="photos"
    )
    stage = models.CharField("类别", max_length=8, choices=PhotoStage.choices, default=PhotoStage.ITEM)
    file = models.FileField("照片", upload_to=photo_path, max_length=255)
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    caption = models.CharField("说明(公开)", max_length=100, blank=True)
    withdrawn_at = models.DateTimeField("撤下时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤下原因", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    objects = DecisionStepQuerySet.as_manager()

    class Meta:
        verbose_name = "四议两公开照片"
        verbose_name_plural = "四议两公开照片"
        ordering = ["decision", "stage", "created_at", "pk"]
        indexes = [models.Index(fields=["file"], name="decisionphoto_file")]  # media view lookup

    def __str__(self):
        return f"{self.decision_id} {self.get_stage_display()}"


class RepresentativeQuerySet(ScopedQuerySet):
    def current(self, day):
        return self.filter(Q(start_on__isnull=True) | Q(start_on__lte=day)).filter(
            Q(end_on__isnull=True) | Q(end_on__gt=day)
        )


class Representative(OrgScopedModel):
    """村民代表 (a village representative) on the village's roster (``org``: the village): the
    roster gives the 应到 of a 村民代表会议 (``villages.services.roster``). A representative who
    leaves gets ``end_on``; rows are never deleted."""

    name = models.CharField("姓名", max_length=50)
    group = models.CharField("村民小组", max_length=50, blank=True)
    start_on = models.DateField("推选日期", null=True, blank=True)
    end_on = models.DateField("终止日期", null=True, blank=True, help_text="自该日起不再是村民代表")
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = "村民代表"
        verbose_name_plural = "村民代表名册"
        ordering = ["org_path", "group", "name"]

    def __str__(self):
        return self.name
