"""扫码签到 and the member's own view (issue 21 part 7): the secretary opens a meeting's code with
its times; a member signs in once, inside the window of the rule data, only for a meeting of their
own organization; the sign-ins stand beside the typed list on the meeting page; the formalism rule
reports a list that disagrees beyond the tolerance; a member sees their own records and nobody
else's (pages of other members and the secretary's pages: 404)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core import clock
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from party import compliance
from party.life import signin
from party.life.signin_views import qr_svg
from party.models import AttendanceStatus, MeetingKind, SignIn
from party.talks import services as talks

from ..conftest import grant
from ..factories import RoleGrantFactory, UserFactory, make_org
from .conftest import add_members, all_present, appoint
from .test_compliance import meet

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def account(member, username):
    user = UserFactory(username=username)
    member.person.user = user
    member.person.save(update_fields=["user"])
    RoleGrantFactory(user=user, org=member.org, role=Role.PARTY_MEMBER)
    return user


def opened(branch, attendance=None, start=(9, 0), end=(11, 0)):
    meeting = meet(branch, MeetingKind.THEME_DAY, DAY, attendance=attendance)
    signin.open_signin(
        actor=SYSTEM,
        meeting=meeting,
        starts_at=dt.datetime(2026, 12, 7, *start, tzinfo=CST),
        ends_at=dt.datetime(2026, 12, 7, *end, tzinfo=CST),
    )
    return meeting


@pytest.fixture
def other_branch(world, seeded):
    org = make_org(
        world["w2"], "branch", "中共桃子湖二支部委员会", short_name="桃子湖二支部", host=world["c3"]
    )
    org.members = add_members(org, 4)
    appoint(org.members[0], org)
    return org


# -- services ------------------------------------------------------------------------------------


def test_member_signs_in_once_within_the_window(branch):
    meeting = opened(branch)
    user = account(branch.members[3], "dangyuan_t")
    token = signin.token_for(meeting)
    done = signin.sign_in(actor=user, token=token)
    assert (done.member, done.user, done.org_id) == (branch.members[3], user, branch.pk)
    assert AuditEvent.objects.filter(action="party.signin_recorded", subject_id=str(done.pk)).exists()
    assert AuditEvent.objects.filter(action="party.signin_opened", subject_id=str(meeting.pk)).exists()
    with pytest.raises(StateConflict, match="已于 10:00 签到"):
        signin.sign_in(actor=user, token=token)
    assert SignIn.objects.count() == 1


def test_refused_outside_the_window_with_the_times(branch):
    meeting = opened(branch, start=(14, 0), end=(16, 0))
    user = account(branch.members[3], "early")
    token = signin.token_for(meeting)
    with pytest.raises(ServiceError, match=r"签到尚未开始.*13:30 至 16:30"):
        signin.sign_in(actor=user, token=token)
    with clock.frozen(dt.datetime(2026, 12, 7, 13, 31, tzinfo=CST)):
        signin.sign_in(actor=user, token=token)  # 30 minutes early (signin.before_minutes)
    late = account(branch.members[4], "late")
    with (
        clock.frozen(dt.datetime(2026, 12, 7, 16, 31, tzinfo=CST)),
        pytest.raises(ServiceError, match="签到已结束"),
    ):
        signin.sign_in(actor=late, token=token)


def test_refused_for_another_branch_a_non_member_a_bad_token(branch, other_branch):
    meeting = opened(branch)
    token = signin.token_for(meeting)
    stranger = account(other_branch.members[1], "stranger")
    with pytest.raises(PermissionDenied, match="不是湖西社区党支部本次会议的参会党员"):
        signin.sign_in(actor=stranger, token=token)
    with pytest.raises(PermissionDenied, match="没有关联党员信息"):
        signin.sign_in(actor=UserFactory(username="nobody"), token=token)
    with pytest.raises(ServiceError, match="签到码无效") as error:
        signin.sign_in(actor=stranger, token=token[:-2] + "xx")
    assert error.value.field == "token"
    with pytest.raises(PermissionDenied, match="只能本人签到"):
        signin.sign_in(actor=stranger, token=token, member=branch.members[2])
    unopened = meet(branch, MeetingKind.COMMITTEE, DAY)
    with pytest.raises(ServiceError, match="未开启扫码签到"):
        signin.sign_in(actor=account(branch.members[1], "c1"), token=signin.token_for(unopened))


def test_open_signin_checks_scope_day_and_times(branch, world):
    meeting = meet(branch, MeetingKind.THEME_DAY, DAY)
    outsider = grant(world, "out_secretary", Role.BRANCH_SECRETARY, "b3")
    at = dt.datetime(2026, 12, 7, 9, 0, tzinfo=CST)
    with pytest.raises(PermissionDenied):
        signin.open_signin(actor=outsider, meeting=meeting, starts_at=at, ends_at=at + dt.timedelta(hours=2))
    with pytest.raises(ServiceError, match="召开日期") as error:
        signin.open_signin(
            actor=SYSTEM,
            meeting=meeting,
            starts_at=at - dt.timedelta(days=1),
            ends_at=at + dt.timedelta(hours=2),
        )
    assert error.value.field == "starts_at"
    with pytest.raises(ServiceError, match="结束时间须晚于开始时间"):
        signin.open_signin(actor=SYSTEM, meeting=meeting, starts_at=at, ends_at=at)
    with pytest.raises(ServiceError, match="签到时间已过"):
        signin.open_signin(
            actor=SYSTEM,
            meeting=meeting,
            starts_at=at - dt.timedelta(hours=1),
            ends_at=at - dt.timedelta(minutes=31),
        )
    window = signin.open_signin(
        actor=SYSTEM, meeting=meeting, starts_at=at, ends_at=at + dt.timedelta(hours=2)
    )
    again = signin.open_signin(
        actor=SYSTEM, meeting=meeting, starts_at=at, ends_at=at + dt.timedelta(hours=3)
    )
    assert again.pk == window.pk and AuditEvent.objects.filter(action="party.signin_opened").count() == 2


# -- the formalism rule --------------------------------------------------------------------------


def _signin_findings(branch, at=dt.datetime(2026, 12, 7, 11, 1, tzinfo=CST)):
    """The rule's findings once the meeting is over (a meeting under way is not judged)."""
    with clock.frozen(at):
        found = compliance.check(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), today=DAY)
    return [f for f in found if f.rule == "formalism.signin_mismatch"]


