"""Transfers (组织关系转接), floating members (流动党员), dues (党费) and care visits (走访慰问):
each service path and refusal, the compliance rules at their edges, pages and scoping."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core import privacy
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from party import compliance
from party.membership import services as membership
from party.membership.models import (
    CareVisit,
    DuesBase,
    DuesKind,
    DuesPayment,
    FloatingRecord,
    Transfer,
    TransferKind,
    TransferState,
)
from party.models import Member, MemberStatus
from party.rules import Rules

from ..conftest import grant
from .conftest import REF, add_members

pytestmark = pytest.mark.django_db
Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
NOW = dt.datetime(2026, 9, 30, 12, tzinfo=dt.UTC)


def rules_of(code, findings):
    return [f for f in findings if f.rule == code]


def events_of(obj):
    return list(
        AuditEvent.objects.filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk)).values_list(
            "action", flat=True
        )
    )


# ---------------------------------------------------------------------------------------------
# Transfers


def test_in_district_transfer_moves_member_only_on_receipt(world, branch):
    member = branch.members[3]
    secretary = grant(world, "sec_from", Role.BRANCH_SECRETARY, "w1")
    receiver = grant(world, "sec_to", Role.BRANCH_SECRETARY, "b3")
    t = membership.start_transfer(
        actor=secretary,
        member=member,
        kind=TransferKind.IN_DISTRICT,
        to_org=world["b3"],
        reason="居住地变更",
        sent_on=dt.date(2026, 9, 1),
    )
    member.refresh_from_db()
    assert t.state == TransferState.PENDING and member.org_id == branch.pk
    assert t.to_org_name == world["b3"].name
    # The sender cannot receive for the receiving branch.
    with pytest.raises(PermissionDenied):
        membership.receive_transfer(actor=secretary, transfer=t, received_on=dt.date(2026, 9, 5))
    membership.receive_transfer(actor=receiver, transfer=t, received_on=dt.date(2026, 9, 5))
    member.refresh_from_db()
    t.refresh_from_db()
    assert member.org_id == world["b3"].pk and member.org_path == world["b3"].path
    assert member.status == MemberStatus.NORMAL
    assert t.state == TransferState.RECEIVED and t.received_by == receiver
    assert events_of(t) == ["party.transfer_started", "party.transfer_received"]
    with pytest.raises(StateConflict, match="已接收"):
        membership.receive_transfer(actor=receiver, transfer=t)


def test_outside_transfer_receipt_marks_transferred_out_and_ends_floating(world, branch):
    member = branch.members[4]
    f = membership.register_floating(
        actor=SYSTEM, member=member, place="深圳市南山区", since=dt.date(2026, 1, 5)
    )
    t = membership.start_transfer(
        actor=SYSTEM,
        member=member,
        kind=TransferKind.OUTSIDE,
        to_org_name="中共深圳市南山区粤海街道某社区支部委员会",
        reason="外出务工,工作地相对固定",
        sent_on=dt.date(2026, 8, 1),
    )
    assert t.to_org is None
    membership.receive_transfer(actor=SYSTEM, transfer=t, received_on=dt.date(2026, 8, 20))
    member.refresh_from_db()
    f.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED_OUT and member.org_id == branch.pk
    assert f.ended_on == dt.date(2026, 8, 20)


def test_transfer_refusals(world, branch):
    member = branch.members[3]
    cases = [
        (dict(kind=TransferKind.IN_DISTRICT, to_org=None), "to_org", "请选择接收党组织"),
        (dict(kind=TransferKind.IN_DISTRICT, to_org=branch), "to_org", "不能是党员现在所在"),
        (dict(kind=TransferKind.IN_DISTRICT, to_org=world["w2"]), "to_org", "须为现有的党支部"),
        (dict(kind=TransferKind.OUTSIDE, to_org_name=" "), "to_org_name", "请填写接收党组织名称"),
        (dict(kind="x", to_org_name="某"), "kind", "请选择转接类型"),
        (dict(kind=TransferKind.OUTSIDE, to_org_name="某", reason=""), "reason", "请填写转接原因"),
        (
            dict(kind=TransferKind.OUTSIDE, to_org_name="某", sent_on=dt.date(2099, 1, 1)),
            "sent_on",
            "不能晚于今天",
        ),
    ]
    for extra, field, message in cases:
        args = dict(actor=SYSTEM, member=member, reason="工作调动", sent_on=dt.date(2026, 9, 1)) | extra
        with pytest.raises(ServiceError, match=message) as info:
            membership.start_transfer(**args)
        assert info.value.field == field
    t = membership.start_transfer(
        actor=SYSTEM,
        member=member,
        kind=TransferKind.OUTSIDE,
        to_org_name="某支部",
        reason="调动",
        sent_on=dt.date(2026, 9, 1),
    )
    with pytest.raises(StateConflict, match="已有待接收"):
        membership.start_transfer(
            actor=SYSTEM,
            member=member,
            kind=TransferKind.OUTSIDE,
            to_org_name="另一支部",
            reason="调动",
            sent_on=dt.date(2026, 9, 2),
        )
    with pytest.raises(ServiceError, match="不能早于开具介绍信日期"):
        membership.receive_transfer(actor=SYSTEM, transfer=t, received_on=dt.date(2026, 8, 1))
    outsider = grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        membership.cancel_transfer(actor=outsider, transfer=t, reason="误办")
    with pytest.raises(ServiceError, match="请填写撤销原因"):
        membership.cancel_transfer(actor=SYSTEM, transfer=t, reason="")
    membership.cancel_transfer(actor=SYSTEM, transfer=t, reason="党员工作未调动,介绍信作废")
    t.refresh_from_db()
    assert t.state == TransferState.CANCELLED and t.cancel_reason.startswith("党员工作未调动")
    assert events_of(t)[-1] == "party.transfer_cancelled"
    with pytest.raises(StateConflict, match="已撤销"):
        membership.cancel_transfer(actor=SYSTEM, transfer=t, reason="again")
    # A cancelled transfer frees the member for a new one.
    membership.start_transfer(
        actor=SYSTEM,
        member=member,
        kind=TransferKind.OUTSIDE,
        to_org_name="某支部",
        reason="调动",
        sent_on=dt.date(2026, 9, 3),
    )
    member.status = MemberStatus.DECEASED
    member.save()
    with pytest.raises(ServiceError, match="已故"):
        membership.register_floating(actor=SYSTEM, member=member, place="x", since=dt.date(2026, 1, 1))


def test_transfer_pending_receipt_finding_at_edge(world, branch):
    member = branch.members[3]
    days = Rules.load(REF).get("transfer.receipt_days")
    assert days == 30
    assert Rules.load(REF).source("transfer.receipt_days") == "本地规则,待确认"
    t = membership.start_transfer(
        actor=SYSTEM,
        member=member,
        kind=TransferKind.OUTSIDE,
        to_org_name="某外区支部",
        reason="调动",
        sent_on=REF - dt.timedelta(days=days - 1),
    )
    assert not rules_of("transfer.pending_long", compliance.check(branch, *Q3, today=REF))
    Transfer.objects.filter(pk=t.pk).update(sent_on=REF - dt.timedelta(days=days))
    found = rules_of("transfer.pending_long", compliance.check(branch, *Q3, today=REF))
    assert len(found) == 1 and member.person.name in found[0].evidence[0]
    assert found[0].source == "本地规则,待确认"
    membership.cancel_transfer(actor=SYSTEM, transfer=t, reason="误办")
    assert not rules_of("transfer.pending_long", compliance.check(branch, *Q3, today=REF))


def test_away_six_months_without_transfer_at_edge(world, branch):
    member = branch.members[5]
    f = membership.register_floating(
        actor=SYSTEM,
        member=member,
        place="广州市天河区",
        since=dt.date(2026, 4, 1),
        contact="流入地联系人 王书记",
    )
    assert not rules_of("member.away_no_transfer", compliance.check(branch, *Q3, today=REF))
    FloatingRecord.objects.filter(pk=f.pk).update(since=dt.date(2026, 3, 31))  # REF − 6 months exactly
    found = rules_of("member.away_no_transfer", compliance.check(branch, *Q3, today=REF))
    assert len(found) == 1 and "广州市天河区" in found[0].evidence[0]
    assert "第二十五条" in found[0].source
    # A transfer started after leaving clears it.
    membership.start_transfer(
        actor=SYSTEM,
        member=member,
        kind=TransferKind.OUTSIDE,
        to_org_name="天河某支部",
        reason="外出",
        sent_on=dt.date(2026, 9, 1),
    )
    assert not rules_of("member.away_no_transfer", compliance.check(branch, *Q3, today=REF))


def test_floating_refusals_and_end(world, branch):
    member = branch.members[5]
    with pytest.raises(ServiceError, match="请填写外出地点") as info:
        membership.register_floating(actor=SYSTEM, member=member, place="", since=dt.date(2026, 1, 1))
    assert info.value.field == "place"
    with pytest.raises(ServiceError, match="外出日期不能早于入党日期"):
        membership.register_floating(actor=SYSTEM, member=member, place="x", since=dt.date(2000, 1, 1))
    f = membership.register_floating(actor=SYSTEM, member=member, place="长沙县", since=dt.date(2026, 1, 1))
    with pytest.raises(StateConflict, match="已登记为流动党员"):
        membership.register_floating(actor=SYSTEM, member=member, place="y", since=dt.date(2026, 2, 1))
    with pytest.raises(ServiceError, match="返回日期不能早于外出日期"):
        membership.end_floating(actor=SYSTEM, floating=f, ended_on=dt.date(2025, 12, 1))
    membership.end_floating(actor=SYSTEM, floating=f, ended_on=dt.date(2026, 5, 1), note="已返回")
    assert events_of(f) == ["party.floating_registered", "party.floating_ended"]
    with pytest.raises(StateConflict):
        membership.end_floating(actor=SYSTEM, floating=f, ended_on=dt.date(2026, 5, 2))


# ---------------------------------------------------------------------------------------------
# Dues


@pytest.mark.parametrize(
    "kind,income,due,rate",
    [
        (DuesKind.SALARY, "3000", "15.00", "0.5%"),  # bands include their upper bound
        (DuesKind.SALARY, "3000.01", "30.00", "1%"),
        (DuesKind.SALARY, "5000", "50.00", "1%"),
        (DuesKind.SALARY, "10000", "150.00", "1.5%"),
        (DuesKind.SALARY, "10001", "200.02", "2%"),
        (DuesKind.RETIREE, "5000", "25.00", "0.5%"),
        (DuesKind.RETIREE, "5200", "52.00", "1%"),
        (DuesKind.RELIEF, None, "0.20", "0.2元/月"),
    ],
)
def test_dues_brackets(seeded, kind, income, due, rate):
    amount, label = membership.compute_due(kind, income, Rules.load(dt.date(2026, 1, 1)))
    assert amount == Decimal(due) and label == rate


def test_dues_base_income_encrypted_and_refusals(world, branch):
    member = branch.members[1]
    with pytest.raises(ServiceError, match="请填写月收入") as info:
        membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.SALARY, effective_month="2026-01")
    assert info.value.field == "income"
    with pytest.raises(ServiceError, match="月收入须为数字"):
        membership.set_dues_base(
            actor=SYSTEM, member=member, kind=DuesKind.SALARY, income="abc", effective_month="2026-01"
        )
    with pytest.raises(ServiceError, match="农民党员每月党费须在 0.2 至 1 元之间") as info:
        membership.set_dues_base(
            actor=SYSTEM, member=member, kind=DuesKind.FARMER, farmer_amount="2", effective_month="2026-01"
        )
    assert info.value.field == "farmer_amount"
    with pytest.raises(ServiceError, match="起缴月份不能早于") as info:
        membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.RELIEF, effective_month="1999-01")
    assert info.value.field == "effective_month"
    with pytest.raises(ServiceError, match="起缴月份格式不正确"):
        membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.RELIEF, effective_month="abc")
    outsider = grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        membership.set_dues_base(
            actor=outsider, member=member, kind=DuesKind.RELIEF, effective_month="2026-01"
        )
    base = membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.SALARY, income="6543.21", effective_month="2026-01"
    )
    assert base.monthly_due == Decimal("98.15") and base.rate == "1.5%"
    stored = DuesBase.objects.filter(pk=base.pk).values_list("income_encrypted", flat=True).get()
    assert "6543" not in stored and privacy.decrypt(stored) == "6543.21"
    assert base.income_masked == "6***"
    event = AuditEvent.objects.get(subject_type="party.duesbase", subject_id=str(base.pk))
    assert "6543" not in str(event.after)


def test_payments_and_arrears(world, branch):
    member = branch.members[1]
    membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.SALARY, income="4000", effective_month="2026-01"
    )
    with pytest.raises(ServiceError, match="尚未核定党费基数"):
        membership.record_payment(
            actor=SYSTEM, member=member, month=dt.date(2025, 12, 1), paid_on=dt.date(2026, 1, 5)
        )
    p = membership.record_payment(actor=SYSTEM, member=member, month="2026-01", paid_on=dt.date(2026, 1, 20))
    assert p.amount == Decimal("40.00")
    with pytest.raises(StateConflict, match="已登记"):
        membership.record_payment(actor=SYSTEM, member=member, month="2026-01", paid_on=dt.date(2026, 1, 21))
    with pytest.raises(ServiceError, match="缴纳金额须大于 0"):
        membership.record_payment(
            actor=SYSTEM, member=member, month="2026-02", amount="0", paid_on=dt.date(2026, 2, 1)
        )
    with pytest.raises(ServiceError, match="最多预缴12个月"):
        membership.record_payment(actor=SYSTEM, member=member, month="2027-06", paid_on=dt.date(2026, 2, 1))
    # REF = 2026-09-30: Jan paid; Feb–Aug (7 months) unpaid; September is not yet due.
    unpaid = membership.arrears([member], REF)[member.pk]
    assert unpaid[0] == dt.date(2026, 2, 1) and len(unpaid) == 7
    assert membership.trailing_run(unpaid, REF) == 7
    membership.record_payment(actor=SYSTEM, member=member, month="2026-08", paid_on=dt.date(2026, 8, 30))
    unpaid = membership.arrears([member], REF)[member.pk]
    assert len(unpaid) == 6 and membership.trailing_run(unpaid, REF) == 0
    # Voiding brings the month back into arrears and keeps the row.
    membership.void_payment(actor=SYSTEM, payment=p, reason="重复录入")
    assert len(membership.arrears([member], REF)[member.pk]) == 7
    assert DuesPayment.objects.filter(pk=p.pk, voided_at__isnull=False).exists()
    with pytest.raises(StateConflict):
        membership.void_payment(actor=SYSTEM, payment=p, reason="again")
    with pytest.raises(ServiceError, match="请至少勾选"):
        membership.record_payments(actor=SYSTEM, org=branch, month=dt.date(2026, 3, 1), member_ids=[])
    with pytest.raises(ServiceError, match="不在本支部"):
        membership.record_payments(
            actor=SYSTEM,
            org=branch,
            month=dt.date(2026, 3, 1),
            member_ids=[Member.objects.get(org=world["b1"]).pk],
        )


def test_dues_arrears_finding_at_edge(world, branch):
    member = branch.members[2]
    membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.RETIREE, income="3000", effective_month="2026-01"
    )
    for m in range(1, 7):  # Jan–Jun paid: Jul and Aug unpaid → 2 months, below 3
        membership.record_payment(
            actor=SYSTEM, member=member, month=dt.date(2026, m, 1), paid_on=dt.date(2026, m, 10)
        )
    assert not rules_of("dues.arrears", compliance.check(branch, *Q3, today=REF))
    DuesPayment.objects.filter(member=member, month=dt.date(2026, 6, 1)).update(voided_at=NOW)  # now 3
    found = rules_of("dues.arrears", compliance.check(branch, *Q3, today=REF))
    assert len(found) == 1 and found[0].severity == "medium" and "欠缴 3 个月" in found[0].evidence[0]
    assert "第九条" in found[0].source
    DuesPayment.objects.filter(member=member, month__gte=dt.date(2026, 3, 1)).update(
        voided_at=NOW
    )  # 6 in a row
    found = rules_of("dues.arrears", compliance.check(branch, *Q3, today=REF))
    assert found[0].severity == "high" and "连续 6 个月" in found[0].reason


# ---------------------------------------------------------------------------------------------
# Care visits


def test_care_visit_and_follow_up(world, branch):
    member = branch.members[6]
    with pytest.raises(ServiceError, match="请填写走访人员") as info:
        membership.record_care_visit(
            actor=SYSTEM, member=member, reason="ill", visited_on=dt.date(2026, 9, 1), visitors=""
        )
    assert info.value.field == "visitors"
    with pytest.raises(ServiceError, match="请选择慰问原因"):
        membership.record_care_visit(
            actor=SYSTEM, member=member, reason="x", visited_on=dt.date(2026, 9, 1), visitors="a"
        )
    with pytest.raises(ServiceError, match="慰问金额不能为负数"):
        membership.record_care_visit(
            actor=SYSTEM,
            member=member,
            reason="ill",
            visited_on=dt.date(2026, 9, 1),
            visitors="a",
            amount="-1",
        )
    v = membership.record_care_visit(
        actor=SYSTEM,
        member=member,
        reason="ill",
        visited_on=dt.date(2026, 9, 1),
        visitors="支部书记、社区网格员",
        given="慰问金及牛奶",
        amount="500",
        follow_up="协助申请大病救助",
    )
    assert v.follow_up_open
    with pytest.raises(ServiceError, match="请填写帮扶完成情况"):
        membership.complete_follow_up(actor=SYSTEM, visit=v, done_on=dt.date(2026, 9, 10), note="")
    membership.complete_follow_up(actor=SYSTEM, visit=v, done_on=dt.date(2026, 9, 10), note="已提交救助申请")
    v.refresh_from_db()
    assert not v.follow_up_open
    assert events_of(v) == ["party.care_visited", "party.care_followed_up"]
    with pytest.raises(StateConflict):
        membership.complete_follow_up(actor=SYSTEM, visit=v, done_on=dt.date(2026, 9, 11), note="x")


# ---------------------------------------------------------------------------------------------
# Pages and scoping


@pytest.fixture
def records(world, branch):
    member = branch.members[3]
    membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.SALARY, income="8000", effective_month="2026-01"
    )
    membership.record_payment(actor=SYSTEM, member=member, month="2026-01", paid_on=dt.date(2026, 1, 10))
    return {
        "transfer": membership.start_transfer(
            actor=SYSTEM,
            member=member,
            kind=TransferKind.IN_DISTRICT,
            to_org=world["b1"],
            reason="搬家",
            sent_on=dt.date(2026, 9, 1),
        ),
        "floating": membership.register_floating(
            actor=SYSTEM, member=branch.members[4], place="株洲市", since=dt.date(2026, 2, 1)
        ),
        "care": membership.record_care_visit(
            actor=SYSTEM,
            member=branch.members[5],
            reason="elderly",
            visited_on=dt.date(2026, 9, 1),
            visitors="书记",
            follow_up="送医",
        ),
        "member": member,
    }


def test_outsider_gets_404_everywhere(client, world, branch, records):
    insider = grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1")
    outsider = grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3")
    gets = [
        reverse("party:dues", args=[branch.pk]),
        reverse("party:dues_export", args=[branch.pk]) + "?year=2026",
        reverse("party:transfer_new", args=[branch.pk]),
        reverse("party:floating_new", args=[branch.pk]),
        reverse("party:care_new", args=[branch.pk]),
    ]
    client.force_login(insider)
    for url in gets:
        assert client.get(url).status_code == 200, url
    client.force_login(outsider)
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("party:transfer_receive", args=[records["transfer"].pk]), {}),
        (reverse("party:transfer_cancel", args=[records["transfer"].pk]), {"reason": "x"}),
        (reverse("party:floating_end", args=[records["floating"].pk]), {}),
        (reverse("party:care_follow_up", args=[records["care"].pk]), {"note": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert Transfer.objects.get(pk=records["transfer"].pk).state == TransferState.PENDING
    assert FloatingRecord.objects.get(pk=records["floating"].pk).ended_on is None


def test_branch_page_and_receiving_branch_receives(client, world, branch, records):
    sender = grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1")
    client.force_login(sender)
    page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    for text in ("组织关系转接", "待接收", "株洲市", "走访慰问", "送医", "党费欠缴"):
        assert text in page, text
    receiver = grant(world, "b1_sec", Role.BRANCH_SECRETARY, "b1")
    client.force_login(receiver)
    page = client.get(reverse("party:org", args=[world["b1"].pk])).content.decode()
    assert "待本支部接收" in page and records["member"].person.name in page
    response = client.post(reverse("party:transfer_receive", args=[records["transfer"].pk]))
    assert response.status_code == 302
    assert Member.objects.get(pk=records["member"].pk).org_id == world["b1"].pk


def test_dues_page_quick_entry_base_form_and_export(client, world, branch, records):
    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:dues", args=[branch.pk])
    page = client.get(url + "?month=2026-02").content.decode()
    assert "8***" in page and "8000" not in page  # income masked
    member = records["member"]
    response = client.post(
        url, {"action": "pay", "month": "2026-02", "members": [member.pk], "paid_on": "2026-02-10"}
    )
    assert response.status_code == 302
    assert DuesPayment.objects.live().filter(member=member, month=dt.date(2026, 2, 1)).exists()
    page = client.post(url, {"action": "pay", "month": "2026-02", "paid_on": "2026-02-10"}).content.decode()
    assert "请至少勾选一名党员" in page
    other = branch.members[6]
    page = client.post(
        url,
        {"action": "base", "member": other.pk, "kind": "salary", "income": "", "effective_month": "2026-01"},
    ).content.decode()
    assert "请填写月收入" in page
    response = client.post(
        url,
        {
            "action": "base",
            "member": other.pk,
            "kind": "farmer",
            "farmer_amount": "0.5",
            "effective_month": "2026-01",
        },
    )
    assert response.status_code == 302 and DuesBase.objects.get(member=other).monthly_due == Decimal("0.50")
    response = client.get(reverse("party:dues_export", args=[branch.pk]) + "?year=2026")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    row = rows[member.person.name]
    assert row[2] == 120.0 and row[3] == 120.0 and row[4] == 120.0 and row[5] == "欠缴"
    assert all("8000" not in str(c) for r in sheet.iter_rows(values_only=True) for c in r)


def test_transfer_form_errors_in_chinese(client, world, branch):
    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:transfer_new", args=[branch.pk])
    page = client.post(
        url,
        {"member": branch.members[3].pk, "kind": "in_district", "reason": "调动", "sent_on": "2026-09-01"},
    ).content.decode()
    assert "请选择接收党组织" in page
    response = client.post(
        url,
        {
            "member": branch.members[3].pk,
            "kind": "outside",
            "to_org_name": "某外区支部",
            "reason": "调动",
            "sent_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    assert Transfer.objects.filter(member=branch.members[3], state="pending").exists()


def test_care_form_records_visit(client, world, branch):
    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:care_new", args=[branch.pk])
    response = client.post(
        url,
        {
            "member": branch.members[6].pk,
            "reason": "old_member",
            "visited_on": "2026-07-01",
            "visitors": "支部书记",
            "given": "纪念章、慰问金",
            "amount": "300",
        },
    )
    assert response.status_code == 302
    assert CareVisit.objects.get(member=branch.members[6]).amount == Decimal("300.00")


def test_other_members_not_offered_in_forms(client, world, branch):
    add_members(world["b1"], 1)
    client.force_login(grant(world, "in_sec", Role.BRANCH_SECRETARY, "w1"))
    page = client.get(reverse("party:floating_new", args=[branch.pk])).content.decode()
    assert "刘党员" not in page and branch.members[0].person.name in page


# ---------------------------------------------------------------------------------------------
# 两优一先 commendations


DEEDS = "长期坚持为社区高龄党员送学上门,组织志愿服务队开展楼栋议事,带头化解邻里纠纷十余起。"


def test_commendation_full_path_with_workday_notice(world, branch):
    reviewer = grant(world, "w1_sec", Role.BRANCH_SECRETARY, "w1")
    member = branch.members[0]
    c = membership.nominate(
        actor=SYSTEM, org=branch, category="outstanding_member", year=2026, deeds=DEEDS, member=member
    )
    assert membership.reviewing_org(branch) == world["w1"]
    membership.review(actor=reviewer, commendation=c, passed=True, opinion="")
    c = membership.start_notice(actor=reviewer, commendation=c, starts_on=dt.date(2026, 6, 5))  # a Friday
    assert c.notice_ends_on == dt.date(2026, 6, 11)  # 5 working days: Fri 5, Mon 8 … Thu 11
    assert Rules.load(dt.date(2026, 6, 5)).param("commend.notice_workdays").confidence == "C"
    with pytest.raises(ServiceError, match="公示期未满") as info:
        membership.decide(actor=reviewer, commendation=c, awarded=True, decided_on=dt.date(2026, 6, 11))
    assert info.value.field == "decided_on"
    membership.record_objection(actor=reviewer, commendation=c, text="反映其曾长期欠缴党费")
    with pytest.raises(ServiceError, match="请填写决定说明"):
        membership.decide(actor=reviewer, commendation=c, awarded=True, decided_on=dt.date(2026, 6, 12))
    c = membership.decide(
        actor=reviewer,
        commendation=c,
        awarded=True,
        decided_on=dt.date(2026, 6, 12),
        note="经核实已按时足额交纳",
    )
    assert c.state == "awarded"
    assert events_of(c) == [
        "party.commendation_nominated",
        "party.commendation_reviewed",
        "party.commendation_noticed",
        "party.commendation_objected",
        "party.commendation_decided",
    ]
    with pytest.raises(StateConflict, match="须在公示后"):
        membership.decide(
            actor=reviewer, commendation=c, awarded=False, decided_on=dt.date(2026, 6, 15), note="x"
        )


def test_commendation_refusals(world, branch):
    from ..factories import RoleGrantFactory, UserFactory

    member = branch.members[0]
    with pytest.raises(ServiceError, match="主要事迹过简") as info:
        membership.nominate(
            actor=SYSTEM, org=branch, category="outstanding_member", year=2026, deeds="很好", member=member
        )
    assert info.value.field == "deeds"
    with pytest.raises(ServiceError, match="请选择推荐的党员"):
        membership.nominate(actor=SYSTEM, org=branch, category="outstanding_worker", year=2026, deeds=DEEDS)
    with pytest.raises(ServiceError, match="本组织或其下级"):
        membership.nominate(
            actor=SYSTEM, org=branch, category="advanced_org", year=2026, deeds=DEEDS, nominee_org=world["b3"]
        )
    outsider_member = Member.objects.get(org=world["b1"])
    with pytest.raises(ServiceError, match="须为本组织的党员"):
        membership.nominate(
            actor=SYSTEM,
            org=branch,
            category="outstanding_member",
            year=2026,
            deeds=DEEDS,
            member=outsider_member,
        )
    probationary = add_members(branch, 0, 1)[0]
    with pytest.raises(ServiceError, match="须为正式党员"):
        membership.nominate(
            actor=SYSTEM,
            org=branch,
            category="outstanding_member",
            year=2026,
            deeds=DEEDS,
            member=probationary,
        )
    c = membership.nominate(
        actor=SYSTEM, org=branch, category="advanced_org", year=2026, deeds=DEEDS, nominee_org=branch
    )
    with pytest.raises(StateConflict, match="本年度已被推荐"):
        membership.nominate(
            actor=SYSTEM, org=branch, category="advanced_org", year=2026, deeds=DEEDS, nominee_org=branch
        )
    # The branch's own secretary cannot review its own nomination.
    own = UserFactory(username="own_sec", is_staff=True)
    RoleGrantFactory(user=own, org=branch, role=Role.BRANCH_SECRETARY)
    with pytest.raises(PermissionDenied):
        membership.review(actor=own, commendation=c, passed=True, opinion="")
    with pytest.raises(StateConflict, match="只能对审核通过"):
        membership.start_notice(actor=SYSTEM, commendation=c, starts_on=dt.date(2026, 6, 5))
    with pytest.raises(ServiceError, match="请填写审核意见"):
        membership.review(actor=SYSTEM, commendation=c, passed=False, opinion="")
    membership.review(actor=SYSTEM, commendation=c, passed=False, opinion="年度考核未达优秀")
    # A rejected nomination frees the nominee for a new one.
    membership.nominate(
        actor=SYSTEM, org=branch, category="advanced_org", year=2026, deeds=DEEDS, nominee_org=branch
    )


def test_commendation_pages_and_scoping(client, world, branch):
    secretary = grant(world, "w1_sec", Role.BRANCH_SECRETARY, "w1")
    outsider = grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3")
    client.force_login(secretary)
    response = client.post(
        reverse("party:nomination_new", args=[branch.pk]),
        {"category": "outstanding_member", "year": "2026", "member": branch.members[1].pk, "deeds": "短"},
    )
    assert "主要事迹过简" in response.content.decode()
    response = client.post(
        reverse("party:nomination_new", args=[branch.pk]),
        {"category": "outstanding_member", "year": "2026", "member": branch.members[1].pk, "deeds": DEEDS},
    )
    c = membership.Commendation.objects.get(nominee_member=branch.members[1])
    url = reverse("party:commendation", args=[c.pk])
    assert response.status_code == 302 and response["Location"] == url
    client.post(url, {"action": "review", "passed": "1"})
    client.post(url, {"action": "notice", "starts_on": "2026-06-05"})
    page = client.post(url, {"action": "decide", "awarded": "1", "decided_on": "2026-06-10"}, follow=True)
    assert "公示期未满" in page.content.decode()
    client.post(url, {"action": "decide", "awarded": "1", "decided_on": "2026-06-12"})
    c.refresh_from_db()
    assert c.state == "awarded" and c.notice_ends_on == dt.date(2026, 6, 11)
    assert "已表彰" in client.get(reverse("party:org", args=[branch.pk])).content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "objection", "text": "x"}).status_code == 404
    assert client.get(reverse("party:nomination_new", args=[branch.pk])).status_code == 404
