"""四议两公开 through the API: the same scope, order, quorum and disclosure rules as the pages."""

import datetime as dt

import pytest

from orgs.roles import Role
from tests.conftest import grant
from tests.villages.conftest import village  # noqa: F401  (the fixture)
from tests.villages.test_villages import through
from villages.models import Decision

pytestmark = pytest.mark.django_db
BASE = "/api/v1/villages/decisions"


@pytest.fixture
def clients(world, village, api_for):  # noqa: F811
    return {
        "shuji": api_for(grant(world, "v_sj", Role.BRANCH_SECRETARY, "vbranch")),
        "town": api_for(grant(world, "v_town", Role.COMMUNITY_STAFF, "town")),
        "outsider": api_for(grant(world, "v_out", Role.COMMUNITY_STAFF, "c1")),
    }


PROPOSAL = {
    "title": "组级道路硬化工程",
    "matter": "project",
    "summary": "硬化道路3公里,预算60万元",
    "held_on": "2026-09-01",
}


def test_propose_and_record_steps_in_order(clients, village):  # noqa: F811
    shuji = clients["shuji"]
    created = shuji.post(BASE, {**PROPOSAL, "village": village.pk}, headers={"Idempotency-Key": "v-1"})
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["done_steps"], item["next_step"], item["status"]) == (1, "consultation", "deliberating")
    assert item["steps"][0]["kind"] == "proposal" and item["steps"][0]["checks"][0]["result"] == "passed"
    replay = shuji.post(BASE, {**PROPOSAL, "village": village.pk}, headers={"Idempotency-Key": "v-1"})
    assert replay.json()["id"] == item["id"] and Decision.objects.count() == 1

    url = f"{BASE}/{item['id']}/steps"
    skipped = shuji.post(url, {"kind": "members_review", "held_on": "2026-09-03"})
    assert skipped.status_code == 422 and skipped.json()["field"] == "kind"
    assert "须先完成" in skipped.json()["message"]
    no_quorum = shuji.post(
        url,
        {
            "kind": "consultation",
            "held_on": "2026-09-03",
            "minutes": "两委会议商议",
            "votes": {"expected": 7, "present": 3, "yes": 3},
        },
    )
    assert no_quorum.status_code == 422 and no_quorum.json()["field"] == "present"
    ok = shuji.post(
        url,
        {
            "kind": "consultation",
            "held_on": "2026-09-03",
            "minutes": "两委会议商议",
            "votes": {"expected": 7, "present": 7, "yes": 6},
            "expected_steps": 1,
        },
    )
    assert ok.status_code == 201 and ok.json()["done_steps"] == 2, ok.content
    stale = shuji.post(
        url,
        {
            "kind": "members_review",
            "held_on": "2026-09-06",
            "votes": {"expected": 30, "present": 20, "yes": 16},
            "expected_steps": 1,
        },
    )
    assert stale.status_code == 422 and "已变化" in stale.json()["message"]
    # The township sees the village's item; the list filters by status and deviations.
    rows = clients["town"].get(BASE, {"village": village.pk, "status": "deliberating"}).json()
    assert [r["id"] for r in rows] == [item["id"]]
    assert clients["town"].get(BASE, {"deviations": True}).json() == []


def test_late_disclosure_shows_as_a_deviation(clients, village):  # noqa: F811
    decision = through(
        Decision.objects.get(
            pk=clients["shuji"].post(BASE, {**PROPOSAL, "village": village.pk}).json()["id"]
        ),
        4,
    )
    response = clients["shuji"].post(
        f"{BASE}/{decision.pk}/steps",
        {
            "kind": "resolution_disclosure",
            "held_on": "2026-10-20",
            "channel": "村务公开栏",
            "disclose_to": "2026-10-21",
        },
    )
    assert response.status_code == 201, response.content
    detail = response.json()
    assert detail["deviations"] > 0 and detail["steps"][-1]["has_deviation"] is True
    assert {c["result"] for c in detail["steps"][-1]["checks"]} >= {"deviation"}
    assert [r["id"] for r in clients["town"].get(BASE, {"deviations": True}).json()] == [decision.pk]


def test_outsider_sees_nothing_and_cannot_act(clients, village):  # noqa: F811
    item = clients["shuji"].post(BASE, {**PROPOSAL, "village": village.pk}).json()
    outsider = clients["outsider"]
    assert outsider.get(BASE).json() == []
    assert outsider.get(f"{BASE}/{item['id']}").status_code == 404
    step = {"kind": "consultation", "held_on": "2026-09-03", "votes": {"expected": 7, "present": 7, "yes": 7}}
    assert outsider.post(f"{BASE}/{item['id']}/steps", step).status_code == 404
    assert outsider.post(BASE, {**PROPOSAL, "village": village.pk}).status_code == 404
    assert Decision.objects.get(pk=item["id"]).done_steps == 1


def test_bad_input_names_the_field(clients, village):  # noqa: F811
    shuji = clients["shuji"]
    future = shuji.post(BASE, {**PROPOSAL, "village": village.pk, "held_on": str(dt.date(2027, 12, 1))})
    assert future.status_code == 422 and future.json()["field"] == "held_on"
    empty = shuji.post(BASE, {**PROPOSAL, "village": village.pk, "title": " "})
    assert empty.status_code == 422 and empty.json()["field"] == "title"
    bad_kind = shuji.post(BASE, {**PROPOSAL, "village": village.pk, "matter": "party"})
    assert bad_kind.status_code == 422


def test_correct_a_step_keeps_the_prior_version(clients, village):  # noqa: F811
    shuji = clients["shuji"]
    item = shuji.post(BASE, {**PROPOSAL, "village": village.pk}).json()
    consultation = {
        "kind": "consultation",
        "held_on": "2026-09-03",
        "minutes": "两委会议商议",
        "votes": {"expected": 7, "present": 7, "yes": 6},
    }
    detail = shuji.post(f"{BASE}/{item['id']}/steps", consultation).json()
    step_id = detail["steps"][-1]["id"]
    url = f"{BASE}/{item['id']}/steps/{step_id}/corrections"
    refused = shuji.post(url, {"reason": "票数录错", "votes": {"present": 3, "yes": 3}})
    assert refused.status_code == 422 and refused.json()["field"] == "present"
    fixed = shuji.post(url, {"reason": "票数录错", "votes": {"yes": 5, "no": 2}})
    assert fixed.status_code == 201, fixed.content
    steps = fixed.json()["steps"]
    old = next(s for s in steps if s["id"] == step_id)
    new = next(s for s in steps if s["kind"] == "consultation" and s["superseded_at"] is None)
    assert old["superseded_at"] and (old["yes"], new["yes"], new["no"]) == (6, 5, 2)
    again = shuji.post(url, {"reason": "再改", "minutes": "x"})
    assert again.status_code == 409
    assert (
        clients["outsider"]
        .post(f"{BASE}/{item['id']}/steps/{new['id']}/corrections", {"reason": "x"})
        .status_code
        == 404
    )
