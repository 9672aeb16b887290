"""Dues gaps (issue 5): 党费基数未核定 (``dues.base_missing``), 委托代交 (proxy payment),
separation of duties for 党费减免 decisions, and distinct demo minutes of admission meetings —
each rule triggered and not triggered at its edges, pages and API included."""

import datetime as dt
import io
import itertools
import types

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import ServiceError
from demo.party import development as development_demo
from orgs.models import Person
from orgs.roles import Role
from party import compliance
from party.life import similarity
from party.membership import reductions
from party.membership import services as membership
from party.membership.models import DuesKind, DuesPayment, ReductionState
from party.models import Member, RuleParameter

from ..conftest import grant
from ..factories import RoleGrantFactory, RuleParameterFactory, UserFactory, make_org
from .conftest import REF, add_members

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 15)
WINDOW = (dt.date(2026, 7, 1), REF)  # REF = 2026-09-30: the last complete month is August 2026


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC), tick=False):
        yield


def base(member, month="2025-01"):
    return membership.set_dues_base(
        actor=SYSTEM, member=member, kind=DuesKind.RETIREE, income="5000", effective_month=month
    )


def missing(org, today=REF):
    return [f for f in compliance.check(org, *WINDOW, today=today) if f.rule == "dues.base_missing"]


def joined(branch, day, category="probationary"):
    (member,) = add_members(branch, 0, 1)
    Member.objects.filter(pk=member.pk).update(joined_on=day, category=category)
    member.refresh_from_db()
    return member


@pytest.fixture
def ledger(branch):
    """The branch keeps its ledger in Luoshi: every formal member has a base except members[7]."""
    for member in branch.members[:7]:
        base(member)
    return branch


# ---------------------------------------------------------------------------------------------
# dues.base_missing (党费基数未核定)


def test_member_without_base_is_one_finding_per_branch(ledger):
    (finding,) = missing(ledger)
    lacking = ledger.members[7]
    assert finding.org_id == ledger.pk and finding.severity == "medium"
    assert finding.title == "党费基数未核定"
    assert "1 名党员" in finding.reason and "仍未核定党费基数" in finding.reason
    assert finding.evidence == [f"{lacking.person.name}(正式党员):2010-07-01 入党,应自 2010年07月 起交纳党费"]
    assert finding.action.startswith("为其核定党费基数")
    assert "本地规则,待确认" in finding.source
    # A base set: the finding goes.
    base(lacking)
    assert missing(ledger) == []


def test_grace_edge_joined_in_july_flagged_in_august_not(ledger):
    base(ledger.members[7])
    july = joined(ledger, dt.date(2026, 7, 31))  # July + 1 grace month = August: flagged
    august = joined(ledger, dt.date(2026, 8, 1))  # August + 1 = September > August: not yet
    (finding,) = missing(ledger)
    assert len(finding.evidence) == 1 and finding.evidence[0].startswith(july.person.name)
    assert "(预备党员)" in finding.evidence[0]
    # A month later (last complete month September) both are flagged.
    (finding,) = missing(ledger, today=dt.date(2026, 10, 15))
    assert {e.split("(")[0] for e in finding.evidence} == {july.person.name, august.person.name}


def test_base_in_force_for_the_month_counts_a_later_one_does_not(ledger):
    base(ledger.members[7])
    member = joined(ledger, dt.date(2026, 6, 10))
    membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.RELIEF, effective_month="2026-06")
    assert missing(ledger) == []
    other = joined(ledger, dt.date(2026, 6, 10), category="formal")
    base(other, "2026-09")  # in force only from September: nothing for August
    (finding,) = missing(ledger)
    assert finding.evidence[0].startswith(other.person.name)


