"""Membership services (党员管理): organization-relationship transfers (组织关系转接), floating
members (流动党员), the dues ledger (党费) and care visits (走访慰问). One function per action, each
in one transaction — scope check → rule checks → rows → one audit event.

    start_transfer ─► receive_transfer (member's branch changes only here)
                   └► cancel_transfer (with reason)
    register_floating ─► end_floating
    set_dues_base (income encrypted) · record_payment · record_payments · record_member_payments
    (委托代交: proxy name and relation, check_proxy)
    · void_payment · arrears · due_for (approved reductions, party/membership/reductions.py, lower the due)
    record_care_visit ─► complete_follow_up
    nominate ─► review ─► start_notice (公示, working days) ─► [record_objection] ─► decide
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, overload

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from audit import events
from audit.services import record
from core import clock, kit, privacy
from core.actors import user_or_none
from core.errors import ServiceError, StateConflict
from core.kit import clean_text
from orgs.models import Org
from orgs.permissions import require
from party.membership.models import (
    CareReason,
    CareVisit,
    Commendation,
    CommendationCategory,
    CommendationState,
    DuesBase,
    DuesKind,
    DuesPayment,
    DuesReduction,
    FloatingRecord,
    Member,
    MemberCategory,
    MemberStatus,
    ReductionState,
    Transfer,
    TransferKind,
    TransferState,
)
from party.rules import Rules

E = events.register
TRANSFER_STARTED = E("party.transfer_started", "转出组织关系")
TRANSFER_RECEIVED = E("party.transfer_received", "接收组织关系")
TRANSFER_CANCELLED = E("party.transfer_cancelled", "撤销组织关系转接")
FLOATING_REGISTERED = E("party.floating_registered", "登记流动党员")
FLOATING_ENDED = E("party.floating_ended", "结束流动党员登记")
DUES_BASE_SET = E("party.dues_base_set", "核定党费基数")
DUES_PAID = E("party.dues_paid", "登记党费缴纳")
DUES_VOIDED = E("party.dues_voided", "作废党费缴纳记录")
CARE_VISITED = E("party.care_visited", "登记走访慰问")
CARE_FOLLOWED_UP = E("party.care_followed_up", "完成慰问后续帮扶")
COMMEND_NOMINATED = E("party.commendation_nominated", "推荐两优一先")
COMMEND_REVIEWED = E("party.commendation_reviewed", "审核两优一先推荐")
COMMEND_NOTICED = E("party.commendation_noticed", "两优一先公示")
COMMEND_OBJECTED = E("party.commendation_objected", "登记公示期间反映的问题")
COMMEND_DECIDED = E("party.commendation_decided", "两优一先表彰决定")

CENT = Decimal("0.01")


@overload
def parse_day(value, field: str, label: str, *, required: Literal[True] = True) -> dt.date: ...
@overload
def parse_day(value, field: str, label: str, *, required: bool) -> dt.date | None: ...
def parse_day(value, field: str, label: str, *, required: bool = True) -> dt.date | None:
    """A date from a form value; ``None`` only when the field is optional (``required=False``)."""
    if value in (None, ""):
        if required:
            raise ServiceError(f"请填写{label}", field=field)
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError as error:
            raise ServiceError(f"{label}格式不正确(应为 年-月-日)", field=field) from error
    if day > kit.today():
        raise ServiceError(f"{label}不能晚于今天", field=field)
    return day


@overload
def parse_money(value, field: str, label: str, *, required: Literal[True] = True) -> Decimal: ...
@overload
def parse_money(value, field: str, label: str, *, required: bool) -> Decimal | None: ...
def parse_money(value, field: str, label: str, *, required: bool = True) -> Decimal | None:
    """An amount in yuan (to the cent); ``None`` only when the field is optional (``required=False``)."""
    if value in (None, ""):
        if required:
            raise ServiceError(f"请填写{label}", field=field)
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ServiceError(f"{label}须为数字", field=field) from error
    if not amount.is_finite() or amount < 0:
        raise ServiceError(f"{label}不能为负数", field=field)
    if amount > Decimal("999999"):
        raise ServiceError(f"{label}过大,请核对", field=field)
    return amount.quantize(CENT, ROUND_HALF_UP)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def lock_for_update(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# ---------------------------------------------------------------------------------------------
# Transfers (组织关系转接)


@transaction.atomic
def start_transfer(
    *,
    actor,
    member: Member,
    kind: str,
    to_org: Org | None = None,
    to_org_name: str = "",
    reason: str,
    sent_on,
) -> Transfer:
    """Transfer out (转出): the sending branch issues the letter; the member stays in the branch
    (and the branch stays responsible) until the receiving organization accepts."""
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权为该党员办理组织关系转出")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(f"党员状态为“{member.get_status_display()}”,不能转出", field="member")
    if Transfer.objects.filter(member=member, state=TransferState.PENDING).exists():
        raise StateConflict("该党员已有待接收的组织关系转接,请先接收或撤销", field="member")
    if kind not in TransferKind.values:
        raise ServiceError("请选择转接类型", field="kind")
    reason = clean_text(reason, "reason", "转接原因", required=True)
    sent_on = parse_day(sent_on, "sent_on", "开具介绍信日期")
    if kind == TransferKind.IN_DISTRICT:
        if to_org is None:
            raise ServiceError("请选择接收党组织", field="to_org")
        if to_org.kind != "branch" or to_org.archived_at is not None:
            raise ServiceError("接收党组织须为现有的党支部", field="to_org")
        if to_org.pk == member.org_id:
            raise ServiceError("接收党组织不能是党员现在所在的党支部", field="to_org")
        to_org_name = to_org.name
    else:
        to_org = None
        to_org_name = clean_text(to_org_name, "to_org_name", "接收党组织名称", required=True, limit=150)
    transfer = Transfer.objects.create(
        member=member,
        org=member.org,
        kind=kind,
        to_org=to_org,
        to_org_name=to_org_name,
        reason=reason,
        sent_on=sent_on,
        created_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(
        transfer,
        TRANSFER_STARTED,
        actor=actor,
        reason=reason,
        after={"kind": kind, "to": to_org_name, "sent_on": sent_on.isoformat()},
    )
    return transfer


@transaction.atomic
def receive_transfer(*, actor, transfer: Transfer, received_on=None) -> Transfer:
    """Receipt (接收): in the district, by the receiving branch — the member moves there; outside,
    the sending branch records the returned receipt (回执) and the member becomes 已转出."""
    transfer = lock_for_update(Transfer, transfer.pk)
    if transfer.state != TransferState.PENDING:
        raise StateConflict(f"该转接已{transfer.get_state_display()},不能再接收", field="state")
    if transfer.kind == TransferKind.IN_DISTRICT:
        require(actor, "change", transfer.to_org, "只有接收党支部可以办理接收")
    else:
        require(actor, "change", transfer.org, "无权登记该转接的回执")
    received_on = parse_day(received_on or kit.today(), "received_on", "接收日期")
    if received_on < transfer.sent_on:
        raise ServiceError("接收日期不能早于开具介绍信日期", field="received_on")
    member = lock_for_update(Member, transfer.member_id)
    before = {"org": member.org.name, "status": member.status}
    if transfer.kind == TransferKind.IN_DISTRICT:
        member.org = transfer.to_org
        member.save(update_fields=["org", "org_path"])
    else:
        member.status = MemberStatus.TRANSFERRED_OUT
        member.save(update_fields=["status"])
    FloatingRecord.objects.filter(member=member, ended_on__isnull=True).update(
        ended_on=received_on, end_note=f"组织关系已转至{transfer.to_org_name}"
    )
    transfer.state = TransferState.RECEIVED
    transfer.received_on = received_on
    transfer.received_by = user_or_none(actor)
    transfer.save(update_fields=["state", "received_on", "received_by"])
    record(
        transfer,
        TRANSFER_RECEIVED,
        actor=actor,
        before=before,
        after={"org": member.org.name, "status": member.status, "received_on": received_on.isoformat()},
    )
    return transfer


@transaction.atomic
def cancel_transfer(*, actor, transfer: Transfer, reason: str) -> Transfer:
    transfer = lock_for_update(Transfer, transfer.pk)
    require(actor, "change", transfer.org, "只有转出党支部可以撤销转接")
    if transfer.state != TransferState.PENDING:
        raise StateConflict(f"该转接已{transfer.get_state_display()},不能撤销", field="state")
    transfer.cancel_reason = clean_text(reason, "cancel_reason", "撤销原因", required=True)
    transfer.state = TransferState.CANCELLED
    transfer.cancelled_at = clock.now()
    transfer.save(update_fields=["state", "cancel_reason", "cancelled_at"])
    record(transfer, TRANSFER_CANCELLED, actor=actor, reason=transfer.cancel_reason)
    return transfer


# ---------------------------------------------------------------------------------------------
# Floating members (流动党员)


@transaction.atomic
def register_floating(*, actor, member: Member, place: str, since, contact: str = "") -> FloatingRecord:
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权为该党员登记外出")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(f"党员状态为“{member.get_status_display()}”,不能登记外出", field="member")
    if FloatingRecord.objects.filter(member=member, ended_on__isnull=True).exists():
        raise StateConflict("该党员已登记为流动党员,请先结束原登记", field="member")
    since = parse_day(since, "since", "外出日期")
    if since < member.joined_on:
        raise ServiceError("外出日期不能早于入党日期", field="since")
    floating = FloatingRecord.objects.create(
        member=member,
        org=member.org,
        place=clean_text(place, "place", "外出地点", required=True, limit=150),
        since=since,
        contact=clean_text(contact, "contact", "联系方式", limit=100),
        created_at=clock.now(),
    )
    record(
        floating,
        FLOATING_REGISTERED,
        actor=actor,
        after={"place": floating.place, "since": since.isoformat()},
    )
    return floating


@transaction.atomic
def end_floating(*, actor, floating: FloatingRecord, ended_on, note: str = "") -> FloatingRecord:
    floating = lock_for_update(FloatingRecord, floating.pk)
    require(actor, "change", floating.org, "无权结束该流动党员登记")
    if floating.ended_on is not None:
        raise StateConflict("该流动党员登记已结束", field="ended_on")
    ended_on = parse_day(ended_on, "ended_on", "返回日期")
    if ended_on < floating.since:
        raise ServiceError("返回日期不能早于外出日期", field="ended_on")
    floating.ended_on = ended_on
    floating.end_note = clean_text(note, "end_note", "结束说明")
    floating.save(update_fields=["ended_on", "end_note"])
    record(
        floating,
        FLOATING_ENDED,
        actor=actor,
        reason=floating.end_note,
        after={"ended_on": ended_on.isoformat()},
    )
    return floating


# ---------------------------------------------------------------------------------------------
# Dues (党费)


def parse_brackets(text: str) -> list[tuple[Decimal | None, Decimal]]:
    """``"3000:0.005,*:0.02"`` → [(3000, 0.005), (None, 0.02)]; a band includes its upper bound."""
    bands = []
    for part in text.split(","):
        limit, rate = part.split(":")
        bands.append((None if limit.strip() == "*" else Decimal(limit), Decimal(rate)))
    return bands


def compute_due(kind: str, income, rules: Rules, org=None, farmer_amount=None) -> tuple[Decimal, str]:
    """The monthly due (每月应缴党费) and the rate applied, from the rule data in force."""
    if kind in (DuesKind.SALARY, DuesKind.RETIREE):
        income = parse_money(income, "income", "月收入")
        if income == 0:
            raise ServiceError("月收入须大于 0", field="income")
        bands = parse_brackets(rules.get(f"dues.brackets.{kind}", org))
        for limit, rate in bands:
            if limit is None or income <= limit:
                amount = (income * rate).quantize(CENT, ROUND_HALF_UP)
                return amount, f"{(rate * 100).normalize()}%"
        raise ServiceError("党费比例规则数据不完整", field="kind")  # no open top band
    if kind == DuesKind.FARMER:
        low, high = rules.get("dues.farmer.min", org), rules.get("dues.farmer.max", org)
        amount = parse_money(farmer_amount, "farmer_amount", "农民党员每月党费")
        if not low <= amount <= high:
            raise ServiceError(f"农民党员每月党费须在 {low} 至 {high} 元之间", field="farmer_amount")
        return amount, f"{low}–{high}元/月"
    if kind == DuesKind.RELIEF:
        amount = rules.get("dues.relief.amount", org)
        return Decimal(amount).quantize(CENT), f"{amount}元/月"
    raise ServiceError("请选择缴纳类别", field="kind")


@transaction.atomic
def set_dues_base(
    *, actor, member: Member, kind: str, effective_month, income=None, farmer_amount=None
) -> DuesBase:
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权核定该党员的党费")
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(f"党员状态为“{member.get_status_display()}”,不能核定党费", field="member")
    if not isinstance(effective_month, dt.date):
        try:
            effective_month = dt.date.fromisoformat(f"{effective_month}-01"[:10])
        except ValueError as error:
            raise ServiceError("起缴月份格式不正确(应为 年-月)", field="effective_month") from error
    effective_month = month_start(effective_month)
    joined_month = month_start(member.joined_on)
    if effective_month < joined_month:
        raise ServiceError("起缴月份不能早于入党(支部大会通过)的月份", field="effective_month")
    if (
        member.category == MemberCategory.PROBATIONARY
        and effective_month != joined_month
        and not DuesBase.objects.filter(member=member).exists()
    ):
        # rules.md §3.5: 预备党员从支部大会通过其为预备党员之日起交纳党费 — the first base of a
        # probationary member starts in the month of that meeting (入党日期), even when the member
        # record was created later (on the higher committee's approval).
        raise ServiceError(
            f"预备党员从支部大会通过之日({member.joined_on:%Y-%m-%d})起交纳党费,"
            f"首次核定的起缴月份应为 {joined_month:%Y-%m}",
            field="effective_month",
        )
    if effective_month > month_start(kit.today()) + relativedelta(months=1):
        raise ServiceError("起缴月份最多只能设到下个月", field="effective_month")
    rules = Rules.load(effective_month)
    amount, rate = compute_due(kind, income, rules, member.org, farmer_amount)
    clear = (
        str(parse_money(income, "income", "月收入")) if kind in (DuesKind.SALARY, DuesKind.RETIREE) else ""
    )
    base = DuesBase.objects.create(
        member=member,
        org=member.org,
        kind=kind,
        income_encrypted=privacy.encrypt(clear),
        monthly_due=amount,
        rate=rate,
        effective_month=effective_month,
        set_by=user_or_none(actor),
        created_at=clock.now(),
    )
    # The income itself is never written to the audit log.
    record(
        base,
        DUES_BASE_SET,
        actor=actor,
        after={"kind": kind, "monthly_due": str(amount), "rate": rate, "from": f"{effective_month:%Y-%m}"},
    )
    return base


def base_for(bases: list[DuesBase], month: dt.date) -> DuesBase | None:
    """The base in force for ``month`` from a member's bases sorted by -effective_month."""
    for base in bases:
        if base.effective_month <= month:
            return base
    return None


