"""The media view itself (core/media.py): names it refuses, files no record owns, the response
headers, nginx's X-Accel-Redirect, storages other than the file system, the S3 settings.

Each file model's insider / outsider / anonymous rules are tested beside its app
(tests/<app>/test_media.py)."""

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse

from cases.models import CaseAttachment
from core import media
from orgs.roles import Role
from tests.cases.conftest import new_case
from tests.conftest import grant
from tests.mediatools import body, jpeg

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def photo(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = new_case(world, uploads=[jpeg()])
    return case.attachments.get()


@pytest.fixture
def insider(world):
    return grant(world, "m_jiedao", Role.DISPATCHER, "s1")


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "cases/../../luoshi/settings.py",
        "cases/2026/./x.jpg",
        "cases//x.jpg",
        "/etc/passwd",
        "cases\\..\\x.jpg",
        "cases/x.jpg\x00.png",
        "",
    ],
)
def test_unsafe_names_are_refused(name):
    assert not media.safe_name(name)


def test_safe_names():
    assert media.safe_name("cases/2026/12/0123abcd.jpg")
    assert media.safe_name("party/meetings/2026/09/12-支部大会 照片.jpg")


@pytest.mark.parametrize(
    "path",
    [
        "/media/../luoshi/settings.py",
        "/media/cases/../../luoshi/settings.py",
        "/media/cases/%2e%2e/%2e%2e/luoshi/settings.py",
        "/media//etc/passwd",
        "/media/cases%5c..%5cx.jpg",
    ],
)
def test_path_traversal_is_404(client, insider, photo, path):
    client.force_login(insider)
    assert client.get(path).status_code == 404


def test_a_file_no_record_owns_is_404(client, insider, photo, settings):
    client.force_login(insider)
    stray = settings.MEDIA_ROOT / "cases" / "2026" / "stray.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"\xff\xd8\xff not owned")
    assert client.get("/media/cases/2026/stray.jpg").status_code == 404
    assert client.get("/media/cases/2026/unknown.jpg").status_code == 404
    assert client.get("/media/other/place.jpg").status_code == 404  # under no registered prefix


def test_insider_gets_the_file_with_safe_headers(client, insider, photo):
    client.force_login(insider)
    response = client.get(media.media_url(photo.file))
    assert response.status_code == 200
    assert body(response) == photo.file.storage.open(photo.file.name).read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert client.head(media.media_url(photo.file)).status_code == 200
    assert client.post(media.media_url(photo.file)).status_code == 405


def test_a_record_whose_file_is_gone_is_404(client, insider, photo):
    client.force_login(insider)
    photo.file.storage.delete(photo.file.name)
    assert client.get(media.media_url(photo.file)).status_code == 404


