"""Meeting photos and files and development documents through the media view: the meeting's and
the applicant's scoping; never public."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.urls import reverse

from core import media
from core.actors import SYSTEM
from orgs.roles import Role
from party.development import services as development_services
from party.life import services
from party.models import MeetingKind
from tests.mediatools import assert_images_load, body, img_srcs, jpeg, pdf

from ..conftest import grant
from .conftest import all_present

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world, branch):
    world.orgs["hx"] = branch
    return {
        "shuji": grant(world, "pm_shuji", Role.BRANCH_SECRETARY, "hx"),
        "zuzhibu": grant(world, "pm_zzb", Role.ORG_DEPT, "party"),
        "outsider": grant(world, "pm_out", Role.BRANCH_SECRETARY, "b3"),
        "other_dept": grant(world, "pm_other", Role.ORG_DEPT, "other_party"),
    }


@pytest.fixture
def meeting(branch):
    return services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.BRANCH_ASSEMBLY,
        held_on=dt.date(2026, 9, 10),
        topic="讨论接收预备党员",
        attendance=all_present(branch.members),
        minutes="会议讨论了接收预备党员事项。" * 10,
        photos=[jpeg("支部大会 现场.jpg")],
        documents=[pdf("会议记录.pdf")],
    )


def test_meeting_files_follow_the_meeting(client, meeting, people):
    photo = meeting.attachments.get(kind="photo")
    document = meeting.attachments.get(kind="file")
    for who in ("shuji", "zuzhibu"):
        client.force_login(people[who])
        response = client.get(media.media_url(photo.file))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        response = client.get(media.media_url(document.file))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert body(response).startswith(b"%PDF")
        assert "filename*=utf-8''" + quote("会议记录.pdf") in response["Content-Disposition"]
    for who in ("outsider", "other_dept"):
        client.force_login(people[who])
        assert client.get(media.media_url(photo.file)).status_code == 404
        assert client.get(media.media_url(document.file)).status_code == 404
    client.logout()
    assert client.get(media.media_url(photo.file)).status_code == 404
    # No public rule: even a validly signed link opens nothing.
    token = media.public_token(photo.file.name, "anything")
    assert client.get(f"{media.media_url(photo.file)}?s={token}").status_code == 404


def test_meeting_page_images_load(client, meeting, people):
    client.force_login(people["shuji"])
    assert_images_load(client, reverse("party:meeting", args=[meeting.pk]), expected=1)


def test_accel_redirect_of_a_chinese_file_name(client, meeting, people, settings):
    settings.LUOSHI_MEDIA_ACCEL_PREFIX = "/protected-media/"
    document = meeting.attachments.get(kind="file")  # stored under its own (Chinese) name
    client.force_login(people["shuji"])
    response = client.get(media.media_url(document.file))
    assert response["X-Accel-Redirect"] == "/protected-media/" + quote(document.file.name)
    assert response["X-Accel-Redirect"].isascii() and "会议记录" in document.file.name
    assert response["Content-Type"] == "application/pdf" and response.content == b""


def test_development_documents_follow_the_applicant(client, branch, people):
    applicant = development_services.apply_for_membership(
        actor=SYSTEM,
        branch=branch,
        applied_on=dt.date(2023, 3, 1),
        name="申请人甲",
        gender="F",
        birth_date=dt.date(1995, 5, 4),
        documents=[("入党申请书", pdf("申请书.pdf"))],
    )
    document = applicant.steps.get().documents.get()
    client.force_login(people["shuji"])
    page = client.get(reverse("party:development_applicant", args=[applicant.pk])).content.decode()
    assert media.media_url(document.file) in page and not img_srcs(page)
    response = client.get(media.media_url(document.file))
    assert response.status_code == 200 and body(response).startswith(b"%PDF")
    for who in ("outsider", "other_dept"):
        client.force_login(people[who])
        assert client.get(media.media_url(document.file)).status_code == 404
    client.logout()
    assert client.get(media.media_url(document.file)).status_code == 404