def reductions_of(member_ids) -> dict[int, list[DuesReduction]]:
    """Approved reductions (党费减免) per member, one query (``member_ids``: ids or a subquery)."""
    result: dict[int, list[DuesReduction]] = defaultdict(list)
    for r in DuesReduction.objects.filter(member_id__in=member_ids, state=ReductionState.APPROVED).only(
        "member_id", "first_month", "last_month", "monthly_amount", "state", "stopped_from"
    ):
        result[r.member_id].append(r)
    return result


def due_for(
    bases: list[DuesBase], reductions: list[DuesReduction], month: dt.date
) -> tuple[Decimal | None, DuesReduction | None]:
    """The due for ``month`` (None: no base yet) and the approved reduction lowering it, if any:
    the base's monthly due, or the reduced amount when an approved reduction covers the month
    (never more than the base's due — a base lowered later wins)."""
    base = base_for(bases, month)
    if base is None:
        return None, None
    for r in reductions:
        if r.covers(month):
            return min(base.monthly_due, r.monthly_amount), r
    return base.monthly_due, None


def months_back(month: dt.date, paid_on: dt.date) -> int:
    """How many months before the month of payment ``month`` lies (0: the same month)."""
    return (paid_on.year - month.year) * 12 + paid_on.month - month.month


def parse_month(value, field: str, label: str) -> dt.date:
    if value in (None, ""):
        raise ServiceError(f"请填写{label}", field=field)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(f"{value}-01"[:10])
        except ValueError as error:
            raise ServiceError(f"{label}格式不正确(应为 年-月)", field=field) from error
    return month_start(value)


