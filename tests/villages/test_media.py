"""Village item photos through the media view: staff of the village see them; outsiders 404; the
public sees the live photos of published items through the public page's signed links."""

import pytest
from django.urls import reverse

from core import media
from orgs.roles import Role
from tests.mediatools import assert_images_load, body, jpeg
from villages import services
from villages.models import DecisionStatus

from ..conftest import grant
from .test_villages import propose, through

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world, village):
    return {
        "shuji": grant(world, "vm_shuji", Role.BRANCH_SECRETARY, "vbranch"),
        "staff": grant(world, "vm_staff", Role.COMMUNITY_STAFF, "village"),
        "town": grant(world, "vm_town", Role.DISPATCHER, "town"),
        "outsider": grant(world, "vm_out", Role.COMMUNITY_STAFF, "c1"),
    }


@pytest.fixture
def published(village, people):
    d = through(propose(village), 5)
    assert d.status == DecisionStatus.DISCLOSED
    services.add_photos(actor=people["shuji"], decision=d, uploads=[jpeg("a.jpg")], caption="公示栏")
    services.add_photos(actor=people["shuji"], decision=d, uploads=[jpeg("b.jpg", "red")], stage="result")
    return d


def test_staff_see_the_photos_outsiders_do_not(client, published, people):
    for who in ("shuji", "staff", "town"):
        client.force_login(people[who])
        for photo in published.photos.all():
            response = client.get(media.media_url(photo.file))
            assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", who
            assert body(response)[:2] == b"\xff\xd8"
    client.force_login(people["outsider"])
    for photo in published.photos.all():
        assert client.get(media.media_url(photo.file)).status_code == 404


def test_public_page_photos_load_without_login(client, village, published):
    sources = assert_images_load(client, reverse("villages:public", args=[village.code]), expected=2)
    assert all("?s=" in src for src in sources)
    photo = published.photos.first()
    assert client.get(media.media_url(photo.file)).status_code == 404  # a name alone: nothing


def test_withdrawn_and_unpublished_photos_are_not_public(client, village, published, people):
    photo = published.photos.first()
    link = media.public_media_url(photo.file)
    assert client.get(link).status_code == 200
    services.withdraw_photo(actor=people["shuji"], photo=photo, reason="照片拍到村民面部")
    assert client.get(link).status_code == 404
    assert_images_load(client, reverse("villages:public", args=[village.code]), expected=1)
    client.force_login(people["staff"])
    assert client.get(media.media_url(photo.file)).status_code == 200  # kept in the record
    client.logout()
    # An item still being deliberated has no public page entry: a signed link opens nothing.
    draft = through(propose(village, actor=people["shuji"]), 3)
    services.add_photos(actor=people["shuji"], decision=draft, uploads=[jpeg("c.jpg")])
    early = draft.photos.get()
    assert client.get(media.public_media_url(early.file)).status_code == 404
    # An archived village has no public page either.
    village.archived_at = published.created_at
    village.save(update_fields=["archived_at"])
    other = published.photos.exclude(pk=photo.pk).get()
    assert client.get(media.public_media_url(other.file)).status_code == 404


def test_item_page_images_load_for_staff(client, published, people):
    client.force_login(people["staff"])
    assert_images_load(client, reverse("villages:detail", args=[published.pk]), expected=2)