def test_grace_is_rule_data_with_local_override(ledger):
    base(ledger.members[7])
    member = joined(ledger, dt.date(2026, 7, 10))
    assert missing(ledger)
    row = RuleParameter.objects.get(code="dues.base_grace_months", org=None)
    assert (row.value, row.confidence, row.confirmed) == ("1", "B", False)
    RuleParameterFactory(
        code="dues.base_grace_months",
        name=row.name,
        value="2",
        unit="个月",
        source="本支部规定",
        effective_from=dt.date(2020, 1, 1),
        org=ledger,
    )
    assert missing(ledger) == []
    Member.objects.filter(pk=member.pk).update(joined_on=dt.date(2026, 6, 30))
    (finding,) = missing(ledger)
    assert "超过 2 个月" in finding.reason


def test_not_for_other_statuses_or_branches_without_a_ledger(ledger, world):
    Member.objects.filter(pk=ledger.members[7].pk).update(status="transferred_out")
    assert missing(ledger) == []
    # A branch that keeps no dues ledger in the system (no base at all) is not judged — as for
    # dues.arrears, which is silent without bases.
    paper = make_org(world["w1"], "branch", "中共湖北社区支部委员会", short_name="湖北社区党支部")
    add_members(paper, 5)
    assert missing(paper) == []
    # The street above: only the ledger branch would be judged.
    Member.objects.filter(pk=ledger.members[7].pk).update(status="normal")
    assert [f.org_id for f in missing(world["w1"])] == [ledger.pk]


def test_engine_step_has_no_per_member_queries(ledger):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert missing(ledger)
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(6):
        joined(ledger, dt.date(2026, 3, 1))
    assert queries() == few
    # The rule itself: two queries for the subtree (the ledger branches, the bases in force).
    with CaptureQueriesContext(connection) as ctx:
        compliance.check(ledger, *WINDOW, today=REF)
    assert sum("party_duesbase" in q["sql"] for q in ctx.captured_queries) <= 3  # arrears' own + 2


def test_member_page_prompts_to_set_the_base(client, ledger):
    secretary = UserFactory(username="hx_sec2", is_staff=True)
    RoleGrantFactory(user=secretary, org=ledger, role=Role.BRANCH_SECRETARY)
    client.force_login(secretary)
    lacking = joined(ledger, dt.date(2026, 7, 12))
    page = client.get(reverse("party:member_dues", args=[lacking.pk])).content.decode()
    link = f"{reverse('party:dues', args=[ledger.pk])}?member={lacking.pk}#base-form"
    assert "尚未核定党费基数" in page and link in page
    form = client.get(link.split("#")[0]).content.decode()
    assert f'<option value="{lacking.pk}" selected>' in form
    assert 'value="2026-07"' in form  # a probationary member's first base: the joining month
    page = client.get(reverse("party:member_dues", args=[ledger.members[0].pk])).content.decode()
    assert "尚未核定党费基数" not in page
    # A viewer without change rights sees the prompt but not the button.
    viewer = UserFactory(username="hx_view", is_staff=True)
    RoleGrantFactory(user=viewer, org=ledger, role=Role.SUPERVISOR)
    client.force_login(viewer)
    page = client.get(reverse("party:member_dues", args=[lacking.pk])).content.decode()
    assert "尚未核定党费基数" in page and link not in page


# ---------------------------------------------------------------------------------------------
# 委托代交 (proxy payment)


def test_proxy_payment_recorded_audited_and_shown(client, ledger):
    member = ledger.members[1]
    p = membership.record_payment(
        actor=SYSTEM,
        member=member,
        month="2026-09",
        paid_on=TODAY,
        proxy_name="王小红",
        proxy_relation="配偶",
    )
    assert (p.proxy_name, p.proxy_relation, p.proxy_label) == ("王小红", "配偶", "由 王小红(配偶)代交")
    event = AuditEvent.objects.get(subject_type="party.duespayment", subject_id=str(p.pk))
    assert event.after["proxy"] == {"name": "王小红", "relation": "配偶"}
    own = membership.record_payment(actor=SYSTEM, member=member, month="2026-08", paid_on=TODAY)
    own_event = AuditEvent.objects.get(subject_type="party.duespayment", subject_id=str(own.pk))
    assert own.proxy_label == "" and "proxy" not in own_event.after
    secretary = UserFactory(username="hx_sec3", is_staff=True)
    RoleGrantFactory(user=secretary, org=ledger, role=Role.BRANCH_SECRETARY)
    client.force_login(secretary)
    page = client.get(reverse("party:member_dues", args=[member.pk])).content.decode()
    assert page.count("由 王小红(配偶)代交") == 1
    branch_page = client.get(reverse("party:dues", args=[ledger.pk]) + "?month=2026-09").content.decode()
    assert "由 王小红(配偶)代交" in branch_page
    # The yearly Excel ledger notes it on the month's cell (September: column 3 + 9).
    export = client.get(reverse("party:dues_export", args=[ledger.pk]) + "?year=2026")
    sheet = load_workbook(io.BytesIO(export.content)).active
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == member.person.name)
    assert row[11].comment is not None and row[11].comment.text == "由 王小红(配偶)代交"
    assert row[10].value is not None and row[10].comment is None  # August: paid in person