def check_payment_timing(
    member: Member,
    month: dt.date,
    paid_on: dt.date,
    *,
    quarterly_consent: bool = False,
    over_limit: bool = False,
    over_limit_reason: str = "",
) -> str:
    """The timing rules of a payment (rules.md §3.4, §3.5); returns the over-limit reason kept.

    * months before the member joined (支部大会通过) are not due (§3.5);
    * a month after the month of payment (预缴) means paying quarterly or ahead: only with the
      branch's consent (经党支部同意, 可以每季度交纳一次), at most 12 months ahead;
    * a month more than ``dues.backpay_months`` (6) before the month of payment: back-payment is
      "generally" limited to 6 months, so it is refused unless the branch agreed to the longer
      back-payment (经支部同意补缴超过6个月), with the reason; the reason goes to the payment row and
      the audit log. Exactly 6 months back is within the limit.
    """
    if month < month_start(member.joined_on):
        raise ServiceError(
            f"{month:%Y年%m月} 早于入党(支部大会通过)日期 {member.joined_on:%Y-%m-%d},无需交纳党费",
            field="month",
        )
    ahead = -months_back(month, paid_on)
    if ahead > 12:
        raise ServiceError("最多预缴12个月党费", field="month")
    if ahead > 0 and not quarterly_consent:
        raise ServiceError(
            f"{month:%Y年%m月} 晚于缴纳日期所在月份,属于按季度(预先)交纳,须经党支部同意:"
            "请勾选“经支部同意按季度交纳”",
            field="quarterly_consent",
        )
    limit = Rules.load(paid_on).get("dues.backpay_months", member.org)
    if months_back(month, paid_on) > limit:
        reason = clean_text(over_limit_reason, "over_limit_reason", "超期补缴理由")
        if not over_limit or not reason:
            raise ServiceError(
                f"{month:%Y年%m月} 距缴纳日期 {paid_on:%Y-%m-%d} 已超过 {limit} 个月,补缴党费一般不超过"
                f" {limit} 个月;确经支部同意补缴的,请勾选“经支部同意补缴超过{limit}个月”并填写理由",
                field="over_limit_reason",
            )
        return reason
    return ""


