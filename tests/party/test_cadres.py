"""Leading cadres' dual organization life (双重组织生活): the branch-life rule at the quarter's edge,
the team's 民主生活会, and who may mark a cadre."""

import datetime as dt

import pytest

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role
from party import compliance
from party.life import services
from party.models import LeadingCadre, MeetingKind
from party.terms import cadres

from ..conftest import grant
from .conftest import REF, all_present
from .test_compliance import meet

pytestmark = pytest.mark.django_db

Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def mark(branch, world, member_index=5, start=dt.date(2025, 1, 1)):
    return cadres.mark_leading_cadre(
        actor=SYSTEM,
        member=branch.members[member_index],
        team=world["w1"],
        title="党工委委员",
        start_on=start,
    )


def findings(org, rule, start=Q3[0]):
    return [f for f in compliance.check(org, start, Q3[1], today=REF) if f.rule == rule]


def test_cadre_absent_from_branch_life_in_the_quarter_is_flagged(world, branch):
    mark(branch, world)
    absent = all_present(branch.members, {branch.members[5].pk: "absent"})
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 8, 8), attendance=absent)
    found = findings(branch, "cadre.dual_life")
    assert len(found) == 1 and "2026年第3季度" in found[0].reason and "党工委委员" in found[0].reason


def test_one_meeting_on_the_quarters_last_day_is_enough(world, branch):
    mark(branch, world)
    meet(branch, MeetingKind.THEME_DAY, dt.date(2026, 9, 30))  # everyone present, the cadre too
    assert not findings(branch, "cadre.dual_life")


def test_cadre_who_left_the_team_is_not_checked(world, branch):
    cadre = mark(branch, world)
    cadres.end_leading_cadre(actor=SYSTEM, cadre=cadre, end_on=dt.date(2026, 6, 30), reason="退休")
    assert not findings(branch, "cadre.dual_life")


def test_team_without_democratic_life_meeting_in_the_year(world, branch):
    mark(branch, world)
    found = findings(world["w1"], "cadre.democratic_life", start=dt.date(2025, 1, 1))
    assert any("2025年度" in f.reason and "未召开民主生活会" in f.reason for f in found)
    services.record_meeting(
        actor=SYSTEM,
        org=world["w1"],
        kind=MeetingKind.DEMOCRATIC_LIFE,
        held_on=dt.date(2025, 12, 20),
        topic="2025年度民主生活会",
        attendance=all_present([branch.members[5]]),
        minutes="班子成员逐一对照检查,开展批评和自我批评。" * 5,
        decisions="形成整改清单",
    )
    found = findings(world["w1"], "cadre.democratic_life", start=dt.date(2025, 1, 1))
    assert not any("2025年度" in f.reason for f in found)


def test_democratic_life_is_the_teams_meeting_not_a_branchs(branch):
    with pytest.raises(ServiceError, match="民主生活会由党委"):
        services.record_meeting(
            actor=SYSTEM,
            org=branch,
            kind=MeetingKind.DEMOCRATIC_LIFE,
            held_on=dt.date(2026, 8, 1),
            topic="民主生活会",
            attendance=all_present(branch.members),
        )


def test_only_the_branch_marks_its_cadres(world, branch):
    outsider = grant(world, "out", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        cadres.mark_leading_cadre(
            actor=outsider,
            member=branch.members[5],
            team=world["w1"],
            title="委员",
            start_on=dt.date(2025, 1, 1),
        )
    with pytest.raises(ServiceError, match="领导班子须为党委"):
        cadres.mark_leading_cadre(
            actor=SYSTEM, member=branch.members[5], team=branch, title="委员", start_on=dt.date(2025, 1, 1)
        )
    mark(branch, world)
    assert not LeadingCadre.objects.visible_to(outsider).exists()
    assert LeadingCadre.objects.visible_to(grant(world, "in", Role.ORG_DEPT, "party")).count() == 1


def test_cadre_pages(client, world, branch):
    from django.urls import reverse

    from ..factories import RoleGrantFactory, UserFactory

    shuji = UserFactory(username="shuji_c")
    RoleGrantFactory(user=shuji, org=branch, role=Role.BRANCH_SECRETARY)
    client.force_login(shuji)
    url = reverse("party:cadre_new", args=[branch.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"member": branch.members[5].pk, "team": world["w1"].pk, "title": "", "start_on": "2026-01-05"}
    )
    assert "请填写领导职务" in response.content.decode()
    response = client.post(
        url,
        {
            "member": branch.members[5].pk,
            "team": world["w1"].pk,
            "title": "党工委委员",
            "start_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    assert "党工委委员" in page and "双重组织生活" in page
    cadre = LeadingCadre.objects.get()
    client.force_login(grant(world, "out", Role.BRANCH_SECRETARY, "b3"))
    assert client.get(url).status_code == 404
    assert client.post(reverse("party:cadre_end", args=[cadre.pk]), {"reason": "x"}).status_code == 404