def test_proxy_relation_required_and_lengths(ledger):
    member = ledger.members[1]
    with pytest.raises(ServiceError, match="请填写代交人与党员的关系") as info:
        membership.record_payment(
            actor=SYSTEM, member=member, month="2026-09", paid_on=TODAY, proxy_name="王小红"
        )
    assert info.value.field == "proxy_relation"
    with pytest.raises(ServiceError, match="请同时填写代交人姓名") as info:
        membership.record_payment(
            actor=SYSTEM, member=member, month="2026-09", paid_on=TODAY, proxy_relation="配偶"
        )
    assert info.value.field == "proxy_name"
    with pytest.raises(ServiceError, match="代交人姓名不能超过20字"):
        membership.record_payment(
            actor=SYSTEM,
            member=member,
            month="2026-09",
            paid_on=TODAY,
            proxy_name="王" * 21,
            proxy_relation="配偶",
        )
    with pytest.raises(ServiceError, match="代交人与党员关系不能超过20字"):
        membership.record_payment(
            actor=SYSTEM,
            member=member,
            month="2026-09",
            paid_on=TODAY,
            proxy_name="王小红",
            proxy_relation="亲" * 21,
        )
    assert not DuesPayment.objects.filter(member=member).exists()
    # Exactly 20 characters is accepted; blanks around are trimmed.
    p = membership.record_payment(
        actor=SYSTEM,
        member=member,
        month="2026-09",
        paid_on=TODAY,
        proxy_name=" " + "王" * 20,
        proxy_relation="同支部党员 ",
    )
    assert p.proxy_name == "王" * 20 and p.proxy_relation == "同支部党员"


def test_proxy_for_several_months_through_the_member_form(client, ledger):
    member = ledger.members[2]
    secretary = UserFactory(username="hx_sec4", is_staff=True)
    RoleGrantFactory(user=secretary, org=ledger, role=Role.BRANCH_SECRETARY)
    client.force_login(secretary)
    url = reverse("party:member_dues", args=[member.pk])
    form = {"action": "pay", "first_month": "2026-08", "last_month": "2026-09", "paid_on": "2026-10-15"}
    page = client.post(url, {**form, "proxy_name": "李军"}).content.decode()
    assert "请填写代交人与党员的关系" in page
    assert not DuesPayment.objects.filter(member=member).exists()
    response = client.post(url, {**form, "proxy_name": "李军", "proxy_relation": "儿子"})
    assert response.status_code == 302
    assert list(DuesPayment.objects.filter(member=member).values_list("proxy_name", "proxy_relation")) == [
        ("李军", "儿子"),
        ("李军", "儿子"),
    ]
    assert client.get(url).content.decode().count("由 李军(儿子)代交") == 2


