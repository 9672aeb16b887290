"""党费 through the API: a member's dues account (基数未核定, arrears, payments), recording payments
with a proxy (委托代交), and the higher committee's reduction decisions — never by the user who
reported the reduction (separation of duties). Same services and scope as the pages."""

import datetime as dt

import pytest
import time_machine

from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults
from party.membership import reductions
from party.membership import services as membership
from party.membership.models import DuesKind, DuesPayment, ReductionState
from party.models import Member
from tests.conftest import grant

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def scene(world, api_for):
    seed_defaults()
    with time_machine.travel(dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC), tick=False):
        member = Member.objects.get(person=world.people["member1"])
        Member.objects.filter(pk=member.pk).update(
            joined_on=dt.date(2026, 6, 20), category="probationary", full_member_on=None
        )
        member.refresh_from_db()
        yield {
            "member": member,
            "shuji": api_for(grant(world, "sj", Role.BRANCH_SECRETARY, "b1")),
            "reporter_user": grant(world, "zzb_a", Role.ORG_DEPT, "party"),
            "colleague": api_for(grant(world, "zzb_b", Role.ORG_DEPT, "party")),
            "api_for": api_for,
        }


def test_member_dues_and_proxy_payments(scene):
    shuji, member = scene["shuji"], scene["member"]
    url = f"{BASE}/party/members/{member.pk}/dues"
    account = shuji.get(url).json()
    assert account["base_missing"] is True and account["base"] is None and account["payments"] == []
    membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.RELIEF, effective_month="2026-06")
    account = shuji.get(url).json()
    assert account["base_missing"] is False and account["base"]["monthly_due"] == "0.20"
    assert account["arrears"] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    body = {
        "first_month": "2026-06",
        "last_month": "2026-07",
        "paid_on": "2026-10-15",
        "proxy_name": "王小红",
    }
    refused = shuji.post(f"{url}/payments", body)
    assert refused.status_code == 422
    assert refused.json()["code"] == "rule_violation" and refused.json()["field"] == "proxy_relation"
    assert not DuesPayment.objects.exists()
    too_long = shuji.post(f"{url}/payments", {**body, "proxy_relation": "亲" * 21})
    assert too_long.status_code == 422 and too_long.json()["field"] == "proxy_relation"
    created = shuji.post(f"{url}/payments", {**body, "proxy_relation": "配偶"})
    assert created.status_code == 201, created.content
    rows = created.json()
    assert [(r["month"], r["proxy_label"]) for r in rows] == [
        ("2026-06", "由 王小红(配偶)代交"),
        ("2026-07", "由 王小红(配偶)代交"),
    ]
    again = shuji.post(f"{url}/payments", {**body, "proxy_relation": "配偶"})
    assert again.status_code == 409
    own = shuji.post(f"{url}/payments", {"first_month": "2026-08", "last_month": "2026-09"})
    assert own.status_code == 201 and {r["proxy_name"] for r in own.json()} == {""}
    account = shuji.get(url).json()
    assert account["arrears"] == [] and [p["month"] for p in account["payments"]][:2] == [
        "2026-09",
        "2026-08",
    ]
    bad = shuji.post(f"{url}/payments", {"first_month": "2026-13", "last_month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["field"] == "first_month"
    # Another street's secretary: 404, nothing recorded.
    other = scene["api_for"](grant_other(scene))
    assert other.get(url).status_code == 404
    assert (
        other.post(f"{url}/payments", {"first_month": "2026-10", "last_month": "2026-10"}).status_code == 404
    )
    assert DuesPayment.objects.count() == 4


def grant_other(scene):
    from tests.factories import RoleGrantFactory, UserFactory

    user = UserFactory(username="sj3", is_staff=True)
    RoleGrantFactory(
        user=user, org=Member.objects.exclude(pk=scene["member"].pk).first().org, role="branch_secretary"
    )
    return user


def test_reporter_cannot_decide_through_the_api(scene):
    member = scene["member"]
    membership.set_dues_base(actor=SYSTEM, member=member, kind=DuesKind.RELIEF, effective_month="2026-06")
    r = reductions.report_reduction(
        actor=scene["reporter_user"],
        member=member,
        first_month="2026-10",
        last_month="2026-12",
        monthly_amount="0",
        reason="illness",
        detail="长期住院治疗,无收入",
        applied_on=dt.date(2026, 10, 8),
        studied_on=dt.date(2026, 10, 10),
    )
    reporter = scene["api_for"](scene["reporter_user"])
    colleague = scene["colleague"]
    assert reporter.get(f"{BASE}/party/dues/reductions").json() == []
    (pending,) = colleague.get(f"{BASE}/party/dues/reductions").json()
    assert pending["id"] == r.pk and pending["can_decide"] is True and pending["reported_by"] == "zzb_a"
    detail = reporter.get(f"{BASE}/party/dues/reductions/{r.pk}").json()
    assert detail["can_decide"] is False and detail["state"] == "reported"
    url = f"{BASE}/party/dues/reductions/{r.pk}/decision"
    refused = reporter.post(url, {"approve": True, "note": "同意"})
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "rule_violation",
        "message": "报批人不能审批本人报批的党费减免,请由上级党委其他人员审批",
        "field": "state",
    }
    # The branch's secretary is not the higher committee: 403.
    assert scene["shuji"].post(url, {"approve": True}).status_code == 403
    r.refresh_from_db()
    assert r.state == ReductionState.REPORTED
    no_reason = colleague.post(url, {"approve": False})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    approved = colleague.post(url, {"approve": True, "note": "同意免交"})
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["decided_by"] == "zzb_b"
    assert approved.json()["can_decide"] is False
    assert colleague.post(url, {"approve": False, "note": "x"}).status_code == 409
