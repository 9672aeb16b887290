"""Dues rules beyond the ledger (rules.md §3.4, §3.5): reductions and exemptions (党费减免) reported
by the branch and decided by the higher party committee, the back-payment limit (补缴一般不超过6个月)
with the branch's explicit consent, quarterly payment (按季度交纳) with consent, dues only from the
branch meeting that admitted a probationary member — each at its edge, with scoping and pages."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from party import compliance
from party.membership import reductions
from party.membership import services as membership
from party.membership.models import DuesKind, DuesPayment, DuesReduction, ReductionState
from party.models import Member

from ..conftest import grant
from ..factories import DuesPaymentFactory, RoleGrantFactory, RuleParameterFactory, UserFactory
from .conftest import REF, add_members

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 15)
M = membership.month_start


@pytest.fixture(autouse=True)
def frozen():
    # 12:00 in Beijing on TODAY: services take "today" from the clock.
    with time_machine.travel(dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def paying(branch):
    """A retired member paying 25.00 a month since January 2025 (nothing paid yet)."""
    member = branch.members[3]
    membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.RETIREE, income="5000", effective_month="2025-01"
    )
    return member


@pytest.fixture
def people(world, branch):
    secretary = UserFactory(username="hx_sec", is_staff=True)
    RoleGrantFactory(user=secretary, org=branch, role=Role.BRANCH_SECRETARY)
    return {
        "secretary": secretary,
        # The street working committee above the branch approves (报上一级党委批准).
        "approver": grant(world, "w1_sec", Role.BRANCH_SECRETARY, "w1"),
        "outsider": grant(world, "b3_sec", Role.BRANCH_SECRETARY, "b3"),
        "org_dept": grant(world, "zzb", Role.ORG_DEPT, "party"),
    }


def events_of(obj):
    return list(
        AuditEvent.objects.filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk)).values(
            "action", "reason", "after"
        )
    )


def report(member, actor=SYSTEM, **overrides):
    data = {
        "first_month": "2026-10",
        "last_month": "2027-03",
        "monthly_amount": "0",
        "reason": "hardship",
        "detail": "丈夫重病住院,家庭仅靠低保生活",
        "applied_on": dt.date(2026, 10, 8),
        "studied_on": dt.date(2026, 10, 10),
        "branch_opinion": "经支委会研究,情况属实,同意报批",
    }
    data.update(overrides)
    return reductions.report_reduction(actor=actor, member=member, **data)


# ---------------------------------------------------------------------------------------------
# Back-payment limit (补缴一般不超过6个月, 第十二条) and quarterly payment (按季度交纳)


def test_back_payment_exactly_six_months_allowed_seven_refused(paying):
    # Paid on 2026-10-15: April is 6 months back (allowed), March is 7 (refused).
    p = membership.record_payment(actor=SYSTEM, member=paying, month="2026-04", paid_on=TODAY)
    assert p.amount == Decimal("25.00") and p.over_limit_reason == ""
    with pytest.raises(ServiceError, match="已超过 6 个月") as info:
        membership.record_payment(actor=SYSTEM, member=paying, month="2026-03", paid_on=TODAY)
    assert info.value.field == "over_limit_reason"
    # The consent box alone is not enough: the reason is required …
    with pytest.raises(ServiceError, match="经支部同意补缴超过6个月"):
        membership.record_payment(
            actor=SYSTEM,
            member=paying,
            month="2026-03",
            paid_on=TODAY,
            over_limit=True,
            over_limit_reason=" ",
        )
    # … and a reason without the box neither.
    with pytest.raises(ServiceError):
        membership.record_payment(
            actor=SYSTEM, member=paying, month="2026-03", paid_on=TODAY, over_limit_reason="外出务工返回"
        )
    p = membership.record_payment(
        actor=SYSTEM,
        member=paying,
        month="2026-03",
        paid_on=TODAY,
        over_limit=True,
        over_limit_reason="外出务工期间失联,返回后主动补缴,经支委会同意",
    )
    assert p.over_limit_reason.startswith("外出务工")
    assert events_of(p)[0]["reason"] == p.over_limit_reason
    assert not DuesPayment.objects.filter(month=dt.date(2026, 3, 1)).exclude(pk=p.pk).exists()


def test_back_payment_limit_is_rule_data(paying, branch):
    RuleParameterFactory(
        code="dues.backpay_months",
        name="党费补缴一般不超过的月数",
        value="3",
        source="测试:地方规定",
        effective_from=dt.date(2026, 1, 1),
        org=branch,
    )
    membership.record_payment(actor=SYSTEM, member=paying, month="2026-07", paid_on=TODAY)
    with pytest.raises(ServiceError, match="已超过 3 个月"):
        membership.record_payment(actor=SYSTEM, member=paying, month="2026-06", paid_on=TODAY)


def test_paying_ahead_needs_quarterly_consent(paying):
    with pytest.raises(ServiceError, match="须经党支部同意") as info:
        membership.record_payment(actor=SYSTEM, member=paying, month="2026-11", paid_on=TODAY)
    assert info.value.field == "quarterly_consent"
    # The current month needs no consent.
    membership.record_payment(actor=SYSTEM, member=paying, month="2026-10", paid_on=TODAY)
    paid = membership.record_member_payments(
        actor=SYSTEM, member=paying, first_month="2026-11", last_month="2026-12", quarterly_consent=True
    )
    assert [p.month for p in paid] == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    assert all(p.quarterly_consent and p.paid_on == TODAY for p in paid)
    assert events_of(paid[0])[0]["after"]["consent"] == "经支部同意按季度交纳"


def test_several_months_at_once_all_or_nothing(paying):
    membership.record_payment(actor=SYSTEM, member=paying, month="2026-08", paid_on=TODAY)
    with pytest.raises(StateConflict, match="以下月份已登记:2026-08"):
        membership.record_member_payments(
            actor=SYSTEM, member=paying, first_month="2026-07", last_month="2026-09", paid_on=TODAY
        )
    # A span reaching past the limit is refused as a whole: nothing of it is recorded.
    with pytest.raises(ServiceError, match="已超过 6 个月"):
        membership.record_member_payments(
            actor=SYSTEM, member=paying, first_month="2026-02", last_month="2026-05", paid_on=TODAY
        )
    assert DuesPayment.objects.filter(member=paying).count() == 1
    with pytest.raises(ServiceError, match="截止月份不能早于起始月份"):
        membership.record_member_payments(
            actor=SYSTEM, member=paying, first_month="2026-09", last_month="2026-07"
        )
    paid = membership.record_member_payments(
        actor=SYSTEM, member=paying, first_month="2026-04", last_month="2026-07", paid_on=TODAY
    )
    assert len(paid) == 4
    unpaid = membership.arrears([paying], TODAY)[paying.pk]
    assert unpaid[-2:] == [dt.date(2026, 3, 1), dt.date(2026, 9, 1)]


def test_arrears_past_the_limit_are_a_finding_even_below_three_months(paying, branch):
    # Everything paid except January 2026 (≤ 2 months unpaid, below dues.arrears_months = 3).
    for month in membership.months_between(dt.date(2025, 1, 1), dt.date(2026, 9, 1)):
        if month != dt.date(2026, 1, 1):
            DuesPaymentFactory(member=paying, month=month, amount=Decimal("25"), paid_on=month)
    # REF = 2026-09-30: January is 8 months back, past the 6-month limit.
    found = [
        f for f in compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF) if f.rule == "dues.arrears"
    ]
    assert len(found) == 1 and "超过 6 个月补缴期限" in found[0].reason
    assert "其中 1 个月已超过 6 个月补缴期限" in found[0].evidence[0]
    assert found[0].severity == "medium"
    # Paid (with consent): no finding.
    DuesPaymentFactory(
        member=paying,
        month=dt.date(2026, 1, 1),
        amount=Decimal("25"),
        paid_on=REF,
        over_limit_reason="经支部同意",
    )
    assert not [
        f for f in compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF) if f.rule == "dues.arrears"
    ]


def test_one_unpaid_month_within_the_limit_is_no_finding(paying, branch):
    for month in membership.months_between(dt.date(2025, 1, 1), dt.date(2026, 9, 1)):
        if month != dt.date(2026, 3, 1):  # 6 months back from REF: within the limit
            DuesPaymentFactory(member=paying, month=month, amount=Decimal("25"), paid_on=month)
    assert membership.arrears([paying], REF)[paying.pk] == [dt.date(2026, 3, 1)]
    assert not [
        f for f in compliance.check(branch, dt.date(2026, 7, 1), REF, today=REF) if f.rule == "dues.arrears"
    ]


# ---------------------------------------------------------------------------------------------
# §3.5: dues from the branch meeting that admitted the probationary member


def test_probationary_dues_start_at_the_branch_meeting(branch):
    (probationer,) = add_members(branch, 0, 1)  # joined (支部大会通过) 2026-01-10
    assert probationer.category == "probationary"
    with pytest.raises(ServiceError, match="首次核定的起缴月份应为 2026-01") as info:
        membership.set_dues_base(
            actor=SYSTEM, member=probationer, kind=DuesKind.RELIEF, effective_month="2026-03"
        )
    assert info.value.field == "effective_month"
    with pytest.raises(ServiceError, match="起缴月份不能早于"):
        membership.set_dues_base(
            actor=SYSTEM, member=probationer, kind=DuesKind.RELIEF, effective_month="2025-12"
        )
    membership.set_dues_base(
        actor=SYSTEM, member=probationer, kind=DuesKind.RELIEF, effective_month="2026-01"
    )
    # A later base (income changed) may start any month.
    membership.set_dues_base(
        actor=SYSTEM, member=probationer, kind=DuesKind.SALARY, income="3000", effective_month="2026-06"
    )
    unpaid = membership.arrears([probationer], TODAY)[probationer.pk]
    assert unpaid[0] == dt.date(2026, 1, 1) and len(unpaid) == 9  # January–September
    with pytest.raises(ServiceError, match="早于入党"):
        membership.record_payment(actor=SYSTEM, member=probationer, month="2025-12", paid_on=TODAY)


def test_arrears_never_before_joining_even_if_the_date_is_corrected(branch):
    (probationer,) = add_members(branch, 0, 1)
    membership.set_dues_base(
        actor=SYSTEM, member=probationer, kind=DuesKind.RELIEF, effective_month="2026-01"
    )
    # The joining date corrected later (the meeting was in March): January and February drop out.
    Member.objects.filter(pk=probationer.pk).update(joined_on=dt.date(2026, 3, 5))
    assert membership.arrears([probationer], TODAY)[probationer.pk][0] == dt.date(2026, 3, 1)


# ---------------------------------------------------------------------------------------------
# Reductions and exemptions (党费减免)


def test_approved_exemption_is_not_arrears_refused_still_due(paying, people):
    r = report(paying, people["secretary"], first_month="2026-04", last_month="2026-09")
    assert r.state == ReductionState.REPORTED
    # Reported only: still due.
    assert dt.date(2026, 5, 1) in membership.arrears([paying], TODAY)[paying.pk]
    reductions.decide_reduction(actor=people["approver"], reduction=r, approve=True, note="同意免交")
    unpaid = membership.arrears([paying], TODAY)[paying.pk]
    assert not [m for m in unpaid if dt.date(2026, 4, 1) <= m <= dt.date(2026, 9, 1)]
    assert dt.date(2026, 3, 1) in unpaid  # the month before the span stays due
    with pytest.raises(ServiceError, match="已批准免交党费,无需登记"):
        membership.record_payment(actor=SYSTEM, member=paying, month="2026-05", paid_on=TODAY)
    # A span over exempted months skips them.
    paid = membership.record_member_payments(
        actor=SYSTEM, member=paying, first_month="2026-09", last_month="2026-10", paid_on=TODAY
    )
    assert [p.month for p in paid] == [dt.date(2026, 10, 1)]
    r.refresh_from_db()
    assert r.decided_by == people["approver"] and r.decided_at is not None
    assert [e["action"] for e in events_of(r)] == [
        "party.dues_reduction_reported",
        "party.dues_reduction_decided",
    ]

    other = report(branch_member(paying, 4), people["secretary"], first_month="2026-04", last_month="2026-09")
    with pytest.raises(ServiceError, match="请填写审批意见") as info:
        reductions.decide_reduction(actor=people["approver"], reduction=other, approve=False, note="")
    assert info.value.field == "note"
    reductions.decide_reduction(actor=people["approver"], reduction=other, approve=False, note="家庭收入稳定")
    assert dt.date(2026, 5, 1) in membership.arrears([other.member], TODAY)[other.member_id]
    with pytest.raises(StateConflict, match="不予批准"):
        reductions.decide_reduction(actor=people["approver"], reduction=other, approve=True)


def branch_member(member, i):
    """Another member of ``member``'s branch with the same base (retiree, 25.00 since 2025-01)."""
    other = Member.objects.filter(org=member.org).order_by("pk")[i]
    membership.set_dues_base(
        actor=SYSTEM, member=other, kind=DuesKind.RETIREE, income="5000", effective_month="2025-01"
    )
    return other