def check_proxy(proxy_name, proxy_relation) -> tuple[str, str]:
    """委托代交 (rules.md §3.4: a proxy, with the branch's consent): the proxy's name and relation
    to the member (another member, a relative …), both ≤ 20 characters; the relation is required
    with a name, and a relation alone is refused."""
    name = clean_text(proxy_name, "proxy_name", "代交人姓名", limit=20)
    relation = clean_text(proxy_relation, "proxy_relation", "代交人与党员关系", limit=20)
    if name and not relation:
        raise ServiceError(
            "委托他人代交的,请填写代交人与党员的关系(如配偶、子女、同支部党员)", field="proxy_relation"
        )
    if relation and not name:
        raise ServiceError("填写了代交人与党员关系,请同时填写代交人姓名", field="proxy_name")
    return name, relation


@transaction.atomic
def record_payment(
    *,
    actor,
    member: Member,
    month,
    amount=None,
    paid_on=None,
    quarterly_consent: bool = False,
    over_limit: bool = False,
    over_limit_reason: str = "",
    proxy_name: str = "",
    proxy_relation: str = "",
) -> DuesPayment:
    """One month's dues of a member; ``proxy_name``/``proxy_relation`` when someone else paid in
    the member's place (委托代交)."""
    member = lock_for_update(Member, member.pk)
    require(actor, "change", member.org, "无权为该党员登记党费")
    proxy_name, proxy_relation = check_proxy(proxy_name, proxy_relation)
    month = parse_month(month, "month", "所属月份")
    paid_on = parse_day(paid_on or kit.today(), "paid_on", "缴纳日期")
    reason = check_payment_timing(
        member,
        month,
        paid_on,
        quarterly_consent=quarterly_consent,
        over_limit=over_limit,
        over_limit_reason=over_limit_reason,
    )
    bases = list(DuesBase.objects.filter(member=member).order_by("-effective_month", "-pk"))
    due, reduction = due_for(bases, reductions_of([member.pk])[member.pk], month)
    if due is None:
        raise ServiceError(f"{member} {month:%Y年%m月} 尚未核定党费基数,请先核定", field="month")
    if due == 0 and reduction is not None:
        raise ServiceError(f"{member} {month:%Y年%m月} 已批准免交党费,无需登记", field="month")
    amount = parse_money(amount, "amount", "缴纳金额", required=False)
    if amount is None:
        amount = due
    if amount <= 0:
        raise ServiceError("缴纳金额须大于 0", field="amount")
    if DuesPayment.objects.live().filter(member=member, month=month).exists():
        raise StateConflict(f"{member} {month:%Y年%m月} 的党费已登记", field="month")
    try:
        with transaction.atomic():
            payment = DuesPayment.objects.create(
                member=member,
                org=member.org,
                month=month,
                amount=amount,
                paid_on=paid_on,
                quarterly_consent=bool(quarterly_consent) and month > month_start(paid_on),
                over_limit_reason=reason,
                proxy_name=proxy_name,
                proxy_relation=proxy_relation,
                recorded_by=user_or_none(actor),
                created_at=clock.now(),
            )
    except IntegrityError as error:
        raise StateConflict(f"{member} {month:%Y年%m月} 的党费已登记", field="month") from error
    after = {"month": f"{month:%Y-%m}", "amount": str(amount), "paid_on": paid_on.isoformat()}
    if payment.quarterly_consent:
        after["consent"] = "经支部同意按季度交纳"
    if reduction is not None:
        after["reduced_due"] = str(due)
    if proxy_name:
        after["proxy"] = {"name": proxy_name, "relation": proxy_relation}
    record(payment, DUES_PAID, actor=actor, reason=reason, after=after)
    return payment


