"""发展党员 through the API: a soft rule broken at entry answers 409 with the warnings until the
caller confirms with a reason (stored with the step); a hard rule 422; the branch submits a
committee step, the 党工委 lists and approves it, another committee gets 404."""

import pytest

from core.actors import SYSTEM
from orgs.models import RoleGrant
from orgs.roles import Role
from party.development import services as development_services
from party.development.models import DevelopmentStep
from tests.api.conftest import client_for
from tests.conftest import grant
from tests.party.test_development import D, apply, walk

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def setup(world, branch):
    shuji = grant(world, "api_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    return {
        "shuji": client_for(shuji),
        "dangwei": client_for(grant(world, "api_dw", Role.PARTY_COMMITTEE, "w1")),
        "other": client_for(grant(world, "api_dw2", Role.PARTY_COMMITTEE, "w2")),
    }


def test_soft_breach_409_then_confirmed_with_reason(setup, branch):
    a = apply(branch)
    url = f"{BASE}/party/development/applicants/{a.pk}/steps"
    body = {"number": 2, "done_on": "2023-04-20", "people": [branch.members[0].person.pk]}
    response = setup["shuji"].post(url, body)
    assert response.status_code == 409, response.content
    answer = response.json()
    assert answer["code"] == "needs_confirmation" and any("谈话晚于期限" in w for w in answer["warnings"])
    assert not DevelopmentStep.objects.filter(applicant=a, number=2).exists()
    response = setup["shuji"].post(url, {**body, "confirm": True})
    assert response.status_code == 422 and response.json()["field"] == "confirm_reason"
    response = setup["shuji"].post(url, {**body, "confirm": True, "confirm_reason": "申请人外出务工"})
    assert response.status_code == 201, response.content
    assert response.json()["deviation_reason"] == "申请人外出务工" and response.json()["has_deviation"]


def test_hard_rule_is_422(setup, branch):
    a = walk(apply(branch), branch, 6)
    url = f"{BASE}/party/development/applicants/{a.pk}/steps"
    response = setup["shuji"].post(
        url, {"number": 7, "done_on": "2024-05-25", "confirm": True, "confirm_reason": "提前"}
    )
    assert response.status_code == 422 and response.json()["field"] == "done_on"


def test_submit_list_and_approve(setup, branch, world):
    a = walk(apply(branch), branch, 7)
    response = setup["shuji"].post(
        f"{BASE}/party/development/applicants/{a.pk}/steps",
        {"number": 8, "done_on": str(D[8]), "deciding_org_id": world["w1"].pk},
    )
    assert response.status_code in (403, 422)  # the branch cannot record the committee's step
    response = setup["shuji"].post(
        f"{BASE}/party/development/applicants/{a.pk}/submissions", {"number": 8, "submitted_on": str(D[8])}
    )
    assert response.status_code == 201, response.content
    sub_id = response.json()["id"]
    assert setup["other"].get(f"{BASE}/party/development/submissions").json() == []
    listed = setup["dangwei"].get(f"{BASE}/party/development/submissions").json()
    assert [row["id"] for row in listed] == [sub_id]
    url = f"{BASE}/party/development/submissions/{sub_id}/decision"
    assert setup["other"].post(url, {"approve": True, "done_on": str(D[8])}).status_code == 404
    response = setup["dangwei"].post(url, {"approve": True, "done_on": str(D[8])})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved" and response.json()["step_id"]
    a.refresh_from_db()
    assert a.step == 8


def test_system_walk_still_works(branch):
    a = walk(apply(branch), branch, 3)
    assert development_services.may_record(SYSTEM, a, development_services.development_steps.step(4))