def test_mismatch_beyond_the_tolerance_is_a_formalism_finding(branch):
    members = branch.members
    # Typed: everyone present but members[7] absent. Signed in: 0–4 and members[7].
    meeting = opened(branch, attendance=all_present(members, {members[7].pk: "absent"}))
    token = signin.token_for(meeting)
    for m in [*members[:5], members[7]]:
        signin.sign_in(actor=SYSTEM, token=token, member=m)
    assert _signin_findings(branch, at=NOW) == []  # still under way
    (finding,) = _signin_findings(branch)
    assert "3 人不一致" in finding.reason
    names = "、".join(finding.evidence)
    assert f"{members[5].person.name}(登记出席,未扫码签到)" in names
    assert f"{members[7].person.name}(已扫码签到,登记为缺席)" in names
    rows = {r["member"].pk: r for r in signin.comparison(meeting)}
    assert not rows[members[5].pk]["agrees"] and rows[members[0].pk]["agrees"]


def test_matching_or_within_tolerance_is_no_finding(branch):
    members = branch.members
    meeting = opened(branch, attendance=all_present(members, {members[7].pk: ("leave", "外出务工")}))
    token = signin.token_for(meeting)
    for m in members[:6]:  # members[6] typed present, not signed in: 1 ≤ tolerance 1
        signin.sign_in(actor=SYSTEM, token=token, member=m)
    assert _signin_findings(branch) == []
    meet(branch, MeetingKind.BRANCH_ASSEMBLY, DAY)  # no sign-in: not judged
    assert _signin_findings(branch) == []


# -- pages ---------------------------------------------------------------------------------------