@transaction.atomic
def record_payments(
    *,
    actor,
    org: Org,
    month,
    member_ids,
    paid_on=None,
    quarterly_consent=False,
    proxy_name: str = "",
    proxy_relation: str = "",
) -> list[DuesPayment]:
    """Quick entry (批量登记): the month's due for each ticked member of the branch, all or nothing.
    A proxy (委托代交, e.g. one relative paying for both parents) applies to every member ticked."""
    require(actor, "change", org, "无权为该党支部登记党费")
    check_proxy(proxy_name, proxy_relation)
    if not member_ids:
        raise ServiceError("请至少勾选一名党员", field="members")
    try:
        wanted = {int(i) for i in member_ids}
    except (TypeError, ValueError) as error:
        raise ServiceError("勾选的党员不在本支部", field="members") from error
    members = list(Member.objects.filter(org=org, pk__in=wanted, status=MemberStatus.NORMAL))
    if len(members) != len(wanted):
        raise ServiceError("勾选的党员不在本支部", field="members")
    return [
        record_payment(
            actor=actor,
            member=m,
            month=month,
            paid_on=paid_on,
            quarterly_consent=quarterly_consent,
            proxy_name=proxy_name,
            proxy_relation=proxy_relation,
        )
        for m in members
    ]


@transaction.atomic
def record_member_payments(
    *,
    actor,
    member: Member,
    first_month,
    last_month,
    paid_on=None,
    quarterly_consent: bool = False,
    over_limit: bool = False,
    over_limit_reason: str = "",
    proxy_name: str = "",
    proxy_relation: str = "",
) -> list[DuesPayment]:
    """Several months of one member at once (按季度交纳 or 补缴): each month's due (reduced where a
    reduction is approved; exempted months are skipped), one payment row and audit event per month.
    All or nothing: a month already paid or refused stops the whole entry. A proxy (委托代交)
    applies to every month entered."""
    check_proxy(proxy_name, proxy_relation)
    first = parse_month(first_month, "first_month", "起始月份")
    last = parse_month(last_month, "last_month", "截止月份")
    if last < first:
        raise ServiceError("截止月份不能早于起始月份", field="last_month")
    months = months_between(first, last)
    if len(months) > 12:
        raise ServiceError("一次最多登记12个月党费", field="last_month")
    exempt = set()
    bases = list(DuesBase.objects.filter(member=member).order_by("-effective_month", "-pk"))
    own = reductions_of([member.pk])[member.pk]
    for month in months:
        due, reduction = due_for(bases, own, month)
        if due == 0 and reduction is not None:
            exempt.add(month)
    paid = set(
        DuesPayment.objects.live().filter(member=member, month__in=months).values_list("month", flat=True)
    )
    if paid:
        raise StateConflict(
            "以下月份已登记:" + "、".join(f"{m:%Y-%m}" for m in sorted(paid)), field="first_month"
        )
    due_months = [m for m in months if m not in exempt]
    if not due_months:
        raise ServiceError("所选月份均已批准免交,无需登记", field="first_month")
    return [
        record_payment(
            actor=actor,
            member=member,
            month=month,
            paid_on=paid_on,
            quarterly_consent=quarterly_consent,
            over_limit=over_limit,
            over_limit_reason=over_limit_reason,
            proxy_name=proxy_name,
            proxy_relation=proxy_relation,
        )
        for month in due_months
    ]


