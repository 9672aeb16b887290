"""民主评议党员: a rating per member (rules.md 1.16), reasons for the low ratings, corrections that
keep the prior rating, the finding when ratings are missing, the meeting page's form and scope."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role
from party.life import services
from party.models import Appraisal, MeetingKind, Member

from ..conftest import grant
from .test_compliance import check, meet, rules_of

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 8, 20)


def appraisal_meeting(branch):
    return meet(branch, MeetingKind.APPRAISAL, DAY, topic="2026年度民主评议党员")


def test_ratings_are_recorded_and_corrections_keep_the_prior_one(branch):
    meeting = appraisal_meeting(branch)
    a, b, c = branch.members[:3]
    saved = services.record_appraisal(
        actor=SYSTEM,
        meeting=meeting,
        ratings={a.pk: ("excellent", ""), b.pk: ("qualified", ""), c.pk: ("basic", "组织生活参加不够经常")},
    )
    assert len(saved) == 3
    with pytest.raises(ServiceError) as no_reason:
        services.record_appraisal(actor=SYSTEM, meeting=meeting, ratings={b.pk: ("excellent", "")})
    assert no_reason.value.field == "reason" and "更正原因" in no_reason.value.message
    services.record_appraisal(
        actor=SYSTEM, meeting=meeting, ratings={b.pk: ("excellent", "")}, reason="测评票统计有误"
    )
    rows = Appraisal.objects.filter(meeting=meeting, member=b).order_by("pk")
    assert [(r.rating, r.superseded_at is None) for r in rows] == [("qualified", False), ("excellent", True)]
    # Unchanged ratings are not written again.
    assert services.record_appraisal(actor=SYSTEM, meeting=meeting, ratings={a.pk: ("excellent", "")}) == []


def test_low_ratings_need_reasons_and_only_expected_members_of_an_appraisal_meeting(branch, world):
    meeting = appraisal_meeting(branch)
    member = branch.members[0]
    for rating in ("basic", "unqualified"):
        with pytest.raises(ServiceError) as error:
            services.record_appraisal(actor=SYSTEM, meeting=meeting, ratings={member.pk: (rating, " ")})
        assert "请填写评议意见" in error.value.message
    with pytest.raises(ServiceError):
        services.record_appraisal(actor=SYSTEM, meeting=meeting, ratings={member.pk: ("great", "")})
    stranger = Member.objects.exclude(org=branch).first()
    with pytest.raises(ServiceError) as outside:
        services.record_appraisal(actor=SYSTEM, meeting=meeting, ratings={stranger.pk: ("qualified", "")})
    assert "不是本次评议的应参加党员" in outside.value.message
    other = meet(branch, MeetingKind.THEME_DAY, DAY)
    with pytest.raises(ServiceError) as kind:
        services.record_appraisal(actor=SYSTEM, meeting=other, ratings={member.pk: ("qualified", "")})
    assert "民主评议党员" in kind.value.message
    outsider = grant(world, "sj_out", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        services.record_appraisal(actor=outsider, meeting=meeting, ratings={member.pk: ("qualified", "")})
    assert not Appraisal.objects.exists()


def test_finding_until_every_member_is_rated(branch):
    meeting = appraisal_meeting(branch)
    found = [f for f in check(branch) if f.rule == "appraisal.unrated"]
    assert len(found) == 1 and "应评议 8 人,已评定等次 0 人" in found[0].reason
    services.record_appraisal(
        actor=SYSTEM, meeting=meeting, ratings={m.pk: ("qualified", "") for m in branch.members[:7]}
    )
    assert "已评定等次 7 人" in next(f.reason for f in check(branch) if f.rule == "appraisal.unrated")
    services.record_appraisal(
        actor=SYSTEM, meeting=meeting, ratings={branch.members[7].pk: ("qualified", "")}
    )
    assert "appraisal.unrated" not in rules_of(check(branch))


def test_meeting_page_form(client, world, branch):
    meeting = appraisal_meeting(branch)
    secretary = grant(world, "sj_ap", Role.BRANCH_SECRETARY, "w1")
    client.force_login(secretary)
    url = reverse("party:meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    first, second = branch.members[:2]
    assert f'name="rating_{first.pk}"' in page and "保存评议结果" in page
    post = reverse("party:meeting_appraisal", args=[meeting.pk])
    bad = client.post(post, {f"rating_{first.pk}": "unqualified", f"note_{first.pk}": ""})
    assert bad.status_code == 400 and "请填写评议意见" in bad.content.decode()
    assert 'value="unqualified" selected' in bad.content.decode()  # what was chosen is kept
    ok = client.post(post, {f"rating_{first.pk}": "excellent", f"rating_{second.pk}": "qualified"})
    assert ok.status_code == 302
    assert Appraisal.objects.filter(meeting=meeting, superseded_at__isnull=True).count() == 2
    client.force_login(grant(world, "sj_other", Role.BRANCH_SECRETARY, "b3"))
    assert client.post(post, {f"rating_{first.pk}": "qualified"}).status_code == 404
