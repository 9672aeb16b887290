"""谈心谈话 through the API: the year's coverage with the talks, recording (idempotent), correcting
and voiding through the same ``party.talks.services`` services as the pages, and the same scope."""

import datetime as dt

import pytest

from core import clock
from orgs.roles import Role
from party.defaults import seed_defaults
from party.models import Member, Talk
from tests.conftest import grant
from tests.factories import MemberFactory, PersonFactory, PositionFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1"
NOW = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def branch(world, api_for):
    seed_defaults()
    first = Member.objects.get(person=world.people["member1"])
    second = MemberFactory(person=PersonFactory(name="钱委员", org=world["c1"]), org=world["b1"])
    third = MemberFactory(
        person=PersonFactory(name="李预备", org=world["c1"]), org=world["b1"], category="probationary"
    )
    PositionFactory(person=first.person, org=world["b1"], kind="secretary", start_on=dt.date(2021, 3, 1))
    PositionFactory(
        person=second.person, org=world["b1"], kind="committee_member", start_on=dt.date(2021, 3, 1)
    )
    with clock.frozen(NOW):
        yield {
            "org": world["b1"],
            "members": (first, second, third),
            "shuji": api_for(grant(world, "sj", Role.BRANCH_SECRETARY, "b1")),
            "other_shuji": api_for(grant(world, "sj3", Role.BRANCH_SECRETARY, "b3")),
        }


def body(branch, **extra):
    first, second, _ = branch["members"]
    return {
        "org": branch["org"].pk,
        "held_on": "2026-12-01",
        "initiator": first.pk,
        "other": second.pk,
        "kind": "life_meeting",
        "summary": "交流了年度工作中的不足,互相提出了批评意见和改进建议。",
        **extra,
    }


def test_record_with_idempotency_then_coverage(branch):
    shuji = branch["shuji"]
    first, second, third = branch["members"]
    url = f"{BASE}/party/orgs/{branch['org'].pk}/talks"
    before = shuji.get(url, {"year": 2026}).json()["coverage"]
    assert (before["percent"], before["pairs_total"], before["members_total"]) == (0, 1, 1)
    assert before["missing_pairs"] == [["刘党员", "钱委员"]]
    assert [m["name"] for m in before["members_missing"]] == ["李预备"]  # probationary members count
    created = shuji.post(f"{BASE}/party/talks", body(branch), headers={"Idempotency-Key": "talk-1"})
    assert created.status_code == 201, created.content
    again = shuji.post(f"{BASE}/party/talks", body(branch), headers={"Idempotency-Key": "talk-1"})
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true" and Talk.objects.count() == 1
    report = shuji.get(url, {"year": 2026}).json()
    assert report["coverage"]["pairs_done"] == 1 and report["coverage"]["percent"] == 50
    assert [(t["initiator"]["name"], t["other"]["name"], t["kind_label"]) for t in report["talks"]] == [
        ("刘党员", "钱委员", "组织生活会前谈心谈话")
    ]
    posts = (report["talks"][0]["initiator_post"], report["talks"][0]["other_post"])
    assert all(post in ("secretary", "deputy_secretary", "committee_member") for post in posts), posts
    shuji.post(f"{BASE}/party/talks", body(branch, other=third.pk, initiator=second.pk))
    assert shuji.get(url).json()["coverage"]["full"] is True


def test_refusals_are_field_errors(branch):
    shuji = branch["shuji"]
    first, *_ = branch["members"]
    r = shuji.post(f"{BASE}/party/talks", body(branch, other=first.pk))
    assert r.status_code == 422 and r.json()["field"] == "other" and "同一人" in r.json()["message"]
    r = shuji.post(f"{BASE}/party/talks", body(branch, held_on="2026-12-16"))
    assert r.status_code == 422 and r.json()["field"] == "held_on"
    r = shuji.post(f"{BASE}/party/talks", body(branch, summary="谈了"))
    assert r.status_code == 422 and r.json()["field"] == "summary"
    r = shuji.get(f"{BASE}/party/orgs/{branch['org'].pk}/talks", {"year": 2027})
    assert r.status_code == 422 and r.json()["field"] == "year"
    assert not Talk.objects.exists()


def test_correct_and_void_keep_the_rows(branch):
    shuji = branch["shuji"]
    *_, third = branch["members"]
    made = shuji.post(f"{BASE}/party/talks", body(branch)).json()
    fixed = shuji.post(
        f"{BASE}/party/talks/{made['id']}/corrections", {"reason": "对象登记错误", "other": third.pk}
    ).json()
    assert fixed["replaces"] == made["id"] and fixed["other"]["name"] == "李预备"
    assert shuji.get(f"{BASE}/party/talks/{made['id']}").json()["superseded"] is True
    voided = shuji.post(f"{BASE}/party/talks/{fixed['id']}/void", {"reason": "误录"}).json()
    assert voided["voided"] and voided["void_reason"] == "误录"
    assert Talk.objects.count() == 2 and not Talk.objects.live().exists()


def test_other_branch_sees_and_records_nothing(branch):
    other = branch["other_shuji"]
    made = branch["shuji"].post(f"{BASE}/party/talks", body(branch)).json()
    assert other.get(f"{BASE}/party/orgs/{branch['org'].pk}/talks").status_code == 404
    assert other.get(f"{BASE}/party/talks/{made['id']}").status_code == 404
    assert other.post(f"{BASE}/party/talks", body(branch, held_on="2026-12-02")).status_code == 404
    assert other.post(f"{BASE}/party/talks/{made['id']}/void", {"reason": "x"}).status_code == 404
    assert Talk.objects.count() == 1 and Talk.objects.live().count() == 1
