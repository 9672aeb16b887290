"""Membership (党员管理): the member record (党员) and what follows a member — organization-relationship
transfers (组织关系转接), floating members (流动党员), the dues ledger (党费) and its reductions,
care visits (走访慰问) and commendations (表彰). Re-exported by ``party.models`` for Django and the
migrations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Decided
from orgs.models import OrgScopedModel, Person
from orgs.scoping import ScopedQuerySet, under_paths


class TransferKind(models.TextChoices):
    IN_DISTRICT = "in_district", "转往区内党组织"
    OUTSIDE = "outside", "转往区外党组织"


class TransferState(models.TextChoices):
    PENDING = "pending", "待接收"
    RECEIVED = "received", "已接收"
    CANCELLED = "cancelled", "已撤销"


class TransferQuerySet(ScopedQuerySet):
    def own_q(self, user, action, paths):
        # The receiving branch sees (and may receive) transfers addressed to it.
        return under_paths(paths, "to_org__path") if paths else None

    def pending(self):
        return self.filter(state=TransferState.PENDING)


class Transfer(OrgScopedModel):
    """An organization-relationship transfer (组织关系转接) of a member. ``org`` is the sending
    branch, which stays responsible until the receiving organization accepts (党员教育管理工作条例
    第二十五条): the member's branch changes only on receipt."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField("转接类型", max_length=12, choices=TransferKind.choices)
    to_org = models.ForeignKey(
        "orgs.Org",
        verbose_name="接收党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    to_org_name = models.CharField("接收党组织名称", max_length=150)
    reason = models.CharField("转接原因", max_length=200)
    sent_on = models.DateField("开具介绍信日期")
    state = models.CharField(
        "状态", max_length=12, choices=TransferState.choices, default=TransferState.PENDING
    )
    received_on = models.DateField("接收日期", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(state="pending"), name="transfer_one_pending_per_member"
            ),
            models.CheckConstraint(
                condition=Q(kind="outside") | Q(to_org__isnull=False), name="transfer_in_district_has_org"
            ),
        ]
        indexes = [models.Index(fields=["state", "sent_on"], name="transfer_state_sent")]

    def __str__(self):
        return f"{self.member} → {self.to_org_name}"


