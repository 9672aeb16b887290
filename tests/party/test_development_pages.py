"""Pages of corrections, the 党委's approval queue and the printable forms: scope (an outsider gets
404 and cannot act), the correction form's refusal naming the field, the queue's decision refused
for a body without authority, and print pages without scripts."""

import datetime as dt

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from orgs.models import RoleGrant
from orgs.roles import Role
from party.development import services as development_services
from party.development.models import ApplicantStatus

from ..conftest import grant
from ..factories import make_org
from .test_development import D, apply, assembly, committee, step, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, branch):
    shuji = grant(world, "pg_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    return {
        "shuji": shuji,
        "zuzhibu": grant(world, "pg_zzb", Role.ORG_DEPT, "party"),
        "outsider": grant(world, "pg_out", Role.BRANCH_SECRETARY, "b3"),
    }


def live(a, number):
    return a.steps.get(number=number, superseded_at__isnull=True)


def test_correction_page(client, people, branch):
    a = walk(apply(branch), branch, 2, dates={2: dt.date(2023, 4, 10)})
    url = reverse("party:development_correct", args=[live(a, 2).pk])
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "done_on": "2023-03-25"}).status_code == 404
    client.force_login(people["shuji"])
    page = client.get(url).content.decode()
    assert "更正原因" in page and "2023-04-10" in page
    response = client.post(
        url, {"reason": "", "done_on": "2023-03-25", "people": [branch.members[0].person.pk]}
    )
    assert "请填写更正原因" in response.content.decode()
    response = client.post(
        url, {"reason": "日期录错", "done_on": "2023-03-25", "people": [branch.members[0].person.pk]}
    )
    assert response.status_code == 302
    timeline = client.get(reverse("party:development_applicant", args=[a.pk])).content.decode()
    assert "已更正" in timeline and "更正原因:日期录错" in timeline and "原记录" in timeline
    response = client.post(
        reverse("party:development_correct", args=[live(a, 2).pk]),
        {"reason": "再改", "done_on": "2023-02-28", "people": [branch.members[0].person.pk]},
    )
    # Before the application date: refused, the field named.
    assert "日期不能早于上一步" in response.content.decode()


def test_approval_queue_and_decision(client, people, branch, world):
    a = walk(apply(branch), branch, 16)
    b = walk(apply(branch, name="申请人乙"), branch, 22)
    meeting = assembly(branch, D[23])
    step(
        b,
        23,
        D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=6,
    )
    street = committee(branch)
    url = reverse("party:development_approvals") + f"?org={street.pk}"
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(people["zuzhibu"])
    page = client.get(url).content.decode()
    assert "接收预备党员" in page and "延长预备期 6 个月" in page and "登记审批" in page
    decide = reverse("party:development_decide", args=[b.pk])
    response = client.post(
        decide,
        {
            "org": street.pk,
            f"a{b.pk}-done_on": "2025-11-10",
            f"a{b.pk}-passed": "1",
            f"a{b.pk}-expected_step": 23,
        },
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.extended_months == 6 and b.step == 22
    # A general branch (总支) under the committee has no authority: no decision form, refused by post.
    general = make_org(street, "general_branch", "某社区党总支")
    page = client.get(reverse("party:development_approvals") + f"?org={general.pk}").content.decode()
    assert "只有党委可以审批" in page
    response = client.post(
        reverse("party:development_decide", args=[a.pk]),
        {
            "org": general.pk,
            f"a{a.pk}-done_on": "2024-11-20",
            f"a{a.pk}-passed": "1",
            f"a{a.pk}-expected_step": 16,
        },
        follow=True,
    )
    assert "只有党委可以审批" in response.content.decode()
    a.refresh_from_db()
    assert a.step == 16 and a.status == ApplicantStatus.ACTIVE
    # The branch secretary sees the queue item but cannot decide for the committee.
    client.force_login(people["shuji"])
    response = client.post(
        reverse("party:development_decide", args=[a.pk]),
        {
            "org": street.pk,
            f"a{a.pk}-done_on": "2024-11-20",
            f"a{a.pk}-passed": "1",
            f"a{a.pk}-expected_step": 16,
        },
    )
    assert response.status_code == 404
    a.refresh_from_db()
    assert a.step == 16


def test_print_pages(client, people, branch):
    a = walk(apply(branch), branch, 17)
    development_services.correct_step(actor=SYSTEM, step=live(a, 2), reason="补充说明", note="谈话记录已补")
    client.force_login(people["zuzhibu"])
    for name, text in (
        ("party:development_print", "发展党员全程纪实表"),
        ("party:development_print_form", "发展对象接收预备党员情况表"),
    ):
        page = client.get(reverse(name, args=[a.pk])).content.decode()
        assert text in page and "@media print" in page and "<script" not in page
        assert a.person.name in page
    record = client.get(reverse("party:development_print", args=[a.pk])).content.decode()
    assert "已更正:补充说明" in record and "更正 1 处" in record and "✓ 符合" in record
    queue = client.get(
        reverse("party:development_approvals_print") + f"?org={committee(branch).pk}"
    ).content.decode()
    assert "发展党员审批队列" in queue and "<script" not in queue
    client.force_login(people["outsider"])
    assert client.get(reverse("party:development_print", args=[a.pk])).status_code == 404
    assert client.get(reverse("party:development_print_form", args=[a.pk])).status_code == 404