def test_accel_redirect_when_behind_nginx(client, insider, photo, settings, world):
    settings.LUOSHI_MEDIA_ACCEL_PREFIX = "/protected-media/"
    client.force_login(insider)
    response = client.get(media.media_url(photo.file))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + quote(photo.file.name)
    assert response.content == b""  # nginx sends the bytes
    assert response["Content-Type"] == "image/jpeg" and response["Content-Disposition"].startswith("inline")
    # Still nothing for those who may not see the record.
    client.force_login(grant(world, "m_other", Role.DISPATCHER, "s2"))
    response = client.get(media.media_url(photo.file))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_other_storages_are_streamed(client, insider, world, settings):
    """An S3-like storage (here Django's in-memory one): the view streams from the storage and
    never uses X-Accel-Redirect, which only a file system behind nginx can honour."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.LUOSHI_MEDIA_ACCEL_PREFIX = "/protected-media/"
    case = new_case(world, uploads=[jpeg()])
    photo = case.attachments.get()
    assert type(photo.file.storage._wrapped).__name__ == "InMemoryStorage"
    client.force_login(insider)
    response = client.get(media.media_url(photo.file))
    assert response.status_code == 200 and "X-Accel-Redirect" not in response
    assert body(response)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "name, content_type, inline",
    [
        ("a/b.jpg", "image/jpeg", True),
        ("a/b.PNG", "image/png", True),
        ("a/b.pdf", "application/pdf", True),
        ("a/b.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
        ("a/b.html", "application/octet-stream", False),
        ("a/b.svg", "application/octet-stream", False),
        ("a/b", "application/octet-stream", False),
        ("a/b.tar.gz", "application/octet-stream", False),
    ],
)
def test_content_types(name, content_type, inline):
    assert media._content_type(name) == (content_type, inline)


def test_download_names_are_safe(photo):
    response = media.file_response(photo.file, filename='会议"记录"\r\n/../x.docx')
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("''")[-1]
    assert disposition.startswith("inline") or disposition.startswith("attachment")


def test_public_links_are_signed_and_expire(photo):
    with time_machine.travel(NOON, tick=False):
        url = media.public_media_url(photo.file)
        token = url.split("?s=", 1)[1]
        key = f"case:{photo.case_id}:{photo.case.access_token}"
        assert media.check_token(photo.file.name, key, token)
        assert not media.check_token(photo.file.name, "case:0:other", token)
        assert not media.check_token("cases/other.jpg", key, token)
        assert not media.check_token(photo.file.name, key, token[:-1] + ("A" if token[-1] != "A" else "B"))
        assert not media.check_token(photo.file.name, key, "")
        assert not media.check_token(photo.file.name, key, "notanumber.sig")
    with time_machine.travel(NOON + dt.timedelta(days=1), tick=False):
        assert media.check_token(photo.file.name, key, token)  # same link all day, valid the next
    with time_machine.travel(NOON + dt.timedelta(days=2), tick=False):
        assert not media.check_token(photo.file.name, key, token)


def test_every_file_model_is_registered():
    from party.development.models import StepDocument, SubmissionDocument
    from party.models import MeetingAttachment, ReviewReporter
    from villages.models import DecisionPhoto
    from walks.models import WalkPhoto
    from workplan.models import Accountability, Evidence, Plan

    kinds = {(k.model, k.field) for k in media.registered()}
    assert kinds == {
        (CaseAttachment, "file"),
        (MeetingAttachment, "file"),
        (StepDocument, "file"),
        (SubmissionDocument, "file"),
        (DecisionPhoto, "file"),
        (WalkPhoto, "file"),
        (Plan, "source_file"),
        (Evidence, "file"),
        (Accountability, "decision_file"),
        (ReviewReporter, "report_file"),
    }


def test_every_file_field_of_our_apps_is_registered():
    """A new FileField in any app must be registered, or its files would never be served."""
    from django.apps import apps
    from django.db import models

    ours = {
        "cases",
        "party",
        "villages",
        "workplan",
        "orgs",
        "core",
        "audit",
        "workdays",
        "api",
        "intel",
        "walks",
    }
    fields = {
        (model, field.name)
        for model in apps.get_models()
        if model._meta.app_label in ours
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert fields == {(k.model, k.field) for k in media.registered()}


def test_register_needs_both_public_functions():
    with pytest.raises(ValueError):
        media.register_media(CaseAttachment, "file", can_view=lambda u, r: True, public_key=lambda r: "")


def test_media_url_is_the_view(photo):
    assert media.media_url(photo.file) == reverse("media", args=[photo.file.name])
    assert media.media_url(CaseAttachment().file) == ""


# -- settings --------------------------------------------------------------------------------------


def test_media_storage_settings(monkeypatch):
    from luoshi.settings import media_storage

    assert media_storage("file") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    with pytest.raises(RuntimeError, match="file or s3"):
        media_storage("ftp")
    with pytest.raises(RuntimeError, match="LUOSHI_S3_BUCKET"):
        media_storage("s3")
    monkeypatch.setenv("LUOSHI_S3_BUCKET", "luoshi-media")
    monkeypatch.setenv("LUOSHI_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("LUOSHI_S3_REGION", "cn-central-1")
    monkeypatch.setenv("LUOSHI_S3_ACCESS_KEY", "AKEXAMPLE")
    monkeypatch.setenv("LUOSHI_S3_SECRET_KEY", "secret-example")
    config = media_storage("s3")
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == "luoshi-media" and options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    # With the optional extra installed (pip install 'luoshi[s3]'), the options are ones it accepts.
    s3 = pytest.importorskip("storages.backends.s3")
    storage = s3.S3Storage(**options)
    assert storage.bucket_name == "luoshi-media" and storage.endpoint_url == "http://127.0.0.1:9000"


def test_s3_storage_round_trip(client, insider, world, settings, monkeypatch):
    """With the optional S3 extra (and moto, a fake S3, installed): a photo uploaded through the
    services lands in the bucket, and the media view streams it to an insider and, through the
    signed public link, to an anonymous visitor. Skipped when either package is missing."""
    moto = pytest.importorskip("moto")
    pytest.importorskip("storages.backends.s3")
    import boto3

    from luoshi.settings import media_storage

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "LUOSHI_S3_BUCKET": "luoshi-media",
        "LUOSHI_S3_REGION": "us-east-1",
        "LUOSHI_S3_ACCESS_KEY": "testing",
        "LUOSHI_S3_SECRET_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="luoshi-media")
        settings.STORAGES = {**settings.STORAGES, "default": media_storage("s3")}
        settings.LUOSHI_MEDIA_ACCEL_PREFIX = "/protected-media/"  # ignored: not a file system
        case = new_case(world, uploads=[jpeg()])
        photo = case.attachments.get()
        stored = s3.get_object(Bucket="luoshi-media", Key=photo.file.name)["Body"].read()
        client.force_login(insider)
        response = client.get(media.media_url(photo.file))
        assert response.status_code == 200 and "X-Accel-Redirect" not in response
        assert body(response) == stored and response["Content-Type"] == "image/jpeg"
        client.logout()
        assert client.get(media.media_url(photo.file)).status_code == 404
        assert body(client.get(media.public_media_url(photo.file))) == stored
        s3.delete_object(Bucket="luoshi-media", Key=photo.file.name)
        client.force_login(insider)
        assert client.get(media.media_url(photo.file)).status_code == 404  # gone from the bucket
