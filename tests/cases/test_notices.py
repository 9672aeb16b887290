"""督办通知 page: who sees which notices, replies by the addressed unit, and the home sections."""

import pytest
import time_machine

from cases.models import NoticeKind, SupervisionNotice
from cases.supervision import supervise

from .conftest import at, new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        walk(new_case(world), actors, world, category, "dispatched")  # d1 must sign by 15:00
    supervise(at(2026, 11, 23, 16))
    return SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)


def test_units_see_and_answer_their_notices(client, notice, actors):
    client.force_login(actors["handler"])
    page = client.get("/cases/notices/").content.decode()
    assert notice.case.number in page and f"form-reply-{notice.pk}" in page
    assert "督办通知单待回复" in client.get("/").content.decode()
    response = client.post(f"/cases/notices/{notice.pk}/reply/", {"reply": " "})
    assert response.status_code == 400 and "请填写情况说明" in response.content.decode()
    response = client.post(f"/cases/notices/{notice.pk}/reply/", {"reply": "人员外出巡查未及时签收,已整改"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.replied_by == actors["handler"] and notice.reply.startswith("人员外出")
    page = client.get("/cases/notices/?state=replied").content.decode()
    assert notice.case.number in page and f"form-reply-{notice.pk}" not in page
    assert "督办通知单待回复" not in client.get("/").content.decode()


def test_notice_scoping(client, notice, actors):
    # Another department sees nothing and cannot reply; the supervision office sees it but the
    # reply form is for the unit.
    client.force_login(actors["other_handler"])
    assert notice.case.number not in client.get("/cases/notices/").content.decode()
    assert client.post(f"/cases/notices/{notice.pk}/reply/", {"reply": "x"}).status_code == 404
    client.force_login(actors["supervisor"])
    page = client.get("/cases/notices/?state=awaiting").content.decode()
    assert notice.case.number in page and f"form-reply-{notice.pk}" not in page
    assert client.post(f"/cases/notices/{notice.pk}/reply/", {"reply": "x"}).status_code == 403
    # Residents have no notices page.
    client.force_login(actors["worker"])
    assert client.get("/cases/notices/").status_code == 200  # grid workers handle cases
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get("/cases/notices/").status_code == 404


def test_supervision_desk_on_the_home_page(client, notice, actors, world):
    from cases import approvals

    case = walk(new_case(world), actors, world, notice.case.category, "closed")
    approvals.request_exclusion(case, actor=actors["dispatcher"], reason="诉求于法无据")
    client.force_login(actors["supervisor"])
    page = client.get("/").content.decode()
    assert "督查问效" in page and "待审批(重办/不合理诉求认定)" in page
    client.force_login(actors["dispatcher"])
    assert "待审批(延期/挂账)" in client.get("/").content.decode()