@transaction.atomic
def void_payment(*, actor, payment: DuesPayment, reason: str) -> DuesPayment:
    payment = lock_for_update(DuesPayment, payment.pk)
    require(actor, "change", payment.org, "无权作废该党费记录")
    if payment.voided_at is not None:
        raise StateConflict("该党费记录已作废", field="payment")
    payment.void_reason = clean_text(reason, "void_reason", "作废原因", required=True)
    payment.voided_at = clock.now()
    payment.save(update_fields=["void_reason", "voided_at"])
    record(payment, DUES_VOIDED, actor=actor, reason=payment.void_reason)
    return payment


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months


def arrears(members, ref: dt.date) -> dict[int, list[dt.date]]:
    """Unpaid months (欠缴月份) per member up to the last complete month before ``ref``: months
    from the member's joining (支部大会通过, rules.md §3.5) with a due > 0 — the base in force,
    lowered by an approved reduction (an exempted month is never in arrears) — and no live
    payment. Four queries for any number of members (joining dates, bases, reductions, payments)."""
    last = month_start(ref) - relativedelta(months=1)
    if hasattr(members, "values"):  # a queryset: a subquery, however many members
        member_ids = members.values("pk")
    else:
        member_ids = [m.pk if hasattr(m, "pk") else m for m in members]
    joined = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "joined_on"))
    reductions = reductions_of(member_ids)
    bases: dict[int, list[DuesBase]] = defaultdict(list)
    for base in (
        DuesBase.objects.filter(member_id__in=member_ids)
        .order_by("-effective_month", "-pk")
        .only("member_id", "effective_month", "monthly_due")
    ):
        bases[base.member_id].append(base)
    paid: dict[int, set] = defaultdict(set)
    for member_id, month in (
        DuesPayment.objects.live()
        .filter(
            member_id__in=member_ids,
            month__lte=last,
            month__gte=min((b[-1].effective_month for b in bases.values()), default=last),
        )
        .values_list("member_id", "month")
    ):
        paid[member_id].add(month)
    result = {}
    for member_id, own in bases.items():
        first = own[-1].effective_month
        if member_id in joined:
            first = max(first, month_start(joined[member_id]))
        cuts = reductions.get(member_id, [])
        unpaid = [
            month
            for month in months_between(first, last)
            if month not in paid[member_id] and (due_for(own, cuts, month)[0] or 0) > 0
        ]
        if unpaid:
            result[member_id] = unpaid
    return result


