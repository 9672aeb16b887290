"""The public portal: report without logging in, track by token, rate; no personal data shown."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import services
from cases.models import Case, CaseStatus
from orgs.roles import Role
from tests.conftest import grant

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # the rate limiter's counters
    yield
    cache.clear()


def photo(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def report_data(world, **extra):
    return {
        "description": "小区门口垃圾堆了三天",
        "area": world["c1"].pk,
        "address": "湖东路 1 号",
        "reporter_name": "王小明",
        "reporter_phone": "13987654321",
        **extra,
    }


def track_url(case, token=None):
    return f"{reverse('portal:case', args=[case.number])}?t={case.access_token if token is None else token}"


def test_report_form_lists_communities_by_street_and_public_categories(client, world):
    page = client.get(reverse("portal:report")).content.decode()
    assert '<optgroup label="望月湖街道">' in page and "湖东社区" in page and "桃子湖社区" in page
    assert "暴露垃圾" in page and "0301" not in page
    assert 'type="file"' in page and "multiple" in page


def test_anonymous_report_redirects_to_the_tracking_page(client, world):
    response = client.post(reverse("portal:report"), {**report_data(world), "photos": [photo()]})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{track_url(case)}&new=1"
    assert (case.channel, case.org, case.reporter_user) == ("public", world["c1"], None)
    assert case.reporter_phone_clear() == "13987654321"
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and "请保存查询链接" in page and case.access_token in page
    assert f"http://testserver/track/{case.number}/?t={case.access_token}" in page
    assert "已收到您反映的问题" in page
    assert "/media/cases/" in page  # the report photo (the case is public)


def test_tracking_needs_the_right_token(client, world):
    case = new_case(world)
    base = reverse("portal:case", args=[case.number])
    assert client.get(base).status_code == 404
    assert client.get(f"{base}?t=wrong").status_code == 404
    assert client.get(reverse("portal:case", args=["YL20000101-0001"]) + "?t=x").status_code == 404
    assert client.get(track_url(case)).status_code == 200


def test_track_form(client, world):
    case = new_case(world)
    assert client.get(reverse("portal:track")).status_code == 200
    response = client.get(reverse("portal:track"), {"number": case.number, "t": case.access_token})
    assert response.status_code == 302 and response["Location"] == track_url(case)
    response = client.get(reverse("portal:track"), {"number": case.number, "t": "guess"})
    assert response.status_code == 404 and "事项编号或查询码不正确" in response.content.decode()


def test_public_page_never_shows_personal_data(client, world, actors, category):
    case = walk(
        new_case(world, reporter_name="王小明", reporter_phone="13987654321"),
        actors,
        world,
        category,
        "closed",
    )
    page = client.get(track_url(case)).content.decode()
    assert "已结案" in page and "已办结,欢迎您评价" in page and "已交由区城市管理和综合执法局办理" in page
    for secret in ("王小明", "王**", "13987654321", "139****4321", "jiedao", "bumen", "shequ"):
        assert secret not in page
    # Internal notes of the timeline stay internal.
    assert "上报事项" not in page and "派遣意见" not in page


def test_photos_only_when_public(client, world):
    case = new_case(world, uploads=[photo()])
    assert "/media/cases/" in client.get(track_url(case)).content.decode()
    Case.objects.filter(pk=case.pk).update(is_public=False)
    assert "/media/cases/" not in client.get(track_url(case)).content.decode()


def test_rating_by_token(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "closed")
    page = client.get(track_url(case)).content.decode()
    assert "请您评价" in page
    response = client.post(reverse("portal:case", args=[case.number]), {"t": "wrong", "resolved": "1"})
    assert response.status_code == 404
    response = client.post(
        reverse("portal:case", args=[case.number]), {"t": case.access_token, "resolved": "1"}
    )
    assert response.status_code == 400 and "请选择满意度" in response.content.decode()
    response = client.post(
        reverse("portal:case", args=[case.number]),
        {"t": case.access_token, "resolved": "1", "satisfaction": "satisfied", "comment": "很快"},
    )
    assert response.status_code == 302 and response["Location"] == track_url(case)
    case.refresh_from_db()
    assert (case.rating_satisfaction, case.rating_resolved, case.rating_comment) == (
        "satisfied",
        True,
        "很快",
    )
    page = client.get(track_url(case)).content.decode()
    assert "感谢您的评价" in page and "满意度:<strong>满意</strong>" in page and "请您评价" not in page


def test_rate_limit(client, world):
    # A report the form refuses does not use up the allowance.
    assert (
        client.post(reverse("portal:report"), {**report_data(world), "reporter_phone": ""}).status_code == 400
    )
    for _ in range(5):
        assert client.post(reverse("portal:report"), report_data(world)).status_code == 302
    response = client.post(reverse("portal:report"), report_data(world))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert Case.objects.count() == 5
    # Another address is not affected.
    assert (
        client.post(reverse("portal:report"), report_data(world), REMOTE_ADDR="10.0.0.2").status_code == 302
    )


def test_daily_rate_limit(client, world, monkeypatch):
    import core.ratelimit

    now = [1_000_000_000.0]
    monkeypatch.setattr(core.ratelimit.time, "time", lambda: now[0])
    for hour in range(4):
        now[0] = 1_000_000_000.0 - 1_000_000_000.0 % 86400 + hour * 3600
        for _ in range(5):
            assert client.post(reverse("portal:report"), report_data(world)).status_code == 302
    now[0] += 3600
    assert client.post(reverse("portal:report"), report_data(world)).status_code == 429


def test_photo_validation_error_is_shown(client, world):
    fake = SimpleUploadedFile("x.jpg", b"this is not a picture", content_type="image/jpeg")
    response = client.post(reverse("portal:report"), {**report_data(world), "photos": [fake]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "文件“x.jpg”不是有效的图片" in page and "小区门口垃圾堆了三天" in page  # input kept
    assert not Case.objects.exists()


def test_report_errors(client, world):
    response = client.post(reverse("portal:report"), {**report_data(world), "reporter_phone": ""})
    assert (
        response.status_code == 400 and "请留下联系电话以便回访,或选择匿名反映" in response.content.decode()
    )
    response = client.post(reverse("portal:report"), {**report_data(world), "area": "", "address": ""})
    assert (
        response.status_code == 400
        and "请在地图上选择位置、选择所在社区,或填写地址" in response.content.decode()
    )
    response = client.post(
        reverse("portal:report"),
        {**report_data(world), "reporter_phone": "", "reporter_name": "", "anonymous": "on"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.anonymous and case.reporter_phone_clear() == ""


def test_logged_in_resident_sees_their_cases(client, world):
    resident = grant(world, "jumin", Role.RESIDENT, "c1")
    client.force_login(resident)
    client.post(reverse("portal:report"), report_data(world))
    case = Case.objects.get()
    assert case.reporter_user == resident
    page = client.get(reverse("portal:mine")).content.decode()
    assert case.number in page and f"?t={case.access_token}" in page
    other = new_case(world)
    assert other.number not in page
    assert client.get(reverse("portal:mine")).status_code == 200
    client.logout()
    assert client.get(reverse("portal:mine")).status_code == 302  # login required


def test_rejected_case_shows_the_reason(client, world, actors):
    case = new_case(world)
    services.reject_case(case, actor=actors["dispatcher"], reason="属于私人物业范围")
    page = client.get(track_url(case)).content.decode()
    assert CaseStatus.REJECTED.label in page and "不予立案:属于私人物业范围" in page
