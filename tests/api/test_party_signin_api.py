"""扫码签到 through the API: a member's phone app posts the token of the meeting's code and is signed
in (once); the secretary reads the sign-ins beside the typed list; others get 403/404."""

import datetime as dt

import pytest

from core import clock
from core.actors import SYSTEM
from orgs.roles import Role
from party.life import services as life
from party.life import signin
from party.models import MeetingKind
from tests.conftest import grant
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, all_present, appoint

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def scene(world, api_for):
    from party.defaults import seed_defaults

    seed_defaults()
    org = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(org, 4)
    appoint(members[0], org)
    with clock.frozen(dt.datetime(2026, 12, 7, 10, 0, tzinfo=CST)):
        meeting = life.record_meeting(
            actor=SYSTEM,
            org=org,
            kind=MeetingKind.THEME_DAY,
            held_on=dt.date(2026, 12, 7),
            topic="主题党日",
            attendance=all_present(members),
        )
        signin.open_signin(
            actor=SYSTEM,
            meeting=meeting,
            starts_at=dt.datetime(2026, 12, 7, 9, 30, tzinfo=CST),
            ends_at=dt.datetime(2026, 12, 7, 11, 0, tzinfo=CST),
        )
    user = UserFactory(username="phone_member")
    members[2].person.user = user
    members[2].person.save(update_fields=["user"])
    RoleGrantFactory(user=user, org=org, role=Role.PARTY_MEMBER)
    secretary = UserFactory(username="api_secretary")
    RoleGrantFactory(user=secretary, org=org, role=Role.BRANCH_SECRETARY)
    return {
        "meeting": meeting,
        "member": members[2],
        "phone": api_for(user),
        "secretary": api_for(secretary),
        "outsider": api_for(grant(world, "api_out", Role.BRANCH_SECRETARY, "b3")),
        "token": signin.token_for(meeting),
    }


def test_member_signs_in_once_and_the_secretary_sees_it(scene):
    with clock.frozen(dt.datetime(2026, 12, 7, 9, 45, tzinfo=CST)):
        done = scene["phone"].post(f"{BASE}/party/signin", {"token": scene["token"]})
        assert done.status_code == 201, done.content
        assert done.json()["member"]["id"] == scene["member"].pk
        again = scene["phone"].post(f"{BASE}/party/signin", {"token": scene["token"]})
        assert again.status_code == 409 and "无需重复签到" in again.json()["message"]
        bad = scene["phone"].post(f"{BASE}/party/signin", {"token": "x"})
        assert bad.status_code == 422 and bad.json()["field"] == "token"
        stranger = scene["outsider"].post(f"{BASE}/party/signin", {"token": scene["token"]})
        assert stranger.status_code == 403
    url = f"{BASE}/party/meetings/{scene['meeting'].pk}/signins"
    rows = {r["member"]["id"]: r for r in scene["secretary"].get(url).json()}
    assert rows[scene["member"].pk]["signed_at"] and rows[scene["member"].pk]["agrees"]
    assert sum(1 for r in rows.values() if r["signed_at"]) == 1
    assert scene["outsider"].get(url).status_code == 404
    assert scene["phone"].get(url).status_code == 404


def test_outside_the_window_is_refused(scene):
    with clock.frozen(dt.datetime(2026, 12, 7, 11, 31, tzinfo=CST)):
        late = scene["phone"].post(f"{BASE}/party/signin", {"token": scene["token"]})
    assert late.status_code == 422 and "签到已结束" in late.json()["message"]