def trailing_run(months: list[dt.date], ref: dt.date) -> int:
    """Consecutive unpaid months ending at the last complete month (连续欠缴月数)."""
    expected = month_start(ref) - relativedelta(months=1)
    run = 0
    for month in reversed(months):
        if month != expected:
            break
        run += 1
        expected -= relativedelta(months=1)
    return run


# ---------------------------------------------------------------------------------------------
# Care visits (走访慰问)


@transaction.atomic
def record_care_visit(
    *,
    actor,
    member: Member,
    reason: str,
    visited_on,
    visitors: str,
    given: str = "",
    amount=None,
    notes: str = "",
    follow_up: str = "",
) -> CareVisit:
    require(actor, "change", member.org, "无权为该党员登记走访慰问")
    if reason not in CareReason.values:
        raise ServiceError("请选择慰问原因", field="reason")
    visit = CareVisit.objects.create(
        member=member,
        org=member.org,
        reason=reason,
        visited_on=parse_day(visited_on, "visited_on", "走访日期"),
        visitors=clean_text(visitors, "visitors", "走访人员", required=True, limit=150),
        given=clean_text(given, "given", "慰问品/慰问金"),
        amount=parse_money(amount, "amount", "慰问金额", required=False),
        notes=clean_text(notes, "notes", "走访情况", limit=2000),
        follow_up=clean_text(follow_up, "follow_up", "后续帮扶事项"),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=clock.now(),
    )
    record(
        visit,
        CARE_VISITED,
        actor=actor,
        after={"reason": reason, "visited_on": visit.visited_on.isoformat(), "given": visit.given},
    )
    return visit


@transaction.atomic
def complete_follow_up(*, actor, visit: CareVisit, done_on, note: str) -> CareVisit:
    visit = lock_for_update(CareVisit, visit.pk)
    require(actor, "change", visit.org, "无权办理该走访的后续帮扶")
    if not visit.follow_up:
        raise ServiceError("该走访没有后续帮扶事项", field="follow_up")
    if visit.follow_up_done_on is not None:
        raise StateConflict("该后续帮扶已办结", field="follow_up")
    done_on = parse_day(done_on, "follow_up_done_on", "帮扶完成日期")
    if done_on < visit.visited_on:
        raise ServiceError("帮扶完成日期不能早于走访日期", field="follow_up_done_on")
    visit.follow_up_done_on = done_on
    visit.follow_up_note = clean_text(note, "follow_up_note", "帮扶完成情况", required=True)
    visit.save(update_fields=["follow_up_done_on", "follow_up_note"])
    record(visit, CARE_FOLLOWED_UP, actor=actor, after={"done_on": done_on.isoformat()})
    return visit


# ---------------------------------------------------------------------------------------------
# 两优一先 commendations


def _quota(category: str, org: Org, year: int) -> int | None:
    """The nominating organization's quota for the year (rule data ``commend.quota.*``, which a
    local override can set per organization); None when no quota is configured."""
    from party.rules import MissingRule

    try:
        return Rules.load(dt.date(year, 12, 31)).get(f"commend.quota.{category}", org)
    except MissingRule:
        return None


def reviewing_org(org: Org) -> Org:
    """The organization that reviews a nomination: the one above the nominating organization."""
    return Org.objects.get_parent(org) or org


@transaction.atomic
def nominate(
    *, actor, org: Org, category: str, year: int, deeds: str, member: Member | None = None, nominee_org=None
) -> Commendation:
    require(actor, "change", org, "无权以该党组织名义推荐")
    if not org.is_party or org.kind == "group":
        raise ServiceError("推荐单位须为党组织", field="org")
    if category not in CommendationCategory.values:
        raise ServiceError("请选择表彰类别", field="category")
    if not isinstance(year, int) or not 2000 <= year <= kit.today().year + 1:
        raise ServiceError("年度不正确", field="year")
    deeds = clean_text(deeds, "deeds", "主要事迹", required=True, limit=5000)
    if len(deeds) < 20:
        raise ServiceError("主要事迹过简,请至少写20字", field="deeds")
    active = Commendation.objects.filter(year=year, category=category).exclude(
        state__in=[CommendationState.REJECTED, CommendationState.NOT_AWARDED]
    )
    if category == CommendationCategory.ADVANCED_ORG:
        if nominee_org is None:
            raise ServiceError("请选择推荐的党组织", field="nominee_org")
        if not nominee_org.is_party or not nominee_org.path.startswith(org.path):
            raise ServiceError("推荐的党组织须为本组织或其下级党组织", field="nominee_org")
        if active.filter(nominee_org=nominee_org).exists():
            raise StateConflict("该党组织本年度已被推荐", field="nominee_org")
        member = None
    else:
        if member is None:
            raise ServiceError("请选择推荐的党员", field="member")
        if not member.org_path.startswith(org.path):
            raise ServiceError("推荐的党员须为本组织的党员", field="member")
        if member.status != MemberStatus.NORMAL or member.category != "formal":
            raise ServiceError("被推荐人须为正式党员且党籍状态正常", field="member")
        if active.filter(nominee_member=member).exists():
            raise StateConflict("该党员本年度已被推荐", field="member")
        nominee_org = None
    quota = _quota(category, org, year)
    if quota is not None and active.filter(org=org).count() >= quota:
        raise StateConflict(
            f"{org.short_name or org.name}{year}年度{CommendationCategory(category).label}"
            f"推荐名额为 {quota} 名,已用完",
            field="category",
        )
    commendation = Commendation.objects.create(
        org=org,
        category=category,
        year=year,
        nominee_member=member,
        nominee_org=nominee_org,
        deeds=deeds,
        nominated_by=user_or_none(actor),
        created_at=clock.now(),
    )
    record(commendation, COMMEND_NOMINATED, actor=actor, after={"category": category, "year": year})
    return commendation


