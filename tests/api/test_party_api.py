"""Party organizations, organization life and findings through the API: the same scope and the
same finding engine as the organization department's pages."""

import datetime as dt

import pytest

from orgs.roles import Role
from party.models import Attendance, Meeting, Member
from tests.conftest import grant

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def party(world, api_for):
    meeting = Meeting.objects.create(
        org=world["b1"], kind="branch_assembly", held_on=dt.date(2026, 10, 15), topic="学习全会精神"
    )
    member = Member.objects.get(org=world["b1"])
    Attendance.objects.create(
        meeting=meeting, member=member, status="present", held_on=meeting.held_on, org=world["b1"]
    )
    return {
        "meeting": meeting,
        "zuzhibu": api_for(grant(world, "zzb", Role.ORG_DEPT, "party")),
        "shuji": api_for(grant(world, "sj", Role.BRANCH_SECRETARY, "b1")),
        "other_shuji": api_for(grant(world, "sj3", Role.BRANCH_SECRETARY, "b3")),
    }


def test_orgs_meetings_and_findings_are_scoped(party, world):
    names = {o["name"] for o in party["zuzhibu"].get(f"{BASE}/party/orgs").json()}
    assert {world["b1"].name, world["b3"].name, world["w1"].name} <= names
    assert [o["name"] for o in party["shuji"].get(f"{BASE}/party/orgs").json()] == [world["b1"].name]

    meetings = party["shuji"].get(f"{BASE}/party/meetings", {"year": 2026}).json()
    assert [(m["topic"], m["expected"], m["present"]) for m in meetings] == [("学习全会精神", 1, 1)]
    detail = party["shuji"].get(f"{BASE}/party/meetings/{party['meeting'].pk}").json()
    assert detail["kind_label"] == "支部党员大会" and detail["resolutions"] == []
    # Another branch's secretary sees neither the meeting nor the branch.
    assert party["other_shuji"].get(f"{BASE}/party/meetings").json() == []
    assert party["other_shuji"].get(f"{BASE}/party/meetings/{party['meeting'].pk}").status_code == 404
    assert party["other_shuji"].get(f"{BASE}/party/orgs/{world['b1'].pk}/findings").status_code == 404

    findings = party["zuzhibu"].get(f"{BASE}/party/orgs/{world['party'].pk}/findings").json()
    assert findings and all(f["reason"] and f["rule"] and f["source"] is not None for f in findings)
    assert {f["severity"] for f in findings} <= {"high", "medium", "low"}


def test_bad_filters_are_field_errors(party, world):
    r = party["zuzhibu"].get(f"{BASE}/party/meetings", {"kind": "party"})
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = party["zuzhibu"].get(
        f"{BASE}/party/orgs/{world['b1'].pk}/findings", {"start": "2026-10-01", "end": "2026-01-01"}
    )
    assert r.status_code == 422 and r.json()["field"] == "end"
    r = party["zuzhibu"].get(f"{BASE}/party/orgs/{world['b1'].pk}/findings", {"start": "2026-10-01"})
    assert r.status_code == 422 and r.json()["field"] == "start"