class FloatingRecord(OrgScopedModel):
    """A floating member (流动党员): a member away from the branch's place (外出务工/经商/学习 …)
    since a day. ``org`` is the member's (outflow) branch. Ended when the member returns or the
    relationship is transferred."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="floating"
    )
    place = models.CharField("外出地点", max_length=150)
    since = models.DateField("外出日期")
    contact = models.CharField("联系方式/流入地联系人", max_length=100, blank=True)
    ended_on = models.DateField("返回/结束日期", null=True, blank=True)
    end_note = models.CharField("结束说明", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "流动党员登记"
        verbose_name_plural = "流动党员登记"
        ordering = ["-since", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="floating_one_open_per_member"
            ),
        ]

    def __str__(self):
        return f"{self.member} 外出 {self.place}"


class DuesKind(models.TextChoices):
    SALARY = "salary", "在职(按工资收入)"
    RETIREE = "retiree", "离退休"
    FARMER = "farmer", "农民"
    RELIEF = "relief", "学生/下岗/领取救济或低保"


class DuesBase(OrgScopedModel):
    """The dues base (党费基数) of a member from a month on. The monthly income is personal data:
    stored encrypted (core.privacy), shown masked. A change is a new row; the row with the latest
    ``effective_month`` not after a month applies."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_bases"
    )
    kind = models.CharField("缴纳类别", max_length=10, choices=DuesKind.choices)
    income_encrypted = models.CharField("月收入(加密)", max_length=255, blank=True)
    monthly_due = models.DecimalField("每月应缴", max_digits=8, decimal_places=2)
    rate = models.CharField("适用比例/标准", max_length=40)
    effective_month = models.DateField("起缴月份")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("核定时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        ordering = ["member", "-effective_month", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(monthly_due__gte=0), name="duesbase_due_nonneg")]

    def __str__(self):
        return f"{self.member} {self.effective_month:%Y-%m} 起 {self.monthly_due} 元/月"

    @property
    def income(self) -> str:
        from core.privacy import decrypt

        return decrypt(self.income_encrypted)

    @property
    def income_masked(self) -> str:
        value = self.income
        if not value:
            return "—"
        head = value.split(".")[0]
        return head[0] + "*" * (len(head) - 1) if len(head) > 1 else "*"


class DuesPaymentQuerySet(ScopedQuerySet):
    def live(self):
        return self.filter(voided_at__isnull=True)


class DuesPayment(OrgScopedModel):
    """Dues paid for one month (党费缴纳记录), recorded by the branch. Voided, never deleted."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField("所属月份")  # the first day of the month
    amount = models.DecimalField("缴纳金额", max_digits=8, decimal_places=2)
    paid_on = models.DateField("缴纳日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quarterly_consent = models.BooleanField(
        "经支部同意按季度(合并)交纳", default=False, help_text="缴纳日期所在月份之后的月份(预缴)须经支部同意"
    )
    over_limit_reason = models.CharField(
        "经支部同意超期补缴的理由",
        max_length=200,
        blank=True,
        help_text="补缴超过规定月数(规则参数 dues.backpay_months)的月份时必填",
    )
    # 委托代交 (rules.md §3.4: with the branch's consent dues may be paid by a proxy): who paid
    # in the member's place — another member or a relative — and how they are related.
    proxy_name = models.CharField("代交人姓名", max_length=20, blank=True)
    proxy_relation = models.CharField(
        "代交人与党员关系", max_length=20, blank=True, help_text="填写代交人姓名时必填,如:配偶、同支部党员"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = DuesPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "党费缴纳记录"
        verbose_name_plural = "党费缴纳记录"
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"],
                condition=Q(voided_at__isnull=True),
                name="duespayment_one_per_month",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="duespayment_amount_positive"),
        ]
        indexes = [models.Index(fields=["org_path", "month"], name="duespayment_path_month")]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m} {self.amount} 元"

    @property
    def proxy_label(self) -> str:
        """ "由 XX(关系)代交", or "" when the member paid in person."""
        if not self.proxy_name:
            return ""
        return f"由 {self.proxy_name}({self.proxy_relation})代交"


class ReductionReason(models.TextChoices):
    HARDSHIP = "hardship", "生活困难"
    ILLNESS = "illness", "重病或长期患病"
    NO_INCOME = "no_income", "失业或无固定收入"
    DISASTER = "disaster", "遭受自然灾害或意外"
    OTHER = "other", "其他特殊困难"


class ReductionState(models.TextChoices):
    REPORTED = "reported", "已报上级党委"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"


class DuesReductionQuerySet(ScopedQuerySet):
    def live(self):
        """Reported or approved: the ones that block an overlapping application."""
        return self.filter(state__in=[ReductionState.REPORTED, ReductionState.APPROVED])


class DuesReduction(OrgScopedModel, Decided):
    """A reduction or exemption of dues (党费减免: 少交或免交) for a span of months: a member in
    difficulty applies, the branch studies it (党支部研究) and reports it, the higher party
    committee approves (报上一级党委批准; dues regulation, rules.md §3.4). ``monthly_amount`` is what
    the member pays per month while it is in force (0 = 免交). An approved reduction may be stopped
    from a month on (情况好转) — the months before keep it; nothing is deleted."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_reductions"
    )
    first_month = models.DateField("减免起始月份")  # the first day of the month
    last_month = models.DateField("减免截止月份")
    monthly_amount = models.DecimalField("减免后每月交纳(元)", max_digits=8, decimal_places=2)
    reason = models.CharField("申请原因", max_length=12, choices=ReductionReason.choices)
    detail = models.CharField("困难情况说明", max_length=500)
    applied_on = models.DateField("党员申请日期")
    studied_on = models.DateField("支部研究日期")
    branch_opinion = models.CharField("支部研究意见", max_length=200)
    state = models.CharField(
        "状态", max_length=10, choices=ReductionState.choices, default=ReductionState.REPORTED
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
    closed_at = models.DateTimeField("撤回/终止时间", null=True, blank=True)
    close_reason = models.CharField("撤回/终止原因", max_length=200, blank=True)
    stopped_from = models.DateField("自该月起终止减免", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    objects = DuesReductionQuerySet.as_manager()

    class Meta:
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"
        ordering = ["-first_month", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="duesreduction_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(last_month__gte=models.F("first_month")), name="duesreduction_span_ordered"
            ),
        ]
        indexes = [models.Index(fields=["member", "state"], name="duesreduction_member_state")]

    def __str__(self):
        return f"{self.member} {self.first_month:%Y-%m}至{self.last_month:%Y-%m} {self.kind_label}"

    @property
    def exempt(self) -> bool:
        return self.monthly_amount == 0

    @property
    def kind_label(self) -> str:
        return "免交" if self.exempt else f"减为每月 {self.monthly_amount} 元"

    @property
    def effective_last(self):
        """The last month the reduction applies to (``stopped_from`` shortens it)."""
        if self.stopped_from is None:
            return self.last_month
        from dateutil.relativedelta import relativedelta

        return min(self.last_month, self.stopped_from - relativedelta(months=1))

    def covers(self, month) -> bool:
        return self.state == ReductionState.APPROVED and self.first_month <= month <= self.effective_last


class CareReason(models.TextChoices):
    ELDERLY = "elderly", "高龄党员"
    ILL = "ill", "生病住院"
    STRUGGLING = "struggling", "生活困难"
    OLD_MEMBER = "old_member", "老党员(党龄50年以上等)"
    OTHER = "other", "其他"


class CareVisit(OrgScopedModel):
    """A care visit (走访慰问) to a member by the branch: who visited, when, what was given, and
    the follow-up (后续帮扶) with when it was done."""

    member = models.ForeignKey(
        "party.Member", verbose_name="慰问对象", on_delete=models.PROTECT, related_name="care_visits"
    )
    reason = models.CharField("慰问原因", max_length=12, choices=CareReason.choices)
    visited_on = models.DateField("走访日期")
    visitors = models.CharField("走访人员", max_length=150)
    given = models.CharField("慰问品/慰问金", max_length=200, blank=True)
    amount = models.DecimalField("慰问金额(元)", max_digits=9, decimal_places=2, null=True, blank=True)
    notes = models.TextField("走访情况", blank=True)
    follow_up = models.CharField("后续帮扶事项", max_length=200, blank=True)
    follow_up_done_on = models.DateField("帮扶完成日期", null=True, blank=True)
    follow_up_note = models.CharField("帮扶完成情况", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "走访慰问记录"
        verbose_name_plural = "走访慰问记录"
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="carevisit_amount_nonneg"
            )
        ]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} 走访 {self.member}"

    @property
    def follow_up_open(self) -> bool:
        return bool(self.follow_up) and self.follow_up_done_on is None