def test_proxy_in_the_branch_batch_entry_applies_to_every_member_ticked(client, ledger):
    first, second = ledger.members[3], ledger.members[4]
    secretary = UserFactory(username="hx_sec5", is_staff=True)
    RoleGrantFactory(user=secretary, org=ledger, role=Role.BRANCH_SECRETARY)
    client.force_login(secretary)
    url = reverse("party:dues", args=[ledger.pk])
    form = {"action": "pay", "month": "2026-09", "members": [first.pk, second.pk], "paid_on": "2026-10-12"}
    # Refused: nothing recorded, and what was entered is still on the page (ticks, date, proxy).
    page = client.post(url, {**form, "proxy_name": "张桂兰"}).content.decode()
    assert "请填写代交人与党员的关系" in page
    assert not DuesPayment.objects.filter(member__in=[first, second]).exists()
    assert f'value="{first.pk}" checked' in page and f'value="{second.pk}" checked' in page
    assert 'value="2026-10-12"' in page and 'value="张桂兰"' in page
    assert '<details class="mb-2" id="proxy" open>' in page
    assert 'class="form-control is-invalid" id="proxy_relation"' in page
    ahead = {**form, "month": "2026-11", "quarterly_consent": "1", "proxy_relation": "女儿"}  # 预缴
    assert 'id="quarterly_consent" checked' in client.post(url, ahead).content.decode()
    response = client.post(url, {**form, "proxy_name": "张桂兰", "proxy_relation": "女儿"})
    assert response.status_code == 302
    rows = DuesPayment.objects.filter(member__in=[first, second]).values_list(
        "member_id", "month", "paid_on", "proxy_name", "proxy_relation"
    )
    assert sorted(rows) == sorted(
        (m.pk, dt.date(2026, 9, 1), dt.date(2026, 10, 12), "张桂兰", "女儿") for m in (first, second)
    )
    assert client.get(url + "?month=2026-09").content.decode().count("由 张桂兰(女儿)代交") == 2
    # Without a proxy the batch records payments in person; all or nothing when one month is paid.
    third = ledger.members[5]
    with pytest.raises(ServiceError, match="已登记"):
        membership.record_payments(
            actor=SYSTEM, org=ledger, month="2026-09", member_ids=[third.pk, first.pk], paid_on=TODAY
        )
    assert not DuesPayment.objects.filter(member=third).exists()
    (own,) = membership.record_payments(
        actor=SYSTEM, org=ledger, month="2026-09", member_ids=[str(third.pk)], paid_on=TODAY
    )
    assert own.proxy_label == ""
    with pytest.raises(ServiceError, match="不在本支部") as info:
        membership.record_payments(actor=SYSTEM, org=ledger, month="2026-09", member_ids=["x"], paid_on=TODAY)
    assert info.value.field == "members"


# ---------------------------------------------------------------------------------------------
# Separation of duties: the reporter (报批人) does not decide


@pytest.fixture
def duty(world, ledger):
    return {
        # The district organization department holds every subtree: it may report and decide.
        "reporter": grant(world, "zzb_a", Role.ORG_DEPT, "party"),
        "colleague": grant(world, "zzb_b", Role.ORG_DEPT, "party"),
        "member": ledger.members[3],
    }


def report(member, actor):
    return reductions.report_reduction(
        actor=actor,
        member=member,
        first_month="2026-10",
        last_month="2027-03",
        monthly_amount="0",
        reason="illness",
        detail="长期住院治疗,无收入",
        applied_on=dt.date(2026, 10, 8),
        studied_on=dt.date(2026, 10, 10),
    )


def test_reporter_may_not_decide_another_member_of_the_committee_may(duty):
    r = report(duty["member"], duty["reporter"])
    assert not reductions.can_decide(duty["reporter"], r)
    assert reductions.can_decide(duty["colleague"], r)
    assert reductions.pending_for(duty["reporter"]) == []
    assert [x.pk for x in reductions.pending_for(duty["colleague"])] == [r.pk]
    for approve in (True, False):
        with pytest.raises(ServiceError) as info:
            reductions.decide_reduction(actor=duty["reporter"], reduction=r, approve=approve, note="同意")
        assert info.value.message == "报批人不能审批本人报批的党费减免,请由上级党委其他人员审批"
    r.refresh_from_db()
    assert r.state == ReductionState.REPORTED and r.decided_by is None
    reductions.decide_reduction(actor=duty["colleague"], reduction=r, approve=True, note="同意")
    r.refresh_from_db()
    assert r.state == ReductionState.APPROVED and r.decided_by == duty["colleague"]


