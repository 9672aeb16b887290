"""Grid cases (网格事项): what residents, grid workers and hotlines report, and how each is handled.

The workflow follows the GB/T 30428 closed loop (信息收集/受理 → 核实 → 立案 → 派遣 → 处置 → 处理反馈 →
核查 → 结案 → 回访). Every transition is a function in ``cases.services``; the rows here hold the
state, the deadlines of the running clock and the units involved. The timeline of a case is its
audit chain (``audit.AuditEvent`` of subject ``cases.case``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core import privacy
from core.models import Decided
from orgs.models import Org, OrgScopedModel
from orgs.scoping import ALL, ScopedQuerySet, scope_paths, under_paths


class CategoryKind(models.TextChoices):
    COMPONENT = "component", "部件"
    EVENT = "event", "事件"
    SOCIAL = "social", "社会治理"


class Category(models.Model):
    """Two-level taxonomy (大类/小类): GB/T 30428 部件/事件 classes plus social-governance ones."""

    parent = models.ForeignKey(
        "self", verbose_name="大类", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField("编码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=16, choices=CategoryKind.choices)
    requires_verification = models.BooleanField("立案前需核实", default=False)
    accepts_public = models.BooleanField("接受群众上报", default=True)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项分类"
        verbose_name_plural = "事项分类"
        ordering = ["sort", "code"]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", "紧急"
    URGENT = "urgent", "较急"
    ORDINARY = "ordinary", "一般"


class Stage(models.TextChoices):
    """The clocks a case runs through; each has a limit in ``SlaRule``."""

    REGISTER = "register", "受理立案"
    DISPATCH = "dispatch", "派遣"
    SIGN = "sign", "签收"
    RETURN_WINDOW = "return_window", "退单期限"
    REPORT_IN = "report_in", "吹哨报到"
    HANDLE = "handle", "处置反馈"
    CHECK = "check", "核查"
    CALLBACK = "callback", "回访"


class LimitUnit(models.TextChoices):
    WORK_HOURS = "work_hours", "工作时"
    WORK_DAYS = "work_days", "工作日"


class SlaRule(models.Model):
    """时限标准: the limit of one stage for a category (or all) and an urgency, from a date on.

    The rule in force is the most specific (小类 → 大类 → all categories) with the latest
    ``effective_from`` not after the day the stage starts.
    """

    category = models.ForeignKey(
        Category,
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="留空表示适用于所有分类",
    )
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices)
    stage = models.CharField("环节", max_length=16, choices=Stage.choices)
    limit = models.DecimalField("时限", max_digits=6, decimal_places=1)
    unit = models.CharField("单位", max_length=16, choices=LimitUnit.choices)
    effective_from = models.DateField("生效日期")
    note = models.CharField("依据/说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "时限标准"
        verbose_name_plural = "时限标准"
        ordering = ["stage", "urgency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "stage", "effective_from"], name="sla_unique_rule"
            ),
            models.CheckConstraint(condition=Q(limit__gt=0), name="sla_limit_positive"),
        ]

    def __str__(self):
        return (
            f"{self.category or '全部分类'} · {self.get_urgency_display()} · {self.get_stage_display()}:"
            f"{self.limit:g} {self.get_unit_display()}"
        )


class Responsibility(OrgScopedModel):
    """责任清单 (dispatch catalogue): in area ``org`` and below, ``category`` cases go to ``unit``."""

    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT)
    unit = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "责任清单"
        verbose_name_plural = "责任清单"

    def __str__(self):
        return f"{self.org} · {self.category} → {self.unit}"


class Channel(models.TextChoices):
    PUBLIC = "public", "群众上报"
    PATROL = "patrol", "网格员巡查"
    HOTLINE = "hotline", "12345热线"
    API = "api", "接口"
    WALK = "walk", "领导走流程"  # a problem a leader found walking a service process (walks)


class CaseStatus(models.TextChoices):
    REPORTED = "reported", "待受理"
    VERIFYING = "verifying", "核实中"
    REJECTED = "rejected", "不予立案"
    REGISTERED = "registered", "待派遣"
    DISPATCHED = "dispatched", "待签收"
    RETURNED = "returned", "退单待裁定"
    HANDLING = "handling", "处置中"
    FED_BACK = "fed_back", "待核查"
    PARKED = "parked", "挂账办理"
    CLOSED = "closed", "已结案"
    MERGED = "merged", "已合并"


OPEN_STATUSES = (
    CaseStatus.REPORTED,
    CaseStatus.VERIFYING,
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.RETURNED,
    CaseStatus.HANDLING,
    CaseStatus.PARKED,
    CaseStatus.FED_BACK,
)
# The statuses in which the lead unit is working on the case (handling clock running).
HANDLING_STATUSES = (CaseStatus.HANDLING, CaseStatus.PARKED)
STATUS_COLOURS = {
    CaseStatus.REPORTED: "primary",
    CaseStatus.VERIFYING: "info",
    CaseStatus.REJECTED: "secondary",
    CaseStatus.REGISTERED: "primary",
    CaseStatus.DISPATCHED: "warning",
    CaseStatus.RETURNED: "danger",
    CaseStatus.HANDLING: "warning",
    CaseStatus.FED_BACK: "info",
    CaseStatus.PARKED: "secondary",
    CaseStatus.CLOSED: "success",
    CaseStatus.MERGED: "secondary",
}


class CallbackOutcome(models.TextChoices):
    """How the 回访 (callback) of a closed case ended."""

    RATED = "rated", "已回访"
    UNREACHABLE = "unreachable", "无法联系"


# Failed callback attempts after which the callback is closed as 无法联系.
CALLBACK_MAX_ATTEMPTS = 3


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class CaseQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        q = Q(reporter_user=user) if action == "view" else Q(pk__in=[])
        if paths:
            # A unit sees and acts on the cases dispatched to it, wherever they happened. A
            # correlated EXISTS, not ``pk IN (subquery)``: inside the OR PostgreSQL can only run
            # the IN as a SubPlan, which degrades to a linear search per row once a department's
            # assignment ids outgrow work_mem (bench/README.md: 城管局 at 1M cases, > 20 s).
            q |= Exists(
                CaseAssignment.objects.filter(under_paths(paths), case=OuterRef("pk")).exclude(
                    status=AssignmentStatus.CANCELLED
                )
            )
        return q

    def scope_q(self, user, action, paths, where):
        """Without ``where``: one ``OR`` of the branches (subtrees, own, dispatched to the user's
        units), checked row by row — right for long lists walked in index order (全部, newest
        first), where a page needs a few hundred rows of a dense scope.

        With ``where`` (a selective filter: the open-case queues): scope first,
        ``pk IN (subtree UNION ALL assigned UNION ALL own)`` with ``where`` inside each branch.
        Each branch is an index-led scan of its own table, so the cost follows the user's scope
        and the filter, not the district: the ``OR`` made PostgreSQL walk every case of the
        district with that status and probe its visibility row by row (bench/README.md,
        "Workbench after issue 22"). ``UNION ALL``: ``IN`` needs no duplicate removal.
        """
        if where is None:
            return super().scope_q(user, action, paths, where)
        branches = self._branches(user, action, paths, where)
        if not branches:
            return Q(pk__in=[])
        first, *rest = branches
        return Q(pk__in=first.union(*rest, all=True) if rest else first)

    def _branches(self, user, action, paths, where) -> list[models.QuerySet]:
        """The visibility branches as querysets of case ids (one case may come twice)."""
        cases = Case.objects.order_by()
        if where is not None:
            cases = cases.filter(where)
        branches: list[models.QuerySet] = []
        if paths:
            branches.append(cases.filter(under_paths(paths)).values_list("pk", flat=True))
            assigned = CaseAssignment.objects.order_by().filter(under_paths(paths))
            if where is not None:
                assigned = assigned.filter(case__in=cases.values("pk"))
            assigned = assigned.exclude(status=AssignmentStatus.CANCELLED)
            branches.append(assigned.values_list("case_id", flat=True))
        if action == "view":
            branches.append(cases.filter(reporter_user=user).values_list("pk", flat=True))
        return branches

    def visible_count(self, user, action: str = "view", where: Q | None = None, cap: int = 1000) -> int:
        """How many cases ``visible_to(user, action, where)`` holds, counted up to ``cap`` + 1.

        Scope first: the ids of each branch are read in index order until ``cap`` + 1 distinct
        ones are found, so "1000+" for a department costs about a thousand index entries, not a
        scan of the district's cases against a hash of the department's whole assignment history
        (bench/README.md, "Workbench after issue 22"). Exact below the cap: each branch is read
        to its end only when the union stays under it.
        """
        paths = scope_paths(user, action)
        if paths is ALL or user is None or not getattr(user, "is_authenticated", False):
            return self.visible_to(user, action, where).order_by()[: cap + 1].count()
        seen: set[int] = set()
        # In a transaction: outside one PostgreSQL materializes a WITH HOLD cursor's whole result.
        with transaction.atomic(using=self.db):
            for branch in self._branches(user, action, paths, where):
                for pk in branch.iterator(chunk_size=cap + 1):
                    seen.add(pk)
                    if len(seen) > cap:
                        return cap + 1
        return len(seen)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def due_soon(self, within, now=None):
        now = now or timezone.now()
        return self.open().filter(due_at__gte=now, due_at__lt=now + within)


# 查询码 (tracking code): 13 characters from an alphabet without the look-alikes 0/O, 1/I/L and U
# (30 symbols: 13 × log2(30) ≈ 63.8 bits), shown in groups (``ABCD-EFGH-JKMNP``). Codes made
# before (16 characters of ``token_urlsafe``) stay valid: ``token_matches`` compares both ways.
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_LENGTH = 13


def new_access_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def normalize_token(value: str) -> str:
    """A typed 查询码 in its stored form: upper case, without spaces and hyphens (a new-style code
    never contains a hyphen). The alphabet has no look-alike pairs, so there is nothing to map:
    a code read off a phone screen cannot be mistyped as 0/O or 1/l."""
    return "".join((value or "").split()).replace("-", "").upper()


def format_token(token: str) -> str:
    """ABCDEFGHJKMNP → ABCD-EFGH-JKMNP (new-style codes only; an old code is shown as it is)."""
    if len(token) == TOKEN_LENGTH and all(c in TOKEN_ALPHABET for c in token):
        return f"{token[:4]}-{token[4:8]}-{token[8:]}"
    return token


class Case(OrgScopedModel):
    """One reported problem. ``org`` is where it is: the grid, else the community, else the street,
    else the district (the district dispatch queue)."""

    number = models.CharField("事项编号", max_length=24, unique=True)
    access_token = models.CharField(
        max_length=32, default=new_access_token, editable=False, help_text="查询凭证:编号本身不能用来查看事项"
    )
    channel = models.CharField("来源", max_length=16, choices=Channel.choices)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("问题描述")
    address = models.CharField("地址", max_length=200, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    grid = models.ForeignKey(
        Org, verbose_name="网格", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Org, verbose_name="社区/村", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Org, verbose_name="街道/乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_name = models.CharField("反映人", max_length=50, blank=True)
    reporter_phone_encrypted = models.TextField(blank=True, editable=False)
    # Keyed hash (HMAC) of the normalised number: hotline staff find a caller's earlier cases
    # without the number being stored in clear (``core.privacy.phone_index``).
    reporter_phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    ticket_number = models.CharField(
        "12345工单号", max_length=40, blank=True, help_text="来自市12345热线平台的工单编号"
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反映人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    anonymous = models.BooleanField("匿名", default=False)
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT
    )
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY)
    status = models.CharField(
        "状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED, db_index=True
    )
    stage = models.CharField("当前环节", max_length=16, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField("环节开始", null=True, blank=True)
    due_at = models.DateTimeField("环节时限", null=True, blank=True, db_index=True)
    handle_due_at = models.DateTimeField("处置时限", null=True, blank=True)
    lead_unit = models.ForeignKey(
        Org, verbose_name="主办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_reason = models.CharField("不予立案理由", max_length=200, blank=True)
    resolved_on_spot = models.BooleanField("即报即办", default=False)
    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)
    rehandle_count = models.PositiveSmallIntegerField("重办次数", default=0)
    extended_days = models.PositiveSmallIntegerField("已延期工作日", default=0)
    parked_at = models.DateTimeField("挂账时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    excluded_from_evaluation = models.BooleanField(
        "不计入考核", default=False, help_text="经审批认定为不合理诉求的事项不计入三率考核"
    )
    is_public = models.BooleanField(
        "公开", default=True, help_text="公开的事项在群众查询页显示处理过程(不含个人信息)"
    )
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    registered_at = models.DateTimeField("立案时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派遣时间", null=True, blank=True)
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    closed_on_time = models.BooleanField("按期结案", null=True, blank=True)
    rating_contacted = models.BooleanField("回访:已联系", null=True, blank=True)
    rating_resolved = models.BooleanField("回访:已解决", null=True, blank=True)
    rating_satisfaction = models.CharField(
        "回访:满意度", max_length=16, choices=Satisfaction.choices, blank=True
    )
    rating_comment = models.CharField("回访意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("回访时间", null=True, blank=True)
    notify_reporter = models.BooleanField(
        "接收办理进度通知", default=True, help_text="反映人可在提交时或通过通知中的退订链接关闭"
    )
    callback_attempts = models.PositiveSmallIntegerField("回访次数", default=0)
    callback_outcome = models.CharField(
        "回访结果", max_length=16, choices=CallbackOutcome.choices, blank=True
    )
    callback_last_at = models.DateTimeField("最近回访", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("上报时间", default=timezone.now, db_index=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "网格事项"
        verbose_name_plural = "网格事项"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["org_path", "status"], name="case_area_status"),
            # Running clocks only: overdue lists and the supervision job never walk closed cases.
            # (INCLUDE is PostgreSQL-only; other databases build the plain partial index.)
            models.Index(
                fields=["due_at"],
                include=["id", "org_path", "reporter_user"],
                condition=Q(status__in=OPEN_STATUSES),
                name="case_open_due",
            ),
            # The subtree branch of an open-case queue (``CaseQuerySet.scope_q``): a street's open
            # cases by path, without walking the district's open cases or the street's history.
            models.Index(
                fields=["org_path", "due_at"],
                include=["id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="case_open_area",
            ),
            # Monthly evaluation: cases closed in a month.
            models.Index(fields=["closed_at"], condition=Q(status="closed"), name="case_closed_month"),
            # The 回访 queue: closed cases whose callback clock runs, oldest due first.
            models.Index(
                fields=["org_path", "due_at"],
                condition=Q(status="closed", stage="callback"),
                name="case_callback_queue",
            ),
            models.Index(fields=["ticket_number"], name="case_ticket_number"),
        ]
        constraints = [
            # A 12345 ticket enters once per source (API/hotline may both carry ticket numbers).
            models.UniqueConstraint(
                fields=["channel", "ticket_number"],
                condition=~Q(ticket_number=""),
                name="case_ticket_once_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def set_reporter_phone(self, value: str) -> None:
        self.reporter_phone_encrypted = privacy.encrypt((value or "").strip())
        self.reporter_phone_hash = privacy.phone_index(value or "")

    def reporter_phone_clear(self) -> str:
        """The clear phone number. Callers check ``callback`` and audit the access."""
        return privacy.decrypt(self.reporter_phone_encrypted)

    def token_matches(self, given: str | None) -> bool:
        """Whether ``given`` opens this case: the stored 查询码 exactly (old codes are case
        sensitive), or a new-style code typed in lower case, in groups or with look-alikes."""
        if not given or not self.access_token:
            return False
        return secrets.compare_digest(given, self.access_token) or secrets.compare_digest(
            normalize_token(given), self.access_token
        )

    @property
    def access_code_display(self) -> str:
        return format_token(self.access_token)

    @property
    def reporter_phone_masked(self) -> str:
        return privacy.mask_phone(self.reporter_phone_clear())

    @property
    def reporter_display(self) -> str:
        if self.channel == Channel.PATROL and not self.reporter_name:
            # A grid worker's own patrol report: the reporter is the staff member (see
            # ``patrol_reporter``), never an anonymous resident.
            return "网格员巡查"
        if self.anonymous or not self.reporter_name:
            return "匿名"
        return privacy.mask_name(self.reporter_name)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def has_location(self) -> bool:
        return self.longitude is not None and self.latitude is not None


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"
    SUMMONED = "summoned", "吹哨报到"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    SIGNED = "signed", "处置中"
    RETURNED = "returned", "已退单"
    FED_BACK = "fed_back", "已反馈"
    CANCELLED = "cancelled", "已撤回"


class ReturnReason(models.TextChoices):
    NOT_OUR_DUTY = "not_our_duty", "不属于本单位职责"
    WRONG_AREA = "wrong_area", "不在本单位辖区"
    INFO_INCOMPLETE = "info_incomplete", "信息不全无法处置"
    DUPLICATE = "duplicate", "重复事项"
    OTHER = "other", "其他"


class AssignmentQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED))


class CaseAssignment(OrgScopedModel):
    """One unit's part in one case (流转交办): the lead unit (主办) or a co-unit (协办).

    ``org`` is the handling unit (a department, a community or a grid), so a unit's queue is one
    indexed prefix match and the row follows the unit when the org tree changes.
    """

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="assignments")
    org = models.ForeignKey(Org, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(
        "状态", max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    instructions = models.CharField("派遣意见", max_length=500, blank=True)
    dispatched_at = models.DateTimeField("派遣时间", default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="派遣人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sign_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    return_due_at = models.DateTimeField("退单期限", null=True, blank=True)
    handle_due_at = models.DateTimeField("处置时限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField("退单时间", null=True, blank=True)
    return_reason = models.CharField("退单理由", max_length=20, choices=ReturnReason.choices, blank=True)
    return_note = models.CharField("退单说明", max_length=500, blank=True)
    return_upheld = models.BooleanField(
        "退单成立",
        null=True,
        blank=True,
        help_text="调度员裁定:成立=改派;不成立=原单位继续办理(计入退单考核)",
    )
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    feedback = models.TextField("处置情况", blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "承办记录"
        verbose_name_plural = "承办记录"
        ordering = ["case", "role", "dispatched_at"]
        indexes = [
            # A unit's queue, and the visibility probe "is this case dispatched to my units?"
            # answered from the index alone.
            models.Index(fields=["org_path", "status"], include=["case"], name="assignment_unit_status"),
            models.Index(fields=["case"], include=["org_path", "status"], name="assignment_case_cover"),
            # Monthly evaluation: lead dispatches in a month.
            models.Index(
                fields=["dispatched_at"], condition=Q(role="lead"), name="assignment_lead_dispatched"
            ),
        ]

    def __str__(self):
        return f"{self.case.number} · {self.get_role_display()} · {self.org}"

    @property
    def unit(self) -> Org:
        return self.org

    @property
    def is_active(self) -> bool:
        return self.status in (AssignmentStatus.PENDING, AssignmentStatus.SIGNED)


class AttachmentStage(models.TextChoices):
    REPORT = "report", "上报照片"
    FEEDBACK = "feedback", "处置照片"
    CHECK = "check", "核查照片"
    BEFORE = "before", "处置前"
    AFTER = "after", "处置后"


def attachment_path(instance, filename):
    when = instance.created_at or timezone.now()
    return f"cases/{when:%Y/%m}/{secrets.token_hex(8)}.jpg"


class CaseAttachment(models.Model):
    """A photo of a case. Stored re-encoded as JPEG without metadata (EXIF GPS stripped)."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="attachments")
    stage = models.CharField("环节", max_length=16, choices=AttachmentStage.choices)
    file = models.FileField("文件", upload_to=attachment_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "事项照片"
        verbose_name_plural = "事项照片"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["file"], name="caseattachment_file")]  # media view lookup

    def __str__(self):
        return f"{self.case.number} {self.get_stage_display()}"