class CommendationCategory(models.TextChoices):
    OUTSTANDING_MEMBER = "outstanding_member", "优秀共产党员"
    OUTSTANDING_WORKER = "outstanding_worker", "优秀党务工作者"
    ADVANCED_ORG = "advanced_org", "先进基层党组织"


class CommendationState(models.TextChoices):
    NOMINATED = "nominated", "已推荐"
    REVIEWED = "reviewed", "审核通过"
    REJECTED = "rejected", "审核未通过"
    NOTICE = "notice", "公示中"
    AWARDED = "awarded", "已表彰"
    NOT_AWARDED = "not_awarded", "未予表彰"


class Commendation(OrgScopedModel):
    """A 两优一先 nomination (优秀共产党员、优秀党务工作者、先进基层党组织): nominated by ``org`` →
    reviewed by the organization above → public notice (公示, in working days, end stored) →
    decision. ``org`` is the nominating party organization."""

    category = models.CharField("表彰类别", max_length=20, choices=CommendationCategory.choices)
    year = models.PositiveIntegerField("年度")
    nominee_member = models.ForeignKey(
        "party.Member",
        verbose_name="推荐党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominee_org = models.ForeignKey(
        "orgs.Org",
        verbose_name="推荐党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deeds = models.TextField("主要事迹")
    state = models.CharField(
        "状态", max_length=12, choices=CommendationState.choices, default=CommendationState.NOMINATED
    )
    review_opinion = models.CharField("审核意见", max_length=200, blank=True)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示截止", null=True, blank=True)
    objections = models.JSONField("公示期间反映的问题", default=list, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_note = models.CharField("决定说明", max_length=200, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="推荐人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("推荐时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "两优一先推荐"
        verbose_name_plural = "两优一先推荐"
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(nominee_member__isnull=False) & Q(nominee_org__isnull=True))
                | (Q(nominee_member__isnull=True) & Q(nominee_org__isnull=False)),
                name="commendation_one_nominee",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_category_display()}:{self.nominee_name}"

    @property
    def nominee_name(self) -> str:
        if self.nominee_member_id:
            return self.nominee_member.person.name
        return self.nominee_org.name if self.nominee_org_id else ""


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
    # A probationary member whose probation the branch cancelled (支部大会决定并经上级党委批准):
    # never a full member, so not "已出党" (issue 20 item 9).
    PROBATION_CANCELLED = "probation_cancelled", "取消预备党员资格"


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


class StatusKind(models.TextChoices):
    """党员状态: why a member may not take part in organization life for a while (正当理由)."""

    LEAVE = "leave", "请假"
    INFIRM = "infirm", "行动不便(年老体弱、患病)"
    AWAY = "away", "长期外出"
    FLOATING = "floating", "流动党员"


class StatusPeriodQuerySet(ScopedQuerySet):
    def live(self):
        """The periods not revoked (an ended period still excuses its days)."""
        return self.filter(revoked_at__isnull=True)

    def overlapping(self, start, end):
        """The live periods with at least one day in [start, end]."""
        return self.live().filter(start_on__lte=end).filter(Q(end_on__isnull=True) | Q(end_on__gte=start))


class MemberStatusPeriod(OrgScopedModel, Decided):
    """A member status period (党员状态期间): 请假 / 行动不便 / 长期外出 / 流动党员, with the reason
    and the days, decided by the branch (支部研究同意: ``decided_by``/``decided_at``/``decision_note``).
    ``org`` is the member's branch. Open-ended periods carry a review day (复核日期). Never deleted:
    ended early (``end_on`` with ``end_reason``) or revoked (``revoked_at`` with reason) when
    recorded in error. The compliance rules excuse the days inside a live period (6-month rule,
    attendance, study hours); dues are unaffected (党费减免 has its own procedure)."""

    member = models.ForeignKey(
        "party.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="status_periods"
    )
    kind = models.CharField("党员状态", max_length=10, choices=StatusKind.choices)
    reason = models.CharField("正当理由", max_length=200)
    start_on = models.DateField("起始日期")
    end_on = models.DateField("截止日期", null=True, blank=True)
    review_on = models.DateField("复核日期", null=True, blank=True)
    end_reason = models.CharField("提前结束原因", max_length=200, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    objects = StatusPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "党员状态期间"
        verbose_name_plural = "党员状态期间"
        ordering = ["-start_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="statusperiod_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=False) | Q(review_on__isnull=False),
                name="statusperiod_open_has_review",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.start_on:%Y-%m-%d} 起"

    def covers(self, day) -> bool:
        if self.revoked_at is not None or day < self.start_on:
            return False
        return self.end_on is None or day <= self.end_on

    @property
    def span_label(self) -> str:
        if self.end_on is None:
            return f"{self.start_on:%Y-%m-%d} 起(长期,{self.review_on:%Y-%m-%d} 复核)"
        return f"{self.start_on:%Y-%m-%d} 至 {self.end_on:%Y-%m-%d}"
