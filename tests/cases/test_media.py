"""Case photos through the media view: staff who see the case get every photo; others 404; the
public gets only a public case's report photos and the unit's feedback (after) photos, through the
tracking page's signed links."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases import coordination, services
from cases.models import AttachmentStage
from cases.portal_views import tracking_url
from core import media
from tests.factories import UserFactory
from tests.mediatools import assert_images_load, body, jpeg

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(world, actors, category):
    """A public case with two report photos and one feedback photo of the lead unit."""
    case = new_case(world, uploads=[jpeg("a.jpg"), jpeg("b.jpg", "red")])
    case = walk(case, actors, world, category, "handling")
    lead = case.assignments.get(role="lead")
    services.give_feedback(lead, actor=actors["handler"], text="已清运", uploads=[jpeg("c.jpg", "green")])
    return type(case).objects.get(pk=case.pk)


def photos(case, stage):
    return list(case.attachments.filter(stage=stage))


def test_staff_who_see_the_case_get_every_photo(client, case, actors):
    for who in ("dispatcher", "handler", "community", "supervisor"):
        client.force_login(actors[who])
        for photo in case.attachments.all():
            response = client.get(media.media_url(photo.file))
            assert response.status_code == 200, who
            assert response["Content-Type"] == "image/jpeg"
            assert body(response)[:2] == b"\xff\xd8"


def test_outsiders_and_residents_get_404(client, case, actors, world):
    resident = UserFactory(username="m_resident")  # a login with no role
    for user in (actors["other_dispatcher"], actors["other_handler"], actors["other_community"], resident):
        client.force_login(user)
        for photo in case.attachments.all():
            assert client.get(media.media_url(photo.file)).status_code == 404


def test_anonymous_needs_the_signed_link_of_a_public_report_photo(client, case, actors):
    report, feedback = photos(case, AttachmentStage.REPORT)[0], photos(case, AttachmentStage.FEEDBACK)[0]
    services.check_case(
        case, actor=actors["community"], passed=False, note="未清理干净", uploads=[jpeg("d.jpg")]
    )
    check = photos(case, AttachmentStage.CHECK)[0]
    assert client.get(media.media_url(report.file)).status_code == 404  # a name alone: nothing
    with time_machine.travel(NOON, tick=False):
        link = media.public_media_url(report.file)
        assert client.get(link).status_code == 200
        # The unit's feedback ("after") photo is on the tracking page too: its signed link opens.
        assert client.get(media.public_media_url(feedback.file)).status_code == 200
        # A signature made for the checker's photo (a stage the tracking page does not show) …
        forged = media.public_media_url(check.file)
        assert client.get(forged).status_code == 404
        # … a tampered or missing signature, or one for another file, opens nothing.
        assert client.get(link[:-2] + ("xy" if not link.endswith("xy") else "zz")).status_code == 404
        assert client.get(link.split("?")[0] + "?s=").status_code == 404
        other = photos(case, AttachmentStage.REPORT)[1]
        assert client.get(media.media_url(other.file) + "?" + link.split("?")[1]).status_code == 404
    with time_machine.travel(NOON + dt.timedelta(days=3), tick=False):
        assert client.get(link).status_code == 404  # expired


def test_a_link_is_tied_to_the_case_token(client, case):
    report = photos(case, AttachmentStage.REPORT)[0]
    link = media.public_media_url(report.file)
    case.access_token = "rotated-token-123"
    case.save(update_fields=["access_token"])
    assert client.get(link).status_code == 404


def test_a_case_made_private_takes_its_photos_off_the_public(client, case, actors):
    report = photos(case, AttachmentStage.REPORT)[0]
    link = media.public_media_url(report.file)
    assert client.get(link).status_code == 200
    coordination.set_public(case, actor=actors["dispatcher"], public=False, reason="涉及个人隐私")
    assert client.get(link).status_code == 404
    page = client.get(tracking_url(case)).content.decode()
    assert report.file.name not in page
    client.force_login(actors["dispatcher"])
    assert client.get(media.media_url(report.file)).status_code == 200  # staff still see it


def test_case_page_images_load_for_staff(client, case, actors):
    client.force_login(actors["dispatcher"])
    sources = assert_images_load(client, reverse("cases:detail", args=[case.number]), expected=3)
    assert all(src.startswith("/media/cases/") and "?s=" not in src for src in sources)


def test_tracking_page_images_load_for_anyone_with_the_link(client, case, actors):
    sources = assert_images_load(client, tracking_url(case), expected=3)  # report + the unit's after photo
    feedback = photos(case, AttachmentStage.FEEDBACK)[0]
    assert any(feedback.file.name in src for src in sources)
    client.force_login(actors["other_dispatcher"])  # a logged-in outsider follows the same link
    assert_images_load(client, tracking_url(case), expected=3)


def test_patrol_before_and_after_photos_are_staff_only(client, world, actors, category):
    client.force_login(actors["worker"])
    case = services.patrol_on_spot(
        actor=actors["worker"],
        description="人行道上堆放建筑垃圾,已现场清理",
        grid=world["g1"],
        category=category,
        before_photos=[jpeg("before.jpg")],
        after_photos=[jpeg("after.jpg", "white")],
    )
    assert_images_load(client, reverse("cases:detail", args=[case.number]), expected=2)
    client.logout()
    assert_images_load(client, tracking_url(case), expected=0)
    for photo in case.attachments.all():
        assert client.get(media.public_media_url(photo.file)).status_code == 404