def test_reduced_amount_is_due_and_unpaid_reduced_month_is_arrears(paying, people):
    r = report(paying, people["secretary"], first_month="2026-06", last_month="2026-09", monthly_amount="5")
    reductions.decide_reduction(actor=people["approver"], reduction=r, approve=True)
    assert dt.date(2026, 6, 1) in membership.arrears([paying], TODAY)[paying.pk]
    p = membership.record_payment(actor=SYSTEM, member=paying, month="2026-06", paid_on=TODAY)
    assert p.amount == Decimal("5.00")
    assert events_of(p)[0]["after"]["reduced_due"] == "5.00"
    assert membership.record_payment(
        actor=SYSTEM, member=paying, month="2026-10", paid_on=TODAY
    ).amount == Decimal("25.00")


def test_reduction_refusals(paying, people, branch):
    sec = people["secretary"]
    with pytest.raises(ServiceError, match="不能为负数") as info:
        report(paying, sec, monthly_amount="-1")
    assert info.value.field == "monthly_amount"
    with pytest.raises(ServiceError, match="须低于应缴金额 25.00 元"):
        report(paying, sec, monthly_amount="25")
    # Far past: April 2026 is 6 months before the application (2026-10-08) — allowed; March is not.
    with pytest.raises(ServiceError, match="不能早于 2026-04") as info:
        report(paying, sec, first_month="2026-03", last_month="2026-05")
    assert info.value.field == "first_month"
    with pytest.raises(ServiceError, match="最长 12 个月"):
        report(paying, sec, first_month="2026-10", last_month="2027-10")
    with pytest.raises(ServiceError, match="截止月份不能早于起始月份"):
        report(paying, sec, first_month="2026-10", last_month="2026-09")
    with pytest.raises(ServiceError, match="支部研究日期不能早于"):
        report(paying, sec, studied_on=dt.date(2026, 10, 1))
    with pytest.raises(ServiceError, match="请填写困难情况说明") as info:
        report(paying, sec, detail="")
    assert info.value.field == "detail"
    with pytest.raises(ServiceError, match="请选择申请原因"):
        report(paying, sec, reason="x")
    with pytest.raises(ServiceError, match="尚未核定党费基数"):
        report(branch.members[5], sec)
    first = report(paying, sec, first_month="2026-04", last_month="2026-12")
    assert first.first_month == dt.date(2026, 4, 1)
    # Overlapping a reported one, then an approved one: refused; adjacent: allowed.
    with pytest.raises(StateConflict, match="时间重叠"):
        report(paying, sec, first_month="2026-12", last_month="2027-02")
    reductions.decide_reduction(actor=people["approver"], reduction=first, approve=True)
    with pytest.raises(StateConflict, match="2026-04至2026-12,已批准"):
        report(paying, sec, first_month="2026-05", last_month="2026-05")
    nxt = report(
        paying,
        sec,
        first_month="2027-01",
        last_month="2027-03",
        applied_on=dt.date(2026, 10, 12),
        studied_on=dt.date(2026, 10, 14),
    )
    assert nxt.state == ReductionState.REPORTED
    # Stopped from December: December is free again for a new application.
    reductions.stop_reduction(actor=sec, reduction=first, from_month="2026-12", reason="已重新就业")
    first.refresh_from_db()
    assert first.effective_last == dt.date(2026, 11, 1) and not first.covers(dt.date(2026, 12, 1))
    report(paying, sec, first_month="2026-12", last_month="2026-12", monthly_amount="10")
    with pytest.raises(ServiceError, match="终止月份须在减免期内"):
        reductions.stop_reduction(actor=sec, reduction=first, from_month="2027-01", reason="x")