def _commendation(pk, state, message) -> Commendation:
    c = lock_for_update(Commendation, pk)
    if c.state != state:
        raise StateConflict(f"{message}(当前状态:{c.get_state_display()})", field="state")
    return c


@transaction.atomic
def review(*, actor, commendation: Commendation, passed: bool, opinion: str) -> Commendation:
    c = _commendation(commendation.pk, CommendationState.NOMINATED, "只能审核已推荐的人选")
    require(actor, "change", reviewing_org(c.org), "只有上级党组织可以审核推荐人选")
    c.review_opinion = clean_text(opinion, "review_opinion", "审核意见", required=not passed)
    c.state = CommendationState.REVIEWED if passed else CommendationState.REJECTED
    c.save(update_fields=["review_opinion", "state"])
    record(c, COMMEND_REVIEWED, actor=actor, reason=c.review_opinion, after={"passed": passed})
    return c


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a 公示 of ``days`` working days starting on ``start``."""
    from workdays import calendar as workdays

    return workdays.add_workdays(start - dt.timedelta(days=1), days)


@transaction.atomic
def start_notice(*, actor, commendation: Commendation, starts_on) -> Commendation:
    c = _commendation(commendation.pk, CommendationState.REVIEWED, "只能对审核通过的人选公示")
    require(actor, "change", reviewing_org(c.org), "只有上级党组织可以公示推荐人选")
    starts_on = parse_day(starts_on, "notice_starts_on", "公示开始日期")
    days = Rules.load(starts_on).get("commend.notice_workdays", c.org)
    c.notice_starts_on = starts_on
    c.notice_ends_on = notice_end(starts_on, days)
    c.state = CommendationState.NOTICE
    c.save(update_fields=["notice_starts_on", "notice_ends_on", "state"])
    record(
        c,
        COMMEND_NOTICED,
        actor=actor,
        after={"from": starts_on.isoformat(), "to": c.notice_ends_on.isoformat(), "workdays": days},
    )
    return c


@transaction.atomic
def record_objection(*, actor, commendation: Commendation, text: str) -> Commendation:
    c = _commendation(commendation.pk, CommendationState.NOTICE, "只能在公示期间登记反映的问题")
    require(actor, "change", reviewing_org(c.org), "无权登记公示期间反映的问题")
    text = clean_text(text, "objection", "反映的问题", required=True, limit=500)
    c.objections = [*c.objections, {"on": kit.today().isoformat(), "text": text}]
    c.save(update_fields=["objections"])
    record(c, COMMEND_OBJECTED, actor=actor, reason=text)
    return c


@transaction.atomic
def decide(*, actor, commendation: Commendation, awarded: bool, decided_on, note: str = "") -> Commendation:
    c = _commendation(commendation.pk, CommendationState.NOTICE, "须在公示后才能作出表彰决定")
    require(actor, "change", reviewing_org(c.org), "只有上级党组织可以作出表彰决定")
    decided_on = parse_day(decided_on, "decided_on", "决定日期")
    if decided_on <= c.notice_ends_on:
        raise ServiceError(f"公示期未满(公示至 {c.notice_ends_on:%Y-%m-%d}),不能作出决定", field="decided_on")
    note = clean_text(note, "decision_note", "决定说明", required=bool(c.objections) or not awarded)
    c.state = CommendationState.AWARDED if awarded else CommendationState.NOT_AWARDED
    c.decided_on = decided_on
    c.decision_note = note
    c.save(update_fields=["state", "decided_on", "decision_note"])
    record(c, COMMEND_DECIDED, actor=actor, reason=note, after={"awarded": awarded})
    return c
