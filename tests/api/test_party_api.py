"""Party organizations, organization life and findings through the API: the same scope and the
same finding engine as the organization department's pages."""

import datetime as dt

import pytest

from orgs.roles import Role
from party.models import Meeting, Member
from tests.conftest import grant
from tests.factories import AttendanceFactory, MeetingFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def party(world, api_for):
    meeting = MeetingFactory(
        org=world["b1"], kind="branch_assembly", held_on=dt.date(2026, 10, 15), topic="学习全会精神"
    )
    AttendanceFactory(meeting=meeting, member=Member.objects.get(org=world["b1"]), status="present")
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


# ---------------------------------------------------------------------------------------------
# Writes: recording, correcting and voiding a meeting through the same services as the pages


@pytest.fixture
def branch(world):
    """b1 with three formal members and one probationary member (no vote)."""
    from tests.factories import MemberFactory, PersonFactory

    for name, category in (("钱党员", "formal"), ("孙党员甲", "formal"), ("李预备", "probationary")):
        MemberFactory(person=PersonFactory(name=name, org=world["c1"]), org=world["b1"], category=category)
    return world["b1"]


def meeting_body(client, org, **extra):
    expected = client.get(f"{BASE}/party/orgs/{org.pk}/expected-members", {"held_on": "2026-11-02"}).json()
    body = {
        "org": org.pk,
        "kind": "branch_assembly",
        "held_on": "2026-11-02",
        "topic": "学习贯彻全会精神",
        "minutes": "传达学习全会精神,讨论本社区落实举措。",
        "attendance": [{"member_id": m["member_id"], "status": "present"} for m in expected],
    }
    body.update(extra)
    return body, expected


def test_secretary_records_a_meeting_with_a_vote_idempotently(party, branch):
    shuji = party["shuji"]
    body, expected = meeting_body(
        shuji, branch, resolutions=[{"subject": "接收张三为预备党员", "kind": "admission", "yes": 2, "no": 1}]
    )
    assert {m["category"] for m in expected} == {"formal", "probationary"} and len(expected) == 4
    first = shuji.post(f"{BASE}/party/meetings", body, headers={"Idempotency-Key": "m-1"})
    assert first.status_code == 201, first.content
    detail = first.json()
    assert (detail["expected"], detail["present"]) == (4, 4)
    # 2 yes votes of the 3 formal members who should attend: passed (the probationary member has
    # no vote and does not count).
    vote = detail["resolutions"][0]
    assert (vote["subject"], vote["eligible"], vote["yes"], vote["passed"]) == (
        "接收张三为预备党员",
        3,
        2,
        True,
    )
    again = shuji.post(f"{BASE}/party/meetings", body, headers={"Idempotency-Key": "m-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == detail["id"]
    assert Meeting.objects.filter(topic="学习贯彻全会精神").count() == 1
    changed = shuji.post(
        f"{BASE}/party/meetings", {**body, "topic": "另一次"}, headers={"Idempotency-Key": "m-1"}
    )
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_mismatch"
    # The next meeting can copy this attendance.
    copy = shuji.get(f"{BASE}/party/orgs/{branch.pk}/expected-members", {"held_on": "2026-11-20"}).json()
    assert {m["last_status"] for m in copy} == {"present"}


def test_meeting_input_errors_name_the_field(party, branch):
    shuji = party["shuji"]
    body, expected = meeting_body(shuji, branch)
    missing = shuji.post(f"{BASE}/party/meetings", {**body, "attendance": body["attendance"][:2]})
    assert missing.status_code == 422 and missing.json()["field"] == "attendance"
    assert "请登记以下党员的出席情况" in missing.json()["message"]
    future = shuji.post(f"{BASE}/party/meetings", {**body, "held_on": "2027-12-01"})
    assert future.status_code == 422 and future.json()["field"] == "held_on"
    leave = [{**body["attendance"][0], "status": "leave"}] + body["attendance"][1:]
    no_reason = shuji.post(f"{BASE}/party/meetings", {**body, "attendance": leave})
    assert no_reason.status_code == 422 and "请假原因" in no_reason.json()["message"]
    twice = shuji.post(f"{BASE}/party/meetings", {**body, "attendance": body["attendance"] * 2})
    assert twice.status_code == 422 and twice.json()["field"] == "attendance"
    # One of the three formal members present: no quorum, so no vote.
    formal = [m["member_id"] for m in expected if m["category"] == "formal"]
    thin = [
        {**a, "status": "absent" if a["member_id"] in formal[1:] else "present"} for a in body["attendance"]
    ]
    vote = [{"subject": "重大事项", "yes": 2}]
    no_quorum = shuji.post(f"{BASE}/party/meetings", {**body, "attendance": thin, "resolutions": vote})
    assert no_quorum.status_code == 422 and no_quorum.json()["field"] == "votes"
    assert not Meeting.objects.filter(topic=body["topic"]).exists()


def test_outsider_cannot_record_correct_or_void(party, branch):
    body, _ = meeting_body(party["shuji"], branch)
    outsider = party["other_shuji"]
    assert outsider.post(f"{BASE}/party/meetings", body).status_code == 404
    assert outsider.get(f"{BASE}/party/orgs/{branch.pk}/expected-members").status_code == 404
    m = party["meeting"]
    assert outsider.post(f"{BASE}/party/meetings/{m.pk}/void", {"reason": "误录"}).status_code == 404
    assert outsider.post(f"{BASE}/party/meetings/{m.pk}/corrections", {"reason": "x"}).status_code == 404
    m.refresh_from_db()
    assert m.voided_at is None and m.version == 1


def test_correction_keeps_the_prior_version_and_void_keeps_the_record(party, branch):
    shuji = party["shuji"]
    body, _ = meeting_body(shuji, branch)
    created = shuji.post(f"{BASE}/party/meetings", body).json()
    url = f"{BASE}/party/meetings/{created['id']}"
    no_reason = shuji.post(f"{url}/corrections", {"reason": "", "topic": "新主题"})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    fixed = shuji.post(f"{url}/corrections", {"reason": "主题录错", "topic": "新主题"})
    assert fixed.status_code == 200 and (fixed.json()["topic"], fixed.json()["version"]) == ("新主题", 2)
    meeting = Meeting.objects.get(pk=created["id"])
    assert meeting.revisions.get().data["topic"] == "学习贯彻全会精神"
    voided = shuji.post(f"{url}/void", {"reason": "重复录入"})
    assert voided.status_code == 200 and voided.json()["voided"] is True
    again = shuji.post(f"{url}/void", {"reason": "重复录入"})
    assert again.status_code == 422 and "已作废" in again.json()["message"]
    assert Meeting.objects.filter(pk=created["id"]).exists()