def test_withdraw_and_who_decides(paying, people):
    r = report(paying, people["secretary"])
    # The branch reports but does not approve; neither does another branch's secretary.
    for actor in (people["secretary"], people["outsider"]):
        with pytest.raises(PermissionDenied):
            reductions.decide_reduction(actor=actor, reduction=r, approve=True)
    with pytest.raises(PermissionDenied):
        report(paying, people["outsider"], first_month="2027-06", last_month="2027-07")
    with pytest.raises(PermissionDenied):
        reductions.withdraw_reduction(actor=people["outsider"], reduction=r, reason="x")
    assert [x.pk for x in reductions.pending_for(people["approver"])] == [r.pk]
    assert [x.pk for x in reductions.pending_for(people["org_dept"])] == [r.pk]
    assert reductions.pending_for(people["secretary"]) == []
    assert reductions.pending_for(people["outsider"]) == []
    with pytest.raises(ServiceError, match="请填写撤回原因"):
        reductions.withdraw_reduction(actor=people["secretary"], reduction=r, reason="")
    reductions.withdraw_reduction(actor=people["secretary"], reduction=r, reason="党员撤回申请")
    r.refresh_from_db()
    assert r.state == ReductionState.WITHDRAWN and DuesReduction.objects.filter(pk=r.pk).exists()
    with pytest.raises(StateConflict):
        reductions.decide_reduction(actor=people["approver"], reduction=r, approve=True)
    # Withdrawn: the same months may be reported again.
    report(paying, people["secretary"])


