"""Development pages: scoping (outsider 404), the board's due/overdue, the step form's refusal
with the rule named, the overview's deviation list and the plan findings."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from orgs.roles import Role
from party import compliance
from party.development import services as development_services

from ..conftest import grant
from .test_development import D, apply, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, branch):
    shuji = grant(world, "dev_shuji", Role.BRANCH_SECRETARY, "w1")
    from orgs.models import RoleGrant

    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    return {
        "shuji": shuji,
        "zuzhibu": grant(world, "dev_zzb", Role.ORG_DEPT, "party"),
        "outsider": grant(world, "dev_out", Role.BRANCH_SECRETARY, "b3"),
        "other_dept": grant(world, "dev_other", Role.ORG_DEPT, "other_party"),
        "shequ": grant(world, "dev_shequ", Role.COMMUNITY_STAFF, "c2"),
    }


def test_scoping_matrix(client, people, branch):
    a = apply(branch)
    urls = [
        reverse("party:development_board", args=[branch.pk]),
        reverse("party:development_applicant", args=[a.pk]),
    ]
    for who in ("shuji", "zuzhibu"):
        client.force_login(people[who])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200 and "申请人甲" in response.content.decode()
    for who in ("outsider", "other_dept", "shequ"):
        client.force_login(people[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.get(reverse("party:development_apply", args=[branch.pk])).status_code == 404
        response = client.post(
            reverse("party:development_applicant", args=[a.pk]),
            {"number": 2, "expected_step": 1, "done_on": "2023-03-10"},
        )
        assert response.status_code == 404
    a.refresh_from_db()
    assert a.step == 1


def test_outsider_cannot_act_through_the_service(people, branch):
    a = apply(branch)
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        development_services.record_step(
            actor=people["outsider"], applicant=a, number=2, done_on=D[2], people=[branch.members[0].person]
        )


def test_board_shows_overdue_and_step_form_refuses_with_rule(client, people, branch):
    a = apply(branch)
    client.force_login(people["shuji"])
    page = client.get(reverse("party:development_board", args=[branch.pk])).content.decode()
    assert "已超期" in page and "2023-04-01" in page
    response = client.post(
        reverse("party:development_applicant", args=[a.pk]),
        {"number": 3, "expected_step": 1, "done_on": "2023-03-10"},
    )
    assert response.status_code == 200
    assert "须先完成第2步" in response.content.decode()
    response = client.post(
        reverse("party:development_applicant", args=[a.pk]),
        {
            "number": 2,
            "expected_step": 1,
            "done_on": "2023-04-20",
            "people": [branch.members[0].person.pk],
            "confirm": "1",
            "confirm_reason": "申请人外出,返回后谈话",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert "谈话晚于期限 2023-04-01" in page and "第七条" not in page  # the source: staff help panel only
    client.force_login(people["zuzhibu"])
    page = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert "谈话晚于期限 2023-04-01" in page and "data-help" in page and "第七条" in page


def test_apply_form_refuses_under_18(client, people, branch):
    client.force_login(people["shuji"])
    response = client.post(
        reverse("party:development_apply", args=[branch.pk]),
        {"name": "小明", "gender": "M", "birth_date": "2008-06-02", "applied_on": "2026-06-01"},
    )
    assert "未满18周岁" in response.content.decode()
    response = client.post(
        reverse("party:development_apply", args=[branch.pk]),
        {"name": "小明", "gender": "M", "birth_date": "2008-06-01", "applied_on": "2026-06-01"},
    )
    assert response.status_code == 302


def test_overview_shows_stages_deviation_and_versions(client, people, branch):
    a = apply(branch)
    development_services.record_step(
        actor=SYSTEM, applicant=a, number=2, done_on=dt.date(2023, 4, 20), people=[branch.members[0].person]
    )
    client.force_login(people["zuzhibu"])
    page = client.get(reverse("party:development_overview")).content.decode()
    assert "谈话晚于期限" in page and "2026年版" in page and "未经确认" in page
    client.force_login(people["outsider"])
    page = client.get(reverse("party:development_overview")).content.decode()
    assert "申请人甲" not in page


def test_quota_and_rush_findings(branch, world):
    applicants = [walk(apply(branch, name=f"对象{i}"), branch, 14) for i in range(3)]
    for i, a in enumerate(applicants):
        from .test_development import assembly

        meeting = assembly(branch, dt.date(2024, 10, 10 + i))
        development_services.record_step(
            actor=SYSTEM,
            applicant=a,
            number=15,
            done_on=dt.date(2024, 10, 10 + i),
            vote=development_services.Vote(meeting=meeting, yes=8),
        )
    development_services.set_plan(actor=SYSTEM, org=world["w1"], year=2024, quota=2, women_min=2)
    found = compliance.check(
        world["w1"], dt.date(2024, 1, 1), dt.date(2024, 12, 31), today=dt.date(2025, 1, 5)
    )
    rules = {f.rule for f in found}
    assert {"dev.quota_exceeded", "dev.rush"} <= rules
    quiet = compliance.check(
        world["w1"], dt.date(2023, 1, 1), dt.date(2023, 12, 31), today=dt.date(2024, 1, 5)
    )
    assert not {"dev.quota_exceeded", "dev.rush"} & {f.rule for f in quiet}


def test_plan_form(client, people, world):
    client.force_login(people["zuzhibu"])
    response = client.post(
        reverse("party:development_plan"), {"org": world["w1"].pk, "year": 2026, "quota": 5, "women_min": 2}
    )
    assert response.status_code == 302
    from party.development.models import DevelopmentPlan

    assert DevelopmentPlan.objects.get(org=world["w1"], year=2026).quota == 5
    client.force_login(people["outsider"])
    response = client.post(
        reverse("party:development_plan"), {"org": world["w1"].pk, "year": 2026, "quota": 9}
    )
    assert DevelopmentPlan.objects.get(org=world["w1"], year=2026).quota == 5