def test_decide_button_hidden_for_the_reporter(client, duty):
    r = report(duty["member"], duty["reporter"])
    url = reverse("party:member_dues", args=[duty["member"].pk])
    decide = reverse("party:reduction_decide", args=[r.pk])
    client.force_login(duty["reporter"])
    assert decide not in client.get(url).content.decode()
    queue = client.get(reverse("party:dues_reductions")).content.decode()
    assert decide not in queue and "本人报批,须由上级党委其他人员审批" in queue
    response = client.post(decide, {"decision": "approve", "note": "同意"}, follow=True)
    assert "报批人不能审批本人报批的党费减免" in response.content.decode()
    r.refresh_from_db()
    assert r.state == ReductionState.REPORTED
    client.force_login(duty["colleague"])
    assert decide in client.get(url).content.decode()
    assert decide in client.get(reverse("party:dues_reductions")).content.decode()


# ---------------------------------------------------------------------------------------------
# Demo: the admission and conversion meetings' minutes differ per candidate


def test_demo_admission_minutes_are_distinct_per_candidate():
    demo = development_demo._Demo(TODAY)
    people = [
        types.SimpleNamespace(name=n) for n in ("周建国", "刘芳", "陈志刚", "黄丽", "吴强", "孙梅", "赵磊")
    ]

    def candidate(i):
        applied = dt.date(2023, 1 + i % 12, 5)
        return types.SimpleNamespace(
            person=types.SimpleNamespace(name=demo.name()),
            applied_on=applied,
            activist_on=applied + dt.timedelta(days=60),
            candidate_on=applied + dt.timedelta(days=430),
        )

    for step in (15, 23):
        texts = [
            demo.minutes(candidate(i), step, dt.date(2026, 5, 1 + i), people, 12, 11, (10, 0, 1))
            for i in range(14)
        ]
        assert all(len(similarity.normalize(t)) >= 150 for t in texts)
        worst = max(similarity.exact_jaccard(a, b) for a, b in itertools.combinations(texts, 2))
        assert worst < 0.6, (step, worst)  # below the LSH candidate threshold, far below 0.8
    # The old fixed text was one and the same for every candidate.
    old = "支部委员会报告审查情况,入党介绍人介绍情况,与会党员充分讨论后无记名投票表决。" * 3
    assert similarity.exact_jaccard(old, old) == 1.0


def test_demo_admitted_members_pay_dues_except_one(world, seeded):
    """``_dues_of_admitted``: a base from the joining month and each month paid, through the
    services; the latest admitted outside shuji's branch is left without a base."""
    street = world["w1"]
    home = make_org(street, "branch", "中共湖东社区支部委员会", short_name="湖东社区党支部")
    other = make_org(street, "branch", "中共湖南社区支部委员会", short_name="湖南社区党支部")
    people = [Person.objects.create(name=n, gender="F", org=street) for n in ("甲", "乙", "丙")]
    rows = [(home, people[0], dt.date(2026, 3, 10)), (other, people[1], dt.date(2025, 11, 20))]
    rows.append((other, people[2], dt.date(2026, 6, 2)))
    from party.development.models import Applicant

    members = []
    for org, person, day in rows:
        Applicant.objects.create(
            person=person, org=org, applied_on=day - dt.timedelta(days=900), admitted_on=day, is_demo=True
        )
        members.append(Member.objects.create(person=person, org=org, category="probationary", joined_on=day))
    name = development_demo._dues_of_admitted(development_demo._Demo(TODAY), home)
    assert name == "丙"
    assert not members[2].dues_bases.exists()
    for member in members[:2]:
        (b,) = member.dues_bases.all()
        assert b.effective_month == membership.month_start(member.joined_on)
        assert membership.arrears([member], TODAY) == {}
    assert DuesPayment.objects.filter(member=members[0]).count() == 7  # March–September 2026