# ---------------------------------------------------------------------------------------------
# Pages and scoping


def test_member_dues_page_reduction_and_back_payment_forms(client, paying, people):
    client.force_login(people["secretary"])
    url = reverse("party:member_dues", args=[paying.pk])
    page = client.get(url).content.decode()
    assert "欠缴·超过6个月补缴期限" in page and "党费减免报批" in page
    # Back-payment past the limit without consent: the field is named.
    page = client.post(
        url, {"action": "pay", "first_month": "2026-03", "last_month": "2026-03", "paid_on": "2026-10-15"}
    ).content.decode()
    assert "已超过 6 个月" in page and "经支部同意补缴超过6个月" in page
    response = client.post(
        url,
        {
            "action": "pay",
            "first_month": "2026-03",
            "last_month": "2026-05",
            "paid_on": "2026-10-15",
            "over_limit": "on",
            "over_limit_reason": "外出期间未交,经支委会同意补缴",
        },
    )
    assert response.status_code == 302
    assert DuesPayment.objects.filter(member=paying, month__gte=dt.date(2026, 3, 1)).count() == 3
    assert "经支部同意超期补缴:外出期间未交" in client.get(url).content.decode()
    # The reduction form: errors in Chinese, then reported.
    form = {
        "action": "reduce",
        "first_month": "2026-10",
        "last_month": "2027-03",
        "monthly_amount": "-3",
        "reason": "illness",
        "detail": "癌症化疗,无收入",
        "applied_on": "2026-10-08",
        "studied_on": "2026-10-10",
        "branch_opinion": "同意",
    }
    assert "减免后每月交纳金额不能为负数" in client.post(url, form).content.decode()
    form["monthly_amount"] = "0"
    assert client.post(url, form).status_code == 302
    r = DuesReduction.objects.get(member=paying)
    assert r.state == ReductionState.REPORTED and r.reported_by == people["secretary"]
    # The branch sees it but cannot approve it from its page.
    page = client.get(url).content.decode()
    assert "已报上级党委" in page and "撤回申请" in page
    assert reverse("party:reduction_decide", args=[r.pk]) not in page
    assert (
        client.post(reverse("party:reduction_decide", args=[r.pk]), {"decision": "approve"}).status_code
        == 404
    )
    # The approver's queue: approve.
    client.force_login(people["approver"])
    queue = client.get(reverse("party:dues_reductions")).content.decode()
    assert paying.person.name in queue and "癌症化疗" in queue
    response = client.post(
        reverse("party:reduction_decide", args=[r.pk]), {"decision": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.state == ReductionState.APPROVED
    page = client.get(url).content.decode()
    assert "免交" in page


def test_member_page_with_a_decision_by_the_system(client, paying, people):
    # Decisions recorded without a user (the demo generator, imports) render too.
    r = report(paying, first_month="2026-08", last_month="2026-09")
    reductions.decide_reduction(actor=SYSTEM, reduction=r, approve=True, note="同意免交")
    client.force_login(people["secretary"])
    page = client.get(reverse("party:member_dues", args=[paying.pk])).content.decode()
    assert "上级党委审批:2026-10-15:同意免交" in page


def test_other_branch_cannot_see_or_act(client, paying, people, branch):
    r = report(paying, people["secretary"])
    client.force_login(people["outsider"])
    assert client.get(reverse("party:member_dues", args=[paying.pk])).status_code == 404
    assert (
        client.post(
            reverse("party:member_dues", args=[paying.pk]),
            {"action": "pay", "first_month": "2026-10", "last_month": "2026-10", "paid_on": "2026-10-15"},
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("party:reduction_decide", args=[r.pk]), {"decision": "approve"}).status_code
        == 404
    )
    assert client.post(reverse("party:reduction_close", args=[r.pk]), {"reason": "x"}).status_code == 404
    queue = client.get(reverse("party:dues_reductions")).content.decode()
    assert paying.person.name not in queue
    r.refresh_from_db()
    assert r.state == ReductionState.REPORTED
    assert not DuesPayment.objects.filter(member=paying).exists()


def test_branch_dues_page_shows_exemption_and_quarterly_consent(client, paying, people, branch):
    r = report(paying, people["secretary"], first_month="2026-10", last_month="2026-12")
    reductions.decide_reduction(actor=people["approver"], reduction=r, approve=True)
    client.force_login(people["secretary"])
    url = reverse("party:dues", args=[branch.pk])
    page = client.get(url + "?month=2026-11").content.decode()
    assert "已批准免交" in page and "经支部同意按季度交纳" in page
    assert f'name="members" value="{paying.pk}"' not in page  # nothing to tick for an exempted month
    other = branch_member(paying, 4)
    page = client.post(
        url, {"action": "pay", "month": "2026-11", "members": [other.pk], "paid_on": "2026-10-15"}
    ).content.decode()
    assert "须经党支部同意" in page
    response = client.post(
        url,
        {
            "action": "pay",
            "month": "2026-11",
            "members": [other.pk],
            "paid_on": "2026-10-15",
            "quarterly_consent": "1",
        },
    )
    assert response.status_code == 302
    assert DuesPayment.objects.get(member=other, month=dt.date(2026, 11, 1)).quarterly_consent
    # The yearly ledger: the exempted October reads 免交, September (not exempted) 欠缴.
    response = client.get(reverse("party:dues_export", args=[branch.pk]) + "?year=2026")
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == paying.person.name)
    assert row[3 + 8] == "欠缴" and row[3 + 9] == "免交"  # column 3 is January


# ---------------------------------------------------------------------------------------------
# Demo realism: care visits (走访慰问) leave only a handful of gaps


def test_demo_care_visits_cover_most_elderly_members(world, seeded):
    import random

    from demo.party import membership as membership_demo
    from party.membership.models import CareVisit
    from party.rules import Rules

    from ..factories import make_org

    branches = []
    for i in range(12):
        org = make_org(world["w1"], "branch", f"中共测试{i:02d}支部委员会", host=world["c2"])
        members = add_members(org, 4)
        for m in members[:3]:  # three elderly members per branch
            m.person.birth_date = dt.date(1940, 5, 1)
            m.person.save(update_fields=["birth_date"])
        branches.append(org)
    members_of = {
        b.pk: list(Member.objects.filter(org=b).select_related("person").order_by("pk")) for b in branches
    }
    home = branches[0]
    count = membership_demo._care_visits(
        branches, members_of, home, random.Random(7), TODAY, Rules.load(TODAY)
    )
    assert CareVisit.objects.count() == count
    window = TODAY - dt.timedelta(days=365)
    assert all(window < v.visited_on < TODAY for v in CareVisit.objects.all())
    flagged = [
        f
        for f in compliance.check(world["w1"], dt.date(2026, 7, 1), TODAY, today=TODAY)
        if f.rule == "care.not_visited"
    ]
    # Five branches plus shuji's (home) keep one or two members unvisited; the other six none.
    assert len(flagged) == 6 and home.pk in {f.org_id for f in flagged}
    assert 36 - 9 <= count <= 36 - 6