# PostgreSQL: the sequence tracking numbers are drawn from (created by migration 0015).
NUMBER_SEQUENCE = "cases_number_seq"


class CaseCounter(models.Model):
    """One row per day of tracking numbers (YL20261129-0001); see ``services.next_number``.

    SQLite: ``last`` is the day's last number (an upsert takes the next one). PostgreSQL: numbers
    come from the one sequence ``NUMBER_SEQUENCE`` and ``base`` is its value just before the
    day's first number (number = nextval − base); ``last`` stays 0.
    """

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)
    base = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "事项编号计数"
        verbose_name_plural = "事项编号计数"

    def __str__(self):
        return f"{self.day}: {self.last}"


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "催办提醒"
    URGE = "urge", "催办"
    NOTICE = "notice", "督办通知单"
    CIRCULAR = "circular", "通报"


class NoticeQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        # The unit a notice is addressed to sees it, wherever the case is.
        return under_paths(paths, "unit__path")

    def awaiting_reply(self):
        return self.filter(kind=NoticeKind.NOTICE, replied_at__isnull=True)


class SupervisionNotice(OrgScopedModel):
    """督查问效: a reminder before a stage limit, a supervision notice when it is missed (with a
    reply deadline), and a circular for cases overdue again. One per (case, kind, stage, deadline):
    the periodic job can run any number of times, on any number of workers, without duplicates."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("类型", max_length=16, choices=NoticeKind.choices)
    stage = models.CharField("环节", max_length=16, choices=Stage.choices)
    stage_due_at = models.DateTimeField("环节时限")
    unit = models.ForeignKey(
        Org, verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("内容")
    reply_due_at = models.DateTimeField("回复期限", null=True, blank=True)
    reply = models.TextField("情况说明", blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    manual = models.BooleanField(
        "人工督办", default=False, help_text="督查室人工发出的催办、督办通知单(不受每个时限一条的限制)"
    )
    number = models.CharField("文号", max_length=40, blank=True)
    issuer = models.ForeignKey(
        Org, verbose_name="发文单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    act_by = models.DateTimeField("限期办结", null=True, blank=True)
    created_at = models.DateTimeField("发出时间", default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["-created_at"]
        constraints = [
            # The periodic job's records only: the supervision office may 催办 as often as it must.
            models.UniqueConstraint(
                fields=["case", "kind", "stage", "stage_due_at"],
                condition=Q(manual=False),
                name="notice_once_per_deadline",
            ),
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="notice_kind_created")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number or self.case.number}"

    @property
    def printable(self) -> bool:
        """督办通知单 and 通报 are documents (文号, A4, Word); reminders are messages."""
        return self.kind in (NoticeKind.NOTICE, NoticeKind.CIRCULAR)


class EvaluationWeights(models.Model):
    """考核权重: how the monthly composite score weighs each rate, from a month on (versioned)."""

    effective_from = models.DateField("生效月份(取当月1日)", unique=True)
    response = models.DecimalField("响应率权重", max_digits=4, decimal_places=2, default=0.10)
    resolution = models.DecimalField("解决率权重", max_digits=4, decimal_places=2, default=0.30)
    satisfaction = models.DecimalField("满意率权重", max_digits=4, decimal_places=2, default=0.30)
    on_time = models.DecimalField("按期结案率权重", max_digits=4, decimal_places=2, default=0.20)
    rework = models.DecimalField("返工率权重(按1-返工率计分)", max_digits=4, decimal_places=2, default=0.05)
    returns = models.DecimalField("退单率权重(按1-退单率计分)", max_digits=4, decimal_places=2, default=0.05)
    urge_deduction = models.DecimalField(
        "每次被催办扣分",
        max_digits=4,
        decimal_places=2,
        default=0.5,
        help_text="督查室人工催办一次,从责任单位当月综合得分(百分制)中扣除的分数",
    )
    basic_satisfied_factor = models.DecimalField(
        "基本满意折算系数", max_digits=3, decimal_places=2, default=0.9
    )
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    response__gte=0,
                    resolution__gte=0,
                    satisfaction__gte=0,
                    on_time__gte=0,
                    rework__gte=0,
                    returns__gte=0,
                    urge_deduction__gte=0,
                ),
                name="weights_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.effective_from:%Y-%m} 起"

    def total(self):
        return self.response + self.resolution + self.satisfaction + self.on_time + self.rework + self.returns


class FiguresKey(models.TextChoices):
    """What a row of ``MonthlyFigures`` is keyed by: the case's final lead unit, street or community
    (the case-based counts of the three tables), or the unit itself (lead dispatches to it, its
    returns, the 催办 addressed to it — counted on the dispatch / notice record alone)."""

    LEAD_UNIT = "lead_unit", "主办单位"
    STREET = "street", "街道/乡镇"
    COMMUNITY = "community", "社区/村"
    UNIT = "unit", "承办/被催办单位"


class MonthlyFigures(models.Model):
    """月度考核汇总: the integer counts the monthly evaluation sums, per month, key and org, kept
    up to date by ``cases.summaries`` whenever a case, a lead assignment or an urge changes, so
    that a ranking reads a few hundred rows instead of a month of cases."""

    month = models.DateField("月份(当月1日)")
    kind = models.CharField("口径", max_length=16, choices=FiguresKey.choices)
    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    closed = models.IntegerField("结案数", default=0)
    callbacks = models.IntegerField("有效回访", default=0)
    contacted = models.IntegerField("已联系", default=0)
    resolved = models.IntegerField("已解决", default=0)
    satisfied = models.IntegerField("满意", default=0)
    basic = models.IntegerField("基本满意", default=0)
    on_time = models.IntegerField("按期结案", default=0)
    reworked = models.IntegerField("返工", default=0)
    dispatched = models.IntegerField("主办派遣", default=0)
    returned = models.IntegerField("退单(不成立)", default=0)
    urged = models.IntegerField("被催办", default=0)

    class Meta:
        verbose_name = "月度考核汇总"
        verbose_name_plural = "月度考核汇总"
        ordering = ["month", "kind", "org"]
        constraints = [
            models.UniqueConstraint(fields=["month", "kind", "org"], name="monthly_figures_key"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.get_kind_display()} · {self.org_id}"


class RequestKind(models.TextChoices):
    EXTENSION = "extension", "延期"
    PARKING = "parking", "挂账"
    REHANDLE = "rehandle", "重办"
    EXCLUSION = "exclusion", "不合理诉求认定"


# Who decides each kind of request: an action held over the case's area. The dispatch centre
# manages the handling clock; re-handling and leaving a case out of the evaluation are decided by
# the supervision office (督查室), not by those whose work is being judged.
DECIDER_ACTION = {
    RequestKind.EXTENSION: "dispatch",
    RequestKind.PARKING: "dispatch",
    RequestKind.REHANDLE: "supervise",
    RequestKind.EXCLUSION: "supervise",
}


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"


class CaseRequestQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        if not paths:
            return None
        # The unit that asked sees its request, wherever the case is.
        return under_paths(paths, "requester_unit__path")

    def pending(self):
        return self.filter(status=RequestStatus.PENDING)


class CaseRequest(OrgScopedModel, Decided):
    """A request that changes a case only once approved (审批): 延期 moves the handling deadline,
    挂账 parks a case that needs long-term work until a date, 重办 reopens a closed case the
    reporter rated unresolved and dissatisfied, 不合理诉求认定 takes a case out of the monthly
    evaluation. ``org`` is the case's area, so the dispatch centre there sees it."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField("类型", max_length=16, choices=RequestKind.choices)
    status = models.CharField(
        "状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reason = models.TextField("申请理由")
    days = models.PositiveSmallIntegerField("延期工作日", null=True, blank=True)
    until = models.DateField("挂账至", null=True, blank=True)
    requester_unit = models.ForeignKey(
        Org, verbose_name="申请单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)  # longer than Decided's

    objects = CaseRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "审批申请"
        verbose_name_plural = "审批申请"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status="pending"),
                name="case_request_one_pending_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="case_request_area_status")]

    def __str__(self):
        return f"{self.case.number} · {self.get_kind_display()} · {self.get_status_display()}"


class CaseFollow(models.Model):
    """关注: a resident's "me too" on a public case (已有人反映,关注进展) instead of a new report.

    No personal data: ``client`` is a keyed hash of the client's address (one follow per address
    and case); the count is what the public pages show."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="follows")
    client = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("关注时间", default=timezone.now)

    class Meta:
        verbose_name = "群众关注"
        verbose_name_plural = "群众关注"
        constraints = [models.UniqueConstraint(fields=["case", "client"], name="case_follow_once_per_client")]

    def __str__(self):
        return f"{self.case.number} · 关注"


class Milestone(models.TextChoices):
    """The public steps a reporter is told about (办理进度通知)."""

    RECEIVED = "received", "已受理"
    REGISTERED = "registered", "已立案"
    REFUSED = "refused", "不予立案"
    DISPATCHED = "dispatched", "已派遣"
    ANSWERED = "answered", "已答复"
    REWORKED = "reworked", "退回重办"
    CLOSED = "closed", "已办结"
    RATE = "rate", "邀请评价"


class ReporterMessage(models.Model):
    """One milestone told to a case's reporter (办理进度通知). Unique per (case, milestone,
    round): a service that runs twice, or a retried job, never tells the same step twice. ``round``
    tells repeated steps apart (the answer after the first rework is round 1)."""

    case = models.ForeignKey(
        Case, verbose_name="事项", on_delete=models.PROTECT, related_name="reporter_messages"
    )
    milestone = models.CharField("环节", max_length=16, choices=Milestone.choices)
    round = models.PositiveSmallIntegerField("轮次", default=0)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    params = models.JSONField("模板参数", default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "办理进度通知"
        verbose_name_plural = "办理进度通知"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "milestone", "round"], name="reporter_message_once"),
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_milestone_display()}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "已取消"


class ReporterDelivery(models.Model):
    """One message through one channel (站内信, 短信, 邮件, 微信, 文件): its status, attempts and the
    last error, so an operator sees what did not arrive (后台 → 通知发送)."""

    message = models.ForeignKey(
        ReporterMessage, verbose_name="通知", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("渠道", max_length=16)
    status = models.CharField(
        "状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    claimed_at = models.DateTimeField("开始发送", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    provider_id = models.CharField("回执编号", max_length=100, blank=True)

    class Meta:
        verbose_name = "通知发送"
        verbose_name_plural = "通知发送"
        ordering = ["-message__created_at", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="reporter_delivery_once"),
        ]

    def __str__(self):
        return f"{self.message} · {self.channel} · {self.get_status_display()}"