def test_secretary_opens_the_code_member_signs_in_on_the_page(client, branch, world):
    meeting = meet(branch, MeetingKind.THEME_DAY, DAY, attendance=all_present(branch.members))
    secretary = grant(world, "sec", Role.BRANCH_SECRETARY, "b1")
    secretary_here = UserFactory(username="sec_here")
    RoleGrantFactory(user=secretary_here, org=branch, role=Role.BRANCH_SECRETARY)
    url = reverse("party:meeting_signin_code", args=[meeting.pk])
    client.force_login(secretary)  # another branch's secretary
    assert client.get(url).status_code == 404
    client.force_login(secretary_here)
    page = client.get(url).content.decode()
    assert "开启签到码" in page and "<svg" not in page
    response = client.post(url, {"starts_at": "09:30", "ends_at": "11:00"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<svg" in page and "签到进行中" in page and "09:00 至 11:30(会议 09:30—11:00)" in page
    link = re.search(r'data-signin-url="([^"]+)"', page).group(1)
    assert link.startswith("http://testserver/party/signin/")
    member = account(branch.members[4], "phone")
    client.force_login(member)
    path = link.removeprefix("http://testserver")
    assert "确认签到" in client.get(path).content.decode()
    assert SignIn.objects.count() == 0  # opening the URL changes nothing
    client.post(path)
    assert "您已于 10:00 签到" in client.get(path).content.decode()
    client.force_login(secretary_here)
    detail = client.get(reverse("party:meeting", args=[meeting.pk])).content.decode()
    assert "扫码签到与出席登记对照" in detail and "待签到" in detail and "不一致" not in detail
    with clock.frozen(dt.datetime(2026, 12, 7, 11, 31, tzinfo=CST)):
        assert "不一致" in client.get(reverse("party:meeting", args=[meeting.pk])).content.decode()


def test_sign_in_page_refusal_is_shown_plainly(client, branch, other_branch):
    meeting = opened(branch)
    client.force_login(account(other_branch.members[1], "stranger"))
    response = client.post(reverse("party:signin", args=[signin.token_for(meeting)]))
    assert response.status_code == 403 and "不是湖西社区党支部本次会议的参会党员" in response.content.decode()
    assert client.get(reverse("party:signin", args=["nonsense"])).status_code == 400


def test_qr_code_is_svg_of_the_url():
    svg = qr_svg("http://testserver/party/signin/abc:def/")
    assert svg.startswith("<svg") and "<script" not in svg and "签到码" in svg


def test_my_page_shows_my_records_and_nobody_elses(client, branch):
    me, other = branch.members[3], branch.members[5]
    meeting = opened(branch, attendance=all_present(branch.members, {other.pk: "absent"}))
    talks.record_talk(
        actor=SYSTEM,
        org=branch,
        held_on=dt.date(2026, 11, 2),
        initiator=branch.members[0],
        other=me,
        summary="交流了近期思想和工作情况,对支部组织生活提出了改进建议。",
    )
    user = account(me, "me_user")
    signin.sign_in(actor=user, token=signin.token_for(meeting))
    client.force_login(user)
    page = client.get(reverse("party:me")).content.decode()
    assert me.person.name in page
    assert "已扫码签到 10:00" in page and meeting.topic in page
    assert "学时" in page and "近一年谈心谈话(1 次)" in page and branch.members[0].person.name in page
    assert other.person.name not in page
    # Nothing of the branch's pages, another member's pages or the meeting page.
    for url in (
        reverse("party:org", args=[branch.pk]),
        reverse("party:member_dues", args=[other.pk]),
        reverse("party:member_dues", args=[me.pk]),
        reverse("party:meeting", args=[meeting.pk]),
        reverse("party:meeting_signin_code", args=[meeting.pk]),
        reverse("party:talks", args=[branch.pk]),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert "我的党员信息" in page
    home = client.get("/").content.decode()
    assert "学习学时" in home and reverse("party:me") in home
    assert reverse("orgs:detail", args=[branch.pk]) not in home  # no scope to show


def test_my_page_without_a_member_record(client, world):
    client.force_login(UserFactory(username="plain"))
    assert "没有关联党员信息" in client.get(reverse("party:me")).content.decode()


def test_signins_are_scoped(branch, other_branch, world):
    meeting = opened(branch)
    user = account(branch.members[3], "m3")
    mine = signin.sign_in(actor=user, token=signin.token_for(meeting))
    signin.sign_in(actor=SYSTEM, token=signin.token_for(meeting), member=branch.members[4])
    assert list(SignIn.objects.visible_to(user)) == [mine]
    insider = grant(world, "in_sec", Role.PARTY_COMMITTEE, "w1")
    outsider = grant(world, "out_sec", Role.PARTY_COMMITTEE, "w2")
    assert SignIn.objects.visible_to(insider).count() == 2
    assert SignIn.objects.visible_to(outsider).count() == 0
    assert AttendanceStatus.PRESENT  # the typed list keeps its own statuses
